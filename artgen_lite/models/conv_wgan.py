"""Convolutional WGAN-GP for long genomic regions (chapter "Generative models for long regions").

Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).

A scaled-down re-implementation of the convolutional Wasserstein GAN of Yelmen et al. 2023
(``WGAN_run.py``: ``ConvGenerator``, ``ConvDiscriminator``, ``gradient_penalty``, ``main_WGAN``).
What is kept from the paper:

* **Generator**: x4 upsampling stages, each the paper's block ``conv3 -> ConvTranspose(stride 2)
  -> conv3 -> ConvTranspose(stride 2)`` (bias-free, BatchNorm + LeakyReLU(0.01)); at the input
  of every stage a **trainable location-specific vector** (one number per position, shared by
  all samples, initialised N(0, 1)) is added as an extra channel, and fresh N(0, 1) **noise at
  that resolution** (``noise_dim`` channels); **residual blocks** (``x + f(x)``, two conv3)
  after every second stage; the paper's linear channel schedule (``2C`` fewer channels per
  layer); a **sigmoid** output: per-SNP probabilities.
* **Critic**: the mirror image with stride-2 convs (bias, InstanceNorm(affine) + LeakyReLU, no
  BatchNorm), location vectors at every stage, residual blocks at the generator's resolutions,
  **packing** (``pack`` haplotypes judged together, PacGAN) and a final Linear layer.
* **Loss and loop**: WGAN-GP, critic loss ``mean C(fake) - (1 - u) mean C(real) + lambda GP``
  with ``lambda = 10`` and ``GP = mean((||grad C(x_hat)|| - 1)**2)`` on random interpolates of
  real and fake packs (``u ~ U(0, label_noise)`` is the authors' label noise, 0.1 in their code);
  generator loss ``-mean C(G(z))``; ``n_critic`` critic steps per generator step; Adam with
  betas (0.5, 0.9); an epoch is one pass of critic steps over the training rows.  The loop is
  the one all WGAN-GPs of the book share (:mod:`artgen_lite.models.wgan_gp`); this model
  supplies its fake batches, packing, label noise and moving average.
* **Generation**: threshold ``G(z)`` at 0.5 (the authors' ``rint``).
  :meth:`ConvWGAN.sample_probabilities` gives the per-SNP probabilities themselves and
  ``sample(..., threshold=False)`` one Bernoulli draw per SNP.

What is changed to train in minutes on one CPU core (methods.md section 5.3), and why:

1. **Folded sequence.**  The paper's last stages run at the full length (16,383 and 65,535
   positions) with 5-60 channels.  On a CPU such thin, long convolutions cost far more per
   number than they compute (measured: one 2-channel conv at 4095 positions takes as long as a
   30-channel one at 255).  Here ``fold`` (16) neighbouring SNPs form one column: the
   convolutional part works on ``M = n_snps / fold`` columns (256 for 4095 SNPs), the
   generator's output layer makes ``fold`` values per column (a sub-pixel convolution) and the
   critic's input layer reads the ``pack x fold`` alleles of each column.
2. **Per-SNP weights at both ends.**  Those two layers are *locally connected*: every column
   has its own weights (GenoCAE's "marker-specific variables", where the paper's location
   vectors come from), and the output location vector is a per-SNP bias.  With weights shared
   along the sequence the critic could not tell a haplotype from a shuffled one at the start
   (on a 3-founder toy it did not separate real from independent-site noise in 20 epochs);
   with per-SNP weights it does at once.
3. **A global latent.**  ``z`` (``latent_dim`` numbers) goes through a Linear layer to the
   first, shortest feature map, so every part of the window can depend on all of ``z``: the
   LCT window has LD across its whole 145 kb, which the paper's ``z`` of shape (2, 4) with
   local convolutions cannot coordinate.
4. **Optimisation for a short run**: the critic's last layer starts at zero (no early
   gradient-penalty blow-up), the generator's logits are multiplied by ``output_gain`` and it
   learns faster than the critic (``lr_g = 3e-3``, ``lr_c = 1e-3``), ``n_critic = 3``,
   ``af_init`` starts the output bias at the logit of the training allele frequencies, and
   ``ema`` can sample from a moving average of the generator weights (BatchNorm statistics
   re-estimated after training).  ``label_noise`` defaults to 0: with it the critic's scores
   drift without bound (the loss rewards lowering every score by ``u``), which makes the
   logged losses unreadable and changes nothing else.
5. ``output="bernoulli"`` (not in the paper) trains on binary Bernoulli draws of the
   probabilities with a straight-through gradient and samples the same way.

**Any length.**  The generator makes ``fold * L0 * 4**stages`` positions (:func:`geometry`);
a region of ``n`` SNPs is zero-padded at its end to that *native length* (4095 -> 4096,
37 -> 128), the critic sees real haplotypes with zeros there and generated ones with the
padding masked to zero, and samples are trimmed back to ``n`` SNPs.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .base import GenerativeModel, _check_float, _check_positive_int, check_haplotypes, network_parameters
from .settings import BUDGET_SETTINGS, WGAN_GP_SETTINGS
from .wgan_gp import WGANGPTrainer, ema_of, train_epochs

__all__ = ["ConvWGAN", "geometry"]


def geometry(n_snps: int, fold: int = 16, stages: int | None = None) -> dict[str, int]:
    """Shapes of a :class:`ConvWGAN` for ``n_snps`` SNPs.

    The generator works on ``M = L0 * 4**stages`` columns of ``fold`` SNPs each, so it makes
    ``native_length = fold * M >= n_snps`` positions; the region is zero-padded at its end to
    that length.  ``stages=None`` picks the most x4 stages that keep ``L0 >= 4`` (at least one;
    ``L0 >= 2`` always): 4095 SNPs with ``fold = 16`` give 256 columns, ``L0 = 4``, 3 stages and 1 padded position.
    Returns a dict with ``native_length``, ``columns`` (M), ``l0`` and ``stages``.

    Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).

    Parameters
    ----------
    n_snps : int
        SNPs of the region.
    fold : int, default 16
        Neighbouring SNPs per column of the convolutional part.
    stages : int or None, default None
        x4 upsampling stages of the generator; ``None`` picks them as described above.

    Returns
    -------
    dict of str to int
        ``native_length`` (``fold * columns``, at least ``n_snps``), ``columns`` (M),
        ``l0`` (length of the first feature map) and ``stages``.

    Examples
    --------
    >>> geometry(4095)
    {'native_length': 4096, 'columns': 256, 'l0': 4, 'stages': 3}
    >>> geometry(37)
    {'native_length': 128, 'columns': 8, 'l0': 2, 'stages': 1}
    """
    n_snps = _check_positive_int(n_snps, "n_snps")
    fold = _check_positive_int(fold, "fold")
    m_min = math.ceil(n_snps / fold)
    if stages is None:
        s = 1
        while m_min / 4 ** (s + 1) >= 4:
            s += 1
    else:
        s = _check_positive_int(stages, "stages")
    l0 = max(2, math.ceil(m_min / 4**s))  # the critic's InstanceNorm needs length >= 2
    cols = l0 * 4**s
    return {"native_length": fold * cols, "columns": cols, "l0": l0, "stages": s}


def _channel_schedule(stages: int, channels: int) -> list[int]:
    """Output channels of the generator's ``4 * stages`` conv layers: the paper's linear
    schedule, ``2C`` fewer channels per layer (``520 -> 500 -> ...`` for C = 10), ending at ``4C``."""
    n = 4 * stages
    return [2 * channels * (n + 1 - j) for j in range(n)]


def _has_residual(k: int, stages: int) -> bool:
    """Residual block after generator stage ``k``: every second stage, not the top one
    (the paper: after stages 2, 4 and 6 of 7)."""
    return k % 2 == 1 and k < stages - 1


def _norm(kind: type, c: int) -> nn.Module:
    return kind(c, affine=True) if kind is nn.InstanceNorm1d else kind(c)


class _Residual(nn.Module):
    """``x + f(x)`` with ``f`` = two conv3 layers, each followed by a norm and LeakyReLU."""

    def __init__(self, c: int, alpha: float, norm: type, bias: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for _ in range(2):
            layers += [nn.Conv1d(c, c, 3, padding=1, bias=bias), _norm(norm, c), nn.LeakyReLU(alpha)]
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _stage(c_in: int, chans: list[int], alpha: float, up: bool, residual: bool) -> nn.Sequential:
    """The paper's x4 block: ``conv3 -> (de)conv stride 2 -> conv3 -> (de)conv stride 2``, each
    followed by a norm (BatchNorm in the generator, InstanceNorm in the critic) and LeakyReLU.
    Stride-2 layers have kernel 4 and padding 1, so lengths double or halve exactly."""
    norm, bias = (nn.BatchNorm1d, False) if up else (nn.InstanceNorm1d, True)
    layers: list[nn.Module] = []
    for j, c in enumerate(chans):
        if j % 2 == 0:
            layers.append(nn.Conv1d(c_in, c, 3, padding=1, bias=bias))
        elif up:
            layers.append(nn.ConvTranspose1d(c_in, c, 4, stride=2, padding=1, bias=bias))
        else:
            layers.append(nn.Conv1d(c_in, c, 4, stride=2, padding=1, bias=bias))
        layers += [_norm(norm, c), nn.LeakyReLU(alpha)]
        c_in = c
    if residual:
        layers.append(_Residual(c_in, alpha, norm, bias))
    return nn.Sequential(*layers)


class _LocallyConnected(nn.Module):
    """Per-column weights: ``y[b, o, m] = sum_i W[o, i, m] x[b, i, m] + bias[o, m]``.

    Every column (``fold`` neighbouring SNPs) has its own weights, like GenoCAE's
    "marker-specific variables" from which the paper's location vectors come: the generator
    reads out each SNP from the features of its column with that SNP's own weights, and the
    critic looks at each SNP's alleles with weights of its own.
    """

    def __init__(self, c_in: int, c_out: int, columns: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(c_out, c_in, columns))
        self.bias = nn.Parameter(torch.zeros(c_out, columns))

    def reset_parameters(self, gen: torch.Generator) -> None:
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        with torch.no_grad():
            self.weight.uniform_(-bound, bound, generator=gen)
            self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bim,oim->bom", x, self.weight) + self.bias


class _Generator(nn.Module):
    """Noise at several resolutions + location vectors -> logits of shape (B, native length).

    Stage ``k`` takes ``[location vector, features, fresh noise]`` as channels at length
    ``L0 * 4**k`` and upsamples x4 (:func:`_stage`).  The output layer takes
    ``[location vector, features, noise]`` at the top length ``M`` and makes ``fold`` channels,
    one per SNP of each column (a sub-pixel convolution); the output location vector (one
    number per SNP) is added as a per-position bias and the columns are unfolded to a
    sequence.
    """

    def __init__(self, geo: dict[str, int], fold: int, channels: int, latent_dim: int, noise_dim: int,
                 alpha: float, gain: float = 1.0) -> None:
        super().__init__()
        s, l0 = geo["stages"], geo["l0"]
        self.l0, self.stages, self.noise_dim, self.fold, self.gain = l0, s, noise_dim, fold, gain
        self.latent_dim = latent_dim
        self.lengths = [l0 * 4**k for k in range(s + 1)]
        self.locs = nn.ParameterList([nn.Parameter(torch.zeros(1, 1, n)) for n in self.lengths])
        self.loc_out = nn.Parameter(torch.zeros(1, fold, self.lengths[-1]))
        sched = _channel_schedule(s, channels)
        c_prev = sched[0]
        # global latent -> (c, L0): every position of the sequence can depend on all of z
        self.stem = nn.Sequential(
            nn.Linear(latent_dim, c_prev * l0, bias=False),
            nn.Unflatten(1, (c_prev, l0)),
            nn.BatchNorm1d(c_prev),
            nn.LeakyReLU(alpha),
        )
        self.blocks = nn.ModuleList()
        for k in range(s):
            c_in = c_prev + 1 + (noise_dim if k > 0 else 0)
            self.blocks.append(_stage(c_in, sched[4 * k : 4 * k + 4], alpha, True, _has_residual(k, s)))
            c_prev = sched[4 * k + 3]
        self.out = _LocallyConnected(c_prev + 1 + noise_dim, fold, self.lengths[-1])

    def forward(self, z: torch.Tensor, noises: list[torch.Tensor]) -> torch.Tensor:
        b = z.shape[0]
        x = self.stem(z)
        for k in range(self.stages + 1):
            parts = [self.locs[k].expand(b, 1, -1), x]
            if k > 0:
                parts.append(noises[k - 1])
            x = torch.cat(parts, dim=1)
            x = self.blocks[k](x) if k < self.stages else self.out(x) * self.gain + self.loc_out
        return x.transpose(1, 2).reshape(b, -1)  # column m, channel i -> SNP m * fold + i

    def draw_noise(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Latent vector and per-stage noise for ``n`` samples: drawn on the CPU from ``gen`` (the
        same draws on every device), then moved to the generator's device."""
        dev = self.loc_out.device
        z = torch.randn(n, self.latent_dim, generator=gen).to(dev)
        noises = [torch.randn(n, self.noise_dim, m, generator=gen).to(dev) for m in self.lengths[1:]]
        return z, noises


