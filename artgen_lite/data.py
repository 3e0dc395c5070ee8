"""Haplotype data: one type, readers, writers, registry loading, splits and the simulated fallback.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).

Every matrix in the book is a :class:`Haplotypes`: ``X`` is a uint8 0/1 array with one row per
haplotype and one column per SNP (1 = the ALT allele of the legend, 0 = REF), and the other
fields describe the rows (sample ids, populations) and the columns (chromosome, position, alleles).
"""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DataError",
    "Haplotypes",
    "read_hapt",
    "read_legend",
    "read_panel",
    "read_vcf",
    "write_hapt",
    "write_vcf",
    "load",
    "load_or_simulate",
    "train_test_split",
    "simulate_out_of_africa",
]


class DataError(ValueError):
    """Bad input data; the message names the file and, where it can, the line."""


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
        X = np.asarray(self.X)
        if X.ndim != 2:
            raise DataError(f"Haplotypes.X must be 2-D (haplotypes x SNPs), got shape {X.shape}")
        if X.dtype != np.uint8:
            if X.size and not np.isin(X, (0, 1)).all():
                raise DataError("Haplotypes.X must hold only 0 and 1")
            X = X.astype(np.uint8)
        self.X = X
        n, m = X.shape
        for name in ("sample_ids", "populations", "superpopulations"):
            v = getattr(self, name)
            if v is not None:
                v = np.asarray(v)
                if len(v) != n:
                    raise DataError(f"Haplotypes.{name} has {len(v)} entries for {n} haplotypes")
                setattr(self, name, v)
        for name in ("chrom", "positions", "ref", "alt"):
            v = getattr(self, name)
            if v is not None:
                v = np.asarray(v)
                if len(v) != m:
                    raise DataError(f"Haplotypes.{name} has {len(v)} entries for {m} SNPs")
                setattr(self, name, v)

    @property
    def n_haplotypes(self) -> int:
        return self.X.shape[0]

    @property
    def n_snps(self) -> int:
        return self.X.shape[1]

    def __len__(self) -> int:
        return self.n_haplotypes

    def __repr__(self) -> str:
        pops = "" if self.populations is None else f", {len(np.unique(self.populations))} populations"
        return f"Haplotypes({self.n_haplotypes} haplotypes x {self.n_snps} SNPs{pops}, source={self.source!r})"

    def rows(self, index) -> "Haplotypes":
        """The haplotypes selected by ``index`` (a slice, boolean mask or integer array)."""
        take = lambda v: None if v is None else v[index]  # noqa: E731
        return replace(
            self,
            X=self.X[index],
            sample_ids=take(self.sample_ids),
            populations=take(self.populations),
            superpopulations=take(self.superpopulations),
        )

    def columns(self, index) -> "Haplotypes":
        """The SNPs selected by ``index`` (a slice, boolean mask or integer array)."""
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
        """Frequency of allele 1 at each SNP."""
        return self.X.mean(axis=0)

    def genotypes(self) -> np.ndarray:
        """Diploid ALT-allele counts (0, 1, 2): rows 2i and 2i+1 are the two haplotypes of individual i."""
        if self.n_haplotypes % 2:
            raise DataError("genotypes() needs an even number of haplotypes (two per individual)")
        return self.X[0::2].astype(np.int16) + self.X[1::2]


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------


