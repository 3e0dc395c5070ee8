"""Data for the DNA language models: loss weights of soft-masked bases, train/test blocks,
windows, evaluation positions and region classes of windows.

Explained in chapter 09 (notebooks/09_dna_language_models).
"""

from __future__ import annotations

import numpy as np

from ._checks import check_int
from .alphabet import N_CODE, encode

__all__ = ["repeat_weights", "split_blocks", "cut_windows", "evaluation_positions",
           "window_classes", "as_segments", "windows_and_positions"]


def repeat_weights(seq: str, repeat_weight: float = 0.1, name: str = "seq") -> np.ndarray:
    """Loss weight of every base: 1 for upper case, ``repeat_weight`` for lower case (repeats
    soft-masked in the UCSC/Ensembl genomes), 0 for N; GPN uses 0.1 in training.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    seq : str
        A DNA string (A, C, G, T, N, either case).
    repeat_weight : float, default 0.1
        Weight of a lower-case (soft-masked) base.
    name : str, default "seq"
        The argument's name in error messages.

    Returns
    -------
    numpy.ndarray
        ``float32`` weights, one per base.

    Examples
    --------
    >>> repeat_weights("ACgtN")
    array([1. , 1. , 0.1, 0.1, 0. ], dtype=float32)
    """
    codes = encode(seq, name)
    lower = np.frombuffer(seq.encode("ascii"), dtype=np.uint8) >= ord("a")
    w = np.where(lower, float(repeat_weight), 1.0).astype(np.float32)
    w[codes == N_CODE] = 0.0
    return w




