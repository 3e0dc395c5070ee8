"""DNA language models at teaching scale: GPN-like dilated CNN, DNABERT-like k-mer transformer.

Explained in the chapter "DNA language models" (notebooks/09_dna_language_models).

Two masked language models (MLMs) of DNA, trained here from scratch on one genome:

* :class:`ConvLM`, after GPN (Benegas, Batra & Song 2023): bases are one-hot embedded into the
  hidden size (no learned embedding), then pre-LayerNorm residual blocks of a dilated 1-D
  convolution and a feed-forward layer, no biases, dilation ``2**(i mod cycle)``, kernel 9 in the
  first layer and 5 after; an MLM head Linear -> GELU -> LayerNorm -> Linear predicts the masked
  bases.  15 % of the bases are masked; soft-masked (lower-case, repeat) bases weigh 0.1 in the
  training loss.
* :class:`KmerTransformerLM`, after DNABERT (Ji et al. 2021): the sequence is cut into overlapping
  k-mers (stride 1, vocabulary ``4**k + 5`` with DNABERT's five special tokens), a small BERT
  encoder (pre-LN blocks) reads them, and masking is *contiguous*:
  each masking centre is expanded to ``k`` neighbouring tokens, so the base that all of them
  share cannot be read off an unmasked overlapping token.  The head predicts the whole k-mer of
  each masked token; :meth:`KmerTransformerLM.masked_log_probs` turns those predictions into a
  distribution over the one masked base (marginal of each covering token, averaged).

Both share one interface with the count baselines :class:`BaseFrequencies` and
:class:`MarkovContext`: ``masked_log_probs(windows, positions)`` returns ``log P(base)`` at masked
positions, so every model is scored on the same masked bases (:func:`masked_base_scores`), and
the zero-shot variant score is ``LLR = log P(alt) - log P(ref)`` at a masked position
(:func:`llr`, :func:`score_variants`), averaged over both strands as GPN does.  ``embed(windows)``
gives mean-pooled last hidden states for window embeddings.

Deviations from the papers (documented in the chapter): a few hundred to a few thousand
training steps on one CPU thread instead of 120,000 (GPN) or 200,000 (DNABERT) on GPUs; every
chosen position becomes ``[MASK]`` (BERT's 80/10/10 replacement is not used, so a masked base never
leaks into the input); AdamW with linear warm-up then cosine decay; reverse-complement
augmentation during training; and in the transformer, a learned relative-position attention
bias started as ALiBi (instead of BERT's absolute position embeddings, which a model this small
did not learn to use in minutes).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

__all__ = [
    "BASES",
    "MASK_CODE",
    "N_CODE",
    "encode",
    "decode",
    "repeat_weights",
    "reverse_complement_codes",
    "KmerTokenizer",
    "mask_bases",
    "kmer_span_mask",
    "hidden_bases",
    "mask_tokens_for_bases",
    "split_blocks",
    "cut_windows",
    "evaluation_positions",
    "masked_base_scores",
    "llr",
    "score_variants",
    "window_classes",
    "kmer_spectrum",
    "BaseFrequencies",
    "MarkovContext",
    "ConvLM",
    "KmerTransformerLM",
    "simulate_genome",
]

BASES = "ACGT"
N_CODE = 4  # any unknown base
MASK_CODE = 5  # the [MASK] input of the base-level model
_COMPLEMENT = np.array([3, 2, 1, 0, N_CODE, MASK_CODE], dtype=np.int64)

_LUT = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(BASES + "N"):
    _LUT[ord(_b)] = _LUT[ord(_b.lower())] = _i


# --------------------------------------------------------------------------- sequences
def encode(seq: str, name: str = "seq") -> np.ndarray:
    """DNA string to codes A=0, C=1, G=2, T=3, N=4 (case-insensitive), as an int64 array.

    Any other character raises ``ValueError`` naming the argument ``name`` and the first bad
    character with its position.  Explained in notebooks/09_dna_language_models.
    """
    if not isinstance(seq, str):
        raise TypeError(f"{name} must be a DNA string, got {type(seq).__name__}")
    try:
        raw = np.frombuffer(seq.encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} has a non-ASCII character at position {exc.start}; "
                         "only A, C, G, T and N (either case) are allowed") from None
    codes = _LUT[raw]
    bad = np.flatnonzero(codes == 255)
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name} has {bad.size} character(s) other than A, C, G, T, N "
                         f"(either case), the first {seq[i]!r} at position {i}")
    return codes.astype(np.int64)


def decode(codes) -> str:
    """Codes 0-4 back to an upper-case DNA string (5, the mask, is written as '?').

    Explained in notebooks/09_dna_language_models.
    """
    codes = np.asarray(codes)
    return "".join(np.array(list(BASES + "N?"))[codes])


def repeat_weights(seq: str, repeat_weight: float = 0.1, name: str = "seq") -> np.ndarray:
    """Loss weight of every base: 1 for upper case, ``repeat_weight`` for lower case (repeats
    soft-masked in the UCSC/Ensembl genomes), 0 for N; GPN uses 0.1 in training.

    Explained in notebooks/09_dna_language_models.
    """
    codes = encode(seq, name)
    lower = np.frombuffer(seq.encode("ascii"), dtype=np.uint8) >= ord("a")
    w = np.where(lower, float(repeat_weight), 1.0).astype(np.float32)
    w[codes == N_CODE] = 0.0
    return w


def reverse_complement_codes(codes) -> np.ndarray:
    """Reverse complement of code arrays along the last axis (N and mask stay themselves).

    Explained in notebooks/09_dna_language_models.
    """
    codes = np.asarray(codes)
    return _COMPLEMENT[codes][..., ::-1]


def _check_int(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}")
    return int(value)


def _check_fraction(value: Any, name: str, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not (
        low <= value <= high
    ):
        raise ValueError(f"{name} must be a number in [{low}, {high}]; got {value!r}")
    return float(value)


# --------------------------------------------------------------------------- k-mer tokens
class KmerTokenizer:
    """DNABERT's tokeniser: overlapping k-mers with stride 1, five special tokens first.

    Ids: ``[PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4``, then the ``4**k`` k-mers in
    lexicographic ACGT order (``id = 5 + sum_i code_i * 4**(k-1-i)``), so the vocabulary has
    ``4**k + 5`` entries (4101 for k = 6).  A k-mer containing N becomes ``[UNK]``.
    A sequence of length L gives ``L - k + 1`` tokens.

    Explained in notebooks/09_dna_language_models.
    """

    SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
    PAD, UNK, CLS, SEP, MASK = range(5)

    def __init__(self, k: int = 4):
        k = _check_int(k, "k")
        if k > 8:
            raise ValueError(f"k must be at most 8 (the vocabulary grows as 4**k); got {k}")
        self.k = k
        self._powers = 4 ** np.arange(k - 1, -1, -1)

    @property
    def vocab_size(self) -> int:
        return 4**self.k + len(self.SPECIALS)

    @property
    def tokens(self) -> list[str]:
        """The vocabulary, index = token id."""
        from itertools import product

        return list(self.SPECIALS) + ["".join(p) for p in product(BASES, repeat=self.k)]

    def kmers(self, seq: str) -> list[str]:
        """The overlapping k-mers of ``seq`` as strings (DNABERT's ``seq2kmer``)."""
        encode(seq, "seq")
        return [seq[i : i + self.k].upper() for i in range(len(seq) - self.k + 1)]

    def encode_codes(self, codes) -> np.ndarray:
        """Token ids from base codes; works on a 1-D sequence or a batch ``(n, L)``."""
        codes = np.asarray(codes, dtype=np.int64)
        L = codes.shape[-1]
        if L < self.k:
            raise ValueError(f"the sequence must be at least k={self.k} bases long; got {L}")
        n_tok = L - self.k + 1
        ids = np.zeros(codes.shape[:-1] + (n_tok,), dtype=np.int64)
        has_n = np.zeros(ids.shape, dtype=bool)
        for i in range(self.k):
            part = codes[..., i : i + n_tok]
            has_n |= part >= 4
            ids += np.minimum(part, 3) * self._powers[i]
        ids += len(self.SPECIALS)
        ids[has_n] = self.UNK
        return ids

    def encode(self, seq: str) -> np.ndarray:
        """Token ids of a DNA string (case-insensitive)."""
        return self.encode_codes(encode(seq, "seq"))

    def decode(self, ids) -> str:
        """Back from overlapping k-mer ids to the sequence ([UNK] k-mers give N)."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size == 0:
            raise ValueError("ids must hold at least one token")
        if np.any((ids < len(self.SPECIALS)) & (ids != self.UNK)) or np.any(ids >= self.vocab_size):
            raise ValueError("ids must be k-mer tokens or [UNK] (no [PAD], [CLS], [SEP], [MASK])")
        kmer = ids - len(self.SPECIALS)
        digits = (kmer[:, None] // self._powers[None, :]) % 4
        digits[ids == self.UNK] = N_CODE
        bases = np.concatenate([digits[0], digits[1:, -1]])
        return decode(bases)

    def __repr__(self) -> str:
        return f"KmerTokenizer(k={self.k}, vocab_size={self.vocab_size})"


# --------------------------------------------------------------------------- masking
def mask_bases(codes, rate: float, generator: torch.Generator):
    """GPN-style masking: each known base (code < 4) is chosen with probability ``rate`` and
    replaced by ``MASK_CODE``.  Returns ``(inputs, chosen)``; ``inputs`` is a copy.

    Explained in notebooks/09_dna_language_models.
    """
    codes = torch.as_tensor(codes)
    chosen = (torch.rand(codes.shape, generator=generator) < rate) & (codes < 4)
    inputs = codes.masked_fill(chosen, MASK_CODE)
    return inputs, chosen


def kmer_span_mask(shape: tuple[int, int], k: int, rate: float, generator: torch.Generator):
    """DNABERT's contiguous masking over ``shape = (batch, n_tokens)`` k-mer tokens.

    Centres are drawn with probability ``rate / k`` and each is expanded to the ``k`` tokens
    ``c - (k-1)//2 ... c + k//2`` (DNABERT's ``MASK_LIST``: for k = 6 the offsets -2 ... +3), so
    about ``rate`` of the tokens are masked.  Returns a boolean mask; every span of k masked
    tokens hides at least one base completely (see :func:`hidden_bases`).

    Explained in notebooks/09_dna_language_models.
    """
    batch, n_tok = shape
    centres = torch.rand(shape, generator=generator) < rate / k
    lo = (k - 1) // 2
    # mask[t] = any centre in t - k//2 ... t + lo
    padded = F.pad(centres.float()[:, None, :], (k // 2, lo))
    mask = F.max_pool1d(padded, kernel_size=k, stride=1)[:, 0, :] > 0
    return mask[:, :n_tok]


def hidden_bases(token_mask, k: int) -> torch.Tensor:
    """Bases that no unmasked token shows: base j is hidden when every k-mer covering it
    (tokens ``j-k+1 ... j``) is masked.  ``token_mask`` is ``(batch, n_tokens)``; the result
    is ``(batch, n_tokens + k - 1)``.

    Explained in notebooks/09_dna_language_models.
    """
    tm = torch.as_tensor(token_mask).bool()
    # a base is shown if any covering token is unmasked
    shown = F.max_pool1d(F.pad((~tm).float()[:, None, :], (k - 1, k - 1)), k, stride=1)[:, 0]
    return shown < 0.5


def mask_tokens_for_bases(n_tokens: int, k: int, positions) -> np.ndarray:
    """Token mask that hides the bases at ``positions`` (``(n, m)`` base indices): all tokens
    ``p-k+1 ... p`` that contain base p are masked.  Returns ``(n, n_tokens)`` booleans.

    Explained in notebooks/09_dna_language_models.
    """
    positions = np.asarray(positions, dtype=np.int64)
    n = positions.shape[0]
    mask = np.zeros((n, n_tokens + k), dtype=bool)
    rows = np.repeat(np.arange(n), positions.shape[1])
    for off in range(k):
        t = positions.ravel() - off
        ok = (t >= 0) & (t < n_tokens)
        mask[rows[ok], t[ok]] = True
    return mask[:, :n_tokens]


# --------------------------------------------------------------------------- data helpers
def split_blocks(start: int, end: int, block: int = 100_000, test_every: int = 5,
                 test_offset: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Cut ``[start, end)`` into blocks of ``block`` bases; every ``test_every``-th block (from
    ``test_offset``) is held out.  Returns ``(train, test)`` as ``(n, 2)`` half-open intervals.
    Interleaved blocks give both parts every kind of sequence while keeping neighbours apart.

    Explained in notebooks/09_dna_language_models.
    """
    block = _check_int(block, "block")
    test_every = _check_int(test_every, "test_every", 2)
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

    Explained in notebooks/09_dna_language_models.
    """
    window = _check_int(window, "window")
    step = window if step is None else _check_int(step, "step")
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

    Explained in notebooks/09_dna_language_models.
    """
    spacing = _check_int(spacing, "spacing")
    margin = _check_int(margin, "margin", 0)
    usable = window - 2 * margin
    m = usable // spacing
    if m < 1:
        raise ValueError(f"window={window} is too short for spacing={spacing} and margin={margin}")
    rng = np.random.default_rng(seed)
    offset = rng.integers(0, usable - (m - 1) * spacing, size=n_windows)
    return margin + offset[:, None] + spacing * np.arange(m)[None, :]


def masked_base_scores(log_probs, truth, select=None) -> dict:
    """Masked-base accuracy, cross-entropy (nats per base) and perplexity ``exp(CE)``.

    ``log_probs`` is ``(..., 4)`` log-probabilities at masked positions, ``truth`` the true
    codes (same leading shape), ``select`` an optional boolean filter (e.g. non-repeat bases).
    Perplexity 4 is a uniform guess; 1 a perfect one.

    Explained in notebooks/09_dna_language_models.
    """
    lp = np.asarray(log_probs, dtype=np.float64).reshape(-1, 4)
    y = np.asarray(truth).reshape(-1)
    keep = y < 4
    if select is not None:
        keep &= np.asarray(select, dtype=bool).reshape(-1)
    lp, y = lp[keep], y[keep]
    if len(y) == 0:
        raise ValueError("no masked positions to score (check select)")
    ce = float(-lp[np.arange(len(y)), y].mean())
    return {"accuracy": float((lp.argmax(1) == y).mean()), "cross_entropy": ce,
            "perplexity": float(np.exp(ce)), "n": int(len(y))}


def llr(log_probs, ref) -> np.ndarray:
    """Zero-shot variant effect score ``log P(alt) - log P(ref)`` for each alternative base:
    returns ``(..., 4)`` with 0 at the reference base (GPN's ``logit[alt] - logit[ref]``).

    Explained in notebooks/09_dna_language_models.
    """
    lp = np.asarray(log_probs, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.int64)
    return lp - np.take_along_axis(lp, ref[..., None], axis=-1)


def score_variants(model, seq: str, positions, alts, window: int = 256) -> np.ndarray:
    """LLR of single-base substitutions ``alts`` (letters) at 0-based ``positions`` of ``seq``,
    each scored in a window of ``window`` bases centred on it with the variant base masked.

    Works with any model that has ``masked_log_probs``.
    Explained in notebooks/09_dna_language_models.
    """
    codes = encode(seq, "seq")
    positions = np.atleast_1d(np.asarray(positions, dtype=np.int64))
    alt = encode("".join(np.atleast_1d(alts)), "alts")
    if len(alt) != len(positions):
        raise ValueError(f"alts must have one base per position; got {len(alt)} for "
                         f"{len(positions)} positions")
    if np.any((positions < 0) | (positions >= len(codes))):
        raise ValueError(f"positions must lie in [0, {len(codes)})")
    ref = codes[positions]
    if np.any(ref >= 4) or np.any(alt >= 4):
        raise ValueError("reference and alternative bases (alts) must be A, C, G or T")
    window = min(_check_int(window, "window"), len(codes))
    starts = np.clip(positions - window // 2, 0, len(codes) - window)
    wins = codes[starts[:, None] + np.arange(window)[None, :]]
    pos = (positions - starts)[:, None]
    lp = model.masked_log_probs(wins, pos)[:, 0, :]
    return llr(lp, ref)[np.arange(len(alt)), alt]


def window_classes(starts, window: int, islands, genes, lower, min_fraction: float = 0.5):
    """Region class of each window: "CpG island" (at least ``min_fraction`` inside an island),
    else "repeat" (that fraction soft-masked), else "gene body" (centre inside a gene), else
    "intergenic".  ``islands`` and ``genes`` are ``(n, 2)`` half-open 0-based intervals;
    ``lower`` is the per-window soft-mask array from :func:`cut_windows`.

    Explained in notebooks/09_dna_language_models.
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


def kmer_spectrum(windows, k: int = 4) -> np.ndarray:
    """k-mer frequencies of each window (``(n, 4**k)``, rows sum to 1; k-mers with N skipped):
    the bag-of-k-mers baseline for window embeddings.

    Explained in notebooks/09_dna_language_models.
    """
    tok = KmerTokenizer(k)
    ids = tok.encode_codes(np.asarray(windows)) - len(tok.SPECIALS)
    n = ids.shape[0]
    ok = ids >= 0
    rows = np.repeat(np.arange(n), ids.shape[1])[ok.ravel()]
    counts = np.bincount(rows * 4**k + ids.ravel()[ok.ravel()], minlength=n * 4**k)
    counts = counts.reshape(n, 4**k).astype(np.float64)
    return counts / np.maximum(counts.sum(1, keepdims=True), 1)


def _as_segments(sequence, name: str = "sequence") -> list[str]:
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


def _windows_and_positions(windows, positions):
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


# --------------------------------------------------------------------------- baselines
class MarkovContext:
    """Count model ``P(base | left bases, right bases)`` with additive smoothing.

    ``left=k, right=0`` is the classic k-th order Markov chain (context on the left only);
    ``left=right=k`` uses both sides, like a masked language model does, and is the fair
    baseline for one.  Counts are taken on both strands, weighted by :func:`repeat_weights`
    (``repeat_weight=1`` counts every base the same).  Contexts that contain N or a masked
    base, or fall off a window, back off to the base frequencies.

    Explained in notebooks/09_dna_language_models.
    """

    def __init__(self, left: int = 3, right: int = 3, pseudocount: float = 1.0,
                 repeat_weight: float = 0.1):
        self.left = _check_int(left, "left", 0)
        self.right = _check_int(right, "right", 0)
        if self.left + self.right > 10:
            raise ValueError(f"left + right must be at most 10 (4**(left+right) contexts); "
                             f"got {self.left + self.right}")
        if not pseudocount > 0:
            raise ValueError(f"pseudocount must be > 0; got {pseudocount!r}")
        self.pseudocount = float(pseudocount)
        self.repeat_weight = _check_fraction(repeat_weight, "repeat_weight")
        self.counts: np.ndarray | None = None
        self.base_counts: np.ndarray | None = None

    def __repr__(self) -> str:
        return f"MarkovContext(left={self.left}, right={self.right})"

    @property
    def n_contexts(self) -> int:
        return 4 ** (self.left + self.right)

    def _context_index(self, codes, pos):
        """Context id for positions ``pos`` of ``codes`` (last axis); -1 when not available."""
        L = codes.shape[-1]
        idx = np.zeros(pos.shape, dtype=np.int64)
        ok = (pos - self.left >= 0) & (pos + self.right < L)
        offsets = [*range(-self.left, 0), *range(1, self.right + 1)]
        for off in offsets:
            q = np.clip(pos + off, 0, L - 1)
            c = np.take_along_axis(codes, q, axis=-1) if codes.ndim == pos.ndim else codes[q]
            ok &= c < 4
            idx = idx * 4 + np.minimum(c, 3)
        return np.where(ok, idx, -1)

    def fit(self, sequence, progress: bool = False) -> "MarkovContext":
        """Count contexts in ``sequence`` (a string or list of strings) and its reverse
        complement.  Returns ``self``."""
        segs = _as_segments(sequence)
        counts = np.zeros(self.n_contexts * 4)
        base = np.zeros(4)
        for s in segs:
            w_fwd = repeat_weights(s, self.repeat_weight)
            c_fwd = encode(s)
            for codes, w in [(c_fwd, w_fwd), (reverse_complement_codes(c_fwd), w_fwd[::-1])]:
                pos = np.arange(len(codes))
                known = codes < 4
                base += np.bincount(codes[known], weights=w[known], minlength=4)
                ctx = self._context_index(codes, pos)
                ok = known & (ctx >= 0)
                counts += np.bincount(ctx[ok] * 4 + codes[ok], weights=w[ok],
                                      minlength=self.n_contexts * 4)
        self.counts = counts.reshape(self.n_contexts, 4)
        self.base_counts = base
        return self

    def probabilities(self) -> np.ndarray:
        """``(n_contexts, 4)`` smoothed conditional probabilities (rows sum to 1)."""
        if self.counts is None:
            raise RuntimeError("call .fit(sequence) first")
        c = self.counts + self.pseudocount
        return c / c.sum(1, keepdims=True)

    def masked_log_probs(self, windows, positions) -> np.ndarray:
        """``(n, m, 4)`` log-probabilities of the base at each position given its context."""
        w, p = _windows_and_positions(windows, positions)
        ctx = self._context_index(w, p)
        probs = self.probabilities()
        freq = (self.base_counts + self.pseudocount) / (self.base_counts + self.pseudocount).sum()
        out = np.where((ctx >= 0)[..., None], probs[np.maximum(ctx, 0)], freq)
        return np.log(out)


class BaseFrequencies(MarkovContext):
    """The simplest baseline: ``P(base)`` = its frequency in the training sequence (both
    strands, repeats down-weighted like the models).

    Explained in notebooks/09_dna_language_models.
    """

    def __init__(self, pseudocount: float = 1.0, repeat_weight: float = 0.1):
        super().__init__(left=0, right=0, pseudocount=pseudocount, repeat_weight=repeat_weight)

    def __repr__(self) -> str:
        return "BaseFrequencies()"


# --------------------------------------------------------------------------- networks
class _ConvBlock(nn.Module):
    def __init__(self, hidden: int, kernel: int, dilation: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(hidden, bias=False)
        self.conv = nn.Conv1d(hidden, hidden, kernel, dilation=dilation, padding="same",
                              bias=False)
        self.lin = nn.Linear(hidden, hidden, bias=False)
        self.ln2 = nn.LayerNorm(hidden, bias=False)
        self.ff1 = nn.Linear(hidden, 2 * hidden, bias=False)
        self.ff2 = nn.Linear(2 * hidden, hidden, bias=False)

    def forward(self, x):  # x: (batch, length, hidden)
        h = self.conv(self.ln1(x).transpose(1, 2)).transpose(1, 2)
        x = x + self.lin(F.gelu(h))
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class _ConvNet(nn.Module):
    def __init__(self, hidden, n_layers, kernel_first, kernel, dilation_cycle):
        super().__init__()
        self.hidden = hidden
        self.blocks = nn.ModuleList(
            _ConvBlock(hidden, kernel_first if i == 0 else kernel, 2 ** (i % dilation_cycle))
            for i in range(n_layers)
        )
        self.ln = nn.LayerNorm(hidden, bias=False)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden),
                                  nn.Linear(hidden, 4))

    def encode(self, codes):  # one-hot into the hidden size (GPN: no learned embedding)
        x = F.one_hot(codes, self.hidden).float()
        for b in self.blocks:
            x = b(x)
        return self.ln(x)


class _RelAttentionBlock(nn.Module):
    """Pre-LN transformer block whose attention adds a learned bias per head and token offset
    (clipped at ``max_offset``), as in T5, instead of BERT's absolute position embeddings;
    the bias starts as ALiBi's distance penalty, so every head first looks nearby."""

    def __init__(self, hidden, n_heads, ffn, max_offset):
        super().__init__()
        self.n_heads, self.max_offset = n_heads, max_offset
        self.ln1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        # start local, as ALiBi does: head h penalises distance with slope 2**-h
        slopes = 2.0 ** -torch.arange(n_heads, dtype=torch.float32)
        dist = torch.arange(-max_offset, max_offset + 1).abs().float()
        self.rel_bias = nn.Parameter(-slopes[:, None] * dist[None, :])
        self.ln2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(nn.Linear(hidden, ffn), nn.GELU(), nn.Linear(ffn, hidden))

    def forward(self, x):
        B, T, H = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
        offset = torch.arange(T)[None, :] - torch.arange(T)[:, None]
        bias = self.rel_bias[:, offset.clamp(-self.max_offset, self.max_offset) + self.max_offset]
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias, -1)
        x = x + self.out((att @ v).transpose(1, 2).reshape(B, T, H))
        return x + self.ff(self.ln2(x))


class _KmerBert(nn.Module):
    def __init__(self, vocab, n_out, max_offset, hidden, n_layers, n_heads, ffn):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden)
        self.blocks = nn.ModuleList(_RelAttentionBlock(hidden, n_heads, ffn, max_offset)
                                    for _ in range(n_layers))
        self.ln = nn.LayerNorm(hidden)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden),
                                  nn.Linear(hidden, n_out))

    def encode(self, ids):
        x = self.tok(ids)
        for b in self.blocks:
            x = b(x)
        return self.ln(x)


