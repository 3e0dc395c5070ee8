"""artgen_lite.long_regions: the window, LD-decay gaps, white-box AUC and model cache shared by
chapters 06 and 06b (notebooks/06_long_regions*, and benchmarks/bench_long_models.py)."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import numpy as np
import pytest

from artgen_lite import long_regions, metrics
from artgen_lite.data import Haplotypes
from artgen_lite.models import RBM

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [ROOT / "notebooks" / "06_long_regions.md", ROOT / "notebooks" / "06_long_regions_judging.md"]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def ld_blocks(n=200, m=60, seed=0):
    """Haplotypes in LD blocks of 6 SNPs with a few rare SNPs, at increasing positions."""
    rng = np.random.default_rng(seed)
    X = np.repeat(rng.random((n, m // 6)) < 0.4, 6, axis=1)
    X ^= rng.random(X.shape) < 0.05
    X[:, ::7] = rng.random((n, len(range(0, m, 7)))) < 0.01  # rare SNPs
    pos = np.cumsum(rng.integers(10, 500, m)).astype(float)
    return X.astype(np.uint8), pos


# ---------------------------------------------------------------- the window
def test_window_is_centred_on_the_named_snp():
    h = Haplotypes(np.zeros((4, 100), np.uint8), positions=np.arange(1000, 1100) * 10)
    w = long_regions.centred_window(h, 11, 10_500)
    assert w.n_snps == 11
    assert w.positions[5] == 10_500 and w.meta["centre_in_window"] == 5
    assert w.meta["window_start"] == 45 and w.meta["centre_in_region"] == 50


def test_window_is_shifted_inside_the_region_at_its_ends_and_whole_when_too_long():
    h = Haplotypes(np.zeros((4, 100), np.uint8), positions=np.arange(100) * 10)
    w = long_regions.centred_window(h, 21, 20)  # SNP 2: the window starts at the first SNP
    assert w.meta["window_start"] == 0 and w.meta["centre_in_window"] == 2
    w = long_regions.centred_window(h, 21, 990)  # the last SNP: the window ends there
    assert w.meta["window_start"] == 79 and w.positions[-1] == 990
    for n in (None, 500):
        assert long_regions.centred_window(h, n, 20).n_snps == 100


def test_window_without_the_snp_takes_the_middle():
    """Simulated data (positions from 0) do not hold rs4988235: the middle of the region."""
    h = Haplotypes(np.zeros((4, 101), np.uint8), positions=np.arange(101))
    w = long_regions.centred_window(h, 11, 136_608_646)
    assert w.meta["centre_in_region"] == 50 and w.meta["window_start"] == 45


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_window_refuses_a_bad_length(bad):
    h = Haplotypes(np.zeros((4, 10), np.uint8), positions=np.arange(10))
    with pytest.raises(ValueError, match="n_snps"):
        long_regions.centred_window(h, bad, 3)


# ---------------------------------------------------------------- LD-decay gaps
def test_decay_edges_are_log_spaced_from_1_bp_to_the_span():
    edges = long_regions.decay_edges([100, 150, 100_100], 6)
    assert edges[0] == 1 and edges[-1] == 100_000
    np.testing.assert_allclose(np.diff(np.log10(edges)), 1.0)
    with pytest.raises(ValueError, match="span"):
        long_regions.decay_edges([5, 5], 10)


def test_common_snps_is_a_minor_allele_frequency_threshold():
    X = np.zeros((100, 4), np.uint8)
    X[:4, 1] = 1  # 4 %: rare
    X[:5, 2] = 1  # 5 %: common
    X[5:, 3] = 1  # 95 %: common (minor allele 5 %)
    assert long_regions.common_snps(X).tolist() == [False, False, True, True]


def test_gaps_of_a_set_to_itself_are_zero():
    X, pos = ld_blocks()
    gaps = long_regions.ld_decay_gaps(X, X, pos)
    assert gaps == {"ld_decay_gap": 0.0, "ld_decay_gap_common": 0.0, "ld_decay_gap_own": 0.0}


def test_matched_gaps_ignore_fixed_rare_sites_and_the_own_gap_counts_them():
    """A generator that fixes the rare sites but copies the rest: no LD error over the SNPs both
    sets keep (intersectSNP), a visible one when each set is drawn on its own SNPs (fullSNP)."""
    X, pos = ld_blocks()
    rare = ~long_regions.common_snps(X)
    Y = X.copy()
    Y[:, rare] = 0
    gaps = long_regions.ld_decay_gaps(X, Y, pos)
    assert gaps["ld_decay_gap"] == 0.0 and gaps["ld_decay_gap_common"] == 0.0
    assert gaps["ld_decay_gap_own"] > 0.01


def test_gaps_are_the_chapters_definition():
    """The code chapter 06 held before it moved here, on a real-vs-noisy pair."""
    X, pos = ld_blocks(seed=1)
    rng = np.random.default_rng(2)
    Y = (X ^ (rng.random(X.shape) < 0.1)).astype(np.uint8)
    af = X.mean(0)
    common = (af >= 0.05) & (af <= 0.95)

    def edges(n_bins):
        span = pos[-1] - pos[0]
        e = np.logspace(0, np.log10(span), n_bins)
        e[-1] = span
        return e

    want = {}
    for kind, cols, n_bins, min_pairs in (("ld_decay_gap", np.ones(len(pos), bool), 50, 1),
                                          ("ld_decay_gap_common", common, 25, 50)):
        curves = metrics.ld_decay_matched(X[:, cols], Y[:, cols], pos[cols], bins=edges(n_bins))
        want[kind] = metrics.ld_decay_gap(*curves, min_pairs=min_pairs)
    want["ld_decay_gap_own"] = metrics.ld_decay_gap(metrics.ld_decay(X, pos, bins=edges(50)),
                                                    metrics.ld_decay(Y, pos, bins=edges(50)))
    got = long_regions.ld_decay_gaps(X, Y, pos, common)
    assert got == pytest.approx(want, nan_ok=True)
    assert got["ld_decay_gap_common"] > 0.01  # the noise is seen
    tables = long_regions.ld_decay_tables(Y, pos, common)
    assert set(tables) == {"all", "common"} and len(tables["common"]) == 24


def test_gaps_refuse_a_mask_of_the_wrong_length():
    X, pos = ld_blocks()
    with pytest.raises(ValueError, match="common must be a boolean mask of the 60 SNPs"):
        long_regions.ld_decay_gaps(X, X, pos, np.ones(59, bool))


# ---------------------------------------------------------------- white-box AUC
class _Counter:
    """A 'model' whose membership score is the number of 1 alleles."""

    def score_samples(self, X):
        return np.asarray(X).sum(1).astype(float)


def test_white_box_auc_scores_seeded_members_against_the_held_out_set():
    rng = np.random.default_rng(0)
    train = (rng.random((300, 20)) < 0.7).astype(np.uint8)  # members carry more 1 alleles
    test = (rng.random((80, 20)) < 0.3).astype(np.uint8)
    assert long_regions.white_box_auc(_Counter(), train, test) > 0.99
    members = metrics.subsample(train, len(test), seed=5)
    want = metrics.mia_auc(members.sum(1), test.sum(1))
    assert long_regions.white_box_auc(_Counter(), train, test, seed=5) == want
    assert long_regions.white_box_auc(_Counter(), test, test) == pytest.approx(0.5)


def test_white_box_auc_of_an_rbm_is_minus_its_free_energy():
    X, _ = ld_blocks(n=120, m=24)
    rbm = RBM(n_hidden=4, epochs=1, seed=0).fit(X[:80], progress=False)
    members = metrics.subsample(X[:80], 40, seed=0)
    want = metrics.mia_auc(-rbm.free_energy(members), -rbm.free_energy(X[80:]))
    assert long_regions.white_box_auc(rbm, X[:80], X[80:], seed=0) == pytest.approx(want, abs=1e-12)


# ---------------------------------------------------------------- the model cache
def tiny_rbm(**kw):
    return RBM(**{"n_hidden": 4, "epochs": 2, "seed": 0, **kw})


def test_fit_cached_trains_once_and_then_loads_the_same_model(tmp_path):
    X, _ = ld_blocks(n=100, m=24)
    first = long_regions.fit_cached({"a": tiny_rbm(), "b": tiny_rbm(seed=1)}, X, cache_dir=tmp_path,
                                    n_jobs=1)
    assert [m.from_cache for m in first.values()] == [False, False]
    assert len(list(tmp_path.glob("RBM-*.pt"))) == 2
    again = long_regions.fit_cached({"b": tiny_rbm(seed=1), "a": tiny_rbm()}, X, cache_dir=tmp_path,
                                    n_jobs=1)
    assert list(again) == ["b", "a"] and all(m.from_cache for m in again.values())
    for name in first:
        np.testing.assert_array_equal(again[name].sample(30, seed=4), first[name].sample(30, seed=4))
        assert again[name].train_time_s == first[name].train_time_s
    # refit: other settings, other data, reuse=False, a damaged file
    assert not long_regions.fit_cached({"a": tiny_rbm(epochs=3)}, X, cache_dir=tmp_path, n_jobs=1)["a"].from_cache
    assert not long_regions.fit_cached({"a": tiny_rbm()}, X[:90], cache_dir=tmp_path, n_jobs=1)["a"].from_cache
    assert not long_regions.fit_cached({"a": tiny_rbm()}, X, cache_dir=tmp_path, n_jobs=1,
                                       reuse=False)["a"].from_cache
    for f in tmp_path.glob("RBM-*.pt"):
        f.write_bytes(b"damaged")
    refit = long_regions.fit_cached({"a": tiny_rbm()}, X, cache_dir=tmp_path, n_jobs=1)["a"]
    assert not refit.from_cache
    np.testing.assert_array_equal(refit.sample(30, seed=4), first["a"].sample(30, seed=4))


def test_fit_cached_trains_when_the_cache_cannot_be_written(tmp_path):
    X, _ = ld_blocks(n=100, m=24)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    fitted = long_regions.fit_cached({"a": tiny_rbm()}, X, cache_dir=blocked / "models", n_jobs=1)
    assert fitted["a"].n_snps == 24 and not fitted["a"].from_cache


def test_model_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ARTGEN_MODEL_CACHE", str(tmp_path))
    assert long_regions.model_cache_dir() == tmp_path
    monkeypatch.delenv("ARTGEN_MODEL_CACHE")
    assert long_regions.model_cache_dir() == ROOT / "build" / "cache" / "models"


# ---------------------------------------------------------------- the two chapters
def code_cells(md):
    return [c.source for c in jupytext.read(md).cells if c.cell_type == "code"]


def test_both_long_region_chapters_build_the_same_models():
    """Chapter 06b reuses chapter 06's fits (and reports its numbers) only if both build the
    models from the same settings: the cell that holds them must be the same in both."""
    setups = [next(c for c in code_cells(md) if c.lstrip().startswith("import inspect")) for md in CHAPTERS]
    assert "settings = {" in setups[0] and "def build(" in setups[0]
    assert setups[0] == setups[1]


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_long_region_chapters_have_scale_seed_and_device_parameters(md):
    params = next(c.source for c in jupytext.read(md).cells
                  if "parameters" in c.metadata.get("tags", []))
    for name, value in (("SCALE", '"course"'), ("SEED", "0"), ("DEVICE", '"auto"')):
        assert re.search(rf"^{name} = {value}", params, re.M), f"{md.name}: {name} = {value} missing"


def test_ld_decay_gaps_reuse_the_real_curve_and_give_the_same_gaps(monkeypatch):
    """Chapter 06b scores a dozen sets against one real set: its own LD-decay curve is computed once,
    and the gaps are those of computing it every time."""
    from artgen_lite import long_regions, metrics

    rng = np.random.default_rng(3)
    real = (rng.random((120, 300)) < 0.3).astype(np.uint8)
    pos = np.sort(rng.choice(100_000, 300, replace=False)).astype(float)
    sets = [(rng.random((60, 300)) < p).astype(np.uint8) for p in (0.2, 0.3, 0.4)]
    long_regions._OWN_CURVES.clear()
    calls = []
    original = metrics.ld_decay
    monkeypatch.setattr(metrics, "ld_decay", lambda X, *a, **k: calls.append(len(X)) or original(X, *a, **k))
    gaps = [long_regions.ld_decay_gaps(real, S, pos) for S in sets]
    assert calls.count(len(real)) == 1 and calls.count(60) == 3
    for S, g in zip(sets, gaps):
        edges = long_regions.decay_edges(pos, long_regions.N_BINS["all"])
        fresh = metrics.ld_decay_gap(original(real, pos, bins=edges), original(S, pos, bins=edges))
        assert g["ld_decay_gap_own"] == pytest.approx(fresh, rel=1e-12, nan_ok=True)
