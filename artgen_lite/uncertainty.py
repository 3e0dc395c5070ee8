"""Uncertainty of generative models of haplotypes (chapter "Uncertainty quantification").

Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).

The chapter measures uncertainty at two levels:

* **genome-wide**: how much a model's scorecard moves when only the sampling seed, the
  training seed or the training data (a bootstrap resample) change
  (:func:`bootstrap_rows`, :func:`fit_many`, :func:`spread_table`);
* **per position**: for each SNP, how unsure the model is.  Two kinds are kept apart:

  - *output uncertainty* (aleatoric, inside one model): the generator outputs a probability
    ``p`` per SNP and then flips a coin; the coin's entropy :func:`binary_entropy` averaged
    over latent draws (:func:`output_entropy`) says how much of a SNP is left to chance.  At a
    SNP with allele frequency ``f`` a model that ignored the haplotype context would output
    ``p = f`` every time, entropy ``H(f)``; :func:`relative_output_entropy` divides by it.
  - *model uncertainty* (epistemic, between plausible models): how much ``p`` changes between
    ensemble members, bootstrap replicates, dropout masks or draws from a VAE's latent
    posterior (:func:`replicate_spread`).

Every function takes numpy arrays and returns numpy arrays, floats or DataFrames.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "binary_entropy",
    "output_entropy",
    "relative_output_entropy",
    "replicate_spread",
    "with_temperature",
    "bernoulli_sample",
    "bootstrap_rows",
    "fit_many",
    "spread_table",
]


def _probabilities(P: Any, name: str = "P") -> np.ndarray:
    arr = np.asarray(P, dtype=np.float64)
    if arr.ndim < 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty array of probabilities; got shape {arr.shape}")
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr > 1).any():
        raise ValueError(f"{name} must hold probabilities in [0, 1]")
    return arr


def binary_entropy(p: Any) -> np.ndarray:
    """Entropy in bits of a coin with probability ``p`` (elementwise; 0 at p = 0 or 1, 1 at 0.5).

    Parameters
    ----------
    p : array_like of float
        Probabilities in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray of float64
        ``-p log2 p - (1-p) log2 (1-p)``, the shape of ``p``.

    Examples
    --------
    >>> binary_entropy([0.0, 0.5, 1.0])
    array([0., 1., 0.])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    p = _probabilities(p, "p")
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.nan_to_num(h, nan=0.0)


