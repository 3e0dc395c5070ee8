"""Haplotype mosaics: the Li-Stephens copying model run forwards as a generator (chapter 14,
"Beyond the lecture").

The tools that make synthetic genotypes at biobank scale -- HAPGEN2 (Su, Marchini & Donnelly
2011) and HAPNEST (Wharrie et al. 2023) -- do not train a network. They build each new haplotype
as a mosaic of the haplotypes of a reference panel under the Li & Stephens (2003) copying model,
the hidden Markov model that chapter 10 uses for imputation:

* at the first SNP the haplotype copies a panel haplotype drawn uniformly;
* between SNPs ``t`` and ``t + 1`` it keeps copying the same one with probability ``1 - rho_t``
  and jumps to a uniformly drawn panel haplotype with probability ``rho_t`` (a recombination);
* the copied allele is emitted, flipped with probability ``theta`` (a new mutation).

Imputation runs this model backwards (which panel haplotype is a target copying?); a generator
runs it forwards. Nothing is learned beyond two rates, so a mosaic reproduces LD and allele
frequencies by construction, and it leaks: each synthetic haplotype is a chain of verbatim
segments of real ones (:func:`artgen_lite.metrics.longest_shared_run` measures how long).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..imputation import li_stephens_log_likelihood, li_stephens_theta, switch_probabilities
from .base import GenerativeModel, _check_float, _check_positive_int, check_haplotypes

__all__ = ["HaplotypeMosaic", "minimal_mosaic_segments"]


def minimal_mosaic_segments(panel: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fewest verbatim panel segments that tile each target, and the SNPs no panel haplotype
    can supply (``(segments, misses)``, one entry per target).

    Greedy tiling: from SNP ``t`` take the longest run that one panel haplotype shares with the
    target (:func:`artgen_lite.metrics.forward_match_lengths`), jump to its end, repeat; a SNP whose
    allele no panel haplotype carries counts as a miss and is stepped over. Greedy is optimal for
    covering a line with intervals that all start where the previous one ends, so ``segments`` is
    the minimum. Vectorised over the targets (a loop over segments, not over haplotypes).

    Explained in the chapter 'Beyond the lecture' (notebooks/14_beyond_the_lecture).

    Parameters
    ----------
    panel : numpy.ndarray of shape (n_panel, n_snps)
        0/1 haplotypes the segments are copied from.
    targets : numpy.ndarray of shape (n_targets, n_snps)
        0/1 haplotypes to tile, on the same SNPs.

    Returns
    -------
    tuple of two numpy.ndarray of int64, each of shape (n_targets,)
        ``(segments, misses)``: per target, the fewest verbatim panel segments that tile it and
        the number of SNPs whose allele no panel haplotype carries.

    Examples
    --------
    >>> panel = np.array([[0, 0, 0, 0], [1, 1, 1, 1]], np.uint8)
    >>> targets = np.array([[0, 0, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1]], np.uint8)
    >>> segments, misses = minimal_mosaic_segments(panel, targets)
    >>> segments.tolist(), misses.tolist()
    ([2, 4, 1], [0, 0, 0])
    >>> [a.tolist() for a in minimal_mosaic_segments(panel[:1], targets[:1])]
    [[1], [2]]
    """
    from ..metrics import forward_match_lengths

    return _greedy_tiling(forward_match_lengths(panel, targets))


def nearest_panel_neighbours(panel: np.ndarray, queries: np.ndarray, m: int, exclude_self: bool = False,
                             block: int = 512) -> np.ndarray:
    """Indices of the ``m`` panel haplotypes nearest (Hamming) to each query, nearest first.

    Distances by matrix products in blocks of ``block`` queries (exact in float32 below 2^24 SNPs);
    ``exclude_self`` drops the query's own row when ``queries`` is the panel itself.

    Explained in the chapter 'Beyond the lecture' (notebooks/14_beyond_the_lecture).
    """
    P = torch.from_numpy(np.asarray(panel, dtype=np.float32))
    out = []
    for s in range(0, len(queries), block):
        Q = torch.from_numpy(np.asarray(queries[s : s + block], dtype=np.float32))
        d = Q.sum(1, keepdim=True) + P.sum(1)[None, :] - 2 * Q @ P.t()
        if exclude_self:
            d[torch.arange(len(Q)), torch.arange(s, s + len(Q))] = float("inf")
        # ties broken by the panel index: sort (distance, index) pairs stably
        order = torch.sort(d, dim=1, stable=True).indices[:, :m]
        out.append(order.numpy())
    return np.concatenate(out).astype(np.int64)


