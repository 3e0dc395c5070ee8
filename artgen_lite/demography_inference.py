"""GAN-like inference of demographic parameters, after pg-gan (Wang et al. 2021).

Explained in the chapter "Evolutionary parameters with a GAN-like search"
(notebooks/11_evolutionary_inference).

The *generator* is not a neural network but a coalescent simulator (msprime): given demographic
parameters ``theta`` it draws genomic regions, each turned into a fixed-shape array of
``n_haplotypes x n_snps x 2`` (channel 0: the alleles, minor = +1 and major = -1, padding = 0;
channel 1: the distance from each SNP to the previous one, in units of ``length / n_snps``).
The *discriminator* is a small convolutional network that looks at one region at a time and is
invariant to the order of the haplotypes (convolutions along the SNPs of each haplotype, then a
sum over haplotypes). The search changes ``theta`` by simulated annealing, keeping proposals whose
simulated regions the discriminator takes for real ones, and trains the discriminator a little
more in every iteration. At the truth the discriminator can do no better than chance (50 %).

Layout and search follow the authors' code (``mathiesonlab/pg-gan``: ``util.process_gt_dist``,
``discriminators.OnePopModel``, ``pg_gan.simulated_annealing``), scaled down for a laptop; the
differences are listed in :class:`PGGANSearch`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

# the discriminator and its training live in their own module; re-exported here (public API)
from .demography_discriminator import HaplotypeDiscriminator, _Trainer, accuracy_scan, discriminator_accuracy

# parameters, models and regions (the generator side) live in demography_simulation; re-exported here
from . import demography_simulation
from .demography_simulation import MODELS, Parameter, RegionSimulator, encode_region, real_regions
from .atomic import atomic_write

__all__ = [
    *demography_simulation.__all__,  # Parameter, MODELS, RegionSimulator, encode_region, real_regions
    "HaplotypeDiscriminator",
    "discriminator_accuracy",
    "accuracy_scan",
    "PGGANSearch",
    "InferenceResult",
    "relative_errors",
]


# --------------------------------------------------------------------------------------------
# The search and its result
# --------------------------------------------------------------------------------------------


def relative_errors(estimates: Mapping[str, float], truth: Mapping[str, float]) -> dict[str, float]:
    """``|estimate - truth| / truth`` for each parameter present in both (chapter 11_evolutionary_inference).

    Parameters
    ----------
    estimates, truth : mapping of str to float
        Estimated and true parameter values.

    Returns
    -------
    dict of str to float
        One relative error per shared name.

    Examples
    --------
    >>> relative_errors({"N": 12_000, "T": 500}, {"N": 10_000})
    {'N': 0.2}
    """
    return {k: abs(float(estimates[k]) - float(truth[k])) / abs(float(truth[k])) for k in estimates if k in truth}


@dataclass
class InferenceResult:
    """What a :class:`PGGANSearch` run returns (explained in chapter 11_evolutionary_inference).

    ``estimates``: the inferred parameters (the state at the last iteration, as in pg-gan);
    ``start``: where the search started; ``fixed``: parameters held at known values;
    ``history``: one dict per iteration (``iteration``, ``temperature``, parameter values,
    ``loss`` = generator loss of the current parameters, ``accepted``, and the discriminator's
    ``real_accuracy``, ``fake_accuracy`` and their mean ``accuracy``, measured on new batches);
    ``settings``; ``seconds``; ``n_simulated`` (regions simulated in all); ``discriminator``
    (the trained network, not saved by :meth:`save`).
    """

    estimates: dict
    start: dict
    fixed: dict
    history: list
    settings: dict
    seconds: float
    n_simulated: int
    discriminator: Any = field(default=None, repr=False)

    def history_frame(self) -> pd.DataFrame:
        """The history as a DataFrame, one row per iteration (row 0: the start, after pretraining)."""
        return pd.DataFrame(self.history)

    def relative_errors(self, truth: Mapping[str, float]) -> dict[str, float]:
        """Relative error of each estimate against ``truth``.

        Parameters
        ----------
        truth : mapping of str to float
            True values, e.g. of a simulated target.

        Returns
        -------
        dict of str to float
            ``|estimate - truth| / truth`` by parameter.
        """
        return relative_errors(self.estimates, truth)

    def save(self, path) -> Path:
        """Write the result (without the discriminator) as JSON, atomically.

        Parameters
        ----------
        path : str or os.PathLike
            A ``.json`` file.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = ("estimates", "start", "fixed", "history", "settings", "seconds", "n_simulated")
        payload = {k: getattr(self, k) for k in keys}
        with atomic_write(path) as fh:
            json.dump(payload, fh, indent=1, default=float)
        return path

    @classmethod
    def load(cls, path) -> "InferenceResult":
        """Read a result written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.

        Returns
        -------
        InferenceResult
            The result, without a discriminator.
        """
        with open(path) as fh:
            return cls(**json.load(fh))


