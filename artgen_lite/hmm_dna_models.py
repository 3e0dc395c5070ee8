"""Two HMMs of DNA: the CpG-island HMM of Durbin et al. (1998) and a toy gene-structure HMM.

Explained in the chapter "Hidden Markov models" (notebooks/02_hidden_markov_models).

The CpG-island model is estimated from annotated islands (with a Baum-Welch M-step that keeps its
structure); the gene model, in the spirit of Yoon (2009), is for sampling. Both are
:class:`artgen_lite.hmm.HMM` objects; :mod:`artgen_lite.hmm` re-exports every name of this module.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .hmm import DNA, HMM, ExpectedCounts

__all__ = [
    "cpg_island_hmm",
    "cpg_m_step",
    "CPG_STATES",
    "gene_model_hmm",
    "GENE_STATE_GROUPS",
]


# -------------------------------------------------------------- CpG-island model
CPG_STATES = ["A+", "C+", "G+", "T+", "A-", "C-", "G-", "T-"]


def cpg_island_hmm(x, labels, class_names: Sequence[str] = ("+", "-"), pseudocount: float = 1.0) -> HMM:
    """The CpG-island HMM of Durbin et al. (1998), estimated from an annotation.

    ``x`` is an encoded DNA sequence (:func:`~artgen_lite.hmm.encode_dna`).  ``labels`` is a boolean array of the
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

    Examples
    --------
    >>> from artgen_lite.hmm import encode_dna
    >>> x = encode_dna("ACGCGCGTATATCGCGAT")
    >>> labels = np.zeros(len(x), dtype=bool)
    >>> labels[1:8] = labels[12:16] = True  # two annotated islands
    >>> model = cpg_island_hmm(x, labels)
    >>> model.states
    ['A+', 'C+', 'G+', 'T+', 'A-', 'C-', 'G-', 'T-']
    >>> path, _ = model.viterbi(x)
    >>> (path < 4).astype(int).tolist()  # decoded islands
    [0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0]

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

    Examples
    --------
    >>> from artgen_lite.hmm import encode_dna
    >>> x = encode_dna("ACGCGCGTATATCGCGAT")
    >>> labels = np.zeros(len(x), dtype=bool)
    >>> labels[1:8] = labels[12:16] = True
    >>> model = cpg_island_hmm(x, labels)
    >>> refit = cpg_m_step(model, model.expected_counts(x))
    >>> bool(refit.log_likelihood(x) > model.log_likelihood(x))  # an EM step raises the likelihood
    True

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

    Examples
    --------
    >>> model = gene_model_hmm()
    >>> model.n_states, model.states[:3]
    (17, ['intergenic', 'start A', 'start T'])

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
