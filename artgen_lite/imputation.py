"""Genotype imputation with the Li-Stephens haplotype-copying HMM, and how to score it.

Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).

A target haplotype is seen at a few "array" sites only (``-1`` marks the others, as
:data:`artgen_lite.hmm.MISSING` does).  The Li-Stephens model (Li & Stephens 2003) explains it as a mosaic
of the ``K`` haplotypes of a reference panel: the hidden state at site ``t`` is the panel
haplotype being copied; between sites ``t`` and ``t+1`` the copying process stays on the same
haplotype with probability ``1 - rho_t`` or jumps to a haplotype drawn uniformly (possibly the
same one) with probability ``rho_t``; the copied allele is emitted with probability ``1 - theta``
and the other allele with probability ``theta`` (mutation or genotyping error).  Unobserved
sites emit with probability one.  The posterior over copied haplotypes at a masked site turns
into an imputed *dosage*, ``P(allele 1 | observed sites)``.

Two implementations, which agree to rounding error (``tests/test_applications.py``):

* the generic log-space recursions of :mod:`artgen_lite.hmm` with the dense ``K x K`` matrix of
  :func:`li_stephens_dense_transition` (:func:`li_stephens_posterior`, ``method="generic"``).
  They take one, time-homogeneous transition matrix, so ``rho`` must be the same at every
  step, and each step costs ``K^2``;
* :func:`li_stephens_forward_backward`, which uses the special structure of the transition,
  ``alpha_t(k) = e_t(k) [(1 - rho_t) alpha_{t-1}(k) + rho_t / K sum_j alpha_{t-1}(j)]``: one
  step costs ``K`` instead of ``K^2``, ``rho_t`` may vary along the sequence (it follows the
  genetic distance between sites), and many targets run side by side.  With a panel of a few
  hundred haplotypes this is what makes imputing a whole test set take seconds, which is why
  :func:`li_stephens_impute` uses it.
"""

from __future__ import annotations

import numpy as np
from tqdm import tqdm

from . import hmm
from ._imputation_checks import _check_rate, _reference, _rho, _targets
from .imputation_scores import (  # re-exported: scoring lives in imputation_scores
    DEFAULT_MAF_BINS,  # noqa: F401
    imputation_r2_by_maf,
    minor_allele_frequency,
    most_frequent_allele_baseline,
    panel_frequency_baseline,
    per_site_r2,
)
from .validation import check_haplotypes

__all__ = [
    "MISSING",
    "li_stephens_theta",
    "switch_probabilities",
    "mask_haplotypes",
    "li_stephens_log_emissions",
    "li_stephens_dense_transition",
    "li_stephens_forward_backward",
    "li_stephens_posterior",
    "li_stephens_impute",
    "li_stephens_log_likelihood",
    "most_frequent_allele_baseline",
    "panel_frequency_baseline",
    "minor_allele_frequency",
    "per_site_r2",
    "imputation_r2_by_maf",
]

MISSING = hmm.MISSING


# ----------------------------------------------------------------------- checks
def _copying_model_inputs(reference, targets, rho, theta):
    """Checked panel (float ``K x T``), targets (int8 ``B x T``), whether one target was given,
    the ``T - 1`` switch probabilities and the mismatch probability (Li-Stephens' default if None)."""
    ref = _reference(reference)
    tgt, single = _targets(targets, ref.shape[1])
    K, T = ref.shape
    rho = _rho(rho, T)
    theta = li_stephens_theta(K) if theta is None else _check_rate(theta, "theta")
    return ref, tgt, single, rho, theta


