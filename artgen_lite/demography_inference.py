"""GAN-like inference of demographic parameters, after pg-gan (Wang et al. 2021).

Explained in the chapter "Evolutionary parameters with a GAN-like search"
(notebooks/11_evolutionary_inference).

The *generator* is not a neural network but a coalescent simulator (msprime): given demographic
parameters ``theta`` it draws genomic regions, each turned into a fixed-shape array of
``n_haplotypes x n_snps x 2`` (channel 0: the alleles, minor = +1 and major = -1, padding = 0;
channel 1: the distance from each SNP to the previous one, in units of ``length / n_snps``).
The *discriminator* is a small convolutional network that looks at one region at a time and is
invariant to the order of the haplotypes (convolutions along the SNPs of each haplotype, then a
sum over haplotypes). The search changes ``theta`` by simulated annealing, keeping proposals whose
simulated regions the discriminator takes for real ones, and trains the discriminator a little
more in every iteration. At the truth the discriminator can do no better than chance (50 %).

Layout and search follow the authors' code (``mathiesonlab/pg-gan``: ``util.process_gt_dist``,
``discriminators.OnePopModel``, ``pg_gan.simulated_annealing``), scaled down for a laptop; the
differences are listed in :class:`PGGANSearch`.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

# the discriminator and its training live in their own module; re-exported here (public API)
from .demography_discriminator import HaplotypeDiscriminator, _Trainer, accuracy_scan, discriminator_accuracy

from .validation import check_haplotypes
from .atomic import atomic_write

__all__ = [
    "Parameter",
    "MODELS",
    "RegionSimulator",
    "encode_region",
    "real_regions",
    "HaplotypeDiscriminator",
    "discriminator_accuracy",
    "accuracy_scan",
    "PGGANSearch",
    "InferenceResult",
    "relative_errors",
]


# --------------------------------------------------------------------------------------------
# Parameters and models
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One demographic parameter with its search bounds (explained in chapter 11_evolutionary_inference).

    ``low``/``high`` bound both the search and the simulator: a value outside them is refused with
    an error naming the parameter. Proposals are drawn on a log scale (sizes and times span orders
    of magnitude), with a width of 1/15 of the log range at temperature 1, as pg-gan's heuristic
    ``(max - min) / 15`` on the linear scale.
    """

    name: str
    low: float
    high: float
    default: float
    description: str = ""

    def __post_init__(self):
        if not 0 < self.low < self.high:
            raise ValueError(f"parameter {self.name}: bounds must satisfy 0 < low < high, got {self.low}, {self.high}")
        if not self.low <= self.default <= self.high:
            raise ValueError(f"parameter {self.name}: default {self.default} is outside [{self.low}, {self.high}]")

    def check(self, value) -> float:
        """``value`` as a float, or a ValueError naming the parameter when it is outside the bounds.

        Parameters
        ----------
        value : object
            A proposed value.

        Returns
        -------
        float
            ``value`` inside ``[low, high]``.
        """
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"parameter {self.name} must be a number, got {value!r}") from None
        if not math.isfinite(v) or not self.low <= v <= self.high:
            raise ValueError(f"parameter {self.name} = {value!r} is outside its bounds [{self.low:g}, {self.high:g}]")
        return v

    def random(self, rng: np.random.Generator) -> float:
        """A log-uniform draw inside the bounds (pg-gan draws starting points uniformly).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the draw.

        Returns
        -------
        float
            A value in ``[low, high]``.
        """
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def propose(self, current: float, temperature: float, rng: np.random.Generator, width: float = 1 / 15) -> float:
        """A new value near ``current``: log-normal step of sd ``temperature * width * log(high/low)``.

        ``width = 1/15`` is pg-gan's heuristic (made for 300 iterations); shorter searches need wider steps.

        Draws falling outside the bounds are redrawn (pg-gan redraws values that hit a bound, since
        a parameter stuck at a bound rarely leaves it).

        Parameters
        ----------
        current : float
            The value moved from.
        temperature : float
            Scales the step; 1 at the start of the search.
        rng : numpy.random.Generator
            Source of the step.
        width : float, optional
            Step sd at temperature 1, as a share of the log range.

        Returns
        -------
        float
            The proposal, inside the bounds.
        """
        if temperature <= 0:
            return float(current)
        width = temperature * width * math.log(self.high / self.low)
        for _ in range(100):
            v = math.exp(math.log(current) + width * rng.standard_normal())
            if self.low < v < self.high:
                return float(v)
        return float(min(max(v, self.low), self.high))


