"""The three scales every chapter runs at: ``smoke`` (CI), ``course`` (the website) and ``paper``.

Explained in the book's introduction (book/intro.md); every chapter, from chapter 00
(notebooks/00_generative_modelling) on, picks its sizes with :func:`pick` in its parameters cell.
"""

from __future__ import annotations

__all__ = ["SCALES", "pick"]

#: The scale names, smallest first.
SCALES = ("smoke", "course", "paper")


def pick(scale: str, *, smoke, course, paper):
    """Return the setting for ``scale``: ``pick(SCALE, smoke=10, course=200, paper=20_000)``.

    Parameters
    ----------
    scale : {"smoke", "course", "paper"}
        The chapter's ``SCALE``.
    smoke, course, paper : object
        The setting at each scale.

    Returns
    -------
    object
        The argument named by ``scale``.

    Raises
    ------
    ValueError
        If ``scale`` is not one of :data:`SCALES`.

    Examples
    --------
    >>> pick("course", smoke=10, course=200, paper=20_000)
    200

    Used from chapter 00 (notebooks/00_generative_modelling) on.
    """
    if scale not in SCALES:
        raise ValueError(f"SCALE must be one of {SCALES}, got {scale!r}")
    return {"smoke": smoke, "course": course, "paper": paper}[scale]
