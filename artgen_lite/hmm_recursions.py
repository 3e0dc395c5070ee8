"""The HMM recursions (forward, backward, posterior, Viterbi) on a precomputed log-emission array.

Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).

They loop over time only; every step is vectorised over the hidden states and over a *batch* of
sequences. Written once on ``log_B[t, k] = log P(x_t | state k)``, they serve
:class:`artgen_lite.hmm.HMM` and models with other emission structures (the Li-Stephens
haplotype-copying HMM of :mod:`artgen_lite.imputation`). :mod:`artgen_lite.hmm` re-exports every
name of this module.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

__all__ = [
    "forward_from_log_emissions",
    "backward_from_log_emissions",
    "posterior_from_log_emissions",
    "viterbi_from_log_emissions",
]

_ATOL = 1e-6


# --------------------------------------------------------------------------- helpers
def _log(p) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype=float))


def _check_stochastic(p: np.ndarray, name: str, shape: tuple) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    sums = p.sum(axis=-1)
    bad = np.flatnonzero(np.abs(np.atleast_1d(sums) - 1) > _ATOL)
    if bad.size:
        where = "" if p.ndim == 1 else f" (row {bad[0]} sums to {np.atleast_1d(sums)[bad[0]]:.6g})"
        raise ValueError(f"{name} must sum to 1{' along each row' if p.ndim == 2 else ''}{where}")
    return p


def _step_logsumexp(a: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """``log(exp(a) @ trans)`` over the last axis of ``a``: a logsumexp written as a matrix product.

    Shifting by the row maximum keeps ``exp`` in range; this is what
    ``scipy.special.logsumexp(a[..., :, None] + log(trans), axis=-2)`` computes, at a tenth of
    the cost per time step.  (Call inside ``np.errstate(divide="ignore")``: log(0) = -inf.)
    """
    m = np.maximum(a.max(axis=-1, keepdims=True), -1e300)  # a row of -inf stays -inf, not nan
    return np.log(np.exp(a - m) @ trans) + m


# ----------------------------------------------------------- generic recursions
def _lengths(log_B: np.ndarray, lengths) -> np.ndarray | None:
    if lengths is None or log_B.ndim == 2:
        return None
    lengths = np.asarray(lengths)
    if lengths.shape != (log_B.shape[1],):
        raise ValueError(f"lengths must have one entry per sequence ({log_B.shape[1]}), got shape {lengths.shape}")
    return lengths


def forward_from_log_emissions(log_start, log_trans, log_B, lengths=None):
    """Forward algorithm in log space on a precomputed log-emission array.

    ``log_B`` is ``T x K`` (one sequence) or ``T x B x K`` (a batch of ``B`` sequences, time
    first); ``log_B[t, ..., k] = log P(x_t | z_t = k)``.  ``lengths`` (batch only) gives each
    sequence's length; past its end a sequence is frozen.  Returns ``(log_alpha, loglik)``
    with ``log_alpha[t, ..., k] = log P(x_1..x_t, z_t = k)`` and ``loglik = log P(x)`` (a float,
    or one per sequence).

    Parameters
    ----------
    log_start : array_like of float, shape (K,)
        Log initial probabilities.
    log_trans : array_like of float, shape (K, K)
        Log transition matrix.
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probability of each observation under each state.
    lengths : array_like of int, shape (B,), optional
        Length of each sequence of a batch.

    Returns
    -------
    log_alpha : numpy.ndarray of float64
        Same shape as ``log_B``.
    loglik : float or numpy.ndarray of float64, shape (B,)
        Log-likelihood of each sequence.

    Examples
    --------
    >>> log_start, log_trans = np.log([0.5, 0.5]), np.log([[0.8, 0.2], [0.2, 0.8]])
    >>> log_B = np.log([[0.9, 0.1], [0.2, 0.8], [0.9, 0.1]])
    >>> log_alpha, loglik = forward_from_log_emissions(log_start, log_trans, log_B)
    >>> np.exp(log_alpha).round(3)
    array([[0.45 , 0.05 ],
           [0.074, 0.104],
           [0.072, 0.01 ]])
    >>> round(loglik, 3)
    -2.503

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    log_B = np.asarray(log_B, dtype=float)
    trans = np.exp(np.asarray(log_trans, dtype=float))
    lengths = _lengths(log_B, lengths)
    T = log_B.shape[0]
    alpha = np.empty_like(log_B)
    alpha[0] = np.asarray(log_start, dtype=float) + log_B[0]
    first_end = T if lengths is None else lengths.min()
    with np.errstate(divide="ignore"):
        for t in range(1, T):
            alpha[t] = _step_logsumexp(alpha[t - 1], trans) + log_B[t]
            if t >= first_end:  # sequences that have ended keep their last value
                done = t >= lengths
                alpha[t, done] = alpha[t - 1, done]
    loglik = logsumexp(alpha[-1], axis=-1)
    return alpha, (float(loglik) if np.ndim(loglik) == 0 else loglik)


