"""Shared runs: how long a stretch of a haplotype is copied verbatim from ONE training haplotype.

Explained in the chapter 'Beyond the lecture' (notebooks/14_beyond_the_lecture).

AATS and exact copies look at whole haplotypes. A haplotype-mosaic generator (HAPGEN2, HAPNEST;
chapter 14) never copies a whole training haplotype, yet every one of its haplotypes is a chain of
verbatim training segments. The measure of this module sees that: for a haplotype ``x`` and a
training set ``train``,

    ``longest_shared_run(x) = max over training haplotypes h of the longest run of consecutive
    SNPs on which x and h carry the same alleles``.

The run must match one single training haplotype along its whole length (jumping from one
training haplotype to another inside a run is not allowed: any haplotype could otherwise be
tiled from a large enough panel). A *new real* haplotype also shares runs with the training set
(relatives, common backgrounds, low diversity), so the number means something only next to the
same measure for a held-out real sample -- which is how chapter 14 reports it.

How it is computed, without a Python loop over haplotypes: with ``M[k, b, t] = 1`` when training
haplotype ``k`` and haplotype ``b`` of ``X`` agree at SNP ``t``, the length of the matching run
that *starts* at ``t`` obeys ``R[k, b, t] = (R[k, b, t + 1] + 1) * M[k, b, t]`` (scanned from the
last SNP back).  One backward pass over the SNPs, vectorised over a block of training rows and
all rows of ``X`` at once, keeps only ``max_k R[k, b, t]``; the blocks of training rows bound the
memory (``block x len(X)`` integers).  The cost is ``len(train) x len(X) x n_snps`` comparisons.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_haplotypes, same_snps

__all__ = ["forward_match_lengths", "longest_shared_run", "shared_run_summary"]


def forward_match_lengths(train, X, *, block: int = 512) -> np.ndarray:
    """``L[b, t]``: the longest run of SNPs *starting at* ``t`` on which ``X[b]`` agrees with one
    single haplotype of ``train`` (0 when no training haplotype carries ``X[b]``'s allele at ``t``).

    ``block`` training rows are compared at a time (memory ``block x len(X)`` integers). The
    longest shared run of ``X[b]`` is ``L[b].max()`` (:func:`longest_shared_run`); the greedy
    tiling of :class:`artgen_lite.models.HaplotypeMosaic` walks ``t -> t + L[b, t]``.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        Training haplotypes.
    X : array_like of uint8, shape (n, n_snps)
        Haplotypes whose runs are measured.
    block : int, optional
        Training rows compared at a time (memory only).

    Returns
    -------
    numpy.ndarray of int, shape (n, n_snps)
        Length of the run starting at each SNP.

    Examples
    --------
    >>> forward_match_lengths(np.array([[0, 0, 1], [1, 1, 1]]), np.array([[0, 1, 1]]))
    array([[1, 2, 1]])

    Explained in the chapter 'Beyond the lecture' (notebooks/14_beyond_the_lecture).
    """
    train = as_haplotypes(train, "train")
    X = as_haplotypes(X, "X")
    same_snps(train, X, "train", "X")
    if int(block) < 1:
        raise ValueError(f"block must be a positive number of training rows, got {block}")
    K, T = train.shape
    dtype = np.int16 if T < np.iinfo(np.int16).max else np.int32
    trT = np.ascontiguousarray(train.T)  # T x K: one SNP's alleles are contiguous
    xT = np.ascontiguousarray(X.T)  # T x B
    best = np.zeros((T, X.shape[0]), dtype=dtype)
    for k0 in range(0, K, int(block)):
        blk = trT[:, k0 : k0 + int(block)]
        run = np.zeros((blk.shape[1], X.shape[0]), dtype=dtype)
        for t in range(T - 1, -1, -1):
            run += 1
            run *= blk[t][:, None] == xT[t][None, :]
            np.maximum(best[t], run.max(0), out=best[t])
    return np.ascontiguousarray(best.T).astype(np.int64)


def longest_shared_run(train, X, *, block: int = 512) -> np.ndarray:
    """For each haplotype of ``X``, the longest run of consecutive SNPs identical to some single
    haplotype of ``train`` (an int array of length ``len(X)``; ``n_snps`` means an exact copy).

    See the module docstring for the definition and the vectorised backward scan.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        Training haplotypes.
    X : array_like of uint8, shape (n, n_snps)
        Haplotypes whose runs are measured (synthetic, or held-out real).
    block : int, optional
        Training rows compared at a time (memory only).

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Longest run of each row of ``X``.

    Examples
    --------
    >>> longest_shared_run(np.array([[0, 0, 1], [1, 1, 1]]), np.array([[0, 1, 1], [1, 1, 1]]))
    array([2, 3])

    Explained in the chapter 'Beyond the lecture' (notebooks/14_beyond_the_lecture).
    """
    return forward_match_lengths(train, X, block=block).max(1)


def shared_run_summary(train, X, *, block: int = 512) -> dict[str, float]:
    """Median and 95th percentile of :func:`longest_shared_run` over the haplotypes of ``X``, in
    SNPs and as a fraction of the SNPs (``median``, ``p95``, ``median_frac``, ``p95_frac``).

    Report it for a synthetic set next to the same summary of a held-out *real* sample: the
    real one is the yardstick.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        Training haplotypes.
    X : array_like of uint8, shape (n, n_snps)
        The set summarised.
    block : int, optional
        Training rows compared at a time (memory only).

    Returns
    -------
    dict of str to float
        Keys ``median``, ``p95``, ``median_frac``, ``p95_frac``.

    Examples
    --------
    >>> train = np.array([[0, 0, 1, 1, 0, 1], [1, 1, 0, 0, 1, 0]])
    >>> shared_run_summary(train, np.array([[0, 0, 1, 0, 1, 0], [1, 1, 0, 0, 1, 0]]))
    {'median': 4.5, 'p95': 5.85, 'median_frac': 0.75, 'p95_frac': 0.975}

    Explained in the chapter 'Beyond the lecture' (notebooks/14_beyond_the_lecture).
    """
    runs = longest_shared_run(train, X, block=block)
    n_snps = as_haplotypes(X, "X").shape[1]
    med, p95 = float(np.median(runs)), float(np.percentile(runs, 95))
    return {"median": med, "p95": p95, "median_frac": med / n_snps, "p95_frac": p95 / n_snps}
