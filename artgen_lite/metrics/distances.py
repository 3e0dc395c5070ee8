"""Hamming distances between haplotypes, computed with matrix products.

For 0/1 vectors the Hamming distance equals the city-block (L1) distance that the authors computed
with ``scipy.spatial.distance.cdist(..., 'cityblock')``, and it can be written as ::

    d(a, b) = |a| + |b| - 2 a.b

so a whole block of distances is ONE matrix product (BLAS GEMM) of the augmented matrices
``[a, |a|, 1]`` and ``[-2b, 1, |b|]``. Every partial sum of that product is an integer of magnitude
at most 4 x n_snps, so in float32 the result is *exact* while 4 x n_snps < 2**24 (up to about
4 million SNPs); beyond that float64 is used, exact to 2**53. The work is done in square tiles of
``block`` rows (default 1024, i.e. 4 MB per float32 tile), so memory stays bounded whatever the
number of haplotypes (plus one float32 copy of the right-hand set when it is under 256 MB), and
within-set computations visit only the tiles on or above the diagonal (about half the arithmetic).

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_haplotypes, same_snps

__all__ = [
    "hamming",
    "nn_distances",
    "cross_nn_distances",
    "pairwise_distances",
    "distance_counts",
    "wasserstein_from_counts",
    "pairwise_w1",
]

DEFAULT_BLOCK = 1024
_CACHE_BYTES = 256 * 2**20


def _gemm_dtype(n_snps: int):
    return np.float32 if 4 * n_snps < 2**24 else np.float64


def _left(A: np.ndarray, dt) -> np.ndarray:
    n, L = A.shape
    out = np.empty((n, L + 2), dtype=dt)
    out[:, :L] = A
    out[:, L] = A.sum(axis=1, dtype=np.int64)
    out[:, L + 1] = 1
    return out


def _right(B: np.ndarray, dt) -> np.ndarray:
    n, L = B.shape
    out = np.empty((n, L + 2), dtype=dt)
    np.multiply(B, -2, out=out[:, :L], dtype=dt, casting="unsafe")
    out[:, L] = 1
    out[:, L + 1] = B.sum(axis=1, dtype=np.int64)
    return out


def _tiles(A: np.ndarray, B: np.ndarray | None, block: int):
    """Yield ``(i0, i1, j0, j1, D)`` with D the exact distance tile (float) between rows.

    With ``B is None`` only tiles with ``j0 >= i0`` are produced (the upper block triangle of the
    symmetric within-set matrix); diagonal tiles have ``i0 == j0``. The augmented right-hand
    matrix is converted once when it fits in ``_CACHE_BYTES``, otherwise tile by tile.
    """
    if block < 1:
        raise ValueError(f"block must be a positive number of rows, got {block}")
    dt = _gemm_dtype(A.shape[1])
    src = A if B is None else B
    nA, nB = A.shape[0], src.shape[0]
    cached = None
    if nB * (src.shape[1] + 2) * np.dtype(dt).itemsize <= _CACHE_BYTES:
        cached = _right(src, dt)
    for i0 in range(0, nA, block):
        i1 = min(i0 + block, nA)
        lb = _left(A[i0:i1], dt)
        for j0 in range(i0 if B is None else 0, nB, block):
            j1 = min(j0 + block, nB)
            rb = cached[j0:j1] if cached is not None else _right(src[j0:j1], dt)
            yield i0, i1, j0, j1, lb @ rb.T


def hamming(A, B=None, *, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """Full matrix of Hamming distances between the rows of ``A`` and of ``B`` (or of ``A`` itself).

    Equal to ``scipy.spatial.distance.cdist(A, B, 'cityblock')`` for 0/1 input, but computed by
    BLAS matrix products and returned as exact integers (int32, shape ``(len(A), len(B))``).
    The result itself takes ``4 * len(A) * len(B)`` bytes; for large sets prefer
    :func:`nn_distances` or :func:`distance_counts`, which never hold the full matrix.

    Parameters
    ----------
    A : array_like of uint8, shape (n_a, n_snps)
        Haplotypes (0/1), rows = haplotypes; a :class:`~artgen_lite.data.Haplotypes` is accepted.
    B : array_like of uint8, shape (n_b, n_snps), optional
        A second set; without it the distances within ``A``.
    block : int, optional
        Rows per matrix-product tile (memory only; the result does not depend on it).

    Returns
    -------
    numpy.ndarray of int32, shape (n_a, n_b)
        ``D[i, j]`` = number of SNPs at which ``A[i]`` and ``B[j]`` differ.

    Examples
    --------
    >>> hamming(np.array([[0, 0, 1], [1, 1, 1]]), np.array([[0, 1, 1]]))
    array([[1],
           [1]], dtype=int32)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    A = as_haplotypes(A, "A")
    sym = B is None
    if not sym:
        B = as_haplotypes(B, "B")
        same_snps(A, B, "A", "B")
    nB = A.shape[0] if sym else B.shape[0]
    out = np.empty((A.shape[0], nB), dtype=np.int32)
    for i0, i1, j0, j1, D in _tiles(A, B, block):
        out[i0:i1, j0:j1] = D
        if sym and j0 != i0:
            out[j0:j1, i0:i1] = D.T
    return out


