"""Argument checks shared by the whole package: one rule for haplotype values, numbers and seeds.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes), which
introduces the haplotype matrix, and used by every model (chapter 04 onwards) and metric (chapter 03).

* :func:`check_haplotypes` -- the ONE rule for a haplotype matrix everywhere: a 2-D array whose
  values are exactly 0 and 1, whatever the dtype (bool, any integer including ``uint8``, or floats
  that are exactly 0.0/1.0). Anything else is refused with an error that names the argument and
  shows the offending values and the (row, column) of the first one.
* :func:`check_positive_int`, :func:`check_float`, :func:`check_fraction` -- scalar settings.
* :func:`check_seed`, :func:`derive_seed`, :func:`rng` -- integer seeds, and independent derived
  random streams from one seed (``numpy.random.SeedSequence``), so ``rng(seed, "train")`` and
  ``rng(seed, "test")`` never overlap.

Errors are ``ValueError`` (a bad value) or ``TypeError`` (a bad type); a wrong dtype raises
:class:`HaplotypeTypeError`, which is both, so callers may catch either.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

__all__ = [
    "HaplotypeTypeError",
    "check_haplotypes",
    "check_positive_int",
    "check_float",
    "check_fraction",
    "check_seed",
    "derive_seed",
    "rng",
]


class HaplotypeTypeError(TypeError, ValueError):
    """A haplotype argument of a dtype that cannot hold 0/1 values (strings, objects, complex).

    Both a ``TypeError`` and a ``ValueError``, so code that catches either keeps working.
    Explained in chapter 01_dna_to_genotypes.
    """


def _as_array(X: Any) -> np.ndarray:
    if hasattr(X, "X") and not isinstance(X, np.ndarray):  # a Haplotypes (or alike)
        X = X.X
    if type(X).__module__.startswith("torch"):
        X = X.detach().cpu().numpy()
    return np.asarray(X)


def check_haplotypes(
    X: Any,
    name: str = "X",
    n_snps: int | None = None,
    *,
    min_rows: int = 1,
    min_snps: int = 1,
) -> np.ndarray:
    """Check that ``X`` is a 2-D 0/1 haplotype matrix and return it as a C-contiguous ``uint8`` array.

    The one rule of the package (chapter 01_dna_to_genotypes): rows are haplotypes, columns are
    SNPs and every value is exactly 0 or 1, whatever the dtype -- ``bool``, any integer (``uint8``
    included: a ``uint8`` 2 is refused like any other 2) or float (0.0 and 1.0 are accepted and
    converted; 0.5 or NaN are refused). ``X`` may also be a torch tensor or an object with an ``.X``
    attribute (a :class:`artgen_lite.data.Haplotypes`).

    Parameters
    ----------
    X : array-like
        The matrix to check.
    name : str
        The argument's name, used in every error message.
    n_snps : int, optional
        The number of columns ``X`` must have (e.g. what a model was trained on).
    min_rows, min_snps : int
        The fewest haplotypes and SNPs the caller can give a meaningful answer for.

    Returns
    -------
    numpy.ndarray
        ``X`` as ``uint8`` (a view when it already was a contiguous ``uint8`` array).

    Examples
    --------
    >>> check_haplotypes([[0.0, 1.0], [1.0, 1.0]]).tolist()
    [[0, 1], [1, 1]]
    >>> check_haplotypes(np.array([[0, 2]], np.uint8), "real")
    Traceback (most recent call last):
    ...
    ValueError: real must contain only 0 and 1; found the value(s) [2], the first at row 0, column 1
    """
    arr = _as_array(X)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (haplotypes x SNPs); got {arr.ndim} dimension(s) with shape {arr.shape}"
        )
    if arr.dtype != np.bool_ and not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise HaplotypeTypeError(
            f"{name} must hold 0/1 values as uint8, bool, integer or float; got dtype {arr.dtype}, "
            "which is not numeric"
        )
    n, m = arr.shape
    if (n == 0 and min_rows >= 1) or (m == 0 and min_snps >= 1):
        extra = " (no SNP columns)" if m == 0 else " (no haplotype rows)"
        raise ValueError(f"{name} must have at least one haplotype and one SNP; got shape {arr.shape}{extra}")
    if n < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} haplotypes (rows), got {n}")
    if m < min_snps:
        raise ValueError(f"{name} needs at least {min_snps} SNPs (columns), got {m}")
    if n_snps is not None and m != n_snps:
        raise ValueError(f"{name} has {m} SNPs (columns) but {n_snps} are expected (the model was trained on {n_snps})")
    if arr.dtype != np.bool_ and arr.size:
        if np.issubdtype(arr.dtype, np.integer):
            ok = arr.min() >= 0 and arr.max() <= 1
        else:
            ok = bool(((arr == 0) | (arr == 1)).all())
        if not ok:
            bad = (arr != 0) & (arr != 1)
            i, j = (int(v) for v in np.argwhere(bad)[0])
            vals = np.unique(arr[bad])[:5]
            shown = [v.item() for v in vals]
            raise ValueError(
                f"{name} must contain only 0 and 1; found the value(s) {shown}, the first at row {i}, column {j}"
            )
    return np.ascontiguousarray(arr, dtype=np.uint8)


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer >= ``minimum`` (not a bool or float), else ``ValueError`` naming it.

    Used by every model constructor (chapter 04 onwards).

    Parameters
    ----------
    value : object
        The argument checked.
    name : str
        Its name, for the error message.
    minimum : int, optional
        Smallest value accepted.

    Returns
    -------
    int
        ``value`` itself, as a Python ``int``.

    Examples
    --------
    >>> check_positive_int(3, "epochs")
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}; got {value!r}")
    return int(value)


def check_float(value: Any, name: str, low: float = -math.inf, high: float = math.inf, *,
                low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a finite ``float`` in the interval from ``low`` to ``high``, else ``ValueError`` naming it.

    ``low_open``/``high_open`` exclude the bound. Used by model constructors (chapter 04 onwards).

    Parameters
    ----------
    value : object
        The argument checked; a bool is refused.
    name : str
        Its name, for the error message.
    low, high : float, optional
        Bounds of the interval (inclusive unless opened).
    low_open, high_open : bool, optional
        Exclude ``low`` (``high``) itself.

    Returns
    -------
    float
        ``value`` converted, finite and inside the interval.

    Examples
    --------
    >>> check_float(0.5, "lr", 0, low_open=True)
    0.5
    """
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = float(value)
        ok = (math.isfinite(value)
              and (value > low if low_open else value >= low)
              and (value < high if high_open else value <= high))
    if not ok:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must be a number in {left}{low}, {high}{right}; got {value!r}")
    return value


