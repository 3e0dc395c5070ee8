"""artgen_lite.metrics on the released 805-SNP data of Yelmen et al. (2021).

Targets: methods reference section 4.8 (measured on the released AGs; real = the authors' 5000-row
subsample, seed 3, of the 5008 real haplotypes). Skipped when the data files are absent; point
``ARTGEN_DATA_MIRROR`` at a folder laid out like ``shared/data`` (``yelmen2021/...``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import artgen_lite.metrics as M

FILES = {
    "real": "805_SNP_1000G_real.hapt.zip",
    "GAN": "805_SNP_GAN_AG_20000epochs.hapt.zip",
    "RBM": "805_SNP_RBM_AG_800Epochs.hapt.zip",
}

# methods reference section 4.8
TARGETS = {
    "GAN": dict(af_r=0.982, ld_r=0.924, aats=0.600, aa_truth=0.208, aa_syn=0.993, fixed=2, min_dst=161,
                mean_r2=0.027, mean_pairwise=337.1, pca=(0.40, 0.35)),
    "RBM": dict(af_r=0.994, ld_r=0.977, aats=0.516, aa_truth=0.547, aa_syn=0.485, fixed=0, min_dst=179,
                mean_r2=0.032, mean_pairwise=342.4, pca=(0.34, 0.62)),
}


def _data_dir() -> Path:
    env = os.environ.get("ARTGEN_DATA_MIRROR")
    return Path(env) if env else Path("/work/shared/data")


def _load(key: str) -> np.ndarray:
    path = _data_dir() / "yelmen2021" / FILES[key]
    if not path.exists():
        pytest.skip(f"{path} not found (set ARTGEN_DATA_MIRROR to a data mirror holding yelmen2021/)")
    from artgen_lite.data import read_hapt

    return read_hapt(path).X


@pytest.fixture(scope="module")
def real_all():
    return _load("real")


@pytest.fixture(scope="module")
def real(real_all):
    assert real_all.shape == (5008, 805)
    return M.yelmen_subsample(real_all, 5000, seed=3)


@pytest.fixture(scope="module", params=["GAN", "RBM"])
def ags(request):
    X = _load(request.param)
    assert X.shape == (5000, 805)
    return request.param, X


def _mean_from_counts(c):
    return float((c * np.arange(len(c))).sum() / c.sum())


def test_authors_subsample_drops_8_rows(real_all, real):
    rs = np.random.RandomState(3)
    drop = np.sort(rs.choice(np.arange(5008), size=8, replace=False))
    assert np.array_equal(real, np.delete(real_all, drop, axis=0))
    assert M.fixed_sites(real).sum() == 3


def test_released_ags_reproduce_published_targets(real, ags):
    name, S = ags
    t = TARGETS[name]
    assert M.af_correlation(real, S) == pytest.approx(t["af_r"], abs=0.005)
    assert M.ld_correlation(real, S) == pytest.approx(t["ld_r"], abs=0.005)
    res = M.aats(real, S)
    assert res.aats == pytest.approx(t["aats"], abs=0.005)
    assert res.aa_truth == pytest.approx(t["aa_truth"], abs=0.005)
    assert res.aa_syn == pytest.approx(t["aa_syn"], abs=0.005)
    assert int(M.fixed_sites(S).sum()) == t["fixed"]
    assert M.n_fixed_not_in_real(real, S) == t["fixed"]
    assert M.exact_copies(real, S) == 0
    assert M.nn_distances(S, real).min() == t["min_dst"]
    assert M.mean_r2(S) == pytest.approx(t["mean_r2"], abs=0.001)


def test_released_ags_secondary_targets(real, ags):
    # The reference's pairwise-distance and PCA figures are rounded (and the pairwise means look
    # computed on a subsample of haplotypes): checked with looser tolerances.
    name, S = ags
    t = TARGETS[name]
    assert _mean_from_counts(M.distance_counts(S)) == pytest.approx(t["mean_pairwise"], abs=1.0)
    w = M.pca_w1(real, S)
    assert w["pc1"] == pytest.approx(t["pca"][0], abs=0.01)
    assert w["pc2"] == pytest.approx(t["pca"][1], abs=0.01)


def test_real_reference_values(real):
    assert M.mean_r2(real) == pytest.approx(0.027, abs=0.001)
    assert _mean_from_counts(M.distance_counts(real)) == pytest.approx(340.8, abs=1.0)


def test_real_vs_real_aats_is_near_half(real_all):
    a, b = M.real_vs_real(real_all, seed=0)
    assert a.shape == b.shape == (2504, 805)
    res = M.aats(a, b)
    assert 0.45 <= res.aats <= 0.52  # reference: 0.477 for two disjoint halves of 2500


def test_baselines_on_real_data(real_all):
    train, test = M.real_vs_real(real_all, n=1000, seed=1)
    # copying the training set: AATS 0 (ties are misclassified), privacy loss ~ +0.5
    copy = M.copy_of_training(train, seed=0)
    assert M.aats(train, copy).aats == 0.0
    assert M.privacy_loss(train, test, copy) > 0.35
    assert M.exact_copies(train, copy) == len(copy)
    assert M.mia_auc_blackbox(train, test, copy) > 0.95
    # independent sites: right frequencies, no LD
    ind = M.independent_sites(train, 1000, seed=0)
    assert M.af_correlation(train, ind) > 0.99
    assert M.ld_correlation(train, ind) < 0.3
    # Markov chain: sites of the 805 panel are far apart, so windows bring little LD but keep AF
    mk = M.markov_chain(train, 1000, window=5, seed=0)
    assert mk.shape == (1000, 805) and M.af_correlation(train, mk) > 0.98


def test_scorecard_on_released_gan(real_all):
    from artgen_lite.metrics.privacy import subsample

    S = _load("GAN")
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(real_all))
    train, test = real_all[np.sort(perm[:4006])], real_all[np.sort(perm[4006:])]
    card = M.scorecard(train, test, subsample(S, 1002, seed=0), name="GAN")
    assert card.shape[0] == 1 and card.index[0] == "GAN"
    for col in ["aats", "aa_truth", "aa_syn", "privacy_loss", "af_r", "ld_r", "exact_copies",
                "mia_auc_blackbox", "pca_w1_pc1", "pca_w1_pc2", "pairwise_w1", "kmer_r",
                "exact_copies_test_rate"]:
        assert col in card.columns
    row = card.iloc[0]
    assert row["n_eval"] == 1002
    assert row["aa_syn"] > 0.9  # the GAN's low diversity
    assert abs(row["privacy_loss"]) < 0.1  # the GAN saw all 5008 haplotypes, test included
    assert row["exact_copies"] == 0 and row["af_r"] > 0.97
