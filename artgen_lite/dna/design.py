"""The DNA design GAN: a WGAN-GP for one-hot DNA windows, the "resnet" model of Killoran et al.
(2017, ``co9olguy/Generating-and-designing-DNA``, methods reference section 10), scaled down.

Explained in chapter 08 (notebooks/08_designing_dna).  The generator maps ``z ~ N(0, I)``
through a linear layer and residual 1-D convolution blocks to a softmax over the four bases at
every position; the critic reads one-hot (real) or softmax (generated) matrices.  Loss WGAN-GP
with lambda = 10, Adam(betas 0.5, 0.9), several critic steps per generator step.  One-hot
arrays and generator outputs are ``(n, L, 4)`` (channels last, columns A, C, G, T); the
networks transpose internally.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from ..models.base import GenerativeModel, _check_positive_int
from ..models.wgan_gp import WGANGPTrainer, gradient_penalty
from .alphabet import decode, one_hot, window_codes

__all__ = ["DNAWGAN", "gradient_penalty"]


class _ResBlock(nn.Module):
    """``x + res_scale * conv(relu(conv(relu(x))))`` with 'same' padding (the original's resblock)."""

    def __init__(self, channels: int, kernel: int, res_scale: float) -> None:
        super().__init__()
        pad = kernel // 2
        self.conv1 = nn.Conv1d(channels, channels, kernel, padding=pad)
        self.conv2 = nn.Conv1d(channels, channels, kernel, padding=pad)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.conv2(F.relu(self.conv1(F.relu(x))))


class _Generator(nn.Module):
    def __init__(self, latent: int, length: int, channels: int, blocks: int, kernel: int, res_scale: float):
        super().__init__()
        self.length, self.channels = length, channels
        self.linear = nn.Linear(latent, length * channels)
        self.blocks = nn.Sequential(*[_ResBlock(channels, kernel, res_scale) for _ in range(blocks)])
        self.out = nn.Conv1d(channels, 4, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``z (n, latent)`` -> base probabilities ``(n, L, 4)``."""
        h = self.linear(z).view(-1, self.channels, self.length)
        return torch.softmax(self.out(self.blocks(h)), dim=1).transpose(1, 2)


class _Critic(nn.Module):
    def __init__(self, length: int, channels: int, blocks: int, kernel: int, res_scale: float):
        super().__init__()
        self.inp = nn.Conv1d(4, channels, 1)
        self.blocks = nn.Sequential(*[_ResBlock(channels, kernel, res_scale) for _ in range(blocks)])
        self.linear = nn.Linear(length * channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (n, L, 4)`` -> one score per sequence ``(n,)``."""
        h = self.blocks(self.inp(x.transpose(1, 2)))
        return self.linear(h.flatten(1)).squeeze(1)


def _glorot(module: nn.Module, gen: torch.Generator) -> None:
    """Glorot-uniform weights and zero biases, as the original initialises every layer."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d)):
            nn.init.xavier_uniform_(m.weight, generator=gen)
            nn.init.zeros_(m.bias)


class DNAWGAN(GenerativeModel):
    """WGAN-GP for one-hot DNA windows: the "resnet" model of Killoran et al. 2017, scaled down.

    Generator ``z (latent_dim) -> Linear -> (channels, L) -> blocks x residual block ->
    Conv1d(k=1) -> softmax over A, C, G, T``; critic ``Conv1d(k=1, 4 -> channels) -> blocks x
    residual block -> flatten -> Linear -> score``.  Each residual block is
    ``x + res_scale * conv(relu(conv(relu(x))))`` with kernel ``kernel_size``.

    Parameters (keyword only; the original's values in brackets)
    ----------
    iterations : int, default 500 [100,000]
        Generator steps; each comes after ``n_critic`` critic steps.
    latent_dim : int, default 64 [100]
    channels : int, default 16 [100]
    blocks : int, default 2 [5]
    kernel_size : int, default 5 [5]
    res_scale : float, default 0.3 [0.3]
    n_critic : int, default 5 [5]
    gp_weight : float, default 10 [10]
    lr : float, default 1e-3 [1e-4]
        Adam learning rate of both networks, betas ``(0.5, 0.9)`` as in the original.  The
        larger step makes up for the 200x fewer iterations.
    batch_size : int, default 64 [64]
    log_every : int, default 50
        One ``history`` row per ``log_every`` generator steps: ``iteration``, ``critic_loss``,
        ``wasserstein`` (mean critic score of real minus generated: the critic's estimate of
        the Wasserstein distance), ``gp`` and ``g_loss``, averaged over those steps.
    seed : int, default 0
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device.

    Presets (:meth:`preset`): ``"smoke"`` (20 iterations, 8 channels, one block) and ``"paper"``:
    the bracketed values above, those of Killoran et al. 2017's resnet model (100,000 iterations,
    latent size 100, 100 channels, 5 residual blocks, lr 1e-4).

    The face is that of every model in the book, adapted to sequences:
    ``fit(X, progress=True, callback=None)`` takes DNA strings or a one-hot array ``(n, L, 4)``;
    ``callback(model, iteration)`` is called at every history row and a dict it returns is
    added to the row.  ``sample(n, seed=0, output="strings")`` returns a list of strings
    (``output="onehot"``: ``uint8 (n, L, 4)``; ``"probs"``: the softmax outputs, ``float32``).
    ``generate(z)`` is the differentiable map used for design; ``critic_score(X)`` scores
    sequences.  ``n_snps`` (the base class's name) is the window length, also ``seq_len``.

    Explained in chapter 08 (notebooks/08_designing_dna).
    """

    _presets = {
        "smoke": dict(iterations=20, latent_dim=16, channels=8, blocks=1, log_every=10),
        # Killoran et al. 2017 (co9olguy/Generating-and-designing-DNA, resnet model)
        "paper": dict(iterations=100_000, latent_dim=100, channels=100, blocks=5, kernel_size=5, res_scale=0.3,
                      n_critic=5, gp_weight=10.0, lr=1e-4, batch_size=64),
    }

    def __init__(self, *, iterations: int = 500, latent_dim: int = 64, channels: int = 16, blocks: int = 2,
                 kernel_size: int = 5, res_scale: float = 0.3, n_critic: int = 5, gp_weight: float = 10.0,
                 lr: float = 1e-3, batch_size: int = 64, log_every: int = 50, seed: int = 0,
                 device: str = "auto") -> None:
        super().__init__(seed=seed, device=device)
        for nm in ("iterations", "latent_dim", "channels", "kernel_size", "n_critic", "batch_size", "log_every"):
            setattr(self, nm, _check_positive_int(locals()[nm], nm))
        if isinstance(blocks, bool) or not isinstance(blocks, (int, np.integer)) or blocks < 0:
            raise ValueError(f"blocks must be a non-negative integer; got {blocks!r}")
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (for 'same' padding); got {kernel_size}")
        for nm, val in (("lr", lr), ("res_scale", res_scale)):
            if not val > 0:
                raise ValueError(f"{nm} must be positive; got {val!r}")
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be non-negative; got {gp_weight!r}")
        self.blocks, self.res_scale, self.gp_weight, self.lr = int(blocks), float(res_scale), float(gp_weight), float(lr)
        self.generator: _Generator | None = None
        self.critic: _Critic | None = None

    @property
    def seq_len(self) -> int | None:
        """Window length ``L`` the model was trained on."""
        return self.n_snps

    def _build(self, n_snps: int) -> None:
        args = (self.channels, self.blocks, self.kernel_size, self.res_scale)
        self.generator = _Generator(self.latent_dim, n_snps, *args)
        self.critic = _Critic(n_snps, *args)

    def _modules(self) -> dict[str, Any]:
        return {"generator": self.generator, "critic": self.critic}

    # ------------------------------------------------------------------ training
    def fit(self, X: Any, *, progress: bool = True, callback: Callable[["DNAWGAN", int], Any] | None = None
            ) -> "DNAWGAN":
        """Train on DNA windows ``X`` (strings or one-hot ``(n, L, 4)``) and return ``self``."""
        import time

        codes = window_codes(X, "X")
        if codes.shape[0] < self.batch_size:
            raise ValueError(f"X has {codes.shape[0]} sequences, fewer than one batch ({self.batch_size})")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable; got {type(callback).__name__}")
        dev = self._dev  # refuses device="cuda" without a GPU before any work
        self.n_snps = int(codes.shape[1])
        self.history = []
        gen = torch.Generator().manual_seed(self.seed)
        self._build(self.n_snps)
        _glorot(self.generator, gen)
        _glorot(self.critic, gen)
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        t0 = time.perf_counter()
        data = torch.from_numpy(one_hot(codes)).float().to(dev)
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.lr, betas=(0.5, 0.9))
        opt_c = torch.optim.Adam(self.critic.parameters(), lr=self.lr, betas=(0.5, 0.9))
        bs, n = self.batch_size, len(data)
        order, pos = torch.randperm(n, generator=gen), 0

        def fake_batch(k: int) -> torch.Tensor:
            return self.generator(torch.randn(k, self.latent_dim, generator=gen).to(dev))

        trainer = WGANGPTrainer(self.critic, fake_batch, opt_c, opt_g, gen, gp_weight=self.gp_weight)
        bar = tqdm(range(1, self.iterations + 1), desc="DNA WGAN-GP", disable=not progress, unit="it")
        for it in bar:
            for j in range(self.n_critic):  # the row logs the last critic step of each iteration
                if pos + bs > n:
                    order, pos = torch.randperm(n, generator=gen), 0
                trainer.critic_update(data[order[pos : pos + bs]], record=j == self.n_critic - 1)
                pos += bs
            trainer.generator_update(bs)
            if it % self.log_every == 0 or it == self.iterations:
                means = trainer.record()
                row: dict[str, Any] = {"iteration": it, "critic_loss": means["critic_loss"],
                                       "wasserstein": means["wasserstein"], "gp": means["gradient_penalty"],
                                       "g_loss": means["generator_loss"]}
                if callback is not None:
                    extra = callback(self, it)
                    if isinstance(extra, dict):  # numpy scalars -> float, so save() can store them
                        row.update({key: float(v) if isinstance(v, (np.floating, np.integer)) else v
                                    for key, v in extra.items()})
                self.history.append(row)
                bar.set_postfix(W=f"{row['wasserstein']:.3f}")
        self.train_time_s = time.perf_counter() - t0
        return self

    # ------------------------------------------------------------------ generation
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Differentiable map from latent vectors ``z (n, latent_dim)`` to base probabilities
        ``(n, L, 4)``: what design by latent optimisation backpropagates through."""
        self._require_fitted()
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}); got {tuple(z.shape)}")
        return self.generator(z.to(self._dev))  # the gradient flows back to z where it lives

    def sample(self, n: int, seed: int = 0, output: str = "strings") -> Any:
        """``n`` generated windows: strings (default), ``"onehot"`` (``uint8 (n, L, 4)``, argmax
        of the softmax) or ``"probs"`` (the softmax itself)."""
        self._require_fitted()
        n = _check_positive_int(n, "n")
        if output not in ("strings", "onehot", "probs"):
            raise ValueError(f"output must be 'strings', 'onehot' or 'probs'; got {output!r}")
        gen = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            p = self.generator(torch.randn(n, self.latent_dim, generator=gen).to(self._dev)).cpu()
        if output == "probs":
            return p.numpy()
        if output == "onehot":
            return one_hot(p.argmax(2).numpy().astype(np.int8))
        return decode(p)

    def critic_score(self, X: Any) -> np.ndarray:
        """The critic's score of each sequence (strings, one-hot or probability arrays; higher =
        judged more real; only differences between sets are meaningful)."""
        self._require_fitted()
        if isinstance(X, (np.ndarray, torch.Tensor)) and np.ndim(X) == 3:
            x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
            if x.shape[1:] != (self.n_snps, 4):
                raise ValueError(f"X must have shape (n, {self.n_snps}, 4); got {tuple(x.shape)}")
        else:
            x = torch.from_numpy(one_hot(X, "X")).float()
            if x.shape[1] != self.n_snps:
                raise ValueError(f"X has length {x.shape[1]}, the model was trained on {self.n_snps}")
        with torch.no_grad():
            return self.critic(x.to(self._dev)).cpu().numpy()