class _Critic(nn.Module):
    """(B, pack, native length) -> one score per pack; the generator's mirror image.

    The packed haplotypes are folded into ``pack * fold`` channels of ``M`` columns; stage ``i``
    takes ``[location vector, features]`` and downsamples x4 (:func:`_stage`, InstanceNorm, no
    BatchNorm), with residual blocks at the generator's resolutions; a Linear layer on the
    final ``channels x L0`` features gives the score.
    """

    def __init__(self, geo: dict[str, int], fold: int, channels: int, pack: int, alpha: float) -> None:
        super().__init__()
        s, l0 = geo["stages"], geo["l0"]
        self.stages, self.fold, self.alpha = s, fold, alpha
        self.locs = nn.ParameterList([nn.Parameter(torch.zeros(1, 1, l0 * 4 ** (s - i))) for i in range(s)])
        sched = _channel_schedule(s, channels)[::-1]
        c_top = sched[0]
        self.first = _LocallyConnected(pack * fold, c_top, l0 * 4**s)
        self.blocks = nn.ModuleList()
        c_prev = c_top
        for i in range(s):
            chans = sched[4 * i : 4 * i + 4]
            self.blocks.append(_stage(c_prev + 1, chans, alpha, False, _has_residual(s - 2 - i, s)))
            c_prev = chans[-1]
        self.linear = nn.Linear(c_prev * l0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, pack, n = x.shape
        x = x.reshape(b, pack, n // self.fold, self.fold).transpose(2, 3).reshape(b, pack * self.fold, -1)
        x = nn.functional.leaky_relu(self.first(x), self.alpha)
        for k, block in enumerate(self.blocks):
            x = block(torch.cat([self.locs[k].expand(b, 1, -1), x], dim=1))
        return self.linear(x.flatten(1)).squeeze(1)


def _init(module: nn.Module, gen: torch.Generator) -> None:
    """Seeded PyTorch-default initialisation (Kaiming-uniform weights), zero conv biases,
    unit/zero norm affines and N(0, 1) location vectors (as the authors' ``torch.randn``)."""
    for m in module.modules():
        if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear)):
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=gen)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _LocallyConnected):
            m.reset_parameters(gen)
        elif isinstance(m, (nn.BatchNorm1d, nn.InstanceNorm1d)) and m.weight is not None:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    for name, p in module.named_parameters():
        if name.startswith("locs."):
            with torch.no_grad():
                p.normal_(0.0, 1.0, generator=gen)



