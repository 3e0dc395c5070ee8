"""The WGAN-GP critic step, shared by every Wasserstein GAN of the book.

Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions), where the loss is
written out; the models that use it are :class:`artgen_lite.models.ConvWGAN`,
:class:`artgen_lite.models.PCAGAN` and :class:`artgen_lite.dna.design.DNAWGAN`.

The critic ``C`` of a WGAN-GP (Gulrajani et al. 2017) minimises

    L_C = mean C(fake) - w * mean C(real) + lambda * mean((||grad C(x_hat)|| - 1)**2)

with ``x_hat = eps * real + (1 - eps) * fake`` for one ``eps ~ U(0, 1)`` per critic input and
``w = 1`` (Yelmen et al. 2023 use ``w = 1 - u`` with a little label noise ``u``).
"""

from __future__ import annotations

from typing import Callable

import torch

__all__ = ["gradient_penalty", "critic_step"]

Critic = Callable[[torch.Tensor], torch.Tensor]


def gradient_penalty(critic: Critic, real: torch.Tensor, fake: torch.Tensor,
                     eps: torch.Tensor | None = None,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """WGAN-GP penalty ``mean((||grad_x C(x_hat)|| - 1)**2)`` (Gulrajani et al. 2017).

    ``x_hat = eps * real + (1 - eps) * fake`` with one ``eps ~ U(0, 1)`` per critic input (the
    first axis; drawn from ``generator`` unless given); the gradient norm is taken over all
    other axes.  Multiply by lambda (10) yourself.

    Explained in the chapter 'Long genomic regions' (notebooks/06_long_regions).
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
