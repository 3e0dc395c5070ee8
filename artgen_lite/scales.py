"""The three scales every chapter runs at: ``smoke`` (CI), ``course`` (the website) and ``paper``.

Explained in the book's introduction (book/intro.md).
"""

from __future__ import annotations

SCALES = ("smoke", "course", "paper")


def pick(scale: str, *, smoke, course, paper):
    """Return the setting for ``scale``: ``pick(SCALE, smoke=10, course=200, paper=20_000)``."""
    if scale not in SCALES:
        raise ValueError(f"SCALE must be one of {SCALES}, got {scale!r}")
    return {"smoke": smoke, "course": course, "paper": paper}[scale]
