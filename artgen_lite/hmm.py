"""Hidden Markov models with discrete emissions, in numpy and in log space.

Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).

The recursions (forward, backward, Viterbi) loop over time only; every step is vectorised
over the hidden states and over a *batch* of sequences, so decoding a chromosome cut into a
few dozen pieces costs about as much Python overhead as decoding one piece.  They are written
once, on a precomputed log-emission array (``forward_from_log_emissions`` and friends), so
models with other emission structures (the Li-Stephens haplotype-copying HMM of the
imputation chapter, say) reuse them: build ``log_B[t, k] = log P(x_t | state k)`` and call.

Symbols are integers ``0..M-1``; ``-1`` marks a missing observation (an ``N`` in DNA), which
every state emits with probability one.

Also here: the CpG-island HMM of Durbin et al. (1998) estimated from annotated islands, a toy
gene-structure HMM in the spirit of Yoon (2009) for sampling, and base-level comparison of
decoded intervals with an annotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.special import logsumexp
from tqdm import tqdm

from .dna.alphabet import BASES, N_CODE, encode

__all__ = [
    "HMM",
    "ExpectedCounts",
    "MISSING",
    "DNA",
    "encode_dna",
    "forward_from_log_emissions",
    "backward_from_log_emissions",
    "posterior_from_log_emissions",
    "viterbi_from_log_emissions",
    "cpg_island_hmm",
    "cpg_m_step",
    "CPG_STATES",
    "gene_model_hmm",
    "GENE_STATE_GROUPS",
    "intervals_to_mask",
    "mask_to_intervals",
    "interval_precision_recall",
]

MISSING = -1
DNA = BASES  # "ACGT", the order of the symbols
_ATOL = 1e-6


# --------------------------------------------------------------------------- helpers
def encode_dna(seq: str) -> np.ndarray:
    """DNA string to integer codes A=0, C=1, G=2, T=3 (case-insensitive); anything else (N) is -1.

    Parameters
    ----------
    seq : str
        A DNA sequence.

    Returns
    -------
    numpy.ndarray of int8, shape (len(seq),)
        Codes 0-3, or -1 (missing) for N and any other letter.

    Examples
    --------
    >>> encode_dna("ACgtN")
    array([ 0,  1,  2,  3, -1], dtype=int8)

    The package's one encoding (:func:`artgen_lite.dna.alphabet.encode`, any letter other than
    A, C, G, T read as N) with N mapped to this module's missing symbol, ``int8``.
    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    codes = encode(seq, "seq", strict=False)
    return np.where(codes == N_CODE, MISSING, codes).astype(np.int8)


def _log(p) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype=float))


def _check_stochastic(p: np.ndarray, name: str, shape: tuple) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite, non-negative probabilities")
    sums = p.sum(axis=-1)
    bad = np.flatnonzero(np.abs(np.atleast_1d(sums) - 1) > _ATOL)
    if bad.size:
        where = "" if p.ndim == 1 else f" (row {bad[0]} sums to {np.atleast_1d(sums)[bad[0]]:.6g})"
        raise ValueError(f"{name} must sum to 1{' along each row' if p.ndim == 2 else ''}{where}")
    return p


