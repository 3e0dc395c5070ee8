"""A small genome-wide association study: simulated traits and a vectorised per-SNP regression.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["simulate_phenotype", "association_scan"]


def simulate_phenotype(genotypes: np.ndarray, n_causal: int = 5, heritability: float = 0.5, seed: int = 0):
    """Simulate a quantitative trait from a few causal SNPs (additive model).

    ``genotypes`` is individuals x SNPs (0/1/2). Causal SNPs are chosen among common ones
    (minor-allele frequency >= 0.1), effects are N(0, 1), and noise is scaled so that the causal
    SNPs explain ``heritability`` of the trait's variance. Returns ``(y, causal_index, effects)``.

    Parameters
    ----------
    genotypes : numpy.ndarray, shape (n_individuals, n_snps)
        Allele counts 0/1/2.
    n_causal : int, optional
        Causal SNPs.
    heritability : float, optional
        Share of the trait's variance the causal SNPs explain, in (0, 1].
    seed : int, optional
        Seed of the choice, effects and noise.

    Returns
    -------
    y : numpy.ndarray of float64, shape (n_individuals,)
        The trait.
    causal_index : numpy.ndarray of int, shape (n_causal,)
        Columns of the causal SNPs.
    effects : numpy.ndarray of float64, shape (n_causal,)
        Their effect sizes.

    Examples
    --------
    >>> G = np.random.default_rng(0).integers(0, 3, size=(200, 10))
    >>> y, causal, effects = simulate_phenotype(G, n_causal=2, heritability=0.5, seed=0)
    >>> y.shape, causal.tolist(), effects.round(3).tolist()
    ((200,), [6, 7], [0.64, 0.105])

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    if not 0 < heritability < 1:
        raise ValueError(f"heritability must be between 0 and 1, got {heritability}")
    rng = np.random.default_rng(seed)
    G = np.asarray(genotypes, dtype=float)
    maf = np.minimum(G.mean(0) / 2, 1 - G.mean(0) / 2)
    candidates = np.flatnonzero(maf >= 0.1)
    if len(candidates) < n_causal:
        raise ValueError(f"only {len(candidates)} SNPs have MAF >= 0.1, fewer than n_causal={n_causal}")
    causal = np.sort(rng.choice(candidates, n_causal, replace=False))
    effects = rng.normal(size=n_causal)
    g = G[:, causal] @ effects
    noise_var = g.var() * (1 - heritability) / heritability
    y = g + rng.normal(scale=np.sqrt(noise_var), size=len(g))
    return y, causal, effects


def association_scan(genotypes: np.ndarray, y: np.ndarray, covariates: np.ndarray | None = None) -> pd.DataFrame:
    """Test each SNP for association with ``y`` by least squares, all SNPs at once.

    Both ``y`` and every SNP are first residualised on the covariates (an intercept plus, for example,
    principal components that capture ancestry), then the slope, its standard error, t and the two-sided
    p-value are computed in closed form. Monomorphic SNPs get p = 1.

    Parameters
    ----------
    genotypes : numpy.ndarray, shape (n_individuals, n_snps)
        Allele counts 0/1/2.
    y : numpy.ndarray, shape (n_individuals,)
        The trait.
    covariates : numpy.ndarray, shape (n_individuals, n_covariates), optional
        Regressed out of ``y`` and of every SNP first.

    Returns
    -------
    pandas.DataFrame
        One row per SNP: ``beta``, ``se``, ``t``, ``p``.

    Examples
    --------
    A trait driven by SNP 3 only:

    >>> G = np.random.default_rng(0).integers(0, 3, size=(200, 10))
    >>> y = G[:, 3] + np.random.default_rng(1).normal(size=200)
    >>> scan = association_scan(G, y)
    >>> scan.shape, int(scan["p"].idxmin()), bool(scan["p"].min() < 1e-8)
    ((10, 4), 3, True)

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    G = np.asarray(genotypes, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(y)
    if G.shape[0] != n:
        raise ValueError(f"genotypes has {G.shape[0]} rows but y has {n} values")
    C = np.ones((n, 1)) if covariates is None else np.column_stack([np.ones(n), covariates])
    Q, _ = np.linalg.qr(C)
    yr = y - Q @ (Q.T @ y)
    Gr = G - Q @ (Q.T @ G)
    ss = (Gr**2).sum(0)
    ss = np.where(ss > 1e-9 * n, ss, np.nan)  # monomorphic (or collinear) SNPs: no test
    dof = n - C.shape[1] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = (Gr.T @ yr) / ss
        resid = (yr**2).sum() - beta**2 * ss
        se = np.sqrt(resid / dof / ss)
        t = beta / se
    p = 2 * stats.t.sf(np.abs(t), dof)
    p = np.where(np.isfinite(p), p, 1.0)
    return pd.DataFrame({"beta": beta, "se": se, "t": t, "p": p})
