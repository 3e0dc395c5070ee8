"""Generating and designing DNA with a WGAN-GP, after Killoran et al. 2017.

Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).

The pieces, as in ``co9olguy/Generating-and-designing-DNA`` (methods reference section 10),
scaled down for a laptop:

* **Sequences as one-hot matrices.**  A DNA window of length ``L`` is an ``(L, 4)`` matrix with
  one 1 per row (columns A, C, G, T): :func:`one_hot`, :func:`decode`, :func:`encode`.
* **A Wasserstein GAN with gradient penalty** (:class:`DNAWGAN`, the "resnet" model): the
  generator maps ``z ~ N(0, I)`` through a linear layer and residual 1-D convolution blocks to a
  softmax over the four bases at every position; the critic reads one-hot (real) or softmax
  (generated) matrices.  Loss WGAN-GP with lambda = 10, Adam(betas 0.5, 0.9), several critic steps
  per generator step.
* **A predictor** of a sequence property (:class:`CNNPredictor`: a convolution, global max- and
  average-pooling, two dense layers), trained on real windows.
* **Design by activation maximisation** ("plug and play"): :func:`design_latent` moves the latent
  vector ``z`` by gradient ascent on ``predictor(G(z))``, so designs stay on the generator's
  learned manifold; :func:`design_sequence` is the no-generator baseline, gradient ascent on a
  relaxed sequence (softmax of free logits), which nothing keeps realistic.
* **An exactly computable property** (:func:`cpg_count`, the number of CG dinucleotides), so the
  predictor can be checked, and **realism measures** (:func:`realism_table`: k-mer spectra,
  GC content, CpG observed/expected, log-likelihood under a Markov chain of real DNA, critic score)
  with two baselines, independent bases and a Markov chain (:class:`MarkovDNA`).

Conventions: one-hot arrays and generator outputs are ``(n, L, 4)`` (channels last, columns
A, C, G, T); the networks transpose internally.  Decoding takes the most probable base at each
position (argmax), as the original code does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from .models.base import GenerativeModel, _check_positive_int
from .models.wgan_gp import critic_step, gradient_penalty

__all__ = [
    "ALPHABET",
    "encode",
    "one_hot",
    "decode",
    "dna_windows",
    "cpg_count",
    "gc_fraction",
    "cpg_obs_exp",
    "kmer_spectrum",
    "kmer_spectrum_correlation",
    "MarkovDNA",
    "iid_sequences",
    "gradient_penalty",
    "DNAWGAN",
    "CNNPredictor",
    "DesignResult",
    "design_latent",
    "design_sequence",
    "realism_table",
]

ALPHABET = "ACGT"
_LUT = np.full(256, -1, dtype=np.int8)
for _i, _b in enumerate(ALPHABET):
    _LUT[ord(_b)] = _LUT[ord(_b.lower())] = _i


# --------------------------------------------------------------------------- encoding
def encode(seqs: Any, name: str = "seqs") -> np.ndarray:
    """DNA strings to integer codes A=0, C=1, G=2, T=3: an ``int8`` array ``(n, L)``.

    ``seqs`` is one string or a sequence of strings of equal length; case is ignored.  Raises
    ``TypeError``/``ValueError`` naming the argument for anything else, including letters other
    than A, C, G, T (such as N).

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    if isinstance(seqs, str):
        seqs = [seqs]
    if isinstance(seqs, np.ndarray) and seqs.dtype.kind in "US":
        seqs = seqs.tolist()
    if not isinstance(seqs, (list, tuple)) or not all(isinstance(s, str) for s in seqs):
        raise TypeError(f"{name} must be a DNA string or a list of DNA strings; got {type(seqs).__name__}")
    if not seqs:
        raise ValueError(f"{name} is empty: give at least one sequence")
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        raise ValueError(f"{name} must hold sequences of one length; found lengths {sorted(lengths)[:5]}")
    L = lengths.pop()
    if L == 0:
        raise ValueError(f"{name} holds empty sequences")
    try:
        raw = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} contains non-ASCII characters; only A, C, G, T are allowed") from exc
    codes = _LUT[raw].reshape(len(seqs), L)
    bad = codes < 0
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains characters other than A, C, G, T: {seqs[row][col]!r} in sequence {row} "
            f"at position {col} (drop windows with N, e.g. with dna_windows)"
        )
    return codes


