"""Genomes: reading FASTA, the registry's hg38 slice with its CpG-island and gene tables, and a
simulated stand-in when the data cannot be had.

Explained in chapter 01 (notebooks/01_dna_to_genotypes, reading the sequence), chapter 02
(CpG islands) and chapter 09 (notebooks/09_dna_language_models, the simulated genome).
:func:`load_genome_or_simulate` is the DNA counterpart of
:func:`artgen_lite.data.load_or_simulate`: it never falls back silently.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._checks import check_int
from .alphabet import BASES
from .baselines import DURBIN_CPG_MINUS, DURBIN_CPG_PLUS, durbin_cpg_hmm, sample_markov_chain

__all__ = ["read_fasta", "Genome", "load_genome", "load_genome_or_simulate", "simulate_genome"]

#: length of the registry's hg38 slice, chr2:1-2,333,275 (its first 10,000 bases are N)
HG38_SLICE_LENGTH = 2_333_275
_LEADING_N = 10_000


def read_fasta(path) -> dict[str, str]:
    """Read a (b)gzipped or plain FASTA file into ``{name: sequence}``; case (soft-masking) is kept.

    Explained in chapter 01 (notebooks/01_dna_to_genotypes).

    Parameters
    ----------
    path : str or os.PathLike
        A FASTA file, plain or (b)gzipped (recognised by its first bytes, not its name).

    Returns
    -------
    dict of str to str
        Sequence name (the header's first word) to sequence, in file order.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.fa")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write(">chrA test\\nACGT\\nacNN\\n>chrB\\nGG\\n")
    >>> read_fasta(path)
    {'chrA': 'ACGTacNN', 'chrB': 'GG'}
    """
    path = Path(path)
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    records: dict[str, list[str]] = {}
    name = None
    with opener(path, "rt") as fh:
        for lineno, line in enumerate(fh, start=1):
            line = line.strip()
            if line.startswith(">"):
                name = line[1:].split()[0]
                records[name] = []
            elif line:
                if name is None:
                    raise ValueError(f"{path}, line {lineno}: sequence before the first '>' header")
                records[name].append(line)
    if not records:
        raise ValueError(f"{path}: no FASTA records")
    return {k: "".join(v) for k, v in records.items()}


@dataclass
class Genome:
    """A DNA sequence with its annotation: ``islands`` and ``genes`` are ``(n, 2)`` half-open,
    0-based intervals on ``sequence``; ``source`` says where it came from and ``simulated``
    whether it is a stand-in.  Explained in chapter 09 (notebooks/09_dna_language_models).
    """

    sequence: str
    islands: np.ndarray
    genes: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    gene_names: list[str] = field(default_factory=list)
    source: str = ""
    simulated: bool = False

    def __repr__(self) -> str:
        kind = "simulated" if self.simulated else "real"
        return (f"Genome({len(self.sequence):,} bp, {len(self.islands)} CpG islands, "
                f"{len(self.genes)} genes; {kind}: {self.source})")


def load_genome() -> Genome:
    """The registry's hg38 slice (chr2:1-2,333,275, soft-masked) with the UCSC CpG islands in it
    and the GRCh38 genes that start in it; fetched (or copied from the mirror) on first use.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Returns
    -------
    Genome
        The slice's sequence (the chromosome's first 10,000 bases are N) with its CpG islands and
        genes as half-open 0-based intervals; ``simulated`` is False.
    """
    import pandas as pd

    from .. import data

    seq = read_fasta(data.dataset_path("hg38_chr2_slice"))["chr2"]
    fai = pd.read_csv(data.dataset_path("hg38_chr2_slice_fai"), sep="\t", header=None)
    if int(fai.iloc[0, 1]) != len(seq):
        raise ValueError("the hg38 slice's FASTA and its index (.fai) disagree on its length")
    cpg = pd.read_csv(data.dataset_path("cpg_chr2_slice"), sep="\t")
    genes = pd.read_csv(data.dataset_path("genes_b38"), sep="\t")
    genes = genes[(genes.Chr.astype(str) == "2") & (genes.Start < len(seq))]
    return Genome(seq, cpg[["chromStart", "chromEnd"]].to_numpy(),
                  genes[["Start", "End"]].to_numpy() - [1, 0],  # 1-based -> half-open
                  list(genes.Name), "hg38 chr2:1-2,333,275 (UCSC CpG islands, GRCh38 genes)")


def load_genome_or_simulate(simulate: str = "genome", length: int | None = None, seed: int = 0):
    """The hg38 slice (:func:`load_genome`), or a simulated stand-in when it cannot be had.

    ``simulate`` picks the stand-in: ``"genome"`` (:func:`simulate_genome`, ``length`` default
    1,200,000: genes, CpG islands and repeats) or ``"cpg_hmm"`` (DNA sampled from Durbin's
    two-class CpG-island HMM, :func:`artgen_lite.dna.baselines.durbin_cpg_hmm`, ``length``
    default 2,323,275, no genes).  Either is preceded by 10,000 N, as the real slice is.
    Returns ``(genome, banner)``: ``banner`` is None for real data and otherwise a sentence for
    :func:`artgen_lite.plots.banner`, so the fallback is never silent.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    simulate : {"genome", "cpg_hmm"}, default "genome"
        The stand-in to use when the hg38 slice cannot be had.
    length : int, optional
        Length of the stand-in after its 10,000 leading N; the default depends on ``simulate``.
    seed : int, default 0
        Seed of the stand-in.

    Returns
    -------
    tuple
        ``(genome, banner)``: a :class:`Genome`, and None for the real data or a sentence saying
        that a stand-in is used.
    """
    if simulate not in ("genome", "cpg_hmm"):
        raise ValueError(f"simulate must be 'genome' or 'cpg_hmm'; got {simulate!r}")
    try:
        return load_genome(), None
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        reason = exc
    pad = "N" * _LEADING_N
    if simulate == "genome":
        seq, islands, genes = simulate_genome(length or 1_200_000, seed=seed)
        g = Genome(pad + seq, islands + _LEADING_N, genes + _LEADING_N,
                   [f"gene{i + 1}" for i in range(len(genes))],
                   "simulated genome (gene-structure HMM, CpG-island Markov chains, planted "
                   "repeat families)", simulated=True)
    else:
        from ..hmm import mask_to_intervals

        z, xs = durbin_cpg_hmm().sample(length or HG38_SLICE_LENGTH - _LEADING_N, seed=seed)
        g = Genome(pad + "".join(np.array(list(BASES))[xs]),
                   mask_to_intervals(z < 4, offset=_LEADING_N),
                   source="DNA sampled from a CpG-island HMM (Durbin's tables)", simulated=True)
    banner = (f"The hg38 sequence or its annotation could not be had ({reason}); this chapter "
              f"runs on a stand-in instead: {g.source}. Numbers and figures differ from the "
              "real-data version.")
    return g, banner


def simulate_genome(length: int = 200_000, seed: int = 0, repeat_fraction: float = 0.35):
    """A stand-in genome with the region classes of the real one, for when hg38 is missing.

    Gene bodies come from the gene-structure HMM of chapter 02 (exons, introns, splice sites),
    intergenic DNA from Durbin's CpG-depleted Markov chain, a CpG island (Durbin's "+" chain)
    is placed upstream of every gene, and copies of three repeat families and a (CA)n
    microsatellite, about 15 % diverged, cover ``repeat_fraction`` of the rest in lower case.
    Returns ``(seq, islands, genes)`` with half-open 0-based intervals.

    Explained in chapter 09 (notebooks/09_dna_language_models).

    Parameters
    ----------
    length : int, default 200_000
        Genome length in bases, at least 2000.
    seed : int, default 0
        Seed of the random draws.
    repeat_fraction : float, default 0.35
        Target fraction of the genome covered by (lower-case) repeat copies.

    Returns
    -------
    seq : str
        The genome, repeats in lower case.
    islands : numpy.ndarray
        CpG islands, ``(n, 2)`` ``int64`` half-open 0-based intervals.
    genes : numpy.ndarray
        Gene bodies, ``(n, 2)`` half-open 0-based intervals.

    Examples
    --------
    >>> seq, islands, genes = simulate_genome(20_000, seed=0)
    >>> len(seq), islands.tolist(), genes.tolist()
    (20000, [[1477, 2924], [12815, 14234]], [[2724, 3191], [14034, 20000]])
    """
    from ..hmm import gene_model_hmm, mask_to_intervals

    length = check_int(length, "length", 2000)
    rng = np.random.default_rng(seed)
    x = sample_markov_chain(DURBIN_CPG_MINUS, length, rng)
    gm = gene_model_hmm(intergenic_length=8000, exon_codons=50, intron_length=1500, n_exons=4)
    z, xg = gm.sample(length, seed=seed)
    genic = z != gm.states.index("intergenic")
    x = np.where(genic, xg, x)
    genes = mask_to_intervals(genic, min_length=300)
    islands = []
    for a, _ in genes:
        n = int(rng.integers(400, 1500))
        s = max(0, a - n + 200)
        if s + n <= length:
            x[s : s + n] = sample_markov_chain(DURBIN_CPG_PLUS, n, rng)
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
