"""The datasets derived from public R data files (LCT VCF, CpG islands, genes): converters and registry.

Offline and fast: each test writes a tiny R data file of the same structure as the public one (R's
XDR serialization, gzipped, written below in a few lines) and serves it through the registry's
download function, monkeypatched to copy local files. The real originals are converted only when
``ARTGEN_RDATA_ORIGINALS`` names a folder holding them (the last test).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import urllib.error
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from artgen_lite import data, rdata_sources
from artgen_lite import registry as reg

# ---------------------------------------------------------------- a tiny R serializer (XDR, format 3)

NA_INT = -(2**31)


class S4:
    """An R S4 object: a class name and its slots."""

    def __init__(self, cls, **slots):
        self.cls, self.slots = cls, slots


class Factor:
    """An R factor: 1-based codes into its levels."""

    def __init__(self, values):
        self.levels = list(dict.fromkeys(values))
        self.codes = np.array([self.levels.index(v) + 1 for v in values], dtype=np.int32)

    def __len__(self):
        return len(self.codes)


class Matrix:
    """An R matrix with dimnames (row names, column names)."""

    def __init__(self, m, rows, cols):
        self.m, self.rows, self.cols = m, rows, cols


def _flags(kind, obj=False, attr=False, tag=False, levels=0):
    return struct.pack(">i", kind | (levels << 12) | (obj << 8) | (attr << 9) | (tag << 10))


def _char(s):
    b = s.encode()
    return _flags(9, levels=64) + struct.pack(">i", len(b)) + b


def _sym(name):
    return _flags(1) + _char(name)


def _pairlist(items):
    out = b""
    for name, value in items:
        out += _flags(2, tag=True) + _sym(name) + _ser(value)
    return out + struct.pack(">i", 254)


def _attrs(attrs):
    return _pairlist(list(attrs.items())) if attrs else b""


def _vec(kind, payload, n, attrs=None):
    obj = bool(attrs) and "class" in attrs
    return _flags(kind, obj=obj, attr=bool(attrs)) + struct.pack(">i", n) + payload + _attrs(attrs)


def _ser(x, attrs=None):
    """Serialize a Python value as R would: ints -> INTSXP, floats -> REALSXP, str arrays -> STRSXP,
    dict -> named list, Factor -> factor, Matrix -> matrix with dimnames, S4 -> S4 object,
    ('df', dict) -> data.frame."""
    if isinstance(x, Matrix):
        return _ser(x.m, {"dimnames": [np.array(x.rows), np.array(x.cols)]})
    if isinstance(x, S4):
        a = {**x.slots, "class": np.array([x.cls])}
        return _flags(25, obj=True, attr=True) + _attrs(a)
    if isinstance(x, Factor):
        return _ser(x.codes, {"levels": np.array(x.levels), "class": np.array(["factor"])})
    if isinstance(x, tuple) and x[0] == "df":
        cols = x[1]
        n = len(next(iter(cols.values())))
        return _ser(list(cols.values()), {"names": np.array(list(cols)), "class": np.array(["data.frame"]),
                                          "row.names": np.array([NA_INT, -n], dtype=np.int32)})
    if isinstance(x, dict):
        return _ser(list(x.values()), {"names": np.array(list(x)), **(attrs or {})})
    if isinstance(x, list):
        return _vec(19, b"".join(_ser(v) for v in x), len(x), attrs)
    x = np.asarray(x)
    if x.ndim == 2:
        attrs = {"dim": np.array(x.shape, dtype=np.int32), **(attrs or {})}
        x = x.ravel(order="F")
    if x.dtype.kind in "US":
        return _vec(16, b"".join(_char(str(s)) for s in x), len(x), attrs)
    if x.dtype.kind == "b":
        return _vec(10, x.astype(">i4").tobytes(), len(x), attrs)
    if x.dtype.kind in "iu":
        return _vec(13, x.astype(">i4").tobytes(), len(x), attrs)
    return _vec(14, x.astype(">f8").tobytes(), len(x), attrs)


def write_rda(path: Path, objects: dict, compress=gzip.compress) -> Path:
    """An .rda file (RDX3, XDR) holding ``objects``, as R's save() writes it."""
    head = b"RDX3\nX\n" + struct.pack(">iii", 3, 0x040301, 0x030500) + struct.pack(">i", 5) + b"UTF-8"
    path.write_bytes(compress(head + _pairlist(list(objects.items()))))
    return path


