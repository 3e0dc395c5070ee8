"""Decoded intervals against an annotation: interval lists to base masks and back, base-level precision and recall.

Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
:mod:`artgen_lite.hmm` re-exports every name of this module.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "intervals_to_mask",
    "mask_to_intervals",
    "interval_precision_recall",
]


# -------------------------------------------------------------------- intervals
def intervals_to_mask(intervals, length: int, offset: int = 0) -> np.ndarray:
    """Boolean mask of ``length`` positions (``offset`` is the coordinate of position 0) that are
    inside any half-open interval ``[start, end)``.

    Parameters
    ----------
    intervals : array_like of int, shape (n, 2)
        Half-open ``[start, end)`` intervals.
    length : int
        Positions of the mask.
    offset : int, optional
        Coordinate of position 0.

    Returns
    -------
    numpy.ndarray of bool, shape (length,)
        True inside an interval.

    Examples
    --------
    >>> intervals_to_mask([[102, 104]], length=6, offset=100)
    array([False, False,  True,  True, False, False])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    if np.any(iv[:, 1] < iv[:, 0]):
        raise ValueError("every interval needs start <= end")
    delta = np.zeros(length + 1, dtype=np.int64)
    s = np.clip(iv[:, 0] - offset, 0, length)
    e = np.clip(iv[:, 1] - offset, 0, length)
    np.add.at(delta, s, 1)
    np.add.at(delta, e, -1)
    return np.cumsum(delta[:-1]) > 0


def mask_to_intervals(mask, offset: int = 0, min_length: int = 1) -> np.ndarray:
    """Runs of True in a boolean mask (a decoded path ``path < 4``, say) as an ``n x 2`` array of
    half-open intervals ``[start, end)`` shifted by ``offset``; runs shorter than ``min_length``
    are dropped.

    Parameters
    ----------
    mask : array_like of bool
        The mask read.
    offset : int, optional
        Coordinate of position 0.
    min_length : int, optional
        Shortest run kept.

    Returns
    -------
    numpy.ndarray of int, shape (n, 2)
        ``[start, end)`` of each run.

    Examples
    --------
    >>> mask_to_intervals([False, True, True, False, True], offset=100)
    array([[101, 103],
           [104, 105]])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    iv = edges.reshape(-1, 2)
    iv = iv[iv[:, 1] - iv[:, 0] >= min_length]
    return iv + offset


def interval_precision_recall(predicted, truth, start: int, end: int) -> dict:
    """Base-level comparison of predicted with true intervals on the region ``[start, end)``.

    Returns a dict with ``precision`` (fraction of predicted bases that are true), ``recall``
    (fraction of true bases that are predicted), ``f1``, the base counts ``predicted_bp``,
    ``true_bp``, ``overlap_bp``, and the interval counts ``n_predicted``, ``n_true`` and
    ``n_true_hit`` (true intervals overlapped by at least one predicted base).

    Parameters
    ----------
    predicted, truth : array_like of int, shape (n, 2)
        Half-open intervals.
    start, end : int
        The region compared.

    Returns
    -------
    dict
        The keys above.

    Examples
    --------
    >>> scores = interval_precision_recall([[10, 20]], [[15, 25], [40, 50]], start=0, end=100)
    >>> scores["precision"], scores["recall"], scores["n_true_hit"]
    (0.5, 0.25, 1)

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    if end <= start:
        raise ValueError("need start < end")
    p = intervals_to_mask(predicted, end - start, start)
    t = intervals_to_mask(truth, end - start, start)
    tp, npred, ntrue = int((p & t).sum()), int(p.sum()), int(t.sum())
    precision = tp / npred if npred else float("nan")
    recall = tp / ntrue if ntrue else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if npred and ntrue and tp else 0.0
    true_iv = np.asarray(truth, dtype=np.int64).reshape(-1, 2)
    true_iv = true_iv[(true_iv[:, 1] > start) & (true_iv[:, 0] < end)]
    hit = sum(bool(p[max(a - start, 0) : min(b - start, end - start)].any()) for a, b in true_iv)
    return {"precision": precision, "recall": recall, "f1": f1, "predicted_bp": npred, "true_bp": ntrue,
            "overlap_bp": tp, "n_predicted": len(mask_to_intervals(p)), "n_true": len(true_iv), "n_true_hit": hit}