class ConvWGAN(GenerativeModel):
    """Convolutional WGAN-GP of Yelmen et al. 2023, scaled down for a CPU; any number of SNPs.

    Explained in the chapter 'Generative models for long regions' (notebooks/06_long_regions).
    See the module docstring for what is kept from the paper and what is changed.

    Parameters (keyword only; course-scale defaults: on a 4004 x 4095 LCT window they train in
    about 6-7 minutes on one thread; the paper's value in brackets)
    ----------
    epochs : int or None, default None [chosen by eye from PCA plots]
        Passes of critic steps over the training rows; ``None`` means as many as ``steps`` needs.
    steps : int, default 3300
        Budget of critic steps when ``epochs`` is None (80 epochs of 4,004 haplotypes in
        batches of 96, and as many steps on any other cohort).
    channels : int, default 2 [10]
        Channel multiplier ``C`` of the paper's linear channel schedule.
    fold : int, default 16 [1]
        Neighbouring SNPs per column of the convolutional part (see the module docstring).
    stages : int or None, default None
        Number of x4 stages; ``None`` picks them from the length (:func:`geometry`).
    latent_dim : int, default 32 [8 numbers as a (2, 4) map]
        Size of the global latent vector ``z``.
    noise_dim : int, default 4 [2]
        Channels of fresh noise added at the input of every stage after the first.
    batch_size : int, default 96 [96]
        Haplotypes per critic step (``batch_size // pack`` packs).
    n_critic : int, default 3 [10]
        Critic steps per generator step.
    pack : int, default 3 [3]
        Haplotypes packed together into one critic input (PacGAN).
    lr_g, lr_c : float, default 3e-3, 1e-3 [5e-4, 5e-4]
        Adam learning rates of generator and critic.
    beta1, beta2 : float, default 0.5, 0.9 [0.5, 0.9]
    gp_weight : float, default 10 [10]
        The gradient-penalty weight lambda.
    label_noise : float, default 0 [0.1]
        The real term of the critic loss is weighted ``1 - u``, ``u ~ U(0, label_noise)``.
    alpha : float, default 0.01 [0.01]
        LeakyReLU slope.
    output : {"sigmoid", "bernoulli"}, default "sigmoid" ["sigmoid"]
        What the critic sees of the generator: its probabilities (the paper; samples are
        thresholded) or Bernoulli draws of them with a straight-through gradient (samples are
        drawn).
    af_init : bool, default True [False]
        Start the per-SNP output bias at the logit of the training allele frequencies.
    output_gain : float, default 4 [1]
        Factor on the generator's output layer (a larger effective learning rate there).
    ema : float, default 0.99 [0]
        Decay of a moving average of generator weights used for sampling (0 = off); on the
        LCT window it brought AATS from ~0.99 to ~0.88 at equal training (30 epochs, batch 48).
    seed : int, default 0
        Seed of the initialisation, the batch order and all noise.
    device : {"auto", "cpu", "cuda"}, default "auto"
        Where to compute (:mod:`artgen_lite.models.device`); the random draws are the same on
        every device.

    Presets (:meth:`preset`): ``"smoke"`` (1 epoch, batches of 480, one critic step per
    generator step) and ``"paper"``: the bracketed values above, those of Yelmen et al. 2023
    (``WGAN_run.py``): 10 channels per unit of the schedule, no folding, latent size 8, 2 noise
    channels, 10 critic steps per generator step, learning rates 5e-4, label noise 0.1, no
    allele-frequency start, output gain 1 and no weight averaging. The paper chose its epochs by
    eye, so the ``steps`` budget stays the course one (pass ``epochs=`` or ``steps=``). A GPU
    helps (``device="auto"`` takes one).

    ``fit(X, progress=True, callback=None, callback_every=1)``: ``callback(model, epoch)`` is
    called every ``callback_every`` epochs (and after the last); a dict it returns is added to
    that epoch's ``history`` row.  ``history`` rows hold ``epoch``, ``critic_loss`` (with the
    penalty), ``generator_loss``, ``gradient_penalty`` (without lambda), ``wasserstein`` (the
    critic's estimate ``mean C(real) - mean C(fake)``), ``time_s`` and ``cpu_s``, averaged or
    summed over the epoch.  Other methods: ``sample(n, seed, threshold=None)``,
    ``sample_probabilities(n, seed)`` (per-SNP probabilities), ``critic_score(X)`` (white-box
    membership score, higher = more "real"), ``native_length``, ``n_parameters_generator`` /
    ``n_parameters_critic``.
    """

    _presets = {
        "smoke": dict(epochs=1, batch_size=480, n_critic=1),
        # Yelmen et al. 2023 (the bracketed values of the class docstring); epochs were chosen by eye
        "paper": dict(channels=10, fold=1, latent_dim=8, noise_dim=2, n_critic=10, lr_g=5e-4, lr_c=5e-4,
                      label_noise=0.1, af_init=False, output_gain=1.0, ema=0.0),
    }

    _setting_groups = (BUDGET_SETTINGS, WGAN_GP_SETTINGS)
    _setting_defaults = {"validation_fraction": 0.1, "steps": 3300, "batch_size": 96, "n_critic": 3,
                         "lr_g": 3e-3, "lr_c": 1e-3}

    def __init__(
        self,
        *,
        channels: int = 2,
        fold: int = 16,
        stages: int | None = None,
        latent_dim: int = 32,
        noise_dim: int = 4,
        pack: int = 3,
        label_noise: float = 0.0,
        alpha: float = 0.01,
        output: str = "sigmoid",
        af_init: bool = True,
        output_gain: float = 4.0,
        ema: float = 0.99,
        **shared: Any,
    ) -> None:
        super().__init__(**shared)
        self.channels = _check_positive_int(channels, "channels")
        self.fold = _check_positive_int(fold, "fold")
        self.stages = None if stages is None else _check_positive_int(stages, "stages")
        self.latent_dim = _check_positive_int(latent_dim, "latent_dim")
        self.noise_dim = _check_positive_int(noise_dim, "noise_dim")
        self.pack = _check_positive_int(pack, "pack")
        if self.batch_size < self.pack:
            raise ValueError(f"batch_size ({self.batch_size}) must be at least pack ({pack})")
        self.label_noise = _check_float(label_noise, "label_noise", 0.0, 1.0 - 1e-12)
        self.alpha = _check_float(alpha, "alpha", 0.0, 1.0)
        if not isinstance(af_init, (bool, np.bool_)):
            raise TypeError(f"af_init must be True or False; got {af_init!r}")
        self.af_init = bool(af_init)
        if output not in ("sigmoid", "bernoulli"):
            raise ValueError(f"output must be 'sigmoid' or 'bernoulli'; got {output!r}")
        self.output = output
        self.output_gain = _check_float(output_gain, "output_gain", 0.0, low_open=True)
        self.ema = _check_float(ema, "ema", 0.0, 1.0 - 1e-12)
        self.generator: _Generator | None = None
        self.generator_ema: _Generator | None = None
        self.critic: _Critic | None = None

    # ------------------------------------------------------------------ structure
    @property
    def native_length(self) -> int:
        """Length the generator makes (>= ``n_snps``; the rest is zero padding)."""
        self._require_fitted()
        return geometry(self.n_snps, self.fold, self.stages)["native_length"]

    def _build(self, n_snps: int) -> None:
        geo = geometry(n_snps, self.fold, self.stages)
        args = (geo, self.fold, self.channels, self.latent_dim, self.noise_dim, self.alpha, self.output_gain)
        self.generator = _Generator(*args)
        self.critic = _Critic(geo, self.fold, self.channels, self.pack, self.alpha)
        self.generator_ema = None
        if self.ema:
            self.generator_ema = _Generator(*args)
            self.generator_ema.requires_grad_(False)

    def _modules(self) -> dict[str, Any]:
        mods: dict[str, Any] = {"generator": self.generator, "critic": self.critic}
        if self.ema:
            mods["generator_ema"] = self.generator_ema
        return mods

    # n_parameters (the base class's) counts generator + critic, not the moving-average copy
    n_parameters_generator = network_parameters("generator")
    n_parameters_critic = network_parameters("critic")

    def _before_checkpoint(self) -> None:
        self._finish_sampler()

    def _sampler(self) -> _Generator:
        return self.generator_ema if self.ema else self.generator

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        extra = self.native_length - x.shape[1]
        return nn.functional.pad(x, (0, extra)) if extra else x

    def _packs(self, x: torch.Tensor) -> torch.Tensor:
        """(B, native length) rows as the critic's (B / pack, pack, native length) inputs."""
        return x.reshape(x.shape[0] // self.pack, self.pack, x.shape[1])

    # ------------------------------------------------------------------ training
    def _fit(self, X: np.ndarray, progress: bool) -> None:
        bs = self.batch_size - self.batch_size % self.pack
        if X.shape[0] < bs:
            raise ValueError(
                f"X has {X.shape[0]} haplotypes, fewer than one batch (batch_size={self.batch_size})"
            )
        gen = torch.Generator().manual_seed(self.seed)
        G, D = self.generator, self.critic
        _init(G, gen)
        _init(D, gen)
        with torch.no_grad():  # the critic starts flat (score 0, gradient 0): no early blow-up
            D.linear.weight.zero_()
        m = X.shape[1]
        mask = torch.zeros(self.native_length)
        mask[:m] = 1.0
        if self.af_init:
            f = torch.from_numpy(X.mean(0)).float().clamp(1e-3, 1 - 1e-3)
            with torch.no_grad():
                bias = torch.full((self.native_length,), -6.0)
                bias[:m] = torch.log(f / (1 - f))
                G.loc_out.copy_(bias.reshape(1, -1, self.fold).transpose(1, 2))
        self._to_device()  # initialised on the CPU from the seeded generator, then moved
        dev = self._dev
        mask = mask.to(dev)
        ema = None
        if self.ema:  # sampling uses the moving average (its inner network, saved as generator_ema)
            ema = ema_of(G, self.ema)
            self.generator_ema = ema.module
        data = self._pad(torch.from_numpy(X).float()).to(dev)
        betas = (self.beta1, self.beta2)
        opt_g = torch.optim.Adam(G.parameters(), lr=self.lr_g, betas=betas, foreach=True)
        opt_c = torch.optim.Adam(D.parameters(), lr=self.lr_c, betas=betas, foreach=True)

        def fake_batch(k: int) -> torch.Tensor:
            z, noises = G.draw_noise(k, gen)
            p = torch.sigmoid(G(z, noises))
            if self.output == "bernoulli":  # binary draws, straight-through gradient to p
                hard = (torch.rand(p.shape, generator=gen).to(dev) < p).to(p.dtype)
                p = hard + p - p.detach()
            return p * mask

        trainer = WGANGPTrainer(D, fake_batch, opt_c, opt_g, gen, gp_weight=self.gp_weight,
                                pack=self._packs,
                                label_noise=self.label_noise, ema=ema, generator=G)
        train_epochs(self, trainer, data, batch_size=bs, n_critic=self.n_critic, desc="ConvWGAN",
                     progress=progress, cpu_time=True)
        self._finish_sampler()

    @torch.no_grad()
    def _finish_sampler(self, n_batches: int = 8, batch: int = 256) -> None:
        """Re-estimate the BatchNorm statistics of the sampling generator (cumulative averages
        over ``n_batches`` batches, fixed seed), then leave it in evaluation mode."""
        g = self._sampler()
        if self.ema:
            # the running statistics of a moving average of weights are not those of any
            # trained network: re-estimate them
            gen = torch.Generator().manual_seed(self.seed + 1)
            moms = {}
            for mod in g.modules():
                if isinstance(mod, nn.BatchNorm1d):
                    mod.reset_running_stats()
                    moms[mod] = mod.momentum
                    mod.momentum = None
            g.train()
            for _ in range(n_batches):
                z, noises = g.draw_noise(batch, gen)
                g(z, noises)
            for mod, mom in moms.items():
                mod.momentum = mom
        g.eval()
        self.generator.train()

    # ------------------------------------------------------------------ generation
    def _probabilities(self, n: int, generator: torch.Generator, batch: int = 512) -> torch.Tensor:
        g = self._sampler()
        was = g.training
        g.eval()
        outs = []
        for start in range(0, n, batch):
            z, noises = g.draw_noise(min(batch, n - start), generator)
            outs.append(torch.sigmoid(g(z, noises))[:, : self.n_snps])
        g.train(was)
        return torch.cat(outs)

    def _sample(self, n: int, generator: torch.Generator, threshold: bool = True) -> torch.Tensor:
        p = self._probabilities(n, generator)
        if threshold:
            return (p > 0.5).to(torch.uint8)
        return (torch.rand(p.shape, generator=generator).to(p.device) < p).to(torch.uint8)

    def sample(self, n: int, seed: int = 0, threshold: bool | None = None) -> np.ndarray:
        """``n`` artificial haplotypes from the generator's per-SNP probabilities: thresholded at
        0.5 (``threshold=True``, the authors' ``rint``) or one Bernoulli draw per SNP
        (``threshold=False``).  ``None`` (default) is what the model was trained for: threshold
        for ``output="sigmoid"``, Bernoulli for ``output="bernoulli"``."""
        if threshold is None:
            threshold = self.output == "sigmoid"
        if not isinstance(threshold, (bool, np.bool_)):
            raise TypeError(f"threshold must be True, False or None; got {threshold!r}")
        return super().sample(n, seed=seed, threshold=bool(threshold))

    def sample_probabilities(self, n: int, seed: int = 0) -> np.ndarray:
        """Per-SNP probabilities ``G(z)`` of ``n`` generated haplotypes, float array ``(n, n_snps)``.

        ``sample(n, seed, threshold=True)`` is exactly ``sample_probabilities(n, seed) > 0.5``
        (the same noise draws); the spread of these probabilities is the model's own per-SNP
        uncertainty.
        """
        self._require_fitted()
        n = _check_positive_int(n, "n")
        gen = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            return self._probabilities(n, gen).double().cpu().numpy()

    # ------------------------------------------------------------------ scores
    def _score_samples(self, X: np.ndarray) -> np.ndarray:
        return self.critic_score(X)

    def critic_score(self, X: Any, batch: int = 512) -> np.ndarray:
        """The critic's score of each haplotype (higher = more "real"): a white-box
        membership-inference score.  With ``pack > 1`` each haplotype is packed with copies
        of itself."""
        self._require_fitted()
        X = check_haplotypes(X, "X", self.n_snps)
        x = self._pad(torch.from_numpy(X).float()).to(self._dev)
        out = []
        with torch.no_grad():
            for start in range(0, len(x), batch):
                xb = x[start : start + batch]
                out.append(self.critic(xb[:, None, :].expand(-1, self.pack, -1).contiguous()))
        return torch.cat(out).double().cpu().numpy()