# ---------------------------------------------------------------- fixtures of the three structures

SAMPLES = ["HG00096", "HG00097", "NA18486"]
HAP = np.array([[0, 1, 1, 0],  # HG00096 hap.1
                [0, 1, 0, 0],  # HG00096 hap.2
                [1, 0, 0, 0],
                [0, 0, 1, 1],
                [1, 1, 1, 0],
                [0, 0, 0, 1]], dtype=np.int32)
SNPS = {"chr": np.full(4, 2, np.int32), "id": np.array(["rs1", "rs4988235", "esv3592579", "rs9"]),
        "dist": np.zeros(4), "pos": np.array([136401418, 136608646, 136608646, 136699902], np.int32),
        "A1": np.array(["A", "G", "T", "G"]), "A2": np.array(["G", "A", "<INS:ME:ALU>", "T"])}


def lct_rda(path: Path) -> Path:
    hap_ids = np.array([f"{s}.{k}" for s in SAMPLES for k in (1, 2)])
    sample = ("df", {"sample": Factor([s for s in SAMPLES for _ in (1, 2)]),
                     "sex": Factor(["male"] * 2 + ["female"] * 4),
                     "population": Factor(["GBR"] * 4 + ["YRI"] * 2),
                     "super.population": Factor(["EUR"] * 4 + ["AFR"] * 2)})
    return write_rda(path, {
        "LCT.hap": Matrix(HAP, hap_ids, SNPS["id"]),  # an integer matrix with dimnames, as in Ravages
        "LCT.snps": ("df", SNPS),
        "LCT.sample": sample,
    })


ISLANDS = [  # chrom, start (= UCSC chromStart), width (= length + 1), name, cpgNum, gcNum, perCpg, perGc, obsExp
    ("chr1", 28735, 1003, "CpG: 111", 111, 731, 22.2, 73.0, 0.85),
    ("chr2", 45510, 1094, "CpG: 135", 135, 799, 24.7, 73.1, 0.93),
    ("chr2", 2333000, 500, "CpG: 40", 40, 300, 16.0, 60.0, 0.7),  # crosses the slice's end
    ("chr2", 197437, 1099, "CpG: 107", 107, 688, 19.5, 62.7, 0.99),
    ("chr3", 10, 200, "CpG: 20", 20, 120, 20.0, 60.5, 1.1),
]


def cgi_rda(path: Path) -> Path:
    runs = _runs([r[0] for r in ISLANDS])  # seqnames is run-length encoded
    col = lambda k, dt: np.array([r[k] for r in ISLANDS], dtype=dt)  # noqa: E731
    gr = S4("GRanges",
            seqnames=S4("Rle", values=Factor([r[0] for r in runs]), lengths=np.array([len(r) for r in runs], np.int32)),
            ranges=S4("IRanges", start=col(1, np.int32), width=col(2, np.int32)),
            strand=S4("Rle", values=Factor(["*"]), lengths=np.array([len(ISLANDS)], np.int32)),
            elementMetadata=S4("DataFrame", nrows=np.array([len(ISLANDS)], np.int32), listData={
                "bin": np.full(len(ISLANDS), 585, np.int32), "name": col(3, str),
                "length": col(2, np.int32) - 1, "cpgNum": col(4, np.int32), "gcNum": col(5, np.int32),
                "perCpg": col(6, float), "perGc": col(7, float), "obsExp": col(8, float)}))
    return write_rda(path, {"CGI_hg38": gr})


