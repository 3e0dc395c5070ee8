"""Straightforward scipy ``cdist`` versions of the distance metrics: the yardstick for the fast code.

The tests check that :mod:`artgen_lite.metrics` gives exactly these results (ties included), and
``benchmarks/bench_metrics.py`` times both. Slow (three full distance matrices); not for real use.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist

__all__ = ["nn_self_cdist", "aats_cdist"]


def nn_self_cdist(A) -> np.ndarray:
    """Distance from each row of ``A`` to its nearest other row (cityblock = Hamming on 0/1).

    Parameters
    ----------
    A : array_like of uint8, shape (n, n_snps)
        0/1 haplotypes, at least 2 rows.

    Returns
    -------
    numpy.ndarray of float64, shape (n,)
        Each row's distance to its nearest other row.

    Examples
    --------
    >>> nn_self_cdist(np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1]]))
    array([1., 1., 2.])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags), as the oracle
    of :func:`artgen_lite.metrics.distances.nn_distances`.
    """
    d = cdist(A, A, "cityblock")
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def aats_cdist(T, S) -> tuple[float, float, float]:
    """The authors' ``computeAAandDist``: ``(aats, aa_truth, aa_syn)`` from three cdist matrices.

    Parameters
    ----------
    T, S : array_like of uint8, shape (n, n_snps)
        Real and synthetic haplotypes.

    Returns
    -------
    tuple of float
        ``(aats, aa_truth, aa_syn)``.

    Examples
    --------
    >>> T = np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1]])
    >>> S = np.array([[0, 1, 0], [1, 1, 0], [1, 1, 1]])
    >>> [round(v, 3) for v in aats_cdist(T, S)]
    [0.167, 0.333, 0.0]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags), as the oracle
    of :func:`artgen_lite.metrics.privacy.aats`.
    """
    dTT = nn_self_cdist(T)
    d = cdist(S, T, "cityblock")
    dST, dTS = d.min(axis=1), d.min(axis=0)
    dSS = nn_self_cdist(S)
    t, s = float(np.mean(dTS > dTT)), float(np.mean(dST > dSS))
    return (t + s) / 2, t, s
