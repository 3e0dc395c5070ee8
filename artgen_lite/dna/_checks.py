"""Argument checks shared by the DNA modules (private; errors name the argument)."""

from __future__ import annotations

from typing import Any

import numpy as np


def check_int(value: Any, name: str, low: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer ``>= low``, else ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def check_fraction(value: Any, name: str, low: float = 0.0, high: float = 1.0) -> float:
    """``value`` as a ``float`` if it is a number in ``[low, high]``, else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not (
        low <= value <= high
    ):
        raise ValueError(f"{name} must be a number in [{low}, {high}]; got {value!r}")
    return float(value)
