"""Sequence utilities: transcription, translation, reverse complement, GC content, CpG
observed/expected, CG counts, k-mer spectra and cutting a genome into windows.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes); the
statistics on sets of windows in chapters 08 and 09 (designing DNA, DNA language models).

Functions that take "one sequence or a set" follow one rule: a ``str`` is one sequence and
gives one number (N is ignored where it says so); anything else (a list of equal-length
windows, one-hot arrays ``(n, L, 4)`` or codes ``(n, L)``, see
:func:`artgen_lite.dna.alphabet.window_codes`) is a set of windows.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from ._checks import check_int
from .alphabet import BASES, COMPLEMENT_CODES, N_CODE, _raw_codes, window_codes

__all__ = ["CODON_TABLE", "transcribe", "translate", "reverse_complement", "gc_content",
           "cpg_count", "cpg_observed_expected", "kmer_index", "kmer_spectrum",
           "kmer_spectrum_correlation", "dna_windows"]

# The standard genetic code, codons in TCAG order (the order of the textbook codon wheel).
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
#: codon (RNA letters) -> one-letter amino acid, ``*`` = stop; chapter 01
CODON_TABLE: dict[str, str] = {"".join(c): a for c, a in zip(product("UCAG", repeat=3), _AMINO)}


def transcribe(dna: str) -> str:
    """Coding-strand DNA to mRNA: the same letters with U for T.

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).

    Parameters
    ----------
    dna : str
        Coding-strand DNA, either case.

    Returns
    -------
    str
        The mRNA, upper case, U in place of T.

    Examples
    --------
    >>> transcribe("atgGCT")
    'AUGGCU'
    """
    return dna.upper().replace("T", "U")


def translate(rna: str, to_stop: bool = False) -> str:
    """mRNA (or DNA) to protein with the standard code, one letter per codon; ``*`` is a stop.

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).

    Parameters
    ----------
    rna : str
        mRNA or DNA (T is read as U), either case; read in frame from the first letter, an
        incomplete last codon is ignored.
    to_stop : bool, default False
        Stop at the first stop codon (and leave out its ``*``).

    Returns
    -------
    str
        One amino-acid letter per codon; ``X`` for a codon with a letter other than A, C, G, U.

    Examples
    --------
    >>> translate("ATGGCCTAAGGG")
    'MA*G'
    >>> translate("ATGGCCTAAGGG", to_stop=True)
    'MA'
    """
    rna = transcribe(rna)
    protein = []
    for i in range(0, len(rna) - 2, 3):
        aa = CODON_TABLE.get(rna[i : i + 3], "X")
        if aa == "*" and to_stop:
            break
        protein.append(aa)
    return "".join(protein)


def reverse_complement(x):
    """The other strand, read 5' to 3'.

    A string gives a string (case kept, N stays N); an array of codes (see
    :mod:`artgen_lite.dna.alphabet`) gives the reverse complement of its last axis (N and the
    mask stay themselves).  Explained in chapter 01 (notebooks/01_dna_to_genotypes); the
    language models of chapter 09 train on both strands.

    Parameters
    ----------
    x : str or array-like
        A DNA string, or integer codes (0-5) whose last axis is a sequence.

    Returns
    -------
    str or numpy.ndarray
        The reverse complement: a string for a string, otherwise an ``int64`` code array of the
        same shape.

    Examples
    --------
    >>> reverse_complement("AACgtN")
    'NacGTT'
    >>> reverse_complement(np.array([0, 0, 1, 4]))
    array([4, 2, 3, 3])
    """
    if isinstance(x, str):
        return x.translate(str.maketrans("ACGTacgtNn", "TGCAtgcaNn"))[::-1]
    return COMPLEMENT_CODES[np.asarray(x)][..., ::-1]


def gc_content(seqs: Any, window: int | None = None) -> float | np.ndarray:
    """Fraction of G or C among the A/C/G/T bases.

    One string: one number, N ignored; with ``window``, one value per non-overlapping window
    (NaN for a window of N only).  A set of windows: the fraction of each window.
    Explained in chapter 01 (notebooks/01_dna_to_genotypes); per window in chapter 08.

    Parameters
    ----------
    seqs : str or array-like
        One DNA string, or a set of windows (see :func:`artgen_lite.dna.alphabet.window_codes`).
    window : int, optional
        For one string only: the length of the non-overlapping windows (a last partial window is
        dropped).

    Returns
    -------
    float or numpy.ndarray
        One fraction for one string without ``window``; otherwise one fraction per window.

    Examples
    --------
    >>> gc_content("GGCCNNAT")
    0.6666666666666666
    >>> gc_content("GGCCATAT", window=4)
    array([1., 0.])
    >>> gc_content(["GGCA", "ATAT"])
    array([0.75, 0.  ])
    """
    if not isinstance(seqs, str):
        if window is not None:
            raise ValueError("window is for one string; a set of windows gives one value each")
        c = window_codes(seqs, "seqs")
        return ((c == 1) | (c == 2)).mean(axis=1)
    s = np.frombuffer(seqs.upper().encode("ascii"), dtype=np.uint8)
    gc = np.isin(s, np.frombuffer(b"GC", np.uint8))
    acgt = np.isin(s, np.frombuffer(b"ACGT", np.uint8))
    if window is None:
        return float(gc.sum() / max(acgt.sum(), 1))
    n = len(s) // window
    gcw = gc[: n * window].reshape(n, window).sum(1)
    acgtw = acgt[: n * window].reshape(n, window).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(acgtw > 0, gcw / acgtw, np.nan)


def cpg_count(seqs: Any, name: str = "seqs") -> np.ndarray:
    """The exact number of CG dinucleotides (CpG sites) in each window (``int`` array).

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    seqs : str, list of str or array-like
        A set of windows (see :func:`artgen_lite.dna.alphabet.window_codes`); one string is one
        window.
    name : str, default "seqs"
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        Number of CG dinucleotides in each window, shape ``(n,)``.

    Examples
    --------
    >>> cpg_count(["ACGCG", "TTTTT"])
    array([2, 0])
    """
    c = window_codes(seqs, name)
    return ((c[:, :-1] == 1) & (c[:, 1:] == 2)).sum(axis=1).astype(int)


def cpg_observed_expected(seqs: Any, name: str = "seqs") -> float:
    """CpG observed/expected ratio, the statistic that defines CpG islands.

    One string: ``#CG x length / (#C x #G)`` (0 without C or G).  A set of windows, pooled:
    ``sum #CG / sum(#C x #G / L)`` (NaN without C or G), which for one window is the same.
    Human DNA has about 0.2-0.25 outside CpG islands (CpG depletion by methylation and
    deamination); random sequence has 1.  Explained in chapter 02
    (notebooks/02_hidden_markov_models); pooled over windows in chapter 08.

    Parameters
    ----------
    seqs : str or array-like
        One DNA string, or a set of windows (see :func:`artgen_lite.dna.alphabet.window_codes`).
    name : str, default "seqs"
        The argument's name in error messages (sets of windows).

    Returns
    -------
    float
        The observed/expected CpG ratio.

    Examples
    --------
    >>> cpg_observed_expected("ACGTACGT")
    4.0
    >>> round(cpg_observed_expected(["ACGT", "CGCG"]), 3)
    2.4
    """
    if isinstance(seqs, str):
        s = seqs.upper()
        c, g = s.count("C"), s.count("G")
        if c == 0 or g == 0:
            return 0.0
        return s.count("CG") * len(s) / (c * g)
    c = window_codes(seqs, name)
    L = c.shape[1]
    expected = ((c == 1).sum(1) * (c == 2).sum(1) / L).sum()
    return float(cpg_count(c).sum() / expected) if expected > 0 else float("nan")


def kmer_index(codes, k: int) -> np.ndarray:
    """Index of every overlapping k-mer of code arrays (last axis): bases read as base-4 digits,
    first base most significant (AA..A = 0, ..., TT..T = 4**k - 1); -1 where a k-mer holds N
    (or the mask).  ``(..., L)`` codes give ``(..., L - k + 1)`` indices; ``k = 0`` gives zeros.

    The one k-mer indexer behind the k-mer spectra, the Markov baselines and DNABERT's tokens.
    Explained in chapters 08 and 09 (notebooks/08_designing_dna, 09_dna_language_models).

    Parameters
    ----------
    codes : array-like
        Integer base codes ``(..., L)`` (0-3 bases, 4 N, 5 the mask).
    k : int
        The k-mer length.

    Returns
    -------
    numpy.ndarray
        ``int64`` k-mer indices ``(..., L - k + 1)``, -1 for k-mers with N or the mask.

    Examples
    --------
    >>> kmer_index(np.array([0, 1, 2, 3, 4]), 2)  # AC, CG, GT, TN
    array([ 1,  6, 11, -1])
    """
    codes = np.asarray(codes, dtype=np.int64)
    n_kmers = codes.shape[-1] - k + 1
    idx = np.zeros(codes.shape[:-1] + (n_kmers,), dtype=np.int64)
    has_n = np.zeros(idx.shape, dtype=bool)
    for i in range(k):
        part = codes[..., i : i + n_kmers]
        has_n |= part >= N_CODE
        idx = idx * 4 + np.minimum(part, 3)
    return np.where(has_n, -1, idx) if k else idx


def kmer_spectrum(seqs: Any, k: int = 4, *, per_sequence: bool = False,
                  name: str = "seqs") -> np.ndarray:
    """Relative frequencies of the ``4**k`` k-mers (index as in :func:`kmer_index`).

    Pooled over all windows of all sequences (``(4**k,)``, sums to 1), or with
    ``per_sequence=True`` one row per window (``(n, 4**k)``, rows sum to 1, k-mers with N
    skipped: the bag-of-k-mers baseline for window embeddings).  ``seqs``: DNA strings,
    one-hot arrays or codes (N = 4 allowed in integer codes).
    Explained in chapter 08 (pooled) and chapter 09 (per window).

    Parameters
    ----------
    seqs : str, list of str or array-like
        A set of windows: DNA strings, one-hot arrays ``(n, L, 4)`` or integer codes ``(n, L)``.
    k : int, default 4
        The k-mer length, at most 10 and at most the window length.
    per_sequence : bool, default False
        One spectrum per window instead of one pooled spectrum.
    name : str, default "seqs"
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``(4**k,)`` pooled frequencies, or ``(n, 4**k)`` with ``per_sequence=True``.

    Examples
    --------
    >>> kmer_spectrum(["AACC"], k=1)
    array([0.5, 0.5, 0. , 0. ])
    >>> kmer_spectrum(["AAAA", "ACGT"], k=1, per_sequence=True)
    array([[1.  , 0.  , 0.  , 0.  ],
           [0.25, 0.25, 0.25, 0.25]])
    """
    arr = np.asarray(seqs) if isinstance(seqs, np.ndarray) else None
    if arr is not None and arr.ndim == 2 and np.issubdtype(arr.dtype, np.integer):
        c = arr.astype(np.int64)
    else:
        c = window_codes(seqs, name).astype(np.int64)
    k = check_int(k, "k")
    if k > c.shape[1] or k > 10:
        raise ValueError(f"k must be at most min(10, sequence length {c.shape[1]}); got {k}")
    ids = kmer_index(c, k)
    ok = ids >= 0
    if not per_sequence:
        counts = np.bincount(ids[ok], minlength=4**k)
        return counts / counts.sum()
    n = ids.shape[0]
    rows = np.repeat(np.arange(n), ids.shape[1])[ok.ravel()]
    counts = np.bincount(rows * 4**k + ids.ravel()[ok.ravel()], minlength=n * 4**k)
    counts = counts.reshape(n, 4**k).astype(np.float64)
    return counts / np.maximum(counts.sum(1, keepdims=True), 1)


def kmer_spectrum_correlation(real: Any, other: Any, k: int = 4) -> float:
    """Pearson r between the pooled k-mer spectra of two sets of DNA windows.

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    real : str, list of str or array-like
        The first set of windows (see :func:`artgen_lite.dna.alphabet.window_codes`).
    other : str, list of str or array-like
        The second set of windows.
    k : int, default 4
        The k-mer length.

    Returns
    -------
    float
        Pearson correlation of the two ``4**k`` pooled spectra (NaN when one is constant).

    Examples
    --------
    >>> round(kmer_spectrum_correlation(["AAACGT"], ["AAACGA"], k=1), 3)
    0.962
    """
    a, b = kmer_spectrum(real, k, name="real"), kmer_spectrum(other, k, name="other")
    return float(np.corrcoef(a, b)[0, 1])


def dna_windows(seq: str, length: int = 50, name: str = "seq") -> list[str]:
    """Cut ``seq`` into non-overlapping windows of ``length`` bases, upper-cased, and keep those
    made only of A, C, G, T (windows with N or any other letter are dropped).

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    seq : str
        A DNA string (any letters; a last partial window is dropped).
    length : int, default 50
        Window length.
    name : str, default "seq"
        The argument's name in error messages.

    Returns
    -------
    list of str
        The upper-cased windows made only of A, C, G, T, in order.

    Examples
    --------
    >>> dna_windows("ACGTNACGTAacgt", length=4)
    ['ACGT', 'TAAC']
    """
    if not isinstance(seq, str):
        raise TypeError(f"{name} must be a DNA string; got {type(seq).__name__}")
    length = check_int(length, "length")
    n = len(seq) // length
    if n == 0:
        raise ValueError(f"{name} ({len(seq)} bases) is shorter than one window of length {length}")
    codes = _raw_codes(seq[: n * length].encode("ascii", errors="replace").decode("ascii"), name)
    codes = codes.reshape(n, length)
    keep = (codes < N_CODE).all(axis=1)
    letters = np.frombuffer(BASES.encode(), dtype=np.uint8)[codes[keep]]
    return [row.tobytes().decode("ascii") for row in letters]