# ----------------------------------------------------------------------- parameters
def li_stephens_theta(n_ref: int) -> float:
    """Li & Stephens' default mismatch (copying-error) probability for a panel of ``n_ref`` haplotypes.

    ``theta~ = 1 / sum_{m=1}^{K-1} 1/m`` (Watterson's estimator per site), and the emission
    mismatch probability is ``theta~ / (2 (theta~ + K))``.

    Parameters
    ----------
    n_ref : int
        Panel size ``K`` (at least 2).

    Returns
    -------
    float
        The mismatch probability, small for a large panel.

    Examples
    --------
    >>> round(li_stephens_theta(100), 6)
    0.000964

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    if n_ref < 2:
        raise ValueError(f"a Li-Stephens panel needs at least 2 haplotypes, got {n_ref}")
    t = 1.0 / np.sum(1.0 / np.arange(1, n_ref))
    return float(t / (2 * (t + n_ref)))


def switch_probabilities(positions, n_ref: int, ne: float = 10_000, recomb_rate: float = 1e-8) -> np.ndarray:
    """Per-gap jump probabilities ``rho_t = 1 - exp(-4 Ne r d_t / K)`` from base-pair positions.

    ``d_t`` is the distance in bp between SNPs ``t`` and ``t+1``, ``r`` the recombination rate
    per bp and generation (``1e-8`` = 1 cM/Mb; no genetic map is used) and ``K`` the panel size:
    a larger panel holds closer relatives of the target, so copying switches less often.

    Parameters
    ----------
    positions : array_like of int, shape (T,)
        Increasing base-pair positions of the SNPs.
    n_ref : int
        Panel size ``K``.
    ne : float, optional
        Effective population size.
    recomb_rate : float, optional
        Recombination rate per bp and generation.

    Returns
    -------
    numpy.ndarray of float64, shape (T - 1,)
        One jump probability per gap between SNPs.

    Examples
    --------
    >>> switch_probabilities([1_000, 2_000, 102_000], n_ref=100).round(5)
    array([0.00399, 0.32968])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    pos = np.asarray(positions, dtype=float)
    if pos.ndim != 1:
        raise ValueError(f"positions must be 1-D, got shape {pos.shape}")
    gaps = np.diff(pos)
    if np.any(gaps < 0):
        raise ValueError("positions must be sorted")
    if n_ref < 1 or ne <= 0 or recomb_rate < 0:
        raise ValueError("n_ref and ne must be positive and recomb_rate non-negative")
    return -np.expm1(-4.0 * ne * recomb_rate * gaps / n_ref)


def mask_haplotypes(X, observed) -> np.ndarray:
    """Copy of the 0/1 matrix ``X`` as int8 with every column not in ``observed`` set to ``-1``.

    ``observed`` is a boolean mask over the columns or an array of column indices (the
    "array" sites that were genotyped).

    Parameters
    ----------
    X : array_like of uint8, shape (n, T)
        Complete haplotypes (0/1).
    observed : array_like of bool or of int
        The columns kept.

    Returns
    -------
    numpy.ndarray of int8, shape (n, T)
        ``X`` with ``-1`` at the hidden columns.

    Examples
    --------
    >>> mask_haplotypes(np.array([[0, 1, 1]]), [0, 2])
    array([[ 0, -1,  1]], dtype=int8)

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    X = np.asarray(getattr(X, "X", X)) if not isinstance(X, np.ndarray) else X
    X = check_haplotypes(np.atleast_2d(X), "X")
    keep = np.zeros(X.shape[1], dtype=bool)
    observed = np.asarray(observed)
    if observed.dtype == np.bool_:
        if observed.shape != (X.shape[1],):
            raise ValueError(f"a boolean observed mask needs one entry per SNP ({X.shape[1]}), got shape {observed.shape}")
        keep = observed
    else:
        keep[observed] = True
    out = X.astype(np.int8)
    out[:, ~keep] = MISSING
    return out


# ----------------------------------------------------------------------- the HMM
def li_stephens_log_emissions(reference, target, theta: float | None = None) -> np.ndarray:
    """``log_B[t, k] = log P(target_t | copying panel haplotype k)``, ``T x K`` (``T x B x K`` for ``B`` targets).

    ``log(1 - theta)`` where the target allele equals the panel allele, ``log(theta)`` where it
    differs, ``0`` where the target is masked (``-1``).  Feed it to
    :func:`artgen_lite.hmm_recursions.posterior_from_log_emissions` with :func:`li_stephens_dense_transition`.

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel copied from.
    target : array_like of int, shape (T,) or (B, T)
        Target haplotype(s): 0, 1 or -1 (masked).
    theta : float, optional
        Mismatch probability; default :func:`li_stephens_theta`.

    Returns
    -------
    numpy.ndarray of float64
        Log emission probabilities, time first.

    Examples
    --------
    >>> panel = np.array([[0, 0, 0], [1, 1, 1]])
    >>> li_stephens_log_emissions(panel, np.array([0, -1, 1]), theta=0.1).round(3)
    array([[-0.105, -2.303],
           [ 0.   ,  0.   ],
           [-2.303, -0.105]])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref = _reference(reference)
    tgt, single = _targets(target, ref.shape[1])
    theta = li_stephens_theta(ref.shape[0]) if theta is None else _check_rate(theta, "theta")
    match = tgt.T[:, :, None] == ref.T[:, None, :]  # T x B x K
    with np.errstate(divide="ignore"):
        lb = np.where(match, np.log1p(-theta), np.log(theta))
    lb[(tgt.T == MISSING)] = 0.0
    return lb[:, 0, :] if single else lb