# Population sizes are diploid individuals, times are generations before the present.
MODELS: dict[str, tuple[Parameter, ...]] = {
    "constant": (Parameter("N", 1_000, 50_000, 10_000, "population size"),),
    "size_change": (
        Parameter("N_anc", 1_000, 50_000, 10_000, "ancestral population size, before the change"),
        Parameter("N_recent", 1_000, 50_000, 5_000, "population size from the change to the present"),
        Parameter("T", 100, 20_000, 2_000, "time of the size change (generations ago)"),
    ),
}


# --------------------------------------------------------------------------------------------
# Regions: the fixed-shape arrays the discriminator reads
# --------------------------------------------------------------------------------------------


def encode_region(
    X: np.ndarray, positions: np.ndarray, n_snps: int, length: float, start: int | None = None
) -> np.ndarray:
    """Encode one region as an ``(n_haplotypes, n_snps, 2)`` float32 array, as pg-gan does.

    Parameters
    ----------
    X : numpy.ndarray, shape (n_haplotypes, n_sites)
        Haplotypes (0/1) of one region.
    positions : numpy.ndarray, shape (n_sites,)
        Positions in bp, increasing.
    n_snps : int
        SNPs kept.
    length : float
        Region length in bp (scales the gaps).
    start : int, optional
        First SNP kept; default the central ones.

    Returns
    -------
    numpy.ndarray of float32, shape (n_haplotypes, n_snps, 2)
        Alleles (+1 minor, -1 major) and scaled gaps.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    >>> enc = encode_region(X, positions=np.array([100, 150, 300]), n_snps=2, length=400)
    >>> enc[:, :, 0].tolist()  # the fixed middle site is dropped; minor allele = +1
    [[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]]
    >>> enc[0, :, 1].tolist()  # gaps in units of length / n_snps = 200 bp
    [0.0, 1.0]

    Explained in chapter 11_evolutionary_inference.

    ``X`` is a 0/1 matrix (haplotypes x sites) and ``positions`` the site positions (bp). Sites that
    do not segregate among the rows of ``X`` are dropped. Then ``n_snps`` consecutive SNPs are taken:
    from ``start`` if given, otherwise the central ones. Channel 0 holds +1 for the minor allele and
    -1 for the major allele of each SNP in this sample; channel 1 holds the distance from each SNP
    to the previous SNP of the region (0 for the region's first SNP), divided by ``length / n_snps``,
    so a typical gap is about 1 (pg-gan divides by ``length``; inputs near 1 train faster). With
    fewer SNPs than ``n_snps``, the SNPs are centred and the rest is zero in both channels.
    Explained in chapter 11_evolutionary_inference.
    """
    X = check_haplotypes(X, "X", min_snps=0)
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim != 1 or X.shape[1] != len(positions):
        raise ValueError(
            f"X must be haplotypes x sites with one position per site; got X {X.shape}, positions {positions.shape}"
        )
    n = X.shape[0]
    counts = X.sum(0)
    seg = (counts > 0) & (counts < n)
    X, positions, counts = X[:, seg], positions[seg], counts[seg]
    m = X.shape[1]
    # gaps in units of the mean gap of n_snps SNPs spread over ``length`` (pg-gan divides by length only)
    gaps = np.diff(positions, prepend=positions[:1]) * (n_snps / float(length)) if m else positions
    out = np.zeros((n, n_snps, 2), dtype=np.float32)
    if m >= n_snps:
        lo = (m // 2 - n_snps // 2) if start is None else int(start)
        if not 0 <= lo <= m - n_snps:
            raise ValueError(f"start must be between 0 and {m - n_snps}, got {start}")
        cols = slice(lo, lo + n_snps)
        dest = slice(0, n_snps)
    else:  # centre-pad
        off = n_snps // 2 - m // 2
        cols, dest = slice(0, m), slice(off, off + m)
    sub = X[:, cols].astype(np.float32)
    minor_is_one = counts[cols] <= n / 2
    out[:, dest, 0] = np.where(minor_is_one, 2 * sub - 1, 1 - 2 * sub)
    out[:, dest, 1] = gaps[cols]
    return out


class RegionSimulator:
    """The generator of the GAN-like search: demographic parameters -> encoded regions (msprime).

    Parameters
    ----------
    model : str, optional
        ``"constant"`` or ``"size_change"``.
    n_haplotypes, n_snps : int, optional
        Shape of each encoded region.
    length : float, optional
        Simulated bp per region.
    mutation_rate, recombination_rate : float, optional
        Per bp and generation.
    fixed : mapping of str to float, optional
        Parameters held at known values.

    Explained in chapter 11_evolutionary_inference. ``model`` is a key of :data:`MODELS`
    (``"constant"``: one size ``N``; ``"size_change"``: ``N_anc`` until ``T`` generations ago, then
    ``N_recent``). Each region is an independent msprime simulation (Kelleher et al. 2016) of
    ``n_haplotypes`` haplotypes (``n_haplotypes / 2`` diploid individuals) over ``length`` bp with
    uniform mutation and recombination rates, mutations under a binary (0/1) model; the central
    ``n_snps`` SNPs are encoded with :func:`encode_region`. ``fixed`` sets values of parameters that
    are not inferred. Every output has the same shape and dtype, whatever the parameters.
    """

    def __init__(
        self,
        *,
        model: str = "size_change",
        n_haplotypes: int = 64,
        n_snps: int = 36,
        length: float = 50_000,
        mutation_rate: float = 1.25e-8,
        recombination_rate: float = 1.25e-8,
        fixed: Mapping[str, float] | None = None,
    ):
        if model not in MODELS:
            raise ValueError(f"model must be one of {sorted(MODELS)}, got {model!r}")
        for name, v in (("n_haplotypes", n_haplotypes), ("n_snps", n_snps)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 2:
                raise ValueError(f"{name} must be an integer >= 2, got {v!r}")
        if n_haplotypes % 2:
            raise ValueError(f"n_haplotypes must be even (two haplotypes per diploid individual), got {n_haplotypes}")
        rates = (("length", length), ("mutation_rate", mutation_rate), ("recombination_rate", recombination_rate))
        for name, v in rates:
            if not (isinstance(v, (int, float)) and v > 0):
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        self.model = model
        self.parameters = MODELS[model]
        self.n_haplotypes = int(n_haplotypes)
        self.n_snps = int(n_snps)
        self.length = float(length)
        self.mutation_rate = float(mutation_rate)
        self.recombination_rate = float(recombination_rate)
        self.fixed = self.check(fixed or {}, partial=True)

    # ---------------------------------------------------------------- parameters
    @property
    def names(self) -> list[str]:
        """Names of the model's parameters, in order."""
        return [p.name for p in self.parameters]

    def parameter(self, name: str) -> Parameter:
        """The :class:`Parameter` called ``name``."""
        for p in self.parameters:
            if p.name == name:
                return p
        raise ValueError(f"unknown parameter {name!r} for model {self.model!r}; known: {self.names}")

    def check(self, theta: Mapping[str, float] | Sequence[float], partial: bool = False) -> dict[str, float]:
        """Check parameter values (a dict, or a sequence in the order of :attr:`names`) against the bounds.

        Returns a dict of floats; a value outside its bounds, or an unknown name, raises a
        ValueError that names the parameter. With ``partial=False`` missing values are filled from
        ``fixed`` and then from the defaults.

        Parameters
        ----------
        theta : mapping of str to float, or sequence of float
            Parameter values.
        partial : bool, optional
            Return only the values given.

        Returns
        -------
        dict of str to float
            Checked values by name.
        """
        if not isinstance(theta, Mapping):
            theta = list(theta)
            if len(theta) != len(self.parameters):
                raise ValueError(f"theta must have {len(self.parameters)} values ({self.names}), got {len(theta)}")
            theta = dict(zip(self.names, theta))
        out = {}
        for name, value in theta.items():
            out[name] = self.parameter(name).check(value)
        if partial:
            return out
        full = {p.name: p.default for p in self.parameters}
        full.update(getattr(self, "fixed", {}))
        full.update(out)
        return full

    def demography(self, theta):
        """The ``msprime.Demography`` for parameter values ``theta``."""
        import msprime

        t = self.check(theta)
        d = msprime.Demography()
        if self.model == "constant":
            d.add_population(name="pop", initial_size=t["N"])
        else:
            d.add_population(name="pop", initial_size=t["N_recent"])
            d.add_population_parameters_change(time=t["T"], initial_size=t["N_anc"], population="pop")
        return d

    # ---------------------------------------------------------------- simulation
    def simulate_raw(self, theta, n_regions: int, seed: int):
        """Yield ``(X, positions)`` for ``n_regions`` simulated regions (X: haplotypes x sites, 0/1).

        Parameters
        ----------
        theta : mapping of str to float, or sequence of float
            Parameter values.
        n_regions : int
            Regions simulated.
        seed : int
            Seed of the ancestry replicates and of each region's mutations (drawn from it).

        Yields
        ------
        X : numpy.ndarray of uint8, shape (n_haplotypes, n_sites)
            Alleles.
        positions : numpy.ndarray, shape (n_sites,)
            Site positions.
        """
        import msprime

        if isinstance(n_regions, bool) or not isinstance(n_regions, (int, np.integer)) or n_regions < 1:
            raise ValueError(f"n_regions must be a positive integer, got {n_regions!r}")
        rng = np.random.default_rng(seed)
        demography = self.demography(theta)
        anc_seed, *mut_seeds = (int(s) for s in rng.integers(1, 2**31 - 1, size=n_regions + 1))
        replicates = msprime.sim_ancestry(
            samples=self.n_haplotypes // 2,
            ploidy=2,
            demography=demography,
            sequence_length=self.length,
            recombination_rate=self.recombination_rate,
            random_seed=anc_seed,
            num_replicates=int(n_regions),
        )
        binary = msprime.BinaryMutationModel()
        for ts, s in zip(replicates, mut_seeds):
            mts = msprime.sim_mutations(ts, rate=self.mutation_rate, random_seed=s, model=binary)
            yield mts.genotype_matrix().T, mts.tables.sites.position

    def simulate(self, theta, n_regions: int, seed: int = 0) -> np.ndarray:
        """``n_regions`` encoded regions, a float32 array ``(n_regions, n_haplotypes, n_snps, 2)``.

        Reproducible: the same ``theta`` and ``seed`` give the same array.

        Parameters
        ----------
        theta : mapping of str to float, or sequence of float
            Where to simulate (see :meth:`check`).
        n_regions : int
            How many regions.
        seed : int, optional
            Seed of the simulations.

        Returns
        -------
        numpy.ndarray of float32, shape (n_regions, n_haplotypes, n_snps, 2)
            The regions, encoded by :func:`encode_region`.
        """
        out = np.empty((int(n_regions), self.n_haplotypes, self.n_snps, 2), dtype=np.float32)
        for i, (X, pos) in enumerate(self.simulate_raw(theta, n_regions, seed)):
            out[i] = encode_region(X, pos, self.n_snps, self.length)
        return out

    def settings(self) -> dict:
        """The constructor settings, for saving and for printing."""
        return dict(
            model=self.model, n_haplotypes=self.n_haplotypes, n_snps=self.n_snps, length=self.length,
            mutation_rate=self.mutation_rate, recombination_rate=self.recombination_rate, fixed=dict(self.fixed),
        )

    def __repr__(self) -> str:
        s = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"RegionSimulator({s})"


def real_regions(
    X,
    positions,
    n_regions: int,
    *,
    n_haplotypes: int = 64,
    n_snps: int = 36,
    length: float = 50_000,
    seed: int = 0,
) -> np.ndarray:
    """Cut real haplotypes into ``n_regions`` encoded regions shaped like :class:`RegionSimulator`'s.

    Parameters
    ----------
    X : array_like of uint8, shape (n, n_sites)
        Real haplotypes of one population.
    positions : array_like, shape (n_sites,)
        Their positions in bp.
    n_regions : int
        Regions cut.
    n_haplotypes, n_snps : int, optional
        Shape of each region, as the simulator's.
    length : float, optional
        The simulator's region length (scales the gaps).
    seed : int, optional
        Seed of the draws.

    Returns
    -------
    numpy.ndarray of float32, shape (n_regions, n_haplotypes, n_snps, 2)
        Encoded real regions.

    For each region, ``n_haplotypes`` rows of ``X`` (haplotypes x SNPs, 0/1, one population) are
    drawn without replacement, the SNPs that segregate among them are kept, and ``n_snps``
    consecutive ones starting at a random SNP are encoded with :func:`encode_region`. pg-gan
    draws real regions in the same way from whole chromosomes; from one short slice the regions
    overlap, so they are far from independent.
    Explained in chapter 11_evolutionary_inference.
    """
    X = check_haplotypes(X, "X")
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim != 1 or X.shape[1] != len(positions):
        raise ValueError(
            f"X must be haplotypes x SNPs with one position per SNP; got X {X.shape}, positions {positions.shape}"
        )
    if X.shape[0] < n_haplotypes:
        raise ValueError(f"n_haplotypes = {n_haplotypes} is more than the {X.shape[0]} haplotypes in X")
    if np.any(np.diff(positions) < 0):
        raise ValueError("positions must be sorted")
    rng = np.random.default_rng(seed)
    out = np.empty((int(n_regions), n_haplotypes, n_snps, 2), dtype=np.float32)
    for i in range(int(n_regions)):
        rows = np.sort(rng.choice(X.shape[0], n_haplotypes, replace=False))
        sub = X[rows]
        c = sub.sum(0)
        seg = np.flatnonzero((c > 0) & (c < n_haplotypes))
        if len(seg) < n_snps:
            raise ValueError(
                f"only {len(seg)} SNPs segregate in a sample of {n_haplotypes} haplotypes; "
                f"n_snps = {n_snps} is too many"
            )
        start = int(rng.integers(0, len(seg) - n_snps + 1))
        out[i] = encode_region(sub[:, seg], positions[seg], n_snps, length, start=start)
    return out


# --------------------------------------------------------------------------------------------
# The search and its result
# --------------------------------------------------------------------------------------------


def relative_errors(estimates: Mapping[str, float], truth: Mapping[str, float]) -> dict[str, float]:
    """``|estimate - truth| / truth`` for each parameter present in both (chapter 11_evolutionary_inference).

    Parameters
    ----------
    estimates, truth : mapping of str to float
        Estimated and true parameter values.

    Returns
    -------
    dict of str to float
        One relative error per shared name.

    Examples
    --------
    >>> relative_errors({"N": 12_000, "T": 500}, {"N": 10_000})
    {'N': 0.2}
    """
    return {k: abs(float(estimates[k]) - float(truth[k])) / abs(float(truth[k])) for k in estimates if k in truth}


@dataclass
class InferenceResult:
    """What a :class:`PGGANSearch` run returns (explained in chapter 11_evolutionary_inference).

    ``estimates``: the inferred parameters (the state at the last iteration, as in pg-gan);
    ``start``: where the search started; ``fixed``: parameters held at known values;
    ``history``: one dict per iteration (``iteration``, ``temperature``, parameter values,
    ``loss`` = generator loss of the current parameters, ``accepted``, and the discriminator's
    ``real_accuracy``, ``fake_accuracy`` and their mean ``accuracy``, measured on new batches);
    ``settings``; ``seconds``; ``n_simulated`` (regions simulated in all); ``discriminator``
    (the trained network, not saved by :meth:`save`).
    """

    estimates: dict
    start: dict
    fixed: dict
    history: list
    settings: dict
    seconds: float
    n_simulated: int
    discriminator: Any = field(default=None, repr=False)

    def history_frame(self) -> pd.DataFrame:
        """The history as a DataFrame, one row per iteration (row 0: the start, after pretraining)."""
        return pd.DataFrame(self.history)

    def relative_errors(self, truth: Mapping[str, float]) -> dict[str, float]:
        """Relative error of each estimate against ``truth``.

        Parameters
        ----------
        truth : mapping of str to float
            True values, e.g. of a simulated target.

        Returns
        -------
        dict of str to float
            ``|estimate - truth| / truth`` by parameter.
        """
        return relative_errors(self.estimates, truth)

    def save(self, path) -> Path:
        """Write the result (without the discriminator) as JSON, atomically.

        Parameters
        ----------
        path : str or os.PathLike
            A ``.json`` file.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = ("estimates", "start", "fixed", "history", "settings", "seconds", "n_simulated")
        payload = {k: getattr(self, k) for k in keys}
        with atomic_write(path) as fh:
            json.dump(payload, fh, indent=1, default=float)
        return path

    @classmethod
    def load(cls, path) -> "InferenceResult":
        """Read a result written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            A file written by :meth:`save`.

        Returns
        -------
        InferenceResult
            The result, without a discriminator.
        """
        with open(path) as fh:
            return cls(**json.load(fh))


class PGGANSearch:
    """Simulated-annealing search over demographic parameters against a discriminator (pg-gan).

    Explained in chapter 11_evolutionary_inference. ``PGGANSearch(simulator, **settings).fit(real)``
    returns an :class:`InferenceResult`. ``real`` is an array of encoded real regions (from
    :func:`real_regions`, or simulated targets from :meth:`RegionSimulator.simulate`). The defaults
    are the book's course scale.

    The loop, as in pg-gan's ``simulated_annealing``:

    1. *Pretraining*: for up to ``pretrain_starts`` random starting points (log-uniform within
       the bounds; or only the given ``start``), train the discriminator ``pretrain_steps``
       minibatches on real regions against simulations at that point, stopping early once it
       reaches 90 % accuracy; begin where it reached the highest accuracy (pg-gan: up to 10
       points, 800 minibatches each).
    2. For ``n_iterations`` iterations, with temperature ``T = 1 - i / n_iterations``: for each
       inferred parameter, ``proposals`` new values of that parameter alone (log-normal steps of
       sd ``T * step * log(high / low)``); each is scored by the *generator loss*, the
       cross-entropy of ``eval_size`` regions simulated there when labelled "real" (low = the
       discriminator takes them for real). The best proposal is accepted if its loss is no
       higher than the current one, otherwise with probability ``T * loss_current / loss_best``.
    3. The discriminator then trains ``train_steps`` more minibatches (``batch_size`` real +
       ``batch_size`` simulated regions) at the current parameters.

    Differences from pg-gan, for short runs (each can be switched back):

    * ``train_always=True``: the discriminator trains in every iteration; pg-gan trains it only
      after an accepted move (100 minibatches), which leaves a weak discriminator stuck when few
      minibatches are affordable.
    * ``refresh_loss=True``: the current parameters' loss is measured again after training, on
      new simulations, so proposals and the current point are scored by the same discriminator;
      pg-gan keeps the loss from before retraining.
    * ``step``: pg-gan's width is 1/15 of the range, made for 300 iterations; shorter searches
      need wider steps. Steps are on the log scale. No entropy term is added to the loss.

    Each iteration records the discriminator's accuracy on ``eval_size`` real regions and on the
    ``eval_size`` new simulations at the current parameters (``history``).
    """

    def __init__(
        self,
        simulator: RegionSimulator,
        *,
        infer: Sequence[str] | None = None,
        n_iterations: int = 12,
        proposals: int = 3,
        step: float = 0.3,
        batch_size: int = 32,
        eval_size: int = 24,
        train_steps: int = 10,
        pretrain_starts: int = 3,
        pretrain_steps: int = 20,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 128,
        dropout: float = 0.5,
        lr: float = 1e-3,
        train_always: bool = True,
        refresh_loss: bool = True,
        seed: int = 0,
    ):
        self.simulator = simulator
        infer = list(simulator.names if infer is None else infer)
        if not infer:
            raise ValueError("infer must name at least one parameter")
        for name in infer:
            simulator.parameter(name)
        if len(set(infer)) != len(infer):
            raise ValueError(f"infer names a parameter twice: {infer}")
        for name, v in dict(n_iterations=n_iterations, proposals=proposals, batch_size=batch_size, eval_size=eval_size,
                            pretrain_starts=pretrain_starts, pretrain_steps=pretrain_steps).items():
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if isinstance(train_steps, bool) or not isinstance(train_steps, (int, np.integer)) or train_steps < 0:
            raise ValueError(f"train_steps must be a non-negative integer, got {train_steps!r}")
        if not (isinstance(step, (int, float)) and 0 < step <= 1):
            raise ValueError(f"step must be in (0, 1], got {step!r}")
        self.infer = infer
        self.settings = dict(infer=infer, n_iterations=int(n_iterations), proposals=int(proposals), step=float(step),
                             batch_size=int(batch_size), eval_size=int(eval_size), train_steps=int(train_steps),
                             pretrain_starts=int(pretrain_starts), pretrain_steps=int(pretrain_steps),
                             channels=list(channels), hidden=int(hidden), dropout=float(dropout), lr=float(lr),
                             train_always=bool(train_always), refresh_loss=bool(refresh_loss), seed=int(seed),
                             simulator=simulator.settings())

    def fit(self, real: np.ndarray, *, start: Mapping[str, float] | None = None, progress: bool = True,
            desc: str = "pg-gan search") -> InferenceResult:
        """Run the search on encoded real regions ``real``; ``start`` skips the random starting points.

        Parameters
        ----------
        real : numpy.ndarray, shape (n_regions, n_haplotypes, n_snps, 2)
            Encoded real regions.
        start : mapping of str to float, optional
            Starting parameters.
        progress : bool, optional
            Show a tqdm bar over the iterations.
        desc : str, optional
            Its label.

        Returns
        -------
        InferenceResult
            Estimates, history and the trained discriminator.
        """
        from tqdm import tqdm

        s = self.settings
        sim = self.simulator
        t0 = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s["seed"])  # dropout masks
            tr = _Trainer(real, sim, batch_size=s["batch_size"], channels=s["channels"], hidden=s["hidden"],
                          dropout=s["dropout"], lr=s["lr"], seed=s["seed"])
            params = [sim.parameter(n) for n in self.infer]
            fixed = {k: v for k, v in sim.check({}).items() if k not in self.infer}  # defaults and sim.fixed

            # 1. pretraining on one or several starting points
            if start is not None:
                start_full = sim.check(start)
                candidates = [{p.name: start_full[p.name] for p in params}]
            else:
                candidates = [{p.name: p.random(tr.rng) for p in params} for _ in range(s["pretrain_starts"])]
            best, best_acc = candidates[0], -1.0
            for cand in candidates:
                ra, fa = tr.train({**fixed, **cand}, s["pretrain_steps"])
                if (ra + fa) / 2 > best_acc:
                    best, best_acc = cand, (ra + fa) / 2
                if best_acc >= 0.9:  # pg-gan stops trying new starting points here
                    break
            current = dict(best)
            start_point = dict(best)
            loss_cur, fake_acc = tr.generator_loss({**fixed, **current}, s["eval_size"])
            real_acc = tr.real_accuracy(k=s["eval_size"])
            history = [dict(iteration=0, temperature=1.0, **current, loss=loss_cur, accepted=False,
                            real_accuracy=real_acc, fake_accuracy=fake_acc, accuracy=(real_acc + fake_acc) / 2)]

            # 2-3. annealing
            n_it = s["n_iterations"]
            bar = tqdm(range(n_it), desc=desc, disable=not progress)
            for i in bar:
                T = 1 - i / n_it
                best_prop, loss_best = None, float("inf")
                for p in params:
                    for _ in range(s["proposals"]):
                        prop = dict(current)
                        prop[p.name] = p.propose(current[p.name], T, tr.rng, s["step"])
                        loss, _ = tr.generator_loss({**fixed, **prop}, s["eval_size"])
                        if loss < loss_best:
                            best_prop, loss_best = prop, loss
                p_accept = 1.0 if loss_best <= loss_cur else T * loss_cur / loss_best
                accepted = bool(tr.rng.random() < p_accept)
                if accepted:
                    current, loss_cur = best_prop, loss_best
                if accepted or s["train_always"]:
                    tr.train({**fixed, **current}, s["train_steps"])
                if s["refresh_loss"]:
                    loss_cur, fake_acc = tr.generator_loss({**fixed, **current}, s["eval_size"])
                else:
                    _, fake_acc = tr.generator_loss({**fixed, **current}, s["eval_size"])
                real_acc = tr.real_accuracy(k=s["eval_size"])
                acc = (real_acc + fake_acc) / 2
                history.append(dict(iteration=i + 1, temperature=T, **current, loss=loss_cur, accepted=accepted,
                                    real_accuracy=real_acc, fake_accuracy=fake_acc, accuracy=acc))
                bar.set_postfix(acc=f"{acc:.2f}", **{k: f"{v:.3g}" for k, v in current.items()})
        return InferenceResult(estimates=dict(current), start=start_point, fixed=fixed, history=history,
                               settings=dict(s), seconds=time.perf_counter() - t0, n_simulated=tr.n_simulated,
                               discriminator=tr.D)