def _runs(xs):
    out = []
    for x in xs:
        if out and out[-1][0] == x:
            out[-1].append(x)
        else:
            out.append([x])
    return out


GENES = {"Chr": np.array([1, 1, 2], np.int32), "Start": np.array([65418.0, 89294.0, 264140.0]),
         "End": np.array([71585, 133723, 278283], np.int32)}


def genes_rdata(path: Path) -> Path:
    return write_rda(path, {"genes.b38": ("df", {**GENES, "Name": Factor(["OR4F5", "AL627309.1", "SH3YL1"])})})


# ---------------------------------------------------------------- the converters


def test_lct_vcf_has_ref_a1_alt_a2_and_phased_haplotype_pairs(tmp_path):
    out = rdata_sources.write_lct_vcf(lct_rda(tmp_path / "LCT.haplotypes.rda"), tmp_path / "lct.vcf.gz")
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert lines[0] == "##fileformat=VCFv4.2"
    header = next(ln for ln in lines if ln.startswith("#CHROM")).split("\t")
    assert header[9:] == SAMPLES
    records = [ln.split("\t") for ln in lines if not ln.startswith("#")]
    assert [r[:9] for r in records] == [
        ["2", str(p), i, a1, a2, ".", "PASS", ".", "GT"]
        for p, i, a1, a2 in zip(SNPS["pos"], SNPS["id"], SNPS["A1"], SNPS["A2"])]
    assert records[0][9:] == ["0|0", "1|0", "1|0"]  # SNP 1: hap.1|hap.2 of each sample
    # every genotype, back as a matrix: rows = haplotypes (hap.1 then hap.2 of each sample)
    gt = np.array([[g.split("|") for g in r[9:]] for r in records], dtype=np.uint8)  # snps x samples x 2
    assert np.array_equal(gt.transpose(1, 2, 0).reshape(len(HAP), -1), HAP)


def test_lct_vcf_is_bgzf_that_the_package_reader_reads(tmp_path):
    out = rdata_sources.write_lct_vcf(lct_rda(tmp_path / "x.rda"), tmp_path / "lct.vcf.gz")
    raw = out.read_bytes()
    assert raw[12:16] == b"BC\x02\x00" and raw.endswith(rdata_sources._BGZF_EOF)  # BGZF blocks, EOF marker
    h = data.read_vcf(out, multiallelic="drop")  # through pysam, as the chapters read it
    assert h.X.dtype == np.uint8 and np.array_equal(h.X, HAP)
    assert list(h.sample_ids) == [f"{s}_{k}" for s in SAMPLES for k in "AB"]
    assert list(h.positions) == list(SNPS["pos"]) and list(h.alt) == list(SNPS["A2"])


def test_bgzf_splits_into_64k_blocks_and_round_trips(tmp_path):
    payload = np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes()  # incompressible
    with open(tmp_path / "x.gz", "wb") as fh, rdata_sources.BgzfWriter(fh) as bg:
        bg.write(payload[:100])
        bg.write(payload[100:])
    raw = (tmp_path / "x.gz").read_bytes()
    assert gzip.decompress(raw) == payload
    sizes, i = [], 0
    while i < len(raw):
        bsize = struct.unpack("<H", raw[i + 16:i + 18])[0] + 1
        assert bsize <= 65536
        sizes.append(struct.unpack("<I", raw[i + bsize - 4:i + bsize])[0])
        i += bsize
    assert sum(sizes) == len(payload) and sizes[-1] == 0  # the empty EOF block ends the file


def test_lct_with_a_missing_allele_is_refused_naming_the_file(tmp_path):
    bad = HAP.copy()
    bad[2, 1] = NA_INT
    p = write_rda(tmp_path / "bad.rda", {"LCT.hap": bad, "LCT.snps": ("df", SNPS),
                                          "LCT.sample": ("df", {"sample": Factor([s for s in SAMPLES for _ in (1, 2)])})})
    with pytest.raises(rdata_sources.RDataError, match=r"bad\.rda: LCT\.hap holds values other than 0/1"):
        rdata_sources.write_lct_vcf(p, tmp_path / "out.vcf.gz")
    assert not (tmp_path / "out.vcf.gz").exists() and os.listdir(tmp_path) == ["bad.rda"]


