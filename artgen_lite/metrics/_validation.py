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
    """
    return check_haplotypes(X, name, min_rows=min_rows, min_snps=min_snps)


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