def check_fraction(value: Any, name: str, *, allow_zero: bool = True, allow_one: bool = False) -> float:
    """``value`` as a float fraction: in [0, 1) by default; ``allow_zero``/``allow_one`` choose the ends.

    Used for rates and split fractions (chapters 04-12).

    Parameters
    ----------
    value : object
        The rate or fraction checked.
    name : str
        Its name, quoted in the error.
    allow_zero, allow_one : bool, optional
        Whether 0 (1) itself is accepted.

    Returns
    -------
    float
        A number in the chosen interval of ``[0, 1]``.

    Examples
    --------
    >>> check_fraction(0.2, "test_fraction", allow_zero=False)
    0.2
    """
    return check_float(value, name, 0.0, 1.0, low_open=not allow_zero, high_open=not allow_one)


def check_seed(seed: Any, name: str = "seed") -> int:
    """``seed`` as an ``int`` if it is a non-negative integer, else a ``TypeError``/``ValueError`` naming it.

    ``None`` is refused: in this book every random result comes from a stated seed (chapter 04).

    Parameters
    ----------
    seed : object
        The argument checked: an integer >= 0 (numpy integers too).
    name : str, optional
        Its name, for the error message.

    Returns
    -------
    int
        The seed as a Python int.

    Examples
    --------
    >>> check_seed(7)
    7
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"{name} must be a non-negative integer (e.g. {name}=0), so results are reproducible; got {seed!r}"
        )
    if seed < 0 or seed >= 2**63:
        raise ValueError(f"{name} must be a non-negative integer below 2**63; got {seed!r}")
    return int(seed)


def _key(k: Any) -> int:
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 0:
        return int(k)
    digest = hashlib.sha256(str(k).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def derive_seed(seed: Any, *keys: Any) -> int:
    """An integer seed for the stream named by ``keys`` under ``seed`` (``numpy.random.SeedSequence``).

    Different keys give independent streams; the same ``(seed, *keys)`` always gives the same
    number, in any process. Keys are non-negative integers or strings. Chapter 12 uses derived
    seeds for its replicate models.

    Parameters
    ----------
    seed : int
        The root seed (see :func:`check_seed`).
    *keys : int or str
        Names of the stream, e.g. ``("replicate", 3)``.

    Returns
    -------
    int
        A seed in ``[0, 2**63)`` for that stream.

    Examples
    --------
    >>> derive_seed(0, "train") == derive_seed(0, "train") != derive_seed(0, "test")
    True
    """
    seed = check_seed(seed)
    ss = np.random.SeedSequence(seed, spawn_key=tuple(_key(k) for k in keys))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def rng(seed: Any, *keys: Any) -> np.random.Generator:
    """A numpy ``Generator`` for the stream named by ``keys`` under ``seed`` (see :func:`derive_seed`).

    ``rng(seed)`` equals ``numpy.random.default_rng(seed)``. Chapter 03 draws its subsamples this way.

    Parameters
    ----------
    seed : int
        The root seed.
    *keys : int or str
        Names of the stream; none gives ``default_rng(seed)``.

    Returns
    -------
    numpy.random.Generator
        A fresh generator for the stream.

    Examples
    --------
    >>> float(rng(0).random()) == float(np.random.default_rng(0).random())
    True
    """
    seed = check_seed(seed)
    if not keys:
        return np.random.default_rng(seed)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=tuple(_key(k) for k in keys)))
