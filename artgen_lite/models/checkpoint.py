"""Checkpoint selection on a validation split of the training data (chapter 05, "Choosing
the epoch"; used by every model's ``fit``).

The 2021 authors chose the epoch of their AGs by looking at them.  Here ``fit`` does it by
rule, on data the model never trains on and without touching the test set:

1. a seeded ``validation_fraction`` of the *training* haplotypes is held out (50 to 500 of
   them; with fewer than 200 training haplotypes nothing is held out and the last state is
   kept);
2. a reference is measured once: how a *new real sample* (the validation haplotypes) looks
   from an equally large subsample ``F`` of the haplotypes the model trains on: its AATS
   components ``AA_truth`` and ``AA_syn`` against ``F``, its LD agreement with ``F`` (Pearson r
   of r^2 over pairs of nearby SNPs) and its allele-frequency agreement with the training data;
3. at evenly spaced points of training the model draws as many haplotypes as the validation
   set holds (a fixed seed, so the draws differ only through the weights) and the same three
   numbers are measured for them against ``F``.  The *validation loss* is

   ``(|AA_truth - AA_truth_ref| + |AA_syn - AA_syn_ref|) / 0.2 + max(0, 1 - LD / LD_ref) / 0.1
   + max(0, AF_ref - AF) / 0.02``

   -- each shortfall in units of the tolerance the book judges AGs by (AATS components within
   0.2 of a real sample's, LD r at least 0.9 of its, AF r 0.98 or more), so no term drowns the
   others; zero when the model's haplotypes sit among the training haplotypes as a new real
   sample would, with its LD and allele frequencies.  Copying the training data drives AATS below the reference (the
   first two terms see it); noise or collapse drive it above; missing LD shows in the third.
4. the state with the lowest loss is kept and put back at the end; training stops early after
   ``patience`` evaluations without improvement.

Every evaluation is written to ``model.history`` (columns ``ckpt_loss``, ``ckpt_aa_truth``,
``ckpt_aa_syn``, ``ckpt_aats``, ``ckpt_ld_r``, ``ckpt_af_r`` and the reference values ``ref_*``), so a chapter can
draw the curve; ``model.best_epoch`` names the epoch kept.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import torch

__all__ = ["ValidationMonitor", "split_validation", "validation_loss"]

MIN_TRAIN_FOR_VALIDATION = 200
MIN_VALIDATION = 50
MAX_VALIDATION = 500
# LD agreement is measured over windows of this many consecutive SNPs (LD is local: pairs of
# distant SNPs carry r^2 ~ 0 and would only add noise), at most this many windows.
LD_WINDOW = 100
LD_WINDOWS = 4


def split_validation(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Row indices ``(fit, validation)`` for ``n`` training haplotypes, or None when there are too
    few to spare any.  Seeded by ``seed`` (its own stream: the model's training draws are unchanged
    by it).

    Parameters
    ----------
    n : int
        Number of training haplotypes.
    fraction : float
        Share of them to hold out; the count is rounded and kept between 50 and 500. ``0`` or
        less holds out nothing.
    seed : int
        Seed of the split.

    Returns
    -------
    tuple of two numpy.ndarray, or None
        ``(fit, validation)``: the sorted row indices to train on and those held out (disjoint,
        together all ``n`` rows); ``None`` when ``fraction <= 0`` or ``n`` is below 200.

    Examples
    --------
    >>> fit, val = split_validation(300, 0.2, seed=0)
    >>> len(fit), len(val), val[:5].tolist()
    (240, 60, [0, 2, 4, 13, 16])
    >>> split_validation(100, 0.2, seed=0) is None
    True
    """
    if fraction <= 0 or n < MIN_TRAIN_FOR_VALIDATION:
        return None
    n_val = int(min(MAX_VALIDATION, max(MIN_VALIDATION, round(fraction * n))))
    rng = np.random.default_rng([int(seed), 0x5EED_CAFE])
    perm = rng.permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _ld_windows(n_snps: int) -> list[slice]:
    if n_snps <= LD_WINDOW:
        return [slice(0, n_snps)]
    k = min(LD_WINDOWS, n_snps // LD_WINDOW)
    starts = np.linspace(0, n_snps - LD_WINDOW, k).astype(int)
    return [slice(int(s), int(s) + LD_WINDOW) for s in starts]


def _r2_upper(X: np.ndarray) -> np.ndarray:
    """r^2 of every pair of columns of X (i < j), as a flat array; NaN where a column is fixed."""
    Xf = X.astype(np.float64)
    Xc = Xf - Xf.mean(0)
    sd = np.sqrt((Xc * Xc).mean(0))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (Xc.T @ Xc) / X.shape[0] / np.outer(sd, sd)
    iu = np.triu_indices(X.shape[1], 1)
    return (r * r)[iu]


def _window_r2(X: np.ndarray, windows: list[slice]) -> np.ndarray:
    return np.concatenate([_r2_upper(X[:, w]) for w in windows])


def _ld_r(a: np.ndarray, other: np.ndarray, windows: list[slice]) -> float:
    """Pearson r between the reference's pairwise r^2 ``a`` (from :func:`_window_r2`) and ``other``'s."""
    b = _window_r2(other, windows)
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or a[ok].std() == 0 or b[ok].std() == 0:
        return 0.0
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def _af_r(ref: np.ndarray, other: np.ndarray) -> float:
    p, q = ref.mean(0), other.mean(0)
    if p.std() == 0 or q.std() == 0:
        return 0.0
    return float(np.corrcoef(p, q)[0, 1])


# the tolerances that scale the terms of the validation loss (see the module docstring)
AATS_COMPONENT_TOL, LD_RATIO_TOL, AF_TOL = 0.2, 0.1, 0.02


def validation_loss(aa_truth: float, aa_syn: float, ld_r: float, af_r: float, ref: dict[str, float]) -> float:
    """The rule of :mod:`artgen_lite.models.checkpoint` (lower is better, 0 = like a new real sample).

    ``(|aa_truth - ref aa_truth| + |aa_syn - ref aa_syn|) / 0.2 + max(0, 1 - ld_r / ref ld_r) / 0.1
    + max(0, ref af_r - af_r) / 0.02``; the LD term is 0 when the reference's ``ld_r`` is not
    positive.

    Parameters
    ----------
    aa_truth, aa_syn : float
        The AATS components of the model's haplotypes against the training subsample.
    ld_r : float
        Pearson r of their pairwise r^2 with the training subsample's.
    af_r : float
        Pearson r of their allele frequencies with the training data's.
    ref : dict of str to float
        The same four numbers for the held-out real haplotypes, under the keys ``"aa_truth"``,
        ``"aa_syn"``, ``"ld_r"`` and ``"af_r"``.

    Returns
    -------
    float
        The validation loss: each shortfall in units of its tolerance, summed.

    Examples
    --------
    >>> ref = {"aa_truth": 0.5, "aa_syn": 0.5, "ld_r": 0.8, "af_r": 0.99}
    >>> validation_loss(0.5, 0.5, 0.8, 0.99, ref)
    0.0
    >>> round(validation_loss(0.6, 0.45, 0.72, 0.98, ref), 3)
    2.25
    """
    ld_short = max(0.0, 1.0 - ld_r / ref["ld_r"]) if ref["ld_r"] > 0 else 0.0
    return ((abs(aa_truth - ref["aa_truth"]) + abs(aa_syn - ref["aa_syn"])) / AATS_COMPONENT_TOL
            + ld_short / LD_RATIO_TOL + max(0.0, ref["af_r"] - af_r) / AF_TOL)


class ValidationMonitor:
    """Scores a model's samples against held-out training haplotypes during ``fit`` and keeps
    the best state (see the module docstring).  Made by :meth:`GenerativeModel.fit`."""

    def __init__(self, X_fit: np.ndarray, X_val: np.ndarray, *, n_evals: int, patience: int | None,
                 seed: int) -> None:
        from ..metrics import aats  # late import: metrics imports nothing from models

        self._aats = aats
        rng = np.random.default_rng([int(seed), 0xF17])
        n_val = X_val.shape[0]
        self.val = X_val
        self.fit_sub = X_fit[np.sort(rng.choice(X_fit.shape[0], n_val, replace=False))]
        self.fit_af = X_fit
        self.windows = _ld_windows(X_fit.shape[1])
        self.fit_r2 = _window_r2(self.fit_sub, self.windows)  # computed once, used at every evaluation
        r = aats(self.fit_sub, self.val)
        self.ref = {"aa_truth": float(r.aa_truth), "aa_syn": float(r.aa_syn),
                    "ld_r": _ld_r(self.fit_r2, self.val, self.windows),
                    "af_r": _af_r(self.fit_af, self.val)}
        self.n_evals = max(1, int(n_evals))
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, Any] | None = None
        self.since_best = 0
        self.sample_seed = int(seed) + 7919

    def eval_epochs(self, epochs: int) -> set[int]:
        """The epochs (1-based) after which the model is scored: evenly spaced, the last included."""
        k = min(self.n_evals, epochs)
        return {int(round(epochs * (i + 1) / k)) for i in range(k)}

    def score(self, S: np.ndarray) -> dict[str, float]:
        r = self._aats(self.fit_sub, S)
        out = {"ckpt_aa_truth": float(r.aa_truth), "ckpt_aa_syn": float(r.aa_syn),
               "ckpt_aats": float(r.aats), "ckpt_ld_r": _ld_r(self.fit_r2, S, self.windows),
               "ckpt_af_r": _af_r(self.fit_af, S)}
        out["ckpt_loss"] = validation_loss(out["ckpt_aa_truth"], out["ckpt_aa_syn"], out["ckpt_ld_r"],
                                          out["ckpt_af_r"], self.ref)
        out.update({f"ref_{k}": v for k, v in self.ref.items()})
        return out

    def evaluate(self, model, epoch: int) -> tuple[dict[str, float], bool]:
        """Score ``model`` now; keep its state if it is the best so far.  Returns the scores and
        whether training should stop (``patience`` evaluations without improvement)."""
        model._before_checkpoint()
        gen = torch.Generator().manual_seed(self.sample_seed)
        with torch.no_grad():
            S = model._sample(self.val.shape[0], gen).to(torch.uint8).cpu().numpy()
        scores = self.score(S)
        if scores["ckpt_loss"] < self.best_loss:
            self.best_loss = scores["ckpt_loss"]
            self.best_epoch = int(epoch)
            self.best_state = _snapshot(model)
            self.since_best = 0
        else:
            self.since_best += 1
        stop = self.patience is not None and self.since_best >= self.patience
        return scores, stop

    def restore(self, model) -> None:
        """Put the best state back into ``model``."""
        if self.best_state is not None:
            _restore(model, self.best_state)


def _snapshot(model) -> dict[str, Any]:
    state = {}
    for name, mod in model._modules().items():
        if isinstance(mod, torch.nn.Module):
            state[name] = copy.deepcopy(mod.state_dict())
        elif isinstance(mod, torch.Tensor):
            state[name] = mod.detach().clone()
    state["__extra__"] = copy.deepcopy(model._extra_state())
    return state


def _restore(model, state: dict[str, Any]) -> None:
    for name, mod in model._modules().items():
        if isinstance(mod, torch.nn.Module):
            mod.load_state_dict(state[name])
        elif isinstance(mod, torch.Tensor):
            with torch.no_grad():
                mod.copy_(state[name])
    model._load_extra_state(state["__extra__"])