def test_a_file_that_is_not_r_data_names_the_file(tmp_path):
    p = tmp_path / "page.rda"
    p.write_text("<!doctype html><html>404</html>")
    with pytest.raises(rdata_sources.RDataError, match=r"page\.rda: not a readable R data file"):
        rdata_sources.write_genes_b38(p, tmp_path / "g.tsv.gz")


def test_cpg_islands_keep_ucsc_coordinates_and_the_slice_keeps_islands_inside(tmp_path):
    rda = cgi_rda(tmp_path / "CGI_hg38.rda")
    full = rdata_sources.write_cpg_islands(rda, tmp_path / "cpgIslandExt.hg38.bed.gz")
    rows = [ln.split("\t") for ln in gzip.decompress(full.read_bytes()).decode().splitlines()]
    assert rows[0] == ["#chrom", "chromStart", "chromEnd", "name", "length", "cpgNum", "gcNum", "perCpg", "perGc", "obsExp"]
    assert rows[1] == ["chr1", "28735", "29737", "CpG: 111", "1002", "111", "731", "22.2", "73.0", "0.85"]
    assert all(int(r[2]) - int(r[1]) == int(r[4]) for r in rows[1:])  # chromEnd - chromStart == length
    assert len(rows) == 1 + len(ISLANDS)
    sl = rdata_sources.write_cpg_islands(rda, tmp_path / "slice.bed", region=rdata_sources.CHR2_SLICE)
    kept = [ln.split("\t")[:3] for ln in sl.read_text().splitlines()[1:]]
    assert kept == [["chr2", "45510", "46603"], ["chr2", "197437", "198535"]]  # not the one crossing 2,333,275


def test_genes_table_has_integer_coordinates_and_deterministic_gzip(tmp_path):
    rd = genes_rdata(tmp_path / "genes.b38.RData")
    a = rdata_sources.write_genes_b38(rd, tmp_path / "a" / "genes.b38.Ravages.tsv.gz")
    b = rdata_sources.write_genes_b38(rd, tmp_path / "b" / "other-name.tsv.gz")
    assert gzip.decompress(a.read_bytes()).decode() == (
        "Chr\tStart\tEnd\tName\n1\t65418\t71585\tOR4F5\n1\t89294\t133723\tAL627309.1\n2\t264140\t278283\tSH3YL1\n")
    assert a.read_bytes() == b.read_bytes()  # zero timestamp, the same member name whatever the path
    assert a.read_bytes()[3] & 8 and b"genes.b38.Ravages.tsv\x00" in a.read_bytes()[:40]


def test_bzip2_compressed_r_data_is_read_too(tmp_path):
    import bz2

    rd = write_rda(tmp_path / "g.RData", {"genes.b38": ("df", {**GENES, "Name": Factor(["A", "B", "C"])})},
                   compress=bz2.compress)  # Tightrope's CGI_hg38.rda is bzip2
    out = rdata_sources.write_genes_b38(rd, tmp_path / "g.tsv.gz")
    assert gzip.decompress(out.read_bytes()).decode().splitlines()[-1] == "2\t264140\t278283\tC"


# ---------------------------------------------------------------- the registry derives, checks, refuses