def _nn_self(A: np.ndarray, block: int) -> np.ndarray:
    best = np.full(A.shape[0], np.inf)
    for i0, i1, j0, j1, D in _tiles(A, None, block):
        if i0 == j0:
            np.fill_diagonal(D, np.inf)
        else:
            np.minimum(best[j0:j1], D.min(axis=0), out=best[j0:j1])
        np.minimum(best[i0:i1], D.min(axis=1), out=best[i0:i1])
    return best.astype(np.int64)


def _nn_cross(A: np.ndarray, B: np.ndarray, block: int):
    best_a = np.full(A.shape[0], np.inf)
    best_b = np.full(B.shape[0], np.inf)
    for i0, i1, j0, j1, D in _tiles(A, B, block):
        np.minimum(best_a[i0:i1], D.min(axis=1), out=best_a[i0:i1])
        np.minimum(best_b[j0:j1], D.min(axis=0), out=best_b[j0:j1])
    return best_a.astype(np.int64), best_b.astype(np.int64)


def nn_distances(A, B=None, *, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """Distance from each row of ``A`` to its nearest neighbour (Hamming, exact int64).

    * ``nn_distances(A)``: nearest *other* row of ``A``. Only the row itself is excluded (its
      index, as the authors' ``np.fill_diagonal(d, inf)``), so a duplicated haplotype has
      distance 0 to its twin. ``A`` needs at least 2 rows.
    * ``nn_distances(A, B)``: nearest row of ``B`` (nothing is excluded).

    Use :func:`cross_nn_distances` to get both directions of ``A`` vs ``B`` in one pass.

    Parameters
    ----------
    A : array_like of uint8, shape (n_a, n_snps)
        The haplotypes whose nearest neighbours are sought.
    B : array_like of uint8, shape (n_b, n_snps), optional
        Where to look for them; default: the other rows of ``A``.
    block : int, optional
        Rows per tile (memory only).

    Returns
    -------
    numpy.ndarray of int64, shape (n_a,)
        Hamming distance of each row of ``A`` to its nearest neighbour.

    Examples
    --------
    >>> nn_distances(np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1]]))
    array([1, 1, 2])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    A = as_haplotypes(A, "A", min_rows=2 if B is None else 1)
    if B is None:
        return _nn_self(A, block)
    B = as_haplotypes(B, "B")
    same_snps(A, B, "A", "B")
    return _nn_cross(A, B, block)[0]


def cross_nn_distances(A, B, *, block: int = DEFAULT_BLOCK):
    """Nearest-neighbour distances in both directions between two sets, from one pass.

    Returns ``(d_ab, d_ba)``: ``d_ab[i] = min_j d(A_i, B_j)`` and ``d_ba[j] = min_i d(A_i, B_j)``
    (row and column minima of ``cdist(A, B, 'cityblock')``), as exact int64 arrays.

    Parameters
    ----------
    A, B : array_like of uint8, shapes (n_a, n_snps) and (n_b, n_snps)
        Two haplotype sets over the same SNPs.
    block : int, optional
        Rows per tile (memory only).

    Returns
    -------
    d_ab : numpy.ndarray of int64, shape (n_a,)
        For each row of ``A``, the distance to the nearest row of ``B``.
    d_ba : numpy.ndarray of int64, shape (n_b,)
        For each row of ``B``, the distance to the nearest row of ``A``.

    Examples
    --------
    >>> cross_nn_distances(np.array([[0, 0], [1, 1]]), np.array([[0, 1]]))
    (array([1, 1]), array([1]))

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    A = as_haplotypes(A, "A")
    B = as_haplotypes(B, "B")
    same_snps(A, B, "A", "B")
    return _nn_cross(A, B, block)


def pairwise_distances(A, B=None, *, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """Flat array of pairwise Hamming distances (int32).

    * ``pairwise_distances(A)``: the within-set distances, i.e. the upper triangle without the
      diagonal, in the order of ``d[np.triu_indices(n, k=1)]`` (as the authors saved them).
    * ``pairwise_distances(A, B)``: all ``len(A) * len(B)`` between-set distances, row-major.

    For summaries of large sets use :func:`distance_counts` instead (no big array).

    Parameters
    ----------
    A : array_like of uint8, shape (n_a, n_snps)
        Haplotypes (0/1).
    B : array_like of uint8, shape (n_b, n_snps), optional
        A second set; without it, the pairs within ``A``.
    block : int, optional
        Rows per tile (memory only).

    Returns
    -------
    numpy.ndarray of int32
        ``n_a * (n_a - 1) / 2`` within-set distances, or ``n_a * n_b`` between-set distances.

    Examples
    --------
    >>> pairwise_distances(np.array([[0, 0], [0, 1], [1, 1]]))
    array([1, 2, 1], dtype=int32)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    D = hamming(A, B, block=block)
    if B is None:
        return D[np.triu_indices(D.shape[0], k=1)]
    return D.ravel()


def distance_counts(A, B=None, *, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """Histogram of pairwise Hamming distances: ``counts[k]`` = number of pairs at distance ``k``.

    The same pairs as :func:`pairwise_distances` (within-set: each unordered pair once, self pairs
    excluded; between sets: all pairs), but accumulated tile by tile, so memory stays small.
    Length ``n_snps + 1``.

    Parameters
    ----------
    A : array_like of uint8, shape (n_a, n_snps)
        Haplotypes (0/1); at least 2 rows without ``B``.
    B : array_like of uint8, shape (n_b, n_snps), optional
        A second set for between-set pairs.
    block : int, optional
        Rows per tile (memory only).

    Returns
    -------
    numpy.ndarray of int64, shape (n_snps + 1,)
        Number of pairs at each distance ``0 .. n_snps``.

    Examples
    --------
    >>> distance_counts(np.array([[0, 0], [0, 1], [1, 1]]))
    array([0, 2, 1])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    A = as_haplotypes(A, "A", min_rows=2 if B is None else 1)
    if B is not None:
        B = as_haplotypes(B, "B")
        same_snps(A, B, "A", "B")
    L = A.shape[1]
    counts = np.zeros(L + 1, dtype=np.int64)
    for i0, i1, j0, j1, D in _tiles(A, B, block):
        if B is None and i0 == j0:
            D = D[np.triu_indices(D.shape[0], k=1)]
        counts += np.bincount(D.astype(np.int64).ravel(), minlength=L + 1)
    return counts


def wasserstein_from_counts(counts_u, counts_v) -> float:
    """1-D Wasserstein (earth mover's) distance between two histograms on the integers 0, 1, 2, ...

    Equals ``scipy.stats.wasserstein_distance(u, v)`` on the raw integer samples whose histograms
    are ``counts_u`` and ``counts_v`` (the sum over k of ``|F_u(k) - F_v(k)|``, unit spacing), without
    ever materialising or sorting the samples.

    Parameters
    ----------
    counts_u, counts_v : array_like of float, 1-D
        Non-negative histograms on ``0, 1, 2, ...`` (lengths may differ), each with a positive sum.

    Returns
    -------
    float
        The Wasserstein-1 distance between the two distributions.

    Examples
    --------
    >>> wasserstein_from_counts([1, 0, 0], [0, 0, 1])  # all mass moved by 2
    2.0

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    u = np.asarray(counts_u, dtype=np.float64)
    v = np.asarray(counts_v, dtype=np.float64)
    if u.ndim != 1 or v.ndim != 1:
        raise ValueError("counts_u and counts_v must be 1-D histograms")
    if (u < 0).any() or (v < 0).any():
        raise ValueError("counts_u and counts_v must be non-negative")
    if u.sum() == 0 or v.sum() == 0:
        raise ValueError("counts_u and counts_v must each hold at least one observation")
    n = max(len(u), len(v))
    u = np.pad(u, (0, n - len(u)))
    v = np.pad(v, (0, n - len(v)))
    return float(np.abs(np.cumsum(u) / u.sum() - np.cumsum(v) / v.sum())[:-1].sum())


def pairwise_w1(real, synthetic, *, kind: str = "within", block: int = DEFAULT_BLOCK) -> float:
    """Wasserstein-1 distance between pairwise-distance distributions, as in the authors' notebook.

    * ``kind="within"``: W1(within-real distances, within-synthetic distances).
    * ``kind="between"``: W1(within-real distances, synthetic-vs-real distances).

    Uses exact histograms (:func:`distance_counts`), so it equals ``scipy.stats.wasserstein_distance``
    on the flattened distances.

    Parameters
    ----------
    real : array_like of uint8, shape (n_real, n_snps)
        Real haplotypes, at least 2.
    synthetic : array_like of uint8, shape (n_syn, n_snps)
        Artificial haplotypes.
    kind : {"within", "between"}, optional
        Which synthetic distances are compared with the within-real ones.
    block : int, optional
        Rows per tile (memory only).

    Returns
    -------
    float
        W1 between the two pairwise-distance distributions (0 = the same).

    Examples
    --------
    >>> X = np.array([[0, 0, 0], [0, 1, 1], [1, 1, 1]])
    >>> pairwise_w1(X, X)
    0.0

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real = as_haplotypes(real, "real", min_rows=2)
    synthetic = as_haplotypes(synthetic, "synthetic", min_rows=2 if kind == "within" else 1)
    same_snps(real, synthetic, "real", "synthetic")
    c_real = distance_counts(real, block=block)
    if kind == "within":
        c_syn = distance_counts(synthetic, block=block)
    elif kind == "between":
        c_syn = distance_counts(synthetic, real, block=block)
    else:
        raise ValueError(f"kind must be 'within' or 'between', got {kind!r}")
    return wasserstein_from_counts(c_real, c_syn)
