"""Scoring DNA language models: masked-base accuracy and perplexity, and zero-shot variant
effect scores (log-likelihood ratios).

Explained in chapter 09 (notebooks/09_dna_language_models).  Every model (the networks and the
count baselines) has ``masked_log_probs(windows, positions)``, so all are scored alike.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int
from .alphabet import encode

__all__ = ["masked_base_scores", "llr", "score_variants"]


def masked_base_scores(log_probs, truth, select=None) -> dict:
    """Masked-base accuracy, cross-entropy (nats per base) and perplexity ``exp(CE)``.

    ``log_probs`` is ``(..., 4)`` log-probabilities at masked positions, ``truth`` the true
    codes (same leading shape), ``select`` an optional boolean filter (e.g. non-repeat bases).
    Perplexity 4 is a uniform guess; 1 a perfect one.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    log_probs : array-like
        Log-probabilities of A, C, G, T at the masked positions, ``(..., 4)``.
    truth : array-like
        True codes at those positions (leading shape of ``log_probs``); codes 4 and above (N) are
        not scored.
    select : array-like of bool, optional
        Which positions to score (same shape as ``truth``).

    Returns
    -------
    dict
        ``accuracy`` (argmax correct), ``cross_entropy`` (nats per base), ``perplexity`` and
        ``n`` (positions scored).

    Examples
    --------
    >>> lp = np.log([[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.7]])
    >>> s = masked_base_scores(lp, [0, 2])
    >>> s["accuracy"], round(s["perplexity"], 3), s["n"]
    (0.5, 3.78, 2)
    """
    lp = np.asarray(log_probs, dtype=np.float64).reshape(-1, 4)
    y = np.asarray(truth).reshape(-1)
    keep = y < 4
    if select is not None:
        keep &= np.asarray(select, dtype=bool).reshape(-1)
    lp, y = lp[keep], y[keep]
    if len(y) == 0:
        raise ValueError("no masked positions to score (check select)")
    ce = float(-lp[np.arange(len(y)), y].mean())
    return {"accuracy": float((lp.argmax(1) == y).mean()), "cross_entropy": ce,
            "perplexity": float(np.exp(ce)), "n": int(len(y))}


def llr(log_probs, ref) -> np.ndarray:
    """Zero-shot variant effect score ``log P(alt) - log P(ref)`` for each alternative base:
    returns ``(..., 4)`` with 0 at the reference base (GPN's ``logit[alt] - logit[ref]``).

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    log_probs : array-like
        Log-probabilities of A, C, G, T, ``(..., 4)``.
    ref : array-like
        Reference base codes 0-3, the leading shape of ``log_probs``.

    Returns
    -------
    numpy.ndarray
        ``float64`` ``(..., 4)``: ``log_probs`` minus the log-probability of the reference base.

    Examples
    --------
    >>> llr(np.log([0.5, 0.25, 0.125, 0.125]), 0).round(3)
    array([ 0.   , -0.693, -1.386, -1.386])
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.int64)
    return lp - np.take_along_axis(lp, ref[..., None], axis=-1)


def score_variants(model, seq: str, positions, alts, window: int = 256) -> np.ndarray:
    """LLR of single-base substitutions ``alts`` (letters) at 0-based ``positions`` of ``seq``,
    each scored in a window of ``window`` bases centred on it with the variant base masked.

    Works with any model that has ``masked_log_probs``.
    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    model : object
        Any model with ``masked_log_probs(windows, positions)``, e.g. a fitted
        :class:`artgen_lite.dna.baselines.MarkovContext`.
    seq : str
        The reference DNA string.
    positions : int or array-like
        0-based positions of the variants in ``seq``; the reference bases there must be A, C, G
        or T.
    alts : str or sequence of str
        The alternative base of each variant (A, C, G or T).
    window : int, default 256
        Length of the window each variant is scored in (at most ``len(seq)``; windows are shifted
        to stay inside ``seq``).

    Returns
    -------
    numpy.ndarray
        One LLR ``log P(alt) - log P(ref)`` per variant (negative: the model finds the
        alternative base less likely).

    Examples
    --------
    >>> from artgen_lite.dna.baselines import MarkovContext
    >>> model = MarkovContext(left=1, right=1).fit("ACGTACGTACGTACGTAAGT" * 5)
    >>> score_variants(model, "ACGTACGTACGT", [4, 5], ["C", "G"], window=8).round(3)
    array([-3.784, -3.714])
    """
    codes = encode(seq, "seq")
    positions = np.atleast_1d(np.asarray(positions, dtype=np.int64))
    alt = encode("".join(np.atleast_1d(alts)), "alts")
    if len(alt) != len(positions):
        raise ValueError(f"alts must have one base per position; got {len(alt)} for "
                         f"{len(positions)} positions")
    if np.any((positions < 0) | (positions >= len(codes))):
        raise ValueError(f"positions must lie in [0, {len(codes)})")
    ref = codes[positions]
    if np.any(ref >= 4) or np.any(alt >= 4):
        raise ValueError("reference and alternative bases (alts) must be A, C, G or T")
    window = min(check_int(window, "window"), len(codes))
    starts = np.clip(positions - window // 2, 0, len(codes) - window)
    wins = codes[starts[:, None] + np.arange(window)[None, :]]
    pos = (positions - starts)[:, None]
    lp = model.masked_log_probs(wins, pos)[:, 0, :]
    return llr(lp, ref)[np.arange(len(alt)), alt]
