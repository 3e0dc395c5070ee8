"""The fast (BLAS) metrics equal straightforward scipy/numpy versions exactly, ties included."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.spatial.distance import cdist
from scipy.stats import pearsonr, wasserstein_distance

import artgen_lite.metrics as M
from artgen_lite.metrics.reference import aats_cdist as _ref_aats
from artgen_lite.metrics.reference import nn_self_cdist as _ref_nn_self

FAST = settings(max_examples=60, deadline=None)


@st.composite
def hap_pair(draw, min_rows=2, max_rows=14, same_rows=False):
    """Two small 0/1 matrices with few SNPs, so that ties and duplicates are frequent."""
    L = draw(st.integers(1, 6))
    n_a = draw(st.integers(min_rows, max_rows))
    n_b = n_a if same_rows else draw(st.integers(min_rows, max_rows))
    A = draw(arrays(np.uint8, (n_a, L), elements=st.integers(0, 1)))
    B = draw(arrays(np.uint8, (n_b, L), elements=st.integers(0, 1)))
    block = draw(st.integers(1, 6))
    return A, B, block


@FAST
@given(hap_pair(min_rows=1))
def test_hamming_equals_cdist(p):
    A, B, block = p
    assert np.array_equal(M.hamming(A, B, block=block), cdist(A, B, "cityblock"))
    assert np.array_equal(M.hamming(A, block=block), cdist(A, A, "cityblock"))


@FAST
@given(hap_pair())
def test_nn_distances_equal_cdist(p):
    A, B, block = p
    assert np.array_equal(M.nn_distances(A, block=block), _ref_nn_self(A))
    d = cdist(A, B, "cityblock")
    assert np.array_equal(M.nn_distances(A, B, block=block), d.min(axis=1))
    ab, ba = M.cross_nn_distances(A, B, block=block)
    assert np.array_equal(ab, d.min(axis=1)) and np.array_equal(ba, d.min(axis=0))


@FAST
@given(hap_pair(same_rows=True))
def test_aats_equals_reference(p):
    T, S, block = p
    assert tuple(M.aats(T, S, block=block)) == _ref_aats(T, S)


@FAST
@given(hap_pair())
def test_distance_counts_and_w1(p):
    A, B, block = p
    d = cdist(A, A, "cityblock")[np.triu_indices(len(A), k=1)].astype(int)
    assert np.array_equal(M.distance_counts(A, block=block), np.bincount(d, minlength=A.shape[1] + 1))
    assert np.array_equal(M.pairwise_distances(A, block=block), d)
    db = cdist(B, A, "cityblock").ravel().astype(int)
    assert np.array_equal(M.pairwise_distances(B, A, block=block), db)
    w = M.wasserstein_from_counts(M.distance_counts(A), M.distance_counts(B, A))
    assert w == pytest.approx(wasserstein_distance(d, db), abs=1e-12)


def test_exact_in_float32_for_long_haplotypes():
    rng = np.random.default_rng(0)
    A = (rng.random((40, 20_000)) < 0.5).astype(np.uint8)
    B = (rng.random((30, 20_000)) < 0.5).astype(np.uint8)
    assert np.array_equal(M.hamming(A, B, block=16), cdist(A, B, "cityblock"))


def test_aats_ties_count_as_misclassified():
    T = np.array([[0, 0, 0], [0, 1, 1]], dtype=np.uint8)
    S = np.array([[1, 1, 0], [1, 0, 1]], dtype=np.uint8)
    # every distance is 2: dTS == dTT and dST == dSS, ties -> "not correctly classified"
    assert tuple(M.aats(T, S)) == (0.0, 0.0, 0.0)
    # a copy: dTS = dST = 0, never > anything
    assert tuple(M.aats(T, T.copy())) == (0.0, 0.0, 0.0)
    S = np.array([[0, 0, 1], [0, 0, 1]], dtype=np.uint8)
    # duplicates in S: dSS = 0 < dST = 1 (both rows); dTT = 2 > dTS = 1 for row 0, 2 > 1 row 1
    assert tuple(M.aats(T, S)) == (0.5, 0.0, 1.0)


@FAST
@given(st.lists(st.integers(0, 3), min_size=1, max_size=20), st.lists(st.integers(0, 3), min_size=1, max_size=20))
def test_mia_auc_equals_sklearn(m, u):
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(len(m)), np.zeros(len(u))]
    assert M.mia_auc(m, u) == pytest.approx(roc_auc_score(y, np.r_[m, u]), abs=1e-12)


def _mia_auc_rank_formula(member_scores, nonmember_scores) -> float:
    """The package's former hand-written AUC (Mann-Whitney U from average ranks), kept as the oracle."""
    from scipy.stats import rankdata

    m = np.asarray(member_scores, dtype=np.float64)
    u = np.asarray(nonmember_scores, dtype=np.float64)
    ranks = rankdata(np.concatenate([m, u]))
    n1, n0 = len(m), len(u)
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