def _step_logsumexp(a: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """``log(exp(a) @ trans)`` over the last axis of ``a``: a logsumexp written as a matrix product.

    Shifting by the row maximum keeps ``exp`` in range; this is what
    ``scipy.special.logsumexp(a[..., :, None] + log(trans), axis=-2)`` computes, at a tenth of
    the cost per time step.  (Call inside ``np.errstate(divide="ignore")``: log(0) = -inf.)
    """
    m = np.maximum(a.max(axis=-1, keepdims=True), -1e300)  # a row of -inf stays -inf, not nan
    return np.log(np.exp(a - m) @ trans) + m


# ----------------------------------------------------------- generic recursions
def _lengths(log_B: np.ndarray, lengths) -> np.ndarray | None:
    if lengths is None or log_B.ndim == 2:
        return None
    lengths = np.asarray(lengths)
    if lengths.shape != (log_B.shape[1],):
        raise ValueError(f"lengths must have one entry per sequence ({log_B.shape[1]}), got shape {lengths.shape}")
    return lengths


def forward_from_log_emissions(log_start, log_trans, log_B, lengths=None):
    """Forward algorithm in log space on a precomputed log-emission array.

    ``log_B`` is ``T x K`` (one sequence) or ``T x B x K`` (a batch of ``B`` sequences, time
    first); ``log_B[t, ..., k] = log P(x_t | z_t = k)``.  ``lengths`` (batch only) gives each
    sequence's length; past its end a sequence is frozen.  Returns ``(log_alpha, loglik)``
    with ``log_alpha[t, ..., k] = log P(x_1..x_t, z_t = k)`` and ``loglik = log P(x)`` (a float,
    or one per sequence).

    Parameters
    ----------
    log_start : array_like of float, shape (K,)
        Log initial probabilities.
    log_trans : array_like of float, shape (K, K)
        Log transition matrix.
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probability of each observation under each state.
    lengths : array_like of int, shape (B,), optional
        Length of each sequence of a batch.

    Returns
    -------
    log_alpha : numpy.ndarray of float64
        Same shape as ``log_B``.
    loglik : float or numpy.ndarray of float64, shape (B,)
        Log-likelihood of each sequence.

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    log_B = np.asarray(log_B, dtype=float)
    trans = np.exp(np.asarray(log_trans, dtype=float))
    lengths = _lengths(log_B, lengths)
    T = log_B.shape[0]
    alpha = np.empty_like(log_B)
    alpha[0] = np.asarray(log_start, dtype=float) + log_B[0]
    first_end = T if lengths is None else lengths.min()
    with np.errstate(divide="ignore"):
        for t in range(1, T):
            alpha[t] = _step_logsumexp(alpha[t - 1], trans) + log_B[t]
            if t >= first_end:  # sequences that have ended keep their last value
                done = t >= lengths
                alpha[t, done] = alpha[t - 1, done]
    loglik = logsumexp(alpha[-1], axis=-1)
    return alpha, (float(loglik) if np.ndim(loglik) == 0 else loglik)


def backward_from_log_emissions(log_trans, log_B, lengths=None):
    """Backward algorithm in log space: ``log_beta[t, ..., k] = log P(x_{t+1}..x_T | z_t = k)``.

    Same shapes and ``lengths`` convention as :func:`forward_from_log_emissions`.

    Parameters
    ----------
    log_trans : array_like of float, shape (K, K)
        Log transition matrix.
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probabilities, time first.
    lengths : array_like of int, shape (B,), optional
        Length of each sequence of a batch.

    Returns
    -------
    numpy.ndarray of float64
        ``log_beta``, the shape of ``log_B`` (0 at each sequence's last step).

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    log_B = np.asarray(log_B, dtype=float)
    trans_T = np.exp(np.asarray(log_trans, dtype=float)).T
    lengths = _lengths(log_B, lengths)
    T = log_B.shape[0]
    beta = np.empty_like(log_B)
    beta[-1] = 0.0
    first_end = T if lengths is None else lengths.min()
    with np.errstate(divide="ignore"):
        for t in range(T - 2, -1, -1):
            beta[t] = _step_logsumexp(log_B[t + 1] + beta[t + 1], trans_T)
            if t + 1 >= first_end:
                beta[t, t + 1 >= lengths] = 0.0
    return beta


def posterior_from_log_emissions(log_start, log_trans, log_B, lengths=None):
    """State posteriors ``P(z_t = k | x)`` (forward-backward); returns ``(gamma, loglik)``.

    Parameters
    ----------
    log_start, log_trans : array_like of float
        Log initial and transition probabilities, shapes (K,) and (K, K).
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probabilities.
    lengths : array_like of int, shape (B,), optional
        Length of each sequence of a batch.

    Returns
    -------
    gamma : numpy.ndarray of float64
        The shape of ``log_B``; sums to 1 over the states.
    loglik : float or numpy.ndarray of float64
        ``log P(x)`` per sequence.

    Examples
    --------
    >>> import numpy as np
    >>> log_B = np.log([[0.9, 0.1], [0.9, 0.1]])  # both observations favour state 0
    >>> gamma, _ = posterior_from_log_emissions(np.log([0.5, 0.5]), np.log([[0.5, 0.5]] * 2), log_B)
    >>> gamma.round(2)
    array([[0.9, 0.1],
           [0.9, 0.1]])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    alpha, loglik = forward_from_log_emissions(log_start, log_trans, log_B, lengths)
    beta = backward_from_log_emissions(log_trans, log_B, lengths)
    log_gamma = alpha + beta - np.asarray(loglik)[..., None]
    return np.exp(log_gamma), loglik


def viterbi_from_log_emissions(log_start, log_trans, log_B, lengths=None):
    """Most probable state path (Viterbi) in log space; returns ``(path, log_prob)``.

    ``path`` is ``T`` (or ``T x B``) state indices, ``log_prob = log P(x, path)``.

    Parameters
    ----------
    log_start : array_like of float, shape (K,)
        Log probabilities of the first state.
    log_trans : array_like of float, shape (K, K)
        ``log P(z_{t+1} = j | z_t = i)``.
    log_B : numpy.ndarray of float, shape (T, K) or (T, B, K)
        Log emission probabilities (a batch: time first).
    lengths : array_like of int, shape (B,), optional
        Each batch sequence's length (steps past it are not decoded).

    Returns
    -------
    path : numpy.ndarray of int
        The best state at each step.
    log_prob : float or numpy.ndarray of float64
        Its log joint probability with the observations.

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    log_B = np.asarray(log_B, dtype=float)
    log_trans = np.asarray(log_trans, dtype=float)
    lengths = _lengths(log_B, lengths)
    T, K = log_B.shape[0], log_B.shape[-1]
    back = np.empty(log_B.shape, dtype=np.int16 if K < 32_000 else np.int64)
    delta = np.asarray(log_start, dtype=float) + log_B[0]
    back[0] = 0
    first_end = T if lengths is None else lengths.min()
    for t in range(1, T):
        scores = delta[..., :, None] + log_trans  # [..., from, to]
        back[t] = scores.argmax(axis=-2)
        new = scores.max(axis=-2) + log_B[t]
        if t >= first_end:  # sequences that have ended stay where they are
            done = t >= lengths
            new[done] = delta[done]
            back[t, done] = np.arange(K)
        delta = new
    path = np.empty(log_B.shape[:-1], dtype=np.int64)
    path[-1] = delta.argmax(axis=-1)
    for t in range(T - 1, 0, -1):
        path[t - 1] = np.take_along_axis(back[t], path[t][..., None], axis=-1)[..., 0]
    log_prob = delta.max(axis=-1)
    return path, (float(log_prob) if np.ndim(log_prob) == 0 else log_prob)


# ----------------------------------------------------------------------- the model
@dataclass
class ExpectedCounts:
    """What the E-step of Baum-Welch returns: expected counts under the posterior over paths.

    ``start[k]`` = expected number of sequences starting in ``k``; ``trans[i, j]`` = expected
    number of ``i -> j`` transitions; ``emit[k, s]`` = expected number of times ``k`` emits ``s``
    (zeros when not computed); ``log_likelihood`` = ``log P(x)`` under the current model.
    """

    start: np.ndarray
    trans: np.ndarray
    emit: np.ndarray
    log_likelihood: float


class HMM:
    """A hidden Markov model with ``K`` hidden states and ``M`` discrete symbols.

    Parameters
    ----------
    start : (K,) array
        Initial state probabilities ``P(z_1 = k)``.
    trans : (K, K) array
        Transition probabilities ``trans[i, j] = P(z_{t+1} = j | z_t = i)``; rows sum to 1.
    emit : (K, M) array
        Emission probabilities ``emit[k, s] = P(x_t = s | z_t = k)``; rows sum to 1.
    states, symbols : sequence of str, optional
        Names of the states and symbols (for printing and plotting).

    Sequences are integer arrays with values in ``0..M-1`` (``-1`` = missing).  Methods that
    take a sequence also take a list of sequences, which they treat as independent and run
    side by side.  ``posterior`` and ``viterbi`` can cut one long sequence into overlapping
    pieces (``chunk=``) to use that speed-up.

    Examples
    --------
    The occasionally dishonest casino: a fair die and a loaded one that shows six half the time.

    >>> import numpy as np
    >>> casino = HMM(start=[0.5, 0.5], trans=[[0.95, 0.05], [0.1, 0.9]],
    ...              emit=[[1 / 6] * 6, [0.1] * 5 + [0.5]], states=["fair", "loaded"])
    >>> states, rolls = casino.sample(300, seed=1)
    >>> path, log_p = casino.viterbi(rolls)
    >>> bool((path == states).mean() > 0.7)
    True

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """

    def __init__(self, start, trans, emit, states: Sequence[str] | None = None, symbols: Sequence[str] | None = None):
        emit = np.asarray(emit, dtype=float)
        if emit.ndim != 2:
            raise ValueError(f"emit must be a K x M matrix, got shape {emit.shape}")
        K, M = emit.shape
        if K < 1 or M < 1:
            raise ValueError("an HMM needs at least one state and one symbol")
        self.start = _check_stochastic(start, "start", (K,))
        self.trans = _check_stochastic(trans, "trans", (K, K))
        self.emit = _check_stochastic(emit, "emit", (K, M))
        self.states = list(states) if states is not None else [str(k) for k in range(K)]
        self.symbols = list(symbols) if symbols is not None else [str(s) for s in range(M)]
        if len(self.states) != K:
            raise ValueError(f"{len(self.states)} state names for {K} states")
        if len(self.symbols) != M:
            raise ValueError(f"{len(self.symbols)} symbol names for {M} symbols")

    # ---------------------------------------------------------------- basics
    @property
    def n_states(self) -> int:
        """Number of hidden states ``K``."""
        return self.emit.shape[0]

    @property
    def n_symbols(self) -> int:
        """Number of symbols ``M``."""
        return self.emit.shape[1]

    @property
    def log_start(self) -> np.ndarray:
        """``log(start)``, shape ``(K,)`` (``-inf`` where the probability is 0)."""
        return _log(self.start)

    @property
    def log_trans(self) -> np.ndarray:
        """``log(trans)``, shape ``(K, K)``."""
        return _log(self.trans)

    @property
    def log_emit(self) -> np.ndarray:
        """``log(emit)``, shape ``(K, M)``."""
        return _log(self.emit)

    def __repr__(self) -> str:
        return f"HMM({self.n_states} states: {', '.join(self.states[:10])}{', ...' if self.n_states > 10 else ''}; {self.n_symbols} symbols)"

    def stationary(self) -> np.ndarray:
        """Stationary distribution of the state chain (left eigenvector of ``trans`` for eigenvalue 1).

        Returns
        -------
        numpy.ndarray of float64, shape (K,)
            ``pi`` with ``pi @ trans == pi``, summing to 1.
        """
        w, v = np.linalg.eig(self.trans.T)
        pi = np.real(v[:, np.argmin(np.abs(w - 1))])
        return pi / pi.sum()

    # -------------------------------------------------------------- sequences
    def _check_sequence(self, x) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 1:
            raise ValueError(f"a sequence must be one-dimensional, got shape {x.shape}")
        if x.size == 0:
            raise ValueError("empty sequence")
        if not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"symbols must be integers 0..{self.n_symbols - 1} (or -1 for missing), got dtype {x.dtype}")
        if x.min() < MISSING or x.max() >= self.n_symbols:
            raise ValueError(f"symbols must lie in 0..{self.n_symbols - 1} (or -1 for missing); found {x.min()}..{x.max()}")
        return x

    def _batch(self, x):
        """One sequence or a list of them -> (padded B x T array, lengths, single?)."""
        single = isinstance(x, np.ndarray) and x.ndim == 1 or (
            not isinstance(x, np.ndarray) and len(x) > 0 and np.isscalar(x[0]))
        seqs = [self._check_sequence(x)] if single else [self._check_sequence(s) for s in x]
        if not seqs:
            raise ValueError("no sequences given")
        lengths = np.array([len(s) for s in seqs])
        X = np.full((len(seqs), lengths.max()), MISSING, dtype=np.int64)
        for i, s in enumerate(seqs):
            X[i, : len(s)] = s
        return X, lengths, single

    def log_emissions(self, x) -> np.ndarray:
        """``log_B[t, k] = log P(x_t | z_t = k)`` for one sequence (0 where ``x_t`` is missing).

        Parameters
        ----------
        x : array_like of int, shape (T,)
            One sequence of symbols (``-1`` = missing).

        Returns
        -------
        numpy.ndarray of float64, shape (T, K)
            The log emission table of the sequence.
        """
        x = self._check_sequence(x)
        return self._log_B(x[None, :])[:, 0, :]

    def _log_B(self, X: np.ndarray) -> np.ndarray:
        """T x B x K log emissions of a padded batch."""
        lb = self.log_emit.T[np.maximum(X.T, 0)]
        lb[X.T < 0] = 0.0
        return lb

    def _run(self, fn, x, *args):
        X, lengths, single = self._batch(x)
        lb = self._log_B(X)
        if single:
            return fn(*args, lb[:, 0, :]), lengths, single
        return fn(*args, lb, lengths), lengths, single

    @staticmethod
    def _unbatch(arr, lengths, single):
        if single:
            return arr
        return [arr[: n, i] for i, n in enumerate(lengths)]

    # ------------------------------------------------------------- inference
    def forward(self, x):
        """Log forward variables ``log P(x_1..x_t, z_t = k)``, ``T x K`` (a list of them for a list).

        Parameters
        ----------
        x : array_like of int, or list of them
            Sequence(s) of symbols.

        Returns
        -------
        numpy.ndarray of float64, shape (T, K), or list of them
            ``log_alpha``.
        """
        (alpha, _), lengths, single = self._run(forward_from_log_emissions, x, self.log_start, self.log_trans)
        return self._unbatch(alpha, lengths, single)

    def backward(self, x):
        """Log backward variables ``log P(x_{t+1}..x_T | z_t = k)``, ``T x K`` (a list for a list).

        Parameters
        ----------
        x : array_like of int, or list of them
            One sequence, or several run side by side.

        Returns
        -------
        numpy.ndarray of float64, shape (T, K), or list of them
            ``log_beta`` (zeros at the last step).
        """
        beta, lengths, single = self._run(backward_from_log_emissions, x, self.log_trans)
        return self._unbatch(beta, lengths, single)

    def log_likelihood(self, x) -> float:
        """``log P(x)``, summed over the sequences when given a list.

        Parameters
        ----------
        x : array_like of int, shape (T,); or a list of such arrays
            A sequence, or independent sequences.

        Returns
        -------
        float
            The total log-likelihood.
        """
        (_, loglik), _, _ = self._run(forward_from_log_emissions, x, self.log_start, self.log_trans)
        return float(np.sum(loglik))

    def log_joint(self, x, states) -> float:
        """``log P(x, z)`` of a sequence and a given state path.

        Parameters
        ----------
        x : array_like of int, shape (T,)
            The observed symbols.
        states : array_like of int, shape (T,)
            A state path.

        Returns
        -------
        float
            ``log P(x, z)`` (``-inf`` for an impossible path).
        """
        x = self._check_sequence(x)
        z = np.asarray(states)
        if z.shape != x.shape:
            raise ValueError(f"the state path has shape {z.shape}, the sequence {x.shape}")
        lb = self.log_emissions(x)
        return float(self.log_start[z[0]] + self.log_trans[z[:-1], z[1:]].sum() + lb[np.arange(len(x)), z].sum())

    def posterior(self, x, chunk: int | None = None, overlap: int = 5_000):
        """State posteriors ``P(z_t = k | x)``, ``T x K`` (a list of them for a list).

        With ``chunk``, one long sequence is cut into pieces of ``chunk`` symbols, each
        extended by ``overlap`` symbols on both sides, which are run side by side; the
        overlaps are dropped again, so the result is exact up to the (tiny) influence of data
        more than ``overlap`` symbols away.

        Parameters
        ----------
        x : array_like of int, or list of them
            Sequence(s) of symbols.
        chunk : int, optional
            Piece length for one long sequence.
        overlap : int, optional
            Symbols added on each side of a piece.

        Returns
        -------
        numpy.ndarray of float64, shape (T, K), or list of them
            Rows sum to 1.
        """
        if chunk is not None:
            return self._chunked(x, chunk, overlap, lambda xs: self.posterior(xs))
        (gamma, _), lengths, single = self._run(posterior_from_log_emissions, x, self.log_start, self.log_trans)
        return self._unbatch(gamma, lengths, single)

    def viterbi(self, x, chunk: int | None = None, overlap: int = 5_000):
        """Most probable state path and its log joint probability ``log P(x, path)``.

        For a list, returns a list of paths and an array of log probabilities.  With ``chunk``
        (see :meth:`posterior`) the stitched path is not guaranteed optimal at the seams; the
        returned log probability is then that of the stitched path.

        Parameters
        ----------
        x : array_like of int, or list of them
            What is decoded: one sequence, or independent ones.
        chunk : int, optional
            Decode one long sequence in pieces of this many symbols (see :meth:`posterior`).
        overlap : int, optional
            Context, in symbols, on both sides of each piece.

        Returns
        -------
        path : numpy.ndarray of int, or list of them
            State indices.
        log_prob : float or numpy.ndarray of float64
            ``log P(x, path)``.
        """
        if chunk is not None:
            path = self._chunked(x, chunk, overlap, lambda xs: self.viterbi(xs)[0])
            return path, self.log_joint(x, path)
        (path, logp), lengths, single = self._run(viterbi_from_log_emissions, x, self.log_start, self.log_trans)
        return self._unbatch(path, lengths, single), logp

    def _chunked(self, x, chunk, overlap, fn):
        x = self._check_sequence(x)
        if chunk < 1 or overlap < 0:
            raise ValueError("chunk must be positive and overlap non-negative")
        T = len(x)
        starts = np.arange(0, T, chunk)
        pieces = [x[max(s - overlap, 0) : min(s + chunk + overlap, T)] for s in starts]
        results = fn(pieces)
        out = []
        for s, r in zip(starts, results):
            lo = s - max(s - overlap, 0)
            out.append(r[lo : lo + min(chunk, T - s)])
        return np.concatenate(out)

    # --------------------------------------------------------------- sampling
    def sample(self, n: int, seed: int = 0):
        """Generate ``n`` steps: returns ``(states, symbols)``, two integer arrays of length ``n``.

        Parameters
        ----------
        n : int
            Number of steps.
        seed : int, optional
            Seed of ``numpy.random.default_rng``.

        Returns
        -------
        states, symbols : numpy.ndarray of int, shape (n,)
            The hidden path and what it emitted.
        """
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        n = int(n)
        rng = np.random.default_rng(seed)
        cum_trans, cum_emit = np.cumsum(self.trans, 1), np.cumsum(self.emit, 1)
        u = rng.random((n, 2))
        z = np.empty(n, dtype=np.int64)
        z[0] = min(np.searchsorted(np.cumsum(self.start), u[0, 0], side="right"), self.n_states - 1)
        for t in range(1, n):
            z[t] = np.searchsorted(cum_trans[z[t - 1]], u[t, 0], side="right")
        z = np.minimum(z, self.n_states - 1)  # guards against rounding in the cumulative sums
        x = (u[:, 1:2] >= cum_emit[z]).sum(axis=1)
        return z, np.minimum(x, self.n_symbols - 1)

    # --------------------------------------------------------------- learning
    def expected_counts(self, x, emissions: bool = True) -> ExpectedCounts:
        """The E-step of Baum-Welch on one sequence or a list of them (see :class:`ExpectedCounts`).

        Parameters
        ----------
        x : array_like of int, or list of them
            Sequence(s) of symbols.
        emissions : bool, optional
            Also count emissions (skip when they stay fixed).

        Returns
        -------
        ExpectedCounts
            Expected start, transition and emission counts and ``log P(x)``.
        """
        X, lengths, _ = self._batch(x)
        return self._expected_counts(X, lengths, emissions)

    def _expected_counts(self, X, lengths, emissions: bool = True) -> ExpectedCounts:
        lb = self._log_B(X)
        alpha, loglik = forward_from_log_emissions(self.log_start, self.log_trans, lb, lengths)
        beta = backward_from_log_emissions(self.log_trans, lb, lengths)
        T, B, K = alpha.shape
        ll = loglik[None, :, None]
        active = np.arange(T)[:, None] < lengths[None, :]
        # xi_t(i, j) = alpha_t(i) trans(i, j) B_{t+1}(j) beta_{t+1}(j) / P(x), summed over t and
        # sequences as one matrix product (each factor shifted by its maximum to stay in range)
        a, b = alpha[:-1], lb[1:] + beta[1:]
        ma, mb = a.max(-1, keepdims=True), b.max(-1, keepdims=True)
        w = np.exp(ma + mb - ll) * active[1:, :, None]
        xi = (np.exp(a - ma) * w).reshape(-1, K).T @ np.exp(b - mb).reshape(-1, K) * self.trans
        start = np.exp(alpha[0] + beta[0] - ll[0]).sum(axis=0)
        em = np.zeros_like(self.emit)
        if emissions:
            gamma = np.exp(alpha + beta - ll)
            onehot = (X.T[..., None] == np.arange(self.n_symbols)) & active[..., None]  # missing: all False
            em = gamma.reshape(-1, K).T @ onehot.reshape(-1, self.n_symbols).astype(float)
        return ExpectedCounts(start, xi, em, float(loglik.sum()))

    def baum_welch(self, x, n_iter: int = 20, tol: float = 1e-4, progress: bool = True, update: str = "ste",
                   pseudocount: float = 0.0, m_step: Callable[["HMM", ExpectedCounts], "HMM"] | None = None):
        """Fit the parameters to data by expectation-maximisation (Baum-Welch).

        ``x`` is one sequence or a list of independent sequences.  ``update`` names what to
        re-estimate: ``s`` start, ``t`` transitions, ``e`` emissions (zeros stay zero, so the
        structure of a model is kept).  ``pseudocount`` is added to the expected counts of the
        entries that are not structurally zero.  ``m_step(model, counts)``, if given, replaces
        the standard M-step (for models with tied parameters, such as :func:`cpg_m_step`).
        Stops after ``n_iter`` iterations or when an iteration gains less than ``tol`` in
        log-likelihood; a tqdm bar shows progress unless ``progress=False``.

        Returns ``(fitted_hmm, trace)``: ``trace[i]`` is the log-likelihood after ``i``
        iterations (``trace[0]`` that of this model); EM guarantees it never decreases.

        Parameters
        ----------
        x : array_like of int, or list of them
            Training sequence(s).
        n_iter : int, optional
            Most EM iterations.
        tol : float, optional
            Smallest gain in log-likelihood that continues.
        progress : bool, optional
            Show a progress bar.
        update : str, optional
            Letters of what is re-estimated (``"ste"`` = all).
        pseudocount : float, optional
            Added to every count that is not structurally zero.
        m_step : callable, optional
            ``m_step(model, counts) -> HMM`` replacing the standard M-step.

        Returns
        -------
        fitted_hmm : HMM
            A new model; this one is unchanged.
        trace : list of float
            Log-likelihood after each iteration.
        """
        X, lengths, _ = self._batch(x)
        if not set(update) <= set("ste"):
            raise ValueError(f"update may only contain the letters s, t and e, got {update!r}")
        if int(n_iter) != n_iter or n_iter < 0:
            raise ValueError(f"n_iter must be a non-negative integer, got {n_iter!r}")
        if pseudocount < 0:
            raise ValueError("pseudocount must be non-negative")
        if m_step is None:
            def m_step(model, counts):
                return model._m_step(counts, update, pseudocount)
        model, trace = self, []
        bar = tqdm(range(int(n_iter)), desc="Baum-Welch", disable=not progress, unit="iter")
        for _ in bar:
            counts = model._expected_counts(X, lengths, emissions="e" in update)
            trace.append(counts.log_likelihood)
            bar.set_postfix(loglik=f"{counts.log_likelihood:.6g}")
            if len(trace) > 1 and trace[-1] - trace[-2] < tol:
                break
            model = m_step(model, counts)
        else:
            trace.append(model.log_likelihood([X[i, :n] for i, n in enumerate(lengths)]))
        bar.close()
        return model, np.array(trace)

    def _m_step(self, counts: ExpectedCounts, update: str, pseudocount: float) -> "HMM":
        def normalise(c, old):
            c = np.where(old > 0, c + pseudocount, 0.0)
            tot = c.sum(axis=-1, keepdims=True)
            return np.where(tot > 0, c / np.where(tot > 0, tot, 1), old)

        return HMM(
            normalise(counts.start, self.start) if "s" in update else self.start,
            normalise(counts.trans, self.trans) if "t" in update else self.trans,
            normalise(counts.emit, self.emit) if "e" in update else self.emit,
            self.states, self.symbols,
        )


# -------------------------------------------------------------- CpG-island model
CPG_STATES = ["A+", "C+", "G+", "T+", "A-", "C-", "G-", "T-"]


def cpg_island_hmm(x, labels, class_names: Sequence[str] = ("+", "-"), pseudocount: float = 1.0) -> HMM:
    """The CpG-island HMM of Durbin et al. (1998), estimated from an annotation.

    ``x`` is an encoded DNA sequence (:func:`encode_dna`).  ``labels`` is a boolean array of the
    same length, True inside annotated islands, which gives Durbin's eight states ``A+ C+ G+
    T+`` (island) and ``A- C- G- T-`` (background); or an integer array of classes
    ``0..C-1`` (class 0 = island), which gives ``4 C`` states named base + ``class_names[c]``.
    Every state emits its own base.  Within a class the transitions are the dinucleotide
    frequencies counted in that class; the class switches with the per-base rates seen in the
    labels, and a switch keeps the dinucleotide statistics of the class it enters.  A decoded
    path is in an island where ``path < 4``.

    Parameters
    ----------
    x : array_like of int, shape (T,)
        Encoded DNA.
    labels : array_like of bool or of int, shape (T,)
        The annotation.
    class_names : sequence of str, optional
        Suffixes of the state names, one per class.
    pseudocount : float, optional
        Added to every dinucleotide and switch count.

    Returns
    -------
    HMM
        ``4 * n_classes`` states, one per base and class.

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    x = np.asarray(x)
    labels = np.asarray(labels)
    if x.shape != labels.shape or x.ndim != 1:
        raise ValueError(f"x and labels must be 1-D of the same length, got {x.shape} and {labels.shape}")
    labels = np.where(labels, 0, 1) if labels.dtype == bool else labels.astype(np.int64)
    C = len(class_names)
    if labels.min() < 0 or labels.max() >= C:
        raise ValueError(f"labels must be classes 0..{C - 1} (one per name in class_names)")
    ok = (x[:-1] >= 0) & (x[1:] >= 0)
    a, b, la, lb = x[:-1][ok], x[1:][ok], labels[:-1][ok], labels[1:][ok]
    dinuc = np.empty((C, 4, 4))
    for c in range(C):
        same = (la == c) & (lb == c)
        if not same.any():
            raise ValueError(f"class {c} ({class_names[c]!r}) has no labelled bases to estimate it from")
        dinuc[c] = np.bincount(a[same] * 4 + b[same], minlength=16).reshape(4, 4) + pseudocount
    dinuc /= dinuc.sum(axis=2, keepdims=True)
    switch = np.full((C, C), float(pseudocount))
    np.add.at(switch, (la, lb), 1)
    switch /= switch.sum(axis=1, keepdims=True)
    trans = np.block([[switch[c, d] * dinuc[d] for d in range(C)] for c in range(C)])
    start = []
    for c in range(C):
        comp = np.bincount(x[(labels == c) & (x >= 0)], minlength=4) + pseudocount
        start.append(np.mean(labels[x >= 0] == c) * comp / comp.sum())
    start = np.concatenate(start)
    states = [f"{base}{name}" for name in class_names for base in DNA]
    return HMM(start / start.sum(), trans, np.tile(np.eye(4), (C, 1)), states, list(DNA))


def cpg_m_step(model: HMM, counts: ExpectedCounts) -> HMM:
    """Baum-Welch M-step that keeps the structure of :func:`cpg_island_hmm` (pass as ``m_step=``).

    The transitions of that model are tied: ``P(c, i -> d, j) = switch[c, d] x dinuc_d[i, j]``.
    The expected transition counts are summed over bases to re-estimate the class switch rates
    and over source classes to re-estimate each class's dinucleotide table.  The start
    probabilities and the emissions stay fixed (start probabilities learned from a few pieces
    of sequence could forbid states at the start of every decoded piece).

    Parameters
    ----------
    model : HMM
        A model built by :func:`cpg_island_hmm`.
    counts : ExpectedCounts
        The E-step's output.

    Returns
    -------
    HMM
        The model with re-estimated, still tied, transitions.

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    K = model.n_states
    if K % 4 or not np.allclose(model.emit, np.tile(np.eye(4), (K // 4, 1))):
        raise ValueError("cpg_m_step needs a model built by cpg_island_hmm (4 states per class, each emitting its base)")
    C = K // 4
    xi = counts.trans.reshape(C, 4, C, 4)  # [from class, from base, to class, to base]
    switch = xi.sum(axis=(1, 3))
    dinuc = xi.sum(axis=0).transpose(1, 0, 2)  # [to class, from base, to base]
    switch = switch / switch.sum(axis=1, keepdims=True)
    dinuc = dinuc / dinuc.sum(axis=2, keepdims=True)
    trans = np.block([[switch[c, d] * dinuc[d] for d in range(C)] for c in range(C)])
    return HMM(model.start, trans, model.emit, model.states, model.symbols)


# ---------------------------------------------------------------- gene model
GENE_STATE_GROUPS = {
    "intergenic": ["intergenic"],
    "start codon": ["start A", "start T", "start G"],
    "exon": ["codon 1", "codon 2", "codon 3"],
    "splice donor": ["donor G", "donor T"],
    "intron": ["intron"],
    "splice acceptor": ["acceptor A", "acceptor G"],
    "stop codon": ["stop T", "stop TA", "stop TG", "stop TA.", "stop TGA"],
}


def gene_model_hmm(intergenic_length: float = 400, exon_codons: float = 40, intron_length: float = 150,
                   n_exons: float = 3) -> HMM:
    """A toy gene-structure HMM in the spirit of Yoon (2009), for sampling.

    Intergenic DNA, a start codon ATG, exons read as cycles of three codon positions, introns
    entered through a GT donor and left through an AG acceptor, and a stop codon (TAA, TAG or
    TGA).  Signal states emit their base with certainty; intergenic, codon and intron states
    have their own base compositions (exons GC-richer at the third codon position, introns
    AT-rich).  Mean lengths: ``intergenic_length`` bases, ``exon_codons`` codons per exon,
    ``intron_length`` bases, ``n_exons`` exons per gene (geometric, as always in an HMM).

    Parameters
    ----------
    intergenic_length : float, optional
        Mean length of intergenic DNA, in bases.
    exon_codons : float, optional
        Mean codons per exon.
    intron_length : float, optional
        Mean intron length, in bases.
    n_exons : float, optional
        Mean exons per gene.

    Returns
    -------
    HMM
        Emits A, C, G, T (symbols 0-3).

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    for name, v in [("intergenic_length", intergenic_length), ("exon_codons", exon_codons),
                    ("intron_length", intron_length), ("n_exons", n_exons)]:
        if not v > 1:
            raise ValueError(f"{name} must be > 1, got {v!r}")
    states = [s for group in GENE_STATE_GROUPS.values() for s in group]
    K, ix = len(states), {s: i for i, s in enumerate(states)}
    trans = np.zeros((K, K))

    def edge(a, b, p):
        trans[ix[a], ix[b]] += p

    edge("intergenic", "intergenic", 1 - 1 / intergenic_length)
    edge("intergenic", "start A", 1 / intergenic_length)
    for a, b in [("start A", "start T"), ("start T", "start G"), ("start G", "codon 1"), ("codon 1", "codon 2"),
                 ("codon 2", "codon 3"), ("donor G", "donor T"), ("donor T", "intron"), ("acceptor A", "acceptor G"),
                 ("acceptor G", "codon 1"), ("stop TA.", "intergenic"), ("stop TGA", "intergenic")]:
        edge(a, b, 1.0)
    leave = 1 / exon_codons  # after each codon: leave the exon with this probability...
    p_intron = 1 - 1 / n_exons  # ...into an intron, or else end the gene
    edge("codon 3", "codon 1", 1 - leave)
    edge("codon 3", "donor G", leave * p_intron)
    edge("codon 3", "stop T", leave * (1 - p_intron))
    edge("intron", "intron", 1 - 1 / intron_length)
    edge("intron", "acceptor A", 1 / intron_length)
    edge("stop T", "stop TA", 2 / 3)  # TAA, TAG
    edge("stop T", "stop TG", 1 / 3)  # TGA
    edge("stop TA", "stop TA.", 1.0)
    edge("stop TG", "stop TGA", 1.0)
    emit = np.zeros((K, 4))
    base = {b: i for i, b in enumerate(DNA)}
    composition = {  # A, C, G, T
        "intergenic": [0.30, 0.20, 0.20, 0.30], "intron": [0.32, 0.16, 0.18, 0.34],
        "codon 1": [0.26, 0.23, 0.34, 0.17], "codon 2": [0.31, 0.24, 0.18, 0.27], "codon 3": [0.17, 0.32, 0.30, 0.21],
        "stop TA.": [0.6, 0, 0.4, 0],  # TAA or TAG
    }
    fixed = {"start A": "A", "start T": "T", "start G": "G", "donor G": "G", "donor T": "T", "acceptor A": "A",
             "acceptor G": "G", "stop T": "T", "stop TA": "A", "stop TG": "G", "stop TGA": "A"}
    for s, p in composition.items():
        emit[ix[s]] = p
    for s, b in fixed.items():
        emit[ix[s], base[b]] = 1.0
    start = np.zeros(K)
    start[ix["intergenic"]] = 1.0
    return HMM(start, trans, emit, states, list(DNA))


# -------------------------------------------------------------------- intervals
def intervals_to_mask(intervals, length: int, offset: int = 0) -> np.ndarray:
    """Boolean mask of ``length`` positions (``offset`` is the coordinate of position 0) that are
    inside any half-open interval ``[start, end)``.

    Parameters
    ----------
    intervals : array_like of int, shape (n, 2)
        Half-open ``[start, end)`` intervals.
    length : int
        Positions of the mask.
    offset : int, optional
        Coordinate of position 0.

    Returns
    -------
    numpy.ndarray of bool, shape (length,)
        True inside an interval.

    Examples
    --------
    >>> intervals_to_mask([[102, 104]], length=6, offset=100)
    array([False, False,  True,  True, False, False])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    iv = np.asarray(intervals, dtype=np.int64).reshape(-1, 2)
    if np.any(iv[:, 1] < iv[:, 0]):
        raise ValueError("every interval needs start <= end")
    delta = np.zeros(length + 1, dtype=np.int64)
    s = np.clip(iv[:, 0] - offset, 0, length)
    e = np.clip(iv[:, 1] - offset, 0, length)
    np.add.at(delta, s, 1)
    np.add.at(delta, e, -1)
    return np.cumsum(delta[:-1]) > 0


def mask_to_intervals(mask, offset: int = 0, min_length: int = 1) -> np.ndarray:
    """Runs of True in a boolean mask (a decoded path ``path < 4``, say) as an ``n x 2`` array of
    half-open intervals ``[start, end)`` shifted by ``offset``; runs shorter than ``min_length``
    are dropped.

    Parameters
    ----------
    mask : array_like of bool
        The mask read.
    offset : int, optional
        Coordinate of position 0.
    min_length : int, optional
        Shortest run kept.

    Returns
    -------
    numpy.ndarray of int, shape (n, 2)
        ``[start, end)`` of each run.

    Examples
    --------
    >>> mask_to_intervals([False, True, True, False, True], offset=100)
    array([[101, 103],
           [104, 105]])

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    m = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(m[1:] != m[:-1])
    iv = edges.reshape(-1, 2)
    iv = iv[iv[:, 1] - iv[:, 0] >= min_length]
    return iv + offset


def interval_precision_recall(predicted, truth, start: int, end: int) -> dict:
    """Base-level comparison of predicted with true intervals on the region ``[start, end)``.

    Returns a dict with ``precision`` (fraction of predicted bases that are true), ``recall``
    (fraction of true bases that are predicted), ``f1``, the base counts ``predicted_bp``,
    ``true_bp``, ``overlap_bp``, and the interval counts ``n_predicted``, ``n_true`` and
    ``n_true_hit`` (true intervals overlapped by at least one predicted base).

    Parameters
    ----------
    predicted, truth : array_like of int, shape (n, 2)
        Half-open intervals.
    start, end : int
        The region compared.

    Returns
    -------
    dict
        The keys above.

    Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).
    """
    if end <= start:
        raise ValueError("need start < end")
    p = intervals_to_mask(predicted, end - start, start)
    t = intervals_to_mask(truth, end - start, start)
    tp, npred, ntrue = int((p & t).sum()), int(p.sum()), int(t.sum())
    precision = tp / npred if npred else float("nan")
    recall = tp / ntrue if ntrue else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if npred and ntrue and tp else 0.0
    true_iv = np.asarray(truth, dtype=np.int64).reshape(-1, 2)
    true_iv = true_iv[(true_iv[:, 1] > start) & (true_iv[:, 0] < end)]
    hit = sum(bool(p[max(a - start, 0) : min(b - start, end - start)].any()) for a, b in true_iv)
    return {"precision": precision, "recall": recall, "f1": f1, "predicted_bp": npred, "true_bp": ntrue,
            "overlap_bp": tp, "n_predicted": len(mask_to_intervals(p)), "n_true": len(true_iv), "n_true_hit": hit}
