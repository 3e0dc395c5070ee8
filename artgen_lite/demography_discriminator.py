"""The discriminator of the GAN-like demographic search: a permutation-invariant CNN on regions.

Explained in the chapter "Evolutionary parameters with a GAN-like search"
(notebooks/11_evolutionary_inference). The search itself, the region simulator and the result
live in :mod:`artgen_lite.demography_inference`, which re-exports everything public here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

if TYPE_CHECKING:  # only for annotations: the simulator module imports this one
    from .demography_inference import RegionSimulator

__all__ = ["HaplotypeDiscriminator", "discriminator_accuracy", "accuracy_scan"]


class HaplotypeDiscriminator(nn.Module):
    """A permutation-invariant CNN on encoded regions (pg-gan's ``OnePopModel``, in PyTorch).

    Parameters
    ----------
    n_snps : int
        SNPs per region (the width of the input).
    channels : tuple of int, optional
        Filters of the two convolutions.
    kernel : int, optional
        Width of the convolution filters, in SNPs.
    hidden : int, optional
        Units of each dense layer.
    dropout : float, optional
        Dropout rate of the dense layers.
    seed : int, optional
        Seed of the initial weights.

    Examples
    --------
    >>> import torch
    >>> D = HaplotypeDiscriminator(n_snps=36, channels=(4, 8), hidden=16)
    >>> x = torch.zeros(3, 10, 36, 2)
    >>> bool(torch.allclose(D.eval()(x), D(x[:, torch.randperm(10)])))  # order of haplotypes is irrelevant
    True

    Explained in chapter 11_evolutionary_inference. Input ``(batch, n_haplotypes, n_snps, 2)``;
    output one logit per region (positive = "real"). Each haplotype is read on its own by two
    convolutions along the SNPs (kernel ``kernel``, i.e. a 1 x k filter on the haplotype matrix),
    each followed by ReLU and max-pooling by 2; the feature maps are then **summed over haplotypes**,
    so reordering the haplotypes cannot change the output. Two dense layers of ``hidden`` units
    with dropout follow. pg-gan uses ``channels=(32, 64)``, ``hidden=128``, ``dropout=0.5``.
    """

    def __init__(self, n_snps: int, *, channels: tuple[int, int] = (32, 64), kernel: int = 5, hidden: int = 128,
                 dropout: float = 0.5, seed: int = 0):
        super().__init__()
        after = ((n_snps - kernel + 1) // 2 - kernel + 1) // 2
        if after < 1:
            raise ValueError(
                f"n_snps = {n_snps} is too short for two convolutions of kernel {kernel}; "
                f"use n_snps >= {4 * kernel - 4}"
            )
        self.n_snps, self.kernel = int(n_snps), int(kernel)
        c1, c2 = channels
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.conv = nn.Sequential(
                nn.Conv1d(2, c1, kernel), nn.ReLU(), nn.MaxPool1d(2),
                nn.Conv1d(c1, c2, kernel), nn.ReLU(), nn.MaxPool1d(2),
            )
            self.head = nn.Sequential(
                nn.Linear(c2 * after, hidden), nn.ReLU(), nn.Dropout(dropout),
                nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
                nn.Linear(hidden, 1),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One logit per region (positive = "real").

        Parameters
        ----------
        x : torch.Tensor, shape (batch, n_haplotypes, n_snps, 2)
            Encoded regions (:func:`artgen_lite.demography_simulation.encode_region`).

        Returns
        -------
        torch.Tensor, shape (batch,)
            The logits.
        """
        if x.ndim != 4 or x.shape[2] != self.n_snps or x.shape[3] != 2:
            raise ValueError(f"x must have shape (batch, n_haplotypes, {self.n_snps}, 2), got {tuple(x.shape)}")
        b, n, s, _ = x.shape
        h = self.conv(x.reshape(b * n, s, 2).transpose(1, 2))  # each haplotype on its own
        h = h.reshape(b, n, *h.shape[1:]).sum(1)  # permutation-invariant pooling over haplotypes
        return self.head(h.flatten(1)).squeeze(1)

    @property
    def n_parameters(self) -> int:
        """Number of trainable numbers."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad)


def _as_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def _accuracy(logits: torch.Tensor, real: bool) -> float:
    return float(((logits >= 0) if real else (logits < 0)).float().mean())


class _Trainer:
    """Discriminator, optimiser and the random streams of one run (shared by the search and the scans)."""

    def __init__(self, real_pool: np.ndarray, simulator: RegionSimulator, *, batch_size: int, channels, hidden: int,
                 dropout: float, lr: float, seed: int):
        real_pool = np.asarray(real_pool, dtype=np.float32)
        expected = (simulator.n_haplotypes, simulator.n_snps, 2)
        if real_pool.ndim != 4 or real_pool.shape[1:] != expected:
            shape = ", ".join(map(str, expected))
            raise ValueError(f"real_regions must have shape (n_regions, {shape}), got {real_pool.shape}")
        if len(real_pool) < batch_size:
            raise ValueError(f"real_regions has {len(real_pool)} regions, fewer than batch_size = {batch_size}")
        self.real = real_pool
        self.sim = simulator
        self.batch_size = int(batch_size)
        self.rng = np.random.default_rng(seed)
        self.D = HaplotypeDiscriminator(
            simulator.n_snps, channels=tuple(channels), hidden=hidden, dropout=dropout, seed=seed
        )
        self.opt = torch.optim.Adam(self.D.parameters(), lr=lr)
        self.loss = nn.BCEWithLogitsLoss()
        self.n_simulated = 0

    def fake(self, theta, k=None) -> torch.Tensor:
        k = k or self.batch_size
        self.n_simulated += k
        return _as_tensor(self.sim.simulate(theta, k, seed=int(self.rng.integers(2**31 - 1))))

    def real_batch(self, k=None) -> torch.Tensor:
        k = k or self.batch_size
        return _as_tensor(self.real[self.rng.choice(len(self.real), k, replace=False)])

    def train(self, theta, steps: int) -> tuple[float, float]:
        """``steps`` minibatches (batch_size real + batch_size simulated); accuracies of the last one."""
        self.D.train()
        real_acc = fake_acc = float("nan")
        for _ in range(int(steps)):
            real, fake = self.real_batch(), self.fake(theta)
            lr_, lf = self.D(real), self.D(fake)
            loss = self.loss(lr_, torch.ones_like(lr_)) + self.loss(lf, torch.zeros_like(lf))
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            real_acc, fake_acc = _accuracy(lr_.detach(), True), _accuracy(lf.detach(), False)
        return real_acc, fake_acc

    @torch.no_grad()
    def generator_loss(self, theta, k=None) -> tuple[float, float]:
        """pg-gan's generator loss: cross-entropy of simulated regions labelled "real"; and their accuracy."""
        self.D.eval()
        logits = self.D(self.fake(theta, k))
        return float(self.loss(logits, torch.ones_like(logits))), _accuracy(logits, False)

    @torch.no_grad()
    def real_accuracy(self, regions: np.ndarray | None = None, k=None) -> float:
        self.D.eval()
        x = self.real_batch(k) if regions is None else _as_tensor(regions)
        return _accuracy(self.D(x), True)


def discriminator_accuracy(
    real_train: np.ndarray,
    real_test: np.ndarray,
    simulator: RegionSimulator,
    theta,
    *,
    steps: int = 40,
    batch_size: int = 32,
    n_test: int | None = None,
    channels=(16, 32),
    hidden: int = 128,
    dropout: float = 0.5,
    lr: float = 1e-3,
    seed: int = 0,
) -> dict:
    """Train a fresh discriminator to tell ``real_train`` from regions simulated at ``theta``.

    Parameters
    ----------
    real_train, real_test : numpy.ndarray, shape (n_regions, n_haplotypes, n_snps, 2)
        Encoded real regions to train on and to test on.
    simulator : artgen_lite.demography_simulation.RegionSimulator
        Simulates regions of the same shape.
    theta : mapping of str to float, or sequence of float
        The demographic parameters simulated.
    steps, batch_size : int, optional
        Training updates, and real (and as many simulated) regions per update.
    n_test : int, optional
        Simulated test regions.
    channels, hidden, dropout, lr
        Settings of the discriminator and its Adam optimiser.
    seed : int, optional
        Seed of the weights, the batches and the simulations.

    Returns
    -------
    dict of str to float
        ``accuracy``, ``real_accuracy``, ``fake_accuracy``.

    Returns held-out accuracies on ``real_test`` and on as many new simulated regions
    (``n_test``, default ``len(real_test)``): ``{"accuracy", "real_accuracy", "fake_accuracy"}``.
    About 0.5 means the simulated regions look like the real ones; about 1 means they are easy to
    tell apart. Reproducible: the same ``seed`` gives the same numbers. Explained in chapter
    11_evolutionary_inference.
    """
    theta = simulator.check(theta)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # dropout masks
        tr = _Trainer(real_train, simulator, batch_size=batch_size, channels=channels, hidden=hidden,
                      dropout=dropout, lr=lr, seed=seed)
        tr.train(theta, steps)
        real_test = np.asarray(real_test, dtype=np.float32)
        ra = tr.real_accuracy(real_test)
        _, fa = tr.generator_loss(theta, n_test or len(real_test))
    return {"accuracy": (ra + fa) / 2, "real_accuracy": ra, "fake_accuracy": fa}


def accuracy_scan(
    real_train: np.ndarray,
    real_test: np.ndarray,
    simulator: RegionSimulator,
    name: str,
    values: Sequence[float],
    base: Mapping[str, float] | None = None,
    *,
    progress: bool = True,
    seed: int = 0,
    **settings,
) -> pd.DataFrame:
    """Discriminator accuracy as one parameter ``name`` runs through ``values`` (the others at ``base``).

    Parameters
    ----------
    real_train, real_test : numpy.ndarray
        Encoded real regions, as in :func:`discriminator_accuracy`.
    simulator : artgen_lite.demography_simulation.RegionSimulator
        The simulator.
    name : str
        The parameter scanned.
    values : sequence of float
        Its values.
    base : mapping of str to float, optional
        The other parameters (unset ones: the simulator's defaults).
    progress : bool, optional
        Show a progress bar.
    seed : int, optional
        Seed of every run.
    **settings
        Passed on to :func:`discriminator_accuracy`.

    Returns
    -------
    pandas.DataFrame
        One row per value with the three accuracies.

    One fresh discriminator per value (:func:`discriminator_accuracy` with ``settings``). The
    accuracy dips towards 0.5 where the simulations resemble the real regions. Explained in
    chapter 11_evolutionary_inference.
    """
    from tqdm import tqdm

    base = simulator.check(base or {})
    simulator.parameter(name)
    rows = []
    for i, v in enumerate(tqdm(list(values), desc=f"scan {name}", disable=not progress)):
        theta = {**base, name: float(v)}
        acc = discriminator_accuracy(real_train, real_test, simulator, theta, seed=seed + i, **settings)
        rows.append({name: float(v), **acc})
    return pd.DataFrame(rows)
