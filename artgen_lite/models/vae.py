"""Variational autoencoder for haplotypes in the style of popvae (chapter "A VAE for population structure").

Explained in the chapter 'A VAE for population structure' (notebooks/07_vae_population_structure).

The network follows popvae (Battey, Coffing & Kern 2021, ``popvae.py``) as coded:

* encoder ``x -> depth x Dense(width, ELU) -> (mu, log_var)``, each a ``Dense(latent_dim)``;
* decoder ``z -> Dense(width, linear) -> (depth - 1) x Dense(width, ELU) -> Dense(n_SNPs, sigmoid)``;
* loss per haplotype ``n_SNPs x mean BCE(x, x_hat) + KL(q(z|x) || N(0, I))``, averaged over the
  batch (no beta term; ``beta`` is offered for experiments, default 1 = the original);
* Keras defaults: Glorot-uniform kernels, zero biases, Adam (lr 1e-3, eps 1e-7), batch 32;
* early stopping on the loss of a validation split (popvae's ``train_prop`` 0.9, i.e.
  ``val_fraction`` 0.1) with the best weights restored, and ReduceLROnPlateau (x0.5 after
  ``patience // 4`` epochs without improvement).

**The reparameterisation quirk.**  popvae draws ``z = mu + exp(log_var) * eps``: the standard
deviation it uses is ``exp(log_var)``, not ``exp(log_var / 2)``, while its KL term is the usual
formula for a Gaussian of *variance* ``exp(log_var)``.  The sampled noise therefore has variance
``exp(2 log_var)`` and the loss is not exactly an ELBO.  ``quirk=True`` reproduces it;
``quirk=False`` (the default here) is the textbook ``z = mu + exp(log_var / 2) * eps``
(Kingma & Welling 2014).

**Generation.**  popvae works on diploid genotypes coded {0, 0.5, 1} and its analysis scripts draw
genotypes as Binomial(2, p).  Our rows are haplotypes, so :meth:`VAE.sample` decodes latent draws
to per-SNP probabilities ``p`` and samples Bernoulli(``p``) for each SNP independently.  By
default the latent draws come from the prior ``z ~ N(0, I)``; ``from_posterior=True`` draws from the
*aggregate posterior* instead (pick a training haplotype at random, draw ``z ~ q(z | x)``), which
avoids empty regions of the prior that no training haplotype maps to.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .base import GenerativeModel, _check_positive_int, check_haplotypes

__all__ = ["VAE"]


def _glorot_init(module: nn.Module, gen: torch.Generator) -> None:
    """Keras defaults: Glorot-uniform kernels, zero biases."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, generator=gen)
            nn.init.zeros_(layer.bias)