def output_entropy(P: Any) -> np.ndarray:
    """Per-SNP mean output entropy (bits) of a matrix of output probabilities ``(n, n_snps)``.

    Parameters
    ----------
    P : array_like of float, shape (n, n_snps)
        A generator's output probabilities (before the coin flip).

    Returns
    -------
    numpy.ndarray of float64, shape (n_snps,)
        Mean binary entropy of each column.

    Examples
    --------
    >>> output_entropy([[0.5, 1.0], [0.5, 0.0]])  # a fair coin at SNP 1, certain outputs at SNP 2
    array([1., 0.])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    P = _probabilities(P)
    if P.ndim != 2:
        raise ValueError(f"P must have shape (n, n_snps); got {P.shape}")
    return binary_entropy(P).mean(0)


def relative_output_entropy(P: Any, allele_frequency: Any) -> np.ndarray:
    """Per-SNP output entropy divided by the entropy of the SNP's allele frequency.

    1 means the model flips a coin of the allele frequency whatever the rest of the haplotype
    (it has learned nothing about the SNP's context); values near 0 mean the latent draw decides
    the allele.  NaN at SNPs whose allele frequency is 0 or 1.

    Parameters
    ----------
    P : array_like of float, shape (n, n_snps)
        Output probabilities.
    allele_frequency : array_like of float, shape (n_snps,)
        The real allele frequencies.

    Returns
    -------
    numpy.ndarray of float64, shape (n_snps,)
        Output entropy over allele-frequency entropy.

    Examples
    --------
    >>> relative_output_entropy([[0.5, 0.9], [0.5, 0.9]], [0.5, 0.5]).round(3)
    array([1.   , 0.469])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    P = _probabilities(P)
    f = _probabilities(allele_frequency, "allele_frequency")
    if P.ndim != 2 or f.shape != (P.shape[1],):
        raise ValueError(f"allele_frequency must have one value per SNP ({P.shape[-1]}); got shape {f.shape}")
    hf = binary_entropy(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(hf > 0, output_entropy(P) / np.where(hf > 0, hf, 1), np.nan)


def replicate_spread(R: Any) -> np.ndarray:
    """Per-SNP spread between replicates: the standard deviation over axis 0.

    ``R`` of shape ``(replicates, n_snps)`` (e.g. the allele frequencies of ensemble members)
    gives the standard deviation of each SNP over replicates.  ``R`` of shape
    ``(replicates, n, n_snps)`` (e.g. dropout passes or posterior draws of the same ``n``
    inputs) gives, per SNP, the mean over the ``n`` inputs of that standard deviation.

    Parameters
    ----------
    R : array_like of float, shape (replicates, n_snps) or (replicates, n, n_snps)
        The same quantity from several replicates.

    Returns
    -------
    numpy.ndarray of float64, shape (n_snps,)
        The spread of each SNP.

    Examples
    --------
    >>> replicate_spread([[0.1, 0.5], [0.3, 0.5]]).round(4)  # sample sd: |0.1 - 0.3| / sqrt(2)
    array([0.1414, 0.    ])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    R = np.asarray(R, dtype=np.float64)
    if R.ndim not in (2, 3) or R.shape[0] < 2:
        raise ValueError(f"R must have shape (replicates >= 2, n_snps) or (replicates, n, n_snps); got {R.shape}")
    sd = R.std(axis=0, ddof=1)
    return sd if R.ndim == 2 else sd.mean(0)


def with_temperature(P: Any, temperature: float) -> np.ndarray:
    """Output probabilities at a sampling temperature: ``sigmoid(logit(p) / T)``.

    ``T < 1`` sharpens the coins (less output uncertainty, samples closer to the modes the
    generator learned), ``T > 1`` flattens them towards 0.5; ``T = 1`` returns ``P``.

    Parameters
    ----------
    P : array_like of float
        Probabilities in ``[0, 1]``.
    temperature : float
        ``T > 0``.

    Returns
    -------
    numpy.ndarray of float64
        The tempered probabilities, the shape of ``P``.

    Examples
    --------
    >>> with_temperature([0.5, 0.75], 0.5).round(3)  # sharper: 3:1 odds become 9:1
    array([0.5, 0.9])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    P = _probabilities(P)
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"temperature must be a positive number; got {temperature!r}")
    if temperature == 1:
        return P.copy()
    Pc = np.clip(P, 1e-12, 1 - 1e-12)
    logit = np.log(Pc) - np.log1p(-Pc)
    return 1.0 / (1.0 + np.exp(-logit / temperature))


def bernoulli_sample(P: Any, seed: int = 0) -> np.ndarray:
    """Haplotypes drawn from output probabilities: ``X_ij ~ Bernoulli(P_ij)``, as ``uint8``.

    Parameters
    ----------
    P : array_like of float, shape (n, n_snps)
        Output probabilities.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_snps)
        One draw per entry.

    Examples
    --------
    >>> bernoulli_sample([[0.0, 1.0], [1.0, 0.0]], seed=0)
    array([[0, 1],
           [1, 0]], dtype=uint8)

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    P = _probabilities(P)
    rng = np.random.default_rng(seed)
    return (rng.random(P.shape) < P).astype(np.uint8)


def bootstrap_rows(n: int, seed: int = 0) -> np.ndarray:
    """Row indices of one bootstrap resample of ``n`` rows (``n`` draws with replacement), sorted.

    Parameters
    ----------
    n : int
        Rows of the data set.
    seed : int, optional
        Seed of the resample.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Sorted indices, with repeats.

    Examples
    --------
    >>> bootstrap_rows(5, seed=0)
    array([1, 1, 2, 3, 4])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    return np.sort(np.random.default_rng(seed).integers(0, n, size=n))


def _fit_one(model, X, fit_kwargs, threads: int):
    import torch

    torch.set_num_threads(threads)
    if isinstance(X, np.ndarray) and not X.flags.writeable:
        X = X.copy()  # joblib hands large arrays to workers as read-only memory maps
    return model.fit(X, progress=False, **(fit_kwargs or {}))


def _fit_indexed(i: int, model, X, fit_kwargs):
    return i, _fit_one(model, X, fit_kwargs, 1)


def fit_many(jobs: Sequence[tuple], n_jobs: int = 2, progress: bool = True, desc: str = "training") -> list:
    """Train several models side by side; returns the fitted models in the order of ``jobs``.

    ``jobs`` is a list of ``(model, X)`` or ``(model, X, fit_kwargs)``.  Each job runs in its
    own process with one torch thread (``n_jobs`` processes at a time, joblib's loky backend),
    so a 2-core laptop trains two ensemble members at once; a tqdm bar counts finished jobs.
    Every model carries its own seed, so the results do not depend on ``n_jobs`` or on which
    process ran which job.  ``n_jobs=1`` trains in this process, one after the other.

    Parameters
    ----------
    jobs : sequence of tuple
        ``(model, X)`` or ``(model, X, fit_kwargs)``.
    n_jobs : int, optional
        Processes at a time.
    progress : bool, optional
        Show a progress bar.
    desc : str, optional
        Label of the bar.

    Returns
    -------
    list
        The fitted models.

    Examples
    --------
    Two small RBMs with different seeds, trained one after the other in this process:

    >>> from artgen_lite.models import RBM
    >>> X = (np.random.default_rng(0).random((32, 6)) < 0.4).astype(np.uint8)
    >>> fitted = fit_many([(RBM.preset("smoke", seed=s), X) for s in (0, 1)], n_jobs=1, progress=False)
    >>> [type(m).__name__ for m in fitted], [m.n_snps for m in fitted]
    (['RBM', 'RBM'], [6, 6])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    from joblib import Parallel, delayed
    from tqdm import tqdm

    jobs = list(jobs)
    if not jobs:
        raise ValueError("jobs is empty: pass a list of (model, X) or (model, X, fit_kwargs)")
    norm = []
    for i, job in enumerate(jobs):
        if not isinstance(job, tuple) or len(job) not in (2, 3) or not hasattr(job[0], "fit"):
            raise ValueError(f"jobs[{i}] must be (model, X) or (model, X, fit_kwargs)")
        norm.append((job[0], job[1], job[2] if len(job) == 3 else None))
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer; got {n_jobs!r}")
    bar = tqdm(total=len(norm), desc=desc, disable=not progress, unit="model")
    out: list = [None] * len(norm)
    if n_jobs == 1:
        import torch

        threads = torch.get_num_threads()
        for i, (m, X, kw) in enumerate(norm):
            out[i] = _fit_one(m, X, kw, threads)
            bar.update()
    else:
        tasks = (delayed(_fit_indexed)(i, m, X, kw) for i, (m, X, kw) in enumerate(norm))
        for i, model in Parallel(n_jobs=int(n_jobs), return_as="generator_unordered")(tasks):
            out[i] = model
            bar.update()
    bar.close()
    return out


def spread_table(cards: pd.DataFrame, by: str, columns: Iterable[str]) -> pd.DataFrame:
    """Mean, standard deviation and range of scorecard ``columns`` within each group ``by``.

    ``cards`` holds one scorecard row per replicate and a column ``by`` naming the source of
    variation (e.g. "sampling seed", "training seed", "bootstrap").  Returns one row per group
    with ``<column> mean``, ``<column> sd`` and ``<column> range`` (max - min).

    Parameters
    ----------
    cards : pandas.DataFrame
        Scorecard rows, one per replicate.
    by : str
        Column naming the source of variation.
    columns : iterable of str
        Scorecard columns summarised.

    Returns
    -------
    pandas.DataFrame
        One row per group (in order of first appearance), with ``replicates`` (the group's size)
        and three columns per summarised column.

    Examples
    --------
    >>> cards = pd.DataFrame({"source": ["seed", "seed", "bootstrap", "bootstrap"],
    ...                       "aats": [0.50, 0.54, 0.52, 0.60]})
    >>> table = spread_table(cards, "source", ["aats"]).round(3)
    >>> table.index.tolist(), table["aats mean"].tolist(), table["aats range"].tolist()
    (['seed', 'bootstrap'], [0.52, 0.56], [0.04, 0.08])

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    columns = list(columns)
    missing = [c for c in [by, *columns] if c not in cards.columns]
    if missing:
        raise ValueError(f"cards has no column(s) {missing}")
    g = cards.groupby(by, sort=False)
    parts = {}
    for c in columns:
        parts[f"{c} mean"] = g[c].mean()
        parts[f"{c} sd"] = g[c].std(ddof=1)
        parts[f"{c} range"] = g[c].max() - g[c].min()
    table = pd.DataFrame(parts)
    table.insert(0, "replicates", g.size())
    return table
