"""Restricted Boltzmann machine for haplotypes (chapter "Restricted Boltzmann machines").

Two recipes from the Yelmen et al. papers are available through ``method``:

* ``"pcd"`` -- persistent contrastive divergence, as in the 2021 Julia code: negative chains
  persist across minibatches and move ``k`` Gibbs steps per update; generation runs a long
  chain (``sample_steps``, 500 as in the original) from a random start.
* ``"rdm"`` -- the 2023 out-of-equilibrium "Rdm-k" recipe (Decelle, Furtlehner & Seoane
  2021): the negative chains restart from random Bernoulli(0.5) states at *every* minibatch
  and run exactly ``k`` Gibbs steps.  The model then produces good samples after exactly
  ``k`` steps from a random start -- which is how :meth:`RBM.sample` generates by default
  (``gibbs_chain`` shows that running the chain further makes samples worse).

``centered=True`` uses the centred gradient of the 2023 code (subtract the minibatch means
of visible and hidden units before forming the weight gradient), which makes training with
large learning rates stable.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
import torch
from tqdm import tqdm

from .base import GenerativeModel, _check_positive_int, check_haplotypes, warn_dense_scaling
from .settings import BUDGET_SETTINGS

__all__ = ["RBM"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class RBM(GenerativeModel):
    """Bernoulli-visible restricted Boltzmann machine trained by PCD or Rdm-k.

    Parameters (keyword only; the defaults are the course-scale settings: on the 805-SNP data
    they reach AATS ~ 0.5, AF r > 0.99 and LD r > 0.97 in about 2.5 minutes on 2 idle CPU cores)
    ----------
    n_hidden : int, default 200
        Number of hidden units ``Nh``.
    hidden : {"bernoulli", "relu"}, default "bernoulli"
        Hidden-unit type: Bernoulli (``p(h=1|v) = sigmoid(Wv + c)``) or the truncated
        Gaussian "ReLU" units of the 2021 Julia code (``h | v ~ N(Wv + c, 1)`` truncated to
        ``h >= 0``).
    method : {"rdm", "pcd"}, default "rdm"
        Negative-phase recipe (see the module docstring).
    k : int, default 20
        Gibbs steps per update (the ``k`` of Rdm-k; ``t_max`` of PCD).
    centered : bool, default True
        Use the centred gradient of Yelmen et al. 2023.
    lr : float, default 0.02
        Learning rate (plain SGD, no momentum, as in both original codes).
    epochs : int or None, default None
        Passes over the training data; ``None`` means as many as the ``steps`` budget needs.
    steps : int, default 2400
        Budget of parameter updates (minibatches) when ``epochs`` is None: 150 epochs of the
        4,004 training haplotypes of the 805-SNP data, and as many updates on any other cohort.
    batch_size : int, default 256
        Minibatch size (the data are reshuffled every epoch).
    n_chains : int or None, default None
        Number of negative chains; ``None`` means ``batch_size``.
    l2 : float, default 0.0
        L2 penalty on the weights.
    init_std : float, default 1e-4
        Standard deviation of the initial weights (visible biases start at the logit of the
        allele frequencies, hidden biases at 0).
    sample_steps : int or None, default None
        Gibbs steps used by :meth:`sample` when ``k`` is not given: ``None`` means the
        training ``k`` for ``method="rdm"`` and 500 for ``method="pcd"``.
    seed : int, default 0
        Seed of the initialisation, the minibatch order and the negative chains.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device, and on the CPU results are bitwise reproducible.

    Presets (:meth:`preset`): ``"smoke"`` (16 hidden units, k 2, 2 epochs) and ``"paper"``: the
    recipe of the released 805-SNP AGs of Yelmen et al. 2021 (their Julia code): PCD with ReLU
    hidden units, 800 epochs, minibatches of 32.

    Methods beyond the shared face: ``free_energy(X)`` (white-box membership score: lower
    = more probable), ``gibbs_chain(n, steps, seed)`` (samples after several step counts of
    one set of chains) and ``sample(n, seed, k=None)``.  ``history`` rows hold ``epoch``,
    ``recon_error`` (one-step mean-field reconstruction error, a monitor only) and the mean
    free energies of a data batch and of the negative chains (``free_energy_data``,
    ``free_energy_model``).  Learned parameters: ``W`` (n_hidden x n_snps), ``b`` (visible
    biases), ``c`` (hidden biases).
    """

    _presets = {
        "smoke": dict(n_hidden=16, k=2, epochs=2, batch_size=256),
        # Yelmen et al. 2021: PCD with ReLU hidden units, 800 epochs (the released 805-SNP AGs)
        "paper": dict(method="pcd", hidden="relu", epochs=800, batch_size=32),
    }

    _setting_groups = (BUDGET_SETTINGS,)
    _setting_defaults = {"validation_fraction": 0.1, "steps": 2400, "batch_size": 256}

    def __init__(
        self,
        *,
        n_hidden: int = 200,
        hidden: str = "bernoulli",
        method: str = "rdm",
        k: int = 20,
        centered: bool = True,
        lr: float = 0.02,
        n_chains: int | None = None,
        l2: float = 0.0,
        init_std: float = 1e-4,
        sample_steps: int | None = None,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        if hidden not in ("bernoulli", "relu"):
            raise ValueError(f"hidden must be 'bernoulli' or 'relu'; got {hidden!r}")
        if method not in ("rdm", "pcd"):
            raise ValueError(f"method must be 'rdm' or 'pcd'; got {method!r}")
        self.n_hidden = _check_positive_int(n_hidden, "n_hidden")
        self.hidden = hidden
        self.method = method
        self.k = _check_positive_int(k, "k")
        self.centered = bool(centered)
        if not lr > 0:
            raise ValueError(f"lr must be positive; got {lr!r}")
        self.lr = float(lr)
        self.n_chains = None if n_chains is None else _check_positive_int(n_chains, "n_chains")
        if l2 < 0:
            raise ValueError(f"l2 must be >= 0; got {l2!r}")
        self.l2 = float(l2)
        if not init_std >= 0:
            raise ValueError(f"init_std must be >= 0; got {init_std!r}")
        self.init_std = float(init_std)
        self.sample_steps = None if sample_steps is None else _check_positive_int(sample_steps, "sample_steps")
        self.W: torch.Tensor | None = None
        self.b: torch.Tensor | None = None
        self.c: torch.Tensor | None = None

    # ------------------------------------------------------------------ structure
    def _build(self, n_snps: int) -> None:
        dev = self._dev
        self.W = torch.zeros(self.n_hidden, n_snps, device=dev)
        self.b = torch.zeros(n_snps, device=dev)
        self.c = torch.zeros(self.n_hidden, device=dev)

    def _modules(self) -> dict[str, Any]:
        return {"W": self.W, "b": self.b, "c": self.c}

    # ------------------------------------------------------------------ conditionals
    def _h_input(self, v: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.c, v, self.W.t())

    def _h_mean(self, mu: torch.Tensor) -> torch.Tensor:
        """E[h | v] given the hidden input ``mu = Wv + c``."""
        if self.hidden == "bernoulli":
            return torch.sigmoid(mu)
        # truncated N(mu, 1) on [0, inf): mean = mu + phi(mu) / Phi(mu)
        m = mu.double()
        ratio = torch.exp(-0.5 * m * m - _LOG_SQRT_2PI - torch.special.log_ndtr(m))
        return (m + ratio).to(mu.dtype)

    def _h_sample(self, mu: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        u = torch.rand(mu.shape, generator=gen, dtype=mu.dtype).to(mu.device)
        if self.hidden == "bernoulli":
            return (u < torch.sigmoid(mu)).to(mu.dtype)
        # inverse CDF of N(mu, 1) truncated to h >= 0: h = mu - Phi^-1(u * Phi(mu)),
        # computed in float64 so that strongly negative inputs stay finite.
        m = mu.double()
        q = (u.double() * torch.special.ndtr(m)).clamp_min(1e-300)
        h = m - torch.special.ndtri(q)
        return h.clamp_min(0.0).to(mu.dtype)

    def _v_prob(self, h: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(torch.addmm(self.b, h, self.W))

    def gibbs(self, v: torch.Tensor, steps: int, generator: torch.Generator, n_clamped: int = 0) -> torch.Tensor:
        """``steps`` heat-bath sweeps (sample h | v, then v | h) starting from the visible states ``v``.

        The sampler of chapter 04 ("Restricted Boltzmann machines"); with ``n_clamped`` it is the
        conditional RBM's of chapter 06 (:class:`artgen_lite.models.CRBM` drives one RBM per window
        through this method and :meth:`learning_step`).

        Parameters
        ----------
        v : torch.Tensor of shape (n, n_snps)
            Starting 0/1 states (float, on the model's device).
        steps : int
            Number of sweeps.
        generator : torch.Generator
            Seeded CPU generator all draws come from.
        n_clamped : int, default 0
            ``> 0`` pins the first ``n_clamped`` visible units to their values in ``v``: only the
            other units are resampled, and the pinned units' constant input to the hidden layer is
            computed once.

        Returns
        -------
        torch.Tensor
            The 0/1 states after the last sweep, shape of ``v``.
        """
        gen = generator
        if n_clamped == 0:
            for _ in range(steps):
                h = self._h_sample(self._h_input(v), gen)
                p = self._v_prob(h)
                v = (torch.rand(p.shape, generator=gen).to(p.device) < p).to(p.dtype)
            return v
        fixed, free = v[:, :n_clamped], v[:, n_clamped:]
        W_free, b_free = self.W[:, n_clamped:].contiguous(), self.b[n_clamped:]
        mu_fixed = torch.addmm(self.c, fixed, self.W[:, :n_clamped].t())
        for _ in range(steps):
            h = self._h_sample(torch.addmm(mu_fixed, free, W_free.t()), gen)
            p = torch.sigmoid(torch.addmm(b_free, h, W_free))
            free = (torch.rand(p.shape, generator=gen).to(p.device) < p).to(p.dtype)
        return torch.cat([fixed, free], dim=1)

    def _random_start(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return (torch.rand(n, self.n_snps, generator=gen) < 0.5).float().to(self.W.device)

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        warn_dense_scaling("RBM", X.shape[1], self.n_parameters,
                           f"each of its {self.k}-step Gibbs chains costs n_snps x n_hidden per step")
        gen = torch.Generator().manual_seed(self.seed)
        data = torch.from_numpy(X).float().to(self.W.device)
        n = data.shape[0]
        freq = data.mean(0).clamp(1e-5, 1 - 1e-5)
        with torch.no_grad():
            self.b.copy_(torch.log(freq / (1 - freq)))
            self.W.copy_(torch.randn(self.W.shape, generator=gen) * self.init_std)
            self.c.zero_()
        bs = min(self.batch_size, n)
        n_neg = self.n_chains or bs
        n_batches = max(1, math.ceil(n / bs))
        chains = self._random_start(n_neg, gen)  # persistent chains for PCD
        epochs = self._epochs_for(n_batches)
        bar = tqdm(range(epochs), desc="RBM", disable=not progress, unit="epoch")
        for epoch in bar:
            perm = torch.randperm(n, generator=gen)
            recon = 0.0
            for i in range(n_batches):
                vpos = data[perm[i * bs : (i + 1) * bs]]
                if self.method == "rdm":
                    chains = self._random_start(n_neg, gen)
                chains = self.gibbs(chains, self.k, gen)
                recon += self.learning_step(vpos, chains) * vpos.shape[0]
            with torch.no_grad():
                fe_data = float(self.free_energy_tensor(data[perm[:n_neg]]).mean())
                fe_model = float(self.free_energy_tensor(chains).mean())
            rec = {
                "epoch": epoch + 1,
                "recon_error": recon / n,
                "free_energy_data": fe_data,
                "free_energy_model": fe_model,
            }
            if self._end_epoch(rec, epochs, bar, recon=f"{rec['recon_error']:.3f}", dF=f"{fe_data - fe_model:.1f}"):
                break

    @torch.no_grad()
    def learning_step(self, vpos: torch.Tensor, vneg: torch.Tensor) -> float:
        """One contrastive-divergence step of the weights and biases, at the learning rate ``lr``.

        The update of chapter 04 ("Restricted Boltzmann machines"): the positive phase on the data
        minibatch ``vpos``, the negative phase on the chains ``vneg`` (as :meth:`gibbs` leaves
        them); centred as in the 2023 code when ``centered``, with the ``l2`` penalty.

        Parameters
        ----------
        vpos : torch.Tensor of shape (batch, n_snps)
            A minibatch of training haplotypes (float 0/1, on the model's device).
        vneg : torch.Tensor of shape (chains, n_snps)
            Model samples (the negative phase).

        Returns
        -------
        float
            The mean-field one-step reconstruction error of ``vpos`` (a cheap monitor only).
        """
        hpos = self._h_mean(self._h_input(vpos))
        hneg = self._h_mean(self._h_input(vneg))
        mb, nneg = vpos.shape[0], vneg.shape[0]
        if self.centered:
            vbar = vpos.mean(0)
            hbar = hpos.mean(0)
            dW = (hpos - hbar).t() @ (vpos - vbar) / mb - (hneg - hbar).t() @ (vneg - vbar) / nneg
            if self.l2:
                dW -= 2 * self.l2 * self.W
            db = vpos.mean(0) - vneg.mean(0) - dW.t() @ hbar
            dc = hpos.mean(0) - hneg.mean(0) - dW @ vbar
        else:
            dW = hpos.t() @ vpos / mb - hneg.t() @ vneg / nneg
            if self.l2:
                dW -= 2 * self.l2 * self.W
            db = vpos.mean(0) - vneg.mean(0)
            dc = hpos.mean(0) - hneg.mean(0)
        self.W.add_(dW, alpha=self.lr)
        self.b.add_(db, alpha=self.lr)
        self.c.add_(dc, alpha=self.lr)
        # mean-field one-step reconstruction error (a cheap monitor only)
        rec = self._v_prob(hpos)
        return float(((rec - vpos) ** 2).mean())

    # ------------------------------------------------------------------ generation
    def _default_steps(self) -> int:
        if self.sample_steps is not None:
            return self.sample_steps
        return self.k if self.method == "rdm" else 500

    def _sample(self, n: int, generator: torch.Generator, k: int | None = None) -> torch.Tensor:
        steps = self._default_steps() if k is None else _check_positive_int(k, "k")
        return self.gibbs(self._random_start(n, generator), steps, generator)

    def sample(self, n: int, seed: int = 0, k: int | None = None) -> np.ndarray:
        """``n`` artificial haplotypes: ``k`` Gibbs steps from random Bernoulli(0.5) starts.

        ``k=None`` uses the training ``k`` for ``method="rdm"`` (out-of-equilibrium models
        are good after exactly that many steps) and ``sample_steps`` (500) for ``"pcd"``.
        """
        return super().sample(n, seed=seed, k=k)

    def gibbs_chain(self, n: int, steps: Iterable[int], seed: int = 0) -> dict[int, np.ndarray]:
        """Run one set of ``n`` chains from random starts and return the samples after each
        of the step counts in ``steps`` (a dict step → ``uint8`` array).

        Shows the out-of-equilibrium effect: an Rdm-k model is best at step ``k``.
        """
        self._require_fitted()
        n = _check_positive_int(n, "n")
        wanted = sorted({_check_positive_int(s, "steps") for s in steps})
        if not wanted:
            raise ValueError("steps must contain at least one positive step count")
        gen = torch.Generator().manual_seed(int(seed))
        out: dict[int, np.ndarray] = {}
        with torch.no_grad():
            v = self._random_start(n, gen)
            done = 0
            for s in wanted:
                v = self.gibbs(v, s - done, gen)
                done = s
                out[s] = v.to(torch.uint8).cpu().numpy()
        return out

    # ------------------------------------------------------------------ scores
    @torch.no_grad()
    def free_energy_tensor(self, v: torch.Tensor) -> torch.Tensor:
        mu = self._h_input(v)
        vis = v @ self.b
        if self.hidden == "bernoulli":
            hid = torch.nn.functional.softplus(mu).sum(1)
        else:
            m = mu.double()
            hid = (0.5 * m * m + _LOG_SQRT_2PI + torch.special.log_ndtr(m)).sum(1).to(mu.dtype)
        return -vis - hid

    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        return -self.free_energy(X)

    def free_energy(self, X: Any) -> np.ndarray:
        """Free energy ``F(v) = -log sum_h exp(-E(v, h))`` of each haplotype (lower = more
        probable under the model).  ``-F`` is the white-box membership-inference score."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        return self.free_energy_tensor(torch.from_numpy(X).float().to(self.W.device)).double().cpu().numpy()