class PGGANSearch:
    """Simulated-annealing search over demographic parameters against a discriminator (pg-gan).

    Explained in chapter 11_evolutionary_inference. ``PGGANSearch(simulator, **settings).fit(real)``
    returns an :class:`InferenceResult`. ``real`` is an array of encoded real regions (from
    :func:`~artgen_lite.demography_simulation.real_regions`, or simulated targets from
    :meth:`~artgen_lite.demography_simulation.RegionSimulator.simulate`). The defaults
    are a short search for a CPU (pg-gan's own values are named below); chapter 11 passes a
    smaller budget still at its course scale.

    The loop, as in pg-gan's ``simulated_annealing``:

    1. *Pretraining*: for up to ``pretrain_starts`` random starting points (log-uniform within
       the bounds; or only the given ``start``), train the discriminator ``pretrain_steps``
       minibatches on real regions against simulations at that point, stopping early once it
       reaches 90 % accuracy; begin where it reached the highest accuracy (pg-gan: up to 10
       points, 800 minibatches each).
    2. For ``n_iterations`` iterations, with temperature ``T = 1 - i / n_iterations``: for each
       inferred parameter, ``proposals`` new values of that parameter alone (log-normal steps of
       sd ``T * step * log(high / low)``); each is scored by the *generator loss*, the
       cross-entropy of ``eval_size`` regions simulated there when labelled "real" (low = the
       discriminator takes them for real). The best proposal is accepted if its loss is no
       higher than the current one, otherwise with probability ``T * loss_current / loss_best``.
    3. The discriminator then trains ``train_steps`` more minibatches (``batch_size`` real +
       ``batch_size`` simulated regions) at the current parameters.

    Differences from pg-gan, for short runs (each can be switched back):

    * ``train_always=True``: the discriminator trains in every iteration; pg-gan trains it only
      after an accepted move (100 minibatches), which leaves a weak discriminator stuck when few
      minibatches are affordable.
    * ``refresh_loss=True``: the current parameters' loss is measured again after training, on
      new simulations, so proposals and the current point are scored by the same discriminator;
      pg-gan keeps the loss from before retraining.
    * ``step``: pg-gan's width is 1/15 of the range, made for 300 iterations; shorter searches
      need wider steps. Steps are on the log scale. No entropy term is added to the loss.

    Each iteration records the discriminator's accuracy on ``eval_size`` real regions and on the
    ``eval_size`` new simulations at the current parameters (``history``).
    """

    def __init__(
        self,
        simulator: RegionSimulator,
        *,
        infer: Sequence[str] | None = None,
        n_iterations: int = 12,
        proposals: int = 3,
        step: float = 0.3,
        batch_size: int = 32,
        eval_size: int = 24,
        train_steps: int = 10,
        pretrain_starts: int = 3,
        pretrain_steps: int = 20,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 128,
        dropout: float = 0.5,
        lr: float = 1e-3,
        train_always: bool = True,
        refresh_loss: bool = True,
        seed: int = 0,
    ):
        self.simulator = simulator
        infer = list(simulator.names if infer is None else infer)
        if not infer:
            raise ValueError("infer must name at least one parameter")
        for name in infer:
            simulator.parameter(name)
        if len(set(infer)) != len(infer):
            raise ValueError(f"infer names a parameter twice: {infer}")
        for name, v in dict(n_iterations=n_iterations, proposals=proposals, batch_size=batch_size, eval_size=eval_size,
                            pretrain_starts=pretrain_starts, pretrain_steps=pretrain_steps).items():
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if isinstance(train_steps, bool) or not isinstance(train_steps, (int, np.integer)) or train_steps < 0:
            raise ValueError(f"train_steps must be a non-negative integer, got {train_steps!r}")
        if not (isinstance(step, (int, float)) and 0 < step <= 1):
            raise ValueError(f"step must be in (0, 1], got {step!r}")
        self.infer = infer
        self.settings = dict(infer=infer, n_iterations=int(n_iterations), proposals=int(proposals), step=float(step),
                             batch_size=int(batch_size), eval_size=int(eval_size), train_steps=int(train_steps),
                             pretrain_starts=int(pretrain_starts), pretrain_steps=int(pretrain_steps),
                             channels=list(channels), hidden=int(hidden), dropout=float(dropout), lr=float(lr),
                             train_always=bool(train_always), refresh_loss=bool(refresh_loss), seed=int(seed),
                             simulator=simulator.settings())

    def fit(self, real: np.ndarray, *, start: Mapping[str, float] | None = None, progress: bool = True,
            desc: str = "pg-gan search") -> InferenceResult:
        """Run the search on encoded real regions ``real``; ``start`` skips the random starting points.

        Parameters
        ----------
        real : numpy.ndarray, shape (n_regions, n_haplotypes, n_snps, 2)
            Encoded real regions.
        start : mapping of str to float, optional
            Starting parameters.
        progress : bool, optional
            Show a tqdm bar over the iterations.
        desc : str, optional
            Its label.

        Returns
        -------
        InferenceResult
            Estimates, history and the trained discriminator.
        """
        from tqdm import tqdm

        s = self.settings
        sim = self.simulator
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s["seed"])  # dropout masks
            tr = _Trainer(real, sim, batch_size=s["batch_size"], channels=s["channels"], hidden=s["hidden"],
                          dropout=s["dropout"], lr=s["lr"], seed=s["seed"])
            params = [sim.parameter(n) for n in self.infer]
            fixed = {k: v for k, v in sim.check({}).items() if k not in self.infer}  # defaults and sim.fixed

            # 1. pretraining on one or several starting points
            if start is not None:
                start_full = sim.check(start)
                candidates = [{p.name: start_full[p.name] for p in params}]
            else:
                candidates = [{p.name: p.random(tr.rng) for p in params} for _ in range(s["pretrain_starts"])]
            best, best_acc = candidates[0], -1.0
            for cand in candidates:
                ra, fa = tr.train({**fixed, **cand}, s["pretrain_steps"])
                if (ra + fa) / 2 > best_acc:
                    best, best_acc = cand, (ra + fa) / 2
                if best_acc >= 0.9:  # pg-gan stops trying new starting points here
                    break
            current = dict(best)
            start_point = dict(best)
            loss_cur, fake_acc = tr.generator_loss({**fixed, **current}, s["eval_size"])
            real_acc = tr.real_accuracy(k=s["eval_size"])
            history = [dict(iteration=0, temperature=1.0, **current, loss=loss_cur, accepted=False,
                            real_accuracy=real_acc, fake_accuracy=fake_acc, accuracy=(real_acc + fake_acc) / 2)]

            # 2-3. annealing
            n_it = s["n_iterations"]
            bar = tqdm(range(n_it), desc=desc, disable=not progress)
            for i in bar:
                T = 1 - i / n_it
                best_prop, loss_best = None, float("inf")
                for p in params:
                    for _ in range(s["proposals"]):
                        prop = dict(current)
                        prop[p.name] = p.propose(current[p.name], T, tr.rng, s["step"])
                        loss, _ = tr.generator_loss({**fixed, **prop}, s["eval_size"])
                        if loss < loss_best:
                            best_prop, loss_best = prop, loss
                p_accept = 1.0 if loss_best <= loss_cur else T * loss_cur / loss_best
                accepted = bool(tr.rng.random() < p_accept)
                if accepted:
                    current, loss_cur = best_prop, loss_best
                if accepted or s["train_always"]:
                    tr.train({**fixed, **current}, s["train_steps"])
                if s["refresh_loss"]:
                    loss_cur, fake_acc = tr.generator_loss({**fixed, **current}, s["eval_size"])
                else:
                    _, fake_acc = tr.generator_loss({**fixed, **current}, s["eval_size"])
                real_acc = tr.real_accuracy(k=s["eval_size"])
                acc = (real_acc + fake_acc) / 2
                history.append(dict(iteration=i + 1, temperature=T, **current, loss=loss_cur, accepted=accepted,
                                    real_accuracy=real_acc, fake_accuracy=fake_acc, accuracy=acc))
                bar.set_postfix(acc=f"{acc:.2f}", **{k: f"{v:.3g}" for k, v in current.items()})
        return InferenceResult(estimates=dict(current), start=start_point, fixed=fixed, history=history,
                               settings=dict(s), seconds=time.perf_counter() - t0, n_simulated=tr.n_simulated,
                               discriminator=tr.D)