def _as_codes(x: Any, name: str) -> np.ndarray:
    """Codes ``(n, L)`` from strings, one-hot / probability arrays ``(n, L, 4)`` or codes ``(n, L)``."""
    if isinstance(x, str) or (isinstance(x, (list, tuple)) and x and isinstance(x[0], str)):
        return encode(x, name)
    if isinstance(x, np.ndarray) and x.dtype.kind in "US":
        return encode(x, name)
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim == 3:
        if arr.shape[2] != 4:
            raise ValueError(f"{name} must have 4 columns (A, C, G, T) in its last axis; got shape {arr.shape}")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{name} is empty; got shape {arr.shape}")
        return arr.argmax(axis=2).astype(np.int8)
    if arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer):
        if arr.size == 0 or arr.min() < 0 or arr.max() > 3:
            raise ValueError(f"{name} as integer codes must hold values 0-3 (A, C, G, T)")
        return arr.astype(np.int8)
    raise TypeError(
        f"{name} must be DNA strings, a one-hot array (n, L, 4) or integer codes (n, L); "
        f"got {type(x).__name__} with shape {getattr(arr, 'shape', None)}"
    )


def one_hot(seqs: Any, name: str = "seqs") -> np.ndarray:
    """DNA strings (or codes) to a ``uint8`` one-hot array ``(n, L, 4)``, columns A, C, G, T.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    codes = _as_codes(seqs, name)
    return np.eye(4, dtype=np.uint8)[codes]


def decode(x: Any, name: str = "x") -> list[str]:
    """One-hot or probability arrays ``(n, L, 4)`` (numpy or torch) back to DNA strings.

    Each position becomes its most probable base (argmax), as in the original code.
    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    codes = _as_codes(x, name)
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)[codes]
    return [row.tobytes().decode("ascii") for row in letters]


def dna_windows(seq: str, length: int = 50, name: str = "seq") -> list[str]:
    """Cut ``seq`` into non-overlapping windows of ``length`` bases, upper-cased, and keep those
    made only of A, C, G, T (windows with N are dropped).

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    if not isinstance(seq, str):
        raise TypeError(f"{name} must be a DNA string; got {type(seq).__name__}")
    length = _check_positive_int(length, "length")
    n = len(seq) // length
    if n == 0:
        raise ValueError(f"{name} ({len(seq)} bases) is shorter than one window of length {length}")
    raw = np.frombuffer(seq[: n * length].encode("ascii", errors="replace"), dtype=np.uint8)
    codes = _LUT[raw].reshape(n, length)
    keep = (codes >= 0).all(axis=1)
    letters = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)[codes[keep]]
    return [row.tobytes().decode("ascii") for row in letters]


# --------------------------------------------------------------------------- exact properties
def cpg_count(seqs: Any, name: str = "seqs") -> np.ndarray:
    """The exact number of CG dinucleotides (CpG sites) in each sequence (``int`` array).

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    c = _as_codes(seqs, name)
    return ((c[:, :-1] == 1) & (c[:, 1:] == 2)).sum(axis=1).astype(int)


def gc_fraction(seqs: Any, name: str = "seqs") -> np.ndarray:
    """Fraction of G or C in each sequence.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    c = _as_codes(seqs, name)
    return ((c == 1) | (c == 2)).mean(axis=1)


def cpg_obs_exp(seqs: Any, name: str = "seqs") -> float:
    """CpG observed/expected of a set of sequences, pooled: ``sum #CG / sum(#C x #G / L)``.

    For one sequence this is :func:`artgen_lite.sequence.cpg_observed_expected`.  Human DNA has
    about 0.2-0.25 outside CpG islands (CpG depletion by methylation and deamination); random
    sequence has 1.  Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    c = _as_codes(seqs, name)
    L = c.shape[1]
    expected = ((c == 1).sum(1) * (c == 2).sum(1) / L).sum()
    return float(cpg_count(c).sum() / expected) if expected > 0 else float("nan")