def _sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Point the registry's downloads of the three R sources at tiny local fixtures; returns the call log."""
    src = tmp_path / "src"
    src.mkdir()
    files = {"LCT.haplotypes.rda": lct_rda(src / "LCT.haplotypes.rda"),
             "CGI_hg38.rda": cgi_rda(src / "CGI_hg38.rda"),
             "genes.b38.RData": genes_rdata(src / "genes.b38.RData")}
    expected = tmp_path / "expected"
    converted = {"lct": rdata_sources.write_lct_vcf(files["LCT.haplotypes.rda"], expected / "lct.vcf.gz"),
                 "cpg_chr2_slice": rdata_sources.write_cpg_islands(files["CGI_hg38.rda"], expected / "cpg.bed",
                                                                   region=rdata_sources.CHR2_SLICE),
                 "genes_b38": rdata_sources.write_genes_b38(files["genes.b38.RData"], expected / "genes.tsv.gz")}
    for name, out in converted.items():  # the registry entries, with the fixtures' checksums
        d = reg.REGISTRY[name]
        fname = d.urls[0].where.rsplit("/", 1)[1]
        content = _sha_gunzip(out) if d.content_sha256 else None
        monkeypatch.setitem(reg.REGISTRY, name, replace(
            d, sha256=_sha(out), size=out.stat().st_size, content_sha256=content,
            urls=(replace(d.urls[0], sha256=_sha(files[fname])),)))
    calls = []

    def download(url, dest, label, timeout=30):
        calls.append(url)
        shutil.copyfile(files[url.rsplit("/", 1)[1]], dest)

    monkeypatch.setattr(reg, "_download", download)
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARTGEN_DATA_MIRROR", raising=False)
    return calls, converted


def _sha_gunzip(path):
    return hashlib.sha256(gzip.decompress(Path(path).read_bytes())).hexdigest()


def test_registry_sources_are_r_data_files_pinned_to_a_commit():
    for name, conv in (("lct", "lct_vcf"), ("cpg_chr2_slice", "cpg_chr2_slice"), ("genes_b38", "genes_b38")):
        (src,) = reg.REGISTRY[name].urls
        assert src.unpack == f"rdata:{conv}" and conv in rdata_sources.CONVERTERS, name
        assert len(src.sha256) == 64 and "/data/" in src.where, name
        assert any(c in src.where for c in ("9e7919ef7025f59c10f7c4a2693977de22236998",
                                            "3cb7c55252971ebe3244c9f29a18102bfd1bc26a")), name


def test_fetch_derives_each_file_from_its_r_source(served):
    calls, converted = served
    for name in ("lct", "cpg_chr2_slice", "genes_b38"):
        path = reg.get(name)
        assert path.name == reg.REGISTRY[name].filename
        assert path.read_bytes() == converted[name].read_bytes(), name
    assert [u.rsplit("/", 1)[1] for u in calls] == ["LCT.haplotypes.rda", "CGI_hg38.rda", "genes.b38.RData"]
    h = data.read_vcf(reg.get("lct"), multiallelic="drop")
    assert np.array_equal(h.X, HAP) and len(calls) == 3  # cached: not fetched again
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(reg.REGISTRY[n].filename for n in converted)


def test_a_derived_file_with_the_wrong_checksum_is_refused_and_nothing_is_left(served, tmp_path, monkeypatch):
    d = reg.REGISTRY["genes_b38"]
    monkeypatch.setitem(reg.REGISTRY, "genes_b38", replace(d, sha256="0" * 64, content_sha256="1" * 64))
    with pytest.raises(reg.FetchError) as err:
        reg.get("genes_b38")
    msg = str(err.value)
    assert "dataset 'genes_b38'" in msg and d.urls[0].where in msg
    assert "sha256 mismatch, expected 0000" in msg and "decompressed content" in msg
    assert [p for p in (tmp_path / "cache").rglob("*")] == []  # no file, no temporary folder


def test_a_changed_r_source_is_refused_before_converting(served, tmp_path, monkeypatch):
    d = reg.REGISTRY["lct"]
    monkeypatch.setitem(reg.REGISTRY, "lct", replace(d, urls=(replace(d.urls[0], sha256="f" * 64),)))
    with pytest.raises(reg.FetchError, match=r"dataset 'lct'.*lct from https://\S+LCT\.haplotypes\.rda: sha256 mismatch"):
        reg.get("lct")
    assert [p for p in (tmp_path / "cache").rglob("*")] == []