def li_stephens_dense_transition(n_ref: int, rho: float) -> np.ndarray:
    """The ``K x K`` Li-Stephens transition matrix ``(1 - rho) I + rho / K`` (constant ``rho``).

    Parameters
    ----------
    n_ref : int
        Panel size ``K``.
    rho : float
        Probability of a jump between two adjacent sites.

    Returns
    -------
    numpy.ndarray of float64, shape (K, K)
        A row-stochastic transition matrix.

    Examples
    --------
    >>> li_stephens_dense_transition(2, 0.2)
    array([[0.9, 0.1],
           [0.1, 0.9]])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    rho = float(rho)
    if not 0 <= rho <= 1:
        raise ValueError(f"rho must lie in [0, 1], got {rho}")
    if int(n_ref) < 1:
        raise ValueError(f"n_ref must be positive, got {n_ref}")
    return (1 - rho) * np.eye(n_ref) + rho / n_ref


def li_stephens_forward_backward(reference, target, rho, theta: float | None = None):
    """Forward-backward of the Li-Stephens HMM in ``O(T K)`` per target, with per-gap ``rho``.

    ``target`` is one haplotype (``T``) or several (``B x T``) with ``-1`` at masked sites;
    ``rho`` is a number or ``T - 1`` switch probabilities (:func:`switch_probabilities`).
    Returns ``(log_alpha, log_beta, loglik)`` in the conventions of
    :func:`artgen_lite.hmm_recursions.forward_from_log_emissions` (``T x K``, or ``T x B x K``), with a
    uniform start ``1/K``.  The recursion is run on rescaled probabilities (each step divided
    by its sum), which is exact and cheaper than log space because the jump term is a sum.

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel copied from.
    target : array_like of int, shape (T,) or (B, T)
        Target haplotype(s) with ``-1`` at masked sites.
    rho : float or array_like of float, shape (T - 1,)
        Jump probabilities.
    theta : float, optional
        Mismatch probability; default :func:`li_stephens_theta`.

    Returns
    -------
    log_alpha, log_beta : numpy.ndarray of float64
        Forward and backward log messages.
    loglik : float or numpy.ndarray of float64, shape (B,)
        ``log P(target)``.

    Examples
    --------
    >>> panel = np.array([[0, 0, 0], [1, 1, 1]])
    >>> log_alpha, log_beta, loglik = li_stephens_forward_backward(panel, np.array([1, -1, 1]), rho=0.1, theta=0.01)
    >>> log_alpha.shape, round(loglik, 3)
    ((3, 2), -0.811)
    >>> np.exp(log_alpha + log_beta - loglik).round(3)  # posterior: haplotype 1 is copied
    array([[0.001, 0.999],
           [0.004, 0.996],
           [0.001, 0.999]])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref, tgt, single, rho, theta = _copying_model_inputs(reference, target, rho, theta)
    emit = _emission_table(ref, theta)
    alpha, beta, scale = _scaled_forward_backward(emit, tgt, rho)
    log_c = np.cumsum(np.log(scale), axis=0)  # T x B
    log_alpha = np.log(alpha) + log_c[..., None]
    # beta_t is scaled by prod_{s>t} c_s: undo with the total minus the running sum
    log_beta = np.log(beta) + (log_c[-1] - log_c)[..., None]
    loglik = log_c[-1]
    if single:
        return log_alpha[:, 0], log_beta[:, 0], float(loglik[0])
    return log_alpha, log_beta, loglik


def _emission_table(ref: np.ndarray, theta: float) -> np.ndarray:
    """``emit[a, t, k] = P(allele a | copying k at site t)`` for a = 0, 1; shape 2 x T x K."""
    p1 = np.where(ref.T == 1, 1 - theta, theta)
    return np.stack([1 - p1, p1])


