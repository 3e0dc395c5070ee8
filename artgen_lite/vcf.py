"""VCF in and out, through htslib (pysam): phased haplotypes read strictly, files that bcftools accepts written.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes); the
command line (``artgen split/sample``) writes its VCFs with :func:`write_vcf`.

Reading (:func:`read_vcf`)
    htslib parses every record; the genotypes are taken from the parsed calls. One row per
    haplotype: a diploid sample ``HG00096`` gives rows ``HG00096_A`` and ``HG00096_B``, a haploid
    call (``GT`` = ``0`` or ``1``) gives one row named after its sample. Anything that is not a
    phased 0/1 haplotype is refused with a :class:`~artgen_lite.data_files.DataError` that names the file
    and the record: unphased, missing, triploid or mixed-ploidy calls, an allele index beyond the
    record's ALT alleles, a non-numeric position, a sites-only file, bytes that are not UTF-8.
    htslib silently drops extra tab-separated fields at the end of a record, which would shift the
    samples of a damaged line, so a cheap structural pass over the records counts the fields of each
    data line (and checks that POS is a positive integer) before the values are used.
    Files written as haploid-as-homozygous-diploid (one haplotype per sample written ``g|g``, as in
    the third-party 10K European VCF) are read as one haplotype per sample only when asked with
    ``homozygous_as_haploid=True``; a heterozygous call is then refused. Never by sample name.

Writing (:func:`write_vcf`)
    The ploidy rule: when the row ids pair up as ``X_A``, ``X_B`` (consecutive rows, the way
    :func:`read_vcf` names the two haplotypes of a diploid sample) the rows are written as phased
    diploid samples ``X`` (``0|1``); otherwise every haplotype is its own haploid sample
    (``GT`` = ``0``/``1``), which is what an artificial genome is. ``ploidy=2`` forces pairs (an odd
    number of haplotypes is refused), ``ploidy=1`` forces haploid samples.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["read_vcf", "write_vcf", "GRCH37_LENGTHS"]

#: Chromosome lengths of GRCh37 (b37 / hg19 / hs37d5 naming without ``chr``), used for ``##contig``
#: lines when the input says it is on that reference but gives no lengths (the 10K VCF says ``hg37``).
GRCH37_LENGTHS = {
    "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260, "6": 171115067,
    "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747, "11": 135006516, "12": 133851895,
    "13": 115169878, "14": 107349540, "15": 102531392, "16": 90354753, "17": 81195210, "18": 78077248,
    "19": 59128983, "20": 63025520, "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    "MT": 16569,
}
_GRCH37_NAMES = re.compile(r"grch37|hg19|hg37|b37|hs37d5|human_g1k_v37", re.IGNORECASE)
_BASES = re.compile(r"^[ACGTN]+$")  # upper case, so a pandas NaN turned into 'nan' is not taken for bases
_CONTIG = re.compile(r"^[0-9A-Za-z!#$%&+./;?@^_|~-][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*$")
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # a record holds tabs and printable text only
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t"
_REGION = re.compile(r"^([^:]+)(?::([0-9,]+)(?:-([0-9,]+))?)?$")


def _data():
    # imported lazily: artgen_lite.data imports this module for its read_vcf/write_vcf names
    from . import data

    return data


def _error(path, message, record=None, line=None):
    """A DataError whose message starts with the path; ``.path``, ``.record``, ``.line`` are set too."""
    err = _data().DataError(f"{path}: {message}")
    err.path, err.record, err.line = str(path), record, line
    return err


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _parse_region(region):
    """``"2"``, ``"2:1000"`` or ``"2:1,000-2,000"`` as (chrom, start, end), 1-based and inclusive."""
    if region is None:
        return None
    m = _REGION.match(str(region).strip())
    if not m:
        raise ValueError(f"region must look like CHR, CHR:START or CHR:START-END, got {region!r}")
    chrom, start, end = m.groups()
    start = int(start.replace(",", "")) if start else 1
    end = int(end.replace(",", "")) if end else 2**31 - 1
    if end < start:
        raise ValueError(f"region {region!r} ends before it starts")
    return chrom, start, end


def _raw_lines(path: Path, region, use_index: bool):
    """(line number or None, bytes) of the file's lines; only the region's records via tabix when indexed."""
    if region is not None and use_index:
        import pysam

        try:
            tbx = pysam.TabixFile(str(path), encoding="utf-8")
        except (OSError, ValueError):
            tbx = None
        if tbx is not None:
            with tbx:
                try:
                    lines = tbx.fetch(region[0], region[1] - 1, region[2])
                except ValueError:  # the contig is not in the index
                    return
                for line in lines:
                    yield None, line.encode("utf-8")
            return
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if compressed else open(path, "rb")) as fh:
        yield from enumerate(fh, start=1)


def _structure_pass(path: Path, n_samples: int, region, use_index: bool = False):
    """Check what htslib tolerates silently: the field count of every data line, a numeric POS, UTF-8.

    Returns the number of data lines (inside ``region`` when given; with an index only the region's
    lines are looked at). This pass looks at the line structure only; every value the reader
    returns comes from htslib's parse.
    """
    want = 9 + n_samples
    record = 0
    try:
        for line_no, raw in _raw_lines(path, region, use_index):
            if raw.startswith(b"#"):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _error(path, f"header line {line_no} holds bytes that are not UTF-8 ({exc.reason} at "
                                 f"byte {exc.start})", None, line_no) from None
                continue
            line = raw.rstrip(b"\r\n")
            if not line:
                continue
            head = line.split(b"\t", 2)
            if region is not None and len(head) >= 2 and head[1].isdigit():
                if head[0].decode("utf-8", "replace") != region[0] or not region[1] <= int(head[1]) <= region[2]:
                    continue
            record += 1
            n_fields = line.count(b"\t") + 1
            where = f"line {line_no} (record {record})" if line_no else f"record {record} of the region"
            if n_fields != want:
                raise _error(
                    path, f"{where} has {n_fields} tab-separated fields where the header's "
                    f"{n_samples} samples need {want}", record, line_no)
            if len(head) < 2 or not head[1].isdigit() or int(head[1]) < 1:
                pos = head[1].decode("utf-8", "replace") if len(head) > 1 else ""
                raise _error(path, f"{where}: POS {pos!r} is not a positive integer", record, line_no)
            if line.translate(None, _PRINTABLE):  # anything beyond printable ASCII and tabs: look closer
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _error(path, f"{where} holds bytes that are not UTF-8 ({exc.reason} at byte "
                                 f"{exc.start})", record, line_no) from None
                ctrl = _CONTROL.search(line)
                if ctrl:
                    raise _error(path, f"{where} holds the control byte {ctrl.group()!r} at byte {ctrl.start()}",
                                 record, line_no)
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
        raise _error(path, f"the compressed stream is damaged or truncated, or not text ({exc})") from exc
    return record


def _record_calls(path, rec, record, samples):
    """Alleles (n_samples, ploidy) of one parsed record, checked: phased, 0/1, one ploidy."""
    where = f"record {record} ({rec.chrom}:{rec.pos})"
    fields = str(rec).rstrip("\n").split("\t", 9)
    fmt = fields[8].split(":") if len(fields) > 8 else []
    if not fmt or fmt[0] != "GT":
        raise _error(path, f"{where} has no GT genotype field (FORMAT is {fields[8] if len(fields) > 8 else '.'!r})",
                     record)
    n = len(samples)
    tail = fields[9] if len(fields) > 9 else ""
    if len(fmt) == 1:
        # fast path: htslib's own formatting of the parsed calls, "0|1\t1|0\t..." or "0\t1\t..."
        b = np.frombuffer(tail.encode("ascii", "replace") + b"\t", np.uint8)
        if len(b) == 4 * n:
            b = b.reshape(n, 4)
            a = b[:, [0, 2]]
            if ((a == 48) | (a == 49)).all() and (b[:, 1] == 124).all() and (b[:, 3] == 9).all():
                return a - 48
        elif len(b) == 2 * n:
            b = b.reshape(n, 2)
            if ((b[:, 0] == 48) | (b[:, 0] == 49)).all() and (b[:, 1] == 9).all():
                return b[:, :1] - 48
    cols = [c.split(":", 1)[0] for c in tail.split("\t")]
    # the slow, exact path through pysam's per-sample calls: find and name the first bad call
    ploidies = set()
    out = []
    n_alleles = len(rec.alleles)
    for k, (name, call) in enumerate(rec.samples.items()):
        alleles = call.allele_indices
        text = cols[k] if k < len(cols) else "?"
        who = f"{where}, sample {name!r}: genotype {text!r}"
        if len(alleles) == 0:
            raise _error(path, f"{who} is empty", record)
        if len(alleles) > 2:
            raise _error(path, f"{who} has ploidy {len(alleles)}; only haploid and diploid calls are read", record)
        if any(a is None for a in alleles):
            digits = [int(t) for t in re.findall(r"\d+", text)]
            if any(d >= n_alleles for d in digits):
                raise _error(path, f"{who} names allele {max(digits)} but the record has {n_alleles - 1} ALT allele(s)",
                             record)
            raise _error(path, f"{who} has missing alleles; haplotype models need complete calls", record)
        if len(alleles) == 2 and not call.phased:
            raise _error(path, f"{who} is unphased ('/'); haplotype models need phased data ('|')", record)
        if any(a > 1 for a in alleles):
            raise _error(path, f"{who} names allele {max(alleles)}; only 0 (REF) and 1 (ALT) are read", record)
        ploidies.add(len(alleles))
        out.append(alleles)
    if len(ploidies) > 1:
        raise _error(path, f"{where} mixes haploid and diploid calls; split the file by ploidy first", record)
    return np.asarray(out, dtype=np.uint8).reshape(n, -1)


def _header_meta(header) -> dict:
    meta = {"contigs": {}}
    for r in header.records:
        if r.type == "CONTIG":
            attrs = {k: v for k, v in r.items() if k not in ("ID", "IDX")}
            if "length" in attrs:
                try:
                    attrs["length"] = int(attrs["length"])
                except ValueError:
                    attrs.pop("length")
            meta["contigs"][r["ID"]] = attrs
        elif r.type == "GENERIC" and r.key in ("reference", "source", "fileformat"):
            meta.setdefault("vcf_" + r.key if r.key != "reference" else "reference", r.value)
    return meta


def read_vcf(path, panel=None, region=None, multiallelic: str = "error", *,
             homozygous_as_haploid: bool = False):
    """Read a phased, biallelic VCF into :class:`~artgen_lite.data.Haplotypes` (chapter 01).

    Diploid samples give two rows ``SAMPLE_A``, ``SAMPLE_B``; haploid calls one row ``SAMPLE``.
    ``region`` (``"2"``, ``"2:136400000-136700000"``) keeps the records whose POS lies in it; an
    index (``.tbi``/``.csi``) is used when there is one. Multi-allelic records are refused, unless
    ``multiallelic="drop"``, which skips them (the LCT file lists 35) and counts them in
    ``h.meta["multiallelic_dropped"]``. ``homozygous_as_haploid``
    reads a file whose diploid calls are all homozygous as one haplotype per sample (the 10K
    European VCF). ``panel`` attaches population labels to diploid samples. The header's
    ``##reference``, ``##source`` and ``##contig`` lines go to ``h.meta`` so that
    :func:`write_vcf` can carry them on. Every refusal is a ``DataError`` naming the file and record.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.vcf`` or ``.vcf.gz`` file.
    panel : str, os.PathLike or pandas.DataFrame, optional
        A 1000 Genomes sample panel (see :func:`artgen_lite.data.attach_panel`).
    region : str, optional
        ``"CHROM"`` or ``"CHROM:START-END"`` (1-based, inclusive).
    multiallelic : {"error", "drop"}, optional
        What to do with records of more than one ALT allele.
    homozygous_as_haploid : bool, optional
        One row per sample from all-homozygous diploid calls.

    Returns
    -------
    artgen_lite.data.Haplotypes
        Rows = haplotypes, with sample ids, chromosome, positions, REF/ALT and header metadata.

    Examples
    --------
    A VCF written by :func:`write_vcf` (one diploid sample ``S1``) and read back:

    >>> import os, tempfile
    >>> from artgen_lite.data import Haplotypes
    >>> h = Haplotypes(X=np.array([[0, 1], [1, 1]], np.uint8), sample_ids=np.array(["S1_A", "S1_B"]),
    ...                chrom=np.array(["1", "1"]), positions=np.array([100, 200]),
    ...                ref=np.array(["A", "C"]), alt=np.array(["G", "T"]))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = read_vcf(write_vcf(h, os.path.join(tmp, "x.vcf")))
    >>> back.sample_ids.tolist(), back.X.tolist(), back.positions.tolist()
    (['S1_A', 'S1_B'], [[0, 1], [1, 1]], [100, 200])
    """
    import pysam

    data = _data()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if multiallelic not in ("error", "drop"):
        raise ValueError(f"multiallelic must be 'error' or 'drop', got {multiallelic!r}")
    reg = _parse_region(region)
    verbosity = pysam.set_verbosity(0)
    record = 0
    last = "the header"
    try:
        try:
            vf = pysam.VariantFile(str(path))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise _error(path, f"could not be read as VCF ({exc})") from exc
        with vf:
            try:
                samples = list(vf.header.samples)
            except UnicodeDecodeError as exc:
                raise _error(path, f"the header's sample names are not UTF-8 ({exc.reason})") from exc
            if not samples:
                raise _error(path, "has no genotypes: it is a sites-only VCF (no FORMAT/sample columns)")
            if len(set(samples)) != len(samples):
                raise _error(path, "the header lists a sample name twice")
            has_index = vf.index is not None if hasattr(vf, "index") else False
            n_lines = _structure_pass(path, len(samples), reg, use_index=has_index)
            meta = _header_meta(vf.header)
            if reg is not None and has_index:
                try:
                    it = vf.fetch(reg[0], reg[1] - 1, reg[2])
                except ValueError:
                    it = iter(())  # contig absent from the index: nothing in the region
            else:
                it = iter(vf)
            chrom, pos, ref, alt, calls, numbers = [], [], [], [], [], []
            dropped = 0
            for rec in it:
                if reg is not None and not (rec.chrom == reg[0] and reg[1] <= rec.pos <= reg[2]):
                    continue
                record += 1
                last = f"record {record} ({rec.chrom}:{rec.pos})"
                if rec.alts is None:
                    raise _error(path, f"{last} has no ALT allele (a monomorphic site); keep variable sites only",
                                 record)
                if len(rec.alts) > 1:
                    if multiallelic == "drop":
                        dropped += 1
                        continue
                    raise _error(path, f"{last} is multi-allelic; split it (bcftools norm -m-) or keep biallelic "
                                 "sites (multiallelic='drop')", record)
                calls.append(_record_calls(path, rec, record, samples))
                numbers.append(record)
                chrom.append(rec.chrom)
                pos.append(rec.pos)
                ref.append(rec.ref)
                alt.append(rec.alts[0])
            if record != n_lines:
                raise _error(path, f"htslib parsed {record} records where the file has {n_lines} data lines"
                             + (f" in region {region!r}" if region else ""))
    except (OSError, ValueError, UnicodeDecodeError, KeyError, IndexError) as exc:
        if isinstance(exc, data.DataError):
            raise
        raise _error(path, f"the record after {last} could not be parsed ({type(exc).__name__}: {exc})",
                     record + 1) from exc
    finally:
        pysam.set_verbosity(verbosity)
    if not calls:
        raise _error(path, "no variant records" + (f" in region {region!r}" if region else ""))
    ploidy = {c.shape[1] for c in calls}
    if len(ploidy) > 1:
        first = [c.shape[1] for c in calls]
        j = next(i for i in range(1, len(first)) if first[i] != first[0])
        raise _error(path, f"mixed ploidy: record {numbers[j]} ({chrom[j]}:{pos[j]}) has {first[j]}-allele calls "
                     f"where earlier records have {first[0]}; split the file by ploidy first", numbers[j])
    G = np.stack(calls)  # (records, samples, ploidy)
    n_var = G.shape[0]
    sample_arr = np.asarray(samples)
    if homozygous_as_haploid and G.shape[2] == 2:
        het = G[:, :, 0] != G[:, :, 1]
        if het.any():
            j, s = np.argwhere(het)[0]
            raise _error(path, f"homozygous_as_haploid=True, but record {numbers[j]} ({chrom[j]}:{pos[j]}) is "
                         f"heterozygous in sample {samples[s]!r}", numbers[j])
        X = np.ascontiguousarray(G[:, :, 0].T)
        sample_ids = sample_arr
    elif G.shape[2] == 1:
        X = np.ascontiguousarray(G[:, :, 0].T)
        sample_ids = sample_arr
    else:
        X = G.transpose(1, 2, 0).reshape(-1, n_var)
        sample_ids = np.array([f"{s}_{ab}" for s in samples for ab in "AB"])
    meta["ploidy"] = 1 if (homozygous_as_haploid or G.shape[2] == 1) else 2
    if multiallelic == "drop":
        meta["multiallelic_dropped"] = dropped
    h = data.Haplotypes(
        X=X,
        sample_ids=sample_ids,
        chrom=np.asarray(chrom, dtype=str),
        positions=np.asarray(pos, dtype=np.int64),
        ref=np.asarray(ref, dtype=str),
        alt=np.asarray(alt, dtype=str),
        source=path.name,
        meta=meta,
    )
    if panel is not None and meta["ploidy"] == 2:
        h = data.attach_panel(h, panel)
    return h


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _pairs_up(ids) -> bool:
    """True when consecutive ids are ``X_A``, ``X_B`` (the two haplotypes of one diploid sample)."""
    if ids is None or len(ids) == 0 or len(ids) % 2:
        return False
    ids = [str(s) for s in ids]
    return all(a.endswith("_A") and b.endswith("_B") and a[:-2] == b[:-2] and a[:-2]
               for a, b in zip(ids[0::2], ids[1::2]))


def _check_names(path, names, what):
    names = [str(s) for s in names]
    bad = next((s for s in names if not s or re.search(r"\s", s)), None)
    if bad is not None:
        raise _error(path, f"{what} {bad!r} is empty or holds whitespace, which VCF sample columns cannot carry")
    if len(set(names)) != len(names):
        dup = next(s for s in names if names.count(s) > 1)
        raise _error(path, f"{what} {dup!r} occurs twice; VCF sample names must be unique")
    return names


def _columns(h, path):
    """Chromosome, position, REF, ALT of every column, validated; and the column order that sorts them."""
    m = h.n_snps
    missing = [name for name in ("chrom", "positions", "ref", "alt") if getattr(h, name) is None]
    if missing:
        raise _error(path, f"the haplotypes have no {', '.join(missing)}; a VCF needs real coordinates and "
                     "alleles (attach a legend with data.with_legend or copy them from the training data)")
    chrom = np.asarray(h.chrom).astype(str)
    try:
        pos = np.asarray(h.positions).astype(np.float64)
    except (TypeError, ValueError):
        raise _error(path, "positions are not numbers") from None
    bad = np.flatnonzero(~np.isfinite(pos) | (pos < 1) | (pos != np.round(pos)) | (pos > 2**31 - 2))
    if bad.size:
        raise _error(path, f"SNP column {bad[0]} has position {h.positions[bad[0]]!r}; positions must be whole "
                     "numbers from 1 to 2^31-2")
    pos = pos.astype(np.int64)
    ref = np.asarray(h.ref).astype(str)
    alt = np.asarray(h.alt).astype(str)
    for name, raw, arr in (("REF", h.ref, ref), ("ALT", h.alt, alt)):
        bad = next((j for j in range(m) if not isinstance(raw[j], str) or not _BASES.match(arr[j])), None)
        if bad is not None and isinstance(raw[bad], str) and arr[bad].startswith("<"):
            raise _error(path, f"SNP column {bad} ({chrom[bad]}:{pos[bad]}) has the symbolic {name} {str(arr[bad])!r}, "
                         "whose extent (INFO/END) haplotypes do not carry; drop such columns before writing "
                         "(symbolic='drop')")
        if bad is not None:
            raise _error(path, f"SNP column {bad} ({chrom[bad]}:{pos[bad]}) has {name} {str(arr[bad])!r}; alleles "
                         "must be bases (A, C, G, T, N), not 0/1 codes or missing values")
    same = np.flatnonzero(np.char.upper(ref) == np.char.upper(alt))
    if same.size:
        j = same[0]
        raise _error(path, f"SNP column {j} ({chrom[j]}:{pos[j]}) has REF = ALT = {ref[j]!r}")
    bad = next((c for c in dict.fromkeys(chrom) if not _CONTIG.match(c)), None)
    if bad is not None:
        raise _error(path, f"chromosome name {bad!r} is not a valid VCF contig ID")
    contig_order = {c: k for k, c in enumerate(dict.fromkeys(chrom))}
    ck = np.array([contig_order[c] for c in chrom], dtype=np.int64)
    order = np.lexsort((alt, ref, pos, ck))
    key = np.stack([ck[order], pos[order]], axis=1)
    same_site = np.flatnonzero((np.diff(key, axis=0) == 0).all(axis=1)
                               & (ref[order][1:] == ref[order][:-1]) & (alt[order][1:] == alt[order][:-1]))
    if same_site.size:
        j = order[same_site[0]]
        raise _error(path, f"the site {chrom[j]}:{pos[j]} {ref[j]}>{alt[j]} occurs twice; a VCF lists each site once")
    return chrom, pos, ref, alt, order


def _contig_lines(h, chrom, pos, contig_lengths, reference, path):
    meta_contigs = dict((h.meta or {}).get("contigs", {}))
    lines = []
    grch37 = bool(reference and _GRCH37_NAMES.search(str(reference)))
    for c in dict.fromkeys(chrom):
        attrs = dict(meta_contigs.get(c, {}))
        if contig_lengths and c in contig_lengths:
            attrs["length"] = int(contig_lengths[c])
        elif "length" not in attrs and grch37 and c in GRCH37_LENGTHS:
            attrs["length"] = GRCH37_LENGTHS[c]
        if "length" in attrs:
            top = int(pos[chrom == c].max())
            if top > int(attrs["length"]):
                raise _error(path, f"position {c}:{top} lies beyond the contig's length {attrs['length']}")
        fields = [f"ID={c}"] + [f'{k}="{v}"' if re.search(r'[,<>="\s]', str(v)) else f"{k}={v}"
                                for k, v in attrs.items()]
        lines.append("##contig=<" + ",".join(fields) + ">")
    return lines


def _temp_next_to(path: Path) -> Path:
    """A new hidden temporary file next to ``path``; the caller renames or deletes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def write_vcf(h, path, sample_prefix: str = "AG", *, ploidy="auto", source: str | None = None,
              model: str | None = None, seed: int | None = None, reference: str | None = None,
              contig_lengths: dict | None = None, index: bool = True, symbolic: str = "error") -> Path:
    """Write haplotypes as a VCF that bcftools and tabix accept (chapter 01; ``artgen sample``).

    Rows become samples by the rule in this module's docstring: rows named ``X_A``, ``X_B`` form the
    phased diploid sample ``X``; otherwise each row is a haploid sample named by its id, or
    ``{sample_prefix}{i}`` when ``h`` has none. ``ploidy`` = ``"auto"`` | 1 | 2 overrides the rule
    (2 with an odd number of haplotypes is refused). Records are sorted by chromosome (in order of
    first appearance) and position; a site listed twice is refused. REF/ALT must be bases.
    The header has ``##fileformat``, ``##source`` (``source`` or ``artgen-lite VERSION``),
    ``##reference`` (``reference``, else the input's), one ``##contig`` per chromosome with its length
    when known (``contig_lengths``, the input's header, or GRCh37 when the reference says so), and
    ``##artgen_model`` / ``##artgen_seed`` when ``model`` / ``seed`` are given. A ``.gz`` path is
    written as BGZF with a tabix index next to it (``.tbi``; ``index=False`` skips it); any other
    path as plain text. The file appears whole or not at all, with the usual permissions.
    Symbolic ALT alleles (``<CN0>``, ``<INS:ME:SVA>``: structural variants in the 1000 Genomes chr1
    slice) need an extent (INFO/END) that haplotypes do not carry: they are refused, or left out
    with ``symbolic="drop"``.

    Parameters
    ----------
    h : artgen_lite.data.Haplotypes
        What to write; needs chromosome, positions and alleles (see :meth:`~artgen_lite.data.Haplotypes.like`).
    path : str or os.PathLike
        Output file; ``.gz`` gives BGZF.
    sample_prefix : str, optional
        Sample names of rows without ids.
    ploidy : {"auto", 1, 2}, optional
        How rows pair into samples.
    source, model, reference : str, optional
        Header lines ``##source``, ``##artgen_model`` and ``##reference``.
    seed : int, optional
        Header line ``##artgen_seed``.
    contig_lengths : dict of str to int, optional
        Lengths for the ``##contig`` lines.
    index : bool, optional
        Write the tabix index of a ``.gz`` output.
    symbolic : {"error", "drop"}, optional
        What to do with symbolic ALT alleles.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    Rows ``S1_A`` and ``S1_B`` become one phased diploid sample ``S1``:

    >>> import os, tempfile
    >>> from artgen_lite.data import Haplotypes
    >>> h = Haplotypes(X=np.array([[0, 1], [1, 1]], np.uint8), sample_ids=np.array(["S1_A", "S1_B"]),
    ...                chrom=np.array(["1", "1"]), positions=np.array([100, 200]),
    ...                ref=np.array(["A", "C"]), alt=np.array(["G", "T"]))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     text = write_vcf(h, os.path.join(tmp, "x.vcf")).read_text()
    >>> for line in text.splitlines():  # doctest: +NORMALIZE_WHITESPACE
    ...     if not line.startswith("##"):
    ...         print(line)
    #CHROM POS ID REF ALT QUAL FILTER INFO FORMAT S1
    1 100 . A G . . . GT 0|1
    1 200 . C T . . . GT 1|1
    """
    import pysam

    from . import __version__

    data = _data()
    path = Path(path)
    if not isinstance(h, data.Haplotypes):
        h = data.Haplotypes(X=h)
    n, m = h.X.shape
    if n == 0 or m == 0:
        raise _error(path, f"nothing to write: {n} haplotypes x {m} SNPs")
    if not np.isin(h.X, (0, 1)).all():
        raise _error(path, "haplotype values must be 0 or 1")
    if symbolic not in ("error", "drop"):
        raise ValueError(f"symbolic must be 'error' or 'drop', got {symbolic!r}")
    if symbolic == "drop" and h.alt is not None:
        keep = ~np.char.startswith(np.asarray(h.alt).astype(str), "<")
        if not keep.all():
            h = h.columns(keep)
            n, m = h.X.shape
    if ploidy not in ("auto", 1, 2):
        raise ValueError(f"ploidy must be 'auto', 1 or 2, got {ploidy!r}")
    if ploidy == "auto":
        ploidy = 2 if _pairs_up(h.sample_ids) else 1
    if ploidy == 2 and n % 2:
        raise _error(path, f"ploidy=2 pairs haplotypes into diploid samples, but there are {n} (an odd number); "
                     "write them as haploid samples (ploidy=1) or drop one")
    if ploidy == 2:
        names = ([str(s)[:-2] for s in h.sample_ids[0::2]] if _pairs_up(h.sample_ids)
                 else [f"{sample_prefix}{k}" for k in range(n // 2)])
    else:
        names = [str(s) for s in h.sample_ids] if h.sample_ids is not None else [f"{sample_prefix}{i}" for i in range(n)]
    names = _check_names(path, names, "sample name")
    chrom, pos, ref, alt, order = _columns(h, path)
    meta = h.meta or {}
    reference = reference if reference is not None else meta.get("reference")
    for label, value in (("source", source), ("model", model), ("reference", reference)):
        if value is not None and ("\n" in str(value) or "\r" in str(value)):
            raise ValueError(f"{label} must be one line, got {value!r}")

    header = pysam.VariantHeader()
    header.add_line(f"##source={source if source is not None else 'artgen-lite ' + __version__}")
    if reference:
        header.add_line(f"##reference={reference}")
    for line in _contig_lines(h, chrom, pos, contig_lengths, reference, path):
        header.add_line(line)
    if model is not None:
        header.add_line(f"##artgen_model={model}")
    if seed is not None:
        header.add_line(f"##artgen_seed={int(seed)}")
    header.add_line('##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype; haploid when one allele">')
    header.add_samples(names)

    compressed = path.suffix in (".gz", ".bgz")
    text_tmp = out_tmp = None
    made = []
    verbosity = pysam.set_verbosity(0)
    try:
        text_tmp = _temp_next_to(path)
        made.append(text_tmp)
        with open(text_tmp, "w", encoding="utf-8") as fh:
            fh.write(str(header))
            step = max(1, 4_000_000 // max(n, 1))
            for start in range(0, m, step):
                cols = order[start:start + step]
                block = h.X[:, cols].T.astype(np.uint8) + ord("0")  # (snps, haplotypes)
                if ploidy == 2:
                    cells = np.empty((len(cols), n // 2, 4), np.uint8)
                    cells[:, :, 0], cells[:, :, 1], cells[:, :, 2] = block[:, 0::2], ord("|"), block[:, 1::2]
                else:
                    cells = np.empty((len(cols), n, 2), np.uint8)
                    cells[:, :, 0] = block
                cells[:, :, -1] = ord("\t")
                cells[:, -1, -1] = ord("\n")
                rows = cells.reshape(len(cols), -1)
                for k, j in enumerate(cols):
                    fh.write(f"{chrom[j]}\t{pos[j]}\t.\t{ref[j]}\t{alt[j]}\t.\t.\t.\tGT\t")
                    fh.write(rows[k].tobytes().decode("ascii"))
        out_tmp = _temp_next_to(path)
        made.append(out_tmp)
        written = 0
        with pysam.VariantFile(str(text_tmp)) as src, \
                pysam.VariantFile(str(out_tmp), "wz" if compressed else "w", header=src.header) as dst:
            for rec in src:
                dst.write(rec)
                written += 1
        if written != m:
            raise _error(path, f"htslib wrote {written} of {m} records")
        tbi_tmp = None
        if compressed and index:
            tbi_tmp = Path(str(out_tmp) + ".tbi")
            made.append(tbi_tmp)
            pysam.tabix_index(str(out_tmp), preset="vcf", force=True, index=str(tbi_tmp))
        mode = 0o666 & ~_umask()
        os.chmod(out_tmp, mode)
        os.replace(out_tmp, path)
        made.remove(out_tmp)
        if tbi_tmp is not None:
            os.chmod(tbi_tmp, mode)
            os.replace(tbi_tmp, Path(str(path) + ".tbi"))
            made.remove(tbi_tmp)
        else:  # an index left from an earlier file of this name would now be stale
            for stale in (Path(str(path) + ".tbi"), Path(str(path) + ".csi")):
                stale.unlink(missing_ok=True)
    finally:
        pysam.set_verbosity(verbosity)
        for p in made:
            Path(p).unlink(missing_ok=True)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
