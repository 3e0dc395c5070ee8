"""VCF in and out (artgen_lite.vcf): strict reading, files bcftools accepts, round trips and fuzzing.

Each bad input gets a test named after what it checks; the round-trip and fuzz tests use hypothesis
and are bounded to a few seconds. The bcftools checks run when bcftools is on PATH (`.ci/run`
installs it) and are skipped with the reason otherwise.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pysam
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artgen_lite import data
from artgen_lite.data import DataError, Haplotypes

SHARED = Path(os.environ.get("ARTGEN_DATA_MIRROR") or Path(__file__).resolve().parent.parent.parent / "shared" / "data")
CHR1 = SHARED / "1000g" / "1kg_phase3_chr1_11697036-11836540.vcf.gz"
LCT = SHARED / "1000g" / "1kg_phase3_chr2_LCT_136401418-136699902.vcf.gz"
EUR10K = SHARED / "yelmen2021" / "10K_real_eur.vcf.gz"
GAN805 = SHARED / "yelmen2021" / "805_SNP_GAN_AG_20000epochs.hapt.zip"
LEGEND805 = SHARED / "yelmen2021" / "805_SNP.legend"
BCFTOOLS = shutil.which("bcftools")
needs_bcftools = pytest.mark.skipif(BCFTOOLS is None, reason="bcftools is not on PATH (.ci/run installs it with apt-get)")

HEAD = (
    "##fileformat=VCFv4.2\n##contig=<ID=1>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=XX,Number=1,Type=String,Description="A free-text field">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n"
)


def vcf(tmp_path, body: str, name="t.vcf", head=HEAD) -> Path:
    p = tmp_path / name
    p.write_bytes((head + body).encode("latin-1"))
    return p


def rec(pos, gts, ref="A", alt="G", fmt="GT", chrom="1"):
    return f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t.\t.\t{fmt}\t" + "\t".join(gts) + "\n"


def need(path: Path):
    if not path.exists():
        pytest.skip(f"{path} is not here (set ARTGEN_DATA_MIRROR to the shared data folder)")
    return path


@pytest.fixture(scope="module")
def lct_indexed(tmp_path_factory):
    """A copy of the LCT VCF with a tabix index, so that region reads skip the rest of the file."""
    copy = tmp_path_factory.mktemp("lct") / LCT.name
    shutil.copy(need(LCT), copy)
    pysam.tabix_index(str(copy), preset="vcf", force=True)
    return copy


def haps(n=4, m=5, seed=0, ids=None, chrom="2"):
    rng = np.random.default_rng(seed)
    return Haplotypes(X=rng.integers(0, 2, size=(n, m)).astype(np.uint8), sample_ids=ids,
                      chrom=np.full(m, chrom), positions=np.arange(1, m + 1) * 100,
                      ref=np.full(m, "A"), alt=np.full(m, "T"))


def bcftools(*args) -> subprocess.CompletedProcess:
    return subprocess.run([BCFTOOLS, *map(str, args)], capture_output=True, text=True, timeout=120)


def check_with_bcftools(path: Path, tmp_path: Path, n_records: int, n_samples: int):
    """bcftools converts the file to BCF and indexes both; its stats count what was written."""
    bcf = tmp_path / (path.name + ".bcf")
    r = bcftools("view", "-Ob", "-o", bcf, path)
    assert r.returncode == 0, r.stderr
    assert bcftools("index", bcf).returncode == 0
    if path.suffix == ".gz":
        r = bcftools("index", "-f", path)
        assert r.returncode == 0, r.stderr
    stats = bcftools("stats", path).stdout
    assert re.search(rf"number of records:\s+{n_records}\b", stats), stats[:600]
    assert re.search(rf"number of samples:\s+{n_samples}\b", stats), stats[:600]


# ---------------------------------------------------------------- reading: each bad case


def test_unphased_vcf_names_record(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(20, ["0/1", "0|0"]), "u.vcf")
    with pytest.raises(DataError, match=r"u\.vcf: record 2 \(1:20\), sample 'S1': genotype '0/1' is unphased"):
        data.read_vcf(p)


def test_multiallelic_vcf_names_record(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(20, ["0|2", "0|0"], alt="T,G"), "m.vcf")
    with pytest.raises(DataError, match=r"m\.vcf: record 2 \(1:20\) is multi-allelic"):
        data.read_vcf(p)
    h = data.read_vcf(p, multiallelic="drop")
    assert h.X.tolist() == [[0], [1], [1], [1]]


def test_triploid_genotype_is_refused_not_read_as_diploid(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1|1", "1|1"]), "tri.vcf")
    with pytest.raises(DataError, match=r"tri\.vcf: record 1 \(1:10\), sample 'S1': genotype '0\|1\|1' has ploidy 3"):
        data.read_vcf(p)


def test_non_numeric_pos_is_refused_naming_line(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec("12x", ["0|1", "1|1"]), "pos.vcf")
    with pytest.raises(DataError, match=r"pos\.vcf: line 7 \(record 2\): POS '12x' is not a positive integer"):
        data.read_vcf(p)


def test_allele_2_on_biallelic_record_is_refused_never_a_2(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|2", "1|1"]), "a2.vcf")
    with pytest.raises(DataError, match=r"a2\.vcf: record 1 \(1:10\), sample 'S1': genotype '0\|2' names allele 2 "
                                        r"but the record has 1 ALT"):
        data.read_vcf(p)


def test_slash_in_another_format_field_is_not_unphased(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1:a/b", "1|0:c/d"], fmt="GT:XX"))
    assert data.read_vcf(p).X.tolist() == [[0], [1], [1], [0]]


def test_phase_check_respects_region(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(500, ["0/1", "0|0"]))
    h = data.read_vcf(p, region="1:1-100")
    assert h.positions.tolist() == [10] and h.X[:, 0].tolist() == [0, 1, 1, 1]
    with pytest.raises(DataError, match="unphased"):
        data.read_vcf(p, region="1:400-600")


def test_region_uses_the_index_of_a_bgzf_file(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(20, ["1|1", "0|0"]) + rec(30, ["0|0", "0|1"]))
    gz = Path(pysam.tabix_index(str(p), preset="vcf", force=True))
    assert gz.suffix == ".gz" and Path(str(gz) + ".tbi").exists()
    h = data.read_vcf(gz, region="1:15-30")
    assert h.positions.tolist() == [20, 30]
    assert h.X.tolist() == [[1, 0], [1, 0], [0, 0], [0, 1]]
    with pytest.raises(DataError, match=r"no variant records in region '1:40-50'"):
        data.read_vcf(gz, region="1:40-50")


def test_non_utf8_bytes_give_data_error_naming_file(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]).replace("\t.\tGT", "\tNOTE=caf\xe9\tGT"), "latin.vcf")
    with pytest.raises(DataError, match=r"latin\.vcf"):
        data.read_vcf(p)
    head = HEAD.replace("S2\n", "S\xe92\n")
    with pytest.raises(DataError, match=r"latin2\.vcf: .*not UTF-8"):
        data.read_vcf(vcf(tmp_path, rec(10, ["0|1", "1|1"]), "latin2.vcf", head=head))


def test_sites_only_vcf_says_it_has_no_genotypes(tmp_path):
    head = HEAD.replace("\tFORMAT\tS1\tS2", "")
    p = vcf(tmp_path, "1\t10\t.\tA\tG\t.\t.\t.\n", "sites.vcf", head=head)
    with pytest.raises(DataError, match=r"sites\.vcf: has no genotypes: it is a sites-only VCF"):
        data.read_vcf(p)


def test_haploid_calls_give_one_row_per_sample(tmp_path):
    p = vcf(tmp_path, rec(10, ["0", "1"]) + rec(20, ["1", "1"]))
    h = data.read_vcf(p)
    assert h.X.tolist() == [[0, 1], [1, 1]]
    assert list(h.sample_ids) == ["S1", "S2"]


def test_mixed_ploidy_in_one_record_is_refused(tmp_path):
    p = vcf(tmp_path, rec(10, ["0", "1|1"]), "mix.vcf")
    with pytest.raises(DataError, match=r"mix\.vcf: record 1 \(1:10\) mixes haploid and diploid calls"):
        data.read_vcf(p)


def test_ploidy_changing_between_records_is_refused(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(20, ["0", "1"]), "mix2.vcf")
    with pytest.raises(DataError, match=r"mix2\.vcf: mixed ploidy: record 2 \(1:20\) has 1-allele calls"):
        data.read_vcf(p)


def test_missing_genotype_is_refused(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", ".|1"]), "miss.vcf")
    with pytest.raises(DataError, match=r"miss\.vcf: record 1 \(1:10\), sample 'S2': .* missing alleles"):
        data.read_vcf(p)


def test_inserted_field_that_htslib_would_drop_is_refused(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(20, ["1|1", "0|0", "0|1"]), "extra.vcf")
    with pytest.raises(DataError, match=r"extra\.vcf: line 7 \(record 2\) has 12 tab-separated fields where the "
                                        r"header's 2 samples need 11"):
        data.read_vcf(p)


def test_truncated_bgzf_gives_data_error(tmp_path):
    whole = need(CHR1).read_bytes()
    p = tmp_path / "cut.vcf.gz"
    p.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"cut\.vcf\.gz: "):
        data.read_vcf(p)


def test_sample_named_Sample_homozygous_diploid_file_keeps_both_haplotypes(tmp_path):
    head = HEAD.replace("S1\tS2", "Sample_1\tSample_2")
    p = vcf(tmp_path, rec(10, ["0|0", "1|1"]) + rec(20, ["1|1", "0|0"]), head=head)
    h = data.read_vcf(p)  # never halved because of the sample names
    assert h.X.shape == (4, 2)
    assert list(h.sample_ids) == ["Sample_1_A", "Sample_1_B", "Sample_2_A", "Sample_2_B"]


def test_homozygous_as_haploid_reads_one_row_per_sample_only_when_asked(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|0", "1|1"]) + rec(20, ["1|1", "0|0"]))
    h = data.read_vcf(p, homozygous_as_haploid=True)
    assert h.X.tolist() == [[0, 1], [1, 0]] and list(h.sample_ids) == ["S1", "S2"]
    het = vcf(tmp_path, rec(10, ["0|0", "1|1"]) + rec(20, ["1|0", "0|0"]), "het.vcf")
    with pytest.raises(DataError, match=r"het\.vcf: homozygous_as_haploid=True, but record 2 \(1:20\) is "
                                        r"heterozygous in sample 'S1'"):
        data.read_vcf(het, homozygous_as_haploid=True)


def test_error_carries_path_and_record(tmp_path):
    p = vcf(tmp_path, rec(10, ["0|1", "1|1"]) + rec(20, ["0/1", "0|0"]), "u.vcf")
    with pytest.raises(DataError) as err:
        data.read_vcf(p)
    assert err.value.path == str(p) and err.value.record == 2
    assert isinstance(err.value, ValueError)


def test_eur_10k_load_gives_1004_haplotypes_and_known_frequency(mirror):
    h = data.load("eur_10k")
    assert h.X.shape == (1004, 10_000)
    j = np.flatnonzero(h.positions == 28365618)[0]  # rs12913832 (HERC2), EUR frequency 0.6365 in this file
    assert h.X[:, j].mean() == pytest.approx(0.6365, abs=5e-4)


# ---------------------------------------------------------------- writing: each case


def test_vcf_round_trip_of_unlabelled_haplotypes_is_haploid(tmp_path):
    h = haps(6, 9, seed=1)
    v = data.read_vcf(data.write_vcf(h, tmp_path / "ag.vcf.gz"))
    assert np.array_equal(v.X, h.X)
    assert v.positions.tolist() == h.positions.tolist()
    assert list(v.sample_ids[:2]) == ["AG0", "AG1"]


def test_rows_named_A_B_are_written_as_phased_diploid_samples(tmp_path):
    h = haps(4, 3, ids=["HG1_A", "HG1_B", "HG2_A", "HG2_B"])
    p = data.write_vcf(h, tmp_path / "d.vcf")
    assert "FORMAT\tHG1\tHG2\n" in p.read_text()
    assert re.search(r"\tGT\t[01]\|[01]\t[01]\|[01]\n", p.read_text())
    back = data.read_vcf(p)
    assert np.array_equal(back.X, h.X) and list(back.sample_ids) == list(h.sample_ids)


def test_odd_haplotype_count_with_diploid_output_is_refused(tmp_path):
    with pytest.raises(DataError, match=r"odd\.vcf: ploidy=2 pairs haplotypes into diploid samples, but there are 5"):
        data.write_vcf(haps(5, 3), tmp_path / "odd.vcf", ploidy=2)
    assert not (tmp_path / "odd.vcf").exists()
    back = data.read_vcf(data.write_vcf(haps(5, 3), tmp_path / "odd.vcf"))  # the default writes haploid samples
    assert back.X.shape == (5, 3)


def test_sample_prefix_Sample_round_trip_keeps_every_haplotype(tmp_path):
    h = haps(6, 4)
    back = data.read_vcf(data.write_vcf(h, tmp_path / "s.vcf", sample_prefix="Sample_"))
    assert back.X.shape == (6, 4) and np.array_equal(back.X, h.X)
    assert back.sample_ids[0] == "Sample_0"


def test_header_has_contig_reference_source_model_and_seed(tmp_path):
    h = haps(2, 3, chrom="2")
    p = data.write_vcf(h, tmp_path / "h.vcf", reference="GRCh37", model="gan", seed=7, source="artgen sample")
    text = p.read_text()
    assert "##contig=<ID=2,length=243199373>" in text
    assert "##reference=GRCh37" in text and "##source=artgen sample" in text
    assert "##artgen_model=gan" in text and "##artgen_seed=7" in text
    bare = data.write_vcf(haps(2, 3, chrom="chrQ"), tmp_path / "b.vcf").read_text()
    assert "##contig=<ID=chrQ>" in bare and "##source=artgen-lite" in bare


def test_lct_reference_and_contig_lines_survive_a_round_trip(tmp_path, lct_indexed):
    h = data.read_vcf(lct_indexed, region="2:136600000-136620000", multiallelic="drop")
    with pytest.raises(DataError, match=r"has the symbolic ALT '<INS:ME:SVA>'.*symbolic='drop'"):
        data.write_vcf(h, tmp_path / "lct.vcf.gz")
    h = h.columns(~np.char.startswith(h.alt.astype(str), "<"))
    out = data.write_vcf(h, tmp_path / "lct.vcf.gz")
    header = str(pysam.VariantFile(str(out)).header)
    assert "##reference=GRCh37" in header
    assert "##contig=<ID=2,assembly=b37,length=243199373>" in header
    back = data.read_vcf(out)
    assert np.array_equal(back.X, h.X) and list(back.sample_ids) == list(h.sample_ids)


def test_vcf_gz_is_bgzf_with_a_tabix_index(tmp_path):
    p = data.write_vcf(haps(4, 50), tmp_path / "x.vcf.gz")
    raw = p.read_bytes()
    assert raw[:4] == b"\x1f\x8b\x08\x04" and raw[12:14] == b"BC", "BGZF blocks carry the 'BC' extra field"
    assert Path(str(p) + ".tbi").exists()
    assert [r.pos for r in pysam.VariantFile(str(p)).fetch("2", 1000, 2000)] == list(range(1100, 2001, 100))
    assert not data.write_vcf(haps(4, 5), tmp_path / "plain.vcf").read_bytes().startswith(b"\x1f\x8b")


def test_unsorted_positions_are_sorted_with_their_columns(tmp_path):
    h = haps(4, 4)
    h.positions = np.array([400, 100, 300, 200])
    back = data.read_vcf(data.write_vcf(h, tmp_path / "s.vcf"))
    assert back.positions.tolist() == [100, 200, 300, 400]
    assert np.array_equal(back.X, h.X[:, [1, 3, 2, 0]])


def test_duplicate_site_is_refused_but_split_multiallelic_kept(tmp_path):
    h = haps(2, 3)
    h.positions = np.array([100, 200, 100])
    with pytest.raises(DataError, match=r"dup\.vcf: the site 2:100 A>T occurs twice"):
        data.write_vcf(h, tmp_path / "dup.vcf")
    h.alt = np.array(["T", "T", "G"])  # same position, another ALT: a split multi-allelic site, as in the LCT file
    assert data.read_vcf(data.write_vcf(h, tmp_path / "ok.vcf")).positions.tolist() == [100, 100, 200]


@pytest.mark.parametrize("bad", ["0", "1", "nan", float("nan"), None, 1, "", "<CN0>", "A C", "a"])
def test_alleles_that_are_not_bases_are_refused(tmp_path, bad):
    h = haps(2, 2)
    h.alt = np.array(["T", bad], dtype=object)
    with pytest.raises(DataError, match=r"bad\.vcf: SNP column 1 \(2:200\) has (the symbolic )?ALT"):
        data.write_vcf(h, tmp_path / "bad.vcf")


def test_missing_coordinates_are_refused(tmp_path):
    with pytest.raises(DataError, match=r"x\.vcf: the haplotypes have no chrom, positions, ref, alt"):
        data.write_vcf(Haplotypes(X=np.zeros((2, 3), np.uint8)), tmp_path / "x.vcf")


def test_position_beyond_the_contig_is_refused(tmp_path):
    h = haps(2, 2, chrom="21")
    h.positions = np.array([10, 60_000_000])
    with pytest.raises(DataError, match=r"far\.vcf: position 21:60000000 lies beyond the contig's length 48129895"):
        data.write_vcf(h, tmp_path / "far.vcf", reference="GRCh37")


@pytest.mark.parametrize("ids,msg", [(["a b", "c"], "holds whitespace"), (["a", "a"], "occurs twice")])
def test_sample_ids_vcf_cannot_carry_are_refused(tmp_path, ids, msg):
    with pytest.raises(DataError, match=rf"ids\.vcf: sample name .*{msg}"):
        data.write_vcf(haps(2, 2, ids=ids), tmp_path / "ids.vcf")


def test_written_files_have_normal_permissions(tmp_path):
    p = data.write_vcf(haps(2, 2), tmp_path / "p.vcf.gz")
    mask = os.umask(0)
    os.umask(mask)
    for f in (p, Path(str(p) + ".tbi")):
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~mask


def test_failed_write_leaves_old_file_and_no_leftovers(tmp_path, monkeypatch):
    target = tmp_path / "x.vcf.gz"
    data.write_vcf(haps(2, 3), target)
    before = target.read_bytes()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pysam, "tabix_index", boom)
    with pytest.raises(RuntimeError):
        data.write_vcf(haps(4, 6, seed=5), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.vcf.gz", "x.vcf.gz.tbi"]


def test_uint8_values_other_than_01_are_refused(tmp_path):
    h = haps(2, 2)
    h.X[0, 0] = 2  # bypasses the constructor's check
    with pytest.raises(DataError, match=r"v\.vcf: haplotype values must be 0 or 1"):
        data.write_vcf(h, tmp_path / "v.vcf")


@needs_bcftools
def test_simulated_fallback_writes_real_bases_that_bcftools_accepts(tmp_path):
    h = data.simulate_out_of_africa(4, 100_000, seed=2)
    assert set(np.unique(h.ref)) <= set("ACGT") and set(np.unique(h.alt)) <= set("ACGT")
    assert not (h.ref == h.alt).any() and h.chrom[0] == "sim1"
    p = data.write_vcf(h, tmp_path / "sim.vcf.gz", model="stdpopsim OutOfAfrica_3G09", seed=2)
    assert "##contig=<ID=sim1,length=100000>" in str(pysam.VariantFile(str(p)).header)
    check_with_bcftools(p, tmp_path, h.n_snps, h.n_haplotypes // 2)


# ---------------------------------------------------------------- bcftools on real files and AGs


@needs_bcftools
@pytest.mark.parametrize("name,kwargs", [
    ("chr1", {"region": "1:11697036-11760000"}),  # regions keep each check to a few seconds
    ("eur10k", {"homozygous_as_haploid": True, "region": "15:27379578-28000000"}),
    ("lct", {"multiallelic": "drop", "region": "2:136600000-136650000"}),
])
def test_round_trip_of_shared_vcf_passes_bcftools(tmp_path, name, kwargs, request):
    src = request.getfixturevalue("lct_indexed") if name == "lct" else need({"chr1": CHR1, "eur10k": EUR10K}[name])
    h = data.read_vcf(src, **kwargs)
    out = data.write_vcf(h, tmp_path / f"{name}.vcf.gz", symbolic="drop")  # SVs need an extent we do not keep
    h = h.columns(~np.char.startswith(h.alt.astype(str), "<"))
    n_samples = h.n_haplotypes // 2 if h.meta["ploidy"] == 2 else h.n_haplotypes
    check_with_bcftools(out, tmp_path, h.n_snps, n_samples)
    back = data.read_vcf(out)
    assert np.array_equal(back.X, h.X)
    assert list(back.sample_ids) == list(h.sample_ids)
    assert back.positions.tolist() == h.positions.tolist() and back.alt.tolist() == h.alt.tolist()


@needs_bcftools
def test_released_gan_ags_written_with_the_805_legend_pass_bcftools(tmp_path):
    h = data.with_legend(data.read_hapt(need(GAN805)), need(LEGEND805))
    out = data.write_vcf(h, tmp_path / "gan_ags.vcf.gz", reference="GRCh37", model="GAN (Yelmen et al. 2021)", seed=0)
    check_with_bcftools(out, tmp_path, 805, 5000)
    assert bcftools("view", "-H", "-r", "2:136608646", out).stdout.split("\t")[1] == "136608646"
    back = data.read_vcf(out)
    order = np.lexsort((h.positions, [list(dict.fromkeys(h.chrom)).index(c) for c in h.chrom]))
    assert np.array_equal(back.X, h.X[:, order]) and list(back.sample_ids) == list(h.sample_ids)


# ---------------------------------------------------------------- round-trip property


ID = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=8)
BASES = st.text(st.sampled_from("ACGT"), min_size=1, max_size=3)


@settings(max_examples=int(os.environ.get("FUZZ_N", 40)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data_=st.data())
def test_write_then_read_gives_back_the_same_haplotypes(tmp_path, data_):
    n = data_.draw(st.integers(1, 7), "n")
    m = data_.draw(st.integers(1, 8), "m")
    diploid = n % 2 == 0 and data_.draw(st.booleans(), "diploid")
    if diploid:
        stems = data_.draw(st.lists(ID, min_size=n // 2, max_size=n // 2, unique=True), "stems")
        ids = [f"{s}_{ab}" for s in stems for ab in "AB"]
    else:
        ids = data_.draw(st.lists(ID.filter(lambda s: not s.endswith(("_A", "_B"))), min_size=n, max_size=n,
                                  unique=True), "ids")
    chroms = data_.draw(st.lists(st.sampled_from(["1", "2", "X", "chr7", "sim1"]), min_size=m, max_size=m), "chrom")
    pos = data_.draw(st.lists(st.integers(1, 10**7), min_size=m, max_size=m), "pos")
    ref = data_.draw(st.lists(BASES, min_size=m, max_size=m), "ref")
    alt = [data_.draw(BASES.filter(lambda a, r=r: a != r), "alt") for r in ref]
    X = np.asarray(data_.draw(st.lists(st.lists(st.integers(0, 1), min_size=m, max_size=m), min_size=n, max_size=n),
                              "X"), dtype=np.uint8)
    h = Haplotypes(X=X, sample_ids=np.array(ids, dtype=object), chrom=np.array(chroms), positions=np.array(pos),
                   ref=np.array(ref), alt=np.array(alt))
    site = list(zip(chroms, pos, ref, alt))
    path = tmp_path / f"p{data_.draw(st.integers(0, 10**9), 'file')}.vcf{data_.draw(st.sampled_from(['', '.gz']))}"
    if len(set(site)) < m:
        with pytest.raises(DataError, match="occurs twice"):
            data.write_vcf(h, path)
        return
    back = data.read_vcf(data.write_vcf(h, path))
    contig_rank = {c: k for k, c in enumerate(dict.fromkeys(chroms))}
    order = sorted(range(m), key=lambda j: (contig_rank[chroms[j]], pos[j], ref[j], alt[j]))
    assert np.array_equal(back.X, X[:, order])
    assert list(back.sample_ids) == ids
    assert back.positions.tolist() == [pos[j] for j in order]
    assert back.chrom.tolist() == [chroms[j] for j in order]
    assert back.ref.tolist() == [ref[j] for j in order] and back.alt.tolist() == [alt[j] for j in order]


# ---------------------------------------------------------------- fuzzing read_vcf on a real file


def _real_excerpt(n_samples=12, n_records=30) -> bytes:
    """The header and first records of the real chr1 VCF, cut to a few samples (a real file, small)."""
    out = []
    with gzip.open(need(CHR1), "rt") as fh:
        for line in fh:
            if line.startswith("##"):
                out.append(line)
                continue
            out.append("\t".join(line.rstrip("\n").split("\t")[: 9 + n_samples]) + "\n")
            if sum(not x.startswith("#") for x in out) == n_records:
                break
    return "".join(out).encode()


def _oracle(text: bytes):
    """What a strict literal reading of the text gives: (positions, X) or None when it is not valid."""
    try:
        text = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text[:-1].split("\n") if text.endswith("\n") else text.split("\n")  # a last line may lack its newline
    head = [ln for ln in lines if ln.startswith("#CHROM")]
    if len(head) != 1:
        return None
    n = len(head[0].split("\t")) - 9
    pos, cols = [], []
    for ln in lines:
        if ln.startswith("#"):
            continue
        f = ln.split("\t")
        if len(f) != 9 + n or not f[1].isdigit() or int(f[1]) < 1 or "," in f[4] or f[8].split(":")[0] != "GT":
            return None
        gts = [g.split(":")[0] for g in f[9:]]
        if not all(re.fullmatch(r"[01]\|[01]", g) for g in gts):
            return None
        if f[4].startswith("<") or f[4] in (".", ""):
            return None
        pos.append(int(f[1]))
        cols.append([int(g[a]) for g in gts for a in (0, 2)])
    if not cols:
        return None
    return pos, np.array(cols, dtype=np.uint8).T


def _mutate(raw: bytes, draw) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "insert_field", "latin1", "utf16", "delete_line"]), "kind")
    if kind == "truncate":
        return raw[: draw(st.integers(0, len(raw) - 1), "at")]
    if kind == "flip":
        at = draw(st.integers(0, len(raw) - 1), "at")
        return raw[:at] + bytes([draw(st.integers(0, 255), "byte")]) + raw[at + 1:]
    if kind == "insert_field":
        lines = raw.split(b"\n")
        i = draw(st.integers(0, len(lines) - 2), "line")
        fields = lines[i].split(b"\t")
        k = draw(st.integers(0, len(fields)), "where")
        token = draw(st.sampled_from([b"0|1", b"1", b".", b"x", b""]), "token")
        lines[i] = b"\t".join(fields[:k] + [token] + fields[k:])
        return b"\n".join(lines)
    if kind == "latin1":
        at = draw(st.integers(0, len(raw) - 1), "at")
        return raw[:at] + "é".encode("latin-1") + raw[at:]
    if kind == "utf16":
        return raw.decode().encode("utf-16")
    lines = raw.split(b"\n")
    del lines[draw(st.integers(0, len(lines) - 2), "line")]
    return b"\n".join(lines)


@functools.lru_cache(maxsize=1)
def _excerpt() -> bytes:
    return _real_excerpt()


@settings(max_examples=int(os.environ.get("FUZZ_N", 60)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(draw=st.data())
def test_fuzzed_real_file_gives_the_right_matrix_or_a_data_error_naming_it(tmp_path, draw):
    bad = _mutate(_excerpt(), draw.draw)
    compressed = draw.draw(st.booleans(), "bgzf")
    p = tmp_path / ("fuzz.vcf.gz" if compressed else "fuzz.vcf")
    p.unlink(missing_ok=True)
    p.write_bytes(bad)
    if compressed:
        plain = tmp_path / "plain.vcf"
        p.rename(plain)
        pysam.tabix_compress(str(plain), str(p), force=True)
        if draw.draw(st.booleans(), "damage the stream"):
            z = bytearray(p.read_bytes())
            z = z[: draw.draw(st.integers(1, len(z)), "cut")]
            p.write_bytes(bytes(z))
            try:
                bad = gzip.decompress(bytes(z))
            except (OSError, EOFError):
                bad = None
    expected = _oracle(bad) if bad is not None else None
    try:
        h = data.read_vcf(p)
    except DataError as exc:
        assert str(p) in str(exc), str(exc)
        return
    assert expected is not None, "read_vcf returned a matrix from a file that is not a valid phased VCF"
    pos, X = expected
    assert h.positions.tolist() == pos
    assert np.array_equal(h.X, X)


def test_fuzz_excerpt_reads_as_the_real_file(tmp_path):
    excerpt = _excerpt()
    p = tmp_path / "ok.vcf"
    p.write_bytes(excerpt)
    h = data.read_vcf(p)
    full = data.read_vcf(need(CHR1), region="1:11697036-11697036")
    assert h.X.shape == (24, 30)
    assert np.array_equal(h.X[:, 0], full.X[:24, 0])
    pos, X = _oracle(excerpt)
    assert np.array_equal(h.X, X) and h.positions.tolist() == pos


def test_region_read_with_an_index_checks_only_the_region(tmp_path):
    body = rec(10, ["0|1", "1|1"]) + rec(20, ["1|1", "0|0", "0|1"]) + rec(30, ["0|0", "0|1"])
    gz = Path(pysam.tabix_index(str(vcf(tmp_path, body, "r.vcf")), preset="vcf", force=True))
    assert data.read_vcf(gz, region="1:30-40").X[:, 0].tolist() == [0, 0, 0, 1]
    with pytest.raises(DataError, match=r"r\.vcf\.gz: record 1 of the region has 12 tab-separated fields"):
        data.read_vcf(gz, region="1:15-25")