class _Encoder(nn.Module):
    def __init__(self, n_snps: int, depth: int, width: int, latent_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        n_in = n_snps
        for _ in range(depth):
            layers += [nn.Linear(n_in, width), nn.ELU()]
            n_in = width
        self.body = nn.Sequential(*layers)
        self.mu = nn.Linear(width, latent_dim)
        self.log_var = nn.Linear(width, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(x)
        return self.mu(h), self.log_var(h)


def _decoder(n_snps: int, depth: int, width: int, latent_dim: int) -> nn.Sequential:
    """Logits of the decoder; the sigmoid is applied by the loss (stable) or by :meth:`VAE.decode`."""
    layers: list[nn.Module] = [nn.Linear(latent_dim, width)]  # linear, no activation, as coded
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ELU()]
    layers.append(nn.Linear(width, n_snps))
    return nn.Sequential(*layers)


class VAE(GenerativeModel):
    """popvae-style fully connected variational autoencoder with a small latent space.

    Explained in the chapter 'A VAE for population structure' (notebooks/07_vae_population_structure).

    Parameters (keyword only; the defaults are the course-scale settings, which train on the
    805-SNP data in about a minute on 2 CPU cores; popvae's own defaults are given in brackets)
    ----------
    depth : int, default 3 [6]
        Hidden layers in the encoder and in the decoder.
    width : int, default 128 [128]
        Units per hidden layer.
    latent_dim : int, default 2 [2]
        Dimension of the latent space ``z``.
    epochs : int, default 200 [500]
        Maximum number of passes over the training part of the data.
    patience : int, default 20 [50]
        popvae's early stopping: with ``validation_fraction=0`` (no checkpoint selection), stop
        after this many epochs without a better validation loss, then restore the best weights.
        With checkpoint selection (``validation_fraction > 0``, the default) this rule is off:
        training runs all ``epochs`` (or stops by ``checkpoint_patience``) and the state whose
        samples score best on the checkpoint split is kept.  Either way the learning rate is
        halved after ``max(1, patience // 4)`` epochs without a better validation loss (popvae's
        ReduceLROnPlateau).
    batch_size : int, default 32 [32]
    lr : float, default 1e-3 [1e-3]
        Adam learning rate.
    val_fraction : float, default 0.1 [0.1]
        Fraction of the rows held out (at random, seeded) for the validation loss (``val_loss``)
        that drives popvae's early stopping and the learning-rate halving.  ``0`` trains for all
        ``epochs`` and monitors the training loss instead.  (With checkpoint selection these rows
        come from what is left after the ``validation_fraction`` split.)
    quirk : bool, default False
        ``True`` reproduces popvae's reparameterisation ``z = mu + exp(log_var) * eps``; ``False``
        uses the standard ``z = mu + exp(log_var / 2) * eps`` (see the module docstring).
    beta : float, default 1.0
        Weight of the KL term (1 = the plain ELBO, as in popvae).
    seed : int, default 0
        Seed of the initialisation, the validation split, the batch order and all noise.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device.

    Presets (:meth:`preset`): ``"smoke"`` (depth 2, width 32, 2 epochs) and ``"paper"``:
    popvae's own defaults (Battey, Coffing & Kern 2021; the bracketed values above): depth 6,
    width 128, latent size 2, up to 500 epochs with patience 50, batches of 32.

    After :meth:`fit`, ``history`` holds one dict per epoch (``epoch``, ``train_loss``,
    ``train_recon``, ``train_kl``, ``val_loss``, ``lr``; losses are negative ELBOs in nats per
    haplotype), ``best_epoch`` the epoch whose weights were kept (by the checkpoint split or, without it,
    by the validation loss) and ``stopped_early`` whether training ended before ``epochs``.
    """

    _presets = {
        "smoke": dict(depth=2, width=32, epochs=2, patience=2, batch_size=256),
        # popvae (Battey et al. 2021): depth 6, width 128, 500 epochs, patience 50
        "paper": dict(depth=6, width=128, latent_dim=2, epochs=500, patience=50, batch_size=32),
    }

    _setting_defaults = {"validation_fraction": 0.1}

    def __init__(
        self,
        *,
        depth: int = 3,
        width: int = 128,
        latent_dim: int = 2,
        epochs: int = 200,
        patience: int = 20,
        batch_size: int = 32,
        lr: float = 1e-3,
        val_fraction: float = 0.1,
        quirk: bool = False,
        beta: float = 1.0,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        self.depth = _check_positive_int(depth, "depth")
        self.width = _check_positive_int(width, "width")
        self.latent_dim = _check_positive_int(latent_dim, "latent_dim")
        self.epochs = _check_positive_int(epochs, "epochs")
        self.patience = _check_positive_int(patience, "patience")
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (lr > 0 and math.isfinite(lr)):
            raise ValueError(f"lr must be a positive number; got {lr!r}")
        if isinstance(val_fraction, bool) or not isinstance(val_fraction, (int, float)) or not 0 <= val_fraction < 1:
            raise ValueError(f"val_fraction must be in [0, 1); got {val_fraction!r}")
        if not isinstance(quirk, (bool, np.bool_)):
            raise TypeError(f"quirk must be True or False; got {quirk!r}")
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not (beta >= 0 and math.isfinite(beta)):
            raise ValueError(f"beta must be a non-negative number; got {beta!r}")
        self.lr = float(lr)
        self.val_fraction = float(val_fraction)
        self.quirk = bool(quirk)
        self.beta = float(beta)
        self.encoder: _Encoder | None = None
        self.decoder: nn.Sequential | None = None
        self.best_epoch: int | None = None
        self.stopped_early: bool = False
        # latent posteriors (mu, log_var) of the rows the model was fitted on, for from_posterior
        self._post_mu: torch.Tensor | None = None
        self._post_log_var: torch.Tensor | None = None

    # ------------------------------------------------------------------ structure
    def _build(self, n_snps: int) -> None:
        self.encoder = _Encoder(n_snps, self.depth, self.width, self.latent_dim)
        self.decoder = _decoder(n_snps, self.depth, self.width, self.latent_dim)

    def _modules(self) -> dict[str, Any]:
        return {"encoder": self.encoder, "decoder": self.decoder}

    def _extra_state(self) -> dict[str, Any]:
        return {
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
            "post_mu": self._post_mu,
            "post_log_var": self._post_log_var,
        }

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        self.best_epoch = state.get("best_epoch")
        self.stopped_early = bool(state.get("stopped_early", False))
        self._post_mu = state.get("post_mu")
        self._post_log_var = state.get("post_log_var")
        if self._post_mu is not None:
            self._post_mu, self._post_log_var = self._post_mu.to(self._dev), self._post_log_var.to(self._dev)

    # ------------------------------------------------------------------ the maths
    def _std(self, log_var: torch.Tensor) -> torch.Tensor:
        """Standard deviation used by the reparameterisation (popvae's quirk: exp(log_var))."""
        return torch.exp(log_var) if self.quirk else torch.exp(0.5 * log_var)

    def _neg_elbo_parts(
        self, x: torch.Tensor, gen: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-row reconstruction loss (sum of BCE over SNPs) and KL, one z draw each."""
        mu, log_var = self.encoder(x)
        eps = torch.randn(mu.shape, generator=gen).to(mu.device)
        z = mu + self._std(log_var) * eps
        logits = self.decoder(z)
        recon = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
        kl = -0.5 * (1 + log_var - mu.pow(2) - log_var.exp()).sum(1)
        return recon, kl

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        gen = torch.Generator().manual_seed(self.seed)
        _glorot_init(self.encoder, gen)
        _glorot_init(self.decoder, gen)
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        dev = self._dev
        data = torch.from_numpy(X).float().to(dev)
        n = len(data)
        n_val = int(round(self.val_fraction * n))
        if self.val_fraction > 0 and (n_val < 1 or n - n_val < 1):
            raise ValueError(
                f"X has {n} haplotypes: too few to hold out val_fraction={self.val_fraction} for "
                "validation and still train; pass more rows or val_fraction=0"
            )
        perm = torch.randperm(n, generator=gen)
        val, train = data[perm[:n_val]], data[perm[n_val:]]
        bs = min(self.batch_size, len(train))
        params = [*self.encoder.parameters(), *self.decoder.parameters()]
        opt = torch.optim.Adam(params, lr=self.lr, eps=1e-7)
        # halve the rate after patience // 4 epochs without improvement, as popvae does (eps=0: every
        # halving is applied, however small the rate has become)
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=0.5, patience=max(1, self.patience // 4) - 1, threshold=1e-4,
            threshold_mode="abs", eps=0.0)

        best, best_state, since_best = math.inf, None, 0
        self.stopped_early = False
        bar = tqdm(range(self.epochs), desc="VAE", disable=not progress, unit="epoch")
        for epoch in bar:
            self.encoder.train()
            self.decoder.train()
            order = torch.randperm(len(train), generator=gen)
            sums = torch.zeros(2, dtype=torch.float64, device=dev)
            for start in range(0, len(train), bs):
                x = train[order[start : start + bs]]
                recon, kl = self._neg_elbo_parts(x, gen)
                loss = (recon + self.beta * kl).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sums += torch.stack([recon.detach().sum(), kl.detach().sum()]).double()
            recon_m, kl_m = (sums / len(train)).tolist()
            rec: dict[str, Any] = {
                "epoch": epoch + 1,
                "train_loss": recon_m + self.beta * kl_m,
                "train_recon": recon_m,
                "train_kl": kl_m,
            }
            if n_val:
                rec["val_loss"] = float(self._loss_on(val, gen))
                monitor = rec["val_loss"]
            else:
                monitor = rec["train_loss"]
            rec["lr"] = opt.param_groups[0]["lr"]
            if monitor < best - 1e-4:
                best, since_best = monitor, 0
                best_state = (copy.deepcopy(self.encoder.state_dict()), copy.deepcopy(self.decoder.state_dict()))
                self.best_epoch = epoch + 1
            else:
                since_best += 1
            plateau.step(monitor)
            post = {"train": f"{rec['train_loss']:.1f}"}
            if n_val:
                post["val"] = f"{rec['val_loss']:.1f}"
            if self._end_epoch(rec, self.epochs, bar, **post):
                self.stopped_early = True
                break
            if n_val and since_best >= self.patience and self._monitor is None:
                self.stopped_early = True
                break
        bar.close()
        if self._monitor is not None and self._monitor.best_state is not None:
            # the checkpoint chosen on the validation split (AATS components and LD), not the
            # best ELBO: the posterior below must belong to the state that is kept
            self._monitor.restore(self)
            self._monitor.best_state = None  # restored here, before the posterior is computed
        elif best_state is not None:
            self.encoder.load_state_dict(best_state[0])
            self.decoder.load_state_dict(best_state[1])
        self.encoder.eval()
        self.decoder.eval()
        with torch.no_grad():
            mu, log_var = self.encoder(data)
        self._post_mu, self._post_log_var = mu.clone(), log_var.clone()

    def _loss_on(self, x: torch.Tensor, gen: torch.Generator) -> float:
        self.encoder.eval()
        self.decoder.eval()
        with torch.no_grad():
            recon, kl = self._neg_elbo_parts(x, gen)
        return float((recon + self.beta * kl).double().mean())

    # ------------------------------------------------------------------ latent space
    def encode(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Latent means and log-variances ``(mu, log_var)`` of each row of ``X``, each ``(n, latent_dim)``.

        ``mu`` is the point popvae plots for every sample.  With ``quirk=True`` the noise the
        model actually used in training had standard deviation ``exp(log_var)``.
        """
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        with torch.no_grad():
            mu, log_var = self.encoder(torch.from_numpy(X).float().to(self._dev))
        return mu.double().cpu().numpy(), log_var.double().cpu().numpy()

    def decode(self, z: Any) -> np.ndarray:
        """Per-SNP ALT-allele probabilities ``p(x_j = 1 | z)`` for each row of ``z``, shape ``(n, n_snps)``."""
        self._require_fitted()
        z = np.asarray(z, dtype=np.float32)
        if z.ndim == 1 and self.latent_dim == 1:
            z = z[:, None]
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}); got {z.shape}")
        if not np.isfinite(z).all():
            raise ValueError("z contains NaN or infinite values")
        with torch.no_grad():
            p = torch.sigmoid(self.decoder(torch.from_numpy(np.ascontiguousarray(z)).to(self._dev)))
        return p.double().cpu().numpy()

    def posterior_probabilities(self, X: Any, draws: int = 20, seed: int = 0) -> np.ndarray:
        """Decoded per-SNP probabilities for ``draws`` latent draws ``z ~ q(z | x)`` of each row.

        Returns shape ``(draws, n, n_snps)``.  How much ``p(x_j = 1 | z)`` moves from draw to
        draw measures how uncertain the model is about where ``x`` sits in the latent space,
        SNP by SNP.  Explained in the chapter "Uncertainty quantification"
        (notebooks/12_uncertainty).
        """
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        draws = _check_positive_int(draws, "draws")
        gen = torch.Generator().manual_seed(int(seed))
        self.encoder.eval()
        self.decoder.eval()
        with torch.no_grad():
            mu, log_var = self.encoder(torch.from_numpy(X).float().to(self._dev))
            std = self._std(log_var)
            out = [torch.sigmoid(self.decoder(mu + std * torch.randn(mu.shape, generator=gen).to(mu.device)))
                   for _ in range(draws)]
        return torch.stack(out).double().cpu().numpy()

    # ------------------------------------------------------------------ scores
    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        return self.elbo(X)

    def elbo(self, X: Any, n_samples: int = 16, seed: int = 0) -> np.ndarray:
        """Per-haplotype ELBO ``E_q[log p(x | z)] - beta * KL(q(z | x) || N(0, I))`` in nats.

        A Monte-Carlo estimate with ``n_samples`` seeded draws of ``z`` per haplotype, using the
        model's own reparameterisation (so with ``quirk=True`` it is minus popvae's loss rather
        than a true ELBO).  Higher means the model finds the haplotype more typical: as a
        white-box membership-inference score, training members should score higher than unseen
        haplotypes.
        """
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        n_samples = _check_positive_int(n_samples, "n_samples")
        gen = torch.Generator().manual_seed(int(seed))
        x = torch.from_numpy(X).float().to(self._dev)
        total = torch.zeros(len(x), dtype=torch.float64, device=x.device)
        with torch.no_grad():
            for _ in range(n_samples):
                recon, kl = self._neg_elbo_parts(x, gen)
                total -= (recon + self.beta * kl).double()
        return (total / n_samples).cpu().numpy()

    # ------------------------------------------------------------------ generation
    def _sample(
        self, n: int, generator: torch.Generator, from_posterior: bool = False, batch: int = 4096
    ) -> torch.Tensor:
        outs = []
        dev = self._dev
        for start in range(0, n, batch):
            m = min(batch, n - start)
            eps = torch.randn(m, self.latent_dim, generator=generator).to(dev)
            if from_posterior:
                if self._post_mu is None:
                    raise RuntimeError("this VAE holds no posterior of its training data; refit it")
                idx = torch.randint(len(self._post_mu), (m,), generator=generator)
                z = self._post_mu[idx] + self._std(self._post_log_var[idx]) * eps
            else:
                z = eps
            p = torch.sigmoid(self.decoder(z))
            outs.append(torch.rand(p.shape, generator=generator).to(dev) < p)
        return torch.cat(outs).to(torch.uint8)

    def sample(self, n: int, seed: int = 0, from_posterior: bool = False) -> np.ndarray:
        """``n`` artificial haplotypes: decode latent draws, then sample Bernoulli(``p``) per SNP.

        ``from_posterior=False`` (default) draws ``z ~ N(0, I)``, the generative model the ELBO
        trains; ``True`` draws from the aggregate posterior of the training rows.
        """
        if not isinstance(from_posterior, (bool, np.bool_)):
            raise TypeError(f"from_posterior must be True or False; got {from_posterior!r}")
        self._require_fitted()
        self.encoder.eval()
        self.decoder.eval()
        return super().sample(n, seed=seed, from_posterior=bool(from_posterior))
