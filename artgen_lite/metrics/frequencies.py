"""Per-SNP allele frequencies of real versus generated haplotypes.

The authors (plotting notebook 2) plot generated against real frequencies of the "1" allele per
SNP and report the Pearson r, zoom on the rare end (real AF <= 0.2), and list the sites that are
fixed (monomorphic) in a generated set although polymorphic in the real one.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import pearsonr

from ._validation import as_haplotypes, same_snps

__all__ = [
    "allele_frequencies",
    "af_correlation",
    "af_table",
    "af_lowfreq_zoom",
    "af_quantiles",
    "fixed_sites",
    "n_fixed_not_in_real",
]


def allele_frequencies(X) -> np.ndarray:
    """Frequency of the "1" allele at each SNP (``X.mean(axis=0)``, float64).

    Parameters
    ----------
    X : array_like of uint8, shape (n_haplotypes, n_snps)
        Haplotypes (0/1) or a :class:`~artgen_lite.data.Haplotypes`.

    Returns
    -------
    numpy.ndarray of float64, shape (n_snps,)
        The ALT allele frequency of each column.

    Examples
    --------
    >>> allele_frequencies(np.array([[0, 1], [1, 1]]))
    array([0.5, 1. ])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    X = as_haplotypes(X, "X")
    return X.sum(axis=0, dtype=np.int64) / X.shape[0]


def _pair(real, synthetic, min_snps: int = 1):
    real = as_haplotypes(real, "real", min_snps=min_snps)
    synthetic = as_haplotypes(synthetic, "synthetic", min_snps=min_snps)
    same_snps(real, synthetic, "real", "synthetic")
    return real, synthetic


def af_correlation(real, synthetic) -> float:
    """Pearson r between real and generated per-SNP allele frequencies (``scipy.stats.pearsonr``).

    Needs at least 2 SNPs (a correlation over SNPs; fewer raise ``ValueError``); NaN if either
    frequency vector is constant.

    Parameters
    ----------
    real, synthetic : array_like of uint8, shapes (n_real, n_snps) and (n_syn, n_snps)
        Real and generated haplotypes over the same SNPs.

    Returns
    -------
    float
        Pearson r of the two frequency vectors (NaN if one is constant).

    Examples
    --------
    >>> real = np.array([[0, 1, 1], [0, 0, 1]])
    >>> round(af_correlation(real, real[::-1]), 6)
    1.0

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real, synthetic = _pair(real, synthetic, min_snps=2)
    a, b = allele_frequencies(real), allele_frequencies(synthetic)
    if a.std() == 0 or b.std() == 0 or len(a) < 2:
        return float("nan")
    return float(pearsonr(a, b)[0])


def af_table(real, synthetic) -> pd.DataFrame:
    """One row per SNP: ``snp`` index, ``af_real``, ``af_synthetic`` and their ``diff``.

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices with the same number of SNP columns.

    Returns
    -------
    pandas.DataFrame
        Columns ``snp``, ``af_real``, ``af_synthetic``, ``diff`` (synthetic minus real).

    Examples
    --------
    >>> af_table(np.array([[0, 1], [1, 1]]), np.array([[0, 1]]))["diff"].tolist()
    [-0.5, 0.0]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real, synthetic = _pair(real, synthetic)
    a, b = allele_frequencies(real), allele_frequencies(synthetic)
    return pd.DataFrame({"snp": np.arange(len(a)), "af_real": a, "af_synthetic": b, "diff": b - a})


def af_lowfreq_zoom(real, synthetic, max_af: float = 0.2) -> pd.DataFrame:
    """The rows of :func:`af_table` whose real allele frequency is at most ``max_af`` (default 0.2).

    The authors' zoom on the rare end of the AF scatter, where generators tend to fail first.
    ``df.attrs['pearson_r']`` holds the Pearson r on these sites (NaN if fewer than 2).

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Real and generated haplotypes, the same SNP columns in both.
    max_af : float, optional
        Largest real allele frequency kept.

    Returns
    -------
    pandas.DataFrame
        The selected rows of :func:`af_table`, with ``attrs['pearson_r']``.

    Examples
    --------
    >>> real = np.array([[0, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]])
    >>> zoom = af_lowfreq_zoom(real, np.array([[0, 0, 1], [1, 1, 1]]), max_af=0.5)
    >>> zoom["snp"].tolist(), zoom["diff"].tolist()  # the site at AF 0.75 is left out
    ([0, 1], [0.25, 0.0])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    t = af_table(real, synthetic)
    z = t[t["af_real"] <= max_af].reset_index(drop=True)
    r = float("nan")
    if len(z) >= 2 and z["af_real"].std() > 0 and z["af_synthetic"].std() > 0:
        r = float(pearsonr(z["af_real"], z["af_synthetic"])[0])
    z.attrs["pearson_r"] = r
    z.attrs["max_af"] = max_af
    return z


def af_quantiles(real, synthetic, step: float = 0.05) -> pd.DataFrame:
    """Q-Q data: AF quantiles at ``np.arange(0, 1, step)`` for both sets (as the authors' Q-Q plot).

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices with the same number of SNP columns.
    step : float, optional
        Spacing of the quantile levels.

    Returns
    -------
    pandas.DataFrame
        Columns ``quantile`` (the level), ``af_real`` and ``af_synthetic``.

    Examples
    --------
    >>> real = np.array([[0, 0, 1], [0, 1, 1], [1, 1, 1], [0, 0, 0]])
    >>> q = af_quantiles(real, np.array([[0, 0, 1], [1, 1, 1]]), step=0.5)
    >>> q["af_real"].tolist(), q["af_synthetic"].tolist()
    ([0.25, 0.5], [0.5, 0.5])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real, synthetic = _pair(real, synthetic)
    q = np.arange(0, 1, step)
    return pd.DataFrame({
        "quantile": q,
        "af_real": np.quantile(allele_frequencies(real), q),
        "af_synthetic": np.quantile(allele_frequencies(synthetic), q),
    })


def fixed_sites(X) -> np.ndarray:
    """Boolean mask of monomorphic sites (all 0 or all 1) in ``X``.

    Parameters
    ----------
    X : array_like of uint8, shape (n_haplotypes, n_snps)
        Haplotypes; rows = haplotypes, columns = SNPs.

    Returns
    -------
    numpy.ndarray of bool, shape (n_snps,)
        True where the column holds a single allele.

    Examples
    --------
    >>> fixed_sites(np.array([[0, 1, 1], [1, 1, 0]]))
    array([False,  True, False])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    X = as_haplotypes(X, "X")
    c = X.sum(axis=0, dtype=np.int64)
    return (c == 0) | (c == X.shape[0])


def n_fixed_not_in_real(real, synthetic) -> int:
    """Number of sites fixed in ``synthetic`` but polymorphic in ``real`` (lost diversity).

    Parameters
    ----------
    real, synthetic : array_like of uint8
        The reference (real) set and the set checked for lost sites.

    Returns
    -------
    int
        Count of sites that lost their diversity.

    Examples
    --------
    >>> n_fixed_not_in_real(np.array([[0, 1], [1, 1]]), np.array([[0, 1], [0, 1]]))
    1

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real, synthetic = _pair(real, synthetic)
    return int((fixed_sites(synthetic) & ~fixed_sites(real)).sum())