def _open_text(path: Path):
    """Open a plain, gzipped or single-member zipped text file for reading."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix == ".zip":
        zf = zipfile.ZipFile(path)
        members = [m for m in zf.namelist() if not m.startswith("__MACOSX") and not m.endswith("/")]
        if len(members) != 1:
            raise DataError(f"{path}: expected one file in the zip, found {members}")
        return io.TextIOWrapper(zf.open(members[0]), encoding="ascii")
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="ascii")
    return open(path, encoding="ascii")


def read_hapt(path, panel=None) -> Haplotypes:
    """Read a ``.hapt`` file (plain or zipped): one line per haplotype, ``tag id v1 v2 ...``.

    The format of Yelmen et al. (2021): column 1 a group tag (``Real``, ``AG``), column 2 an id
    (``HG00096_A``), then one 0/1 value per SNP, separated by spaces. With ``panel`` (a path or a
    DataFrame from :func:`read_panel`), rows whose id is ``SAMPLE_A``/``SAMPLE_B`` get population labels.
    """
    path = Path(path)
    ids, rows = [], []
    n_cols = None
    with _open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 3:
                raise DataError(f"{path}, line {lineno}: expected 'tag id' and at least one SNP, got {len(parts)} fields")
            if n_cols is None:
                n_cols = len(parts)
            elif len(parts) != n_cols:
                raise DataError(
                    f"{path}, line {lineno}: ragged row with {len(parts) - 2} SNPs where line 1 has {n_cols - 2}"
                )
            values = parts[2:]
            bad = [v for v in values if v not in ("0", "1")]
            if bad:
                raise DataError(f"{path}, line {lineno}: value {bad[0]!r} is not 0 or 1")
            ids.append(parts[1])
            rows.append("".join(values))
    if not rows:
        raise DataError(f"{path}: empty file, no haplotypes")
    X = np.frombuffer("".join(rows).encode("ascii"), dtype=np.uint8).reshape(len(rows), -1) - ord("0")
    h = Haplotypes(X=X.copy(), sample_ids=np.array(ids), source=path.name)
    if panel is not None:
        h = attach_panel(h, panel)
    return h


def read_legend(path) -> pd.DataFrame:
    """Read a legend file (header ``id position a0 a1``) with one row per SNP column; adds ``chrom``."""
    path = Path(path)
    with _open_text(path) as fh:
        text = fh.read()
    if not text.strip():
        raise DataError(f"{path}: empty legend file")
    df = pd.read_csv(io.StringIO(text), sep=r"\s+")
    missing = {"id", "position", "a0", "a1"} - set(df.columns)
    if missing:
        raise DataError(f"{path}, line 1: legend header lacks columns {sorted(missing)}")
    df["chrom"] = df["id"].astype(str).str.split(":").str[0]
    return df


def with_legend(h: Haplotypes, legend) -> Haplotypes:
    """Attach chromosome, position and alleles from a legend (path or DataFrame) to ``h``."""
    name = str(legend)
    if not isinstance(legend, pd.DataFrame):
        legend = read_legend(legend)
        name = str(name)
    else:
        name = "legend"
    if len(legend) != h.n_snps:
        raise DataError(f"{name}: the legend has {len(legend)} SNPs but the haplotypes have {h.n_snps} columns")
    return replace(
        h,
        chrom=legend["chrom"].to_numpy(),
        positions=legend["position"].to_numpy(np.int64),
        ref=legend["a0"].to_numpy(),
        alt=legend["a1"].to_numpy(),
    )


def read_panel(path) -> pd.DataFrame:
    """Read the 1000 Genomes sample panel (columns ``sample pop super_pop gender``)."""
    path = Path(path)
    df = pd.read_csv(path, sep="\t", usecols=[0, 1, 2, 3])
    missing = {"sample", "pop", "super_pop"} - set(df.columns)
    if missing:
        raise DataError(f"{path}, line 1: panel header lacks columns {sorted(missing)}")
    return df


def attach_panel(h: Haplotypes, panel) -> Haplotypes:
    """Label each haplotype with the population and super-population of its individual."""
    if not isinstance(panel, pd.DataFrame):
        panel = read_panel(panel)
    ids = pd.Series(h.sample_ids).str.replace(r"_[AB]$", "", regex=True)
    lookup = panel.set_index("sample")
    known = ids.isin(lookup.index)
    if not known.all():
        raise DataError(f"panel: {int((~known).sum())} haplotypes have no panel entry, e.g. {ids[~known].iloc[0]!r}")
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        if compress:
            with gzip.open(tmp, "wt", encoding="ascii") as fh:
                write(fh)
        else:
            with open(tmp, "wb" if binary else "w", encoding=None if binary else "ascii") as fh:
                write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_hapt(h: Haplotypes | np.ndarray, path, tag: str = "AG") -> Path:
    """Write haplotypes as a ``.hapt`` file (``tag id v1 v2 ...``), readable by the original tools."""
    if not isinstance(h, Haplotypes):
        h = Haplotypes(X=h)
    ids = h.sample_ids if h.sample_ids is not None else np.array([f"{tag}{i}" for i in range(h.n_haplotypes)])
    table = (h.X + ord("0")).astype(np.uint8)
    sep = np.full((h.n_haplotypes, h.n_snps), ord(" "), np.uint8)
    body = np.stack([sep, table], axis=2).reshape(h.n_haplotypes, -1)

    def write(fh):
        for i in range(h.n_haplotypes):
            fh.write(f"{tag} {ids[i]}{body[i].tobytes().decode('ascii')}\n")

    _atomic_write(Path(path), write)
    return Path(path)


# --------------------------------------------------------------------------------------------
# Registry datasets
# --------------------------------------------------------------------------------------------


def _fetch_module():
    """Import ``data/fetch.py`` (the registry and downloader) from the course repository."""
    import importlib.util
    import sys

    if "artgen_fetch" in sys.modules:
        return sys.modules["artgen_fetch"]
    here = Path(__file__).resolve().parent.parent / "data" / "fetch.py"
    if not here.exists():
        raise FileNotFoundError(f"{here}: the dataset registry is missing; artgen-lite expects a clone of the course repository")
    spec = importlib.util.spec_from_file_location("artgen_fetch", here)
    module = importlib.util.module_from_spec(spec)
    sys.modules["artgen_fetch"] = module
    spec.loader.exec_module(module)
    return module


def dataset_path(name: str) -> Path:
    """Local path of a registry dataset, fetched (or copied from the mirror) on first use."""
    return _fetch_module().get(name)


def load(name: str) -> Haplotypes:
    """Load a registry dataset as :class:`Haplotypes` (see ``python data/fetch.py list``).

    ``1000g_805`` : the 5008 x 805 real haplotypes, with panel labels, chromosome and positions.
    ``yelmen_gan_805`` / ``yelmen_rbm_805`` : the paper's released artificial genomes (5000 x 805).
    ``eur_10k`` : 1004 European haplotypes x 10,000 SNPs of chr15 (OCA2/HERC2).
    ``lct`` : 5008 haplotypes x 8076 SNPs of the LCT region (chr2), with panel labels.
    ``chr1_slice`` : 5008 haplotypes x 4296 SNPs of chr1, with panel labels.
    """
    fetch = _fetch_module()
    if name in ("1000g_805", "yelmen_gan_805", "yelmen_rbm_805"):
        h = read_hapt(fetch.get(name))
        h = with_legend(h, fetch.get("legend_805"))
        if name == "1000g_805":
            h = attach_panel(h, fetch.get("panel"))
        h.source = fetch.REGISTRY[name].title
        return h
    if name in ("lct", "chr1_slice"):
        h = read_vcf(fetch.get(name), panel=fetch.get("panel"), multiallelic="drop")
        h.source = fetch.REGISTRY[name].title
        return h
    if name == "eur_10k":
        h = read_vcf(fetch.get(name), homozygous_as_haploid=True)  # one haplotype per sample, written g|g
        h.populations = np.full(h.n_haplotypes, "EUR?")
        h.superpopulations = np.full(h.n_haplotypes, "EUR")
        h.source = fetch.REGISTRY[name].title
        return h
    if name in fetch.REGISTRY:
        raise DataError(f"dataset {name!r} is not haplotype data; use dataset_path({name!r}) to get its file")
    raise DataError(f"unknown dataset {name!r}; known: {', '.join(sorted(fetch.REGISTRY))}")


def load_or_simulate(name: str, n_per_population: int = 200, length: int = 1_000_000, seed: int = 0):
    """Load a registry dataset, or fall back to an out-of-Africa simulation when it cannot be had.

    Returns ``(haplotypes, banner)`` where ``banner`` is None for real data and otherwise a sentence
    that the chapter shows at its top (:func:`artgen_lite.plots.banner`), so the fallback is never silent.
    """
    fetch = _fetch_module()
    try:
        return load(name), None
    except fetch.FetchError as exc:
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
