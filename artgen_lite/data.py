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


def read_vcf(path, panel=None, region=None, multiallelic: str = "error") -> Haplotypes:
    """Read a phased, biallelic VCF into haplotypes (scikit-allel): rows ``SAMPLE_A``, ``SAMPLE_B``.

    Unphased genotypes (``0/1``) and missing calls are refused with an error naming the record.
    Multi-allelic records (more than one ALT allele) are refused too, unless ``multiallelic="drop"``,
    which keeps biallelic records only (the LCT file lists 35 records with two ALT alleles).
    Haploid-as-homozygous files (one haplotype per sample written ``g|g``, as in the third-party
    10K European VCF) are recognised and give one row per sample.
    """
    import allel

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    fields = ["samples", "variants/CHROM", "variants/POS", "variants/REF", "variants/ALT", "calldata/GT", "variants/numalt"]
    try:
        cs = allel.read_vcf(str(path), fields=fields, alt_number=2, region=region, numbers={"calldata/GT": 2})
    except Exception as exc:  # allel raises several types on malformed files
        raise DataError(f"{path}: could not be read as VCF ({exc})") from exc
    if cs is None:
        raise DataError(f"{path}: no variant records")
    gt = cs["calldata/GT"]
    numalt = cs["variants/numalt"]
    if multiallelic not in ("error", "drop"):
        raise ValueError(f"multiallelic must be 'error' or 'drop', got {multiallelic!r}")
    multi = np.flatnonzero(numalt > 1)
    if multi.size and multiallelic == "drop":
        keep = numalt <= 1
        cs = {k: (v[keep] if k.startswith(("variants/", "calldata/")) else v) for k, v in cs.items()}
        gt, numalt = cs["calldata/GT"], cs["variants/numalt"]
    elif multi.size:
        i = multi[0]
        raise DataError(
            f"{path}: record {i + 1} ({cs['variants/CHROM'][i]}:{cs['variants/POS'][i]}) is multi-allelic; "
            "split it (bcftools norm -m-) or keep biallelic sites"
        )
    if (gt < 0).any():
        i = int(np.flatnonzero((gt < 0).any(axis=(1, 2)))[0])
        raise DataError(f"{path}: record {i + 1} ({cs['variants/CHROM'][i]}:{cs['variants/POS'][i]}) has missing genotypes")
    _check_phased(path)
    samples = np.asarray(cs["samples"])
    n_var = gt.shape[0]
    if np.array_equal(gt[:, :, 0], gt[:, :, 1]) and _looks_haploid(samples):
        X = gt[:, :, 0].T.astype(np.uint8)
        sample_ids = samples
    else:
        X = gt.transpose(1, 2, 0).reshape(-1, n_var).astype(np.uint8)
        sample_ids = np.array([f"{s}_{ab}" for s in samples for ab in "AB"])
    alt = cs["variants/ALT"]
    alt = alt[:, 0] if alt.ndim == 2 else alt
    h = Haplotypes(
        X=X,
        sample_ids=sample_ids,
        chrom=np.asarray(cs["variants/CHROM"]).astype(str),
        positions=np.asarray(cs["variants/POS"], dtype=np.int64),
        ref=np.asarray(cs["variants/REF"]).astype(str),
        alt=np.asarray(alt).astype(str),
        source=path.name,
    )
    if panel is not None and not _looks_haploid(samples):
        h = attach_panel(h, panel)
    return h


def _looks_haploid(samples) -> bool:
    return all(str(s).startswith("Sample_") for s in samples[:5])


def _check_phased(path: Path) -> None:
    """Refuse VCFs with unphased genotypes, naming the first offending record."""
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rt") as fh:
        record = 0
        for line in fh:
            if line.startswith("#"):
                continue
            record += 1
            cols = line.split("\t", 9)
            if len(cols) == 10 and "/" in cols[9]:
                raise DataError(
                    f"{path}: record {record} ({cols[0]}:{cols[1]}) has unphased genotypes ('/'); "
                    "haplotype models need phased data ('|')"
                )


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


def write_vcf(h: Haplotypes, path, sample_prefix: str = "AG") -> Path:
    """Write haplotypes as a phased VCF: two consecutive haplotypes form one diploid sample.

    With an odd number of haplotypes the last one is written as a homozygous ``g|g`` sample.
    Positions, chromosome and alleles come from ``h``; missing ones default to 1..m, ``1``, ``A``/``G``.
    A ``.gz`` path is gzip-compressed.
    """
    path = Path(path)
    n, m = h.X.shape
    chrom = h.chrom if h.chrom is not None else np.full(m, "1")
    pos = h.positions if h.positions is not None else np.arange(1, m + 1)
    ref = h.ref if h.ref is not None else np.full(m, "A")
    alt = h.alt if h.alt is not None else np.full(m, "G")
    pairs = [(i, i + 1 if i + 1 < n else i) for i in range(0, n, 2)]
    names = [f"{sample_prefix}{k}" for k in range(len(pairs))]
    left = h.X[[a for a, _ in pairs]].T.astype(np.uint8) + ord("0")
    right = h.X[[b for _, b in pairs]].T.astype(np.uint8) + ord("0")
    gts = np.stack([left, np.full_like(left, ord("|")), right, np.full_like(left, ord("\t"))], axis=2)

    def write(fh):
        fh.write("##fileformat=VCFv4.2\n##source=artgen-lite\n")
        fh.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype">\n')
        fh.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(names) + "\n")
        for j in range(m):
            fh.write(f"{chrom[j]}\t{pos[j]}\t.\t{ref[j]}\t{alt[j]}\t.\tPASS\t.\tGT\t")
            fh.write(gts[j].tobytes().decode("ascii")[:-1] + "\n")

    _atomic_write(path, write, compress=path.suffix == ".gz")
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
    uniform recombination (genetic maps need the internet), biallelic sites only.
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
    biallelic = np.array([len(site.mutations) == 1 for site in ts.sites()]) & (G.max(axis=1) <= 1)
    G = G[biallelic]
    positions = np.array([s.position for s in ts.sites()])[biallelic].astype(np.int64) + 1
    # distinct positions only (rare duplicates after rounding)
    keep = np.concatenate([[True], np.diff(positions) > 0])
    G, positions = G[keep], positions[keep]
    pop_names = {p.id: p.metadata.get("name", str(p.id)) for p in ts.populations()}
    node_pop = np.array([pop_names[ts.node(u).population] for u in ts.samples()])
    superpop = pd.Series(node_pop).map({"YRI": "AFR", "CEU": "EUR", "CHB": "EAS"}).to_numpy()
    ids = np.array([f"sim{i // 2}_{'AB'[i % 2]}" for i in range(len(node_pop))])
    return Haplotypes(
        X=G.T.astype(np.uint8),
        sample_ids=ids,
        populations=node_pop,
        superpopulations=superpop,
        chrom=np.full(len(positions), "sim"),
        positions=positions,
        ref=np.full(len(positions), "0"),
        alt=np.full(len(positions), "1"),
        source=f"stdpopsim OutOfAfrica_3G09 simulation, {len(node_pop)} haplotypes, {length:,} bp, seed {seed}",
        simulated=True,
    )
