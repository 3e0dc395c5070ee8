"""The data layer and the dataset registry: readers, writers, errors a user meets, splits, fallback."""

from __future__ import annotations

import gzip
import os
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from artgen_lite import data
from artgen_lite.data import DataError, Haplotypes

from artgen_lite import registry as fetch  # noqa: E402


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
    monkeypatch.setattr(fetch, "_download", lambda *a, **k: (_ for _ in ()).throw(urllib.error.URLError("offline")))
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


def _offline(*a, **k):
    raise urllib.error.URLError("Name or service not known")


def _serve(payload: bytes, calls: list | None = None):
    """A stand-in for the downloader that writes ``payload`` (and records the URL)."""

    def download(url, dest, label, timeout=30):
        if calls is not None:
            calls.append(url)
        Path(dest).write_bytes(payload)

    return download


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A fresh cache, an empty mirror, and no network unless a test serves bytes."""
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ARTGEN_DATA_MIRROR", str(tmp_path / "mirror"))
    (tmp_path / "mirror").mkdir()
    monkeypatch.setattr(fetch, "_download", _offline)
    return tmp_path


def test_html_page_where_a_zip_was_expected_is_a_fetch_error(empty_cache, monkeypatch):
    monkeypatch.setattr(fetch, "_download", _serve(b"<!DOCTYPE html><html><body>Sign in</body></html>"))
    with pytest.raises(fetch.FetchError) as err:
        fetch.get("yelmen_gan_805")
    msg = str(err.value)
    assert "'yelmen_gan_805'" in msg and "gitlab.inria.fr" in msg and "got an HTML page" in msg


def test_zip_without_its_member_is_a_fetch_error(empty_cache, monkeypatch):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", "not the data")
    monkeypatch.setattr(fetch, "_download", _serve(buf.getvalue()))
    with pytest.raises(fetch.FetchError, match=r"'yelmen_rbm_805'.*gitlab.*no member '805_SNP_RBM_AG_800Epochs.hapt'"):
        fetch.get("yelmen_rbm_805")


def test_read_only_cache_is_a_fetch_error_naming_the_folder(empty_cache, monkeypatch):
    cache = empty_cache / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    if os.access(cache, os.W_OK):  # root ignores the mode: refuse the write probe instead
        def refuse(*a, **k):
            raise PermissionError(13, "Permission denied", str(cache))

        monkeypatch.setattr(fetch.tempfile, "NamedTemporaryFile", refuse)
    try:
        with pytest.raises(fetch.FetchError, match=r"dataset 'legend_805': the cache folder .*cache cannot be written "
                                                    r"\(PermissionError.*ARTGEN_CACHE"):
            fetch.get("legend_805")
    finally:
        cache.chmod(0o755)


def test_mirror_entry_that_is_a_folder_is_reported_and_the_url_tried(empty_cache, monkeypatch):
    (empty_cache / "mirror" / "yelmen2021" / "805_SNP.legend").mkdir(parents=True)
    calls = []
    monkeypatch.setattr(fetch, "_download", lambda url, *a, **k: (calls.append(url), _offline())[1])
    with pytest.raises(fetch.FetchError) as err:
        fetch.get("legend_805")
    msg = str(err.value)
    assert "805_SNP.legend is a folder, not a file" in msg and "'legend_805'" in msg
    assert calls == [fetch.REGISTRY["legend_805"].urls[0].where]


class _Response:
    """Enough of an HTTP response for ``_download``: headers and a readable body."""

    def __init__(self, body: bytes, length: str | None):
        import io

        self._body = io.BytesIO(body)
        self.headers = {} if length is None else {"Content-Length": length}

    def read(self, n=-1):
        return self._body.read(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_malformed_content_length_is_ignored_and_the_checksum_decides(mirror, empty_cache, monkeypatch):
    good = (mirror / "yelmen2021" / "805_SNP.legend").read_bytes()
    monkeypatch.undo()  # the real downloader, with a fake connection
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(empty_cache / "cache"))
    monkeypatch.setenv("ARTGEN_DATA_MIRROR", str(empty_cache / "mirror"))
    monkeypatch.setattr(fetch.urllib.request, "urlopen", lambda req, timeout=30: _Response(good, "23,357 bytes"))
    path = fetch.get("legend_805")
    assert fetch._file_sha256(path) == fetch.REGISTRY["legend_805"].sha256


def test_body_shorter_than_content_length_is_a_truncated_download(empty_cache, monkeypatch):
    monkeypatch.undo()
    monkeypatch.setenv("ARTGEN_DATA_CACHE", str(empty_cache / "cache"))
    monkeypatch.setenv("ARTGEN_DATA_MIRROR", str(empty_cache / "mirror"))
    monkeypatch.setattr(fetch.urllib.request, "urlopen", lambda req, timeout=30: _Response(b"id position", "23357"))
    with pytest.raises(fetch.FetchError, match=r"'legend_805'.*truncated download: 11 of 23,357 bytes"):
        fetch.get("legend_805")
    assert [p for p in (empty_cache / "cache").rglob("*") if p.is_file()] == []


def test_corrupt_mirror_copy_does_not_stop_the_url(mirror, empty_cache, monkeypatch):
    good = (mirror / "yelmen2021" / "805_SNP.legend").read_bytes()
    (empty_cache / "mirror" / "yelmen2021").mkdir()
    (empty_cache / "mirror" / "yelmen2021" / "805_SNP.legend").write_bytes(good[:-100])
    calls = []
    monkeypatch.setattr(fetch, "_download", _serve(good, calls))
    path = fetch.get("legend_805")
    assert calls == [fetch.REGISTRY["legend_805"].urls[0].where]
    assert fetch._file_sha256(path) == fetch.REGISTRY["legend_805"].sha256


def test_truncated_gzip_in_the_mirror_is_reported_and_the_url_used(empty_cache, monkeypatch):
    import hashlib

    text = b"chrom\tstart\tend\n" * 2000
    packed = gzip.compress(text)
    fake = fetch.Dataset(
        name="fake_gz", title="a gzipped test file", filename="fake.txt", sha256=hashlib.sha256(text).hexdigest(),
        size=len(text), licence="test", citation="test",
        urls=(fetch.Source("https://example.org/fake.txt.gz", None, "gunzip"),),
        mirror=fetch.Source("test/fake.txt.gz", None, "gunzip"),
    )
    monkeypatch.setitem(fetch.REGISTRY, "fake_gz", fake)
    (empty_cache / "mirror" / "test").mkdir()
    (empty_cache / "mirror" / "test" / "fake.txt.gz").write_bytes(packed[: len(packed) // 2])
    monkeypatch.setattr(fetch, "_download", _offline)
    with pytest.raises(fetch.FetchError) as err:
        fetch.get("fake_gz")
    msg = str(err.value)
    assert "'fake_gz'" in msg and "fake.txt.gz is unusable (EOFError" in msg and "example.org" in msg
    monkeypatch.setattr(fetch, "_download", _serve(packed))
    assert fetch.get("fake_gz").read_bytes() == text


def test_load_or_simulate_falls_back_on_a_bad_zip(empty_cache, monkeypatch):
    monkeypatch.setattr(fetch, "_download", _serve(b"<html>moved</html>"))
    h, banner = data.load_or_simulate("yelmen_gan_805", n_per_population=20, length=200_000, seed=1)
    assert h.simulated and "could not be had" in banner and "HTML page" in banner


def test_cache_outside_a_clone_is_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("ARTGEN_DATA_CACHE", raising=False)
    monkeypatch.delenv("ARTGEN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert fetch.in_clone()
    assert fetch.cache_dir() == Path(fetch.__file__).resolve().parent.parent / "data" / "cache"
    monkeypatch.setattr(fetch, "in_clone", lambda: False)
    assert fetch.cache_dir() == tmp_path / "xdg" / "artgen-lite"
    monkeypatch.setenv("ARTGEN_CACHE", str(tmp_path / "mine"))
    assert fetch.cache_dir() == tmp_path / "mine"


def test_fetch_script_runs_on_the_standard_library_alone(tmp_path):
    import subprocess
    import sys

    script = Path(fetch.__file__).resolve().parent.parent / "data" / "fetch.py"
    out = subprocess.run([sys.executable, "-I", "-S", str(script), "list"], capture_output=True, text=True,
                         env={"ARTGEN_DATA_CACHE": str(tmp_path)}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[:2] == ["1000g_805", "-"]
    assert len(out.stdout.splitlines()) == len(fetch.REGISTRY)
    info = subprocess.run([sys.executable, "-I", "-S", str(script), "info"], capture_output=True, text=True,
                          env={"ARTGEN_DATA_CACHE": str(tmp_path)}, timeout=60)
    assert info.returncode == 0, info.stderr
    assert info.stdout.count("  licence: ") == info.stdout.count("  cite: ") == len(fetch.REGISTRY)
    bad = subprocess.run([sys.executable, "-I", "-S", str(script), "get", "nothing"], capture_output=True, text=True,
                         env={"ARTGEN_DATA_CACHE": str(tmp_path)}, timeout=60)
    assert bad.returncode == 1 and "unknown dataset 'nothing'" in bad.stderr


def test_every_haplotype_dataset_has_a_reader_and_its_needs(mirror):
    readers = {n: d.reader for n, d in fetch.REGISTRY.items() if d.reader is not None}
    assert set(readers) == {"1000g_805", "yelmen_gan_805", "yelmen_rbm_805", "eur_10k", "lct", "chr1_slice"}
    for n, r in readers.items():
        assert set(fetch.REGISTRY[n].needs) == set(r.needs) <= set(fetch.REGISTRY)
    with pytest.raises(DataError, match="'genes_b38' is not haplotype data"):
        data.load("genes_b38")


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