def _scaled_forward_backward(emit: np.ndarray, tgt: np.ndarray, rho: np.ndarray, dosage_only: bool = False):
    """Rescaled forward-backward for ``B`` targets at once (time first: T x B x K).

    With ``dosage_only`` it returns ``(dosage T x B, loglik B)`` without storing beta.
    """
    _, T, K = emit.shape
    B = tgt.shape[0]
    obs = tgt.T  # T x B

    def e(t):  # B x K emission probabilities at site t (1 where masked)
        out = emit[np.maximum(obs[t], 0), t]
        out[obs[t] == MISSING] = 1.0
        return out

    alpha = np.empty((T, B, K))
    scale = np.empty((T, B))
    a = e(0) / K
    scale[0] = a.sum(1)
    alpha[0] = a / scale[0][:, None]
    for t in range(1, T):
        prev = alpha[t - 1]  # rows sum to 1
        a = ((1 - rho[t - 1]) * prev + rho[t - 1] / K) * e(t)
        scale[t] = a.sum(1)
        alpha[t] = a / scale[t][:, None]
    if dosage_only:
        dosage = np.empty((T, B))
        b = np.ones((B, K))
        for t in range(T - 1, -1, -1):
            if t < T - 1:
                w = e(t + 1) * b
                b = ((1 - rho[t]) * w + rho[t] / K * w.sum(1, keepdims=True)) / scale[t + 1][:, None]
            g = alpha[t] * b
            dosage[t] = (g * emit[1, t]).sum(1) / g.sum(1)
        return dosage, np.log(scale).sum(0)
    beta = np.empty((T, B, K))
    beta[-1] = 1.0
    for t in range(T - 2, -1, -1):
        w = e(t + 1) * beta[t + 1]
        beta[t] = ((1 - rho[t]) * w + rho[t] / K * w.sum(1, keepdims=True)) / scale[t + 1][:, None]
    return alpha, beta, scale


def li_stephens_posterior(reference, target, rho, theta: float | None = None, method: str = "fast"):
    """Posterior ``P(copying haplotype k at site t | target)`` for one target; returns ``(gamma T x K, loglik)``.

    ``method="generic"`` builds the log emissions and the dense transition matrix and calls
    :func:`artgen_lite.hmm_recursions.posterior_from_log_emissions` (``rho`` must then be one number);
    ``method="fast"`` uses :func:`li_stephens_forward_backward`.

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel copied from.
    target : array_like of int, shape (T,)
        One target with ``-1`` at masked sites.
    rho : float or array_like of float, shape (T - 1,)
        Jump probabilities (one number with ``method="generic"``).
    theta : float, optional
        Mismatch probability.
    method : {"fast", "generic"}, optional
        The O(TK) recursion or the generic HMM code.

    Returns
    -------
    gamma : numpy.ndarray of float64, shape (T, K)
        Posterior of the copied haplotype at each site; rows sum to 1.
    loglik : float
        ``log P(target)``.

    Examples
    --------
    >>> panel = np.array([[0, 0, 0], [1, 1, 1]])
    >>> gamma, loglik = li_stephens_posterior(panel, np.array([1, -1, 1]), rho=0.1, theta=0.01)
    >>> gamma[1].round(3), round(loglik, 3)
    (array([0.004, 0.996]), -0.811)
    >>> generic, _ = li_stephens_posterior(panel, np.array([1, -1, 1]), rho=0.1, theta=0.01, method="generic")
    >>> bool(np.allclose(gamma, generic))
    True

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref = _reference(reference)
    tgt, single = _targets(target, ref.shape[1])
    if not single:
        raise ValueError("li_stephens_posterior takes one target haplotype (1-D); use li_stephens_impute for many")
    K = ref.shape[0]
    if method == "generic":
        if np.ndim(rho) != 0:
            raise ValueError("method='generic' needs one rho for all sites (the generic HMM is time-homogeneous)")
        log_B = li_stephens_log_emissions(ref.astype(np.uint8), tgt[0], theta)
        with np.errstate(divide="ignore"):
            log_trans = np.log(li_stephens_dense_transition(K, float(rho)))
        return hmm.posterior_from_log_emissions(np.full(K, -np.log(K)), log_trans, log_B)
    if method != "fast":
        raise ValueError(f"method must be 'fast' or 'generic', got {method!r}")
    log_alpha, log_beta, loglik = li_stephens_forward_backward(ref.astype(np.uint8), tgt[0], rho, theta)
    return np.exp(log_alpha + log_beta - loglik), loglik


def li_stephens_impute(reference, targets, positions=None, *, rho=None, theta: float | None = None,
                       ne: float = 10_000, recomb_rate: float = 1e-8, batch_size: int = 32,
                       progress: bool = False) -> np.ndarray:
    """Impute the masked sites (``-1``) of each target haplotype from a reference panel.

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel (0/1), or a :class:`~artgen_lite.data.Haplotypes`.
    targets : array_like of int, shape (B, T) or (T,)
        0/1 at observed sites and ``-1`` at masked ones.
    positions : array_like of int, shape (T,), optional
        Positions in bp, turned into ``rho`` by :func:`switch_probabilities` (with ``ne`` and
        ``recomb_rate``) unless ``rho`` is given.
    rho : float or array_like of float, shape (T - 1,), optional
        Switch probabilities, instead of ``positions``.
    theta : float, optional
        Mismatch probability; default :func:`li_stephens_theta` of the panel size.
    ne, recomb_rate : float, optional
        Effective population size and recombination rate per bp, for ``positions``.
    batch_size : int, optional
        Targets run side by side (memory ``T x batch x K`` floats).
    progress : bool, optional
        Show a progress bar over the batches.

    Returns
    -------
    numpy.ndarray of float64, shape (B, T) or (T,)
        The dosages ``P(allele 1)`` at every site; at observed sites they are the smoothed
        probabilities, not the observed alleles.

    Examples
    --------
    >>> panel = np.array([[0, 0, 0, 0], [1, 1, 1, 1]])
    >>> dosage = li_stephens_impute(panel, np.array([1, -1, -1, 1]), rho=0.01, theta=0.01)
    >>> (dosage[1:3] > 0.9).tolist()  # the masked sites are copied from the matching haplotype
    [True, True]

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref = _reference(reference)
    tgt, single = _targets(targets, ref.shape[1])
    K, T = ref.shape
    if rho is None:
        if positions is None:
            raise ValueError("give positions (bp, for rho from genetic distance) or rho")
        positions = np.asarray(positions)
        if positions.shape != (T,):
            raise ValueError(f"positions must hold one entry per SNP ({T}), got shape {positions.shape}")
        rho = switch_probabilities(positions, K, ne=ne, recomb_rate=recomb_rate)
    rho = _rho(rho, T)
    theta = li_stephens_theta(K) if theta is None else _check_rate(theta, "theta")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    emit = _emission_table(ref, theta)
    out = np.empty(tgt.shape)
    starts = range(0, tgt.shape[0], int(batch_size))
    for s in tqdm(starts, desc="Li-Stephens", disable=not progress, unit="batch"):
        dosage, _ = _scaled_forward_backward(emit, tgt[s : s + batch_size], rho, dosage_only=True)
        out[s : s + batch_size] = dosage.T
    return out[0] if single else out


