"""Input checks shared by the metrics (private).

Every metric takes haplotype matrices: 2-D arrays of 0/1 values, one row per haplotype and one
column per SNP. An object with an ``.X`` attribute (such as :class:`artgen_lite.data.Haplotypes`)
is accepted too. Errors name the offending argument.
"""

from __future__ import annotations

import numpy as np


def as_haplotypes(X, name: str, *, min_rows: int = 1) -> np.ndarray:
    """Return ``X`` as a C-contiguous uint8 0/1 matrix, or raise ``ValueError`` naming ``name``."""
    if hasattr(X, "X") and not isinstance(X, np.ndarray):
        X = X.X
    try:
        A = np.asarray(X)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be an array of 0/1 haplotypes, got {type(X).__name__}") from exc
    if A.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (haplotypes x SNPs), got {A.ndim}-D array of shape {A.shape}"
        )
    if A.shape[1] == 0:
        raise ValueError(f"{name} has no SNP columns (shape {A.shape})")
    if A.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} haplotype row(s), got {A.shape[0]}")
    if A.dtype == np.uint8:
        if A.size and A.max() > 1:
            raise ValueError(f"{name} must hold only 0 and 1, found the value {int(A.max())}")
        return np.ascontiguousarray(A)
    if A.dtype == bool:
        return np.ascontiguousarray(A, dtype=np.uint8)
    if not (np.issubdtype(A.dtype, np.integer) or np.issubdtype(A.dtype, np.floating)):
        raise ValueError(f"{name} must be numeric 0/1 values, got dtype {A.dtype}")
    bad = (A != 0) & (A != 1)
    if bad.any():
        v = A[bad].flat[0]
        raise ValueError(f"{name} must hold only 0 and 1, found the value {v!r}")
    return np.ascontiguousarray(A, dtype=np.uint8)


def same_snps(A: np.ndarray, B: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` when two haplotype matrices have different SNP counts."""
    if A.shape[1] != B.shape[1]:
        raise ValueError(
            f"{name_a} and {name_b} must have the same number of SNPs (columns): "
            f"{name_a} has {A.shape[1]}, {name_b} has {B.shape[1]}"
        )


def same_rows(A: np.ndarray, B: np.ndarray, name_a: str, name_b: str, what: str) -> None:
    """Raise ``ValueError`` when two sets do not have the same number of haplotypes."""
    if A.shape[0] != B.shape[0]:
        raise ValueError(
            f"{what} needs equal-sized sets: {name_a} has {A.shape[0]} haplotypes and {name_b} has "
            f"{B.shape[0]}. Subsample the larger one first, e.g. "
            f"artgen_lite.metrics.subsample(x, {min(A.shape[0], B.shape[0])}, seed=0)."
        )


def as_rng(seed) -> np.random.Generator:
    """A numpy Generator from an int seed, ``None`` or an existing Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)
