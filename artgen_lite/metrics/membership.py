"""Membership-inference attacks (MIA) summarised by a ROC AUC.

An attacker gets candidate haplotypes, half of them from the training set ("members") and half
held out ("non-members"), gives each a score (higher = "more likely a member") and we report the
AUC: 0.5 means the attacker cannot tell members from non-members, 1.0 means perfect leakage.

* **White-box**: scores come from the model itself (e.g. the WGAN critic C(x), or minus the free
  energy -F(v) of an RBM); pass them to :func:`mia_auc`.
* **Black-box**: only a large synthetic set is available; the score of a candidate is minus its
  Hamming distance to the nearest synthetic haplotype (:func:`mia_auc_blackbox`), in the spirit
  of LOGAN (Hayes et al. 2019) and GAN-Leaks (Chen et al. 2020). The authors' own MIA code is not
  public; this is the standard recipe.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from ._validation import as_haplotypes, as_rng, same_snps
from .distances import DEFAULT_BLOCK, _nn_cross

__all__ = ["mia_auc", "blackbox_scores", "mia_auc_blackbox"]


def _scores(x, name):
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of scores, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or infinite scores")
    return a


def mia_auc(member_scores, nonmember_scores) -> float:
    """ROC AUC of scores that should be higher for members than for non-members.

    The probability that a random member outscores a random non-member, ties counting one half
    (the Mann-Whitney statistic divided by ``n_members * n_nonmembers``), computed by
    ``sklearn.metrics.roc_auc_score`` with members as the positive class. 0.5 = no leakage.

    Parameters
    ----------
    member_scores : array_like of float, shape (n_members,)
        Scores of the candidates that were in the training set; finite, not empty.
    nonmember_scores : array_like of float, shape (n_nonmembers,)
        Scores of the held-out candidates; finite, not empty.

    Returns
    -------
    float
        The AUC in ``[0, 1]``.

    Examples
    --------
    >>> from artgen_lite.metrics import mia_auc
    >>> mia_auc([3.0, 2.0], [1.0, 2.0])  # 3 of 4 pairs won, one tie counts 1/2
    0.875

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    m = _scores(member_scores, "member_scores")
    u = _scores(nonmember_scores, "nonmember_scores")
    labels = np.r_[np.ones(len(m), dtype=np.int8), np.zeros(len(u), dtype=np.int8)]
    return float(roc_auc_score(labels, np.concatenate([m, u])))


def blackbox_scores(candidates, synthetic, *, block: int = DEFAULT_BLOCK) -> np.ndarray:
    """Black-box membership score of each candidate: minus its distance to the nearest synthetic row.

    Parameters
    ----------
    candidates : array_like of uint8, shape (n_candidates, n_snps)
        Haplotypes whose membership is questioned (0/1).
    synthetic : array_like of uint8, shape (n_synthetic, n_snps)
        The artificial genomes the attacker sees.
    block : int, optional
        Candidate rows per distance block (memory bound only; results do not depend on it).

    Returns
    -------
    numpy.ndarray of float64, shape (n_candidates,)
        ``-min_j Hamming(candidate, synthetic_j)``: higher = closer = more member-like.

    Examples
    --------
    >>> from artgen_lite.metrics import blackbox_scores
    >>> blackbox_scores(np.array([[0, 0, 1], [1, 1, 1]]), np.array([[0, 0, 1], [0, 0, 0]]))
    array([-0., -2.])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    C = as_haplotypes(candidates, "candidates")
    S = as_haplotypes(synthetic, "synthetic")
    same_snps(C, S, "candidates", "synthetic")
    return -_nn_cross(C, S, block)[0].astype(np.float64)


def mia_auc_blackbox(train, test, synthetic, *, n: int | None = None, seed=0,
                     block: int = DEFAULT_BLOCK) -> float:
    """Black-box MIA AUC: can the distance to the synthetic set tell training rows from held-out ones?

    Members are ``n`` training haplotypes, non-members ``n`` held-out (``test``) haplotypes, with
    ``n`` = the smaller of the two sets by default; larger sets are subsampled without
    replacement with ``numpy.random.default_rng(seed)`` (train first, then test). Every candidate
    is scored by ``-min Hamming distance`` to the *whole* synthetic set. AUC ~0.5 means no
    detectable leakage; compare with the same number for a real-vs-real split.

    Parameters
    ----------
    train, test : array_like of uint8, shape (n_train, n_snps) and (n_test, n_snps)
        The model's training haplotypes (members) and held-out haplotypes (non-members).
    synthetic : array_like of uint8, shape (n_synthetic, n_snps)
        The model's artificial genomes.
    n : int, optional
        Candidates per side; default the size of the smaller of ``train`` and ``test``.
    seed : int or numpy.random.Generator, optional
        Seed of the subsampling.
    block : int, optional
        Rows per distance block (memory bound only).

    Returns
    -------
    float
        AUC of the distance attack; near 0.5 when the synthetic set leaks nothing.

    Examples
    --------
    >>> from artgen_lite.metrics import mia_auc_blackbox
    >>> rng = np.random.default_rng(0)
    >>> train, test = rng.integers(0, 2, (2, 20, 30), dtype=np.uint8)
    >>> mia_auc_blackbox(train, test, synthetic=train.copy())  # copies of training: full leakage
    1.0

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    train = as_haplotypes(train, "train")
    test = as_haplotypes(test, "test")
    synthetic = as_haplotypes(synthetic, "synthetic")
    same_snps(train, synthetic, "train", "synthetic")
    same_snps(test, synthetic, "test", "synthetic")
    m = min(train.shape[0], test.shape[0]) if n is None else int(n)
    if m < 1 or m > min(train.shape[0], test.shape[0]):
        raise ValueError(f"n={n} must be between 1 and the size of the smaller of train/test")
    rng = as_rng(seed)
    members = train if m == train.shape[0] else train[np.sort(rng.choice(train.shape[0], m, replace=False))]
    nonmembers = test if m == test.shape[0] else test[np.sort(rng.choice(test.shape[0], m, replace=False))]
    d_mem = _nn_cross(members, synthetic, block)[0]
    d_non = _nn_cross(nonmembers, synthetic, block)[0]
    return mia_auc(-d_mem.astype(float), -d_non.astype(float))
