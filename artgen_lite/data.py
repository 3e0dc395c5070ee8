"""Haplotype data: one type, readers, writers, registry loading, splits and the simulated fallback.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).

Every matrix in the book is a :class:`Haplotypes`: ``X`` is a uint8 0/1 array with one row per
haplotype and one column per SNP (1 = the ALT allele of the legend, 0 = REF), and the other
fields describe the rows (sample ids, populations) and the columns (chromosome, position, alleles).

The text-file layer (:class:`~artgen_lite.data_files.DataError`, plain/gzip/zip reading, the legend
and panel readers) lives in :mod:`artgen_lite.data_files`; this module re-exports its names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_write
from .data_files import DataError, _error, _lines, _read_text, read_legend, read_panel
from .validation import check_haplotypes

__all__ = [
    "DataError",
    "Haplotypes",
    "read_hapt",
    "read_legend",
    "read_panel",
    "with_legend",
    "attach_panel",
    "dataset_path",
    "read_vcf",
    "write_hapt",
    "write_vcf",
    "load",
    "load_or_simulate",
    "train_test_split",
    "simulate_out_of_africa",
]


@dataclass
class Haplotypes:
    """A haplotype matrix with row and column annotation.

    Attributes
    ----------
    X : uint8 array (n_haplotypes, n_snps), values 0/1, rows = haplotypes.
    sample_ids : one id per row (for a diploid individual ``HG00096``: ``HG00096_A``, ``HG00096_B``).
    populations, superpopulations : one label per row, or None when unknown.
    chrom, positions, ref, alt : one entry per column, or None when unknown.
    source : where the data came from, in words (shown in chapter banners).
    """

    X: np.ndarray
    sample_ids: np.ndarray | None = None
    populations: np.ndarray | None = None
    superpopulations: np.ndarray | None = None
    chrom: np.ndarray | None = None
    positions: np.ndarray | None = None
    ref: np.ndarray | None = None
    alt: np.ndarray | None = None
    source: str = ""
    simulated: bool = False
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        try:
            X = check_haplotypes(self.X, "Haplotypes.X", min_rows=0, min_snps=0)
        except ValueError as exc:
            raise DataError(str(exc)) from exc
        self.X = X
        n, m = X.shape
        per_row, per_snp = ("sample_ids", "populations", "superpopulations"), ("chrom", "positions", "ref", "alt")
        for names, size, what in ((per_row, n, "haplotypes"), (per_snp, m, "SNPs")):
            for name in names:
                v = getattr(self, name)
                if v is not None:
                    v = np.asarray(v)
                    if len(v) != size:
                        raise DataError(f"Haplotypes.{name} has {len(v)} entries for {size} {what}")
                    setattr(self, name, v)

    @property
    def n_haplotypes(self) -> int:
        """Number of rows (haplotypes) of ``X``."""
        return self.X.shape[0]

    @property
    def n_snps(self) -> int:
        """Number of columns (SNPs) of ``X``."""
        return self.X.shape[1]

    def __len__(self) -> int:
        return self.n_haplotypes

    def __repr__(self) -> str:
        pops = "" if self.populations is None else f", {len(np.unique(self.populations))} populations"
        return f"Haplotypes({self.n_haplotypes} haplotypes x {self.n_snps} SNPs{pops}, source={self.source!r})"

    def rows(self, index) -> "Haplotypes":
        """The haplotypes selected by ``index`` (a slice, boolean mask or integer array).

        Parameters
        ----------
        index : slice, array_like of bool or array_like of int
            Which rows.

        Returns
        -------
        Haplotypes
            The selected rows with their labels; the column annotation is kept.

        Examples
        --------
        >>> Haplotypes(X=np.eye(3, dtype=np.uint8)).rows([0, 2]).X
        array([[1, 0, 0],
               [0, 0, 1]], dtype=uint8)
        """
        take = lambda v: None if v is None else v[index]  # noqa: E731
        return replace(
            self,
            X=self.X[index],
            sample_ids=take(self.sample_ids),
            populations=take(self.populations),
            superpopulations=take(self.superpopulations),
        )

    def like(self, X, *, populations=None, sample_prefix: str = "AG", source: str | None = None) -> "Haplotypes":
        """New haplotypes ``X`` (e.g. a model's samples) at the same SNPs: chromosome, positions,
        alleles and header metadata are kept, rows get ids ``AG_1``, ``AG_2``, ... (``sample_prefix``)
        and, if given, their ``populations``.  The way artificial genomes go on to a VCF writer or a
        selection scan (chapters 10 and 13).

        Examples
        --------
        >>> h = Haplotypes(X=np.zeros((2, 3), np.uint8), positions=np.array([10, 20, 30]))
        >>> ag = h.like(np.ones((4, 3), np.uint8))
        >>> ag.n_haplotypes, ag.positions.tolist(), ag.sample_ids[:2].tolist()
        (4, [10, 20, 30], ['AG_1', 'AG_2'])
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_snps:
            raise ValueError(f"X must have {self.n_snps} columns (the SNPs of these haplotypes); got shape {X.shape}")
        pops = None if populations is None else np.asarray(populations)
        if pops is not None and pops.shape != (X.shape[0],):
            raise ValueError(f"populations must hold one label per row of X ({X.shape[0]}); got shape {pops.shape}")
        return Haplotypes(
            X=X, sample_ids=np.array([f"{sample_prefix}_{i + 1}" for i in range(X.shape[0])]),
            populations=pops, superpopulations=None, chrom=self.chrom, positions=self.positions,
            ref=self.ref, alt=self.alt, source=source or f"artificial haplotypes at the SNPs of: {self.source}",
            simulated=self.simulated, meta=dict(self.meta),
        )

    def columns(self, index) -> "Haplotypes":
        """The SNPs selected by ``index`` (a slice, boolean mask or integer array).

        Parameters
        ----------
        index : slice, array_like of bool or array_like of int
            Which SNP columns.

        Returns
        -------
        Haplotypes
            Every row, at the selected SNPs only (positions and alleles follow).
        """
        take = lambda v: None if v is None else v[index]  # noqa: E731
        return replace(
            self,
            X=self.X[:, index],
            chrom=take(self.chrom),
            positions=take(self.positions),
            ref=take(self.ref),
            alt=take(self.alt),
        )

    def allele_frequencies(self) -> np.ndarray:
        """Frequency of allele 1 at each SNP.

        Returns
        -------
        numpy.ndarray of float64, shape (n_snps,)
            Column means of ``X``.
        """
        return self.X.mean(axis=0)

    def genotypes(self) -> np.ndarray:
        """Diploid ALT-allele counts (0, 1, 2): rows 2i and 2i+1 are the two haplotypes of individual i.

        Returns
        -------
        numpy.ndarray of uint8, shape (n_haplotypes // 2, n_snps)
            Sum of each consecutive pair of rows.
        """
        if self.n_haplotypes % 2:
            raise DataError("genotypes() needs an even number of haplotypes (two per individual)")
        return self.X[0::2].astype(np.int16) + self.X[1::2]


# --------------------------------------------------------------------------------------------
# The .hapt reader (text, legend and panel reading: artgen_lite.data_files)
# --------------------------------------------------------------------------------------------


def read_hapt(path, panel=None) -> Haplotypes:
    """Read a ``.hapt`` file (plain, gzipped or zipped): one line per haplotype, ``tag id v1 v2 ...``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.hapt``, ``.hapt.gz`` or ``.hapt.zip`` file.
    panel : str, os.PathLike or pandas.DataFrame, optional
        The sample panel, for population labels.

    Returns
    -------
    Haplotypes
        ``X`` with sample ids (and labels when a panel is given); no positions.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = write_hapt(Haplotypes(X=np.array([[0, 1, 1]], np.uint8)), os.path.join(folder, "x.hapt"))
    >>> read_hapt(path).X
    array([[0, 1, 1]], dtype=uint8)

    The format of Yelmen et al. (2021): column 1 a group tag (``Real``, ``AG``), column 2 an id
    (``HG00096_A``), then one 0/1 value per SNP, separated by whitespace. With ``panel`` (a path or a
    DataFrame from :func:`~artgen_lite.data_files.read_panel`), rows whose id is
    ``SAMPLE_A``/``SAMPLE_B`` get population labels. Blank lines are skipped. Any other departure --
    a ragged row, a value other than 0/1, bytes that are not UTF-8, a damaged archive -- raises
    :class:`~artgen_lite.data_files.DataError` naming the file and line.
    Explained in chapter 01_dna_to_genotypes.
    """
    path = Path(path)
    text = _read_text(path)
    ids, rows = [], []
    n_cols = first = None
    for lineno, line in _lines(text):
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 3:
            raise _error(path, lineno, f"expected 'tag id' and at least one SNP, got {len(parts)} fields")
        if n_cols is None:
            n_cols, first = len(parts), lineno
        elif len(parts) != n_cols:
            raise _error(
                path, lineno,
                f"ragged row with {len(parts) - 2} SNPs where line {first} has {n_cols - 2}",
            )
        values = "".join(parts[2:])
        if len(values) != n_cols - 2 or values.strip("01"):
            bad = next(v for v in parts[2:] if v not in ("0", "1"))
            raise _error(path, lineno, f"value {bad!r} is not 0 or 1")
        ids.append(parts[1])
        rows.append(values)
    if not rows:
        raise _error(path, None, "empty file, no haplotypes")
    X = np.frombuffer("".join(rows).encode("ascii"), dtype=np.uint8).reshape(len(rows), -1) - ord("0")
    h = Haplotypes(X=X.copy(), sample_ids=np.array(ids), source=path.name)
    if panel is not None:
        h = attach_panel(h, panel)
    return h


def _table_arg(table, kind: str, reader, required: set[str]) -> tuple[pd.DataFrame, str]:
    """A legend/panel argument as a DataFrame with the ``required`` columns, and its name for errors."""
    if isinstance(table, pd.DataFrame):
        name = kind
    else:
        name = str(table)
        table = reader(table)
    missing = required - set(table.columns)
    if missing:
        raise DataError(f"{name}: the {kind} lacks columns {sorted(missing)}", path=name)
    return table, name


def with_legend(h: Haplotypes, legend) -> Haplotypes:
    """Attach chromosome, position and alleles from a legend (path or DataFrame) to ``h`` (chapter 01).

    Parameters
    ----------
    h : Haplotypes
        Haplotypes with one column per legend row.
    legend : str, os.PathLike or pandas.DataFrame
        A legend file or the table :func:`~artgen_lite.data_files.read_legend` returns.

    Returns
    -------
    Haplotypes
        A copy of ``h`` with ``chrom``, ``positions``, ``ref``, ``alt`` set.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> legend = pd.DataFrame({"id": ["1:100_A_G", "1:200_C_T"], "position": [100, 200],
    ...                        "a0": ["A", "C"], "a1": ["G", "T"], "chrom": ["1", "1"]})
    >>> h = with_legend(Haplotypes(X=np.zeros((2, 2), np.uint8)), legend)
    >>> h.positions.tolist(), h.ref.tolist(), h.alt.tolist()
    ([100, 200], ['A', 'C'], ['G', 'T'])
    """
    legend, name = _table_arg(legend, "legend", read_legend, {"chrom", "position", "a0", "a1"})
    if len(legend) != h.n_snps:
        raise DataError(f"{name}: the legend has {len(legend)} SNPs but the haplotypes have {h.n_snps} columns", path=name)
    col = legend["position"]
    if pd.api.types.is_integer_dtype(col.dtype) and not col.isna().any():
        exact = col.to_numpy(dtype=np.int64)
        bad = exact < 0
    else:
        num = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(num) | (num < 0) | (num != np.round(num)) | (num >= 2**53)
        exact = np.where(bad, 0, num).astype(np.int64)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{name}: SNP {i + 1} has position {col.iloc[i]!r}, not a non-negative integer", path=name)
    for col in ("a0", "a1"):
        na = legend[col].isna().to_numpy()
        if na.any():
            i = int(np.flatnonzero(na)[0])
            raise DataError(f"{name}: SNP {i + 1} has no {col} allele (missing value)", path=name)
    return replace(
        h,
        chrom=legend["chrom"].astype(str).to_numpy(),
        positions=exact,
        ref=legend["a0"].astype(str).to_numpy(),
        alt=legend["a1"].astype(str).to_numpy(),
    )


def attach_panel(h: Haplotypes, panel) -> Haplotypes:
    """Label each haplotype with the population and super-population of its individual (chapter 01).

    Parameters
    ----------
    h : Haplotypes
        Haplotypes whose ids are ``SAMPLE_A``/``SAMPLE_B`` (or ``SAMPLE``).
    panel : str, os.PathLike or pandas.DataFrame
        A panel file or the table :func:`~artgen_lite.data_files.read_panel` returns.

    Returns
    -------
    Haplotypes
        A copy of ``h`` with ``populations`` and ``superpopulations``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> panel = pd.DataFrame({"sample": ["HG1", "HG2"], "pop": ["GBR", "YRI"], "super_pop": ["EUR", "AFR"]})
    >>> h = Haplotypes(X=np.zeros((4, 1), np.uint8), sample_ids=np.array(["HG1_A", "HG1_B", "HG2_A", "HG2_B"]))
    >>> attach_panel(h, panel).superpopulations.tolist()
    ['EUR', 'EUR', 'AFR', 'AFR']
    """
    panel, name = _table_arg(panel, "panel", read_panel, {"sample", "pop", "super_pop"})
    dup = panel["sample"].duplicated()
    if dup.any():
        raise DataError(f"{name}: sample {panel['sample'][dup].iloc[0]!r} is listed twice", path=name)
    if h.sample_ids is None:
        raise DataError(f"{name}: the haplotypes have no sample ids to look up")
    ids = pd.Series(h.sample_ids).astype(str).str.replace(r"_[AB]$", "", regex=True)
    lookup = panel.set_index("sample")
    known = ids.isin(lookup.index)
    if not known.all():
        raise DataError(
            f"{name}: {int((~known).sum())} haplotypes have no panel entry, e.g. {ids[~known].iloc[0]!r}", path=name
        )
    return replace(
        h,
        populations=lookup.loc[ids, "pop"].to_numpy(),
        superpopulations=lookup.loc[ids, "super_pop"].to_numpy(),
    )


from .vcf import read_vcf, write_vcf  # noqa: E402  (VCF I/O lives in artgen_lite.vcf)


# --------------------------------------------------------------------------------------------
# Writers (atomic: a temporary file renamed into place, so nothing half-written stays)
# --------------------------------------------------------------------------------------------


def _atomic_write(path: Path, write, binary=False, compress=False):
    """Write through :func:`artgen_lite.atomic.atomic_write` (temporary file + rename; see there).

    ``compress=True`` gzips; otherwise the file is plain whatever its suffix (the caller decides).
    """
    compression = "gzip" if compress else None
    with atomic_write(Path(path), "wb" if binary else "w", compression=compression) as fh:
        write(fh)


def _check_token(value, what: str) -> str:
    """``value`` as a string that a whitespace-separated reader reads back as one field."""
    s = str(value)
    if not s:
        raise ValueError(f"{what} is empty; .hapt fields must be non-empty")
    bad = next((c for c in s if c.isspace()), None)
    if bad is not None:
        raise ValueError(
            f"{what} {s!r} contains whitespace ({bad!r}); .hapt fields are separated by whitespace, so it "
            "would not read back. Replace it, e.g. with '_'"
        )
    if "\x00" in s:  # numpy's string arrays drop NUL at the end of a string: it would not read back
        raise ValueError(f"{what} {s!r} contains the NUL character, which would not read back")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{what} {s!r} cannot be written as UTF-8 ({exc.reason})") from None
    return s


def write_hapt(h: Haplotypes | np.ndarray, path, tag: str = "AG") -> Path:
    """Write haplotypes as a ``.hapt`` file (``tag id v1 v2 ...``), readable by the original tools.

    Parameters
    ----------
    h : Haplotypes or numpy.ndarray
        What to write; a bare matrix (or haplotypes without ids) gets ids ``{tag}0``, ``{tag}1``, ...
    path : str or os.PathLike
        Output file (``.gz`` and ``.zip`` compress).
    tag : str, optional
        The first column of every line.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_hapt(np.array([[0, 1, 1], [1, 0, 0]], np.uint8), os.path.join(tmp, "ags.hapt"))
    ...     print(path.read_text(), end="")
    AG AG0 0 1 1
    AG AG1 1 0 0

    Atomic (:func:`artgen_lite.atomic.atomic_write`). A ``.gz`` path is gzip-compressed and a
    ``.zip`` path a zip with one member (the name without ``.zip``), both read back by
    :func:`read_hapt`. Refused with ``ValueError`` (before anything is written): a tag or sample id
    that is empty or contains whitespace, which :func:`read_hapt` could not read back, and a matrix
    without haplotypes or SNPs. Explained in chapter 01_dna_to_genotypes.
    """
    if not isinstance(h, Haplotypes):
        h = Haplotypes(X=h)
    if h.n_haplotypes == 0 or h.n_snps == 0:
        raise ValueError(f"write_hapt needs at least one haplotype and one SNP; got shape {h.X.shape}")
    tag = _check_token(tag, "tag")
    if h.sample_ids is not None:
        ids = [_check_token(s, f"sample id {i}") for i, s in enumerate(h.sample_ids)]
    else:
        ids = [f"{tag}{i}" for i in range(h.n_haplotypes)]
    table = (h.X + ord("0")).astype(np.uint8)
    sep = np.full((h.n_haplotypes, h.n_snps), ord(" "), np.uint8)
    body = np.stack([sep, table], axis=2).reshape(h.n_haplotypes, -1)

    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        for i in range(h.n_haplotypes):
            fh.write(f"{tag} {ids[i]}{body[i].tobytes().decode('ascii')}\n")
    return path


# --------------------------------------------------------------------------------------------
# Registry datasets
# --------------------------------------------------------------------------------------------


def _fetch_module():
    """The dataset registry and fetcher, :mod:`artgen_lite.registry` (kept for older callers)."""
    from . import registry

    return registry


def dataset_path(name: str) -> Path:
    """Local path of a registry dataset, fetched (or copied from the mirror) on first use.

    Parameters
    ----------
    name : str
        A registry name, e.g. ``"1000g_805"``.

    Returns
    -------
    pathlib.Path
        The dataset's main file in the local cache.

    Unknown names raise ``KeyError`` and failed fetches
    :class:`artgen_lite.registry.FetchError` (see :func:`artgen_lite.registry.get`).

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    return _fetch_module().get(name)


def load(name: str) -> Haplotypes:
    """Load a registry dataset as :class:`Haplotypes` (``artgen list`` shows the registry).

    The registry (:mod:`artgen_lite.registry`) knows each dataset's files and how to read them:

    ``1000g_805`` : the 5008 x 805 real haplotypes, with panel labels, chromosome and positions.
    ``yelmen_gan_805`` / ``yelmen_rbm_805`` : the paper's released artificial genomes (5000 x 805).
    ``eur_10k`` : 1004 European haplotypes x 10,000 SNPs of chr15 (OCA2/HERC2).
    ``lct`` : 5008 haplotypes x 8076 SNPs of the LCT region (chr2), with panel labels.
    ``chr1_slice`` : 5008 haplotypes x 4296 SNPs of chr1, with panel labels.

    Parameters
    ----------
    name : str
        A registry name.

    Returns
    -------
    Haplotypes
        The dataset with the annotation its files carry.

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    registry = _fetch_module()
    if name not in registry.REGISTRY:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(sorted(registry.REGISTRY))}")
    return registry.load(name)


