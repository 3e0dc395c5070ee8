"""The WGAN-GP critic step and training loop, shared by every Wasserstein GAN of the book.

Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions), where the loss is
written out; the models that use it are :class:`artgen_lite.models.ConvWGAN`,
:class:`artgen_lite.models.PCAGAN` and :class:`artgen_lite.dna.design.DNAWGAN`.

The critic ``C`` of a WGAN-GP (Gulrajani et al. 2017) minimises

    L_C = mean C(fake) - w * mean C(real) + lambda * mean((||grad C(x_hat)|| - 1)**2)

with ``x_hat = eps * real + (1 - eps) * fake`` for one ``eps ~ U(0, 1)`` per critic input and
``w = 1`` (Yelmen et al. 2023 use ``w = 1 - u`` with a little label noise ``u``), and the
generator minimises ``L_G = -mean C(G(z))`` through the frozen critic, one step after every
``n_critic`` critic steps.

The loop itself is written once here for the three models: :class:`WGANGPTrainer` does one
critic update or one generator update and keeps the sums of the logged losses;
:func:`train_epochs` drives it epoch by epoch for the two haplotype models (history rows,
progress bar, callback, validation checkpoints and time limit), and ``DNAWGAN.fit`` drives it
by generator iterations.  Each model supplies only what its paper makes specific: how a fake
batch is made, packing, label noise and a moving average of the generator.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import torch
from torch import nn
from tqdm import tqdm

from .base import _check_positive_int

__all__ = ["gradient_penalty", "critic_step", "WGANGPTrainer", "ema_of", "train_epochs"]

Critic = Callable[[torch.Tensor], torch.Tensor]


def gradient_penalty(critic: Critic, real: torch.Tensor, fake: torch.Tensor,
                     eps: torch.Tensor | None = None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP penalty ``mean((||grad_x C(x_hat)|| - 1)**2)`` (Gulrajani et al. 2017).

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U(0, 1)`` per critic input (the
    first axis; drawn from ``generator`` unless given); the gradient norm is taken over all
    other axes.  Multiply by lambda (10) yourself.

    Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions).

    Parameters
    ----------
    critic : callable
        The critic ``C``: a batch of inputs -> scores (differentiable).
    real, fake : torch.Tensor
        Real and generated critic inputs, of the same shape (first axis: the inputs).
    eps : torch.Tensor or None, default None
        The interpolation weights, broadcastable against ``real``; ``None`` draws one
        ``U(0, 1)`` per input on the CPU and moves them to ``real``'s device.
    generator : torch.Generator or None, default None
        The generator ``eps`` is drawn from (torch's global one when ``None``).

    Returns
    -------
    torch.Tensor
        The penalty, a scalar with its graph (``create_graph=True``), ready to add to a loss.

    Raises
    ------
    ValueError
        When ``real`` and ``fake`` differ in shape.

    Examples
    --------
    >>> critic = nn.Linear(3, 1)
    >>> with torch.no_grad():
    ...     _ = critic.weight.fill_(0.5)
    >>> gp = gradient_penalty(critic, torch.ones(4, 3), torch.zeros(4, 3), generator=torch.Generator().manual_seed(0))
    >>> round(gp.item(), 4)  # the gradient of a linear critic is its weight: (sqrt(3 * 0.25) - 1) ** 2
    0.0179
    """
    if real.shape != fake.shape:
        raise ValueError(
            f"real and fake must have the same shape; got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    if eps is None:
        # drawn on the CPU (where seeded generators live), then moved: the same draws on every device
        eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), generator=generator).to(real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    out = critic(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def critic_step(critic: Critic, optimizer: torch.optim.Optimizer, real: torch.Tensor,
                fake: torch.Tensor, gp_weight: float = 10.0, eps: torch.Tensor | None = None,
                generator: torch.Generator | None = None,
                real_weight: float = 1.0) -> dict[str, float]:
    """One optimiser step of the critic on a batch of ``real`` and (detached) ``fake`` inputs.

    Minimises ``mean C(fake) - real_weight * mean C(real) + gp_weight * GP`` (see
    :func:`gradient_penalty` for ``eps`` and ``generator``).  Returns the numbers a training
    log wants: ``critic_loss`` (with the penalty), ``gradient_penalty`` (without the weight)
    and ``wasserstein`` (the critic's estimate ``mean C(real) - mean C(fake)``).

    Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions).

    Parameters
    ----------
    critic : callable
        The critic ``C`` (the network ``optimizer`` updates).
    optimizer : torch.optim.Optimizer
        The critic's optimiser; one ``step`` is taken.
    real, fake : torch.Tensor
        A batch of real and of generated inputs, of the same shape (``fake`` is used as given:
        detach it, or make it under ``torch.no_grad()``).
    gp_weight : float, default 10.0
        The gradient-penalty weight lambda.
    eps : torch.Tensor or None, default None
        Interpolation weights of the penalty (:func:`gradient_penalty`).
    generator : torch.Generator or None, default None
        The generator ``eps`` is drawn from when not given.
    real_weight : float, default 1.0
        Weight ``w`` of the real term (``1 - u`` with label noise).

    Returns
    -------
    dict of str to float
        ``critic_loss``, ``gradient_penalty`` and ``wasserstein``, measured before the step.

    Examples
    --------
    >>> critic = nn.Linear(3, 1)
    >>> with torch.no_grad():
    ...     _ = critic.weight.fill_(0.5)
    ...     _ = critic.bias.zero_()
    >>> opt = torch.optim.SGD(critic.parameters(), lr=0.1)
    >>> logs = critic_step(critic, opt, torch.ones(4, 3), torch.zeros(4, 3), generator=torch.Generator().manual_seed(0))
    >>> {key: round(value, 3) for key, value in logs.items()}
    {'critic_loss': -1.321, 'gradient_penalty': 0.018, 'wasserstein': 1.5}
    """
    c_real = critic(real).mean()
    c_fake = critic(fake).mean()
    gp = gradient_penalty(critic, real, fake, eps=eps, generator=generator)
    loss = c_fake - real_weight * c_real + gp_weight * gp
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return {"critic_loss": loss.item(), "gradient_penalty": gp.item(),
            "wasserstein": (c_real - c_fake).item()}


_LOGGED = ("critic_loss", "gradient_penalty", "wasserstein")


class WGANGPTrainer:
    """One WGAN-GP training step at a time, shared by ConvWGAN, PCAGAN and DNAWGAN.

    Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions), where the
    loss is written out.  :meth:`critic_update` makes a fake batch, draws the label noise and
    takes one :func:`critic_step` (``eps`` drawn from ``rng`` in :func:`gradient_penalty`);
    :meth:`generator_update` takes one step of ``-mean C(G(z))`` through the frozen critic and
    then updates the moving average; :meth:`record` returns the means of the logged numbers
    since the last call.  Every random draw comes from ``rng``, in a fixed order: fake batch,
    label noise, ``eps``.

    Parameters
    ----------
    critic : torch.nn.Module
        The critic ``C``; it is frozen (``requires_grad_(False)``) during generator steps.
    fake : callable
        ``fake(n)`` -> a batch of ``n`` generated inputs (differentiable in the generator;
        :meth:`critic_update` calls it under ``torch.no_grad()``).
    opt_critic, opt_generator : torch.optim.Optimizer
        The optimisers of critic and generator.
    rng : torch.Generator
        The seeded (CPU) generator all draws come from.
    gp_weight : float, default 10
        The gradient-penalty weight lambda.
    pack : callable or None, default None
        ``pack(batch)`` -> the critic's inputs (ConvWGAN's PacGAN packs); ``None``: the batch.
    label_noise : float or None, default None
        With a number, the real term of the critic loss is weighted ``1 - u`` with
        ``u = label_noise * U(0, 1)`` drawn at every critic step (Yelmen et al. 2023; the draw
        is made even when the number is 0); ``None`` draws nothing.
    ema : torch.optim.swa_utils.AveragedModel or None, default None
        A moving average of the generator, updated from ``generator`` after every generator
        step (it must already hold the starting weights: see :func:`ema_of`).
    generator : torch.nn.Module or None, default None
        The network ``ema`` averages (needed only with ``ema``).

    Attributes
    ----------
    critic_steps : int
        Critic updates taken so far.
    """

    def __init__(self, critic: nn.Module, fake: Callable[[int], torch.Tensor],
                 opt_critic: torch.optim.Optimizer, opt_generator: torch.optim.Optimizer,
                 rng: torch.Generator, *, gp_weight: float = 10.0,
                 pack: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 label_noise: float | None = None, ema: Any = None,
                 generator: nn.Module | None = None) -> None:
        if ema is not None and generator is None:
            raise ValueError("ema needs the generator it averages (generator=...)")
        self.critic, self.fake, self.rng = critic, fake, rng
        self.opt_critic, self.opt_generator = opt_critic, opt_generator
        self.gp_weight, self.label_noise = gp_weight, label_noise
        self.pack = pack if pack is not None else (lambda x: x)
        self.ema, self.generator = ema, generator
        self.critic_steps = 0
        self._reset()

    def _reset(self) -> None:
        self._sums = dict.fromkeys(_LOGGED + ("generator_loss",), 0.0)
        self._n_critic = self._n_generator = 0

    def critic_update(self, real: torch.Tensor, record: bool = True) -> dict[str, float]:
        """One critic step on the real batch ``real`` against ``fake(len(real))``.

        Parameters
        ----------
        real : torch.Tensor
            A batch of real inputs (before packing).
        record : bool, default True
            Add this step's numbers to the sums that :meth:`record` averages.

        Returns
        -------
        dict of str to float
            What :func:`critic_step` returns: ``critic_loss``, ``gradient_penalty`` and
            ``wasserstein``.
        """
        with torch.no_grad():
            fake = self.fake(real.shape[0])
        weight = 1.0
        if self.label_noise is not None:
            weight = 1 - self.label_noise * float(torch.rand(1, generator=self.rng))
        logs = critic_step(self.critic, self.opt_critic, self.pack(real), self.pack(fake), self.gp_weight,
                           generator=self.rng, real_weight=weight)
        self.critic_steps += 1
        if record:
            for key in _LOGGED:
                self._sums[key] += logs[key]
            self._n_critic += 1
        return logs

    def generator_update(self, n: int) -> float:
        """One generator step on ``n`` fresh fakes through the frozen critic, then the moving
        average (if any).

        Parameters
        ----------
        n : int
            Batch size of the step.

        Returns
        -------
        float
            The generator loss ``-mean C(G(z))`` of the step.
        """
        self.critic.requires_grad_(False)
        loss = -self.critic(self.pack(self.fake(n))).mean()
        self.opt_generator.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_generator.step()
        self.critic.requires_grad_(True)
        if self.ema is not None:
            self.ema.update_parameters(self.generator)
        value = loss.item()
        self._sums["generator_loss"] += value
        self._n_generator += 1
        return value

    def record(self) -> dict[str, float]:
        """Means of the recorded critic numbers and of the generator losses since the last call
        (``generator_loss`` is NaN when no generator step was taken), then start afresh.

        Returns
        -------
        dict of str to float
            ``critic_loss``, ``gradient_penalty``, ``wasserstein``, ``generator_loss``.
        """
        s, nc, ng = self._sums, self._n_critic, self._n_generator
        out = {key: s[key] / nc if nc else float("nan") for key in _LOGGED}
        out["generator_loss"] = s["generator_loss"] / ng if ng else float("nan")
        self._reset()
        return out


def ema_of(generator: nn.Module, decay: float) -> torch.optim.swa_utils.AveragedModel:
    """An exponential moving average of ``generator``'s weights that starts at its current weights.

    ``torch.optim.swa_utils.AveragedModel`` with the EMA update ``w <- w + (1 - decay) (g - w)``
    (``get_ema_multi_avg_fn``).  Its first update copies instead of averaging: it is taken here,
    on the starting weights, so that every later update averages.  Buffers (BatchNorm
    statistics) are not averaged.  Save ``.module`` (the averaged network itself, without the
    ``module.`` prefix of the wrapper's keys).

    Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions).

    Parameters
    ----------
    generator : torch.nn.Module
        The network to average.
    decay : float
        Weight of the old average in each update (0.99 keeps about the last 100 steps).

    Returns
    -------
    torch.optim.swa_utils.AveragedModel
        The average, not trained by gradients (``requires_grad`` off).

    Examples
    --------
    >>> generator = nn.Linear(2, 2)
    >>> avg = ema_of(generator, decay=0.99)
    >>> torch.equal(avg.module.weight, generator.weight), avg.module.weight.requires_grad
    (True, False)
    """
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    avg = AveragedModel(generator, multi_avg_fn=get_ema_multi_avg_fn(decay))
    avg.requires_grad_(False)
    avg.update_parameters(generator)  # the copying first update
    return avg


def train_epochs(model: Any, trainer: WGANGPTrainer, data: torch.Tensor, *, batch_size: int, n_critic: int,
                 desc: str, progress: bool = True, cpu_time: bool = False) -> None:
    """The epoch loop of the haplotype WGAN-GPs (ConvWGAN, PCAGAN): one pass of critic steps
    over the rows per epoch, a generator step after every ``n_critic`` critic steps.

    Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions).  An epoch has
    ``max(n // batch_size, n_critic)`` critic steps (so at least one generator step) on batches
    taken in the order of fresh permutations of the rows (drawn from ``trainer.rng``, as many
    as the epoch needs).  After each epoch a ``history`` row (``epoch``, ``critic_loss``,
    ``gradient_penalty``, ``wasserstein``: means over the critic steps; ``generator_loss``:
    mean over the generator steps; ``time_s`` and with ``cpu_time`` ``cpu_s``) goes to the base
    class's ``model._end_epoch`` (history, ``fit``'s callback, validation checkpoints, time limit),
    which may stop training.

    Parameters
    ----------
    model : GenerativeModel
        The model being fitted (its ``_epochs_for`` and ``_end_epoch`` are used).
    trainer : WGANGPTrainer
        The steps.
    data : torch.Tensor
        The training rows, on the training device.
    batch_size : int
        Rows per critic step.
    n_critic : int
        Critic steps per generator step.
    desc : str
        Label of the progress bar.
    progress : bool, default True
        Show the progress bar.
    cpu_time : bool, default False
        Also record the epoch's CPU time ``cpu_s``.

    Returns
    -------
    None
        The history rows are appended to ``model.history``.

    Examples
    --------
    A stand-in for the model, with the two hooks the loop calls (a ``GenerativeModel`` has them):

    >>> class Toy:
    ...     def __init__(self):
    ...         self.history = []
    ...     def _epochs_for(self, n_batches):
    ...         return 2
    ...     def _end_epoch(self, rec, epochs, bar=None, **postfix):
    ...         self.history.append(rec)
    ...         return False  # do not stop
    >>> rng = torch.Generator().manual_seed(0)
    >>> G, C = nn.Linear(2, 3), nn.Linear(3, 1)
    >>> trainer = WGANGPTrainer(C, lambda n: G(torch.randn(n, 2, generator=rng)), torch.optim.Adam(C.parameters()),
    ...                         torch.optim.Adam(G.parameters()), rng)
    >>> model = Toy()
    >>> train_epochs(model, trainer, torch.ones(8, 3), batch_size=4, n_critic=2, desc="toy", progress=False)
    >>> [row["epoch"] for row in model.history], sorted(model.history[0]), trainer.critic_steps
    ([1, 2], ['critic_loss', 'epoch', 'generator_loss', 'gradient_penalty', 'time_s', 'wasserstein'], 4)
    """
    n, bs, gen = len(data), batch_size, trainer.rng
    n_batches = max(n // bs, n_critic)
    n_perms = math.ceil(n_batches * bs / n)
    epochs = model._epochs_for(n_batches)
    bar = tqdm(range(epochs), desc=desc, disable=not progress, unit="epoch")
    for epoch in bar:
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.cat([torch.randperm(n, generator=gen) for _ in range(n_perms)])
        for b in range(n_batches):
            trainer.critic_update(data[perm[b * bs : (b + 1) * bs]])
            if trainer.critic_steps % n_critic == 0:
                trainer.generator_update(bs)
        rec: dict[str, Any] = {"epoch": epoch + 1, **trainer.record()}
        rec["time_s"] = time.perf_counter() - t0
        if cpu_time:
            rec["cpu_s"] = time.process_time() - c0
        if model._end_epoch(rec, epochs, bar, W=f"{rec['wasserstein']:.3f}", gp=f"{rec['gradient_penalty']:.3f}"):
            break
    bar.close()