def li_stephens_log_likelihood(reference, targets, rho, theta: float | None = None, batch_size: int = 64) -> np.ndarray:
    """``log P(target | panel)`` of each target under the Li-Stephens copying model (forward pass only).

    The forward recursion of :func:`li_stephens_forward_backward` without storing ``alpha`` or
    running the backward pass, so memory is ``batch_size x K`` numbers whatever the number of
    SNPs: what a membership score over many haplotypes needs (chapter 14's
    :class:`artgen_lite.models.HaplotypeMosaic`).  ``targets`` is ``(B, T)`` or ``(T,)`` with ``-1`` at
    masked sites; ``rho`` a number or ``T - 1`` switch probabilities.  Returns ``(B,)`` (or a float).

    Parameters
    ----------
    reference : array_like of uint8, shape (K, T)
        The panel copied from.
    targets : array_like of int, shape (B, T) or (T,)
        Haplotypes scored (``-1`` = masked).
    rho : float or array_like of float, shape (T - 1,)
        Jump probabilities.
    theta : float, optional
        Mismatch probability.
    batch_size : int, optional
        Targets per forward pass (memory only).

    Returns
    -------
    numpy.ndarray of float64, shape (B,), or float
        The log-likelihood of each target.

    Examples
    --------
    >>> panel = np.array([[0, 0, 0], [1, 1, 1]])
    >>> ll = li_stephens_log_likelihood(panel, np.array([[0, 0, 0], [0, 1, 0]]), rho=0.01)
    >>> bool(ll[0] > ll[1])  # a copy of a panel haplotype is likelier than a mosaic
    True

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    ref, tgt, single, rho, theta = _copying_model_inputs(reference, targets, rho, theta)
    K, T = ref.shape
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    refT = ref.T  # T x K
    out = np.empty(tgt.shape[0])
    for s in range(0, tgt.shape[0], int(batch_size)):
        obs = tgt[s : s + int(batch_size)].T  # T x b
        a = np.full((obs.shape[1], K), 1.0 / K)
        loglik = np.zeros(obs.shape[1])
        for t in range(T):
            if t:
                a = (1 - rho[t - 1]) * a + rho[t - 1] / K  # rows of a sum to 1
            e = np.where(refT[t][None, :] == obs[t][:, None], 1 - theta, theta)
            e[obs[t] == MISSING] = 1.0
            a = a * e
            c = a.sum(1)
            loglik += np.log(c)
            a /= c[:, None]
        out[s : s + int(batch_size)] = loglik
    return float(out[0]) if single else out
