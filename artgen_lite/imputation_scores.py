"""Scoring imputation: simple baselines, minor-allele frequencies and per-site r^2 by frequency bin.

Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
The imputation itself (the Li-Stephens copying model) lives in :mod:`artgen_lite.imputation`,
which re-exports every name of this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._imputation_checks import _reference

__all__ = [
    "most_frequent_allele_baseline",
    "panel_frequency_baseline",
    "minor_allele_frequency",
    "per_site_r2",
    "imputation_r2_by_maf",
]

DEFAULT_MAF_BINS = (0.0, 0.05, 0.1, 0.2, 0.5)


# ----------------------------------------------------------------------- baselines
def most_frequent_allele_baseline(reference, n_targets: int) -> np.ndarray:
    """Impute every target with the panel's most frequent allele at each site (ties: allele 0); ``(n_targets, T)``.

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel.
    n_targets : int
        Rows of the output.

    Returns
    -------
    numpy.ndarray of float64, shape (n_targets, T)
        The same 0/1 guess in every row.

    Examples
    --------
    >>> most_frequent_allele_baseline(np.array([[0, 1, 1], [0, 0, 1], [1, 0, 1]]), 2)
    array([[0., 0., 1.],
           [0., 0., 1.]])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref = _reference(reference)
    return np.tile((ref.mean(0) > 0.5).astype(float), (int(n_targets), 1))


def panel_frequency_baseline(reference, n_targets: int) -> np.ndarray:
    """Impute every target with the panel's allele-1 frequency as its dosage; ``(n_targets, T)``.

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel whose frequencies are the dosages.
    n_targets : int
        How many targets (rows) to fill.

    Returns
    -------
    numpy.ndarray of float64, shape (n_targets, T)
        The panel's allele-1 frequencies, repeated.

    Examples
    --------
    >>> panel_frequency_baseline(np.array([[0, 1, 1], [0, 0, 1], [1, 0, 1]]), 2).round(3)
    array([[0.333, 0.333, 1.   ],
           [0.333, 0.333, 1.   ]])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref = _reference(reference)
    return np.tile(ref.mean(0), (int(n_targets), 1))


# ----------------------------------------------------------------------- scores
def minor_allele_frequency(X) -> np.ndarray:
    """``min(p, 1 - p)`` per column of a 0/1 matrix.

    Parameters
    ----------
    X : array_like of uint8, shape (n, T)
        Haplotypes (0/1), e.g. the reference panel.

    Returns
    -------
    numpy.ndarray of float64, shape (T,)
        Values in ``[0, 0.5]``.

    Examples
    --------
    >>> minor_allele_frequency(np.array([[0, 1], [0, 1], [0, 1], [1, 1]]))
    array([0.25, 0.  ])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    p = _reference(X, "X").mean(0)
    return np.minimum(p, 1 - p)


