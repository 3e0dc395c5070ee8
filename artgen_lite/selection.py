"""Scans for positive selection: PBS and XP-EHH (thin wrappers on scikit-allel), and how to rank a signal.

Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).

Both scans take a :class:`~artgen_lite.data.Haplotypes` (rows = haplotypes, with ``populations``
and ``positions``), so real and artificial genomes go through the same code: artificial genomes
only need the population labels of the model that made them and the positions of the SNPs it
was trained on.

* :func:`pbs_scan` -- the population branching statistic of Yi et al. (2010) in windows of SNPs:
  the length of the branch leading to population 1 in the tree of three populations built from
  pairwise F_ST (Hudson's estimator), ``(T12 + T13 - T23) / 2`` with ``T = -log(1 - F_ST)``.
  Large values mean population 1 changed allele frequencies more than the other two.
* :func:`xpehh_scan` -- the cross-population extended haplotype homozygosity of Sabeti et al.
  (2007), per SNP: the log ratio of the integrated haplotype homozygosity of population A to that
  of population B.  Positive values mean longer shared haplotypes in A, the trace of a recent sweep.
  The scores are *unstandardised*: genome-wide scans standardise them over the whole genome, and
  standardising within a small region that is itself the sweep would remove the signal.
* :func:`signal_at` -- the value, rank and top fraction of the window(s) holding a given position.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .validation import check_haplotypes

__all__ = ["allele_counts", "pbs_scan", "xpehh_scan", "signal_at"]


def _haps(h, need_positions: bool = True):
    if not hasattr(h, "X") or getattr(h, "populations", None) is None:
        raise TypeError("give a Haplotypes object with population labels (h.populations)")
    X = check_haplotypes(h.X, "h.X")
    pos = getattr(h, "positions", None)
    if need_positions:
        if pos is None:
            raise ValueError("h.positions is needed (one bp position per SNP)")
        pos = np.asarray(pos)
        if pos.shape != (X.shape[1],):
            raise ValueError(f"h.positions has {pos.size} entries for {X.shape[1]} SNPs")
        if np.any(np.diff(pos) < 0):
            raise ValueError("h.positions must be sorted")
    return X, np.asarray(h.populations), pos


def _rows(X, labels, pop) -> np.ndarray:
    m = labels == pop
    if not m.any():
        raise ValueError(f"population {pop!r} not found; present: {sorted(set(labels.tolist()))}")
    return X[m]


def allele_counts(X) -> np.ndarray:
    """``(n_snps, 2)`` counts of alleles 0 and 1 in a 0/1 haplotype matrix (rows = haplotypes), as scikit-allel wants them.

    Parameters
    ----------
    X : array_like of uint8, shape (n_haplotypes, n_snps)
        Haplotypes of one population.

    Returns
    -------
    numpy.ndarray of int, shape (n_snps, 2)
        Per SNP, the number of 0 alleles and of 1 alleles.

    Examples
    --------
    >>> allele_counts(np.array([[0, 1], [1, 1], [0, 1]]))
    array([[2, 1],
           [0, 3]])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    X = check_haplotypes(X, "X")
    ones = X.sum(0).astype(np.int64)
    return np.stack([X.shape[0] - ones, ones], axis=1)


