"""The DNA alphabet and its one encoding: integer codes and one-hot matrices.

Explained in the chapters "Designing DNA" (notebooks/08_designing_dna) and "DNA language
models" (notebooks/09_dna_language_models); chapter 02 (hidden Markov models) uses the same codes.

**The convention, once for the whole package.**  Bases are coded ``A=0, C=1, G=2, T=3``, case
ignored (lower case, the soft-masked repeats, gets the same code).  An unknown base, ``N``, is
code ``4`` (:data:`N_CODE`); ``5`` (:data:`MASK_CODE`) is the ``[MASK]`` input of a masked
language model.  Any other character is an error that names the argument and the position.
Tools that need the four bases only (one-hot matrices, the design GAN, the exact properties)
refuse ``N`` with an error; the HMM chapter's :func:`artgen_lite.hmm.encode_dna` maps code 4 to
its missing symbol ``-1``.  One-hot arrays are ``(n, L, 4)``, channels last, columns A, C, G, T.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["BASES", "N_CODE", "MASK_CODE", "COMPLEMENT_CODES", "encode", "encode_windows",
           "window_codes", "one_hot", "decode"]

BASES = "ACGT"
N_CODE = 4  # an unknown base (N)
MASK_CODE = 5  # the [MASK] input of the base-level language model
#: complement of every code (A<->T, C<->G; N and the mask stay themselves)
COMPLEMENT_CODES = np.array([3, 2, 1, 0, N_CODE, MASK_CODE], dtype=np.int64)
_INVALID = 255
_LUT = np.full(256, _INVALID, dtype=np.uint8)
for _i, _b in enumerate(BASES + "N"):
    _LUT[ord(_b)] = _LUT[ord(_b.lower())] = _i
_LETTERS = np.array(list(BASES + "N?"))


def _raw_codes(text: str, name: str) -> np.ndarray:
    """Codes (uint8) of every character, 255 for characters outside ACGTN (either case)."""
    try:
        raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} has a non-ASCII character at position {exc.start}; "
                         "only A, C, G, T and N (either case) are allowed") from None
    return _LUT[raw]


def encode(seq: str, name: str = "seq", *, strict: bool = True) -> np.ndarray:
    """One DNA string to codes ``A=0, C=1, G=2, T=3, N=4`` (case ignored), an ``int64`` array.

    With ``strict`` (the default) any other character raises ``ValueError`` naming the argument
    ``name`` and the first bad character with its position; ``strict=False`` reads every other
    character as N (for annotation-style input such as IUPAC codes).

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    seq : str
        One DNA string.
    name : str, default "seq"
        The argument's name in error messages.
    strict : bool, default True
        Raise ``ValueError`` for a character other than A, C, G, T, N (either case); ``False``
        reads such characters as N.

    Returns
    -------
    numpy.ndarray
        ``int64`` codes, one per character (A=0, C=1, G=2, T=3, N=4).

    Examples
    --------
    >>> encode("ACgtN")
    array([0, 1, 2, 3, 4])
    >>> encode("ACRT", strict=False)
    array([0, 1, 4, 3])
    """
    if not isinstance(seq, str):
        raise TypeError(f"{name} must be a DNA string, got {type(seq).__name__}")
    codes = _raw_codes(seq, name)
    bad = codes == _INVALID
    if bad.any():
        if strict:
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} has {int(bad.sum())} character(s) other than A, C, G, T, N "
                             f"(either case), the first {seq[i]!r} at position {i}")
        codes = np.where(bad, N_CODE, codes)
    return codes.astype(np.int64)


def encode_windows(seqs: Any, name: str = "seqs") -> np.ndarray:
    """Equal-length DNA windows of A, C, G, T to an ``int8`` code array ``(n, L)``.

    ``seqs`` is one string or a sequence of strings of one length; case is ignored.  Raises
    ``TypeError``/``ValueError`` naming the argument for anything else, including N (drop
    windows with N first, e.g. with :func:`artgen_lite.dna.sequence.dna_windows`).

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    seqs : str or sequence of str
        One DNA string or equal-length DNA strings (a list, tuple or numpy string array) of A, C,
        G, T only.
    name : str, default "seqs"
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``int8`` codes ``(n, L)``, A=0, C=1, G=2, T=3.

    Examples
    --------
    >>> encode_windows(["ACGT", "ttga"])
    array([[0, 1, 2, 3],
           [3, 3, 2, 0]], dtype=int8)
    """
    if isinstance(seqs, str):
        seqs = [seqs]
    if isinstance(seqs, np.ndarray) and seqs.dtype.kind in "US":
        seqs = seqs.tolist()
    if not isinstance(seqs, (list, tuple)) or not all(isinstance(s, str) for s in seqs):
        raise TypeError(f"{name} must be a DNA string or a list of DNA strings; got {type(seqs).__name__}")
    if not seqs:
        raise ValueError(f"{name} is empty: give at least one sequence")
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        raise ValueError(f"{name} must hold sequences of one length; found lengths {sorted(lengths)[:5]}")
    L = lengths.pop()
    if L == 0:
        raise ValueError(f"{name} holds empty sequences")
    try:
        codes = _raw_codes("".join(seqs), name).reshape(len(seqs), L)
    except ValueError as exc:
        raise ValueError(f"{name} contains non-ASCII characters; only A, C, G, T are allowed") from exc
    bad = codes >= N_CODE
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains characters other than A, C, G, T: {seqs[row][col]!r} in sequence {row} "
            f"at position {col} (drop windows with N, e.g. with dna_windows)"
        )
    return codes.astype(np.int8)


def window_codes(x: Any, name: str = "x") -> np.ndarray:
    """Codes ``(n, L)`` (``int8``, 0-3) from DNA strings, one-hot or probability arrays
    ``(n, L, 4)`` (numpy or torch; each position becomes its most probable base) or codes.

    The one input reader of the tools that work on sets of windows.
    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    x : str, list of str, array-like or torch.Tensor
        DNA strings of one length, a one-hot or probability array ``(n, L, 4)``, or integer codes
        ``(n, L)`` with values 0-3.
    name : str, default "x"
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``int8`` codes ``(n, L)``, A=0, C=1, G=2, T=3.

    Examples
    --------
    >>> probs = np.array([[[0.7, 0.1, 0.1, 0.1], [0.0, 0.2, 0.5, 0.3]]])
    >>> window_codes(probs)
    array([[0, 2]], dtype=int8)
    >>> window_codes(["AC", "TT"])
    array([[0, 1],
           [3, 3]], dtype=int8)
    """
    if isinstance(x, str) or (isinstance(x, (list, tuple)) and x and isinstance(x[0], str)):
        return encode_windows(x, name)
    if isinstance(x, np.ndarray) and x.dtype.kind in "US":
        return encode_windows(x, name)
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim == 3:
        if arr.shape[2] != 4:
            raise ValueError(f"{name} must have 4 columns (A, C, G, T) in its last axis; got shape {arr.shape}")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ValueError(f"{name} is empty; got shape {arr.shape}")
        return arr.argmax(axis=2).astype(np.int8)
    if arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer):
        if arr.size == 0 or arr.min() < 0 or arr.max() > 3:
            raise ValueError(f"{name} as integer codes must hold values 0-3 (A, C, G, T)")
        return arr.astype(np.int8)
    raise TypeError(
        f"{name} must be DNA strings, a one-hot array (n, L, 4) or integer codes (n, L); "
        f"got {type(x).__name__} with shape {getattr(arr, 'shape', None)}"
    )


def one_hot(seqs: Any, name: str = "seqs") -> np.ndarray:
    """DNA strings (or codes) to a ``uint8`` one-hot array ``(n, L, 4)``, columns A, C, G, T.

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    seqs : str, list of str or array-like
        Anything :func:`window_codes` reads: DNA strings of one length, one-hot or probability
        arrays ``(n, L, 4)``, or codes ``(n, L)``.
    name : str, default "seqs"
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``uint8`` one-hot array ``(n, L, 4)``, columns A, C, G, T.

    Examples
    --------
    >>> one_hot("ACG")
    array([[[1, 0, 0, 0],
            [0, 1, 0, 0],
            [0, 0, 1, 0]]], dtype=uint8)
    """
    return np.eye(4, dtype=np.uint8)[window_codes(seqs, name)]


def decode(x: Any, name: str = "x") -> str | list[str]:
    """Codes back to DNA: a 1-D code array gives one upper-case string (N for 4, ``?`` for the
    mask 5); codes ``(n, L)`` or one-hot/probability arrays ``(n, L, 4)`` (numpy or torch) give
    a list of strings, each position its most probable base (argmax, as Killoran et al. do).

    Explained in chapters 08 and 09 (notebooks/08_designing_dna, 09_dna_language_models).

    Parameters
    ----------
    x : array-like or torch.Tensor
        A 1-D code array (codes 0-5), codes ``(n, L)`` (0-3), or a one-hot or probability array
        ``(n, L, 4)``.
    name : str, default "x"
        The argument's name in error messages.

    Returns
    -------
    str or list of str
        One string for a 1-D code array, otherwise one upper-case string per window.

    Examples
    --------
    >>> decode(np.array([0, 1, 2, 3, 4, 5]))
    'ACGTN?'
    >>> decode(np.array([[0, 1], [2, 3]]))
    ['AC', 'GT']
    """
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    if np.ndim(x) == 1 and not isinstance(x, (str, list, tuple)):
        return "".join(_LETTERS[np.asarray(x)])
    codes = window_codes(x, name)
    letters = np.frombuffer(BASES.encode(), dtype=np.uint8)[codes]
    return [row.tobytes().decode("ascii") for row in letters]
