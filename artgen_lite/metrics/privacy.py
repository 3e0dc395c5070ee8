"""Nearest-neighbour privacy metrics: AATS (Yale et al.), privacy loss, exact copies.

AATS, as coded by the authors (``computeAATS.computeAAandDist``), with T the real reference set
and S the synthetic set, both of size n, and d the Hamming (= city-block) distance:

* dTT(i) = min_{j != i} d(T_i, T_j),  dSS(i) = min_{j != i} d(S_i, S_j)  (self excluded by index)
* dTS(i) = min_j d(T_i, S_j),          dST(i) = min_j d(S_i, T_j)
* AA_truth = mean[dTS > dTT],  AA_syn = mean[dST > dSS]   (strict ">": ties count as misclassified)
* AATS = (AA_truth + AA_syn) / 2     (0.5 ideal; -> 0 copying/overfitting; -> 1 unrealistic)

Privacy loss = AATS(reference = held-out test set) - AATS(reference = training set).

The authors only printed a warning when ``|T| != |S|``. Here unequal sizes are an error: nearest-
neighbour distances shrink as a set grows, so AATS on unequal sets is biased. Use
:func:`subsample` (seeded, without replacement) to bring the sets to a common size.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import as_haplotypes, as_rng, same_rows, same_snps
from .distances import DEFAULT_BLOCK, _nn_cross, _nn_self

__all__ = [
    "AATSResult",
    "aats",
    "aats_from_distances",
    "nn_distance_table",
    "privacy_loss",
    "exact_copies",
    "exact_copy_rate",
    "subsample",
    "subsample_to_common_size",
    "yelmen_subsample",
]


class AATSResult(NamedTuple):
    """``(aats, aa_truth, aa_syn)``; unpacks like a tuple."""

    aats: float
    aa_truth: float
    aa_syn: float


def subsample(X, n: int, seed=0, *, name: str = "X") -> np.ndarray:
    """``n`` rows of ``X`` drawn without replacement, kept in their original order.

    ``seed`` is an int (``numpy.random.default_rng(seed)``), ``None`` or a ``Generator``.
    Returns ``X`` unchanged (as uint8) when ``n == len(X)``.

    Parameters
    ----------
    X : array_like of uint8, shape (n_rows, n_snps)
        Haplotypes (0/1).
    n : int
        Rows to keep, ``1 <= n <= n_rows``.
    seed : int, None or numpy.random.Generator, optional
        Source of the draw.
    name : str, optional
        Name of ``X`` in error messages.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_snps)
        The kept rows, in their original order.

    Examples
    --------
    >>> subsample(np.eye(4, dtype=np.uint8), 2, seed=0).shape
    (2, 4)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    X = as_haplotypes(X, name)
    n = int(n)
    if n < 1 or n > X.shape[0]:
        raise ValueError(f"cannot subsample {n} rows from {name}, which has {X.shape[0]} rows")
    if n == X.shape[0]:
        return X
    idx = np.sort(as_rng(seed).choice(X.shape[0], size=n, replace=False))
    return X[idx]


def subsample_to_common_size(*sets, n: int | None = None, seed=0, names=None) -> list[np.ndarray]:
    """Subsample every set to a common size ``n`` (default: the smallest set).

    One ``numpy.random.default_rng(seed)`` stream is used for the sets in the order given, so the
    result is reproducible. Sets already of size ``n`` are returned untouched.

    Parameters
    ----------
    *sets : array_like of uint8
        Haplotype matrices (any numbers of rows, same SNPs not required).
    n : int, optional
        The common size; default the smallest set's.
    seed : int, None or numpy.random.Generator, optional
        Source of the draws.
    names : sequence of str, optional
        Names of the sets in error messages.

    Returns
    -------
    list of numpy.ndarray
        The sets, each with ``n`` rows, in the order given.

    Examples
    --------
    >>> [s.shape[0] for s in subsample_to_common_size(np.zeros((5, 3)), np.ones((3, 3)))]
    [3, 3]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    names = names or [f"set {i}" for i in range(len(sets))]
    arrays = [as_haplotypes(s, nm) for s, nm in zip(sets, names)]
    m = min(a.shape[0] for a in arrays)
    n = m if n is None else int(n)
    if n > m:
        raise ValueError(f"n={n} is larger than the smallest set ({m} rows)")
    rng = as_rng(seed)
    return [subsample(a, n, rng, name=nm) for a, nm in zip(arrays, names)]


def yelmen_subsample(X, nsub: int = 5000, seed: int = 3) -> np.ndarray:
    """The authors' subsampling: keep ``nsub`` rows by dropping a random set of rows.

    Reproduces ``plotfig_utils_1_INIT``: ``np.random.seed(3)`` then, for a file with N > nsub
    rows, ``drop(np.sort(np.random.choice(np.arange(N), size=N - nsub, replace=False)))``
    (the 'Real' file is the first one loaded, so it gets the first draw). Uses a private
    ``RandomState(seed)``, the same stream as ``np.random.seed(seed)``, without touching the
    global state.

    Parameters
    ----------
    X : array_like of uint8, shape (n_rows, n_snps)
        Haplotypes (0/1).
    nsub : int, optional
        Rows kept; a set with at most ``nsub`` rows is returned whole.
    seed : int, optional
        Seed of the ``RandomState``, 3 as in the authors' scripts.

    Returns
    -------
    numpy.ndarray of uint8, shape (min(n_rows, nsub), n_snps)

    Examples
    --------
    >>> X = np.eye(8, dtype=np.uint8)
    >>> yelmen_subsample(X, nsub=3).shape
    (3, 8)
    >>> yelmen_subsample(X[:2], nsub=3).shape  # small sets are returned whole
    (2, 8)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    X = as_haplotypes(X, "X")
    N = X.shape[0]
    if N <= nsub:
        return X
    rs = np.random.RandomState(seed)
    drop = np.sort(rs.choice(np.arange(N), size=N - nsub, replace=False))
    return np.delete(X, drop, axis=0)