def pbs_scan(h, pops=("CEU", "CHB", "YRI"), window: int = 20, step: int = 5, normed: bool = False) -> pd.DataFrame:
    """PBS of ``pops[0]`` against ``pops[1]`` and ``pops[2]`` in windows of ``window`` SNPs moved by ``step``.

    Calls ``allel.pbs`` on allele counts.  Returns one row per window: ``start_index`` and
    ``stop_index`` (SNP indices, stop exclusive), ``start`` and ``stop`` (bp of the first and
    last SNP), ``mid`` (their midpoint) and ``pbs``.

    Parameters
    ----------
    h : artgen_lite.data.Haplotypes
        Haplotypes with ``populations`` and ``positions``.
    pops : tuple of str, optional
        The focal population and its two outgroups.
    window, step : int, optional
        Window length and step, in SNPs.
    normed : bool, optional
        Pass ``normed=True`` to ``allel.pbs`` (PBSn1).

    Returns
    -------
    pandas.DataFrame
        One row per window, the columns above.

    Examples
    --------
    >>> from artgen_lite.data import Haplotypes
    >>> X = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 1, 1], [1, 1, 1, 1, 1, 1],
    ...               [0, 1, 0, 1, 0, 0], [1, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 1], [0, 1, 0, 1, 0, 1],
    ...               [0, 0, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1], [0, 1, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0]])
    >>> h = Haplotypes(X, populations=["CEU"] * 4 + ["CHB"] * 4 + ["YRI"] * 4,
    ...                positions=[100, 200, 300, 400, 500, 600])
    >>> scan = pbs_scan(h, window=3, step=1)  # CEU nearly fixed for allele 1
    >>> scan["start"].tolist(), scan["pbs"].round(3).tolist()
    ([100, 200, 300, 400], [0.761, 0.405, 0.398, 0.405])

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    import allel

    if len(pops) != 3:
        raise ValueError(f"PBS needs exactly three populations, got {list(pops)}")
    X, labels, pos = _haps(h)
    window, step = int(window), int(step)
    if window < 1 or step < 1:
        raise ValueError("window and step must be positive")
    if window > X.shape[1]:
        raise ValueError(f"window ({window} SNPs) is longer than the data ({X.shape[1]} SNPs)")
    acs = [allele_counts(_rows(X, labels, p)) for p in pops]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = allel.pbs(*acs, window_size=window, window_step=step, normed=normed)
    starts = np.arange(0, X.shape[1] - window + 1, step)
    stops = starts + window
    return pd.DataFrame({"start_index": starts, "stop_index": stops, "start": pos[starts], "stop": pos[stops - 1],
                         "mid": (pos[starts] + pos[stops - 1]) / 2, "pbs": np.asarray(values, dtype=float)})


def xpehh_scan(h, pop_a: str = "CEU", pop_b: str = "YRI", include_edges: bool = True, **kwargs) -> pd.DataFrame:
    """Unstandardised XP-EHH of ``pop_a`` against ``pop_b`` at every SNP (positive: longer haplotypes in ``pop_a``).

    Calls ``allel.xpehh`` (single-threaded unless ``use_threads=True`` is passed; other keyword
    arguments go through as well).  Returns ``index``, ``position``, ``start`` = ``stop`` =
    ``position`` (so :func:`signal_at` treats SNPs as windows of one) and ``xpehh``.

    Parameters
    ----------
    h : artgen_lite.data.Haplotypes
        Haplotypes with ``populations`` and ``positions``.
    pop_a, pop_b : str, optional
        The two populations compared.
    include_edges : bool, optional
        Passed to ``allel.xpehh``: keep SNPs whose EHH does not decay before the region's end.
    **kwargs
        Further keyword arguments of ``allel.xpehh``.

    Returns
    -------
    pandas.DataFrame
        One row per SNP, the columns above.

    Examples
    --------
    >>> from artgen_lite.data import Haplotypes
    >>> X = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 1, 1], [1, 1, 1, 1, 1, 1],
    ...               [0, 1, 0, 1, 0, 0], [1, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 1], [0, 1, 0, 1, 0, 1],
    ...               [0, 0, 1, 0, 1, 0], [1, 0, 0, 1, 0, 1], [0, 1, 0, 0, 1, 0], [1, 0, 1, 1, 0, 0]])
    >>> h = Haplotypes(X, populations=["CEU"] * 4 + ["CHB"] * 4 + ["YRI"] * 4,
    ...                positions=[100, 200, 300, 400, 500, 600])
    >>> scan = xpehh_scan(h)  # positive: longer shared haplotypes in CEU than in YRI
    >>> scan["xpehh"].round(2).tolist()
    [2.42, 1.61, 2.01, 1.2, 1.47, 1.72]

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    import allel

    X, labels, pos = _haps(h)
    kwargs.setdefault("use_threads", False)
    ha = _rows(X, labels, pop_a).T
    hb = _rows(X, labels, pop_b).T
    with np.errstate(divide="ignore", invalid="ignore"):
        values = allel.xpehh(ha, hb, pos, include_edges=include_edges, **kwargs)
    return pd.DataFrame({"index": np.arange(X.shape[1]), "position": pos, "start": pos, "stop": pos,
                         "xpehh": np.asarray(values, dtype=float)})


def signal_at(scan: pd.DataFrame, position: int, column: str) -> dict:
    """How strongly ``scan`` flags ``position``: the largest ``column`` over the windows that hold it, and its rank.

    Returns a dict with ``value``, ``rank`` (1 = the largest in the scan), ``n`` (windows with a
    value), ``top_fraction`` (``rank / n``: 0.01 means the top 1 %) and ``quantile`` (the share
    of windows with a smaller value).

    Parameters
    ----------
    scan : pandas.DataFrame
        A :func:`pbs_scan` or :func:`xpehh_scan` table.
    position : int
        The base-pair position asked about.
    column : str
        The statistic, ``"pbs"`` or ``"xpehh"``.

    Returns
    -------
    dict
        Keys ``value``, ``rank``, ``n``, ``top_fraction``, ``quantile``.

    Examples
    --------
    >>> import pandas as pd
    >>> scan = pd.DataFrame({"start": [0, 100, 200], "stop": [150, 250, 350], "pbs": [0.1, 0.5, 0.3]})
    >>> result = signal_at(scan, 120, "pbs")  # windows 0 and 1 hold 120; the larger value counts
    >>> result["value"], result["rank"], result["n"]
    (0.5, 1, 3)

    Explained in the chapter "Applications: imputation and selection scans" (notebooks/10_applications).
    """
    for col in ("start", "stop", column):
        if col not in scan:
            raise ValueError(f"scan has no column {col!r}")
    values = scan[column].to_numpy(dtype=float)
    valid = np.isfinite(values)
    holds = valid & (scan["start"].to_numpy() <= position) & (scan["stop"].to_numpy() >= position)
    if not holds.any():
        raise ValueError(f"no window with a {column} value holds position {position}")
    v = float(values[holds].max())
    rank = int((values[valid] > v).sum() + 1)
    n = int(valid.sum())
    return {"value": v, "rank": rank, "n": n, "top_fraction": rank / n,
            "quantile": float((values[valid] < v).mean())}