def kmer_spectrum(seqs: Any, k: int = 4, name: str = "seqs") -> np.ndarray:
    """Relative frequencies of the ``4**k`` k-mers over all windows of all sequences.

    k-mer index: bases read as base-4 digits, first base most significant (AAAA = 0, ..., TTTT).
    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    c = _as_codes(seqs, name).astype(np.int64)
    k = _check_positive_int(k, "k")
    if k > c.shape[1] or k > 10:
        raise ValueError(f"k must be at most min(10, sequence length {c.shape[1]}); got {k}")
    w = c.shape[1] - k + 1
    idx = np.zeros((c.shape[0], w), dtype=np.int64)
    for t in range(k):
        idx = idx * 4 + c[:, t : t + w]
    counts = np.bincount(idx.ravel(), minlength=4**k)
    return counts / counts.sum()


def kmer_spectrum_correlation(real: Any, other: Any, k: int = 4) -> float:
    """Pearson r between the k-mer spectra of two sets of DNA sequences.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    a, b = kmer_spectrum(real, k, "real"), kmer_spectrum(other, k, "other")
    return float(np.corrcoef(a, b)[0, 1])


# --------------------------------------------------------------------------- baselines
class MarkovDNA:
    """Markov chain of order ``order`` over A, C, G, T, fitted to real windows.

    Two uses: a **baseline generator** (:meth:`sample`) and a **realism score**
    (:meth:`log_likelihood`, mean log2-likelihood per base: about -2 bits for random sequence,
    higher for sequence that looks like the training DNA).  The first ``order`` bases of a window
    are scored and drawn from the k-mer frequencies at window starts, the rest base by base
    given the previous ``order``.  Transition counts get ``pseudocount`` added.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """

    def __init__(self, order: int = 3, pseudocount: float = 1.0) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= 8:
            raise ValueError(f"order must be an integer between 0 and 8; got {order!r}")
        if not pseudocount > 0:
            raise ValueError(f"pseudocount must be positive; got {pseudocount!r}")
        self.order = int(order)
        self.pseudocount = float(pseudocount)
        self.log_trans: np.ndarray | None = None
        self.log_start: np.ndarray | None = None

    def _ctx(self, c: np.ndarray, end: int) -> np.ndarray:
        """Index of the ``order`` bases before each position ``order .. end-1``."""
        k, w = self.order, end - self.order
        idx = np.zeros((c.shape[0], w), dtype=np.int64)
        for t in range(k):
            idx = idx * 4 + c[:, t : t + w]
        return idx

    def fit(self, seqs: Any) -> "MarkovDNA":
        """Count transitions (and starting k-mers) in ``seqs``; returns ``self``."""
        c = _as_codes(seqs, "seqs").astype(np.int64)
        k, L = self.order, c.shape[1]
        if L <= k:
            raise ValueError(f"seqs must be longer than the order ({k}); got length {L}")
        ctx = self._ctx(c, L)
        counts = np.bincount((ctx * 4 + c[:, k:]).ravel(), minlength=4 ** (k + 1)).reshape(4**k, 4)
        counts = counts + self.pseudocount
        self.log_trans = np.log(counts / counts.sum(1, keepdims=True))
        start = np.zeros(c.shape[0], dtype=np.int64)
        for t in range(k):
            start = start * 4 + c[:, t]
        s = np.bincount(start, minlength=4**k) + self.pseudocount
        self.log_start = np.log(s / s.sum())
        return self

    def log_likelihood(self, seqs: Any, name: str = "seqs") -> np.ndarray:
        """Mean log2-likelihood per base of each sequence (bits per base; higher = more typical)."""
        if self.log_trans is None:
            raise RuntimeError("this MarkovDNA is not fitted yet: call .fit(seqs) first")
        c = _as_codes(seqs, name).astype(np.int64)
        k, L = self.order, c.shape[1]
        if L <= k:
            raise ValueError(f"{name} must be longer than the order ({k}); got length {L}")
        ll = self.log_trans[self._ctx(c, L), c[:, k:]].sum(1)
        if k:
            start = np.zeros(c.shape[0], dtype=np.int64)
            for t in range(k):
                start = start * 4 + c[:, t]
            ll = ll + self.log_start[start]
        return ll / L / np.log(2)

    def sample(self, n: int, length: int, seed: int = 0) -> list[str]:
        """``n`` sequences of ``length`` bases drawn from the chain."""
        if self.log_trans is None:
            raise RuntimeError("this MarkovDNA is not fitted yet: call .fit(seqs) first")
        n, length = _check_positive_int(n, "n"), _check_positive_int(length, "length")
        if length <= self.order:
            raise ValueError(f"length must be longer than the order ({self.order}); got {length}")
        rng = np.random.default_rng(seed)
        k = self.order
        out = np.zeros((n, length), dtype=np.int64)
        if k:
            p0 = np.exp(self.log_start)
            start = rng.choice(4**k, size=n, p=p0 / p0.sum())
            for t in range(k):
                out[:, t] = (start // 4 ** (k - 1 - t)) % 4
        cum = np.cumsum(np.exp(self.log_trans), axis=1)
        ctx = start if k else np.zeros(n, dtype=np.int64)
        for t in range(k, length):
            u = rng.random(n)[:, None]
            base = np.minimum((u > cum[ctx]).sum(1), 3)
            out[:, t] = base
            ctx = (ctx * 4 + base) % (4**k) if k else ctx
        return decode(out.astype(np.int8))


def iid_sequences(train: Any, n: int, length: int | None = None, seed: int = 0) -> list[str]:
    """Baseline: ``n`` sequences of independent bases drawn with the base frequencies of ``train``.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    c = _as_codes(train, "train")
    n = _check_positive_int(n, "n")
    length = c.shape[1] if length is None else _check_positive_int(length, "length")
    p = np.bincount(c.ravel().astype(np.int64), minlength=4) / c.size
    rng = np.random.default_rng(seed)
    return decode(rng.choice(4, size=(n, length), p=p).astype(np.int8))


# --------------------------------------------------------------------------- WGAN-GP
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

    The face is that of every model in the book, adapted to sequences:
    ``fit(X, progress=True, callback=None)`` takes DNA strings or a one-hot array ``(n, L, 4)``;
    ``callback(model, iteration)`` is called at every history row and a dict it returns is
    added to the row.  ``sample(n, seed=0, output="strings")`` returns a list of strings
    (``output="onehot"``: ``uint8 (n, L, 4)``; ``"probs"``: the softmax outputs, ``float32``).
    ``generate(z)`` is the differentiable map used for design; ``critic_score(X)`` scores
    sequences.  ``n_snps`` (the base class's name) is the window length, also ``seq_len``.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """

    _hyperparameters = ("iterations", "latent_dim", "channels", "blocks", "kernel_size", "res_scale",
                        "n_critic", "gp_weight", "lr", "batch_size", "log_every", "seed")

    def __init__(self, *, iterations: int = 500, latent_dim: int = 64, channels: int = 16, blocks: int = 2,
                 kernel_size: int = 5, res_scale: float = 0.3, n_critic: int = 5, gp_weight: float = 10.0,
                 lr: float = 1e-3, batch_size: int = 64, log_every: int = 50, seed: int = 0) -> None:
        super().__init__()
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
        self.seed = int(seed)
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

        codes = _as_codes(X, "X")
        if codes.shape[0] < self.batch_size:
            raise ValueError(f"X has {codes.shape[0]} sequences, fewer than one batch ({self.batch_size})")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable; got {type(callback).__name__}")
        self.n_snps = int(codes.shape[1])
        self.history = []
        gen = torch.Generator().manual_seed(self.seed)
        self._build(self.n_snps)
        _glorot(self.generator, gen)
        _glorot(self.critic, gen)
        t0 = time.perf_counter()
        data = torch.from_numpy(one_hot(codes)).float()
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=self.lr, betas=(0.5, 0.9))
        opt_c = torch.optim.Adam(self.critic.parameters(), lr=self.lr, betas=(0.5, 0.9))
        bs, n = self.batch_size, len(data)
        order, pos = torch.randperm(n, generator=gen), 0
        sums = dict(critic_loss=0.0, wasserstein=0.0, gp=0.0, g_loss=0.0)
        bar = tqdm(range(1, self.iterations + 1), desc="DNA WGAN-GP", disable=not progress, unit="it")
        for it in bar:
            # --- n_critic critic steps
            self.critic.requires_grad_(True)
            for _ in range(self.n_critic):
                if pos + bs > n:
                    order, pos = torch.randperm(n, generator=gen), 0
                real = data[order[pos : pos + bs]]
                pos += bs
                with torch.no_grad():
                    fake = self.generator(torch.randn(bs, self.latent_dim, generator=gen))
                logs = critic_step(self.critic, opt_c, real, fake, self.gp_weight, generator=gen)
            # --- one generator step through the frozen critic
            self.critic.requires_grad_(False)
            loss_g = -self.critic(self.generator(torch.randn(bs, self.latent_dim, generator=gen))).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            sums["critic_loss"] += logs["critic_loss"]
            sums["wasserstein"] += logs["wasserstein"]
            sums["gp"] += logs["gradient_penalty"]
            sums["g_loss"] += loss_g.item()
            if it % self.log_every == 0 or it == self.iterations:
                k = it - (self.history[-1]["iteration"] if self.history else 0)
                row: dict[str, Any] = {"iteration": it, **{key: v / k for key, v in sums.items()}}
                sums = dict.fromkeys(sums, 0.0)
                if callback is not None:
                    extra = callback(self, it)
                    if isinstance(extra, dict):  # numpy scalars -> float, so save() can store them
                        row.update({key: float(v) if isinstance(v, (np.floating, np.integer)) else v
                                    for key, v in extra.items()})
                self.history.append(row)
                bar.set_postfix(W=f"{row['wasserstein']:.3f}")
        self.critic.requires_grad_(True)
        self.train_time_s = time.perf_counter() - t0
        return self

    # ------------------------------------------------------------------ generation
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Differentiable map from latent vectors ``z (n, latent_dim)`` to base probabilities
        ``(n, L, 4)``: what design by latent optimisation backpropagates through."""
        self._require_fitted()
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}); got {tuple(z.shape)}")
        return self.generator(z)

    def sample(self, n: int, seed: int = 0, output: str = "strings") -> Any:
        """``n`` generated windows: strings (default), ``"onehot"`` (``uint8 (n, L, 4)``, argmax
        of the softmax) or ``"probs"`` (the softmax itself)."""
        self._require_fitted()
        n = _check_positive_int(n, "n")
        if output not in ("strings", "onehot", "probs"):
            raise ValueError(f"output must be 'strings', 'onehot' or 'probs'; got {output!r}")
        gen = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            p = self.generator(torch.randn(n, self.latent_dim, generator=gen))
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
            return self.critic(x).numpy()


# --------------------------------------------------------------------------- predictor
class _PredictorNet(nn.Module):
    def __init__(self, filters: int, width: int, hidden: int) -> None:
        super().__init__()
        self.width = width
        self.conv = nn.Conv1d(4, filters, width)
        self.fc = nn.Sequential(nn.Linear(2 * filters, hidden), nn.LeakyReLU(0.1),
                                nn.Linear(hidden, hidden), nn.LeakyReLU(0.1), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (n, L, 4)`` one-hot or relaxed -> one prediction per sequence ``(n,)``."""
        h = x.transpose(1, 2)
        pad = (self.width - 1) // 2
        h = F.pad(h, (pad, self.width - 1 - pad), value=0.25)  # padding = "unknown base"
        h = F.leaky_relu(self.conv(h), 0.1)
        h = torch.cat([h.amax(2), h.mean(2)], dim=1)
        return self.fc(h).squeeze(1)


