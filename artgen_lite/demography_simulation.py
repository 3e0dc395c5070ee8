"""The generator side of the pg-gan-style demographic inference: parameters, models, simulated and real regions.

Explained in the chapter "Evolutionary parameters with a GAN-like search"
(notebooks/11_evolutionary_inference).

:class:`RegionSimulator` draws genomic regions with the coalescent simulator msprime for given
demographic parameters (:class:`Parameter`, the models in :data:`MODELS`); :func:`encode_region`
turns each region into the fixed-shape array the discriminator reads, and :func:`real_regions`
cuts real haplotypes into regions of the same shape. The search that uses them lives in
:mod:`artgen_lite.demography_inference`, which re-exports every name of this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .validation import check_haplotypes

__all__ = [
    "Parameter",
    "MODELS",
    "RegionSimulator",
    "encode_region",
    "real_regions",
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

    Examples
    --------
    >>> X = np.array([[0, 1, 1, 0, 1], [1, 0, 1, 1, 0], [0, 0, 1, 1, 1], [1, 1, 0, 0, 0]])
    >>> regions = real_regions(X, [100, 200, 300, 400, 500], 2, n_haplotypes=3, n_snps=2, length=200)
    >>> regions.shape, regions.dtype
    ((2, 3, 2, 2), dtype('float32'))
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
