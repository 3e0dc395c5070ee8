"""metrics.longest_shared_run against a brute-force reference (chapter 14)."""

from __future__ import annotations

import numpy as np
import pytest

from artgen_lite import metrics


def brute_longest_shared_run(train: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Every (x, training haplotype, start, end): the longest all-equal window."""
    out = np.zeros(len(X), dtype=int)
    T = X.shape[1]
    for b, x in enumerate(X):
        for h in train:
            for s in range(T):
                for e in range(s + 1, T + 1):
                    if np.array_equal(x[s:e], h[s:e]):
                        out[b] = max(out[b], e - s)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    K, B, T = rng.integers(1, 7), rng.integers(1, 6), rng.integers(1, 13)
    # correlated 0/1 matrices, so that long runs occur
    train = (rng.random((K, T)) < rng.uniform(0.1, 0.9)).astype(np.uint8)
    X = train[rng.integers(0, K, B)].copy()
    X ^= (rng.random((B, T)) < 0.25).astype(np.uint8)
    got = metrics.longest_shared_run(train, X, block=int(rng.integers(1, 4)))
    np.testing.assert_array_equal(got, brute_longest_shared_run(train, X))


def test_a_run_may_not_switch_haplotypes():
    train = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], dtype=np.uint8)
    mosaic = np.array([[1, 1, 1, 1, 1, 1]], dtype=np.uint8)  # first half of one, second of the other
    assert metrics.longest_shared_run(train, mosaic).tolist() == [3]
    assert metrics.longest_shared_run(train, train).tolist() == [6, 6]  # an exact copy: every SNP


def test_forward_lengths_start_at_each_snp():
    train = np.array([[0, 1, 1, 0]], dtype=np.uint8)
    x = np.array([[0, 1, 0, 0]], dtype=np.uint8)
    assert metrics.forward_match_lengths(train, x).tolist() == [[2, 1, 0, 1]]


def test_summary_and_errors():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 2, (20, 30)).astype(np.uint8)
    X = train[:10].copy()
    X[:, 15] ^= 1  # each copy broken once, in the middle: runs of 15 and 14
    s = metrics.shared_run_summary(train, X)
    assert s["median"] >= 15 and s["p95"] <= 30
    assert s["median_frac"] == pytest.approx(s["median"] / 30)
    with pytest.raises(ValueError, match="same number of SNPs"):
        metrics.longest_shared_run(train, X[:, :5])
    with pytest.raises(ValueError, match="block"):
        metrics.longest_shared_run(train, X, block=0)