@pytest.mark.parametrize("seed", range(20))
def test_mia_auc_via_roc_auc_score_equals_the_former_rank_formula(seed):
    """The swap to sklearn's roc_auc_score keeps every AUC: random scores, many ties, unequal sizes."""
    rng = np.random.default_rng(seed)
    n1, n0 = rng.integers(1, 300, size=2)
    levels = int(rng.integers(2, 12))  # few distinct values: ties inside and across the two groups
    m = rng.integers(0, levels, n1) * 0.5 + (seed % 3)
    u = rng.integers(0, levels, n0) * 0.5
    assert M.mia_auc(m, u) == pytest.approx(_mia_auc_rank_formula(m, u), abs=1e-12)
    cont_m, cont_u = rng.normal(0.3, 1, n1), rng.normal(0, 1, n0)  # continuous scores, no ties
    assert M.mia_auc(cont_m, cont_u) == pytest.approx(_mia_auc_rank_formula(cont_m, cont_u), abs=1e-12)


@FAST
@given(hap_pair(min_rows=2, max_rows=30))
def test_ld_r2_equals_corrcoef(p):
    A, _, _ = p
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.corrcoef(A.astype(float), rowvar=False) ** 2
    ours = M.ld_r2(A)
    ref = np.atleast_2d(ref)
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    assert np.allclose(ours[~np.isnan(ours)], ref[~np.isnan(ref)], atol=1e-12)


def test_ld_correlation_equals_pearson_on_upper_triangle():
    rng = np.random.default_rng(1)
    base = rng.random((300, 1)) < 0.5
    A = ((rng.random((300, 40)) < 0.3) ^ base).astype(np.uint8)
    B = ((rng.random((300, 40)) < 0.35) ^ base).astype(np.uint8)
    B[:, 3] = 0  # fixed in B -> dropped
    keep = ~(M.fixed_sites(A) | M.fixed_sites(B))
    ra, rb = M.ld_r2(A[:, keep]), M.ld_r2(B[:, keep])
    iu = np.triu_indices(keep.sum(), k=1)
    assert M.ld_correlation(A, B) == pytest.approx(pearsonr(ra[iu], rb[iu])[0], abs=1e-10)
    iu0 = np.triu_indices(keep.sum())
    assert M.ld_correlation(A, B, include_diagonal=True) == pytest.approx(pearsonr(ra[iu0], rb[iu0])[0], abs=1e-10)


def test_ld_decay_matches_binned_statistic():
    from scipy.stats import binned_statistic

    rng = np.random.default_rng(2)
    X = (rng.random((200, 60)) < 0.4).astype(np.uint8)
    pos = np.sort(rng.choice(100_000, 60, replace=False)) + 1000
    r2 = M.ld_r2(X)
    iu = np.triu_indices(60, k=1)
    dist = np.abs(pos[iu[1]] - pos[iu[0]])
    for mode in ("log10", "authors"):
        df = M.ld_decay(X, pos, bins=mode)
        region = pos.max() - pos.min()
        edges = np.logspace(0, np.log10(region), 50) if mode == "log10" else np.logspace(np.log(1), np.log(region), 50)
        ref = binned_statistic(dist, r2[iu], "mean", bins=edges)
        assert np.allclose(df["mean_r2"], ref.statistic, equal_nan=True)
        assert np.array_equal(df["n_pairs"], binned_statistic(dist, r2[iu], "count", bins=edges).statistic)


def test_ld_decay_gap_is_the_mean_absolute_difference_over_shared_bins():
    rng = np.random.default_rng(3)
    X = (rng.random((300, 40)) < 0.3).astype(np.uint8)
    pos = np.sort(rng.choice(50_000, 40, replace=False)) + 1
    real = M.ld_decay(X, pos, n_bins=12)
    assert M.ld_decay_gap(real, real) == 0.0
    Y = X.copy()
    Y[:, ::2] = 0  # half the sites fixed: their pairs leave the bins, the bins stay
    syn = M.ld_decay(Y, pos, n_bins=12)
    ok = (real["n_pairs"] >= 5) & (syn["n_pairs"] > 0)
    want = np.abs(real["mean_r2"][ok] - syn["mean_r2"][ok]).mean()
    assert M.ld_decay_gap(real, syn, min_pairs=5) == pytest.approx(want, abs=1e-12)
    assert np.isnan(M.ld_decay_gap(real, syn, min_pairs=10**9))
    with pytest.raises(ValueError, match="same distance bins"):
        M.ld_decay_gap(real, M.ld_decay(X, pos, n_bins=10))
    with pytest.raises(ValueError, match="min_pairs"):
        M.ld_decay_gap(real, syn, min_pairs=0)



