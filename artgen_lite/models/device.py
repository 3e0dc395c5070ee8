"""Where a model computes: ``device="auto" | "cpu" | "cuda"`` (chapter 04 introduces it, chapter 13 uses it).

Every torch model of the package takes a ``device`` keyword. It is stored as given (so
``get_params``, ``repr`` and model files keep ``"auto"``) and resolved by :func:`resolve_device`
when the model trains, samples, scores or is loaded:

* ``"auto"`` -- the GPU when torch sees one (``torch.cuda.is_available()``), else the CPU;
* ``"cpu"`` -- the CPU;
* ``"cuda"`` -- the GPU, and a :class:`ValueError` naming the ``device`` argument when there is none.

Random numbers are always drawn from the models' seeded CPU ``torch.Generator`` objects and then
moved to the device, so a seed gives the same draws everywhere and results on the CPU are bitwise
those of a version without devices. Results on a GPU are close to, not bitwise equal to, CPU results
(floating-point sums run in another order).
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["DEVICES", "check_device", "fork_rng_on", "resolve_device"]

#: the values the ``device`` argument takes
DEVICES = ("auto", "cpu", "cuda")


def check_device(device: Any, name: str = "device") -> str:
    """``device`` itself when it is one of ``"auto"``, ``"cpu"``, ``"cuda"``; else a ValueError naming ``name``.

    Checks the value only (a model may be built for ``"cuda"`` on a machine without a GPU, e.g. to
    read its settings); :func:`resolve_device` checks that the GPU is there. Chapter 04.

    Parameters
    ----------
    device : Any
        The value to check.
    name : str, default "device"
        The argument's name, used in the error message.

    Returns
    -------
    str
        ``device`` unchanged.

    Raises
    ------
    ValueError
        When ``device`` is not one of the three strings.

    Examples
    --------
    >>> check_device("auto")
    'auto'
    >>> check_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device must be 'auto', 'cpu' or 'cuda'; got 'gpu'
    """
    if not isinstance(device, str) or device not in DEVICES:
        raise ValueError(f"{name} must be 'auto', 'cpu' or 'cuda'; got {device!r}")
    return device


def resolve_device(device: Any = "auto", name: str = "device") -> torch.device:
    """The ``torch.device`` that ``device`` (``"auto"``, ``"cpu"`` or ``"cuda"``) stands for here.

    ``"auto"`` is the GPU when ``torch.cuda.is_available()``, else the CPU. ``"cuda"`` on a machine
    where torch sees no GPU raises a ValueError that names the argument and says what to do;
    any other value raises a ValueError listing the three. Chapter 04.

    Parameters
    ----------
    device : Any, default "auto"
        ``"auto"``, ``"cpu"`` or ``"cuda"``.
    name : str, default "device"
        The argument's name, used in the error messages.

    Returns
    -------
    torch.device
        The CPU or the GPU.

    Raises
    ------
    ValueError
        For a value other than the three, or ``"cuda"`` where torch sees no GPU.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    device = check_device(device, name)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{name}='cuda' was asked for, but torch sees no CUDA GPU on this machine "
            f"(torch {torch.__version__}); use {name}='cpu', or {name}='auto' to take a GPU only when there is one"
        )
    return torch.device(device)


def fork_rng_on(device: torch.device):
    """``torch.random.fork_rng`` for computations on ``device``: the global generators that
    ``torch.manual_seed`` seeds inside it (the CPU's, and the GPU's when ``device`` is one) are put
    back afterwards. Used where torch draws from its global generator (dropout masks). Chapter 12.

    Parameters
    ----------
    device : torch.device
        The device the computation runs on; for a CUDA device its generator is forked too (the
        current GPU's when the device has no index).

    Returns
    -------
    contextlib.AbstractContextManager
        ``torch.random.fork_rng(devices=...)``, to use in a ``with`` statement.

    Examples
    --------
    >>> before = torch.random.get_rng_state()
    >>> with fork_rng_on(torch.device("cpu")):
    ...     _ = torch.manual_seed(1)
    ...     _ = torch.rand(3)
    >>> torch.equal(torch.random.get_rng_state(), before)
    True
    """
    devices = [] if device.type != "cuda" else [device.index if device.index is not None else torch.cuda.current_device()]
    return torch.random.fork_rng(devices=devices)