def load_or_simulate(name: str, n_per_population: int = 200, length: int = 1_000_000, seed: int = 0):
    """Load a registry dataset, or fall back to an out-of-Africa simulation when it cannot be had.

    Returns ``(haplotypes, banner)`` where ``banner`` is None for real data and otherwise a sentence
    that the chapter shows at its top (:func:`artgen_lite.plots.banner`), so the fallback is never
    silent. Any failure to fetch (a :class:`artgen_lite.registry.FetchError`, whatever its cause)
    gives the fallback; an unknown name is still an error.

    Parameters
    ----------
    name : str
        A registry name.
    n_per_population : int, optional
        Haplotypes per population of the fallback simulation.
    length : int, optional
        Length in bp of the simulated contig.
    seed : int, optional
        Seed of the simulation.

    Returns
    -------
    haplotypes : Haplotypes
        The dataset, or the simulation.
    banner : str or None
        None for real data, else the sentence saying what was simulated and why.

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    registry = _fetch_module()
    if name not in registry.REGISTRY:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(sorted(registry.REGISTRY))}")
    try:
        return load(name), None
    except registry.FetchError as exc:
        h = simulate_out_of_africa(n_per_population, length, seed)
        banner = (
            f"The real dataset '{name}' could not be had here ({exc}). This chapter runs on a simulated "
            f"stand-in instead: {h.source}. Numbers and figures differ from the real-data version."
        )
        return h, banner


# --------------------------------------------------------------------------------------------
# Splits and simulation
# --------------------------------------------------------------------------------------------


def train_test_split(h: Haplotypes, test_fraction: float = 0.2, seed: int = 0):
    """Shuffled train/test split stratified by population (each population split in the same ratio).

    The 1000 Genomes files list haplotypes grouped by population, so a plain head/tail split would
    put whole populations on one side. Both haplotypes of an individual stay on the same side when
    ids end in ``_A``/``_B``, so the held-out set holds truly unseen people.

    Parameters
    ----------
    h : Haplotypes
        The haplotypes split.
    test_fraction : float, optional
        Share of each population held out, in (0, 1).
    seed : int, optional
        Seed of the shuffle.

    Returns
    -------
    train, test : Haplotypes
        The two parts, each in shuffled order.

    Examples
    --------
    >>> h = Haplotypes(X=np.zeros((10, 4), np.uint8), populations=np.array(["A"] * 5 + ["B"] * 5))
    >>> train, test = train_test_split(h, test_fraction=0.2, seed=0)
    >>> train.n_haplotypes, sorted(test.populations.tolist())
    (8, ['A', 'B'])

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    rng = np.random.default_rng(seed)
    n = h.n_haplotypes
    if h.sample_ids is not None:
        individuals = pd.Series(h.sample_ids).str.replace(r"_[AB]$", "", regex=True).to_numpy()
    else:
        individuals = np.arange(n).astype(str)
    groups = h.populations if h.populations is not None else np.zeros(n, dtype=int)
    ind_codes, ind_first = np.unique(individuals, return_index=True)
    test_inds = []
    ind_group = np.asarray(groups)[ind_first]
    for g in np.unique(ind_group):
        members = ind_codes[ind_group == g]
        members = members[rng.permutation(len(members))]
        k = int(round(test_fraction * len(members)))
        test_inds.append(members[:k])
    is_test = np.isin(individuals, np.concatenate(test_inds))
    test_idx = np.flatnonzero(is_test)
    train_idx = np.flatnonzero(~is_test)
    return h.rows(rng.permutation(train_idx)), h.rows(rng.permutation(test_idx))


