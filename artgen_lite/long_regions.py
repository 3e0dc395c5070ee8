"""What the two long-region chapters and ``benchmarks/bench_long_models.py`` share.

Chapter 06 (notebooks/06_long_regions) trains the convolutional WGAN-GP, the conditional RBM and
the PCA-space GAN on a window of consecutive SNPs; chapter 06b
(notebooks/06_long_regions_judging) judges their artificial genomes. Both, and the benchmark,
use one definition of

* the window: :func:`centred_window`, the ``n_snps`` consecutive SNPs centred on a named SNP;
* the LD-decay gaps: :func:`ld_decay_tables` and :func:`ld_decay_gaps`, on log-spaced distance
  bins (:func:`decay_edges`) over all SNPs and over the common ones;
* the white-box membership-inference AUC: :func:`white_box_auc`, from a model's
  ``score_samples`` (higher = more member-like);
* fitted models kept on disk between the chapters: :func:`fit_cached`, so chapter 06b reuses
  what chapter 06 trained when nothing changed, and trains the same models itself otherwise.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import metrics
from .data import Haplotypes

__all__ = [
    "N_BINS",
    "MIN_PAIRS",
    "COMMON_MAF",
    "centred_window",
    "common_snps",
    "decay_edges",
    "ld_decay_tables",
    "ld_decay_gaps",
    "white_box_auc",
    "model_cache_dir",
    "fit_cached",
]

#: Log-spaced distance bins from 1 bp to the window's span, over all SNPs and over common SNPs.
N_BINS = {"all": 50, "common": 25}
#: A bin counts in the gap when it holds at least this many real pairs.
MIN_PAIRS = {"all": 1, "common": 50}
#: Training minor-allele frequency from which a SNP is "common".
COMMON_MAF = 0.05


def centred_window(h: Haplotypes, n_snps: int | None, centre_bp: int) -> Haplotypes:
    """The ``n_snps`` consecutive SNPs of ``h`` centred on the SNP at position ``centre_bp``.

    Explained in chapter 06 (notebooks/06_long_regions), which takes 4,095 SNPs around
    rs4988235 at LCT; chapter 06b takes 1,023 around rs12913832 at HERC2 as well.

    Parameters
    ----------
    h : Haplotypes
        The region, with ``positions`` when it is real data.
    n_snps : int or None
        Length of the window; ``None``, or more SNPs than ``h`` has, gives the whole region.
    centre_bp : int
        Position of the SNP to centre on (in the coordinates of ``h``). When no SNP of ``h``
        sits there (simulated data, or no positions) the window is centred on the middle of
        the region.

    Returns
    -------
    Haplotypes
        The columns of the window; ``meta`` gains ``window_start`` (its first column in ``h``),
        ``centre_in_region`` (the centre's column in ``h``) and ``centre_in_window`` (the
        centre's column in the window). Near an end of the region the window is shifted
        inside it.

    Examples
    --------
    >>> h = Haplotypes(np.zeros((4, 10), np.uint8), positions=np.arange(100, 110))
    >>> w = centred_window(h, 4, 108)
    >>> w.positions.tolist(), w.meta["centre_in_window"]
    ([106, 107, 108, 109], 2)
    """
    if not isinstance(h, Haplotypes):
        raise TypeError(f"h must be a Haplotypes, got {type(h).__name__}")
    total = h.n_snps
    if n_snps is None:
        n = total
    elif isinstance(n_snps, bool) or not isinstance(n_snps, (int, np.integer)) or n_snps < 1:
        raise ValueError(f"n_snps must be a positive integer or None; got {n_snps!r}")
    else:
        n = min(int(n_snps), total)
    hit = np.flatnonzero(np.asarray(h.positions) == centre_bp) if h.positions is not None else []
    centre = int(hit[0]) if len(hit) else total // 2
    first = int(np.clip(centre - n // 2, 0, total - n))
    window = h.columns(slice(first, first + n))
    window.meta = dict(window.meta, window_start=first, centre_in_region=centre,
                       centre_in_window=centre - first)
    return window


def common_snps(X, maf: float = COMMON_MAF) -> np.ndarray:
    """Boolean mask of the SNPs whose minor-allele frequency in ``X`` is at least ``maf``.

    Explained in chapter 06b (notebooks/06_long_regions_judging): LD among common SNPs is
    what separates the models.

    Parameters
    ----------
    X : array-like of shape (n_haplotypes, n_snps)
        0/1 haplotypes.
    maf : float, default COMMON_MAF
        The smallest minor-allele frequency of a common SNP (0.05).

    Returns
    -------
    numpy.ndarray of bool, shape (n_snps,)
        True where the allele frequency lies in ``[maf, 1 - maf]``.

    Examples
    --------
    >>> common_snps(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 1], [1, 0, 1]], np.uint8)).tolist()
    [True, True, False]
    """
    af = np.asarray(X).mean(0)
    return (af >= maf) & (af <= 1 - maf)


def decay_edges(positions, n_bins: int) -> np.ndarray:
    """``n_bins`` log-spaced distance-bin edges from 1 bp to the span of ``positions``.

    Explained in chapter 06b (notebooks/06_long_regions_judging).

    Parameters
    ----------
    positions : array-like of shape (n_snps,)
        Positions in bp.
    n_bins : int
        Number of edges.

    Returns
    -------
    numpy.ndarray of float, shape (n_bins,)
        ``np.logspace(0, log10(span), n_bins)`` with the last edge set to the span
        (``max(positions) - min(positions)``) exactly.

    Raises
    ------
    ValueError
        When the positions span 1 bp or less.

    Examples
    --------
    >>> decay_edges([0, 50, 1000], 4).round(1).tolist()
    [1.0, 10.0, 100.0, 1000.0]
    """
    pos = np.asarray(positions, dtype=float)
    span = float(pos.max() - pos.min())
    if not span > 1:
        raise ValueError(f"the positions must span more than 1 bp; they span {span:g}")
    edges = np.logspace(0, np.log10(span), int(n_bins))
    edges[-1] = span
    return edges


def _masks(n_snps: int, common: np.ndarray) -> dict[str, np.ndarray]:
    common = np.asarray(common, dtype=bool)
    if common.shape != (n_snps,):
        raise ValueError(f"common must be a boolean mask of the {n_snps} SNPs; got shape {common.shape}")
    return {"all": np.ones(n_snps, bool), "common": common}


def ld_decay_tables(X, positions, common, *, n_bins: Mapping[str, int] = N_BINS) -> dict[str, pd.DataFrame]:
    """LD decay of ``X`` on its own polymorphic SNPs: ``{"all": table, "common": table}``.

    The tables of :func:`artgen_lite.metrics.ld_decay` on the bins of :func:`decay_edges`; what
    the LD-decay figures of chapter 06b (notebooks/06_long_regions_judging) draw, as the
    authors' "fullSNP" plots do.

    Parameters
    ----------
    X : array-like of shape (n_haplotypes, n_snps)
        0/1 haplotypes.
    positions : array-like of shape (n_snps,)
        Positions in bp.
    common : array-like of bool, shape (n_snps,)
        The common SNPs (e.g. :func:`common_snps` of the training data).
    n_bins : dict with keys ``"all"`` and ``"common"``, default N_BINS
        Number of bin edges (:func:`decay_edges`) for each table.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"all"`` (every SNP) and ``"common"`` (the common SNPs): one row per bin, columns
        ``bin_left``, ``bin_right``, ``mean_r2``, ``sem`` and ``n_pairs``.

    Examples
    --------
    >>> X = np.array([[0, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 1]], np.uint8)
    >>> tables = ld_decay_tables(X, [0, 5, 50, 1000], common_snps(X), n_bins={"all": 4, "common": 3})
    >>> {kind: table.shape for kind, table in tables.items()}
    {'all': (3, 5), 'common': (2, 5)}
    >>> tables["all"]["n_pairs"].tolist()  # pairs 1-10, 10-100 and 100-1000 bp apart
    [1, 2, 3]
    """
    X = np.asarray(X)
    pos = np.asarray(positions, dtype=float)
    return {kind: metrics.ld_decay(X[:, cols], pos[cols], bins=decay_edges(pos, n_bins[kind]))
            for kind, cols in _masks(X.shape[1], common).items()}


def ld_decay_gaps(real, synthetic, positions, common=None, *, n_bins: Mapping[str, int] = N_BINS,
                  min_pairs: Mapping[str, int] = MIN_PAIRS) -> dict[str, float]:
    """The three LD-decay gaps of the long-region scorecard.

    Explained in chapter 06b (notebooks/06_long_regions_judging).

    Parameters
    ----------
    real, synthetic : array of uint8, shape (n, n_snps)
        Training haplotypes and the set judged (AGs or held-out real haplotypes).
    positions : array of shape (n_snps,)
        Positions in bp.
    common : boolean mask of the SNPs, optional
        The common SNPs; by default those with minor-allele frequency of at least
        :data:`COMMON_MAF` in ``real``.
    n_bins, min_pairs : dicts with keys ``"all"`` and ``"common"``
        Bins (:func:`decay_edges`) and the real pairs a bin needs to count.

    Returns
    -------
    dict
        ``ld_decay_gap`` and ``ld_decay_gap_common``: mean absolute difference of binned mean
        r^2 over the SNPs polymorphic in both sets (all of them; the common ones), the
        authors' "intersectSNP" mode (:func:`artgen_lite.metrics.ld_decay_matched`);
        ``ld_decay_gap_own``: each set on its own polymorphic SNPs ("fullSNP"), all bins.
        NaN where no bin qualifies.

    Examples
    --------
    >>> real = np.array([[0, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1], [0, 0, 1, 1]], np.uint8)
    >>> synthetic = np.array([[0, 0, 1, 1], [1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]], np.uint8)
    >>> gaps = ld_decay_gaps(real, synthetic, [0, 5, 50, 1000])
    >>> {key: round(value, 3) for key, value in gaps.items()}  # no common bin holds the 50 real pairs it needs
    {'ld_decay_gap': 0.702, 'ld_decay_gap_common': nan, 'ld_decay_gap_own': 0.702}
    >>> gaps = ld_decay_gaps(real, synthetic, [0, 5, 50, 1000], min_pairs={"all": 1, "common": 1})
    >>> round(gaps["ld_decay_gap_common"], 3)
    0.702
    """
    real = np.asarray(real)
    synthetic = np.asarray(synthetic)
    pos = np.asarray(positions, dtype=float)
    masks = _masks(real.shape[1], common_snps(real) if common is None else common)
    gaps = {}
    for kind, col in (("all", "ld_decay_gap"), ("common", "ld_decay_gap_common")):
        cols = masks[kind]
        curves = metrics.ld_decay_matched(real[:, cols], synthetic[:, cols], pos[cols],
                                          bins=decay_edges(pos, n_bins[kind]))
        gaps[col] = metrics.ld_decay_gap(*curves, min_pairs=int(min_pairs[kind]))
    edges = decay_edges(pos, n_bins["all"])
    own = [_real_own_curve(real, pos, edges), metrics.ld_decay(synthetic, pos, bins=edges)]
    gaps["ld_decay_gap_own"] = metrics.ld_decay_gap(*own)
    return gaps


_OWN_CURVES: dict[bytes, Any] = {}


def _real_own_curve(real: np.ndarray, pos: np.ndarray, edges: np.ndarray):
    """The training set's own LD-decay curve, computed once per (haplotypes, positions, bins): a
    scorecard judges several sets against the same real one (chapter 06b calls this a dozen times
    with the same 4,004 x 4,095 real set, about 2 s each on one thread)."""
    h = hashlib.blake2b(digest_size=16)
    for a in (np.ascontiguousarray(real, dtype=np.uint8), np.ascontiguousarray(pos, dtype=float),
              np.ascontiguousarray(edges, dtype=float)):
        h.update(repr(a.shape).encode() + a.tobytes())
    key = h.digest()
    if key not in _OWN_CURVES:
        if len(_OWN_CURVES) >= 8:
            _OWN_CURVES.pop(next(iter(_OWN_CURVES)))
        _OWN_CURVES[key] = metrics.ld_decay(real, pos, bins=edges)
    return _OWN_CURVES[key].copy()


def white_box_auc(model, train, test, seed=0) -> float:
    """White-box membership-inference AUC of a fitted model.

    Members are ``len(test)`` training haplotypes drawn with
    :func:`artgen_lite.metrics.subsample` (``seed``), non-members the held-out ones; each is
    scored with ``model.score_samples`` (minus the free energy for RBMs, the critic or
    discriminator output for GANs) and :func:`artgen_lite.metrics.mia_auc` gives the AUC
    (0.5: the model does not give its training haplotypes away).

    Explained in chapter 06b (notebooks/06_long_regions_judging).

    Parameters
    ----------
    model : fitted model
        Anything with ``score_samples(X)`` returning one score per haplotype.
    train : array-like of shape (n_train, n_snps)
        The haplotypes the model was trained on (at least ``len(test)`` of them).
    test : array-like of shape (n_test, n_snps)
        Held-out haplotypes of the same population.
    seed : int, default 0
        Seed of the subsample of members.

    Returns
    -------
    float
        The AUC of telling members from non-members by their scores.

    Examples
    --------
    >>> from artgen_lite.models import RBM
    >>> rng = np.random.default_rng(0)
    >>> train = (rng.random((20, 8)) < 0.5).astype(np.uint8)
    >>> test = (rng.random((10, 8)) < 0.5).astype(np.uint8)
    >>> model = RBM(n_hidden=4, epochs=1, seed=0).fit(train, progress=False)
    >>> 0.0 <= white_box_auc(model, train, test) <= 1.0
    True
    """
    test = np.asarray(test)
    members = metrics.subsample(train, len(test), seed=seed)
    return metrics.mia_auc(model.score_samples(members), model.score_samples(test))


# ------------------------------------------------------------------------------------------------
# Fitted models kept between the chapters
# ------------------------------------------------------------------------------------------------

def model_cache_dir() -> Path:
    """Where :func:`fit_cached` keeps fitted models: ``$ARTGEN_MODEL_CACHE``, or ``build/cache/models``
    of the repository this package lives in.

    Explained in chapter 06b (notebooks/06_long_regions_judging).

    Returns
    -------
    pathlib.Path
        The folder (not created here); an empty ``$ARTGEN_MODEL_CACHE`` counts as unset.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"ARTGEN_MODEL_CACHE": "my_models"}):
    ...     print(model_cache_dir())
    my_models
    >>> with mock.patch.dict(os.environ, {"ARTGEN_MODEL_CACHE": ""}):
    ...     print(model_cache_dir().parts[-3:])
    ('build', 'cache', 'models')
    """
    env = os.environ.get("ARTGEN_MODEL_CACHE")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "build" / "cache" / "models"


def _package_digest() -> bytes:
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for f in sorted(root.rglob("*.py")):
        if "__pycache__" not in f.parts:
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.digest()


def _cache_key(model, X: np.ndarray, package: bytes) -> str:
    import torch

    h = hashlib.sha256(package)
    params = sorted(model.get_params().items())
    h.update(f"{type(model).__module__}.{type(model).__qualname__}|{params!r}|{torch.__version__}".encode())
    X = np.ascontiguousarray(X, dtype=np.uint8)
    h.update(repr(X.shape).encode() + X.tobytes())
    return h.hexdigest()[:24]


def fit_cached(models: Mapping[str, Any], X, *, reuse: bool = True, cache_dir=None, n_jobs: int = 2,
               desc: str = "training") -> dict[str, Any]:
    """Fit the unfitted ``models`` on ``X`` side by side, or load the same fits from the cache.

    A fitted model is stored under a key made of its class, its settings (seed included), the
    bytes of ``X``, the source of this package and the torch version, so a stored fit is reused
    only when training again would give the same model. Models not in the cache are trained
    with :func:`artgen_lite.uncertainty.fit_many` (``n_jobs`` processes, one torch thread each,
    in the order given) and stored. When the cache folder cannot be written the models are
    trained all the same.

    Explained in chapter 06b (notebooks/06_long_regions_judging), which reuses the models that
    chapter 06 trained.

    Parameters
    ----------
    models : dict of name -> unfitted model
        The models to fit, by name.
    X : array of uint8, shape (n_haplotypes, n_snps)
        Training haplotypes.
    reuse : bool, default True
        ``False`` trains every model (and stores the fits); chapter 06 does so to time training.
    cache_dir : path, optional
        Default :func:`model_cache_dir`.
    n_jobs : int, default 2
        Processes training at a time (:func:`artgen_lite.uncertainty.fit_many`; ``1`` trains in
        this process).
    desc : str, default "training"
        Label of the progress bar.

    Returns
    -------
    dict of name -> fitted model
        In the order of ``models``; each has ``from_cache`` set to whether it was loaded.

    Examples
    --------
    >>> import tempfile
    >>> from artgen_lite.models import RBM
    >>> X = (np.random.default_rng(0).random((20, 8)) < 0.5).astype(np.uint8)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = fit_cached({"rbm": RBM(n_hidden=4, epochs=1)}, X, cache_dir=folder, n_jobs=1)
    ...     again = fit_cached({"rbm": RBM(n_hidden=4, epochs=1)}, X, cache_dir=folder, n_jobs=1)
    >>> first["rbm"].from_cache, again["rbm"].from_cache
    (False, True)
    """
    from .models.model_file import ModelFileError
    from .uncertainty import fit_many

    folder = Path(cache_dir) if cache_dir is not None else model_cache_dir()
    package = _package_digest()
    paths = {name: folder / f"{type(m).__name__}-{_cache_key(m, X, package)}.pt"
             for name, m in models.items()}
    out: dict[str, Any] = {}
    if reuse:
        for name, m in models.items():
            if paths[name].is_file():
                try:
                    out[name] = type(m).load(paths[name])
                except (ModelFileError, OSError):
                    continue
                out[name].from_cache = True
    todo = [name for name in models if name not in out]
    if todo:
        fitted = fit_many([(models[name], X) for name in todo], n_jobs=n_jobs, desc=desc)
        for name, m in zip(todo, fitted):
            m.from_cache = False
            out[name] = m
            try:
                m.save(paths[name])
            except OSError:
                pass
    return {name: out[name] for name in models}
