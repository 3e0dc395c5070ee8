"""Input checks shared by the metrics (private).

Every metric takes haplotype matrices: 2-D arrays of 0/1 values, one row per haplotype and one
column per SNP. An object with an ``.X`` attribute (such as :class:`artgen_lite.data.Haplotypes`)
is accepted too. Errors name the offending argument.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_haplotypes


def as_haplotypes(X, name: str, *, min_rows: int = 1, min_snps: int = 1) -> np.ndarray:
    """Return ``X`` as a C-contiguous uint8 0/1 matrix, or raise ``ValueError`` naming ``name``.

    The package's one rule (:func:`artgen_lite.validation.check_haplotypes`), with the fewest rows
    and SNP columns for which the calling metric's answer means something.

    Parameters
    ----------
    X : array_like of int, or an object with an ``.X`` attribute
        Haplotypes, shape (n_haplotypes, n_snps), values 0/1.
    name : str
        Argument name used in the error message.
    min_rows : int, optional
        Fewest haplotypes (rows) accepted.
    min_snps : int, optional
        Fewest SNPs (columns) accepted.

    Returns
    -------
    numpy.ndarray of uint8, shape (n_haplotypes, n_snps)
        ``X`` as a C-contiguous 0/1 matrix.

    Examples
    --------
    >>> as_haplotypes([[0, 1], [1, 1]], "X")
    array([[0, 1],
           [1, 1]], dtype=uint8)
    """
    return check_haplotypes(X, name, min_rows=min_rows, min_snps=min_snps)


def same_snps(A: np.ndarray, B: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` when two haplotype matrices have different SNP counts.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (n_a, n_snps_a) and (n_b, n_snps_b)
        The two haplotype matrices.
    name_a, name_b : str
        Their argument names, used in the error message.

    Examples
    --------
    >>> same_snps(np.zeros((2, 3)), np.zeros((4, 3)), "real", "synthetic")  # same columns: no error
    >>> same_snps(np.zeros((2, 3)), np.zeros((2, 2)), "real", "synthetic")
    Traceback (most recent call last):
    ...
    ValueError: real and synthetic must have the same number of SNPs (columns): real has 3, synthetic has 2
    """
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of SNPs (columns): "
            f"{name_a} has {A.shape[1]}, {name_b} has {B.shape[1]}"
        )


def same_rows(A: np.ndarray, B: np.ndarray, name_a: str, name_b: str, what: str) -> None:
    """Raise ``ValueError`` when two sets do not have the same number of haplotypes.

    The message names the metric (``what``) and suggests
    :func:`artgen_lite.metrics.subsample` to the smaller size.

    Parameters
    ----------
    A, B : numpy.ndarray, shape (n_a, n_snps) and (n_b, n_snps)
        The two haplotype sets.
    name_a, name_b : str
        Their argument names, used in the error message.
    what : str
        The metric that needs equal-sized sets (e.g. ``"AATS"``).

    Examples
    --------
    >>> same_rows(np.zeros((2, 3)), np.zeros((3, 3)), "real", "synthetic", "AATS")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: AATS needs equal-sized sets: real has 2 haplotypes and synthetic has 3. ...
    """
    if A.shape[0] != B.shape[0]:
        raise ValueError(
            f"{what} needs equal-sized sets: {name_a} has {A.shape[0]} haplotypes and {name_b} has "
            f"{B.shape[0]}. Subsample the larger one first, e.g. "
            f"artgen_lite.metrics.subsample(x, {min(A.shape[0], B.shape[0])}, seed=0)."
        )


def as_rng(seed) -> np.random.Generator:
    """A numpy Generator from an int seed, ``None`` or an existing Generator.

    Parameters
    ----------
    seed : int, None or numpy.random.Generator
        Seed of ``numpy.random.default_rng``; a Generator is returned as it is.

    Returns
    -------
    numpy.random.Generator
        The generator.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> as_rng(rng) is rng
    True
    >>> type(as_rng(0)).__name__
    'Generator'
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