def _pair_forward_lengths(targets: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """``L[b, t]`` = longest run starting at ``t`` shared by target ``b`` and one of ITS donors
    ``donors[b]`` (``B x M x T``); the backward scan of :mod:`artgen_lite.metrics.shared_runs`."""
    B, M, T = donors.shape
    eq = donors == targets[:, None, :]
    run = np.zeros((B, M), dtype=np.int32)
    L = np.zeros((B, T), dtype=np.int64)
    for t in range(T - 1, -1, -1):
        run += 1
        run *= eq[:, :, t]
        L[:, t] = run.max(1)
    return L


def _greedy_tiling(L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    B, T = L.shape
    pos = np.zeros(B, dtype=np.int64)
    segments = np.zeros(B, dtype=np.int64)
    misses = np.zeros(B, dtype=np.int64)
    rows = np.arange(B)
    while True:
        live = pos < T
        if not live.any():
            break
        step = L[rows[live], pos[live]]
        miss = step == 0
        segments[rows[live][~miss]] += 1
        misses[rows[live][miss]] += 1
        pos[live] += np.maximum(step, 1)
    return segments, misses


class HaplotypeMosaic(GenerativeModel):
    """Li-Stephens copying generator (HAPGEN2 / HAPNEST style): new haplotypes as mosaics of a panel.

    Parameters (keyword only)
    ----------
    switch_rate : float or None, default None
        Probability ``rho`` of a jump between two adjacent SNPs, the same for every gap. ``None``
        estimates it from the panel at ``fit`` (unless ``positions`` are given): ``n_estimate``
        panel haplotypes are held out and tiled from the others with as few verbatim segments as
        possible (:func:`minimal_mosaic_segments`); ``rho = (mean segments - 1) / (n_snps - 1)``,
        so a mosaic switches about as often as a real haplotype must to be rebuilt from the panel.
    mismatch_rate : float or None, default None
        Probability ``theta`` that a copied allele is flipped. ``None`` uses Li & Stephens'
        default for a panel of ``K`` haplotypes (:func:`artgen_lite.imputation.li_stephens_theta`).
    ne, recomb_rate : float, default 10,000 and 1e-8
        Used only with ``fit(X, positions=...)`` and ``switch_rate=None``: then
        ``rho_t = 1 - exp(-4 Ne r d_t / K)`` from the base-pair gaps ``d_t``, chapter 10's
        :func:`artgen_lite.imputation.switch_probabilities` (uniform 1 cM/Mb, no genetic map).
    n_donors : int or None, default 128
        Size of each synthetic haplotype's donor pool. Every new haplotype first draws a *seed*
        panel haplotype uniformly, then copies only from the ``n_donors`` panel haplotypes nearest
        to it (Hamming, the seed included); at a switch the new donor is drawn uniformly from that
        pool. This is how the generator keeps population structure: the plain Li-Stephens jump to
        any panel haplotype mixes populations, which is why HAPNEST copies from one population's
        panel at a time. ``None`` is the plain model (donors drawn from the whole panel).
    n_estimate : int, default 100
        Panel haplotypes held out to estimate ``switch_rate`` (at most a fifth of the panel).
    seed : int, default 0
        Seed of the held-out haplotypes of the estimate (``sample`` takes its own seed).
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where :meth:`sample` walks the copying chain (:mod:`artgen_lite.models.device`); the
        estimate and ``score_samples`` run on the CPU (numpy).

    Presets (:meth:`preset`): ``"smoke"`` (pools of 32 donors, 20 held-out haplotypes) and
    ``"paper"``: HAPGEN2's plain copying model (Su, Marchini & Donnelly 2011), donors drawn from
    the whole panel (``n_donors=None``).

    ``fit`` stores the whole panel (the model *is* its panel): ``n_parameters`` counts its 0/1
    numbers plus the rates. ``score_samples(X)`` is the white-box membership score (higher = more
    member-like): the log-likelihood of each haplotype under the copying model given the panel,
    :func:`artgen_lite.imputation.li_stephens_log_likelihood`; a panel member copies itself with
    at most ``n_snps`` mismatches' worth of penalty less than anyone else. ``history`` holds one
    row with the estimate (``switch_rate``, ``mismatch_rate``, ``mean_segments``).
    """

    _trains_in_epochs = False  # no training loop (it estimates two rates): no epoch callback
    _presets = {
        "smoke": dict(n_donors=32, n_estimate=20),
        # HAPGEN2 (Su et al. 2011): the plain Li-Stephens model, donors from the whole panel
        "paper": dict(n_donors=None),
    }

    def __init__(
        self,
        *,
        switch_rate: float | None = None,
        mismatch_rate: float | None = None,
        ne: float = 10_000.0,
        recomb_rate: float = 1e-8,
        n_donors: int | None = 128,
        n_estimate: int = 100,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        self.switch_rate = None if switch_rate is None else _check_float(switch_rate, "switch_rate", 0.0, 1.0)
        self.mismatch_rate = (None if mismatch_rate is None
                              else _check_float(mismatch_rate, "mismatch_rate", 0.0, 0.5))
        self.ne = _check_float(ne, "ne", 0.0, low_open=True)
        self.recomb_rate = _check_float(recomb_rate, "recomb_rate", 0.0)
        self.n_donors = None if n_donors is None else _check_positive_int(n_donors, "n_donors")
        self.n_estimate = _check_positive_int(n_estimate, "n_estimate")
        self.panel: torch.Tensor | None = None
        self.rho: torch.Tensor | None = None
        self.theta: float | None = None
        self.pools: torch.Tensor | None = None

    # ------------------------------------------------------------------ structure
    def _build(self, n_snps: int) -> None:
        self.pools = None
        self.panel = None
        self.rho = None
        self.theta = None

    def _modules(self) -> dict[str, Any]:
        return {}  # the panel has a data-dependent number of rows: it travels in _extra_state

    def _extra_state(self) -> dict[str, Any]:
        if self.panel is None:
            return {}
        out = {"panel": self.panel.clone(), "rho": self.rho.clone(), "theta": float(self.theta)}
        if self.pools is not None:
            out["pools"] = self.pools.clone()
        return out

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        if state:
            dev = self._dev
            self.panel = state["panel"].to(torch.uint8).to(dev)
            self.rho = state["rho"].double().to(dev)
            self.theta = float(state["theta"])
            self.pools = None if state.get("pools") is None else state["pools"].to(dev)

    @property
    def n_parameters(self) -> int:
        """The panel's 0/1 numbers plus the ``n_snps - 1`` switch probabilities and ``theta``."""
        self._require_fitted()
        return int(self.panel.numel() + self.rho.numel() + 1)  # the donor pools are derived from the panel

    # ------------------------------------------------------------------ fit
    def _fit(self, X: np.ndarray, progress: bool, positions: Any = None) -> None:
        K, T = X.shape
        if K < 2:
            raise ValueError(f"a copying panel needs at least 2 haplotypes, got {K}")
        M = None if self.n_donors is None else min(self.n_donors, K)
        theta = li_stephens_theta(K) if self.mismatch_rate is None else self.mismatch_rate
        mean_segments = float("nan")
        if self.switch_rate is not None:
            rho = np.full(T - 1, self.switch_rate)
        elif positions is not None:
            positions = np.asarray(positions)
            if positions.shape != (T,):
                raise ValueError(f"positions must hold one entry per SNP ({T}), got shape {positions.shape}")
            rho = switch_probabilities(positions, K, ne=self.ne, recomb_rate=self.recomb_rate)
        else:
            m = int(min(self.n_estimate, max(1, K // 5)))
            rng = np.random.default_rng([self.seed, 0x7111E])
            held = np.zeros(K, dtype=bool)
            held[rng.choice(K, m, replace=False)] = True
            if M is None:
                segments, _ = minimal_mosaic_segments(X[~held], X[held])
            else:  # each held-out haplotype tiled from its own pool of nearest panel haplotypes
                rest = X[~held]
                pool = nearest_panel_neighbours(rest, X[held], min(M, len(rest)))
                segments, _ = _greedy_tiling(_pair_forward_lengths(X[held], rest[pool]))
            mean_segments = float(segments.mean())
            rho = np.full(T - 1, (mean_segments - 1) / max(1, T - 1))
        dev = self._dev
        self.panel = torch.from_numpy(np.ascontiguousarray(X, dtype=np.uint8)).to(dev)
        self.rho = torch.from_numpy(np.asarray(rho, dtype=np.float64)).to(dev)
        self.theta = float(theta)
        self.pools = None if M is None else torch.from_numpy(nearest_panel_neighbours(X, X, M)).to(dev)
        self.history.append({"epoch": 1, "switch_rate": float(self.rho.mean()) if T > 1 else 0.0,
                             "mismatch_rate": self.theta, "mean_segments": mean_segments})

    # ------------------------------------------------------------------ sample
    def _sample(self, n: int, generator: torch.Generator, **kwargs: Any) -> torch.Tensor:
        """Walk the copying chain for ``n`` haplotypes at once: switch points are Bernoulli(rho_t)
        draws, each segment (a run between switches) copies a uniformly drawn panel haplotype, and
        each allele flips with probability theta. No loop at all: segment ids are a cumulative sum."""
        if kwargs:
            raise TypeError(f"HaplotypeMosaic.sample() got unexpected keyword argument(s) {sorted(kwargs)}")
        return self._walk(n, generator)[0]

    def _walk(self, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        K, T = self.panel.shape
        dev = self.panel.device  # draws on the CPU generator, moved to the panel's device
        switch = torch.rand(n, T - 1, generator=generator, dtype=torch.float64).to(dev) < self.rho
        seg = torch.cat([torch.zeros(n, 1, dtype=torch.long, device=dev), switch.long().cumsum(1)], dim=1)  # n x T
        if self.pools is None:
            donors = torch.randint(K, (n, T), generator=generator).to(dev)  # one donor per possible segment
        else:
            pool = self.pools[torch.randint(K, (n,), generator=generator).to(dev)]  # n x M, around a seed
            pick = torch.randint(pool.shape[1], (n, T), generator=generator).to(dev)
            donors = torch.gather(pool, 1, pick)
        copying = torch.gather(donors, 1, seg)  # n x T: the panel haplotype copied at each SNP
        alleles = self.panel[copying, torch.arange(T, device=dev)]
        flip = torch.rand(n, T, generator=generator, dtype=torch.float64).to(dev) < self.theta
        return alleles ^ flip.to(torch.uint8), copying

    def sample_with_donors(self, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`sample` (same draws for the same seed), plus the panel row each SNP was
        copied from (``n x n_snps`` int array): the mosaic made visible (chapter 14's figure)."""
        self._require_fitted()
        n = _check_positive_int(n, "n")
        gen = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            S, copying = self._walk(n, gen)
        return S.cpu().numpy(), copying.cpu().numpy()

    # ------------------------------------------------------------------ scores
    def score_samples(self, X: Any, batch_size: int = 64) -> np.ndarray:
        """White-box membership score, higher = more member-like: ``log P(x | panel)`` under the
        copying model with the fitted rates (:func:`artgen_lite.imputation.li_stephens_log_likelihood`)."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        return li_stephens_log_likelihood(self.panel.cpu().numpy(), X.astype(np.int8), self.rho.cpu().numpy(),
                                          theta=self.theta, batch_size=batch_size)