def simulate_out_of_africa(n_per_population: int = 200, length: int = 1_000_000, seed: int = 0) -> Haplotypes:
    """Simulate ``n_per_population`` haplotypes each of YRI, CEU and CHB under stdpopsim's ``OutOfAfrica_3G09`` model.

    The embedded default when no real data can be had: a generic human contig of ``length`` bp with
    uniform recombination (genetic maps need the internet), biallelic sites only. The contig is
    named ``sim1`` (its length is kept in ``meta`` for the VCF header); REF is each site's ancestral
    base and ALT the derived base, so :func:`write_vcf` writes real alleles.

    Parameters
    ----------
    n_per_population : int, optional
        Haplotypes sampled from each of YRI, CEU and CHB.
    length : int, optional
        Contig length in bp.
    seed : int, optional
        Seed of the ancestry and the mutations.

    Returns
    -------
    Haplotypes
        ``3 * n_per_population`` rows with population labels, positions and alleles.

    Examples
    --------
    >>> h = simulate_out_of_africa(n_per_population=4, length=10_000, seed=1)
    >>> h.n_haplotypes, sorted(set(h.populations.tolist())), h.simulated
    (12, ['CEU', 'CHB', 'YRI'], True)
    """
    import msprime
    import stdpopsim

    species = stdpopsim.get_species("HomSap")
    model = species.get_demographic_model("OutOfAfrica_3G09")
    contig = species.get_contig(length=length, mutation_rate=model.mutation_rate)
    samples = {"YRI": n_per_population // 2, "CEU": n_per_population // 2, "CHB": n_per_population // 2}
    engine = stdpopsim.get_engine("msprime")
    ts = engine.simulate(model, contig, samples, seed=seed)
    del msprime
    G = ts.genotype_matrix()  # sites x haplotypes
    sites = list(ts.sites())
    biallelic = np.array([len(site.mutations) == 1 for site in sites], dtype=bool) & (G.max(axis=1) <= 1)
    G = G[biallelic]
    positions = np.array([s.position for s in sites])[biallelic].astype(np.int64) + 1
    # REF is the ancestral base, ALT the derived base of the site's one mutation (msprime's JC69 bases)
    ref = np.array([s.ancestral_state for s in sites], dtype=object)[biallelic].astype(str)
    alt = np.array([s.mutations[0].derived_state if s.mutations else "" for s in sites], dtype=object)[biallelic].astype(str)
    # distinct positions only (rare duplicates after rounding)
    keep = np.concatenate([[True], np.diff(positions) > 0])
    G, positions, ref, alt = G[keep], positions[keep], ref[keep], alt[keep]
    pop_names = {p.id: p.metadata.get("name", str(p.id)) for p in ts.populations()}
    node_pop = np.array([pop_names[ts.node(u).population] for u in ts.samples()])
    superpop = pd.Series(node_pop).map({"YRI": "AFR", "CEU": "EUR", "CHB": "EAS"}).to_numpy()
    ids = np.array([f"sim{i // 2}_{'AB'[i % 2]}" for i in range(len(node_pop))])
    return Haplotypes(
        X=G.T.astype(np.uint8),
        sample_ids=ids,
        populations=node_pop,
        superpopulations=superpop,
        chrom=np.full(len(positions), "sim1"),
        positions=positions,
        ref=ref,
        alt=alt,
        meta={"contigs": {"sim1": {"length": int(length)}}},
        source=f"stdpopsim OutOfAfrica_3G09 simulation, {len(node_pop)} haplotypes, {length:,} bp, seed {seed}",
        simulated=True,
    )
