"""Principal component analysis of real and generated haplotypes together.

The authors' "coupled" PCA (plotting notebook 3): scikit-learn ``PCA`` with 6 components, fitted
on the concatenation real + generated, centring only (no scaling). Its PC1 and PC2 scores are
compared with the 1-D Wasserstein distance ``scipy.stats.wasserstein_distance``. A PCA fitted on
the real data only, with the generated haplotypes projected into it, shows instead where the
generated haplotypes fall in the real population structure.

PC signs are arbitrary; the Wasserstein scores do not depend on them (both sets flip together).

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

from ._validation import as_haplotypes, same_snps

__all__ = ["coupled_pca", "fit_sklearn_pca", "pca_w1", "project_on_real_pca"]


def fit_sklearn_pca(X, n_components: int, seed: int = 0):
    """A scikit-learn ``PCA`` fitted on the rows of ``X``: the one PCA path of the package.

    Explained in the chapter "Judging artificial genomes" (notebooks/03_judging_ags), whose PCAs
    use it; the PCA-GAN of chapter 06 fits its components with it too. Up to 2,000 SNPs the exact, deterministic ``covariance_eigh`` solver
    (fast for many rows and a few thousand SNPs; the full SVD where scikit-learn is older than
    1.5); beyond that a randomized SVD seeded with ``seed`` (accurate for the top components).

    Parameters
    ----------
    X : numpy.ndarray of shape (n_rows, n_snps)
        Float data (centred by the PCA itself).
    n_components : int
        Number of components.
    seed : int, default 0
        Seed of the randomized solver (beyond 2,000 SNPs).

    Returns
    -------
    sklearn.decomposition.PCA
        The fitted PCA.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((50, 8))
    >>> fit_sklearn_pca(X, 3).components_.shape
    (3, 8)
    """
    from sklearn.decomposition import PCA  # lazy: sklearn is slow to import

    if X.shape[1] > 2000:
        pca = PCA(n_components=n_components, svd_solver="randomized", random_state=int(seed))
    else:
        pca = PCA(n_components=n_components, svd_solver="covariance_eigh")
    try:
        return pca.fit(X)
    except ValueError:  # pragma: no cover - sklearn < 1.5 rejects the solver name
        pca.set_params(svd_solver="full")
        return pca.fit(X)


def _frame(scores, labels, pca) -> pd.DataFrame:
    df = pd.DataFrame(scores, columns=[f"PC{i + 1}" for i in range(scores.shape[1])])
    df.insert(0, "source", labels)
    df.attrs["explained_variance_ratio"] = pca.explained_variance_ratio_.tolist()
    return df


def _pair(real, synthetic, n_components, *, coupled: bool):
    real = as_haplotypes(real, "real", min_rows=1 if coupled else 2)
    synthetic = as_haplotypes(synthetic, "synthetic")
    same_snps(real, synthetic, "real", "synthetic")
    n_rows = real.shape[0] + (synthetic.shape[0] if coupled else 0)
    fitted_on = "real + synthetic haplotypes" if coupled else "real haplotypes"
    if n_rows < 2:
        raise ValueError(f"a PCA needs at least 2 haplotypes to fit on; got {n_rows} {fitted_on}")
    limit = min(n_rows, real.shape[1])
    if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)) or not 1 <= n_components <= limit:
        raise ValueError(
            f"n_components must be between 1 and min(number of haplotypes fitted on, number of SNPs) = "
            f"min({n_rows} {fitted_on}, {real.shape[1]} SNPs) = {limit}, got {n_components!r}"
        )
    return real, synthetic


def coupled_pca(real, synthetic, n_components: int = 6) -> pd.DataFrame:
    """PCA fitted on real + generated haplotypes together (centred, not scaled).

    Returns a DataFrame with a ``source`` column (``"real"``/``"synthetic"``) and ``PC1`` ...
    ``PC{n_components}``; ``df.attrs['explained_variance_ratio']`` holds the variance ratios.

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices over the same SNPs.
    n_components : int, optional
        Principal components kept.

    Returns
    -------
    pandas.DataFrame
        One row per haplotype, real rows first.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 1]])
    >>> synthetic = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 0, 1, 0, 0], [1, 1, 0, 1, 1]])
    >>> df = coupled_pca(real, synthetic, n_components=2)
    >>> df.shape, list(df.columns)
    ((8, 3), ['source', 'PC1', 'PC2'])
    >>> [round(r, 3) for r in df.attrs["explained_variance_ratio"]]
    [0.667, 0.265]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real, synthetic = _pair(real, synthetic, n_components, coupled=True)
    Z = np.vstack([real, synthetic]).astype(np.float64)
    pca = fit_sklearn_pca(Z, n_components)
    labels = np.array(["real"] * real.shape[0] + ["synthetic"] * synthetic.shape[0])
    return _frame(pca.transform(Z), labels, pca)


def pca_w1(real, synthetic, components=(1, 2), n_components: int = 6) -> dict[str, float]:
    """1-D Wasserstein distance between real and generated scores on coupled-PCA components.

    Returns ``{"pc1": w, "pc2": w}`` for the default ``components=(1, 2)`` (1-based).

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices over the same SNPs.
    components : sequence of int, optional
        1-based components compared.
    n_components : int, optional
        Components of the coupled PCA.

    Returns
    -------
    dict of str to float
        ``{'pc1': w1, 'pc2': w2}`` for the default components.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 1]])
    >>> synthetic = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 0, 1, 0, 0], [1, 1, 0, 1, 1]])
    >>> {pc: round(w, 3) for pc, w in pca_w1(real, synthetic, n_components=2).items()}
    {'pc1': 0.181, 'pc2': 0.262}

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    n_components = max(n_components, max(components))
    df = coupled_pca(real, synthetic, n_components=n_components)
    is_real = df["source"].to_numpy() == "real"
    out = {}
    for c in components:
        s = df[f"PC{c}"].to_numpy()
        out[f"pc{c}"] = float(wasserstein_distance(s[is_real], s[~is_real]))
    return out


def project_on_real_pca(real, synthetic, n_components: int = 6) -> pd.DataFrame:
    """PCA fitted on the real haplotypes only, with the generated ones projected into it.

    Same layout as :func:`coupled_pca`.

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices over the same SNPs; the PCA is fitted on ``real``.
    n_components : int, optional
        Principal components kept.

    Returns
    -------
    pandas.DataFrame
        As :func:`coupled_pca`, with PCs fitted on ``real`` alone.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 1, 1, 0, 0], [1, 0, 0, 1, 1]])
    >>> synthetic = np.array([[0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 0, 1, 0, 0], [1, 1, 0, 1, 1]])
    >>> df = project_on_real_pca(real, synthetic, n_components=2)
    >>> df["source"].value_counts().to_dict()
    {'real': 4, 'synthetic': 4}
    >>> df.loc[df["source"] == "synthetic", "PC1"].abs().round(3).tolist()
    [0.866, 0.866, 0.866, 0.866]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real, synthetic = _pair(real, synthetic, n_components, coupled=False)
    pca = fit_sklearn_pca(real.astype(np.float64), n_components)
    scores = np.vstack([pca.transform(real.astype(np.float64)), pca.transform(synthetic.astype(np.float64))])
    labels = np.array(["real"] * real.shape[0] + ["synthetic"] * synthetic.shape[0])
    return _frame(scores, labels, pca)
