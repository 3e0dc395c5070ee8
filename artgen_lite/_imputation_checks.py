"""Argument checks shared by the Li-Stephens imputation code (private helpers).

Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications);
used by :mod:`artgen_lite.imputation` and :mod:`artgen_lite.imputation_scores`.
"""

from __future__ import annotations

import numpy as np

from .hmm import MISSING
from .validation import check_haplotypes

# ----------------------------------------------------------------------- checks
def _reference(reference, name: str = "reference") -> np.ndarray:
    return check_haplotypes(reference, name).astype(np.float64)


def _targets(targets, n_snps: int) -> tuple[np.ndarray, bool]:
    t = np.asarray(getattr(targets, "X", targets)) if not isinstance(targets, np.ndarray) else targets
    single = t.ndim == 1
    t = np.atleast_2d(t)
    if t.ndim != 2:
        raise ValueError(f"targets must be 1-D (one haplotype) or 2-D (haplotypes x SNPs), got shape {np.shape(targets)}")
    if t.shape[1] != n_snps:
        raise ValueError(f"targets have {t.shape[1]} SNPs (columns) but the reference panel has {n_snps}")
    if t.dtype != np.bool_ and not (np.issubdtype(t.dtype, np.integer) or np.issubdtype(t.dtype, np.floating)):
        raise ValueError(f"targets must hold 0, 1 or {MISSING} (masked); got dtype {t.dtype}")
    bad = (t != 0) & (t != 1) & (t != MISSING)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(
            f"targets must hold 0, 1 or {MISSING} (masked); found {t[i, j].item()!r} at row {i}, column {j}"
        )
    return t.astype(np.int8), single


def _check_rate(value, name: str) -> float:
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must lie in [0, 1), got {value}")
    return value


def _rho(rho, n_snps: int) -> np.ndarray:
    rho = np.asarray(rho, dtype=float)
    if rho.ndim == 0:
        rho = np.full(max(n_snps - 1, 0), float(rho))
    if rho.shape != (max(n_snps - 1, 0),):
        raise ValueError(f"rho must be a number or hold one switch probability per gap between SNPs ({n_snps - 1}), got shape {rho.shape}")
    if np.any(~np.isfinite(rho)) or np.any(rho < 0) or np.any(rho > 1):
        raise ValueError("rho must hold probabilities in [0, 1]")
    return rho