def test_a_converter_error_is_a_fetch_error_naming_dataset_and_source(served, tmp_path, monkeypatch):
    def broken(url, dest, label, timeout=30):
        Path(dest).write_bytes(b"<!doctype html>")

    d = reg.REGISTRY["cpg_chr2_slice"]
    monkeypatch.setitem(reg.REGISTRY, "cpg_chr2_slice", replace(d, urls=(replace(d.urls[0], sha256=None),)))
    monkeypatch.setattr(reg, "_download", broken)
    with pytest.raises(reg.FetchError, match=r"dataset 'cpg_chr2_slice'.*deriving the file from the R data file "
                                             r"https://\S+CGI_hg38\.rda failed \(RDataError: .*not a readable R data file"):
        reg.get("cpg_chr2_slice")
    assert [p for p in (tmp_path / "cache").rglob("*")] == []


def test_the_mirror_is_tried_first(served, tmp_path):
    calls, converted = served
    mirror = tmp_path / "mirror"
    for name in converted:
        target = mirror / reg.REGISTRY[name].mirror.where
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(converted[name], target)
    for name in converted:
        assert reg.get(name, mirror=mirror).read_bytes() == converted[name].read_bytes()
    assert calls == []


def test_a_copy_compressed_differently_with_the_same_content_is_accepted(served, tmp_path):
    calls, converted = served
    cache = tmp_path / "cache"
    cache.mkdir()
    other = cache / reg.REGISTRY["genes_b38"].filename
    other.write_bytes(gzip.compress(gzip.decompress(converted["genes_b38"].read_bytes()), compresslevel=1, mtime=7))
    assert _sha(other) != reg.REGISTRY["genes_b38"].sha256
    assert reg.get("genes_b38") == other and calls == []  # the content checksum decides; nothing fetched
    other.write_bytes(gzip.compress(b"Chr\tStart\tEnd\tName\n", mtime=0))  # other content: fetched again
    assert reg.get("genes_b38").read_bytes() == converted["genes_b38"].read_bytes() and len(calls) == 1


def test_without_rdata_the_fetcher_says_what_to_install_before_downloading(served, monkeypatch):
    calls, _ = served
    real_find_spec = reg.importlib.util.find_spec
    monkeypatch.setattr(reg.importlib.util, "find_spec", lambda n, *a: None if n == "rdata" else real_find_spec(n, *a))
    with pytest.raises(reg.FetchError, match=r"dataset 'genes_b38'.*needs the course environment .*rdata.*from a mirror"):
        reg.get("genes_b38")
    assert calls == []


# ---------------------------------------------------------------- the real originals (only when present)


@pytest.mark.skipif(not os.environ.get("ARTGEN_RDATA_ORIGINALS"),
                    reason="set ARTGEN_RDATA_ORIGINALS to a folder holding LCT.haplotypes.rda, CGI_hg38.rda, genes.b38.RData")
def test_the_real_originals_give_the_registry_files_byte_for_byte(tmp_path, monkeypatch):
    folder = Path(os.environ["ARTGEN_RDATA_ORIGINALS"])
    monkeypatch.setattr(reg, "_download", lambda url, dest, label, timeout=30:
                        shutil.copyfile(folder / url.rsplit("/", 1)[1], dest))
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path))
    monkeypatch.delenv("ARTGEN_DATA_MIRROR", raising=False)
    for name in ("genes_b38", "cpg_chr2_slice", "lct"):
        assert _sha(reg.get(name)) == reg.REGISTRY[name].sha256, name


def test_offline_without_mirror_names_the_r_source(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARTGEN_DATA_MIRROR", raising=False)
    monkeypatch.setattr(reg, "_download", lambda *a, **k: (_ for _ in ()).throw(urllib.error.URLError("offline")))
    with pytest.raises(reg.FetchError, match=r"dataset 'lct' could not be fetched: .*LCT\.haplotypes\.rda failed"):
        reg.get("lct")
