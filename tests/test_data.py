"""The data layer and the dataset registry: readers, writers, errors a user meets, splits, fallback."""

from __future__ import annotations

import gzip
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from artgen_lite import data
from artgen_lite.data import DataError, Haplotypes

fetch = data._fetch_module()


# ---------------------------------------------------------------- readers and their errors


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_read_hapt_reads_ids_and_matrix(tmp_path):
    p = write(tmp_path / "a.hapt", "Real S1_A 0 1 1\nReal S1_B 1 0 0\n")
    h = data.read_hapt(p)
    assert h.X.dtype == np.uint8
    assert h.X.tolist() == [[0, 1, 1], [1, 0, 0]]
    assert list(h.sample_ids) == ["S1_A", "S1_B"]


def test_ragged_row_names_file_and_line(tmp_path):
    p = write(tmp_path / "ragged.hapt", "AG a 0 1 1\nAG b 0 1\n")
    with pytest.raises(DataError, match=r"ragged\.hapt, line 2: ragged row with 2 SNPs where line 1 has 3"):
        data.read_hapt(p)


def test_value_other_than_01_names_file_and_line(tmp_path):
    p = write(tmp_path / "bad.hapt", "AG a 0 1 1\nAG b 0 2 1\nAG c 0 1 1\n")
    with pytest.raises(DataError, match=r"bad\.hapt, line 2: value '2' is not 0 or 1"):
        data.read_hapt(p)


def test_empty_file_is_refused(tmp_path):
    p = write(tmp_path / "empty.hapt", "")
    with pytest.raises(DataError, match=r"empty\.hapt: empty file"):
        data.read_hapt(p)


def test_legend_length_must_match(tmp_path):
    h = data.read_hapt(write(tmp_path / "a.hapt", "AG a 0 1 1\n"))
    legend = write(tmp_path / "x.legend", "id position a0 a1\n1:10_A_G 10 A G\n1:20_C_T 20 C T\n")
    with pytest.raises(DataError, match=r"x\.legend: the legend has 2 SNPs but the haplotypes have 3 columns"):
        data.with_legend(h, legend)


def test_unknown_dataset_name_lists_known_ones():
    with pytest.raises(DataError, match=r"unknown dataset 'nope'; known: .*1000g_805"):
        data.load("nope")
    with pytest.raises(KeyError, match="unknown dataset 'nope'"):
        fetch.get("nope")


def test_haplotypes_validates_labels():
    with pytest.raises(DataError, match="populations has 1 entries for 2 haplotypes"):
        Haplotypes(X=np.zeros((2, 3), np.uint8), populations=np.array(["A"]))
    with pytest.raises(DataError, match="only 0 and 1"):
        Haplotypes(X=np.array([[0, 3]]))


# ---------------------------------------------------------------- writers


def test_hapt_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(6, 9)).astype(np.uint8)
    h = Haplotypes(X=X, chrom=np.full(9, "2"), positions=np.arange(100, 109) * 10,
                   ref=np.full(9, "A"), alt=np.full(9, "T"))
    back = data.read_hapt(data.write_hapt(h, tmp_path / "ag.hapt"))
    assert np.array_equal(back.X, X)
    # the VCF half of this round trip, and the failed-write checks of write_vcf, are in tests/test_vcf.py


# ---------------------------------------------------------------- the registry and downloader


def test_every_dataset_has_origin_checksum_licence_and_citation():
    for d in fetch.REGISTRY.values():
        assert len(d.sha256) == 64, d.name
        assert d.licence and d.citation and d.title, d.name
        assert d.urls or "mirror only" in d.note or "Converted" in d.note, f"{d.name}: say why there is no URL"
        assert d.mirror.where, d.name


