"""Fully connected GAN for haplotypes (chapter "Generative adversarial networks").

``variant="original"`` re-implements the Keras script of Yelmen et al. 2021
(``gan_script5.py``) as coded:

* generator ``z (600) -> floor(n/1.2) -> floor(n/1.1) -> n``, LeakyReLU(0.01), ``tanh`` output;
* discriminator ``n -> n//2 -> n//3 -> 1``, LeakyReLU(0.01), sigmoid output;
* L2 penalty ``1e-4 * sum(W**2)`` on the hidden-layer kernels only; Glorot-uniform kernels,
  zero biases (the Keras defaults);
* the training rows are shuffled once and noised once, ``X - U(0, 0.1)``; batches are fixed
  slices of 32 (the remainder is dropped);
* per batch: one Adam step of D on the real batch with one-sided smoothed labels
  ``1 - U(0, 0.1)``, a second Adam step of D on a generated batch with label 0, then one
  step of G through the frozen D with label 1, reusing the same ``z``;
* Adam with ``lr_G = 1e-4`` and ``lr_D = 8e-4`` (Keras betas and ``eps = 1e-7``);
* generation: ``G(z)``, negative values set to 0, then rounded, i.e. thresholded at 0.5.

``variant="improved"`` (the default) changes the recipe so that, in well under a minute of
CPU time, the samples get much closer to the real distribution.  On the 805-SNP data (80/20
split, 2 CPU cores) the original after 100 epochs (~100 s; 200 epochs give the same) is
mode-collapsed: AATS 0.64 with AA_syn = 1.0, AF r 0.86-0.90, LD r 0.10; the improved variant
after 40 epochs (~30 s) gives AATS 0.55-0.57 with AA_truth ~0.6-0.67 and AA_syn ~0.47-0.5,
AF r 0.997, LD r ~0.9.  The
networks keep the original's shapes; what changes:

1. **Bernoulli output with straight-through samples.**  The generator ends in a sigmoid and
   its outputs are per-SNP probabilities ``p``.  The discriminator sees *binary* fakes drawn
   from Bernoulli(``p``); the straight-through estimator (``x = sample + p - p.detach()``)
   carries the gradient back to ``p``.  Real and fake inputs then look alike (0/1), so there is
   no input noise, and generation draws Bernoulli(``p``) exactly as in training instead of
   thresholding.
2. **Minibatch features against mode collapse** (after Salimans et al. 2016).  The
   discriminator also gets, for each haplotype, its nearest-neighbour and mean Hamming
   distance to the other haplotypes of its batch.  A collapsed generator makes
   near-duplicates, which these numbers expose; this is what brings AA_syn down from ~1.
   (The discriminator's first layer therefore has 2 more inputs.)
3. **Allele-frequency matching.**  The generator's output bias starts at the logit of the
   training allele frequencies, and its loss gets ``af_match * sum((mean_batch(p) - AF)**2)``
   (first-moment feature matching), so allele frequencies are right from the first epochs.
4. **Optimiser and schedule.**  Latent size 64, batch 64, Adam(betas 0.5, 0.999) with
   ``lr_G = 2e-4`` and ``lr_D = 1e-4``, one D step on the real and generated batches together,
   data reshuffled every epoch, both learning rates decayed linearly to 0 over 40 epochs.
   Without the decay the discriminator keeps gaining and the samples drift back towards
   collapse after ~50 epochs.
5. **Weight averaging.**  Samples come from an exponential moving average of the generator
   weights (decay 0.995; Yazici et al. 2019), which smooths the last steps of training.

Other cost changes, identical in result: the gradient of the L2 penalty is added to the
gradients directly, ``G(z)`` is computed once per step, and Adam is the fused implementation.

Every setting can still be overridden by keyword; ``None`` means "the variant's default".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .base import (DENSE_SCALING_LIMIT, GenerativeModel, _check_positive_int, check_haplotypes, network_parameters,
                   warn_dense_scaling)
from .device import fork_rng_on

__all__ = ["GAN"]

#: The two recipes side by side, setting -> (original, improved): what the module docstring's
#: five changes amount to, setting by setting (``None`` for a budget: counted in the other unit).
_RECIPES: dict[str, tuple[Any, Any]] = {
    #                  original   improved
    "epochs":          (100,      None),
    "steps":           (None,     2500),
    "latent_dim":      (600,      64),
    "batch_size":      (32,       64),
    "lr_g":            (1e-4,     2e-4),
    "lr_d":            (8e-4,     1e-4),
    "betas":           ((0.9, 0.999), (0.5, 0.999)),
    "l2":              (1e-4,     1e-4),
    "label_smoothing": (0.1,      0.1),
    "input_noise":     (0.1,      0.0),
    "pack":            (1,        1),
    "output":          ("tanh",   "bernoulli"),
    "batch_features":  (False,    True),
    "af_init":         (False,    True),
    "af_match":        (0.0,      1.0),
    "lr_decay":        (False,    True),
    "ema":             (0.0,      0.995),
}
_VARIANT_DEFAULTS: dict[str, dict[str, Any]] = {
    variant: {name: values[i] for name, values in _RECIPES.items()} for i, variant in enumerate(("original", "improved"))
}


def _generator(n: int, latent: int, alpha: float, dropout: float = 0.0) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(latent, int(n // 1.2)), nn.LeakyReLU(alpha)]
    if dropout:  # only then: keeps the layer indices (and saved files) of dropout-free GANs
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(int(n // 1.2), int(n // 1.1)), nn.LeakyReLU(alpha)]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(int(n // 1.1), n))
    return nn.Sequential(*layers)


def _discriminator(n_in: int, n: int, alpha: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(n_in, n // 2),
        nn.LeakyReLU(alpha),
        nn.Linear(n // 2, n // 3),
        nn.LeakyReLU(alpha),
        nn.Linear(n // 3, 1),
    )


def _glorot_init(module: nn.Sequential, gen: torch.Generator) -> None:
    for layer in module:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, generator=gen)
            nn.init.zeros_(layer.bias)


_N_BATCH_FEATURES = 2

#: The most trainable parameters (generator + discriminator) :class:`GAN` builds: 250 M, above the
#: 238 M of the authors' 10K-SNP GAN (chapter 06 counts them) and below the ~1 G that 20,000 SNPs
#: would need (several GB of memory with Adam's state). Raise it deliberately if you must.
MAX_PARAMETERS = 250_000_000
# above this many SNPs, fit warns that the fully connected GAN does not scale (issue targets hold below)
SCALING_LIMIT = DENSE_SCALING_LIMIT


def _batch_features(x: torch.Tensor) -> torch.Tensor:
    """Minibatch features for D: each row's nearest-neighbour and mean (soft) Hamming distance to
    the other rows of its batch, as fractions of the number of SNPs, times 10.

    A collapsed generator makes near-duplicates, which these two numbers expose at once; their
    gradient (through the straight-through samples) pushes generated haplotypes apart.
    """
    n = x.shape[1]
    d = x @ (1 - x).t() + (1 - x) @ x.t()
    eye = torch.eye(x.shape[0], dtype=torch.bool, device=x.device)
    nn_d = d.masked_fill(eye, float("inf")).min(dim=1).values
    mean_d = d.masked_fill(eye, 0.0).sum(1) / max(1, x.shape[0] - 1)
    return torch.stack([nn_d, mean_d], dim=1) * (10.0 / n)


@torch.no_grad()
def _add_l2_grad(module: nn.Sequential, l2: float) -> None:
    """Add the gradient of ``l2 * sum(W**2)`` over the hidden-layer kernels (Keras ``l2`` regulariser;
    output layer and biases excluded) -- the same as adding the penalty to the loss."""
    if not l2:
        return
    linears = [m for m in module if isinstance(m, nn.Linear)]
    for m in linears[:-1]:
        m.weight.grad.add_(m.weight, alpha=2.0 * l2)


class GAN(GenerativeModel):
    """Fully connected GAN of Yelmen et al. 2021 (``variant="original"``) and an improved variant.

    Parameters (keyword only; ``None`` = the variant's default, listed as original / improved)
    ----------
    variant : {"original", "improved"}, default "improved"
    epochs : int, default 100 / None
        Passes over the training data (on 2 idle CPU cores with the 805-SNP data: about
        1 s per original epoch and 0.8 s per improved epoch; 200 original epochs score the
        same as 100).  ``None`` (improved) means as many as the ``steps`` budget needs.
    steps : int, default None / 2500
        Budget of updates when ``epochs`` is None: 40 epochs of the 4,004 training haplotypes
        of the 805-SNP data in batches of 64, and as many updates on any other cohort.
    latent_dim : int, default 600 / 64
    batch_size : int, default 32 / 64
    lr_g, lr_d : float, default 1e-4, 8e-4 / 2e-4, 1e-4
        Adam learning rates of generator and discriminator.
    l2 : float, default 1e-4
        L2 penalty on the hidden-layer kernels of both networks.
    label_smoothing : float, default 0.1
        Real labels are ``1 - U(0, label_smoothing)`` (one-sided smoothing).
    input_noise : float, default 0.1 / 0.0
        Real inputs are ``X - U(0, input_noise)``, drawn once, as in the original.
    pack : int, default 1
        Number of samples the discriminator judges together (PacGAN, Lin et al. 2018).
    alpha : float, default 0.01
        LeakyReLU slope.
    dropout : float, default 0.0
        Dropout rate after each hidden layer of the generator (0 = no dropout layers).  Used
        for Monte-Carlo dropout in the chapter "Uncertainty quantification":
        ``output_probabilities(..., mc_dropout=True)`` keeps dropout on at generation time.
    seed : int, default 0
        Seed of the initialisation, the data order and all noise.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device (the dropout masks of ``dropout > 0`` come from torch's seeded global
        generator of that device).

    Presets (:meth:`preset`): ``"smoke"`` (the improved variant, 1 epoch, latent size 16) and
    ``"paper"``: the original GAN of Yelmen et al. 2021 (``gan_script5.py``) for the 20,000
    epochs of their released 805-SNP AGs.

    ``fit(X, progress=True, callback=None, callback_every=1)``: ``callback(model, epoch)`` is
    called every ``callback_every`` epochs (and after the last); a dict it returns is added to
    that epoch's ``history`` row (e.g. ``{"aats": ...}`` to track AATS over training).
    ``history`` rows hold ``epoch``, ``d_loss``, ``g_loss`` (BCE, without the L2 and
    allele-frequency terms) and the mean discriminator outputs ``d_real`` and ``d_fake``.
    ``discriminator_score(X)`` gives the white-box membership score; ``setting(name)`` the
    effective value of any setting.
    """

    _presets = {
        "smoke": dict(variant="improved", epochs=1, latent_dim=16, batch_size=256),
        # Yelmen et al. 2021: the original GAN, 20,000 epochs (the released 805-SNP AGs)
        "paper": dict(variant="original", epochs=20_000),
    }

    _setting_defaults = {"validation_fraction": 0.1}

    def __init__(
        self,
        *,
        variant: str = "improved",
        epochs: int | None = None,
        steps: int | None = None,
        latent_dim: int | None = None,
        batch_size: int | None = None,
        lr_g: float | None = None,
        lr_d: float | None = None,
        l2: float | None = None,
        label_smoothing: float | None = None,
        input_noise: float | None = None,
        pack: int | None = None,
        alpha: float = 0.01,
        dropout: float = 0.0,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        if variant not in _VARIANT_DEFAULTS:
            raise ValueError(f"variant must be one of {sorted(_VARIANT_DEFAULTS)}; got {variant!r}")
        self.variant = variant
        self.epochs = None if epochs is None else _check_positive_int(epochs, "epochs")
        self.steps = None if steps is None else _check_positive_int(steps, "steps")
        self.latent_dim = None if latent_dim is None else _check_positive_int(latent_dim, "latent_dim")
        self.batch_size = None if batch_size is None else _check_positive_int(batch_size, "batch_size")
        self.pack = None if pack is None else _check_positive_int(pack, "pack")
        for name, val in (("lr_g", lr_g), ("lr_d", lr_d)):
            if val is not None and not val > 0:
                raise ValueError(f"{name} must be positive; got {val!r}")
        for name, val in (("l2", l2), ("label_smoothing", label_smoothing), ("input_noise", input_noise)):
            if val is not None and not 0 <= val < 1:
                raise ValueError(f"{name} must be in [0, 1); got {val!r}")
        self.lr_g, self.lr_d, self.l2 = lr_g, lr_d, l2
        self.label_smoothing, self.input_noise = label_smoothing, input_noise
        self.alpha = float(alpha)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")
        self.dropout = float(dropout)
        self.generator: nn.Sequential | None = None
        self.generator_ema: nn.Sequential | None = None
        self.discriminator: nn.Sequential | None = None

    # ------------------------------------------------------------------ settings
    def setting(self, name: str) -> Any:
        """The effective value of a setting (the variant's default where the argument was None)."""
        val = getattr(self, name, None)
        return _VARIANT_DEFAULTS[self.variant][name] if val is None else val

    @property
    def _bernoulli(self) -> bool:
        return self.setting("output") == "bernoulli"

    # ------------------------------------------------------------------ structure
    def _build(self, n_snps: int) -> None:
        latent = self.setting("latent_dim")
        if n_snps < 3:  # the discriminator's second hidden layer has n_snps // 3 units
            raise ValueError(
                f"the fully connected GAN needs at least 3 SNPs (its discriminator's hidden layers have "
                f"n_snps // 2 and n_snps // 3 units); got {n_snps}"
            )
        n_in = n_snps * self.setting("pack") + (_N_BATCH_FEATURES if self.setting("batch_features") else 0)
        g_widths = [latent, int(n_snps // 1.2), int(n_snps // 1.1), n_snps]
        d_widths = [n_in, n_snps // 2, n_snps // 3, 1]
        count = sum(a * b + b for w in (g_widths, d_widths) for a, b in zip(w[:-1], w[1:]))
        if count > MAX_PARAMETERS:
            raise ValueError(
                f"a fully connected GAN on {n_snps} SNPs would have {count:,} trainable parameters, above the "
                f"limit of {MAX_PARAMETERS:,} (artgen_lite.models.gan.MAX_PARAMETERS); its dense layers grow as "
                "n_snps**2. Use ConvWGAN or CRBM for long regions (chapter 06), or fewer SNPs"
            )
        warn_dense_scaling("GAN", n_snps, count, "its dense layers grow as n_snps**2")
        self.generator = _generator(n_snps, latent, self.alpha, self.dropout)
        n_in = n_snps * self.setting("pack") + (_N_BATCH_FEATURES if self.setting("batch_features") else 0)
        self.discriminator = _discriminator(n_in, n_snps, self.alpha)
        self.generator_ema = None
        if self.setting("ema"):
            self.generator_ema = _generator(n_snps, latent, self.alpha, self.dropout).requires_grad_(False)

    def _modules(self) -> dict[str, Any]:
        mods = {"generator": self.generator, "discriminator": self.discriminator}
        if self.setting("ema"):
            mods["generator_ema"] = self.generator_ema
        return mods

    n_parameters_generator = network_parameters("generator")
    n_parameters_discriminator = network_parameters("discriminator")

    def _g_out(self, z: torch.Tensor, ema: bool = False) -> torch.Tensor:
        """Generator output: tanh values (original) or per-SNP probabilities (improved)."""
        y = (self.generator_ema if ema else self.generator)(z)
        return torch.sigmoid(y) if self._bernoulli else torch.tanh(y)

    def _d_logit(self, x: torch.Tensor) -> torch.Tensor:
        pack = self.setting("pack")
        x = x.reshape(x.shape[0] // pack, -1)
        if self.setting("batch_features"):
            x = torch.cat([x, _batch_features(x)], dim=1)
        return self.discriminator(x).squeeze(1)

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        if self.dropout:
            # dropout masks come from torch's global generator: seed it for this run only
            with fork_rng_on(self._dev):
                torch.manual_seed(self.seed)
                self._train(X, progress)
        else:
            self._train(X, progress)

    def _train(self, X: np.ndarray, progress: bool) -> None:
        gen = torch.Generator().manual_seed(self.seed)
        _glorot_init(self.generator, gen)
        _glorot_init(self.discriminator, gen)
        if self.setting("af_init") and self._bernoulli:
            # start from the independent-sites model: sigmoid(output bias) = allele frequency
            f = torch.from_numpy(X.mean(0)).float().clamp(1e-3, 1 - 1e-3)
            with torch.no_grad():
                self.generator[-1].bias.copy_(torch.log(f / (1 - f)))
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        dev = self._dev
        s = self.setting
        ema = s("ema")
        if ema:
            self.generator_ema.load_state_dict(self.generator.state_dict())
        bs, latent, pack = s("batch_size"), s("latent_dim"), s("pack")
        bs = max(pack, bs - bs % pack)
        l2, smooth, noise = s("l2"), s("label_smoothing"), s("input_noise")
        af_weight = s("af_match") if self._bernoulli else 0.0
        af_target = torch.from_numpy(X.mean(0)).float().to(dev)
        if X.shape[0] < bs:
            raise ValueError(f"X has {X.shape[0]} haplotypes, fewer than one batch ({bs})")
        opt_kw = dict(betas=s("betas"), eps=1e-7 if self.variant == "original" else 1e-8)
        # fused Adam: the same update, ~7x faster on CPU than the default implementation
        opt_g = torch.optim.Adam(self.generator.parameters(), lr=s("lr_g"), fused=True, **opt_kw)
        opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=s("lr_d"), fused=True, **opt_kw)
        bce = nn.functional.binary_cross_entropy_with_logits

        data = torch.from_numpy(X).float()
        data = data[torch.randperm(len(data), generator=gen)]  # shuffled once, as coded
        if noise > 0:  # noised once, as coded
            data = data - noise * torch.rand(data.shape, generator=gen)
        data = data.to(dev)
        n_batches = len(data) // bs
        n_d = bs // pack

        # a budget in updates (improved) or in epochs (original, as coded); explicit epochs win
        epochs = self.epochs if self.epochs is not None else s("epochs")
        if epochs is None:
            epochs = max(1, -(-s("steps") // max(1, n_batches)))
        # the improved variant's rates decay linearly to 0 over the whole run, update by update
        total = epochs * n_batches
        schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0 - t / total)
                      for opt in (opt_g, opt_d)] if s("lr_decay") else []
        bar = tqdm(range(epochs), desc=f"GAN ({self.variant})", disable=not progress, unit="epoch")
        for epoch in bar:
            if self.variant != "original":
                data = data[torch.randperm(len(data), generator=gen)]
            sums = {"d_loss": 0.0, "g_loss": 0.0, "d_real": 0.0, "d_fake": 0.0}
            for b in range(n_batches):
                real = data[b * bs : (b + 1) * bs]
                z = torch.randn(bs, latent, generator=gen).to(dev)
                y_real = (1.0 - smooth * torch.rand(n_d, generator=gen)).to(dev)
                y_fake = torch.zeros(n_d, device=dev)
                # G(z) is computed once: the D step sees it detached, the G step (same z,
                # unchanged G, as in the Keras script) backpropagates through it.
                g_out = self._g_out(z)
                fake = self._fake_for_d(g_out, gen)
                # --- discriminator
                self.discriminator.requires_grad_(True)
                if self.variant == "original":
                    # two Keras train_on_batch calls: real, then fake
                    opt_d.zero_grad(set_to_none=True)
                    out_r = self._d_logit(real)
                    loss_r = bce(out_r, y_real)
                    loss_r.backward()
                    _add_l2_grad(self.discriminator, l2)
                    opt_d.step()
                    opt_d.zero_grad(set_to_none=True)
                    out_f = self._d_logit(fake.detach())
                    loss_f = bce(out_f, y_fake)
                    loss_f.backward()
                    _add_l2_grad(self.discriminator, l2)
                    opt_d.step()
                    d_loss = loss_r.item() + loss_f.item()
                else:
                    opt_d.zero_grad(set_to_none=True)
                    out_r = self._d_logit(real)
                    out_f = self._d_logit(fake.detach())
                    loss_d = bce(out_r, y_real) + bce(out_f, y_fake)
                    loss_d.backward()
                    _add_l2_grad(self.discriminator, l2)
                    opt_d.step()
                    d_loss = loss_d.item()
                # --- generator, through the frozen discriminator
                self.discriminator.requires_grad_(False)
                opt_g.zero_grad(set_to_none=True)
                out_g = self._d_logit(fake)
                loss_g = bce(out_g, torch.ones(n_d, device=dev))
                extra = 0.0
                if af_weight:
                    # match the allele frequencies (first moments) of the training data
                    extra = af_weight * ((g_out.mean(0) - af_target) ** 2).sum()
                (loss_g + extra).backward()
                _add_l2_grad(self.generator, l2)
                opt_g.step()
                if ema:
                    with torch.no_grad():
                        for pe, pg in zip(self.generator_ema.parameters(), self.generator.parameters()):
                            pe.lerp_(pg, 1.0 - ema)
                sums["d_loss"] += d_loss
                sums["g_loss"] += loss_g.item()
                sums["d_real"] += float(torch.sigmoid(out_r.detach()).mean())
                sums["d_fake"] += float(torch.sigmoid(out_f.detach()).mean())
                for sched in schedulers:
                    sched.step()
            self.discriminator.requires_grad_(True)
            rec: dict[str, Any] = {"epoch": epoch + 1}
            rec.update({k: v / n_batches for k, v in sums.items()})
            if self._end_epoch(rec, epochs, bar, d=f"{rec['d_loss']:.3f}", g=f"{rec['g_loss']:.3f}"):
                break

    def _fake_for_d(self, out: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """What D sees of a generator output: itself (original) or a Bernoulli sample (improved)."""
        if not self._bernoulli:
            return out
        u = torch.rand(out.shape, generator=gen).to(out.device)
        hard = (u < out).to(out.dtype)
        return hard + out - out.detach()  # straight-through estimator

    # ------------------------------------------------------------------ generation
    def _sample(self, n: int, generator: torch.Generator, batch: int = 4096) -> torch.Tensor:
        latent = self.setting("latent_dim")
        nets = [m for m in (self.generator, self.generator_ema) if m is not None]
        was_training = [m.training for m in nets]
        for m in nets:
            m.eval()
        outs = []
        for start in range(0, n, batch):
            m = min(batch, n - start)
            z = torch.randn(m, latent, generator=generator).to(self._dev)
            g = self._g_out(z, ema=bool(self.setting("ema")))
            if self._bernoulli:
                outs.append(torch.rand(g.shape, generator=generator).to(g.device) < g)
            else:
                outs.append(g.clamp_min(0).round() > 0)
        for m, t in zip(nets, was_training):
            m.train(t)
        return torch.cat(outs).to(torch.uint8)

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` artificial haplotypes: thresholded ``G(z)`` (original) or Bernoulli(``G(z)``) (improved)."""
        return super().sample(n, seed=seed)

    def output_probabilities(
        self, n: int, seed: int = 0, *, passes: int = 1, mc_dropout: bool = False
    ) -> np.ndarray:
        """Per-SNP output probabilities of the generator for ``n`` latent draws.

        Explained in the chapter "Uncertainty quantification" (notebooks/12_uncertainty).

        Improved variant: ``p = sigmoid(G(z))``, the Bernoulli probabilities :meth:`sample`
        draws from (same network: the weight average when ``ema`` is on).  Original variant:
        ``(tanh(G(z)) + 1) / 2``, which :meth:`sample` thresholds at 0.5.  The ``z`` draws
        are those of ``sample(n, seed)``.  Returns shape ``(n, n_snps)``, or
        ``(passes, n, n_snps)`` when ``passes > 1``: the same ``z`` pushed through the
        generator ``passes`` times.  ``mc_dropout=True`` keeps the generator's dropout
        layers active, so each pass uses a different dropout mask (Monte-Carlo dropout,
        Gal & Ghahramani 2016); it needs a GAN trained with ``dropout > 0``.
        """
        self._require_fitted()
        n = _check_positive_int(n, "n")
        passes = _check_positive_int(passes, "passes")
        if not isinstance(mc_dropout, (bool, np.bool_)):
            raise TypeError(f"mc_dropout must be True or False; got {mc_dropout!r}")
        if mc_dropout and not self.dropout:
            raise ValueError("mc_dropout=True needs a GAN trained with dropout > 0; this one has dropout=0")
        gen = torch.Generator().manual_seed(int(seed))
        use_ema = bool(self.setting("ema"))
        net = self.generator_ema if use_ema else self.generator
        was_training = net.training
        net.train(bool(mc_dropout))
        try:
            # dropout masks come from torch's global generator: seed it, then restore it
            with fork_rng_on(self._dev), torch.no_grad():
                torch.manual_seed(int(seed))
                z = torch.randn(n, self.setting("latent_dim"), generator=gen).to(self._dev)
                outs = []
                for _ in range(passes):
                    g = self._g_out(z, ema=use_ema)
                    outs.append(g if self._bernoulli else (g + 1) / 2)
        finally:
            net.train(was_training)
        out = torch.stack(outs).double().cpu().numpy()
        return out[0] if passes == 1 else out

    # ------------------------------------------------------------------ scores
    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        return self.discriminator_score(X)

    def discriminator_score(self, X: Any) -> np.ndarray:
        """Discriminator probability that each haplotype is real (white-box membership score).

        With ``pack > 1`` each haplotype is packed with copies of itself.  With the minibatch
        features of the improved variant, the rows of ``X`` are judged in consecutive batches of
        ``batch_size`` (in the given order), as during training.
        """
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        x = torch.from_numpy(X).float().to(self._dev)
        pack = self.setting("pack")
        bs = self.setting("batch_size")
        out = []
        with torch.no_grad():
            for start in range(0, len(x), bs):
                out.append(self._d_logit(x[start : start + bs].repeat_interleave(pack, dim=0)))
        return torch.sigmoid(torch.cat(out)).double().cpu().numpy()
