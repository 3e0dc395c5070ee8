"""A VAE trained with differentially private SGD (chapter "Uncertainty quantification").

Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).

:class:`DPVAE` is the popvae-style :class:`~artgen_lite.models.VAE` trained with DP-SGD
(Abadi et al. 2016) instead of plain minibatch Adam:

1. **Poisson sampling.**  At every step each training haplotype joins the batch independently
   with probability ``q = batch_size / n`` (so batch sizes vary around ``batch_size``).
2. **Per-sample clipping.**  The gradient of each haplotype's own loss (its negative ELBO) is
   computed separately (its norm from one backward pass, see :meth:`DPVAE.per_sample_grad_norms`)
   and scaled down to L2 norm at most
   ``clip``: no single haplotype can move the weights by more than ``clip``.
3. **Gaussian noise.**  The clipped gradients are summed, ``N(0, (sigma * clip)^2)`` noise is
   added to every coordinate, and the sum is divided by the expected batch size.
4. The noisy gradient goes to Adam (any optimiser is fine: it only post-processes).

``sigma`` (the noise multiplier) is chosen by :func:`artgen_lite.dp_accounting.noise_multiplier`
so that the whole run spends ``(epsilon, delta)``.  ``epsilon=inf`` keeps the clipping but adds
no noise, which separates the effect of clipping from that of the noise.

What is private: the trained weights, hence everything sampled from the prior.  There is no
early stopping (a validation split would be a second look at the data), and
``sample(from_posterior=True)`` is refused: the training rows' posteriors are not private.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from ..dp_accounting import epsilon_from_noise, noise_multiplier
from .vae import VAE, _glorot_init

__all__ = ["DPVAE"]


class DPVAE(VAE):
    """popvae-style VAE trained with DP-SGD at a privacy budget ``(epsilon, delta)``.

    Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).

    Parameters (keyword only) are those of :class:`VAE` (``depth``, ``width``, ``latent_dim``,
    ``lr``, ``quirk``, ``beta``, ``seed``) plus:

    epsilon : float, default 10.0
        Privacy budget; ``float("inf")`` = clipping without noise.
    delta : float, default 1e-5
        Probability with which the epsilon guarantee may fail; keep it below ``1 / n``.
    clip : float, default 1.0
        Per-haplotype gradient norm bound ``C``.
    epochs : int, default 30
        Expected passes over the data (``steps = epochs * n / batch_size``), fixed in advance.
    batch_size : int, default 128
        Expected batch size under Poisson sampling.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`).

    Presets (:meth:`preset`): ``"smoke"`` (depth 2, width 32, 2 epochs) and ``"paper"``. No
    paper trains a DP-SGD popvae: ``"paper"`` is popvae's network (Battey, Coffing & Kern 2021:
    depth 6, width 128, latent size 2) trained with the DP-SGD of Abadi et al. 2016 at this
    class's privacy settings (epsilon 10, delta 1e-5, clip 1).

    After :meth:`fit`: ``noise_multiplier`` (sigma), ``epsilon_spent`` (the accountant's
    epsilon for the steps actually taken), ``steps``, and ``history`` rows with ``epoch``,
    ``train_loss`` (negative ELBO of the noisy model on the whole training set, for the
    reader; not private), ``clipped_fraction`` (share of per-sample gradients that were
    clipped) and ``lr``.
    """

    _presets = {
        "smoke": dict(depth=2, width=32, epochs=2),
        # popvae's network (Battey et al. 2021) under DP-SGD (Abadi et al. 2016); no paper trains both
        "paper": dict(depth=6, width=128, latent_dim=2),
    }

    def __init__(
        self,
        *,
        depth: int = 3,
        width: int = 128,
        latent_dim: int = 2,
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-3,
        quirk: bool = False,
        beta: float = 1.0,
        epsilon: float = 10.0,
        delta: float = 1e-5,
        clip: float = 1.0,
        seed: int = 0,
        device: str = "auto",
    ) -> None:
        super().__init__(
            depth=depth, width=width, latent_dim=latent_dim, epochs=epochs, batch_size=batch_size,
            lr=lr, val_fraction=0.0, quirk=quirk, beta=beta, seed=seed, device=device,
            validation_fraction=0.0,  # choosing a checkpoint on the data would spend privacy
        )
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise ValueError(f"epsilon must be a positive number (or float('inf')); got {epsilon!r}")
        if isinstance(delta, bool) or not isinstance(delta, (int, float)) or not 0 < delta < 1:
            raise ValueError(f"delta must be in (0, 1); got {delta!r}")
        if isinstance(clip, bool) or not isinstance(clip, (int, float)) or not (clip > 0 and math.isfinite(clip)):
            raise ValueError(f"clip must be a positive number; got {clip!r}")
        self.epsilon, self.delta, self.clip = float(epsilon), float(delta), float(clip)
        self.noise_multiplier: float | None = None
        self.epsilon_spent: float | None = None
        self.steps: int | None = None

    def _extra_state(self) -> dict[str, Any]:
        return {"noise_multiplier": self.noise_multiplier, "epsilon_spent": self.epsilon_spent,
                "steps": self.steps}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        self.noise_multiplier = state.get("noise_multiplier")
        self.epsilon_spent = state.get("epsilon_spent")
        self.steps = state.get("steps")

    def _fit(self, X: np.ndarray, progress: bool) -> None:
        n = len(X)
        if n < 2 * self.batch_size:
            raise ValueError(f"X has {n} haplotypes; DP-SGD needs at least 2 x batch_size ({self.batch_size})")
        if self.delta >= 1 / n:
            raise ValueError(f"delta={self.delta} must be below 1 / n = {1 / n:.2g} for {n} haplotypes")
        gen = torch.Generator().manual_seed(self.seed)
        _glorot_init(self.encoder, gen)
        _glorot_init(self.decoder, gen)
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        dev = self._dev
        q = self.batch_size / n
        steps_per_epoch = max(1, round(n / self.batch_size))
        steps = self.epochs * steps_per_epoch
        sigma = noise_multiplier(self.epsilon, q, steps, self.delta)
        self.noise_multiplier, self.steps = float(sigma), int(steps)
        self.epsilon_spent = float(epsilon_from_noise(sigma, q, steps, self.delta)) if sigma > 0 else math.inf

        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        opt = torch.optim.Adam(params, lr=self.lr, eps=1e-7)
        data = torch.from_numpy(X).float().to(dev)
        noise_std = sigma * self.clip
        bar = tqdm(range(self.epochs), desc=f"DP-VAE (eps={self.epsilon:g})", disable=not progress, unit="epoch")
        for epoch in bar:
            self.encoder.train()
            self.decoder.train()
            clipped = seen = 0
            for _ in range(steps_per_epoch):
                x = data[(torch.rand(n, generator=gen) < q).to(dev)]
                opt.zero_grad(set_to_none=True)
                if len(x):
                    scale = self._clipped_backward(x, gen)
                    clipped += int((scale < 1).sum())
                    seen += len(x)
                for p in params:
                    if p.grad is None:
                        p.grad = torch.zeros_like(p)
                    if noise_std:
                        p.grad.add_(torch.randn(p.shape, generator=gen).to(dev), alpha=noise_std)
                    p.grad.div_(self.batch_size)
                opt.step()
            rec = {
                "epoch": epoch + 1,
                "train_loss": self._loss_on(data, gen),
                "clipped_fraction": clipped / max(seen, 1),
                "lr": opt.param_groups[0]["lr"],
            }
            stop = self._end_epoch(rec, self.epochs, bar, loss=f"{rec['train_loss']:.1f}",
                                   clipped=f"{rec['clipped_fraction']:.2f}")
            if stop and epoch + 1 < self.epochs:
                # fewer steps taken than planned: the noise was set for the whole run, so the
                # privacy spent is that of the steps actually taken (less than epsilon)
                self.steps = (epoch + 1) * steps_per_epoch
                if sigma > 0:
                    self.epsilon_spent = float(epsilon_from_noise(sigma, q, self.steps, self.delta))
                break
        bar.close()
        self.best_epoch = len(self.history)
        self.encoder.eval()
        self.decoder.eval()
        self._post_mu = self._post_log_var = None  # the training rows' posteriors are not private

    def per_sample_grad_norms(self, x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-haplotype loss (negative ELBO, one ``z`` draw) and the L2 norm of its gradient.

        Every weight of the network sits in a ``Linear`` layer, and a row's gradient of a
        ``Linear`` weight is the outer product of the gradient at the layer's output with the
        layer's input.  Its squared norm is therefore ``|g_i|^2 |a_i|^2`` (plus ``|g_i|^2`` for
        the bias), so one ordinary backward pass to the layer outputs gives every row's gradient
        norm without materialising per-row gradients ("ghost norms", Goodfellow 2015).
        """
        store: list[tuple[torch.Tensor, torch.Tensor]] = []

        def hook(module, inputs, output):
            store.append((inputs[0], output))

        layers = [m for m in (*self.encoder.modules(), *self.decoder.modules()) if isinstance(m, nn.Linear)]
        handles = [m.register_forward_hook(hook) for m in layers]
        try:
            recon, kl = self._neg_elbo_parts(x, gen)
        finally:
            for h in handles:
                h.remove()
        loss = recon + self.beta * kl
        grads = torch.autograd.grad(loss.sum(), [o for _, o in store], retain_graph=True)
        norm2 = sum(g.pow(2).sum(1) * (a.pow(2).sum(1) + 1) for (a, _), g in zip(store, grads))
        return loss, norm2.sqrt()

    def _clipped_backward(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Accumulate ``sum_i min(1, clip / |g_i|) g_i`` into ``.grad``; return the scales."""
        loss, norms = self.per_sample_grad_norms(x, gen)
        scale = (self.clip / (norms.detach() + 1e-12)).clamp(max=1.0)
        (loss * scale).sum().backward()
        return scale

    def sample(self, n: int, seed: int = 0, from_posterior: bool = False) -> np.ndarray:
        """``n`` artificial haplotypes decoded from prior draws ``z ~ N(0, I)`` (private).

        ``from_posterior=True`` is refused: it would reuse the training rows' posteriors.
        """
        if from_posterior:
            raise ValueError("from_posterior=True is not available for a DPVAE: the posteriors of "
                             "the training rows are not differentially private; sample from the prior")
        return super().sample(n, seed=seed)
