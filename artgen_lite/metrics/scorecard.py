"""One-row summary of a synthetic haplotype set against its training and held-out data.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .distances import DEFAULT_BLOCK, _nn_cross, _nn_self, distance_counts, wasserstein_from_counts
from .frequencies import af_correlation, n_fixed_not_in_real
from .ld import ld_correlation
from .membership import mia_auc
from .motifs import kmer_correlation, three_point_correlations, three_point_summary
from .pca import pca_w1
from .privacy import _checked_privacy_parts, _is_copy, aats_from_distances, subsample_to_common_size

__all__ = ["scorecard", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = [
    "n_train", "n_test", "n_synthetic", "n_eval",
    "aats", "aa_truth", "aa_syn", "aats_test", "privacy_loss", "aats_full",
    "mia_auc_blackbox", "exact_copies", "exact_copies_rate", "exact_copies_test_rate", "min_dst",
    "af_r", "fixed_not_in_real", "ld_r", "pca_w1_pc1", "pca_w1_pc2", "pairwise_w1",
    "kmer_r", "three_point_r",
]


def _or_nan(f) -> float:
    """Value of ``f()``, or NaN when the data cannot support it (e.g. too few SNPs for a gap)."""
    try:
        return f()
    except ValueError:
        return float("nan")


def scorecard(train, test, synthetic, name: str | None = None, seed=0, *, n_eval: int | None = None,
              k: int = 8, block: int = DEFAULT_BLOCK) -> pd.DataFrame:
    """Score a synthetic haplotype set: a ONE-row DataFrame (index = ``name``).

    ``train`` is the data the model was trained on, ``test`` held-out real haplotypes (never
    seen by the model), ``synthetic`` the generated haplotypes; all with the same SNPs.

    Nearest-neighbour metrics need equal set sizes. ``aats``, ``aa_truth``, ``aa_syn`` (reference =
    train), ``aats_test`` (reference = test) and ``privacy_loss`` (= aats_test - aats) are computed
    on subsamples of all three sets to a common size ``n_eval`` (default: the smallest set), drawn
    without replacement with ``numpy.random.default_rng(seed)`` in the order train, test,
    synthetic. Caution: when train is larger than n_eval, memorised haplotypes are only caught if
    they land in the train subsample, so a pure copy of the training set scores well above 0 on
    ``aats``; ``aats_full``, ``exact_copies`` and ``mia_auc_blackbox`` catch it on the full sets.

    Columns:

    * ``n_train``, ``n_test``, ``n_synthetic``, ``n_eval``: set sizes.
    * ``aats``, ``aa_truth``, ``aa_syn``, ``aats_test``, ``privacy_loss``: see above.
    * ``aats_full``: AATS against train at the largest equal size, ``min(n_train, n_synthetic)``
      (seeded subsample of the larger of the two); the number comparable with the authors'
      training AATS, and the one that shows copying (a shuffled copy of train scores 0).
    * ``mia_auc_blackbox``: members = train rows, non-members = test rows (equal numbers, seeded
      subsample of the larger), score = -distance to the nearest row of the *full* synthetic set.
    * ``exact_copies``: synthetic rows (full set) identical to a training row; ``exact_copies_rate``
      the same as a fraction; ``exact_copies_test_rate``: fraction of *test* haplotypes identical
      to a training one, the level a perfect generator would reach on this region (far from 0 on
      short or low-diversity regions).
    * ``min_dst``: smallest Hamming distance from a synthetic to a training haplotype (full sets).
    * ``af_r``: Pearson r of allele frequencies, train vs synthetic; ``fixed_not_in_real``: sites
      fixed in synthetic but not in train.
    * ``ld_r``: Pearson r of r^2 over SNP pairs i < j (sites fixed in either set dropped).
    * ``pca_w1_pc1``, ``pca_w1_pc2``: W1 between train and synthetic scores on the coupled PCA.
    * ``pairwise_w1``: W1 between within-set pairwise Hamming distance distributions (full sets).
    * ``kmer_r``: Pearson r of k-mer (default 8-mer) frequency spectra.
    * ``three_point_r``: Pearson r of connected 3-point cumulants over the authors' SNP gaps.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        The model's training haplotypes.
    test : array_like of uint8, shape (n_test, n_snps)
        Held-out real haplotypes.
    synthetic : array_like of uint8, shape (n_syn, n_snps)
        The model's samples.
    name : str, optional
        Index of the row (the model's name).
    seed : int, None or numpy.random.Generator, optional
        Source of every subsample.
    n_eval : int, optional
        Common size of the nearest-neighbour subsamples.
    k : int, optional
        Word length of the k-mer spectra.
    block : int, optional
        Rows per distance tile (memory only).

    Returns
    -------
    pandas.DataFrame
        One row, the columns :data:`SCORECARD_COLUMNS` listed above.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train, test = rng.integers(0, 2, (2, 20, 30))
    >>> card = scorecard(train, test, train[::-1], name="copy")  # a memorising "model"
    >>> card.loc["copy", ["aats", "privacy_loss", "exact_copies_rate"]].round(3).tolist()
    [0.0, 0.35, 1.0]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    train, test, synthetic, parts, n_common = _checked_privacy_parts(train, test, synthetic, n_eval, seed, block)
    a_tr, a_te = parts["train"], parts["test"]

    n_full = min(train.shape[0], synthetic.shape[0])
    if n_full == n_common:
        aats_full = a_tr.aats
    else:
        trf, syf = subsample_to_common_size(train, synthetic, n=n_full, seed=seed, names=["train", "synthetic"])
        d_st_f, d_ts_f = _nn_cross(syf, trf, block)
        aats_full = aats_from_distances(_nn_self(trf, block), _nn_self(syf, block), d_ts_f, d_st_f).aats

    # Black-box MIA on the full sets: equal numbers of members (train) and non-members (test),
    # each scored by minus its distance to the nearest row of the whole synthetic set.
    rng = np.random.default_rng(seed)
    m = min(train.shape[0], test.shape[0])
    d_st, d_ts = _nn_cross(synthetic, train, block)
    mem_idx = np.arange(m) if m == train.shape[0] else np.sort(rng.choice(train.shape[0], m, replace=False))
    non = test if m == test.shape[0] else test[np.sort(rng.choice(test.shape[0], m, replace=False))]
    d_mem = d_ts[mem_idx]
    d_non = _nn_cross(non, synthetic, block)[0]

    pw = wasserstein_from_counts(distance_counts(train, block=block), distance_counts(synthetic, block=block))
    w = pca_w1(train, synthetic, n_components=min(6, train.shape[1]), components=(1, 2) if train.shape[1] > 1 else (1,))
    k_eff = min(k, train.shape[1])

    def three_point_r():
        tp = three_point_summary(three_point_correlations(train, synthetic, seed=seed))
        return float(tp.loc[tp["gap"] == "all", "pearson_r"].iloc[0])

    row = {
        "n_train": train.shape[0], "n_test": test.shape[0], "n_synthetic": synthetic.shape[0],
        "n_eval": n_common,
        "aats": a_tr.aats, "aa_truth": a_tr.aa_truth, "aa_syn": a_tr.aa_syn,
        "aats_test": a_te.aats, "privacy_loss": a_te.aats - a_tr.aats, "aats_full": aats_full,
        "mia_auc_blackbox": mia_auc(-d_mem.astype(float), -d_non.astype(float)),
        "exact_copies": int(_is_copy(train, synthetic).sum()),
        "exact_copies_rate": float(_is_copy(train, synthetic).mean()),
        "exact_copies_test_rate": float(_is_copy(train, test).mean()),
        "min_dst": int(d_st.min()),
        "af_r": af_correlation(train, synthetic),
        "fixed_not_in_real": n_fixed_not_in_real(train, synthetic),
        "ld_r": _or_nan(lambda: ld_correlation(train, synthetic)),
        "pca_w1_pc1": w["pc1"], "pca_w1_pc2": w.get("pc2", float("nan")),
        "pairwise_w1": pw,
        "kmer_r": kmer_correlation(train, synthetic, k=k_eff),
        "three_point_r": _or_nan(three_point_r),
    }
    index = pd.Index([name if name is not None else "synthetic"], name="name")
    return pd.DataFrame([row], index=index)[SCORECARD_COLUMNS]
