"""A denoising diffusion model for haplotypes (chapter 14, "Beyond the lecture").

Which space? A Gaussian DDPM (Ho et al. 2020) adds Gaussian noise to real-valued data; on 0/1
haplotypes it needs a relaxation (noise the 0/1 values, or the PCA scores of a latent space) and a
rounding step at the end, and chapter 06 shows what thresholding does to rare alleles. Here the
diffusion runs **directly on the 0/1 alleles**, as an *absorbing* ("masking") discrete diffusion
(Austin et al. 2021):

* forward noising: at time ``t`` in ``[0, 1]`` each SNP is independently replaced by a MASK symbol
  with probability ``m(t)`` (``t`` for the ``"linear"`` schedule, ``1 - cos(pi t / 2)`` for
  ``"cosine"``); at ``t = 1`` everything is masked, the analogue of pure noise;
* the denoiser, an MLP with a timestep embedding, reads the partly masked haplotype (``+1``/``-1``
  for the alleles seen, ``0`` for MASK) and returns, for every SNP, the log-odds of allele 1 in the
  clean haplotype;
* training minimises the cross-entropy at the masked SNPs weighted by ``m'(t) / m(t)`` -- the
  continuous-time evidence lower bound (ELBO) of masked diffusion, the discrete counterpart of the
  DDPM loss;
* ancestral sampling starts from an all-MASK haplotype and walks ``t`` from 1 down to 0 in
  ``sample_steps`` steps; between ``t`` and ``s < t`` each still-masked SNP is revealed with
  probability ``(m(t) - m(s)) / m(t)``, its allele drawn from the denoiser's prediction given
  everything revealed so far. Alleles are Bernoulli draws from the first step on, so rare alleles
  are drawn at their predicted frequency, never thresholded away.

The denoiser sees the whole haplotype, so revealing SNPs a few at a time is how the sample builds
up LD: every revealed allele conditions the next ones, like an autoregressive model in a random
order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .base import GenerativeModel, _check_float, _check_positive_int, check_haplotypes
from .settings import BUDGET_SETTINGS

__all__ = ["HaplotypeDiffusion"]


def _mask_prob(t: torch.Tensor, schedule: str) -> torch.Tensor:
    if schedule == "linear":
        return t
    return 1 - torch.cos(0.5 * math.pi * t)


def _mask_rate(t: torch.Tensor, schedule: str) -> torch.Tensor:
    """``m'(t) / m(t)``: the ELBO weight of the masked SNPs' cross-entropy at time ``t``."""
    if schedule == "linear":
        return 1 / t
    return 0.5 * math.pi * torch.sin(0.5 * math.pi * t) / (1 - torch.cos(0.5 * math.pi * t))


class _Denoiser(nn.Module):
    """MLP: (partly masked haplotype in {-1, 0, +1}, time) -> log-odds of allele 1 at every SNP."""

    def __init__(self, n_snps: int, hidden: int, depth: int, time_dim: int = 32) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.inp = nn.Linear(2 * n_snps, hidden)  # alleles and the mask indicator
        self.time = nn.Sequential(nn.Linear(time_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.SiLU())
                                     for _ in range(depth)])
        self.out = nn.Linear(hidden, n_snps)

    def embed(self, t: torch.Tensor) -> torch.Tensor:
        half = self.time_dim // 2
        freqs = torch.exp(-math.log(1000.0) * torch.arange(half, dtype=torch.float32) / half).to(t.device)
        a = 1000.0 * t[:, None] * freqs[None, :]
        return torch.cat([torch.sin(a), torch.cos(a)], dim=1)

    def forward(self, x: torch.Tensor, masked: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h = self.inp(torch.cat([x, masked], dim=1)) + self.time(self.embed(t))
        h = torch.nn.functional.silu(h)
        for blk in self.blocks:
            h = h + blk(h)
        return self.out(h)


class HaplotypeDiffusion(GenerativeModel):
    """Absorbing (masking) discrete diffusion on 0/1 haplotypes with an MLP denoiser (chapter 14).

    Parameters (keyword only; defaults are the course-scale settings)
    ----------
    hidden : int or None, default None
        Width of the denoiser; ``None`` follows the data: ``clip(n_snps // 2, 256, 1024)``.
    depth : int, default 2
        Residual hidden blocks of the denoiser.
    schedule : {"linear", "cosine"}, default "linear"
        Masking schedule ``m(t)`` (see the module docstring).
    lr : float, default 1e-3
        Adam learning rate (decayed by a cosine over the budget).
    epochs : int or None, default None
        Passes over the data; ``None`` means as many as the ``steps`` budget needs.
    steps : int, default 3000
        Budget of optimizer updates when ``epochs`` is None.
    batch_size : int, default 128
        Minibatch size.
    sample_steps : int, default 64
        Reverse (ancestral) steps of :meth:`sample`.
    score_timesteps : int, default 16
        Fixed times of the ELBO estimate of :meth:`score_samples`.
    seed : int, default 0
        Seed of the initialisation, minibatches, noise levels and masks.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device.

    Presets (:meth:`preset`): ``"smoke"`` (width 32, 2 epochs, 16 reverse steps) and ``"paper"``.
    No paper trains a masking diffusion on haplotypes (the model goes beyond the lecture; its
    recipe is that of Austin et al. 2021 for discrete data), so ``"paper"`` is the course settings.

    ``history`` rows hold ``epoch`` and ``loss`` (the training ELBO per SNP, in nats) plus the
    checkpoint scores of :mod:`artgen_lite.models.checkpoint`. ``score_samples(X)`` is minus the
    ELBO bound on ``-log p(x)`` estimated with fixed times and masks (higher = more member-like).
    """

    _presets = {
        "smoke": dict(hidden=32, epochs=2, batch_size=128, sample_steps=16),
        # no paper trains this model on haplotypes: the course settings
        "paper": {},
    }

    _setting_groups = (BUDGET_SETTINGS,)
    _setting_defaults = {"validation_fraction": 0.1, "n_checkpoints": 10, "steps": 3000, "batch_size": 128}

    def __init__(
        self,
        *,
        hidden: int | None = None,
        depth: int = 2,
        schedule: str = "linear",
        lr: float = 1e-3,
        sample_steps: int = 64,
        score_timesteps: int = 16,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        if schedule not in ("linear", "cosine"):
            raise ValueError(f"schedule must be 'linear' or 'cosine'; got {schedule!r}")
        self.hidden = None if hidden is None else _check_positive_int(hidden, "hidden")
        self.depth = _check_positive_int(depth, "depth")
        self.schedule = schedule
        self.lr = _check_float(lr, "lr", 0.0, low_open=True)
        self.sample_steps = _check_positive_int(sample_steps, "sample_steps")
        self.score_timesteps = _check_positive_int(score_timesteps, "score_timesteps")
        self.net: _Denoiser | None = None

    @property
    def width(self) -> int:
        """The denoiser's width (``hidden``, or the size-aware default)."""
        if self.hidden is not None:
            return self.hidden
        return int(np.clip(int(self.n_snps) // 2, 256, 1024))

    def _build(self, n_snps: int) -> None:
        self.net = _Denoiser(n_snps, self.width, self.depth)

    def _modules(self) -> dict[str, Any]:
        return {"net": self.net}

    # ------------------------------------------------------------------ noise
    def _corrupt(self, x0: torch.Tensor, t: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Mask indicator (1 = MASK) of the forward process at times ``t`` (one per row)."""
        m = _mask_prob(t, self.schedule)
        return (torch.rand(x0.shape, generator=gen).to(x0.device) < m[:, None]).float()

    def _nelbo(self, x0: torch.Tensor, t: torch.Tensor, masked: torch.Tensor) -> torch.Tensor:
        """Per-row weighted cross-entropy of the masked SNPs, per SNP (one-sample ELBO term)."""
        x = (2 * x0 - 1) * (1 - masked)
        logits = self.net(x, masked, t)
        ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, x0, reduction="none")
        return _mask_rate(t, self.schedule) * (ce * masked).sum(1) / x0.shape[1]

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        gen = torch.Generator().manual_seed(self.seed)
        data = torch.from_numpy(X).float()
        n = data.shape[0]
        with torch.no_grad():  # PyTorch's default init, drawn from the seeded generator
            for mod in self.net.modules():
                if isinstance(mod, nn.Linear):
                    nn.init.kaiming_uniform_(mod.weight, a=math.sqrt(5), generator=gen)
                    bound = 1 / math.sqrt(mod.in_features)
                    nn.init.uniform_(mod.bias, -bound, bound, generator=gen)
        with torch.no_grad():  # start the output at the allele frequencies (the t = 1 answer)
            p = data.mean(0).clamp(1e-3, 1 - 1e-3)
            self.net.out.bias.copy_(torch.log(p / (1 - p)))
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        dev = self._dev
        data = data.to(dev)
        bs = min(self.batch_size, n)
        n_batches = max(1, n // bs)
        epochs = self._epochs_for(n_batches)
        total = epochs * n_batches
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 0.5 * (1 + math.cos(math.pi * min(i, total) / total)))
        bar = tqdm(range(epochs), desc="Diffusion", disable=not progress, unit="epoch")
        for epoch in bar:
            self.net.train()
            perm = torch.randperm(n, generator=gen)
            tot = 0.0
            for i in range(n_batches):
                x0 = data[perm[i * bs : (i + 1) * bs]]
                # stratified times in (0, 1]: lower-variance ELBO estimate
                u = (torch.arange(len(x0)) + torch.rand(len(x0), generator=gen)) / len(x0)
                t = u.clamp_min(1e-3).to(dev)
                masked = self._corrupt(x0, t, gen)
                loss = self._nelbo(x0, t, masked).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                tot += loss.item()
            self.net.eval()
            if self._end_epoch({"epoch": epoch + 1, "loss": tot / n_batches}, epochs, bar, loss=f"{tot / n_batches:.4f}"):
                break
        self.net.eval()

    # ------------------------------------------------------------------ generation
    def _sample(self, n: int, generator: torch.Generator, sample_steps: int | None = None) -> torch.Tensor:
        S = self.sample_steps if sample_steps is None else _check_positive_int(sample_steps, "sample_steps")
        T = int(self.n_snps)
        dev = self._dev
        x = torch.zeros(n, T, device=dev)  # the alleles revealed so far, in {-1, +1}; 0 = MASK
        masked = torch.ones(n, T, device=dev)
        self.net.eval()
        times = torch.linspace(1.0, 0.0, S + 1)
        for i in range(S):
            t, s = times[i], times[i + 1]
            mt, ms = _mask_prob(t, self.schedule), _mask_prob(s, self.schedule)
            logits = self.net(x, masked, torch.full((n,), float(t), device=dev))
            reveal = (torch.rand(n, T, generator=generator) < (mt - ms) / mt).float().to(dev) * masked
            allele = (torch.rand(n, T, generator=generator).to(dev) < torch.sigmoid(logits)).float()
            x = x + reveal * (2 * allele - 1)
            masked = masked - reveal
        return ((x + 1) / 2).to(torch.uint8)

    def sample(self, n: int, seed: int = 0, sample_steps: int | None = None) -> np.ndarray:
        """``n`` haplotypes by ancestral sampling from all-MASK (``sample_steps`` reverse steps)."""
        return super().sample(n, seed=seed, sample_steps=sample_steps)

    # ------------------------------------------------------------------ scores
    @torch.no_grad()
    def score_samples(self, X: Any, seed: int = 0, batch_size: int = 512) -> np.ndarray:
        """Minus the ELBO bound on ``-log p(x)`` per SNP (nats), higher = more member-like.

        Estimated at ``score_timesteps`` fixed times ``(j + 1/2) / J`` with masks drawn from a
        fixed seed, so two haplotypes are scored with the same noise (a white-box membership score).
        """
        self._require_fitted()
        dev = self._dev
        X = torch.from_numpy(check_haplotypes(X, "X", self.n_snps)).float().to(dev)
        J = self.score_timesteps
        out = torch.zeros(len(X), dtype=torch.float64, device=dev)
        self.net.eval()
        for j in range(J):
            gen = torch.Generator().manual_seed(int(seed) * 1000 + j)
            u = torch.rand(X.shape[1], generator=gen).to(dev)  # one mask pattern per time, shared by all rows
            t0 = (j + 0.5) / J
            for s in range(0, len(X), batch_size):
                x0 = X[s : s + batch_size]
                t = torch.full((len(x0),), t0, device=dev)
                masked = (u[None, :] < _mask_prob(t, self.schedule)[:, None]).float()
                out[s : s + batch_size] += self._nelbo(x0, t, masked).double()
        return (-out / J).cpu().numpy()