def backward_from_log_emissions(log_trans, log_B, lengths=None):
    """Backward algorithm in log space: ``log_beta[t, ..., k] = log P(x_{t+1}..x_T | z_t = k)``.

    Same shapes and ``lengths`` convention as :func:`forward_from_log_emissions`.

    Parameters
    ----------
    log_trans : array_like of float, shape (K, K)
        Log transition matrix.
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probabilities, time first.
    lengths : array_like of int, shape (B,), optional
        Length of each sequence of a batch.

    Returns
    -------
    numpy.ndarray of float64
        ``log_beta``, the shape of ``log_B`` (0 at each sequence's last step).

    Examples
    --------
    >>> log_start, log_trans = np.log([0.5, 0.5]), np.log([[0.8, 0.2], [0.2, 0.8]])
    >>> log_B = np.log([[0.9, 0.1], [0.2, 0.8], [0.9, 0.1]])
    >>> np.exp(backward_from_log_emissions(log_trans, log_B)).round(3)
    array([[0.16 , 0.196],
           [0.74 , 0.26 ],
           [1.   , 1.   ]])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    log_B = np.asarray(log_B, dtype=float)
    trans_T = np.exp(np.asarray(log_trans, dtype=float)).T
    lengths = _lengths(log_B, lengths)
    T = log_B.shape[0]
    beta = np.empty_like(log_B)
    beta[-1] = 0.0
    first_end = T if lengths is None else lengths.min()
    with np.errstate(divide="ignore"):
        for t in range(T - 2, -1, -1):
            beta[t] = _step_logsumexp(log_B[t + 1] + beta[t + 1], trans_T)
            if t + 1 >= first_end:
                beta[t, t + 1 >= lengths] = 0.0
    return beta


def posterior_from_log_emissions(log_start, log_trans, log_B, lengths=None):
    """State posteriors ``P(z_t = k | x)`` (forward-backward); returns ``(gamma, loglik)``.

    Parameters
    ----------
    log_start, log_trans : array_like of float
        Log initial and transition probabilities, shapes (K,) and (K, K).
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probabilities.
    lengths : array_like of int, shape (B,), optional
        Length of each sequence of a batch.

    Returns
    -------
    gamma : numpy.ndarray of float64
        The shape of ``log_B``; sums to 1 over the states.
    loglik : float or numpy.ndarray of float64
        ``log P(x)`` per sequence.

    Examples
    --------
    >>> log_B = np.log([[0.9, 0.1], [0.9, 0.1]])  # both observations favour state 0
    >>> gamma, _ = posterior_from_log_emissions(np.log([0.5, 0.5]), np.log([[0.5, 0.5]] * 2), log_B)
    >>> gamma.round(2)
    array([[0.9, 0.1],
           [0.9, 0.1]])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    alpha, loglik = forward_from_log_emissions(log_start, log_trans, log_B, lengths)
    beta = backward_from_log_emissions(log_trans, log_B, lengths)
    log_gamma = alpha + beta - np.asarray(loglik)[..., None]
    return np.exp(log_gamma), loglik


def viterbi_from_log_emissions(log_start, log_trans, log_B, lengths=None):
    """Most probable state path (Viterbi) in log space; returns ``(path, log_prob)``.

    ``path`` is ``T`` (or ``T x B``) state indices, ``log_prob = log P(x, path)``.

    Parameters
    ----------
    log_start : array_like of float, shape (K,)
        Log probabilities of the first state.
    log_trans : array_like of float, shape (K, K)
        ``log P(z_{t+1} = j | z_t = i)``.
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probabilities (a batch: time first).
    lengths : array_like of int, shape (B,), optional
        Each batch sequence's length (steps past it are not decoded).

    Returns
    -------
    path : numpy.ndarray of int
        The best state at each step.
    log_prob : float or numpy.ndarray of float64
        Its log joint probability with the observations.

    Examples
    --------
    >>> log_start, log_trans = np.log([0.5, 0.5]), np.log([[0.6, 0.4], [0.4, 0.6]])
    >>> log_B = np.log([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1]])
    >>> path, log_prob = viterbi_from_log_emissions(log_start, log_trans, log_B)
    >>> path, round(log_prob, 3)
    (array([0, 1, 0]), -2.842)

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    log_B = np.asarray(log_B, dtype=float)
    log_trans = np.asarray(log_trans, dtype=float)
    lengths = _lengths(log_B, lengths)
    T, K = log_B.shape[0], log_B.shape[-1]
    back = np.empty(log_B.shape, dtype=np.int16 if K < 32_000 else np.int64)
    delta = np.asarray(log_start, dtype=float) + log_B[0]
    back[0] = 0
    first_end = T if lengths is None else lengths.min()
    for t in range(1, T):
        scores = delta[..., :, None] + log_trans  # [..., from, to]
        back[t] = scores.argmax(axis=-2)
        new = scores.max(axis=-2) + log_B[t]
        if t >= first_end:  # sequences that have ended stay where they are
            done = t >= lengths
            new[done] = delta[done]
            back[t, done] = np.arange(K)
        delta = new
    path = np.empty(log_B.shape[:-1], dtype=np.int64)
    path[-1] = delta.argmax(axis=-1)
    for t in range(T - 1, 0, -1):
        path[t - 1] = np.take_along_axis(back[t], path[t][..., None], axis=-1)[..., 0]
    log_prob = delta.max(axis=-1)
    return path, (float(log_prob) if np.ndim(log_prob) == 0 else log_prob)
