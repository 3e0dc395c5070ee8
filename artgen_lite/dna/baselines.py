"""Count-model baselines of DNA: Durbin's CpG-island Markov chains, Markov chains fitted to
windows, independent bases, and the two-sided context model of masked language models.

Explained in chapter 02 (notebooks/02_hidden_markov_models, Durbin's tables), chapter 08
(notebooks/08_designing_dna: :class:`MarkovDNA`, :func:`iid_sequences`) and chapter 09
(notebooks/09_dna_language_models: :class:`MarkovContext`, :class:`BaseFrequencies`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import check_fraction, check_int
from .alphabet import decode, encode, window_codes
from .lm_data import as_segments, repeat_weights, windows_and_positions
from .sequence import kmer_index, reverse_complement

__all__ = ["DURBIN_CPG_PLUS", "DURBIN_CPG_MINUS", "durbin_cpg_hmm", "sample_markov_chain",
           "MarkovDNA", "iid_sequences", "MarkovContext", "BaseFrequencies"]

#: Dinucleotide transition probabilities ``P(next | base)`` (rows and columns A, C, G, T) inside
#: CpG islands, Durbin et al. (1998), table 3.1; chapter 02
DURBIN_CPG_PLUS = np.array([[.180, .274, .426, .120], [.171, .368, .274, .188],
                            [.161, .339, .375, .125], [.079, .355, .384, .182]])
#: ... and outside them (note C -> G: 0.078, the CpG depletion); chapter 02
DURBIN_CPG_MINUS = np.array([[.300, .205, .285, .210], [.322, .298, .078, .302],
                             [.248, .246, .298, .208], [.177, .239, .292, .292]])
DURBIN_CPG_PLUS.flags.writeable = False
DURBIN_CPG_MINUS.flags.writeable = False


def durbin_cpg_hmm(leave_island: float = 1e-3, enter_island: float = 2e-5):
    """Durbin's eight-state CpG-island HMM built from the textbook tables: states ``A+ .. T+``
    (island, :data:`DURBIN_CPG_PLUS`) then ``A- .. T-`` (:data:`DURBIN_CPG_MINUS`), each emitting
    its base; the class switches with probability ``leave_island`` per island base and
    ``enter_island`` per background base.  Rows are renormalised; uniform start.

    The chapters' stand-in DNA when the hg38 slice cannot be had.  Explained in chapter 02
    (notebooks/02_hidden_markov_models).

    Parameters
    ----------
    leave_island : float, default 1e-3
        Probability per island base of switching to the background class.
    enter_island : float, default 2e-5
        Probability per background base of switching to the island class.

    Returns
    -------
    artgen_lite.hmm.HMM
        The eight-state HMM (states 0-3 the island bases A+ .. T+, 4-7 the background bases
        A- .. T-) over the four bases.

    Examples
    --------
    >>> hmm = durbin_cpg_hmm()
    >>> hmm.trans.shape, bool(abs(hmm.trans.sum(axis=1) - 1).max() < 1e-12)
    ((8, 8), True)
    """
    from ..hmm import HMM

    plus, minus = np.array(DURBIN_CPG_PLUS), np.array(DURBIN_CPG_MINUS)
    trans = np.block([[(1 - leave_island) * plus, leave_island * minus],
                      [enter_island * plus, (1 - enter_island) * minus]])
    return HMM(np.full(8, 1 / 8), trans / trans.sum(1, keepdims=True), np.tile(np.eye(4), (2, 1)))


def sample_markov_chain(trans, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` base codes from a first-order chain with transition rows ``trans`` (4 x 4), the
    first base uniform.  Explained in chapter 09 (the simulated genome's background and islands).

    Parameters
    ----------
    trans : array-like
        Transition probabilities ``P(next | base)``, 4 x 4, rows and columns A, C, G, T.
    n : int
        Number of bases, at least 1.
    rng : numpy.random.Generator
        Source of the random draws.

    Returns
    -------
    numpy.ndarray
        ``int64`` base codes ``(n,)``, A=0, C=1, G=2, T=3.

    Examples
    --------
    >>> sample_markov_chain(DURBIN_CPG_MINUS, 8, np.random.default_rng(0))
    array([2, 1, 0, 0, 3, 3, 2, 2])
    """
    cum = np.cumsum(np.asarray(trans), 1)
    u = rng.random(n)
    x = np.empty(n, dtype=np.int64)
    x[0] = rng.integers(4)
    for t in range(1, n):
        x[t] = min(np.searchsorted(cum[x[t - 1]], u[t], side="right"), 3)
    return x


