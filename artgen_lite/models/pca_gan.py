"""A WGAN-GP in principal-component space (chapter "Generative models for long regions").

Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).

After the idea of Szatkownik et al. 2024 ("Towards creating longer genetic sequences with GANs:
generation in principal component space", MLCB 2024).  Their code is not public; this follows
the suggested recipe of methods.md section 9:

1. PCA of the *training* haplotypes (centred, not scaled): keep ``k = n_components`` components
   (scikit-learn's ``PCA`` as in :mod:`artgen_lite.metrics.pca`: exact up to 2,000 SNPs, a
   seeded randomized SVD beyond, exact when ``k`` reaches the rank of the data);
2. standardise the PC scores (divide each by its standard deviation) and train a WGAN-GP on
   these ``k`` numbers per haplotype: MLP generator and critic, Adam(1e-4, betas (0.5, 0.9)),
   gradient penalty ``lambda = 10``, 5 critic steps per generator step (the loop all WGAN-GPs
   of the book share, :mod:`artgen_lite.models.wgan_gp`);
3. generate scores, map them back to SNP space with the loadings and the mean
   (``scores @ V_k.T + mean``) and **threshold at 0.5** (the default;
   ``sample(..., threshold=False)`` instead clips to [0, 1] and draws Bernoulli).

**The reconstruction ceiling.**  Whatever the GAN learns, its haplotypes are thresholded points
of a ``k``-dimensional affine subspace.  Projecting *real* haplotypes onto the same ``k``
components and back (:meth:`PCAGAN.reconstruct`, or :func:`pca_reconstruct` for several ``k``
at once) shows what survives ``k`` components: common-variant LD mostly does, rare variants
(carried by few haplotypes, so weighing little in the variance) mostly do not.  A perfect
generator of PC scores can do no better than this ceiling.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

import numpy as np
import torch
from torch import nn

from .base import GenerativeModel, _check_float, _check_positive_int, check_haplotypes
from .settings import BUDGET_SETTINGS, WGAN_GP_SETTINGS
from .wgan_gp import WGANGPTrainer, train_epochs

__all__ = ["PCAGAN", "fit_pca", "pca_reconstruct"]


# ---------------------------------------------------------------------------------- PCA
def fit_pca(X: Any, n_components: int, seed: int = 0) -> dict[str, torch.Tensor]:
    """Centred PCA of the 0/1 matrix ``X``: scikit-learn's ``PCA``, the one the metrics use.

    The solver is that of :mod:`artgen_lite.metrics.pca` (the exact ``covariance_eigh`` up to
    2,000 SNPs, a randomized SVD seeded with ``seed`` beyond).  Returns a dict of float64
    tensors: ``mean`` (n_snps), ``components`` (k x n_snps, rows = loadings, sign fixed so the
    largest entry of each is positive), ``scale`` (k: standard deviation of the scores,
    ``singular value / sqrt(n - 1)``; 1 for components beyond the rank of the data, which are
    zero) and ``explained_variance_ratio`` (k).  With ``k`` at or above the rank of the centred
    data the decomposition is exact.

    Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).

    Parameters
    ----------
    X : array-like of shape (n_haplotypes, n_snps)
        0/1 haplotypes.
    n_components : int
        Components ``k`` (more than the data have are returned as zero components).
    seed : int, default 0
        Seed of the randomized solver (used beyond 2,000 SNPs).

    Returns
    -------
    dict of str to torch.Tensor
        ``mean``, ``components``, ``scale``, ``explained_variance_ratio``.

    Examples
    --------
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1]], np.uint8)
    >>> pca = fit_pca(X, 2)
    >>> {key: tuple(value.shape) for key, value in pca.items()}
    {'mean': (4,), 'components': (2, 4), 'scale': (2,), 'explained_variance_ratio': (2,)}
    >>> pca["mean"].tolist(), pca["explained_variance_ratio"].round(decimals=2).tolist()
    ([0.4, 0.4, 0.6, 0.6], [0.76, 0.24])
    """
    from ..metrics.pca import fit_sklearn_pca  # lazy: scipy, sklearn

    X = check_haplotypes(X, "X")
    k = _check_positive_int(n_components, "n_components")
    n, m = X.shape
    A = X.astype(np.float64)
    kk = min(k, n, m)
    pca = fit_sklearn_pca(A, kk, seed=seed)
    mean = torch.from_numpy(pca.mean_.copy())
    vt = torch.from_numpy(np.ascontiguousarray(pca.components_, dtype=np.float64))
    scale = torch.from_numpy(np.sqrt(np.clip(pca.explained_variance_, 0.0, None)))
    centred = A - pca.mean_
    total_var = float(np.einsum("ij,ij->", centred, centred)) / max(n - 1, 1)
    # deterministic signs: the largest-magnitude loading of each component is positive
    idx = vt.abs().argmax(1)
    signs = torch.sign(vt[torch.arange(kk), idx])
    signs[signs == 0] = 1
    vt = vt * signs[:, None]
    ratio = scale**2 / total_var if total_var > 0 else torch.zeros(kk, dtype=torch.float64)
    # directions beyond the rank (variance at rounding level, 1e-10 of the largest): make them zero
    tiny = scale <= 1e-5 * max(float(scale.max()) if kk else 1.0, 1e-300)
    vt[tiny] = 0.0
    scale[tiny] = 1.0
    ratio[tiny] = 0.0
    if kk < k:  # more components asked than the data have: pad with zero components
        vt = torch.cat([vt, torch.zeros(k - kk, m, dtype=torch.float64)])
        scale = torch.cat([scale, torch.ones(k - kk, dtype=torch.float64)])
        ratio = torch.cat([ratio, torch.zeros(k - kk, dtype=torch.float64)])
    return {"mean": mean, "components": vt, "scale": scale, "explained_variance_ratio": ratio}


def _project(X: np.ndarray, pca: dict[str, torch.Tensor], k: int) -> torch.Tensor:
    A = torch.from_numpy(X).double().to(pca["mean"].device) - pca["mean"]
    return A @ pca["components"][:k].t()


def _back(scores: torch.Tensor, pca: dict[str, torch.Tensor], k: int) -> torch.Tensor:
    return scores.double() @ pca["components"][:k] + pca["mean"]


def pca_reconstruct(
    train: Any,
    X: Any = None,
    n_components: int | Iterable[int] = 200,
    *,
    threshold: bool = True,
    seed: int = 0,
) -> np.ndarray | dict[int, np.ndarray]:
    """The reconstruction ceiling: ``X`` projected onto the first ``k`` principal components of
    ``train`` and back, thresholded at 0.5 (``uint8``; ``threshold=False`` gives the continuous
    values).  ``X`` defaults to ``train``.  With a list of ``k`` values, one PCA is fitted for
    the largest and a dict ``k -> reconstruction`` is returned.

    Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).

    Parameters
    ----------
    train : array-like of shape (n_train, n_snps)
        0/1 haplotypes the PCA is fitted on (:func:`fit_pca`).
    X : array-like of shape (n, n_snps) or None, default None
        0/1 haplotypes to reconstruct; ``None`` reconstructs ``train``.
    n_components : int or iterable of int, default 200
        The number of components ``k``, or several of them.
    threshold : bool, default True
        Threshold the reconstruction at 0.5 (``uint8``); ``False`` returns the continuous values
        (float64, not clipped).
    seed : int, default 0
        Seed of the randomized PCA solver (used beyond 2,000 SNPs).

    Returns
    -------
    numpy.ndarray or dict of int to numpy.ndarray
        The reconstruction of ``X`` (shape of ``X``) for one ``k``; for several, a dict
        ``k -> reconstruction``.

    Examples
    --------
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 1]], np.uint8)
    >>> pca_reconstruct(X, n_components=1)
    array([[0, 0, 1, 1],
           [0, 0, 1, 1],
           [1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 1, 1]], dtype=uint8)
    >>> recs = pca_reconstruct(X, n_components=[1, 2])
    >>> sorted(recs), bool((recs[2] == X).all())
    ([1, 2], True)
    """
    train = check_haplotypes(train, "train")
    X = train if X is None else check_haplotypes(X, "X", train.shape[1])
    single = isinstance(n_components, (int, np.integer)) and not isinstance(n_components, bool)
    ks = [n_components] if single else list(n_components)
    if not ks:
        raise ValueError("n_components must be a positive integer or a non-empty list of them")
    ks = [_check_positive_int(k, "n_components") for k in ks]
    pca = fit_pca(train, max(ks), seed=seed)
    scores = _project(X, pca, max(ks))
    out = {}
    for k in ks:
        rec = _back(scores[:, :k], pca, k)
        out[k] = (rec > 0.5).to(torch.uint8).numpy() if threshold else rec.numpy()
    return out[ks[0]] if single else out


# ---------------------------------------------------------------------------------- networks
def _mlp(n_in: int, hidden: int, depth: int, n_out: int, alpha: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for _ in range(depth):
        layers += [nn.Linear(n_in, hidden), nn.LeakyReLU(alpha)]
        n_in = hidden
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def _init(module: nn.Module, gen: torch.Generator) -> None:
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
            nn.init.zeros_(m.bias)



class PCAGAN(GenerativeModel):
    """WGAN-GP on standardised principal-component scores (after Szatkownik et al. 2024).

    Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).

    Parameters (keyword only; course-scale defaults, which train on a 4000 x 4095 window in
    well under a minute of CPU time)
    ----------
    n_components : int, default 200
        Number ``k`` of principal components kept (at most the number of SNPs; components
        beyond the rank of the training data are zero).
    latent_dim : int, default 64
        Size of the generator's noise input.
    hidden : int, default 256
        Units per hidden layer of generator and critic.
    depth : int, default 2
        Hidden layers of generator and critic.
    epochs : int or None, default None
        Passes of critic steps over the training rows; ``None`` means as many as ``steps`` needs.
    steps : int, default 18600
        Budget of critic steps when ``epochs`` is None (300 epochs of 4,004 haplotypes in
        batches of 64, and as many steps on any other cohort).
    batch_size : int, default 64
    n_critic : int, default 5
        Critic steps per generator step.
    lr_g, lr_c : float, default 1e-4
        Adam learning rates (betas ``(beta1, beta2)`` = (0.5, 0.9)).
    beta1, beta2 : float, default 0.5, 0.9
    gp_weight : float, default 10
        Gradient-penalty weight lambda.
    alpha : float, default 0.2
        LeakyReLU slope.
    seed : int, default 0
        Seed of the PCA's random projection, the initialisation, the batch order and noise.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where the GAN computes (:mod:`artgen_lite.models.device`; the PCA is fitted on the CPU
        and moved); the random draws are the same on every device.

    Presets (:meth:`preset`): ``"smoke"`` (16 components, 32 hidden units, 2 epochs) and
    ``"paper"``. Szatkownik et al. 2024 give no settings beyond the recipe these defaults
    already follow (methods.md section 9), so ``"paper"`` is the course settings.

    ``fit(X, progress=True, callback=None, callback_every=1)`` as :class:`ConvWGAN`.
    ``history`` rows: ``epoch``, ``critic_loss``, ``generator_loss``, ``gradient_penalty``,
    ``wasserstein``, ``time_s``.  Other methods: ``sample(n, seed, threshold=True)``,
    ``sample_scores(n, seed)`` (generated PC scores), ``transform(X)`` (PC scores of real
    haplotypes), ``reconstruct(X, n_components=None)`` (the reconstruction ceiling),
    ``critic_score(X)`` (white-box membership score) and ``explained_variance_ratio``.
    ``n_parameters`` counts the gradient-trained weights (generator + critic); the PCA basis
    (``k * n_snps + n_snps`` fitted numbers) is in ``n_pca_numbers``.
    """

    _presets = {
        "smoke": dict(n_components=16, hidden=32, epochs=2, batch_size=256, n_critic=1),
        # Szatkownik et al. 2024 give no settings the class does not already default to
        "paper": {},
    }

    _setting_groups = (BUDGET_SETTINGS, WGAN_GP_SETTINGS)
    _setting_defaults = {"validation_fraction": 0.1, "steps": 18600, "batch_size": 64}

    def __init__(
        self,
        *,
        n_components: int = 200,
        latent_dim: int = 64,
        hidden: int = 256,
        depth: int = 2,
        alpha: float = 0.2,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        self.n_components = _check_positive_int(n_components, "n_components")
        self.latent_dim = _check_positive_int(latent_dim, "latent_dim")
        self.hidden = _check_positive_int(hidden, "hidden")
        self.depth = _check_positive_int(depth, "depth")
        self.alpha = _check_float(alpha, "alpha", 0.0, 1.0)
        self.generator: nn.Sequential | None = None
        self.critic: nn.Sequential | None = None
        self.pca: dict[str, torch.Tensor] | None = None

    # ------------------------------------------------------------------ structure
    @property
    def k(self) -> int:
        """Number of principal components used (``n_components``, at most ``n_snps``)."""
        self._require_fitted()
        return min(self.n_components, self.n_snps)

    def _build(self, n_snps: int) -> None:
        k = min(self.n_components, n_snps)
        self.generator = _mlp(self.latent_dim, self.hidden, self.depth, k, self.alpha)
        self.critic = _mlp(k, self.hidden, self.depth, 1, self.alpha)
        self.pca = None

    def _modules(self) -> dict[str, Any]:
        return {"generator": self.generator, "critic": self.critic}

    def _extra_state(self) -> dict[str, Any]:
        return {"pca": {key: v.clone() for key, v in self.pca.items()}}

    def _load_extra_state(self, state: dict[str, Any]) -> None:
        self.pca = {key: v.clone().to(self._dev) for key, v in state["pca"].items()}
        self.generator.eval()

    @property
    def n_parameters(self) -> int:
        """Gradient-trained parameters: generator + critic (the PCA basis is not counted)."""
        self._require_fitted()
        return sum(p.numel() for p in self.generator.parameters()) + sum(p.numel() for p in self.critic.parameters())

    @property
    def n_pca_numbers(self) -> int:
        """Numbers in the fitted PCA basis: ``k`` loadings per SNP plus the mean."""
        self._require_fitted()
        return self.k * self.n_snps + self.n_snps

    @property
    def explained_variance_ratio(self) -> np.ndarray:
        """Fraction of the training haplotypes' variance carried by each kept component."""
        self._require_fitted()
        return self.pca["explained_variance_ratio"].cpu().numpy().copy()

    # ------------------------------------------------------------------ PCA helpers
    def transform(self, X: Any) -> np.ndarray:
        """Principal-component scores (not standardised) of the haplotypes ``X``, ``(n, k)``."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        return _project(X, self.pca, self.k).cpu().numpy()

    def reconstruct(self, X: Any, n_components: int | None = None, threshold: bool = True) -> np.ndarray:
        """``X`` projected onto the first ``n_components`` (default: all ``k``) components and
        back, thresholded at 0.5: the reconstruction ceiling of the model (``uint8``;
        ``threshold=False`` gives the continuous values)."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        k = self.k if n_components is None else _check_positive_int(n_components, "n_components")
        if k > self.k:
            raise ValueError(f"n_components must be at most the model's k = {self.k}; got {k}")
        rec = _back(_project(X, self.pca, k), self.pca, k)
        return (rec > 0.5).to(torch.uint8).cpu().numpy() if threshold else rec.cpu().numpy()

    def _standardised(self, X: np.ndarray) -> torch.Tensor:
        return (_project(X, self.pca, self.k) / self.pca["scale"]).float()

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        if X.shape[0] < 2:
            raise ValueError(f"X must have at least 2 haplotypes for a PCA; got {X.shape[0]}")
        gen = torch.Generator().manual_seed(self.seed)
        dev = self._dev
        self.pca = {key: v.to(dev) for key, v in fit_pca(X, self.k, seed=self.seed).items()}
        data = self._standardised(X)
        G, D = self.generator, self.critic
        _init(G, gen)
        _init(D, gen)
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        betas = (self.beta1, self.beta2)
        opt_g = torch.optim.Adam(G.parameters(), lr=self.lr_g, betas=betas)
        opt_c = torch.optim.Adam(D.parameters(), lr=self.lr_c, betas=betas)

        def fake_batch(k: int) -> torch.Tensor:
            return G(torch.randn(k, self.latent_dim, generator=gen).to(dev))

        trainer = WGANGPTrainer(D, fake_batch, opt_c, opt_g, gen, gp_weight=self.gp_weight)
        train_epochs(self, trainer, data, batch_size=min(self.batch_size, len(data)), n_critic=self.n_critic,
                     desc="PCAGAN", progress=progress)

    # ------------------------------------------------------------------ generation
    def _scores(self, n: int, generator: torch.Generator, batch: int = 4096) -> torch.Tensor:
        outs = []
        for start in range(0, n, batch):
            z = torch.randn(min(batch, n - start), self.latent_dim, generator=generator).to(self._dev)
            outs.append(self.generator(z).double() * self.pca["scale"])
        return torch.cat(outs)

    def _sample(self, n: int, generator: torch.Generator, threshold: bool = True) -> torch.Tensor:
        x = _back(self._scores(n, generator), self.pca, self.k)
        if threshold:
            return (x > 0.5).to(torch.uint8)
        p = x.clamp(0.0, 1.0)
        return (torch.rand(p.shape, generator=generator, dtype=p.dtype).to(p.device) < p).to(torch.uint8)

    def sample(self, n: int, seed: int = 0, threshold: bool = True) -> np.ndarray:
        """``n`` artificial haplotypes: generated PC scores mapped back to SNPs and thresholded
        at 0.5, or with ``threshold=False`` clipped to [0, 1] and drawn Bernoulli per SNP."""
        if not isinstance(threshold, (bool, np.bool_)):
            raise TypeError(f"threshold must be True or False; got {threshold!r}")
        return super().sample(n, seed=seed, threshold=bool(threshold))

    def sample_scores(self, n: int, seed: int = 0) -> np.ndarray:
        """Generated principal-component scores (not standardised), ``(n, k)``; the rows of
        ``sample(n, seed)`` are these mapped back and thresholded."""
        self._require_fitted()
        n = _check_positive_int(n, "n")
        with torch.no_grad():
            return self._scores(n, torch.Generator().manual_seed(int(seed))).cpu().numpy()

    # ------------------------------------------------------------------ scores
    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        return self.critic_score(X)

    def critic_score(self, X: Any) -> np.ndarray:
        """The critic's score of each haplotype's standardised PC scores (higher = more
        "real"): a white-box membership-inference score."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        with torch.no_grad():
            return self.critic(self._standardised(X)).squeeze(1).double().cpu().numpy()