def test_ld_decay_matched_compares_the_same_pairs():
    """A set equal to the real one except that its rare sites are fixed: the authors'
    intersectSNP curves coincide (gap 0), while its own-SNP curve (fullSNP) differs."""
    rng = np.random.default_rng(5)
    founders = (rng.random((4, 60)) < 0.5).astype(np.uint8)
    X = founders[rng.integers(0, 4, 400)]
    rare = np.arange(0, 60, 3)
    X[:, rare] = 0
    X[rng.integers(0, 400, 20), rare] = 1  # singletons: rare sites in weak LD
    pos = np.sort(rng.choice(100_000, 60, replace=False)) + 1
    Y = X.copy()
    Y[:, rare] = 0
    edges = np.logspace(0, np.log10(pos[-1] - pos[0]), 10)
    edges[-1] = pos[-1] - pos[0]
    real_m, syn_m = M.ld_decay_matched(X, Y, pos, bins=edges)
    assert M.ld_decay_gap(real_m, syn_m) == pytest.approx(0.0, abs=1e-12)
    both = int((~M.fixed_sites(X) & ~M.fixed_sites(Y)).sum())  # the founder sites that vary
    assert 10 < both <= 40
    assert real_m["n_pairs"].sum() == syn_m["n_pairs"].sum() == both * (both - 1) // 2
    own = M.ld_decay_gap(M.ld_decay(X, pos, bins=edges), M.ld_decay(Y, pos, bins=edges))
    assert own > 0.01
    # the default bins come from all positions, not from the kept ones
    a, _ = M.ld_decay_matched(X, Y, pos, n_bins=8)
    assert a["bin_right"].iloc[-1] == pytest.approx(pos[-1] - pos[0])
    with pytest.raises(ValueError, match="positions"):
        M.ld_decay_matched(X, Y, pos[:-1])

def _naive_kmers(X, k):
    counts = np.zeros(2**k)
    for row in X:
        for i in range(len(row) - k + 1):
            counts[int("".join(map(str, row[i:i + k])), 2)] += 1
    return counts / counts.sum()


@FAST
@given(hap_pair(min_rows=1, max_rows=6), st.integers(1, 4))
def test_kmer_frequencies_equal_naive(p, k):
    A, _, _ = p
    if k > A.shape[1]:
        with pytest.raises(ValueError, match="k="):
            M.kmer_frequencies(A, k)
    else:
        assert np.allclose(M.kmer_frequencies(A, k), _naive_kmers(A, k))


def test_three_point_cumulant_equals_naive():
    rng = np.random.default_rng(3)
    R = (rng.random((100, 30)) < 0.4).astype(np.uint8)
    S = (rng.random((100, 30)) < 0.5).astype(np.uint8)
    df = M.three_point_correlations(R, S, gaps=(1, 4, 64), n_triplets=5, seed=0)
    assert set(df["gap"]) == {"1", "4"}  # gap 64 does not fit in 30 SNPs
    row = df.iloc[13]
    a, b, c, x, y, z = (int(row[k]) for k in "abcxyz")
    f = lambda *cols_vals: np.mean(np.all([R[:, i] == v for i, v in cols_vals], axis=0))  # noqa: E731
    C = (f((a, x), (b, y), (c, z)) - f((a, x), (b, y)) * f((c, z)) - f((b, y), (c, z)) * f((a, x))
         - f((a, x), (c, z)) * f((b, y)) + 2 * f((a, x)) * f((b, y)) * f((c, z)))
    assert row["c_real"] == pytest.approx(C, abs=1e-12)
    assert b - a == c - b == int(row["gap"]) + 1


def test_exact_copies_and_rate():
    T = np.array([[0, 1, 1], [1, 0, 0]], dtype=np.uint8)
    S = np.array([[0, 1, 1], [0, 1, 1], [1, 1, 1], [1, 0, 0]], dtype=np.uint8)
    assert M.exact_copies(T, S) == 3
    assert M.exact_copy_rate(T, S) == 0.75
    rng = np.random.default_rng(0)
    A = (rng.random((50, 9)) < 0.5).astype(np.uint8)
    B = (rng.random((60, 9)) < 0.5).astype(np.uint8)
    assert M.exact_copies(A, B) == int((cdist(B, A, "cityblock").min(axis=1) == 0).sum())


def test_uncached_tiles_give_the_same_distances(monkeypatch):
    from artgen_lite.metrics import distances

    rng = np.random.default_rng(4)
    A = (rng.random((37, 11)) < 0.5).astype(np.uint8)
    B = (rng.random((23, 11)) < 0.5).astype(np.uint8)
    monkeypatch.setattr(distances, "_CACHE_BYTES", 0)  # convert the right-hand tiles one by one
    assert np.array_equal(M.hamming(A, B, block=5), cdist(A, B, "cityblock"))
    assert np.array_equal(M.nn_distances(A, block=4), _ref_nn_self(A))


def test_ld_binned_by_real_matches_binned_statistic():
    from scipy.stats import binned_statistic

    rng = np.random.default_rng(5)
    base = rng.random((400, 1)) < 0.5
    A = ((rng.random((400, 30)) < 0.25) ^ base).astype(np.uint8)
    B = ((rng.random((400, 30)) < 0.3) ^ base).astype(np.uint8)
    ra, rb = M.ld_r2(A), M.ld_r2(B)
    iu = np.triu_indices(30, k=1)
    df = M.ld_binned_by_real(A, B, bins=20)
    ref = binned_statistic(ra[iu], rb[iu], "mean", bins=20)
    assert np.allclose(df["bin_left"], ref.bin_edges[:-1])
    assert np.allclose(df["mean_synthetic"], ref.statistic, equal_nan=True)
    assert df["n_pairs"].sum() == len(iu[0])