# --------------------------------------------------------------------------- shared MLM code
class _MaskedLM:
    """Training loop, evaluation, embeddings and persistence shared by the two networks."""

    _hyperparameters: ClassVar[tuple[str, ...]] = ()
    name: ClassVar[str] = "MLM"

    def _check_common(self, window, mask_rate, repeat_weight, steps, batch_size, lr,
                      weight_decay, warmup, log_every, seed):
        self.window = _check_int(window, "window", 16)
        self.mask_rate = _check_fraction(mask_rate, "mask_rate", 0.001, 0.9)
        self.repeat_weight = _check_fraction(repeat_weight, "repeat_weight")
        self.steps = _check_int(steps, "steps")
        self.batch_size = _check_int(batch_size, "batch_size")
        if not (isinstance(lr, (int, float)) and lr > 0):
            raise ValueError(f"lr must be a positive number; got {lr!r}")
        self.lr = float(lr)
        self.weight_decay = _check_fraction(weight_decay, "weight_decay", 0.0, 10.0)
        self.warmup = _check_fraction(warmup, "warmup", 0.0, 0.9)
        self.log_every = _check_int(log_every, "log_every")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer; got {seed!r}")
        self.seed = int(seed)
        self.net: nn.Module | None = None
        self.history: list[dict] = []

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in self._hyperparameters}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    def _require_fitted(self):
        if self.net is None:
            raise RuntimeError(f"this {type(self).__name__} is not trained yet: call .fit(sequence)")

    @property
    def n_parameters(self) -> int:
        """Number of trainable parameters."""
        if self.net is None:
            self._build()
        return int(sum(p.numel() for p in self.net.parameters()))

    def history_frame(self):
        """Training history as a DataFrame (one row per ``log_every`` steps)."""
        import pandas as pd

        return pd.DataFrame(self.history)

    # -- hooks: _build(), _loss(codes, weights, gen), _log_probs_one_strand(w, p), _hidden(w)
    def _build_with_seed(self):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self._build()

    def fit(self, sequence, *, valid=None, n_valid: int = 256,
            progress: bool = True) -> "_MaskedLM":
        """Train from scratch on ``sequence`` (a soft-masked DNA string or a list of strings,
        e.g. the training blocks).  If ``valid`` (same forms) is given, its first ``n_valid``
        windows are scored every ``log_every`` steps for the history (masked-base accuracy
        and perplexity on non-repeat bases, one strand).  Returns ``self``.
        """
        n_valid = _check_int(n_valid, "n_valid")
        segs = _as_segments(sequence, "sequence")
        joined = "N".join(segs)  # windows never contain N, so never cross segments
        codes = encode(joined)
        weights = repeat_weights(joined, self.repeat_weight)
        is_n = np.concatenate([[0], np.cumsum(codes == N_CODE)])
        starts = np.arange(len(codes) - self.window + 1)
        starts = starts[is_n[starts + self.window] - is_n[starts] == 0]
        if len(starts) == 0:
            raise ValueError(f"sequence has no stretch of window={self.window} bases without N; "
                             "pass a longer sequence or a smaller window")
        val = None
        if valid is not None:
            vsegs = _as_segments(valid, "valid")
            vw, vl, _ = cut_windows("N".join(vsegs), self.window)
            if len(vw) == 0:
                raise ValueError(f"valid has no window of {self.window} bases without N")
            vw, vl = vw[:n_valid], vl[:n_valid]
            vp = evaluation_positions(len(vw), self.window, spacing=min(24, self.window // 2),
                                      margin=min(8, self.window // 4), seed=self.seed)
            val = (vw, vp, ~np.take_along_axis(vl, vp, 1))
        self._build_with_seed()
        gen = torch.Generator().manual_seed(self.seed)
        opt = torch.optim.AdamW(self.net.parameters(), lr=self.lr, betas=(0.9, 0.98),
                                weight_decay=self.weight_decay)
        n_warm = max(1, int(self.warmup * self.steps))

        def schedule(step):  # linear warm-up, then cosine decay to zero
            if step < n_warm:
                return (step + 1) / n_warm
            return 0.5 * (1 + math.cos(math.pi * (step - n_warm) / max(1, self.steps - n_warm)))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
        codes_t = torch.from_numpy(codes)
        weights_t = torch.from_numpy(weights)
        starts_t = torch.from_numpy(starts)
        offsets = torch.arange(self.window)
        self.history = []
        running, n_run = 0.0, 0
        bar = tqdm(range(self.steps), desc=self.name, disable=not progress, unit="step")
        for step in bar:
            self.net.train()
            pick = starts_t[torch.randint(len(starts_t), (self.batch_size,), generator=gen)]
            idx = pick[:, None] + offsets[None, :]
            x, w = codes_t[idx], weights_t[idx]
            flip = torch.rand(self.batch_size, generator=gen) < 0.5  # reverse-complement half
            x = torch.where(flip[:, None], torch.from_numpy(_COMPLEMENT)[x].flip(1), x)
            w = torch.where(flip[:, None], w.flip(1), w)
            loss = self._loss(x, w, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            running += float(loss.detach())
            n_run += 1
            if (step + 1) % self.log_every == 0 or step + 1 == self.steps:
                rec = {"step": step + 1, "train_loss": running / n_run,
                       "lr": opt.param_groups[0]["lr"]}
                running, n_run = 0.0, 0
                if val is not None:
                    lp = self.masked_log_probs(val[0], val[1], both_strands=False)
                    s = masked_base_scores(lp, np.take_along_axis(val[0], val[1], 1), val[2])
                    rec["valid_accuracy"] = s["accuracy"]
                    rec["valid_perplexity"] = s["perplexity"]
                self.history.append(rec)
                bar.set_postfix(loss=f"{rec['train_loss']:.3f}")
        bar.close()
        self.net.eval()
        return self

    @torch.no_grad()
    def masked_log_probs(self, windows, positions, both_strands: bool = True,
                         batch: int = 128) -> np.ndarray:
        """``(n, m, 4)`` log-probabilities of the bases at ``positions`` of each window, with
        all those positions masked at once.  ``both_strands`` averages the log-probabilities
        of the window and of its reverse complement (as GPN does for variant scores).
        """
        self._require_fitted()
        w, p = _windows_and_positions(windows, positions)
        self._check_window_length(w.shape[1])
        self.net.eval()
        out = []
        for i in range(0, len(w), batch):
            wb, pb = torch.from_numpy(w[i : i + batch]), torch.from_numpy(p[i : i + batch])
            lp = self._log_probs_one_strand(wb, pb)
            if both_strands:
                rc = torch.from_numpy(_COMPLEMENT)[wb].flip(1)
                lp_rc = self._log_probs_one_strand(rc, wb.shape[1] - 1 - pb)
                lp = torch.log_softmax(0.5 * (lp + lp_rc.flip(-1)), -1)  # flip: A<->T, C<->G
            out.append(lp.double().numpy())
        return np.concatenate(out) if out else np.zeros((0, p.shape[1], 4))

    @torch.no_grad()
    def embed(self, windows, both_strands: bool = True, batch: int = 128) -> np.ndarray:
        """``(n, hidden)`` window embeddings: last hidden states averaged over the window's
        positions (and over both strands)."""
        self._require_fitted()
        w, _ = _windows_and_positions(windows, np.zeros((len(np.atleast_2d(windows)), 1), int))
        self._check_window_length(w.shape[1])
        self.net.eval()
        out = []
        for i in range(0, len(w), batch):
            wb = torch.from_numpy(w[i : i + batch])
            e = self._hidden(wb).mean(1)
            if both_strands:
                e = 0.5 * (e + self._hidden(torch.from_numpy(_COMPLEMENT)[wb].flip(1)).mean(1))
            out.append(e.double().numpy())
        return np.concatenate(out)

    def _check_window_length(self, L):
        pass

    # -- persistence
    def save(self, path) -> Path:
        """Write settings, weights and history to ``path`` atomically (temp file + rename)."""
        self._require_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": "artgen_lite.dna_lm/1", "class": type(self).__name__,
                   "hyperparameters": self.get_params(),
                   "state": {k: v.detach().clone() for k, v in self.net.state_dict().items()},
                   "history": [dict(h) for h in self.history]}
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            torch.save(payload, tmp)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path):
        """Read a model written by :meth:`save`."""
        payload = torch.load(Path(path), map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != "artgen_lite.dna_lm/1":
            raise ValueError(f"{path} is not a model file written by artgen_lite.dna_lm")
        if payload["class"] != cls.__name__:
            raise ValueError(f"{path} holds a {payload['class']}, not a {cls.__name__}")
        model = cls(**payload["hyperparameters"])
        model._build()
        model.net.load_state_dict(payload["state"])
        model.net.eval()
        model.history = list(payload["history"])
        return model


class ConvLM(_MaskedLM):
    """GPN-like masked language model: one-hot bases, dilated convolution blocks.

    Settings (keyword-only; defaults = course scale): ``hidden`` channels (GPN: 512),
    ``n_layers`` blocks (GPN: 25), ``kernel_first`` / ``kernel`` sizes (9 / 5),
    ``dilation_cycle`` (dilation ``2**(i mod cycle)``; GPN: 8), training ``window`` in bases,
    ``mask_rate`` (0.15), ``repeat_weight`` (0.1 for lower-case bases), ``steps``,
    ``batch_size``, ``lr`` (AdamW, GPN: 1e-3), ``weight_decay`` (0.01), ``warmup`` (fraction of
    the steps), ``log_every``, ``seed``.  Each side of a base sees
    ``(kernel_first-1)/2 + (kernel-1)/2 * sum(dilations)`` bases of context.

    Explained in notebooks/09_dna_language_models.
    """

    name = "GPN-like CNN"
    _hyperparameters = ("hidden", "n_layers", "kernel_first", "kernel", "dilation_cycle",
                        "window", "mask_rate", "repeat_weight", "steps", "batch_size", "lr",
                        "weight_decay", "warmup", "log_every", "seed")

    def __init__(self, *, hidden: int = 64, n_layers: int = 6, kernel_first: int = 9,
                 kernel: int = 5, dilation_cycle: int = 6, window: int = 128,
                 mask_rate: float = 0.15, repeat_weight: float = 0.1, steps: int = 250,
                 batch_size: int = 32, lr: float = 2e-3, weight_decay: float = 0.01,
                 warmup: float = 0.05, log_every: int = 50, seed: int = 0):
        self.hidden = _check_int(hidden, "hidden", 6)
        self.n_layers = _check_int(n_layers, "n_layers")
        self.kernel_first = _check_int(kernel_first, "kernel_first")
        self.kernel = _check_int(kernel, "kernel")
        self.dilation_cycle = _check_int(dilation_cycle, "dilation_cycle")
        self._check_common(window, mask_rate, repeat_weight, steps, batch_size, lr, weight_decay,
                           warmup, log_every, seed)

    @property
    def context(self) -> int:
        """Bases of context the network sees on each side of a position (receptive field)."""
        d = sum(2 ** (i % self.dilation_cycle) for i in range(1, self.n_layers))
        return (self.kernel_first - 1) // 2 + (self.kernel - 1) // 2 * d

    def _build(self):
        self.net = _ConvNet(self.hidden, self.n_layers, self.kernel_first, self.kernel,
                            self.dilation_cycle)

    def _loss(self, x, w, gen):
        inputs, chosen = mask_bases(x, self.mask_rate, gen)
        logits = self.net.head(self.net.encode(inputs))
        ce = F.cross_entropy(logits[chosen], x[chosen], reduction="none")
        wc = w[chosen]
        return (ce * wc).sum() / wc.sum().clamp_min(1e-8)

    def _log_probs_one_strand(self, w, p):
        inputs = w.scatter(1, p, MASK_CODE)
        h = self.net.encode(inputs)
        h = torch.gather(h, 1, p[..., None].expand(-1, -1, h.shape[-1]))
        return torch.log_softmax(self.net.head(h), -1)

    def _hidden(self, w):
        return self.net.encode(w)


class KmerTransformerLM(_MaskedLM):
    """DNABERT-like masked language model: overlapping k-mer tokens, a small BERT encoder,
    contiguous k-token span masking.

    Settings (keyword-only; defaults = course scale): ``k`` (DNABERT: 3-6), ``hidden`` (768),
    ``n_layers`` (12), ``n_heads`` (12), ``ffn`` (3072), ``max_offset`` (token offsets beyond
    this share one attention bias), training ``window`` in bases (the model reads
    ``window - k + 1`` tokens; DNABERT: 512 tokens), ``mask_rate`` (fraction of tokens masked,
    about 0.15), ``repeat_weight``, ``steps``, ``batch_size``, ``lr`` (DNABERT: 4e-4),
    ``weight_decay``, ``warmup``, ``log_every``, ``seed``.

    One deliberate change from BERT: positions enter as a learned attention bias per head and
    token offset (as in T5) rather than as absolute position embeddings added to the input.
    A tiny model trained for minutes learns to read its neighbours far faster that way (with
    absolute embeddings it stayed near the base-frequency baseline in our course-scale runs),
    and it can read windows of any length.

    Explained in notebooks/09_dna_language_models.
    """

    name = "DNABERT-like transformer"
    _hyperparameters = ("k", "hidden", "n_layers", "n_heads", "ffn", "window", "mask_rate",
                        "repeat_weight", "steps", "batch_size", "lr", "weight_decay", "warmup",
                        "log_every", "seed", "max_offset")

    def __init__(self, *, k: int = 3, hidden: int = 64, n_layers: int = 2, n_heads: int = 4,
                 ffn: int = 256, max_offset: int = 32, window: int = 128, mask_rate: float = 0.15,
                 repeat_weight: float = 0.1, steps: int = 400, batch_size: int = 32,
                 lr: float = 3e-3, weight_decay: float = 0.01, warmup: float = 0.05,
                 log_every: int = 50, seed: int = 0):
        self.tokenizer = KmerTokenizer(k)
        self.k = self.tokenizer.k
        self.hidden = _check_int(hidden, "hidden")
        self.n_layers = _check_int(n_layers, "n_layers")
        self.n_heads = _check_int(n_heads, "n_heads")
        if self.hidden % self.n_heads:
            raise ValueError(f"hidden ({hidden}) must be a multiple of n_heads ({n_heads})")
        self.ffn = _check_int(ffn, "ffn")
        self.max_offset = _check_int(max_offset, "max_offset")
        self._check_common(window, mask_rate, repeat_weight, steps, batch_size, lr, weight_decay,
                           warmup, log_every, seed)
        if self.window < 2 * self.k:
            raise ValueError(f"window must be at least 2k = {2 * self.k} bases; got {window}")

    def _build(self):
        self.net = _KmerBert(self.tokenizer.vocab_size, 4**self.k, self.max_offset,
                             self.hidden, self.n_layers, self.n_heads, self.ffn)

    def _check_window_length(self, L):
        if L < 2 * self.k:
            raise ValueError(f"windows must be at least 2k = {2 * self.k} bases long; got {L}")

    def _tokens(self, x):
        return torch.from_numpy(self.tokenizer.encode_codes(x.numpy()))

    def _loss(self, x, w, gen):
        ids = self._tokens(x)
        chosen = kmer_span_mask(ids.shape, self.k, self.mask_rate, gen)
        chosen &= ids != KmerTokenizer.UNK
        inputs = ids.masked_fill(chosen, KmerTokenizer.MASK)
        h = self.net.encode(inputs)[chosen]
        logits = self.net.head(h)
        target = ids[chosen] - len(KmerTokenizer.SPECIALS)
        wt = w.unfold(1, self.k, 1).mean(-1)[chosen]  # token weight = mean of its bases
        ce = F.cross_entropy(logits, target, reduction="none")
        return (ce * wt).sum() / wt.sum().clamp_min(1e-8)

    def _log_probs_one_strand(self, w, p):
        k = self.k
        ids = self._tokens(w)
        n, n_tok = ids.shape
        tmask = torch.from_numpy(mask_tokens_for_bases(n_tok, k, p.numpy()))
        inputs = ids.masked_fill(tmask, KmerTokenizer.MASK)
        h = self.net.encode(inputs)
        m = p.shape[1]
        # covering tokens t = p - o for offsets o = 0..k-1 (the base is at place o of token t)
        off = torch.arange(k)
        t = p[..., None] - off  # (n, m, k)
        ok = (t >= 0) & (t < n_tok)
        tc = t.clamp(0, n_tok - 1)
        hh = torch.gather(h, 1, tc.reshape(n, m * k, 1).expand(-1, -1, h.shape[-1]))
        lp = torch.log_softmax(self.net.head(hh), -1).reshape(n, m, k, *([4] * k))
        marg = []
        for o in range(k):  # marginal over the base at place o of the k-mer
            dims = [2 + d for d in range(k) if d != o]
            marg.append(torch.logsumexp(lp[:, :, o], dim=dims) if dims else lp[:, :, o])
        marg = torch.stack(marg, 2)  # (n, m, k, 4)
        marg = marg.masked_fill(~ok[..., None], float("-inf"))
        # mixture of the covering tokens' predictions
        return torch.logsumexp(marg, 2) - torch.log(ok.sum(2, keepdim=True).float())

    def _hidden(self, w):
        return self.net.encode(self._tokens(w))


# --------------------------------------------------------------------------- simulated genome
_CPG_PLUS = [[.180, .274, .426, .120], [.171, .368, .274, .188], [.161, .339, .375, .125],
             [.079, .355, .384, .182]]  # Durbin et al. (1998), inside CpG islands
_CPG_MINUS = [[.300, .205, .285, .210], [.322, .298, .078, .302], [.248, .246, .298, .208],
              [.177, .239, .292, .292]]  # outside


def _markov_chain(n, trans, rng):
    cum = np.cumsum(np.asarray(trans), 1)
    u = rng.random(n)
    x = np.empty(n, dtype=np.int64)
    x[0] = rng.integers(4)
    for t in range(1, n):
        x[t] = min(np.searchsorted(cum[x[t - 1]], u[t], side="right"), 3)
    return x


def simulate_genome(length: int = 200_000, seed: int = 0, repeat_fraction: float = 0.35):
    """A stand-in genome with the region classes of the real one, for when hg38 is missing.

    Gene bodies come from the gene-structure HMM of chapter 02 (exons, introns, splice sites),
    intergenic DNA from Durbin's CpG-depleted Markov chain, a CpG island (Durbin's "+" chain)
    is placed upstream of every gene, and copies of three repeat families and a (CA)n
    microsatellite, about 15 % diverged, cover ``repeat_fraction`` of the rest in lower case.
    Returns ``(seq, islands, genes)`` with half-open 0-based intervals.

    Explained in notebooks/09_dna_language_models.
    """
    from .hmm import gene_model_hmm

    length = _check_int(length, "length", 2000)
    rng = np.random.default_rng(seed)
    x = _markov_chain(length, _CPG_MINUS, rng)
    gm = gene_model_hmm(intergenic_length=8000, exon_codons=50, intron_length=1500, n_exons=4)
    z, xg = gm.sample(length, seed=seed)
    genic = z != gm.states.index("intergenic")
    x = np.where(genic, xg, x)
    genes = _runs(genic, 300)
    islands = []
    for a, _ in genes:
        n = int(rng.integers(400, 1500))
        s = max(0, a - n + 200)
        if s + n <= length:
            x[s : s + n] = _markov_chain(n, _CPG_PLUS, rng)
            islands.append((s, s + n))
    islands = np.array(islands, dtype=np.int64).reshape(-1, 2)
    protected = np.zeros(length, dtype=bool)
    for a, b in islands:
        protected[a:b] = True
    lower = np.zeros(length, dtype=bool)
    families = [rng.choice(4, n, p=[.28, .22, .22, .28]) for n in (300, 800, 150)]
    families.append(np.tile([1, 0], 20))  # (CA)20 microsatellite
    target = repeat_fraction * length
    tries = 0
    while lower.sum() < target and tries < 100_000:
        tries += 1
        fam = families[int(rng.integers(len(families)))]
        s = int(rng.integers(0, length - len(fam)))
        if protected[s : s + len(fam)].any():
            continue
        copy = fam.copy()
        mut = rng.random(len(copy)) < 0.15
        copy[mut] = rng.integers(4, size=int(mut.sum()))
        x[s : s + len(copy)] = copy
        lower[s : s + len(copy)] = True
    seq = np.array(list(BASES))[x]
    seq[lower] = np.char.lower(seq[lower])
    return "".join(seq), islands, genes


def _runs(mask, min_length=1):
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    e = np.flatnonzero(m[1:] != m[:-1]).reshape(-1, 2)
    return e[e[:, 1] - e[:, 0] >= min_length]
