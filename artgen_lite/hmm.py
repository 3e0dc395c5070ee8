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

This module holds the :class:`HMM` itself and re-exports, so that ``from artgen_lite.hmm import ...``
reaches everything: the recursions (:mod:`artgen_lite.hmm_recursions`), the CpG-island HMM of
Durbin et al. (1998) and a toy gene-structure HMM in the spirit of Yoon (2009)
(:mod:`artgen_lite.hmm_dna_models`), and base-level comparison of decoded intervals with an
annotation (:mod:`artgen_lite.hmm_intervals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from tqdm import tqdm

from .dna.alphabet import BASES, N_CODE, encode
from .hmm_intervals import interval_precision_recall, intervals_to_mask, mask_to_intervals
from .hmm_recursions import (
    _check_stochastic,
    _log,
    backward_from_log_emissions,
    forward_from_log_emissions,
    posterior_from_log_emissions,
    viterbi_from_log_emissions,
)

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
        the standard M-step (for models with tied parameters, such as
        :func:`~artgen_lite.hmm_dna_models.cpg_m_step`).
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


# ---------------------------------------------------------- the two DNA models
# cpg_island_hmm, cpg_m_step, CPG_STATES, gene_model_hmm and GENE_STATE_GROUPS live in
# hmm_dna_models, which builds on HMM above; loaded on first use so that either module may be
# imported first.
_DNA_MODEL_NAMES = ("cpg_island_hmm", "cpg_m_step", "CPG_STATES", "gene_model_hmm", "GENE_STATE_GROUPS")


def __getattr__(name):
    if name in _DNA_MODEL_NAMES:
        from . import hmm_dna_models

        return getattr(hmm_dna_models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
