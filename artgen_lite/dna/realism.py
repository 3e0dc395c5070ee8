"""How much a set of DNA windows looks like real DNA: one table of realism measures.

Explained in chapter 08 (notebooks/08_designing_dna).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .alphabet import one_hot, window_codes
from .baselines import MarkovDNA
from .design import DNAWGAN
from .sequence import cpg_count, cpg_observed_expected, gc_content, kmer_spectrum_correlation

__all__ = ["realism_table"]


def realism_table(reference: Any, sets: dict[str, Any], markov: MarkovDNA | None = None,
                  gan: DNAWGAN | None = None, k: int = 4, reference_name: str = "Real (held out)") -> pd.DataFrame:
    """One row per set of sequences: how much it looks like the ``reference`` (held-out real) DNA.

    Columns: ``kmer_r`` (Pearson r of the k-mer spectrum with the reference), ``gc_mean``,
    ``gc_sd`` (spread of GC content between windows), ``gc_w1`` (Wasserstein-1 distance of the GC
    distribution to the reference), ``cpg_mean`` (CG dinucleotides per window), ``cpg_oe``
    (pooled observed/expected), ``markov_ll`` (mean bits per base under ``markov``, a chain fitted
    to real training DNA), ``critic`` (mean critic score minus the reference's mean), and
    ``distinct`` (fraction of distinct sequences).  The reference itself is the first row, named
    ``reference_name``.  The critic was trained only to tell real windows from the generator's;
    far from those (e.g. after direct design) its score means nothing.

    Explained in chapter 08 (notebooks/08_designing_dna).

    Parameters
    ----------
    reference : str, list of str or array-like
        The held-out real windows (see :func:`artgen_lite.dna.alphabet.window_codes`).
    sets : dict
        Set name to its windows (DNA strings, one-hot arrays or codes).
    markov : MarkovDNA, optional
        A fitted chain; adds the ``markov_ll`` column.
    gan : DNAWGAN, optional
        A fitted GAN; adds the ``critic`` column.
    k : int, default 4
        The k-mer length of ``kmer_r``.
    reference_name : str, default "Real (held out)"
        Name of the reference's row.

    Returns
    -------
    pandas.DataFrame
        One row per set (index ``set``, the reference first): ``n`` and the columns above.

    Examples
    --------
    >>> ref = ["ACGTACGTAC", "AACCGGTTAA", "ACGTTGCAAC", "GGCCAATTAC"]
    >>> table = realism_table(ref, {"poly-A": ["AAAAAAAAAA"] * 4}, k=2)
    >>> list(table.columns)
    ['n', 'kmer_r', 'gc_mean', 'gc_sd', 'gc_w1', 'cpg_mean', 'cpg_oe', 'distinct']
    >>> table["gc_mean"].round(2).tolist(), table["distinct"].tolist()
    ([0.48, 0.0], [1.0, 0.25])
    """
    from scipy.stats import wasserstein_distance

    ref = window_codes(reference, "reference")
    gc_ref = gc_content(ref)
    crit_ref = float(gan.critic_score(one_hot(ref)).mean()) if gan is not None else None
    rows = []
    for name, seqs in {reference_name: ref, **sets}.items():
        c = window_codes(seqs, name)
        gc = gc_content(c)
        row = {
            "set": name,
            "n": len(c),
            "kmer_r": kmer_spectrum_correlation(ref, c, k),
            "gc_mean": float(gc.mean()),
            "gc_sd": float(gc.std()),
            "gc_w1": float(wasserstein_distance(gc_ref, gc)),
            "cpg_mean": float(cpg_count(c).mean()),
            "cpg_oe": cpg_observed_expected(c),
        }
        if markov is not None:
            row["markov_ll"] = float(markov.log_likelihood(c).mean())
        if gan is not None:
            row["critic"] = float(gan.critic_score(one_hot(c)).mean()) - crit_ref
        row["distinct"] = len({r.tobytes() for r in c}) / len(c)
        rows.append(row)
    return pd.DataFrame(rows).set_index("set")