# --------------------------------------------------------------------------- chapter 08
class MarkovDNA:
    """Markov chain of order ``order`` over A, C, G, T, fitted to real windows.

    Two uses: a **baseline generator** (:meth:`sample`) and a **realism score**
    (:meth:`log_likelihood`, mean log2-likelihood per base: about -2 bits for random sequence,
    higher for sequence that looks like the training DNA).  The first ``order`` bases of a window
    are scored and drawn from the k-mer frequencies at window starts, the rest base by base
    given the previous ``order``.  Transition counts get ``pseudocount`` added.

    Explained in chapter 08 (notebooks/08_designing_dna).
    """

    def __init__(self, order: int = 3, pseudocount: float = 1.0) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= 8:
            raise ValueError(f"order must be an integer between 0 and 8; got {order!r}")
        if not pseudocount > 0:
            raise ValueError(f"pseudocount must be positive; got {pseudocount!r}")
        self.order = int(order)
        self.pseudocount = float(pseudocount)
        self.log_trans: np.ndarray | None = None
        self.log_start: np.ndarray | None = None

    def _ctx(self, c: np.ndarray) -> np.ndarray:
        """Index of the ``order`` bases before each position ``order .. L-1``."""
        return kmer_index(c[:, :-1], self.order)

    def _start(self, c: np.ndarray) -> np.ndarray:
        """Index of the first ``order`` bases of each window."""
        return kmer_index(c[:, : self.order], self.order)[:, 0]

    def fit(self, seqs: Any) -> "MarkovDNA":
        """Count transitions (and starting k-mers) in ``seqs``; returns ``self``."""
        c = window_codes(seqs, "seqs").astype(np.int64)
        k, L = self.order, c.shape[1]
        if L <= k:
            raise ValueError(f"seqs must be longer than the order ({k}); got length {L}")
        counts = np.bincount((self._ctx(c) * 4 + c[:, k:]).ravel(), minlength=4 ** (k + 1)).reshape(4**k, 4)
        counts = counts + self.pseudocount
        self.log_trans = np.log(counts / counts.sum(1, keepdims=True))
        s = np.bincount(self._start(c), minlength=4**k) + self.pseudocount
        self.log_start = np.log(s / s.sum())
        return self

    def log_likelihood(self, seqs: Any, name: str = "seqs") -> np.ndarray:
        """Mean log2-likelihood per base of each sequence (bits per base; higher = more typical)."""
        if self.log_trans is None:
            raise RuntimeError("this MarkovDNA is not fitted yet: call .fit(seqs) first")
        c = window_codes(seqs, name).astype(np.int64)
        k, L = self.order, c.shape[1]
        if L <= k:
            raise ValueError(f"{name} must be longer than the order ({k}); got length {L}")
        ll = self.log_trans[self._ctx(c), c[:, k:]].sum(1)
        if k:
            ll = ll + self.log_start[self._start(c)]
        return ll / L / np.log(2)

    def sample(self, n: int, length: int, seed: int = 0) -> list[str]:
        """``n`` sequences of ``length`` bases drawn from the chain."""
        if self.log_trans is None:
            raise RuntimeError("this MarkovDNA is not fitted yet: call .fit(seqs) first")
        n, length = check_int(n, "n"), check_int(length, "length")
        if length <= self.order:
            raise ValueError(f"length must be longer than the order ({self.order}); got {length}")
        rng = np.random.default_rng(seed)
        k = self.order
        out = np.zeros((n, length), dtype=np.int64)
        if k:
            p0 = np.exp(self.log_start)
            start = rng.choice(4**k, size=n, p=p0 / p0.sum())
            for t in range(k):
                out[:, t] = (start // 4 ** (k - 1 - t)) % 4
        cum = np.cumsum(np.exp(self.log_trans), axis=1)
        ctx = start if k else np.zeros(n, dtype=np.int64)
        for t in range(k, length):
            u = rng.random(n)[:, None]
            base = np.minimum((u > cum[ctx]).sum(1), 3)
            out[:, t] = base
            ctx = (ctx * 4 + base) % (4**k) if k else ctx
        return decode(out.astype(np.int8))


def iid_sequences(train: Any, n: int, length: int | None = None, seed: int = 0) -> list[str]:
    """Baseline: ``n`` sequences of independent bases drawn with the base frequencies of ``train``.

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    train : str, list of str or array-like
        Training windows (see :func:`artgen_lite.dna.alphabet.window_codes`).
    n : int
        Number of sequences to draw.
    length : int, optional
        Their length; default the length of the training windows.
    seed : int, default 0
        Seed of the random draws.

    Returns
    -------
    list of str
        ``n`` DNA strings.

    Examples
    --------
    >>> iid_sequences(["AAAC", "AACC"], n=2, seed=0)
    ['CAAA', 'CCAC']
    """
    c = window_codes(train, "train")
    n = check_int(n, "n")
    length = c.shape[1] if length is None else check_int(length, "length")
    p = np.bincount(c.ravel().astype(np.int64), minlength=4) / c.size
    rng = np.random.default_rng(seed)
    return decode(rng.choice(4, size=(n, length), p=p).astype(np.int8))


# --------------------------------------------------------------------------- chapter 09
class MarkovContext:
    """Count model ``P(base | left bases, right bases)`` with additive smoothing.

    ``left=k, right=0`` is the classic k-th order Markov chain (context on the left only);
    ``left=right=k`` uses both sides, like a masked language model does, and is the fair
    baseline for one.  Counts are taken on both strands, weighted by
    :func:`artgen_lite.dna.lm_data.repeat_weights` (``repeat_weight=1`` counts every base the
    same).  Contexts that contain N or a masked base, or fall off a window, back off to the base
    frequencies.  ``masked_log_probs`` has the interface of the language models.

    Explained in chapter 09 (notebooks/09_dna_language_models).
    """

    def __init__(self, left: int = 3, right: int = 3, pseudocount: float = 1.0,
                 repeat_weight: float = 0.1):
        self.left = check_int(left, "left", 0)
        self.right = check_int(right, "right", 0)
        if self.left + self.right > 10:
            raise ValueError(f"left + right must be at most 10 (4**(left+right) contexts); "
                             f"got {self.left + self.right}")
        if not pseudocount > 0:
            raise ValueError(f"pseudocount must be > 0; got {pseudocount!r}")
        self.pseudocount = float(pseudocount)
        self.repeat_weight = check_fraction(repeat_weight, "repeat_weight")
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
        segs = as_segments(sequence)
        counts = np.zeros(self.n_contexts * 4)
        base = np.zeros(4)
        for s in segs:
            w_fwd = repeat_weights(s, self.repeat_weight)
            c_fwd = encode(s)
            for codes, w in [(c_fwd, w_fwd), (reverse_complement(c_fwd), w_fwd[::-1])]:
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
        w, p = windows_and_positions(windows, positions)
        ctx = self._context_index(w, p)
        probs = self.probabilities()
        freq = (self.base_counts + self.pseudocount) / (self.base_counts + self.pseudocount).sum()
        out = np.where((ctx >= 0)[..., None], probs[np.maximum(ctx, 0)], freq)
        return np.log(out)


class BaseFrequencies(MarkovContext):
    """The simplest baseline: ``P(base)`` = its frequency in the training sequence (both
    strands, repeats down-weighted like the models).

    Explained in chapter 09 (notebooks/09_dna_language_models).
    """

    def __init__(self, pseudocount: float = 1.0, repeat_weight: float = 0.1):
        super().__init__(left=0, right=0, pseudocount=pseudocount, repeat_weight=repeat_weight)

    def __repr__(self) -> str:
        return "BaseFrequencies()"
