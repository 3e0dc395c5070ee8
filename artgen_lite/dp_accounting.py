"""Privacy accounting for differentially private SGD (chapter "Uncertainty quantification").

Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty), where
:class:`artgen_lite.models.DPVAE` uses it to turn a privacy budget ``(epsilon, delta)`` into
the amount of Gaussian noise DP-SGD adds to each step (Abadi et al. 2016).

DP-SGD with Poisson sampling (each row joins a step's batch with probability ``q``), gradient
clipping to norm ``C`` and Gaussian noise of standard deviation ``sigma * C`` is the *sampled
Gaussian mechanism*, repeated ``steps`` times.  We account for it with Rényi differential
privacy (RDP, Mironov 2017): for an integer order ``alpha >= 2`` one step costs
(Mironov, Talwar & Zhang 2019, Sec. 3.3)

    RDP(alpha) = 1 / (alpha - 1) * log sum_{k=0..alpha} C(alpha, k) (1 - q)^(alpha - k) q^k
                 * exp((k^2 - k) / (2 sigma^2)),

RDP adds up over steps, and ``(epsilon, delta)``-DP follows from
``epsilon = min_alpha steps * RDP(alpha) + log(1 / delta) / (alpha - 1)``.  With ``q = 1``
this is the plain Gaussian mechanism, ``RDP(alpha) = alpha / (2 sigma^2)``.  The conversion
used is the original (slightly conservative) one; libraries such as Opacus use a tighter one
and report somewhat smaller epsilons for the same noise.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln, logsumexp

__all__ = ["ORDERS", "rdp_sampled_gaussian", "epsilon_from_noise", "noise_multiplier"]

ORDERS = tuple(range(2, 257))


def _check_q(q: float) -> float:
    if isinstance(q, bool) or not isinstance(q, (int, float, np.floating)) or not 0 < q <= 1:
        raise ValueError(f"sample_rate must be in (0, 1]; got {q!r}")
    return float(q)


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}")
    return int(steps)


def _check_delta(delta: float) -> float:
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating)) or not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1); got {delta!r}")
    return float(delta)


def rdp_sampled_gaussian(sample_rate: float, sigma: float, alpha: int) -> float:
    """RDP of ONE step of the sampled Gaussian mechanism at integer order ``alpha``.

    Parameters
    ----------
    sample_rate : float
        Probability that a record is in a batch.
    sigma : float
        Noise multiplier.
    alpha : int
        Rényi order, at least 2.

    Returns
    -------
    float
        The Rényi divergence bound of one step (``inf`` when ``sigma`` is not positive).

    Examples
    --------
    >>> rdp_sampled_gaussian(1.0, sigma=2.0, alpha=4)  # q = 1: the Gaussian mechanism, alpha / (2 sigma^2)
    0.5
    >>> round(rdp_sampled_gaussian(0.01, sigma=1.0, alpha=4), 6)  # subsampling shrinks it
    0.000363

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    q = _check_q(sample_rate)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, np.integer)) or alpha < 2:
        raise ValueError(f"alpha must be an integer >= 2; got {alpha!r}")
    if not sigma > 0:
        return math.inf
    if q == 1:  # the plain Gaussian mechanism
        return alpha / (2 * sigma**2)
    k = np.arange(alpha + 1, dtype=np.float64)
    log_binom = gammaln(alpha + 1) - gammaln(k + 1) - gammaln(alpha - k + 1)
    log_terms = log_binom + k * math.log(q) + (alpha - k) * math.log1p(-q) + (k * k - k) / (2 * sigma**2)
    return float(logsumexp(log_terms) / (alpha - 1))


def epsilon_from_noise(sigma: float, sample_rate: float, steps: int, delta: float) -> float:
    """The ``epsilon`` that ``steps`` DP-SGD steps with noise multiplier ``sigma`` spend at ``delta``.

    Parameters
    ----------
    sigma : float
        Noise multiplier.
    sample_rate : float
        Batch size over data size.
    steps : int
        Optimiser steps.
    delta : float
        The delta of (epsilon, delta)-DP.

    Returns
    -------
    float
        The smallest epsilon over the Rényi orders tried (``inf`` when ``sigma`` is 0).

    Examples
    --------
    >>> round(epsilon_from_noise(1.0, sample_rate=0.01, steps=1000, delta=1e-5), 3)
    2.538

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    q, steps, delta = _check_q(sample_rate), _check_steps(steps), _check_delta(delta)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.floating)) or sigma < 0:
        raise ValueError(f"sigma must be a non-negative number; got {sigma!r}")
    if sigma == 0:
        return math.inf
    return min(steps * rdp_sampled_gaussian(q, sigma, a) + math.log(1 / delta) / (a - 1) for a in ORDERS)


def noise_multiplier(epsilon: float, sample_rate: float, steps: int, delta: float) -> float:
    """The smallest noise multiplier ``sigma`` (to 0.1 %) whose DP-SGD run spends at most ``epsilon``.

    ``epsilon = inf`` gives 0 (no noise: clipping only).  Raises ``ValueError`` naming
    ``epsilon`` when the budget is out of reach even with very large noise.

    Parameters
    ----------
    epsilon : float
        The privacy budget (``inf`` for none).
    sample_rate, steps, delta
        As in :func:`epsilon_from_noise`.

    Returns
    -------
    float
        ``sigma``.

    Examples
    --------
    >>> sigma = noise_multiplier(8.0, sample_rate=0.01, steps=1000, delta=1e-5)
    >>> bool(epsilon_from_noise(sigma, 0.01, 1000, 1e-5) <= 8.0)
    True

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).
    """
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating)) or not epsilon > 0:
        raise ValueError(f"epsilon must be a positive number (or inf); got {epsilon!r}")
    if math.isinf(epsilon):
        return 0.0
    q, steps, delta = _check_q(sample_rate), _check_steps(steps), _check_delta(delta)
    hi = 1.0
    while epsilon_from_noise(hi, q, steps, delta) > epsilon:
        hi *= 2
        if hi > 1e4:
            raise ValueError(
                f"epsilon={epsilon} cannot be reached with sample_rate={q}, steps={steps}, "
                f"delta={delta}: even noise multiplier 1e4 spends more"
            )
    lo = 0.0
    while hi - lo > 1e-3 * hi:
        mid = (lo + hi) / 2
        if epsilon_from_noise(mid, q, steps, delta) > epsilon:
            lo = mid
        else:
            hi = mid
    return hi
