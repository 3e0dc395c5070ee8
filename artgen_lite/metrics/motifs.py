"""Higher-order structure: k-mer (motif) frequencies and three-point correlations.

* k-mers: every window of k consecutive SNPs in every haplotype is read as a k-bit word; the
  frequencies of the 2**k words in real and generated data are compared with a Pearson r.
* Three-point correlations (plotting notebook 6): for SNPs a < b < c and alleles x, y, z the
  connected cumulant

      C = f_abc(x,y,z) - f_ab(x,y) f_c(z) - f_bc(y,z) f_a(x) - f_ac(x,z) f_b(y) + 2 f_a(x) f_b(y) f_c(z)

  on triplets (i, i+g+1, i+2(g+1)) for SNP gaps g, compared between real and generated data.
  Pair and AF agreement do not imply agreement here, so it probes structure beyond LD.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import pearsonr

from ._validation import as_haplotypes, as_rng, same_snps

__all__ = ["kmer_frequencies", "kmer_correlation", "three_point_correlations", "three_point_summary"]

DEFAULT_GAPS = (1, 4, 16, 64, 256, 512, 1024)


def kmer_frequencies(X, k: int = 8) -> np.ndarray:
    """Relative frequency of each of the 2**k binary words over all length-k windows.

    Word w has its first SNP as the most significant bit. Vectorised: k shifted column slices
    are OR-ed into integer codes (no loop over haplotypes), then ``np.bincount``; rows are taken
    in chunks so memory stays bounded on long sequences.

    Parameters
    ----------
    X : array_like of uint8, shape (n_haplotypes, n_snps)
        Haplotypes (0/1), ``n_snps >= k``.
    k : int, optional
        Word length.

    Returns
    -------
    numpy.ndarray of float64, shape (2**k,)
        Frequencies summing to 1.

    Examples
    --------
    >>> kmer_frequencies(np.array([[0, 1, 1]]), k=2)  # words 01 and 11
    array([0. , 0.5, 0. , 0.5])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    X = as_haplotypes(X, "X")
    k = int(k)
    if not 1 <= k <= 24:
        raise ValueError(f"k must be between 1 and 24, got {k}")
    if k > X.shape[1]:
        raise ValueError(f"k={k} is longer than the number of SNPs ({X.shape[1]})")
    w = X.shape[1] - k + 1
    dt = np.uint16 if k <= 16 else np.uint32
    counts = np.zeros(2**k, dtype=np.int64)
    step = max(1, 2**22 // w)  # rows per chunk: at most ~4M window codes in memory at once
    for r0 in range(0, X.shape[0], step):
        Xc = X[r0:r0 + step]
        codes = np.zeros((Xc.shape[0], w), dtype=dt)
        for t in range(k):
            codes <<= 1
            codes |= Xc[:, t:t + w]
        counts += np.bincount(codes.ravel(), minlength=2**k)
    return counts / counts.sum()


def kmer_correlation(real, synthetic, k: int = 8) -> float:
    """Pearson r between the k-mer frequency spectra of real and generated haplotypes (default 8-mers).

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices over the same SNPs.
    k : int, optional
        Word length.

    Returns
    -------
    float
        Correlation of the two spectra.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 0], [1, 1, 0, 1], [0, 1, 1, 1]])
    >>> synthetic = real.copy()
    >>> synthetic[4, 1] = 0
    >>> round(kmer_correlation(real, synthetic, k=2), 3)
    0.522

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real = as_haplotypes(real, "real")
    synthetic = as_haplotypes(synthetic, "synthetic")
    same_snps(real, synthetic, "real", "synthetic")
    a, b = kmer_frequencies(real, k), kmer_frequencies(synthetic, k)
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(pearsonr(a, b)[0])


def _triplets(n_snps: int, gaps, n_triplets: int, rng, random_triplets: bool):
    rows = []
    for g in gaps:
        g = int(g)
        span = 2 * (g + 1)
        n_start = n_snps - span
        if g < 0 or n_start <= 0:
            continue  # gap does not fit in the region: clipped
        starts = np.arange(n_start)
        if n_start > n_triplets:
            starts = np.sort(rng.choice(n_start, size=n_triplets, replace=False))
        rows.append((str(g), starts, starts + g + 1, starts + span))
    if random_triplets and n_snps >= 3:
        t = np.sort(np.array([rng.choice(n_snps, size=3, replace=False) for _ in range(n_triplets)]), axis=1)
        rows.append(("random", t[:, 0], t[:, 1], t[:, 2]))
    return rows


def _cumulants(X: np.ndarray, a, b, c) -> np.ndarray:
    """Connected 3-point cumulants, shape (len(a), 8); column index 4x + 2y + z."""
    code = (X[:, a] << 2) | (X[:, b] << 1) | X[:, c]  # (n, T) uint8 in 0..7
    n = X.shape[0]
    f = np.stack([(code == v).sum(axis=0) for v in range(8)], axis=1) / n  # joint f_abc
    f3 = f.reshape(-1, 2, 2, 2)  # [t, x, y, z]
    f_ab = f3.sum(axis=3)
    f_bc = f3.sum(axis=1)
    f_ac = f3.sum(axis=2)
    f_a = f_ab.sum(axis=2)
    f_b = f_ab.sum(axis=1)
    f_c = f_bc.sum(axis=1)
    C = (f3
         - f_ab[:, :, :, None] * f_c[:, None, None, :]
         - f_bc[:, None, :, :] * f_a[:, :, None, None]
         - f_ac[:, :, None, :] * f_b[:, None, :, None]
         + 2 * f_a[:, :, None, None] * f_b[:, None, :, None] * f_c[:, None, None, :])
    return C.reshape(-1, 8)


def three_point_correlations(real, synthetic, gaps=DEFAULT_GAPS, n_triplets: int = 1000, seed=0,
                             random_triplets: bool = False) -> pd.DataFrame:
    """Connected three-point correlations of real vs generated haplotypes on the same triplets.

    Triplets are (i, i+g+1, i+2(g+1)) for each gap g in ``gaps`` (default the authors'
    1, 4, 16, 64, 256, 512, 1024 SNPs); gaps that do not fit in the region are skipped, and when
    more than ``n_triplets`` starts fit, ``n_triplets`` are drawn without replacement with
    ``numpy.random.default_rng(seed)``. ``random_triplets=True`` adds ``n_triplets`` random
    triplets (gap label ``"random"``).

    Returns one row per triplet and allele combination: ``gap``, ``a``, ``b``, ``c``, ``x``,
    ``y``, ``z``, ``c_real``, ``c_synthetic``. Summarise with :func:`three_point_summary`.

    Parameters
    ----------
    real, synthetic : array_like of uint8
        Haplotype matrices over the same SNPs.
    gaps : sequence of int, optional
        SNPs skipped between the three sites of a triplet.
    n_triplets : int, optional
        Most triplets per gap.
    seed : int, None or numpy.random.Generator, optional
        Source of the triplet draws.
    random_triplets : bool, optional
        Also use random triplets.

    Returns
    -------
    pandas.DataFrame
        The columns above.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 0], [1, 1, 0, 1], [0, 1, 1, 1]])
    >>> synthetic = real.copy()
    >>> synthetic[4, 1] = 0
    >>> table = three_point_correlations(real, synthetic, gaps=(0, 1))  # gap 1 needs 5 SNPs: skipped
    >>> table.shape, table["gap"].unique().tolist()
    ((16, 9), ['0'])
    >>> table["c_real"].round(3).tolist()[:4]
    [0.032, -0.032, -0.032, 0.032]

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real = as_haplotypes(real, "real", min_snps=3)  # a triplet spans 3 SNPs
    synthetic = as_haplotypes(synthetic, "synthetic", min_snps=3)
    same_snps(real, synthetic, "real", "synthetic")
    rng = as_rng(seed)
    frames = []
    xyz = np.array([(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)])
    for label, a, b, c in _triplets(real.shape[1], gaps, int(n_triplets), rng, random_triplets):
        cr, cs = _cumulants(real, a, b, c), _cumulants(synthetic, a, b, c)
        T = len(a)
        frames.append(pd.DataFrame({
            "gap": label,
            "a": np.repeat(a, 8), "b": np.repeat(b, 8), "c": np.repeat(c, 8),
            "x": np.tile(xyz[:, 0], T), "y": np.tile(xyz[:, 1], T), "z": np.tile(xyz[:, 2], T),
            "c_real": cr.ravel(), "c_synthetic": cs.ravel(),
        }))
    if not frames:
        raise ValueError(f"no gap in {tuple(gaps)} fits in {real.shape[1]} SNPs")
    return pd.concat(frames, ignore_index=True)


def three_point_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Pearson r between real and generated cumulants per gap, plus an ``"all"`` row.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`three_point_correlations` table.

    Returns
    -------
    pandas.DataFrame
        One row per gap and ``"all"``: ``gap``, ``pearson_r`` and ``n_triplets``.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 0], [1, 1, 0, 1], [0, 1, 1, 1]])
    >>> synthetic = real.copy()
    >>> synthetic[4, 1] = 0
    >>> summary = three_point_summary(three_point_correlations(real, synthetic, gaps=(0,)))
    >>> summary["gap"].tolist(), summary["pearson_r"].round(3).tolist(), summary["n_triplets"].tolist()
    (['0', 'all'], [0.814, 0.814], [2, 2])

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    def r(d):
        x, y = d["c_real"].to_numpy(), d["c_synthetic"].to_numpy()
        if len(x) < 2 or x.std() == 0 or y.std() == 0:
            return float("nan")
        return float(pearsonr(x, y)[0])

    rows = [{"gap": g, "pearson_r": r(d), "n_triplets": len(d) // 8} for g, d in table.groupby("gap", sort=False)]
    rows.append({"gap": "all", "pearson_r": r(table), "n_triplets": len(table) // 8})
    return pd.DataFrame(rows)
