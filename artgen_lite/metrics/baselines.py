"""Reference sets that give the metrics a scale.

A number such as AATS = 0.6 means little alone. These cheap generators bracket it:

* :func:`real_vs_real`: two disjoint halves of the real data, the best any model can do
  (AATS ~0.48-0.5, privacy loss ~0);
* :func:`independent_sites`: every SNP drawn independently from its frequency ("Binomial" in the
  authors' figures): perfect allele frequencies, no LD at all;
* :func:`markov_chain`: the authors' Markov-chain baseline (``markover_batch.py``), each SNP
  drawn given the previous ``window`` SNPs (the paper used windows 5 and 10);
* :func:`copy_of_training`: training haplotypes returned as they are, the worst case for
  privacy (AATS -> 0, privacy loss large and positive, exact copies everywhere).

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_haplotypes, as_rng

__all__ = ["independent_sites", "markov_chain", "copy_of_training", "real_vs_real"]


def _n(n, name="n"):
    n = int(n)
    if n < 1:
        raise ValueError(f"{name} must be a positive number of haplotypes, got {n}")
    return n


def independent_sites(train, n: int, seed=0) -> np.ndarray:
    """``n`` haplotypes whose SNPs are independent draws with the training allele frequencies.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        Haplotypes whose allele frequencies are kept.
    n : int
        Haplotypes to draw.
    seed : int, None or numpy.random.Generator, optional
        Source of the draws.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_snps)
        Haplotypes with independent sites.

    Examples
    --------
    >>> independent_sites(np.array([[0, 1], [0, 1]]), 3)  # fixed sites stay fixed
    array([[0, 1],
           [0, 1],
           [0, 1]], dtype=uint8)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    train = as_haplotypes(train, "train")
    n = _n(n)
    p = train.mean(axis=0)
    return (as_rng(seed).random((n, train.shape[1])) < p).astype(np.uint8)


def markov_chain(train, n: int, window: int = 5, seed=0) -> np.ndarray:
    """``n`` haplotypes from the authors' Markov-chain baseline with context length ``window``.

    As ``markover_batch.py``: SNP 0 is drawn from its training frequency; SNP i from the
    frequency of its alleles among the training haplotypes that share the generated haplotype's
    previous ``w = min(i, window)`` SNPs (the context grows from 1 up to ``window``). The
    authors' draw rule is kept: with p0 the conditional frequency of "0" and u ~ U(0, 1), the
    allele is 0 if ``p0 >= u``. A generated context always occurs in the training data (each
    step only emits transitions seen there), so no fallback is needed.

    Vectorised over haplotypes: one pass over the SNPs, with rolling integer context codes and
    ``np.bincount`` (contexts up to 20 SNPs) or sorting (longer) to count the training matches.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        Training haplotypes.
    n : int
        Haplotypes to generate.
    window : int, optional
        Longest context, in SNPs.
    seed : int, None or numpy.random.Generator, optional
        Source of the draws.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_snps)
        Markov-chain haplotypes (0/1).

    Examples
    --------
    >>> train = np.array([[0, 1, 0], [0, 1, 0]])
    >>> markov_chain(train, 2)  # a single training haplotype can only be repeated
    array([[0, 1, 0],
           [0, 1, 0]], dtype=uint8)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    T = as_haplotypes(train, "train")
    n = _n(n)
    window = int(window)
    if not 1 <= window <= 62:
        raise ValueError(f"window must be between 1 and 62 SNPs, got {window}")
    rng = as_rng(seed)
    N, L = T.shape
    out = np.empty((n, L), dtype=np.uint8)
    p0 = np.mean(T[:, 0] == 0)
    out[:, 0] = ~(p0 >= rng.random(n))
    mask = (1 << window) - 1
    code_t = np.zeros(N, dtype=np.int64)
    code_g = np.zeros(n, dtype=np.int64)
    for i in range(1, L):
        code_t = ((code_t << 1) | T[:, i - 1]) & mask
        code_g = ((code_g << 1) | out[:, i - 1]) & mask
        w = min(i, window)
        if w <= 20:
            n0 = np.bincount(code_t[T[:, i] == 0], minlength=1 << w)
            tot = np.bincount(code_t, minlength=1 << w)
            n0_g, tot_g = n0[code_g], tot[code_g]
        else:
            keys, inv = np.unique(code_t, return_inverse=True)
            n0 = np.bincount(inv, weights=(T[:, i] == 0), minlength=len(keys))
            tot = np.bincount(inv, minlength=len(keys))
            pos = np.clip(np.searchsorted(keys, code_g), 0, len(keys) - 1)
            found = keys[pos] == code_g
            n0_g, tot_g = np.where(found, n0[pos], 0), np.where(found, tot[pos], 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            p0 = np.where(tot_g > 0, n0_g / tot_g, np.mean(T[:, i] == 0))  # fallback never used in practice
        out[:, i] = ~(p0 >= rng.random(n))
    return out


def copy_of_training(train, n: int | None = None, seed=0, replace: bool | None = None) -> np.ndarray:
    """``n`` training haplotypes returned unchanged (the memorising "model").

    ``n`` defaults to ``len(train)`` (a shuffled copy of the whole set). Rows are drawn without
    replacement when ``n <= len(train)`` and with replacement otherwise, unless ``replace`` says.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        Training haplotypes.
    n : int, optional
        Rows to return.
    seed : int, None or numpy.random.Generator, optional
        Source of the draw.
    replace : bool, optional
        Draw with replacement; default only when ``n > n_train``.

    Returns
    -------
    numpy.ndarray of uint8, shape (n, n_snps)
        Rows of ``train``, in random order.

    Examples
    --------
    >>> copy_of_training(np.array([[0, 1], [1, 0]]), 3).shape  # 3 > 2 rows: drawn with replacement
    (3, 2)

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    train = as_haplotypes(train, "train")
    n = train.shape[0] if n is None else _n(n)
    if replace is None:
        replace = n > train.shape[0]
    if not replace and n > train.shape[0]:
        raise ValueError(f"cannot copy {n} rows without replacement from train, which has {train.shape[0]}")
    idx = as_rng(seed).choice(train.shape[0], size=n, replace=replace)
    return train[idx].copy()


def real_vs_real(real, n: int | None = None, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint random sets of ``n`` real haplotypes each (default ``len(real) // 2``).

    Feed them to a metric as (real, "synthetic") to get the score of a perfect generator. Note
    that 1000 Genomes files are sorted by sample, so never split by position.

    Parameters
    ----------
    real : array_like of uint8, shape (n_real, n_snps)
        Real haplotypes, at least ``2 * n``.
    n : int, optional
        Size of each half.
    seed : int, None or numpy.random.Generator, optional
        Source of the split.

    Returns
    -------
    first, second : numpy.ndarray of uint8, shape (n, n_snps)

    Examples
    --------
    >>> a, b = real_vs_real(np.eye(6, dtype=np.uint8))
    >>> a.shape, b.shape
    ((3, 6), (3, 6))

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    real = as_haplotypes(real, "real", min_rows=2)
    n = real.shape[0] // 2 if n is None else _n(n)
    if 2 * n > real.shape[0]:
        raise ValueError(f"real has {real.shape[0]} haplotypes, too few for two disjoint sets of {n}")
    perm = as_rng(seed).permutation(real.shape[0])
    return real[np.sort(perm[:n])], real[np.sort(perm[n:2 * n])]