class CNNPredictor:
    """Convolutional regressor of a sequence property, shaped like Killoran et al.'s predictor.

    ``Conv1d(4 -> filters, width)`` on the one-hot input (padded with 0.25, i.e. "unknown base"),
    leaky ReLU (0.1), global max- and average-pooling concatenated, two dense layers of
    ``hidden`` units with leaky ReLU, one linear output (the original ends in a sigmoid for a
    binding probability; ours predicts a count).  Trained with mean squared error and Adam.
    [Original: 100 filters of width 15, 2 x 200 units, lr 5e-5, 75 epochs, batch 64.]

    ``fit(X, y, progress=True)``, ``predict(X)`` (numpy), ``net`` (the torch module; call it on
    ``(n, L, 4)`` tensors to differentiate), ``history`` (one dict per epoch).

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """

    def __init__(self, *, filters: int = 32, width: int = 15, hidden: int = 64, epochs: int = 5,
                 lr: float = 2e-3, batch_size: int = 64, seed: int = 0) -> None:
        self.filters = _check_positive_int(filters, "filters")
        self.width = _check_positive_int(width, "width")
        self.hidden = _check_positive_int(hidden, "hidden")
        self.epochs = _check_positive_int(epochs, "epochs")
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        if not lr > 0:
            raise ValueError(f"lr must be positive; got {lr!r}")
        self.lr, self.seed = float(lr), int(seed)
        self.net: _PredictorNet | None = None
        self.history: list[dict[str, float]] = []

    def fit(self, X: Any, y: Any, *, progress: bool = True) -> "CNNPredictor":
        """Train on sequences ``X`` (strings or one-hot) with targets ``y`` (one number each)."""
        x = torch.from_numpy(one_hot(X, "X")).float()
        t = torch.as_tensor(np.asarray(y, dtype=np.float32))
        if t.dim() != 1 or len(t) != len(x):
            raise ValueError(f"y must hold one number per sequence ({len(x)}); got shape {tuple(t.shape)}")
        gen = torch.Generator().manual_seed(self.seed)
        self.net = _PredictorNet(self.filters, self.width, self.hidden)
        _glorot(self.net, gen)
        opt = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        self.history = []
        n, bs = len(x), self.batch_size
        for epoch in tqdm(range(1, self.epochs + 1), desc="predictor", disable=not progress, unit="epoch"):
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for b in range(0, n, bs):
                idx = order[b : b + bs]
                loss = F.mse_loss(self.net(x[idx]), t[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            self.history.append({"epoch": epoch, "mse": total / n})
        self.net.requires_grad_(False)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for strings, one-hot or probability arrays ``(n, L, 4)``."""
        if self.net is None:
            raise RuntimeError("this CNNPredictor is not trained yet: call .fit(X, y) first")
        if isinstance(X, (np.ndarray, torch.Tensor)) and np.ndim(X) == 3:
            x = torch.as_tensor(np.asarray(X), dtype=torch.float32)
        else:
            x = torch.from_numpy(one_hot(X, "X")).float()
        with torch.no_grad():
            return self.net(x).numpy()


# --------------------------------------------------------------------------- design
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

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
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
    steps = _check_positive_int(steps, "steps")
    record_every = _check_positive_int(record_every, "record_every")
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
    ``true_property(onehot)`` (e.g. :func:`cpg_count`) is recorded along the way.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    gan._require_fitted()
    gen = torch.Generator().manual_seed(int(seed))
    if z0 is None:
        z0 = torch.randn(_check_positive_int(n, "n"), gan.latent_dim, generator=gen)
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

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
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


# --------------------------------------------------------------------------- realism
def realism_table(reference: Any, sets: dict[str, Any], markov: MarkovDNA | None = None,
                  gan: DNAWGAN | None = None, k: int = 4, reference_name: str = "Real (held out)") -> pd.DataFrame:
    """One row per set of sequences: how much it looks like the ``reference`` (held-out real) DNA.

    Columns: ``kmer_r`` (Pearson r of the k-mer spectrum with the reference), ``gc_mean``,
    ``gc_sd`` (spread of GC content between windows), ``gc_w1`` (Wasserstein-1 distance of the GC
    distribution to the reference), ``cpg_mean`` (CG dinucleotides per window), ``cpg_oe``
    (pooled observed/expected), ``markov_ll`` (mean bits per base under ``markov``, a chain fitted
    to real training DNA), ``critic`` (mean critic score minus the reference's mean), and
    ``distinct`` (fraction of distinct sequences).  The reference itself is the first row, named
    ``reference_name``.  The critic was trained only to tell real windows from the generator's;
    far from those (e.g. after direct design) its score means nothing.

    Explained in the chapter "Designing DNA" (notebooks/08_designing_dna).
    """
    from scipy.stats import wasserstein_distance

    ref = _as_codes(reference, "reference")
    gc_ref = gc_fraction(ref)
    crit_ref = float(gan.critic_score(one_hot(ref)).mean()) if gan is not None else None
    rows = []
    for name, seqs in {reference_name: ref, **sets}.items():
        c = _as_codes(seqs, name)
        gc = gc_fraction(c)
        row = {
            "set": name,
            "n": len(c),
            "kmer_r": kmer_spectrum_correlation(ref, c, k),
            "gc_mean": float(gc.mean()),
            "gc_sd": float(gc.std()),
            "gc_w1": float(wasserstein_distance(gc_ref, gc)),
            "cpg_mean": float(cpg_count(c).mean()),
            "cpg_oe": cpg_obs_exp(c),
        }
        if markov is not None:
            row["markov_ll"] = float(markov.log_likelihood(c).mean())
        if gan is not None:
            row["critic"] = float(gan.critic_score(one_hot(c)).mean()) - crit_ref
        row["distinct"] = len({r.tobytes() for r in c}) / len(c)
        rows.append(row)
    return pd.DataFrame(rows).set_index("set")
