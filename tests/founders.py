"""Test data with LD by construction: haplotypes copied from a few random founders with a small
share of alleles flipped (one recipe for the model tests, instead of a copy per test file)."""

from __future__ import annotations

import numpy as np


def founder_copies(n: int, m: int, k: int, p: float, seed: int = 0, noise: float = 0.03) -> np.ndarray:
    """``n`` uint8 haplotypes of ``m`` SNPs, each a copy of one of ``k`` founders (alleles 1 with
    probability ``p``), with a fraction ``noise`` of alleles flipped; seeded by ``seed``."""
    rng = np.random.default_rng(seed)
    founders = rng.random((k, m)) < p
    X = founders[rng.integers(0, k, n)]
    return (X ^ (rng.random(X.shape) < noise)).astype(np.uint8)