def test_checksum_mismatch_deletes_file_and_says_expected_vs_got(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror" / "yelmen2021"
    mirror.mkdir(parents=True)
    (mirror / "805_SNP.legend").write_text("id position a0 a1\ncorrupted\n")
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    with pytest.raises(fetch.FetchError, match=r"sha256 mismatch, expected 7742730f\w+ but got \w{64}; the file was deleted"):
        fetch.get("legend_805", mirror=tmp_path / "mirror")
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert leftovers == []


def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARTGEN_DATA_MIRROR", raising=False)

    def half_download(url, dest, label, timeout=30):
        Path(dest).write_bytes(b"partial")
        raise urllib.error.URLError("connection reset")

    monkeypatch.setattr(fetch, "_download", half_download)
    with pytest.raises(fetch.FetchError):
        fetch.get("legend_805")
    assert [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] == []


def test_no_network_gives_one_clear_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARTGEN_DATA_MIRROR", raising=False)

    def offline(*a, **k):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(fetch, "_download", offline)
    with pytest.raises(fetch.FetchError) as err:
        fetch.get("1000g_805")
    msg = str(err.value)
    assert "--mirror DIR" in msg and "ARTGEN_DATA_MIRROR" in msg and "simulation" in msg


def test_fallback_to_simulation_is_announced(tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ARTGEN_DATA_MIRROR", str(tmp_path / "empty"))
    monkeypatch.setattr(fetch, "_download", lambda *a, **k: (_ for _ in ()).throw(urllib.error.URLError("offline")))
    h, banner = data.load_or_simulate("1000g_805", n_per_population=20, length=200_000, seed=1)
    assert h.simulated and banner is not None
    assert "could not be had" in banner and "simulated" in banner
    assert set(np.unique(h.populations)) == {"YRI", "CEU", "CHB"}


def test_mirror_copy_matches_registry(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    path = fetch.get("1000g_805", mirror=mirror)
    assert path.stat().st_size == fetch.REGISTRY["1000g_805"].size
    assert fetch._file_sha256(path) == fetch.REGISTRY["1000g_805"].sha256


# ---------------------------------------------------------------- the real data


def test_real_805_shape_labels_and_known_snp(real805):
    h = real805
    assert h.X.shape == (5008, 805)
    assert len(np.unique(h.populations)) == 26
    assert sorted(np.unique(h.superpopulations)) == ["AFR", "AMR", "EAS", "EUR", "SAS"]
    # rs4988235 (LCT-13910, 2:136608646): ALT frequency 0.1613 in all 5008 haplotypes
    j = np.flatnonzero((h.chrom == "2") & (h.positions == 136608646))[0]
    assert h.X[:, j].mean() == pytest.approx(0.1613, abs=5e-4)
    assert h.X[h.populations == "CEU", j].mean() == pytest.approx(0.737, abs=1e-3)


def test_lct_vcf_matches_the_805_file_at_rs4988235(mirror, real805):
    lct = data.load("lct")
    assert lct.n_haplotypes == 5008
    j = np.flatnonzero(lct.positions == 136608646)[0]
    k = np.flatnonzero(real805.positions == 136608646)[0]
    assert np.array_equal(lct.X[:, j], real805.X[:, k])


def test_split_is_stratified_shuffled_and_keeps_individuals_together(real805):
    train, test = data.train_test_split(real805, test_fraction=0.2, seed=0)
    assert len(train) + len(test) == 5008
    assert len(test) == pytest.approx(0.2 * 5008, abs=30)
    for pop in np.unique(real805.populations):
        n_pop = (real805.populations == pop).sum()
        assert (test.populations == pop).sum() / n_pop == pytest.approx(0.2, abs=0.02)
    ind = lambda ids: {s[:-2] for s in ids}  # noqa: E731
    assert not ind(train.sample_ids) & ind(test.sample_ids)
    assert len(set(test.populations[:50])) > 5, "test rows should be shuffled, not grouped by population"
    again, _ = data.train_test_split(real805, test_fraction=0.2, seed=0)
    assert np.array_equal(again.X, train.X)


def test_simulation_is_biallelic_seeded_and_labelled():
    a = data.simulate_out_of_africa(20, 200_000, seed=3)
    b = data.simulate_out_of_africa(20, 200_000, seed=3)
    assert a.X.shape[0] == 60 and a.X.shape[1] > 50
    assert set(np.unique(a.X)) == {0, 1}
    assert np.array_equal(a.X, b.X)
    assert np.all(np.diff(a.positions) > 0)
    assert sorted(np.unique(a.superpopulations)) == ["AFR", "EAS", "EUR"]


def test_gzip_hapt_is_read(tmp_path):
    p = tmp_path / "a.hapt.gz"
    with gzip.open(p, "wt") as fh:
        fh.write("AG a 1 0\n")
    assert data.read_hapt(p).X.tolist() == [[1, 0]]
