"""Design by activation maximisation ("plug and play"): gradient ascent on a predictor's output,
over the GAN's latent vector (:func:`design_latent`, designs stay on the generator's learned
manifold) or directly over a relaxed sequence (:func:`design_sequence`, the no-generator
baseline, which nothing keeps realistic).

Explained in chapter 08 (notebooks/08_designing_dna).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from ..validation import check_positive_int
from .alphabet import decode, one_hot
from .design import DNAWGAN
from .design_predictor import CNNPredictor

__all__ = ["DesignResult", "design_latent", "design_sequence"]


@dataclass
class DesignResult:
    """Outcome of a design run.

    ``sequences``: the designed windows (argmax of the final relaxed sequences);
    ``start``: the windows the run started from; ``trace``: a DataFrame with one row per
    recorded step: ``step``, ``pred_relaxed`` (mean prediction on what is optimised, the
    softmax matrices), ``pred_onehot`` (mean prediction on the argmax sequences) and ``true``
    (mean exact property of the argmax sequences, when a ``true_property`` was given);
    ``params``: the final latent vectors or logits; ``snapshots``: ``{step: sequences}``, the
    argmax sequences at every recorded step (to score realism along the way).

    Explained in chapter 08 (notebooks/08_designing_dna).
    """

    sequences: list[str]
    start: list[str]
    trace: pd.DataFrame
    params: np.ndarray = field(repr=False)
    snapshots: dict[int, list[str]] = field(default_factory=dict, repr=False)


def _run_design(make_x: Callable[[], torch.Tensor], param: torch.Tensor, predictor: CNNPredictor,
                steps: int, lr: float, noise: float, prior_weight: float, gen: torch.Generator,
                record_every: int, true_property: Callable | None, progress: bool, desc: str) -> DesignResult:
    if predictor.net is None:
        raise RuntimeError("the predictor is not trained yet: call predictor.fit(X, y) first")
    steps = check_positive_int(steps, "steps")
    record_every = check_positive_int(record_every, "record_every")
    if not lr > 0:
        raise ValueError(f"lr must be positive; got {lr!r}")
    net = predictor.net
    net.requires_grad_(False)
    opt = torch.optim.Adam([param], lr=lr)
    rows, snapshots = [], {}

    def record(step: int, x: torch.Tensor, pred: torch.Tensor) -> None:
        hard = torch.from_numpy(np.eye(4, dtype=np.float32)[x.argmax(2).numpy()])
        snapshots[step] = decode(hard)
        row = {"step": step, "pred_relaxed": float(pred.mean()), "pred_onehot": float(net(hard).mean())}
        if true_property is not None:
            row["true"] = float(np.mean(true_property(hard.numpy())))
        rows.append(row)

    with torch.no_grad():
        x0 = make_x()
    start = decode(x0)
    for step in tqdm(range(steps + 1), desc=desc, disable=not progress, unit="step"):
        x = make_x()
        pred = net(x)
        if step % record_every == 0 or step == steps:
            with torch.no_grad():
                record(step, x.detach(), pred.detach())
        if step == steps:
            break
        loss = -pred.mean()
        if prior_weight:
            loss = loss + prior_weight * (param**2).sum(1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if noise:
            param.grad.add_(noise * torch.randn(param.shape, generator=gen))
        opt.step()
    with torch.no_grad():
        final = make_x()
    return DesignResult(sequences=decode(final), start=start, trace=pd.DataFrame(rows),
                        params=param.detach().numpy().copy(), snapshots=snapshots)


def design_latent(gan: DNAWGAN, predictor: CNNPredictor, n: int = 64, *, steps: int = 300, lr: float = 0.1,
                  noise: float = 1e-5, prior_weight: float = 0.0, seed: int = 0, z0: torch.Tensor | None = None,
                  record_every: int = 10, true_property: Callable | None = None,
                  progress: bool = True) -> DesignResult:
    """"Plug and play" design: gradient ascent on the predictor's output over the latent ``z``.

    ``z`` starts at ``z0`` or ``N(0, I)`` draws (seed ``seed``); each step feeds the generator's
    softmax output ``G(z)`` to the predictor, and Adam (step ``lr``, 0.1 as in the original)
    moves ``z`` to raise the mean prediction, with Gaussian noise of scale ``noise`` added to the
    gradient and an optional prior term ``prior_weight * |z|**2``.  The generator is frozen.
    ``true_property(onehot)`` (e.g. :func:`artgen_lite.dna.sequence.cpg_count`) is recorded along the way.

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    gan : DNAWGAN
        A fitted generator (frozen during the run).
    predictor : CNNPredictor
        A trained predictor; its output is maximised.
    n : int, default 64
        Number of designs (ignored when ``z0`` is given).
    steps : int, default 300
        Adam steps.
    lr : float, default 0.1
        Adam step size.
    noise : float, default 1e-5
        Scale of the Gaussian noise added to the gradient.
    prior_weight : float, default 0.0
        Weight of the prior term ``|z|**2`` in the loss.
    seed : int, default 0
        Seed of the starting ``z`` and of the noise.
    z0 : torch.Tensor, optional
        Starting latent vectors ``(n, latent_dim)``.
    record_every : int, default 10
        Record a trace row and a snapshot every ``record_every`` steps (and at the last).
    true_property : callable, optional
        ``true_property(onehot)`` gives the exact property of ``(n, L, 4)`` one-hot arrays.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    DesignResult
        The designed windows, the start, the trace, the final ``z`` and the snapshots.

    Examples
    --------
    >>> from artgen_lite.dna.alphabet import decode
    >>> from artgen_lite.dna.design import DNAWGAN
    >>> from artgen_lite.dna.design_predictor import CNNPredictor
    >>> from artgen_lite.dna.sequence import cpg_count
    >>> X = decode(np.random.default_rng(0).integers(0, 4, (16, 12)).astype(np.int8))
    >>> gan = DNAWGAN(iterations=1, n_critic=1, latent_dim=4, channels=4, blocks=0, batch_size=8,
    ...               device="cpu").fit(X, progress=False)
    >>> predictor = CNNPredictor(filters=4, width=3, hidden=4, epochs=1).fit(X, cpg_count(X), progress=False)
    >>> result = design_latent(gan, predictor, n=3, steps=4, record_every=2, true_property=cpg_count,
    ...                        progress=False)
    >>> len(result.sequences), result.params.shape, result.trace["step"].tolist()
    (3, (3, 4), [0, 2, 4])
    """
    gan._require_fitted()
    gen = torch.Generator().manual_seed(int(seed))
    if z0 is None:
        z0 = torch.randn(check_positive_int(n, "n"), gan.latent_dim, generator=gen)
    z = z0.detach().clone().float().requires_grad_(True)
    gan.generator.requires_grad_(False)
    try:
        return _run_design(lambda: gan.generate(z), z, predictor, steps, lr, noise, prior_weight, gen,
                           record_every, true_property, progress, "latent design")
    finally:
        gan.generator.requires_grad_(True)


def design_sequence(predictor: CNNPredictor, start: Any, *, steps: int = 300, lr: float = 0.1,
                    noise: float = 1e-5, seed: int = 0, record_every: int = 10,
                    true_property: Callable | None = None, progress: bool = True) -> DesignResult:
    """Direct design without a generator: gradient ascent on a relaxed sequence.

    The sequence is ``softmax(logits)`` over the four bases at each position, so it stays a
    probability matrix; ``logits`` start at ``log(start)`` (``start``: strings, one-hot or
    probability arrays ``(n, L, 4)``, e.g. the generator's outputs, so both kinds of design
    start from the same windows) and Adam moves them to raise the mean prediction.  Nothing
    keeps the result looking like real DNA.  (The original's "nogen" baseline optimises an
    unconstrained matrix directly.)

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    predictor : CNNPredictor
        A trained predictor; its output is maximised.
    start : str, list of str or array-like
        The starting windows: DNA strings, one-hot or probability arrays ``(n, L, 4)``.
    steps : int, default 300
        Adam steps.
    lr : float, default 0.1
        Adam step size.
    noise : float, default 1e-5
        Scale of the Gaussian noise added to the gradient.
    seed : int, default 0
        Seed of the noise.
    record_every : int, default 10
        Record a trace row and a snapshot every ``record_every`` steps (and at the last).
    true_property : callable, optional
        ``true_property(onehot)`` gives the exact property of ``(n, L, 4)`` one-hot arrays.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    DesignResult
        The designed windows, the start, the trace, the final logits ``(n, L, 4)`` and the
        snapshots.

    Examples
    --------
    >>> from artgen_lite.dna.alphabet import decode
    >>> from artgen_lite.dna.design_predictor import CNNPredictor
    >>> from artgen_lite.dna.sequence import cpg_count
    >>> X = decode(np.random.default_rng(0).integers(0, 4, (16, 12)).astype(np.int8))
    >>> predictor = CNNPredictor(filters=4, width=3, hidden=4, epochs=1).fit(X, cpg_count(X), progress=False)
    >>> result = design_sequence(predictor, X[:3], steps=4, record_every=2, progress=False)
    >>> result.start == X[:3], result.params.shape, result.trace["step"].tolist()
    (True, (3, 12, 4), [0, 2, 4])
    """
    if isinstance(start, (np.ndarray, torch.Tensor)) and np.ndim(start) == 3:
        p = torch.as_tensor(np.asarray(start), dtype=torch.float32)
        if p.shape[2] != 4 or (p < 0).any():
            raise ValueError(f"start must be probabilities of shape (n, L, 4); got shape {tuple(p.shape)}")
    else:
        p = torch.from_numpy(one_hot(start, "start")).float()
    logits = torch.log(p.clamp_min(1e-3)).requires_grad_(True)
    gen = torch.Generator().manual_seed(int(seed))
    return _run_design(lambda: torch.softmax(logits, dim=2), logits, predictor, steps, lr, noise, 0.0, gen,
                       record_every, true_property, progress, "direct design")