def split_blocks(start: int, end: int, block: int = 100_000, test_every: int = 5,
                 test_offset: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``[start, end)`` into blocks of ``block`` bases; every ``test_every``-th block (from
    ``test_offset``) is held out.  Returns ``(train, test)`` as ``(n, 2)`` half-open intervals.
    Interleaved blocks give both parts every kind of sequence while keeping neighbours apart.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    start : int
        First position of the range (0-based).
    end : int
        End of the range (exclusive), greater than ``start``; the last block may be shorter.
    block : int, default 100_000
        Block length in bases.
    test_every : int, default 5
        Hold out one block in every ``test_every`` (at least 2).
    test_offset : int, default 2
        Index of the first held-out block (taken modulo ``test_every``).

    Returns
    -------
    tuple of numpy.ndarray
        ``(train, test)``, each ``(n, 2)`` half-open intervals ``[start, end)``.

    Examples
    --------
    >>> train, test = split_blocks(0, 1000, block=200)
    >>> train.tolist(), test.tolist()
    ([[0, 200], [200, 400], [600, 800], [800, 1000]], [[400, 600]])
    """
    block = check_int(block, "block")
    test_every = check_int(test_every, "test_every", 2)
    if end <= start:
        raise ValueError(f"end must be > start; got start={start}, end={end}")
    edges = np.append(np.arange(start, end, block), end)
    iv = np.column_stack([edges[:-1], edges[1:]])
    test = (np.arange(len(iv)) % test_every) == test_offset % test_every
    return iv[~test], iv[test]


def cut_windows(seq: str, window: int, intervals=None, step: int | None = None):
    """Non-overlapping (or ``step``-spaced) windows of ``window`` bases inside ``intervals``
    (default: the whole sequence), skipping windows that contain N.

    Returns ``(codes, lower, starts)``: int64 codes ``(n, window)``, a boolean array marking
    soft-masked (lower-case) bases, and the 0-based start of every window.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    seq : str
        A DNA string (A, C, G, T, N, either case).
    window : int
        Window length in bases.
    intervals : sequence of (int, int), optional
        Half-open 0-based intervals that windows must lie in; default the whole sequence.
    step : int, optional
        Distance between window starts; default ``window`` (non-overlapping).

    Returns
    -------
    codes : numpy.ndarray
        ``int64`` base codes ``(n, window)``.
    lower : numpy.ndarray
        Booleans ``(n, window)``, True for a lower-case (soft-masked) base.
    starts : numpy.ndarray
        ``int64`` 0-based start of every window, ``(n,)``.

    Examples
    --------
    >>> codes, lower, starts = cut_windows("ACGTNacgtacgTAAC", 4)  # the window with N is skipped
    >>> starts.tolist(), codes.tolist()[1], lower.all(axis=1).tolist()
    ([0, 8, 12], [3, 0, 1, 2], [False, True, False])
    """
    window = check_int(window, "window")
    step = window if step is None else check_int(step, "step")
    codes = encode(seq, "seq")
    lower = np.frombuffer(seq.encode("ascii"), dtype=np.uint8) >= ord("a")
    if intervals is None:
        intervals = [(0, len(seq))]
    starts = np.concatenate(
        [np.arange(max(a, 0), min(b, len(seq)) - window + 1, step) for a, b in intervals]
        + [np.zeros(0, dtype=np.int64)]
    ).astype(np.int64)
    is_n = np.concatenate([[0], np.cumsum(codes == N_CODE)])
    starts = starts[is_n[starts + window] - is_n[starts] == 0]
    idx = starts[:, None] + np.arange(window)[None, :]
    return codes[idx], lower[idx], starts


def evaluation_positions(n_windows: int, window: int, spacing: int = 24, margin: int = 8,
                         seed: int = 0) -> np.ndarray:
    """Positions to mask for evaluation: one every ``spacing`` bases from a random offset per
    window, at least ``margin`` bases from either end.  Returns ``(n_windows, m)`` ints.

    Spaced positions let every model (and the count baselines, whose context reaches
    ``margin`` bases) see an unmasked context around each masked base.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    n_windows : int
        Number of windows.
    window : int
        Window length in bases.
    spacing : int, default 24
        Distance between masked positions in a window.
    margin : int, default 8
        Smallest distance of a masked position from either end of its window.
    seed : int, default 0
        Seed of the random offsets.

    Returns
    -------
    numpy.ndarray
        ``(n_windows, m)`` integer positions, ``m = (window - 2 * margin) // spacing``.

    Examples
    --------
    >>> evaluation_positions(2, 20, spacing=5, margin=2, seed=0).tolist()
    [[7, 12, 17], [5, 10, 15]]
    """
    spacing = check_int(spacing, "spacing")
    margin = check_int(margin, "margin", 0)
    usable = window - 2 * margin
    m = usable // spacing
    if m < 1:
        raise ValueError(f"window={window} is too short for spacing={spacing} and margin={margin}")
    rng = np.random.default_rng(seed)
    offset = rng.integers(0, usable - (m - 1) * spacing, size=n_windows)
    return margin + offset[:, None] + spacing * np.arange(m)[None, :]


def window_classes(starts, window: int, islands, genes, lower, min_fraction: float = 0.5):
    """Region class of each window: "CpG island" (at least ``min_fraction`` inside an island),
    else "repeat" (that fraction soft-masked), else "gene body" (centre inside a gene), else
    "intergenic".  ``islands`` and ``genes`` are ``(n, 2)`` half-open 0-based intervals;
    ``lower`` is the per-window soft-mask array from :func:`cut_windows`.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    starts : array-like
        0-based start of every window, ``(n,)``.
    window : int
        Window length in bases.
    islands : array-like
        CpG islands, ``(n_islands, 2)`` half-open 0-based intervals.
    genes : array-like
        Genes, ``(n_genes, 2)`` half-open 0-based intervals.
    lower : array-like
        Booleans ``(n, window)``, True for a soft-masked base.
    min_fraction : float, default 0.5
        Fraction of a window inside islands (or soft-masked) that makes it an island (a repeat).

    Returns
    -------
    numpy.ndarray
        One class name (string) per window.

    Examples
    --------
    >>> lower = np.zeros((4, 10), dtype=bool)
    >>> lower[1] = True
    >>> window_classes([0, 10, 20, 30], 10, islands=[(0, 8)], genes=[(20, 30)], lower=lower).tolist()
    ['CpG island', 'repeat', 'gene body', 'intergenic']
    """
    starts = np.asarray(starts, dtype=np.int64)
    end = int(starts.max() + window) if len(starts) else 0

    def cover(iv):
        iv = np.asarray(iv, dtype=np.int64).reshape(-1, 2)
        delta = np.zeros(end + 2, dtype=np.int64)
        np.add.at(delta, np.clip(iv[:, 0], 0, end + 1), 1)
        np.add.at(delta, np.clip(iv[:, 1], 0, end + 1), -1)
        return np.concatenate([[0], np.cumsum(np.cumsum(delta)[:-1] > 0)])

    ci, cg = cover(islands), cover(genes)
    f_island = (ci[starts + window] - ci[starts]) / window
    centre = starts + window // 2
    in_gene = cg[centre + 1] - cg[centre] > 0
    f_rep = np.asarray(lower).mean(axis=1)
    return np.where(f_island >= min_fraction, "CpG island",
                    np.where(f_rep >= min_fraction, "repeat",
                             np.where(in_gene, "gene body", "intergenic")))


def as_segments(sequence, name: str = "sequence") -> list[str]:
    """A DNA string or a list of them as a checked list of segments (chapter 09).

    Parameters
    ----------
    sequence : str or list of str
        One DNA string or a list of them (A, C, G, T, N, either case).
    name : str, default "sequence"
        The argument's name in error messages.

    Returns
    -------
    list of str
        The segments, unchanged; ``TypeError`` or ``ValueError`` for anything else, an empty
        list or a character other than A, C, G, T, N.

    Examples
    --------
    >>> as_segments("ACGT")
    ['ACGT']
    >>> as_segments(["AC", "gtN"])
    ['AC', 'gtN']
    """
    if isinstance(sequence, str):
        segs = [sequence]
    elif isinstance(sequence, (list, tuple)) and all(isinstance(s, str) for s in sequence):
        segs = list(sequence)
    else:
        raise TypeError(f"{name} must be a DNA string or a list of DNA strings")
    if not segs:
        raise ValueError(f"{name} is empty")
    for i, s in enumerate(segs):
        encode(s, name if len(segs) == 1 else f"{name}[{i}]")
    return segs


def windows_and_positions(windows, positions):
    """Checked ``(windows, positions)`` as int64 arrays ``(n, L)`` and ``(n, m)`` (chapter 09).

    Parameters
    ----------
    windows : array-like
        Base codes 0-4, ``(n, L)``, or ``(L,)`` for one window.
    positions : array-like
        Integer positions in ``[0, L)``, ``(n, m)``; a 1-D array is ``m`` positions of one window,
        or one position per window when there are several windows.

    Returns
    -------
    tuple of numpy.ndarray
        ``(windows, positions)`` as ``int64`` arrays ``(n, L)`` and ``(n, m)``.

    Examples
    --------
    >>> w, p = windows_and_positions([0, 1, 2, 3], [1, 2])
    >>> w.tolist(), p.tolist()
    ([[0, 1, 2, 3]], [[1, 2]])
    """
    w = np.asarray(windows)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim != 2 or not np.issubdtype(w.dtype, np.integer):
        raise ValueError(f"windows must be a 2-D integer array of base codes; got shape {w.shape}")
    if w.size and (w.min() < 0 or w.max() > N_CODE):
        raise ValueError("windows must hold base codes 0-4 (A, C, G, T, N); use encode()")
    p = np.asarray(positions)
    if p.ndim == 1:
        p = p[None, :] if w.shape[0] == 1 else p[:, None]
    if p.ndim != 2 or p.shape[0] != w.shape[0] or not np.issubdtype(p.dtype, np.integer):
        raise ValueError(f"positions must be integers of shape (n_windows, m) = ({w.shape[0]}, m); "
                         f"got shape {p.shape}")
    if p.size and (p.min() < 0 or p.max() >= w.shape[1]):
        raise ValueError(f"positions must lie in [0, {w.shape[1]}) (inside the windows)")
    return w.astype(np.int64), p.astype(np.int64)
