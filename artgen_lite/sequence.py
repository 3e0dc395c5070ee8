"""DNA sequence basics: reading FASTA, GC content, transcription and translation.

Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
"""

from __future__ import annotations

import gzip
from itertools import product
from pathlib import Path

import numpy as np

__all__ = ["read_fasta", "gc_content", "cpg_observed_expected", "transcribe", "translate", "CODON_TABLE", "reverse_complement"]

# The standard genetic code, codons in TCAG order (the order of the textbook codon wheel).
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODON_TABLE: dict[str, str] = {"".join(c): a for c, a in zip(product("UCAG", repeat=3), _AMINO)}


def read_fasta(path) -> dict[str, str]:
    """Read a (b)gzipped or plain FASTA file into ``{name: sequence}``; case (soft-masking) is kept."""
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


def gc_content(seq: str, window: int | None = None) -> float | np.ndarray:
    """Fraction of G or C among A/C/G/T bases (N ignored); with ``window``, one value per window."""
    s = np.frombuffer(seq.upper().encode("ascii"), dtype=np.uint8)
    gc = np.isin(s, np.frombuffer(b"GC", np.uint8))
    acgt = np.isin(s, np.frombuffer(b"ACGT", np.uint8))
    if window is None:
        return float(gc.sum() / max(acgt.sum(), 1))
    n = len(s) // window
    gcw = gc[: n * window].reshape(n, window).sum(1)
    acgtw = acgt[: n * window].reshape(n, window).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(acgtw > 0, gcw / acgtw, np.nan)


def cpg_observed_expected(seq: str) -> float:
    """CpG observed/expected ratio, #CG x length / (#C x #G), the statistic that defines CpG islands."""
    s = seq.upper()
    c, g = s.count("C"), s.count("G")
    if c == 0 or g == 0:
        return 0.0
    return s.count("CG") * len(s) / (c * g)


def reverse_complement(seq: str) -> str:
    """The other strand, read 5' to 3'."""
    return seq.translate(str.maketrans("ACGTacgtNn", "TGCAtgcaNn"))[::-1]


def transcribe(dna: str) -> str:
    """Coding-strand DNA to mRNA: the same letters with U for T."""
    return dna.upper().replace("T", "U")


def translate(rna: str, to_stop: bool = False) -> str:
    """mRNA (or DNA) to protein with the standard code, one letter per codon; ``*`` is a stop."""
    rna = transcribe(rna)
    protein = []
    for i in range(0, len(rna) - 2, 3):
        aa = CODON_TABLE.get(rna[i : i + 3], "X")
        if aa == "*" and to_stop:
            break
        protein.append(aa)
    return "".join(protein)
