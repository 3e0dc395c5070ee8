"""Tokens and masking of the DNA language models: DNABERT's overlapping k-mer tokens, GPN's
base masking and DNABERT's contiguous k-token span masking.

Explained in chapter 09 (notebooks/09_dna_language_models).
"""

from __future__ import annotations

from itertools import product

import numpy as np
import torch
from torch.nn import functional as F

from ._checks import check_int
from .alphabet import BASES, MASK_CODE, N_CODE, decode, encode
from .sequence import kmer_index

__all__ = ["KmerTokenizer", "mask_bases", "kmer_span_mask", "hidden_bases", "mask_tokens_for_bases"]


class KmerTokenizer:
    """DNABERT's tokeniser: overlapping k-mers with stride 1, five special tokens first.

    Ids: ``[PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4``, then the ``4**k`` k-mers in
    lexicographic ACGT order (``id = 5 + sum_i code_i * 4**(k-1-i)``), so the vocabulary has
    ``4**k + 5`` entries (4101 for k = 6).  A k-mer containing N becomes ``[UNK]``.
    A sequence of length L gives ``L - k + 1`` tokens.

    Explained in chapter 09 (notebooks/09_dna_language_models).
    """

    SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
    PAD, UNK, CLS, SEP, MASK = range(5)

    def __init__(self, k: int = 4):
        k = check_int(k, "k")
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
        ids = kmer_index(codes, self.k)
        return np.where(ids < 0, self.UNK, ids + len(self.SPECIALS))

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

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    codes : array-like or torch.Tensor
        Base codes (0-3 bases, 4 N), any shape.
    rate : float
        Probability that a known base is chosen.
    generator : torch.Generator
        Source of the random draws.

    Returns
    -------
    inputs : torch.Tensor
        ``codes`` with the chosen bases set to ``MASK_CODE`` (5).
    chosen : torch.Tensor
        Booleans, True where a base was masked.

    Examples
    --------
    >>> import torch
    >>> codes = torch.tensor([[0, 1, 2, 3, 4, 0, 1, 2]])
    >>> inputs, chosen = mask_bases(codes, 0.5, torch.Generator().manual_seed(0))
    >>> inputs.tolist(), chosen.sum().item()
    ([[5, 1, 5, 5, 4, 0, 5, 2]], 4)
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

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    shape : tuple of int
        ``(batch, n_tokens)``.
    k : int
        The k-mer length (span length in tokens).
    rate : float
        Target fraction of masked tokens.
    generator : torch.Generator
        Source of the random draws.

    Returns
    -------
    torch.Tensor
        Booleans ``(batch, n_tokens)``, True for a masked token.

    Examples
    --------
    >>> import torch
    >>> mask = kmer_span_mask((2, 12), 3, 0.5, torch.Generator().manual_seed(0))
    >>> mask.int().tolist()
    [[0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], [1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0]]
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

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    token_mask : array-like or torch.Tensor
        Booleans ``(batch, n_tokens)``, True for a masked k-mer token.
    k : int
        The k-mer length.

    Returns
    -------
    torch.Tensor
        Booleans ``(batch, n_tokens + k - 1)``, True for a base that no unmasked token shows.

    Examples
    --------
    >>> import torch
    >>> hidden_bases(torch.tensor([[False, True, True, True, False]]), 3).tolist()
    [[False, False, False, True, False, False, False]]
    """
    tm = torch.as_tensor(token_mask).bool()
    # a base is shown if any covering token is unmasked
    shown = F.max_pool1d(F.pad((~tm).float()[:, None, :], (k - 1, k - 1)), k, stride=1)[:, 0]
    return shown < 0.5


def mask_tokens_for_bases(n_tokens: int, k: int, positions) -> np.ndarray:
    """Token mask that hides the bases at ``positions`` (``(n, m)`` base indices): all tokens
    ``p-k+1 ... p`` that contain base p are masked.  Returns ``(n, n_tokens)`` booleans.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    n_tokens : int
        Number of k-mer tokens per window (``L - k + 1``).
    k : int
        The k-mer length.
    positions : array-like
        Base positions to hide, ``(n, m)`` integers.

    Returns
    -------
    numpy.ndarray
        Booleans ``(n, n_tokens)``, True for a token to mask.

    Examples
    --------
    >>> mask_tokens_for_bases(6, 3, [[3]])
    array([[False,  True,  True,  True, False, False]])
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