def aats_from_distances(dTT, dSS, dTS, dST) -> AATSResult:
    """AATS from the four nearest-neighbour distance vectors (strict ``>``, as the authors).

    Parameters
    ----------
    dTT, dSS : array_like of int, shape (n,)
        Each real (resp. synthetic) row's distance to its nearest other row of the same set.
    dTS, dST : array_like of int, shape (n,)
        Each real row's distance to the nearest synthetic row, and each synthetic row's to the
        nearest real row.

    Returns
    -------
    AATSResult
        ``(aats, aa_truth, aa_syn)`` as floats.

    Examples
    --------
    >>> aats_from_distances([1, 1], [1, 1], [2, 0], [2, 2])
    AATSResult(aats=0.75, aa_truth=0.5, aa_syn=1.0)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    dTT, dSS, dTS, dST = (np.asarray(v) for v in (dTT, dSS, dTS, dST))
    if not (len(dTT) == len(dTS) and len(dSS) == len(dST)):
        raise ValueError("dTT/dTS and dSS/dST must have matching lengths")
    aa_truth = float(np.mean(dTS > dTT))
    aa_syn = float(np.mean(dST > dSS))
    return AATSResult((aa_truth + aa_syn) / 2, aa_truth, aa_syn)


def _check_pair(real, synthetic, real_name="real", syn_name="synthetic"):
    T = as_haplotypes(real, real_name, min_rows=2)
    S = as_haplotypes(synthetic, syn_name, min_rows=2)
    same_snps(T, S, real_name, syn_name)
    same_rows(T, S, real_name, syn_name, "AATS")
    return T, S


def nn_distance_table(real, synthetic, *, block: int = DEFAULT_BLOCK) -> dict[str, np.ndarray]:
    """Nearest-neighbour Hamming distances dTT, dSS, dTS, dST (a dict of int64 arrays).

    Same definitions as in the module docstring (the authors' MINDIST table). Sets must have the
    same size; ``pandas.DataFrame(result)`` gives a table with one row per haplotype index.

    Parameters
    ----------
    real, synthetic : array_like of uint8, shape (n, n_snps)
        Two sets of the same size.
    block : int, optional
        Rows per distance tile (memory only).

    Returns
    -------
    dict of str to numpy.ndarray of int64
        Keys ``dTT``, ``dSS``, ``dTS``, ``dST``, each of length ``n``.

    Examples
    --------
    >>> real = np.array([[0, 0, 0], [0, 0, 1], [1, 1, 1]])
    >>> d = nn_distance_table(real, np.array([[0, 1, 0], [1, 1, 0], [1, 1, 1]]))
    >>> {key: v.tolist() for key, v in d.items()}
    {'dTT': [1, 1, 2], 'dSS': [1, 1, 1], 'dTS': [1, 2, 0], 'dST': [1, 1, 0]}

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    T, S = _check_pair(real, synthetic)
    dST, dTS = _nn_cross(S, T, block)
    return {"dTT": _nn_self(T, block), "dSS": _nn_self(S, block), "dTS": dTS, "dST": dST}


def aats(real, synthetic, *, block: int = DEFAULT_BLOCK) -> AATSResult:
    """Nearest-neighbour adversarial accuracy AATS of ``synthetic`` against ``real``.

    Returns ``AATSResult(aats, aa_truth, aa_syn)`` (a named tuple of floats). Exactly the
    authors' ``computeAAandDist`` (city-block distance, self excluded by index, strict ``>`` so
    ties count as misclassified), but computed with BLAS in a fraction of the time.
    The two sets must have the same number of haplotypes (``ValueError`` otherwise; see
    :func:`subsample`).

    Parameters
    ----------
    real, synthetic : array_like of uint8, shape (n, n_snps)
        Real (``T``) and synthetic (``S``) haplotypes, the same number of each.
    block : int, optional
        Rows per distance tile (memory only).

    Returns
    -------
    AATSResult
        ``aats`` = (``aa_truth`` + ``aa_syn``) / 2; 0.5 is ideal.

    Examples
    --------
    >>> real = np.array([[0, 0, 0, 0], [1, 1, 1, 1]], dtype=np.uint8)
    >>> aats(real, real.copy()).aats  # exact copies: every nearest neighbour is in the other set
    0.0

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    d = nn_distance_table(real, synthetic, block=block)
    return aats_from_distances(d["dTT"], d["dSS"], d["dTS"], d["dST"])


def _privacy_parts(train, test, synthetic, block, dSS=None):
    """Both AATS (train and test reference) sharing the synthetic self-distances."""
    if dSS is None:
        dSS = _nn_self(synthetic, block)
    out = {}
    for key, ref in (("train", train), ("test", test)):
        dST, dTS = _nn_cross(synthetic, ref, block)
        out[key] = aats_from_distances(_nn_self(ref, block), dSS, dTS, dST)
    return out


def privacy_loss(train, test, synthetic, *, n: int | None = None, seed=0, block: int = DEFAULT_BLOCK) -> float:
    """Privacy loss = AATS(reference = test) - AATS(reference = train).

    Positive values mean the synthetic haplotypes sit closer to the training haplotypes than to
    unseen ones (memorisation). All three sets are first subsampled without replacement to a
    common size ``n`` (default: the smallest of the three) with ``numpy.random.default_rng(seed)``
    (default seed 0), drawn in the order train, test, synthetic; sets already of size ``n`` are
    used as they are. Note that subsampling the training set dilutes memorisation: a model that
    copies training haplotypes is only caught for the copied rows that land in the subsample.

    Parameters
    ----------
    train, test, synthetic : array_like of uint8
        Training haplotypes, held-out haplotypes and the model's samples, over the same SNPs.
    n : int, optional
        Common size of the three sets; default the smallest.
    seed : int, None or numpy.random.Generator, optional
        Source of the subsampling.
    block : int, optional
        Rows per distance tile (memory only).

    Returns
    -------
    float
        ``AATS_test - AATS_train``; near 0 for a model that does not memorise.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train, test = rng.integers(0, 2, (2, 20, 30))
    >>> round(privacy_loss(train, test, train.copy()), 3)  # a copy of the training set
    0.35

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    *_, parts, _ = _checked_privacy_parts(train, test, synthetic, n, seed, block)
    return parts["test"].aats - parts["train"].aats


def _checked_privacy_parts(train, test, synthetic, n, seed, block):
    """Check the three sets, subsample them to one size and compute AATS against train and test.

    Returns the checked full sets ``(train, test, synthetic)``, the dict of the two AATS results
    and the common size.
    """
    train = as_haplotypes(train, "train", min_rows=2)
    test = as_haplotypes(test, "test", min_rows=2)
    synthetic = as_haplotypes(synthetic, "synthetic", min_rows=2)
    same_snps(train, synthetic, "train", "synthetic")
    same_snps(test, synthetic, "test", "synthetic")
    tr, te, sy = subsample_to_common_size(train, test, synthetic, n=n, seed=seed,
                                          names=["train", "test", "synthetic"])
    return train, test, synthetic, _privacy_parts(tr, te, sy, block), tr.shape[0]


def _row_keys(X: np.ndarray) -> np.ndarray:
    packed = np.packbits(X, axis=1)
    return np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()


def _is_copy(train: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    return np.isin(_row_keys(synthetic), _row_keys(train))


def exact_copies(train, synthetic) -> int:
    """Number of rows of ``synthetic`` that are identical to at least one row of ``train``.

    Rows are compared exactly (bit-packed and hashed; no distance matrix). Duplicated synthetic
    rows are each counted.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        The haplotypes a copy would come from.
    synthetic : array_like of uint8, shape (n_syn, n_snps)
        The rows checked.

    Returns
    -------
    int
        How many synthetic rows copy a training row.

    Examples
    --------
    >>> exact_copies(np.array([[0, 1], [1, 1]]), np.array([[1, 1], [0, 0], [1, 1]]))
    2

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    train = as_haplotypes(train, "train")
    synthetic = as_haplotypes(synthetic, "synthetic")
    same_snps(train, synthetic, "train", "synthetic")
    return int(_is_copy(train, synthetic).sum())


def exact_copy_rate(train, synthetic) -> float:
    """Fraction of ``synthetic`` rows identical to some ``train`` row (see :func:`exact_copies`).

    Apply it to (train, test) to get the baseline rate at which *real* unseen haplotypes repeat a
    training one; on short or low-diversity regions that rate is far from zero.

    Parameters
    ----------
    train, synthetic : array_like of uint8
        As in :func:`exact_copies`.

    Returns
    -------
    float
        ``exact_copies(train, synthetic) / len(synthetic)``.

    Examples
    --------
    >>> exact_copy_rate(np.array([[0, 1], [1, 1]]), np.array([[1, 1], [0, 0], [1, 1], [1, 0]]))
    0.5

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    synthetic = as_haplotypes(synthetic, "synthetic")
    return exact_copies(train, synthetic) / synthetic.shape[0]