def per_site_r2(truth, dosage) -> np.ndarray:
    """Squared Pearson correlation, across target haplotypes, of imputed dosage and true allele at each site.

    ``truth`` and ``dosage`` are ``B x T``.  NaN where the truth is the same in every target
    (nothing to predict); 0 where the dosage is constant but the truth is not (the imputation
    carries no information, as with a most-frequent-allele guess).

    Parameters
    ----------
    truth : array_like of int, shape (B, T)
        True alleles (0/1).
    dosage : array_like of float, shape (B, T)
        Imputed allele-1 dosages in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray of float64, shape (T,)
        r^2 of each site (NaN where the truth is constant).

    Examples
    --------
    >>> truth = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> dosage = np.array([[0.1, 0.5, 0.9], [0.8, 0.5, 0.7], [0.7, 0.5, 1.0]])
    >>> per_site_r2(truth, dosage).round(3)  # constant dosage: 0; constant truth: NaN
    array([0.983, 0.   ,   nan])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    x = np.atleast_2d(np.asarray(truth, dtype=float))
    y = np.atleast_2d(np.asarray(dosage, dtype=float))
    if x.shape != y.shape:
        raise ValueError(f"truth {x.shape} and dosage {y.shape} must have the same shape")
    xc, yc = x - x.mean(0), y - y.mean(0)
    sxx, syy, sxy = (xc * xc).sum(0), (yc * yc).sum(0), (xc * yc).sum(0)
    r2 = np.full(x.shape[1], np.nan)
    ok = sxx > 0
    flat = ok & (syy <= 1e-12 * np.maximum(sxx, 1))
    live = ok & ~flat
    r2[live] = sxy[live] ** 2 / (sxx[live] * syy[live])
    r2[flat] = 0.0
    return r2


def imputation_r2_by_maf(truth, dosage, maf, sites=None, bins=DEFAULT_MAF_BINS) -> pd.DataFrame:
    """Imputation accuracy within minor-allele-frequency bins, plus an ``all`` row.

    ``truth`` and ``dosage`` are ``B x T`` (true 0/1 alleles and imputed dosages of ``B``
    target haplotypes); ``maf`` holds one frequency per site (from a reference sample, so
    every method is binned the same way); ``sites`` (mask or indices) restricts the score to
    the masked sites.  Bins are right-closed, ``(lo, hi]``; sites with ``maf`` outside every
    bin (for example 0) are left out.  Columns:

    * ``n_sites`` -- sites in the bin;
    * ``r2`` -- mean over the bin's sites of :func:`per_site_r2` (sites where every target
      carries the same allele are skipped; ``n_scored`` counts the others);
    * ``concordance`` -- fraction of (target, site) alleles called right by rounding the dosage.

    r2 gives no credit for guessing the common allele, concordance does: a most-frequent-allele
    guess scores r2 = 0 but a concordance of about ``1 - maf``.

    Parameters
    ----------
    truth : array_like of int, shape (B, T)
        True alleles.
    dosage : array_like of float, shape (B, T)
        Imputed dosages.
    maf : array_like of float, shape (T,)
        Minor allele frequency of each site.
    sites : array_like of bool or of int, optional
        The sites scored; default all.
    bins : sequence of float, optional
        Bin edges of ``maf``.

    Returns
    -------
    pandas.DataFrame
        One row per bin and ``all``: ``bin``, ``lo``, ``hi``, ``n_sites``, ``n_scored``, ``r2``, ``concordance``.

    Examples
    --------
    >>> truth = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 1]])
    >>> dosage = np.array([[0.1, 0.5, 0.9], [0.8, 0.5, 0.7], [0.7, 0.5, 1.0]])
    >>> table = imputation_r2_by_maf(truth, dosage, maf=[0.1, 0.3, 0.0], bins=(0, 0.2, 0.5))
    >>> table["bin"].tolist()
    ['(0, 0.2]', '(0.2, 0.5]', 'all']
    >>> table["r2"].round(3).tolist(), table["concordance"].round(3).tolist()
    ([0.983, 0.0, 0.491], [1.0, 0.667, 0.833])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    truth = np.atleast_2d(np.asarray(truth))
    dosage = np.atleast_2d(np.asarray(dosage, dtype=float))
    if truth.shape != dosage.shape:
        raise ValueError(f"truth {truth.shape} and dosage {dosage.shape} must have the same shape")
    maf = np.asarray(maf, dtype=float)
    if maf.shape != (truth.shape[1],):
        raise ValueError(f"maf must hold one value per site ({truth.shape[1]}), got shape {maf.shape}")
    use = np.ones(truth.shape[1], dtype=bool)
    if sites is not None:
        sites = np.asarray(sites)
        use = np.zeros(truth.shape[1], dtype=bool)
        if sites.dtype == np.bool_:
            if sites.shape != use.shape:
                raise ValueError(f"a boolean sites mask needs one entry per site ({use.size})")
            use = sites.copy()
        else:
            use[sites] = True
    bins = np.asarray(bins, dtype=float)
    if bins.ndim != 1 or len(bins) < 2 or np.any(np.diff(bins) <= 0):
        raise ValueError("bins must be an increasing sequence of at least two edges")
    r2 = per_site_r2(truth, dosage)
    right = (dosage >= 0.5) == (truth == 1)

    def row(name, lo, hi, m):
        scored = m & np.isfinite(r2)
        return {"bin": name, "lo": lo, "hi": hi, "n_sites": int(m.sum()), "n_scored": int(scored.sum()),
                "r2": float(r2[scored].mean()) if scored.any() else float("nan"),
                "concordance": float(right[:, m].mean()) if m.any() else float("nan")}

    rows = [row(f"({lo:g}, {hi:g}]", lo, hi, use & (maf > lo) & (maf <= hi)) for lo, hi in zip(bins[:-1], bins[1:])]
    rows.append(row("all", bins[0], bins[-1], use & (maf > bins[0]) & (maf <= bins[-1])))
    return pd.DataFrame(rows)
