"""Conditional RBM for long genomic regions (chapter "Long genomic regions", 06_long_regions).

A fully connected model of a long region needs a weight for every (hidden unit, SNP) pair and
enough hidden units to describe the whole region at once.  Yelmen et al. (2023) instead cut the
region into **overlapping windows** and train one RBM per window, the *conditional RBM*
(CRBM) recipe of their ``CRBM_run.py``:

* window 0 is an ordinary RBM;
* in every later window the first SNPs -- those it shares with the previous window -- are
  **pinned** (clamped): during training to the real haplotype's values (the negative chains of
  a minibatch start from that minibatch's overlap and never change it), during generation to
  what the previous window generated.  The RBM therefore learns ``p(new SNPs | overlap)``;
* every window is trained with the out-of-equilibrium "Rdm-k" recipe (negative chains restart
  from random Bernoulli(0.5) states at every minibatch and run exactly ``k`` Gibbs steps) and
  the centred gradient, reusing :class:`artgen_lite.models.RBM`;
* generation chains the windows: window 0 from random starts for ``k`` steps, then each next
  window with its overlap pinned to the output so far and its new SNPs started at random,
  ``k`` steps, until the region is covered.

Windows are trained independently (each on real data), so the cost grows linearly with the
region's length, and a Gibbs step only touches the new SNPs of a window (the pinned SNPs'
input to the hidden layer is computed once per chain).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from .base import GenerativeModel, _check_positive_int, check_haplotypes
from .rbm import RBM

__all__ = ["CRBM", "window_layout"]


def window_layout(n_snps: int, window: int, overlap: int) -> list[tuple[int, int, int]]:
    """The windows covering ``n_snps`` SNPs: a list of ``(start, stop, n_pinned)``.

    Windows of ``window`` SNPs start every ``window - overlap`` SNPs; window ``i > 0`` pins the
    SNPs it shares with window ``i - 1`` (``overlap`` of them).  When the last window would run
    past the end it is shifted left to end exactly at ``n_snps`` (it then pins more than
    ``overlap`` SNPs); a region shorter than ``window`` is one window.  Any length works.

    Explained in chapter 06_long_regions.

    Parameters
    ----------
    n_snps : int
        SNPs of the region.
    window : int
        SNPs per window.
    overlap : int
        SNPs a window shares with the previous one (``0 <= overlap < window``).

    Returns
    -------
    list of tuple of (int, int, int)
        One ``(start, stop, n_pinned)`` per window, in order: its columns are
        ``start:stop`` and its first ``n_pinned`` SNPs are pinned (0 for window 0).

    Examples
    --------
    >>> window_layout(10, 4, 1)
    [(0, 4, 0), (3, 7, 1), (6, 10, 1)]
    >>> window_layout(9, 4, 1)  # the last window shifted left: it pins 2 SNPs
    [(0, 4, 0), (3, 7, 1), (5, 9, 2)]
    >>> window_layout(3, 4, 1)
    [(0, 3, 0)]
    """
    n_snps = _check_positive_int(n_snps, "n_snps")
    window = _check_positive_int(window, "window")
    if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or not 0 <= overlap < window:
        raise ValueError(f"overlap must be an integer with 0 <= overlap < window ({window}); got {overlap!r}")
    if n_snps <= window:
        return [(0, n_snps, 0)]
    out = [(0, window, 0)]
    while out[-1][1] < n_snps:
        prev_start, prev_stop, _ = out[-1]
        start = min(prev_start + window - int(overlap), n_snps - window)
        out.append((start, start + window, prev_stop - start))
    return out


def _seed_for(seed: int, i: int) -> int:
    """A separate, reproducible seed for window ``i`` (windows can be trained in any order)."""
    return int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, i]).generate_state(1)[0])


class CRBM(GenerativeModel):
    """Conditional RBM: a chain of RBMs over overlapping windows, each trained with Rdm-k.

    Parameters (keyword only; the defaults are the course-scale settings.  On the 4095-SNP
    LCT window around rs4988235, 4004 training haplotypes, they train in about 5 minutes on
    one thread of a busy 2-core laptop (289 s measured at load average ~5) and give AATS
    0.57 (AA_truth 0.75, AA_syn 0.38; held-out real haplotypes score 0.30 because of ties),
    privacy loss -0.006, black-box / white-box MIA AUC 0.49 / 0.50, AF r 1.00, LD r 0.88.
    The 2023 code uses lr 1e-3, k 50, 2000 hidden units and 20,000 epochs on GPUs; with
    ~100x fewer updates here, a large learning rate (stable thanks to the centred
    gradient), decayed linearly, learns the most per CPU second.)
    ----------
    window : int, default 512
        SNPs per window (the last window is shifted to end at the last SNP).
    overlap : int, default 256
        SNPs a window shares with the previous one; they are pinned to the previous window's
        values (real ones in training, generated ones in generation).  Must be < ``window``.
    n_hidden : int, default 100
        Hidden units per window.
    k : int, default 5
        Gibbs steps of the Rdm-k negative chains, and of generation (10 was no better).
    centered : bool, default True
        Centred gradient of Yelmen et al. 2023.
    lr : float, default 2.0
        Learning rate (plain SGD on the centred gradient).
    epochs : int or None, default None
        Passes over the training data, per window; ``None`` means as many as ``steps`` needs.
    steps : int, default 5000
        Budget of updates per window when ``epochs`` is None (80 epochs of 4,004 haplotypes in
        minibatches of 64, and as many updates on any other cohort).
    batch_size : int, default 64
        Minibatch size = number of negative chains (each chain is pinned to one minibatch row).
    l2 : float, default 0.0
        L2 penalty on the weights.
    init_std : float, default 1e-4
        Standard deviation of the initial weights.
    lr_decay : bool, default True
        Decay the learning rate linearly from ``lr`` to ``lr / 10`` over the epochs.
    seed : int, default 0
        Seed of the initialisation, minibatch order and chains (one derived seed per window).
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device.

    Presets (:meth:`preset`): ``"smoke"`` (16 hidden units, k 2, 2 epochs) and ``"paper"``: the
    settings of Yelmen et al. 2023 (``CRBM_run.py``): lr 1e-3 without decay, k 50, 2000 hidden
    units, 20,000 epochs (trained on GPUs; ``device="auto"`` takes one).

    Beyond the shared face: ``windows`` (list of ``(start, stop, n_pinned)``; ``window_table()``
    as a DataFrame), ``rbms`` (the trained window RBMs), ``sample(n, seed, k=None)``,
    ``window_samples(n, seed)`` (each window's own output before stitching, to check the
    pinning), and ``free_energy(X, per_window=False)``: the sum over windows of the
    conditional free energy of each window's new SNPs given its pinned ones (lower = more
    probable), whose negative is the white-box membership-inference score.  ``history`` has
    one row per window and epoch (``window``, ``epoch``, ``recon_error``,
    ``free_energy_data``, ``free_energy_model``).

    Explained in chapter 06_long_regions.
    """

    _trains_in_epochs = False  # window by window: no epoch callback
    _presets = {
        "smoke": dict(n_hidden=16, k=2, epochs=2, batch_size=256),
        # Yelmen et al. 2023: lr 1e-3, k 50, 2000 hidden units, 20,000 epochs (GPUs)
        "paper": dict(lr=1e-3, k=50, n_hidden=2000, epochs=20_000, lr_decay=False),
    }

    def __init__(
        self,
        *,
        window: int = 512,
        overlap: int = 256,
        n_hidden: int = 100,
        k: int = 5,
        centered: bool = True,
        lr: float = 2.0,
        epochs: int | None = None,
        steps: int = 5000,
        batch_size: int = 64,
        l2: float = 0.0,
        init_std: float = 1e-4,
        lr_decay: bool = True,
        seed: int = 0,
        device: str = "auto",
    ) -> None:
        super().__init__(seed=seed, device=device)
        self.window = _check_positive_int(window, "window")
        if self.window < 2:
            raise ValueError(f"window must be at least 2 SNPs; got {window!r}")
        if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or not 0 <= overlap < self.window:
            raise ValueError(f"overlap must be an integer with 0 <= overlap < window ({self.window}); got {overlap!r}")
        self.overlap = int(overlap)
        self.n_hidden = _check_positive_int(n_hidden, "n_hidden")
        self.k = _check_positive_int(k, "k")
        self.centered = bool(centered)
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"lr must be positive; got {lr!r}")
        self.lr = float(lr)
        self.epochs = None if epochs is None else _check_positive_int(epochs, "epochs")
        self.steps = _check_positive_int(steps, "steps")
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        if not l2 >= 0:
            raise ValueError(f"l2 must be >= 0; got {l2!r}")
        self.l2 = float(l2)
        if not init_std >= 0:
            raise ValueError(f"init_std must be >= 0; got {init_std!r}")
        self.init_std = float(init_std)
        self.lr_decay = bool(lr_decay)
        self.windows: list[tuple[int, int, int]] = []
        self.rbms: list[RBM] = []

    # ------------------------------------------------------------------ structure
    def _window_rbm(self, width: int, i: int) -> RBM:
        rbm = RBM(
            n_hidden=self.n_hidden,
            hidden="bernoulli",
            method="rdm",
            k=self.k,
            centered=self.centered,
            lr=self.lr,
            epochs=self.epochs,
            batch_size=self.batch_size,
            l2=self.l2,
            init_std=self.init_std,
            seed=_seed_for(self.seed, i),
            device=self.device,
        )
        rbm.n_snps = width
        rbm._build(width)
        return rbm

    def _build(self, n_snps: int) -> None:
        self.windows = window_layout(n_snps, self.window, self.overlap)
        self.rbms = [self._window_rbm(stop - start, i) for i, (start, stop, _) in enumerate(self.windows)]

    def _modules(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for i, rbm in enumerate(self.rbms):
            out.update({f"W{i}": rbm.W, f"b{i}": rbm.b, f"c{i}": rbm.c})
        return out

    def window_table(self):
        """The window layout as a DataFrame: ``start``, ``stop``, ``n_pinned``, ``n_new``."""
        import pandas as pd

        self._require_fitted()
        return pd.DataFrame(
            [{"window": i, "start": a, "stop": b, "n_pinned": p, "n_new": b - a - p}
             for i, (a, b, p) in enumerate(self.windows)]
        ).set_index("window")

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        data = torch.from_numpy(X)
        n = data.shape[0]
        bs = min(self.batch_size, n)
        n_batches = max(1, math.ceil(n / bs))
        epochs = self._epochs_for(n_batches)
        bar = tqdm(total=len(self.windows) * epochs, desc="CRBM", disable=not progress, unit="epoch")
        try:
            for i, (start, stop, n_pin) in enumerate(self.windows):
                rbm = self.rbms[i]
                gen = torch.Generator().manual_seed(rbm.seed)
                d = data[:, start:stop].float().to(rbm.W.device)
                freq = d.mean(0).clamp(1e-5, 1 - 1e-5)
                with torch.no_grad():
                    rbm.b.copy_(torch.log(freq / (1 - freq)))
                    rbm.W.copy_(torch.randn(rbm.W.shape, generator=gen) * self.init_std)
                    rbm.c.zero_()
                for epoch in range(epochs):
                    if self.lr_decay:  # linear decay to lr / 10 at the last epoch
                        rbm.lr = self.lr * (1 - 0.9 * epoch / max(1, epochs - 1))
                    perm = torch.randperm(n, generator=gen)
                    recon = 0.0
                    for j in range(n_batches):
                        vpos = d[perm[j * bs : (j + 1) * bs]]
                        # Rdm-k: new SNPs restart at random, pinned SNPs = this minibatch's overlap
                        new = (torch.rand(vpos.shape[0], stop - start - n_pin, generator=gen) < 0.5).float()
                        vneg = torch.cat([vpos[:, :n_pin], new.to(vpos.device)], dim=1)
                        vneg = rbm.gibbs(vneg, self.k, gen, n_clamped=n_pin)
                        recon += rbm.learning_step(vpos, vneg) * vpos.shape[0]
                    fe_data = float(self._window_free_energy(i, d[perm[:bs]]).mean())
                    fe_model = float(self._window_free_energy(i, vneg).mean())
                    self.history.append(
                        {"window": i, "epoch": epoch + 1, "recon_error": recon / n,
                         "free_energy_data": fe_data, "free_energy_model": fe_model}
                    )
                    bar.update(1)
                    if self._out_of_time((i + 1) / len(self.windows)):
                        break  # this window's share of fit's time_limit is spent
                    bar.set_postfix(window=f"{i + 1}/{len(self.windows)}", recon=f"{recon / n:.3f}")
        finally:
            bar.close()

    # ------------------------------------------------------------------ generation
    def _chain(self, n: int, gen: torch.Generator, steps: int, out: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Generate window by window; returns each window's output (pinned part included)."""
        dev = self.rbms[0].W.device
        full = torch.empty(n, self.n_snps, device=dev) if out is None else out
        per_window = []
        for i, (start, stop, n_pin) in enumerate(self.windows):
            rbm = self.rbms[i]
            new = (torch.rand(n, stop - start - n_pin, generator=gen) < 0.5).float().to(dev)
            v = torch.cat([full[:, start : start + n_pin], new], dim=1)
            v = rbm.gibbs(v, steps, gen, n_clamped=n_pin)
            full[:, start:stop] = v
            per_window.append(v)
        return per_window

    def _sample(self, n: int, generator: torch.Generator, k: int | None = None) -> torch.Tensor:
        steps = self.k if k is None else _check_positive_int(k, "k")
        out = torch.empty(n, self.n_snps, device=self.rbms[0].W.device)
        self._chain(n, generator, steps, out)
        return out

    def sample(self, n: int, seed: int = 0, k: int | None = None) -> np.ndarray:
        """``n`` artificial haplotypes, generated window after window with ``k`` Gibbs steps each
        (``None`` = the training ``k``, as out-of-equilibrium models require)."""
        return super().sample(n, seed=seed, k=k)

    def window_samples(self, n: int, seed: int = 0, k: int | None = None) -> list[np.ndarray]:
        """Each window's generated block (``uint8``, pinned SNPs included) for ``n`` chains, in
        the same random stream as :meth:`sample` (so stitching them gives ``sample(n, seed)``).
        The first ``n_pinned`` columns of window ``i`` equal the matching columns of window
        ``i - 1``: the pinning holds by construction."""
        self._require_fitted()
        n = _check_positive_int(n, "n")
        steps = self.k if k is None else _check_positive_int(k, "k")
        gen = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            blocks = self._chain(n, gen, steps)
        return [b.to(torch.uint8).cpu().numpy() for b in blocks]

    # ------------------------------------------------------------------ scores
    @torch.no_grad()
    def _window_free_energy(self, i: int, v: torch.Tensor) -> torch.Tensor:
        """Conditional free energy of window ``i``'s new SNPs given its pinned ones (up to the
        pinned SNPs' normalising constant): ``-b_new . v_new - sum softplus(c + W v)``."""
        rbm, n_pin = self.rbms[i], self.windows[i][2]
        mu = torch.addmm(rbm.c, v, rbm.W.t())
        return -(v[:, n_pin:] @ rbm.b[n_pin:]) - torch.nn.functional.softplus(mu).sum(1)

    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        return -self.free_energy(X)

    def free_energy(self, X: Any, per_window: bool = False) -> np.ndarray:
        """Sum over windows of the conditional free energies of each haplotype (lower = more
        probable); ``per_window=True`` gives the ``(n, n_windows)`` terms.  ``-free_energy`` is
        the white-box membership-inference score.

        Explained in chapter 06_long_regions."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        data = torch.from_numpy(X)
        dev = self.rbms[0].W.device
        cols = [
            self._window_free_energy(i, data[:, a:b].float().to(dev)).double()
            for i, (a, b, _) in enumerate(self.windows)
        ]
        terms = torch.stack(cols, dim=1).cpu().numpy()
        return terms if per_window else terms.sum(1)
