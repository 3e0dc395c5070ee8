"""Benchmark the two generative models for long regions at course scale on a 4095-SNP LCT window.

Trains :class:`artgen_lite.models.ConvWGAN` (Yelmen et al. 2023, scaled down) and
:class:`artgen_lite.models.PCAGAN` (Szatkownik et al. 2024) with their default (course-scale)
settings, generates as many haplotypes as there are training haplotypes and prints, per model:
training wall time and CPU time, the full scorecard (:func:`artgen_lite.metrics.scorecard`),
the LD-decay mean absolute difference to the training data (on the SNPs polymorphic in both sets:
all of them, and those with training MAF >= 5 %; and each set on its own SNPs),
and the white-box membership-inference AUC from the critic's scores (train vs test).

    python benchmarks/bench_long_models.py                       # both models + baselines
    python benchmarks/bench_long_models.py --models pcagan --epochs 50

**The window.**  ``data.load_or_simulate("lct")`` gives 5008 haplotypes x 8041 biallelic SNPs of
chr2:136.40-136.70 Mb (b37).  The window is the 4095 consecutive SNPs centred on rs4988235
(LCT-13910 C>T, chr2:136,608,646, the lactase-persistence SNP): column 5509 of the region,
so columns 3462 ... 7556, chr2:136,536,685-136,681,447 (about 145 kb).  :func:`lct_window`
returns it.  Train/test: ``data.train_test_split(window, 0.2, seed=0)``, population-stratified,
individuals kept whole: 4004 / 1004 haplotypes.

The data are found under ``$ARTGEN_DATA_MIRROR`` (default ``/work/shared/data``); without them
the simulated fallback of ``load_or_simulate`` is used (and said so).

Targets (issue 8; course scale, 2 CPU cores): training <= 8 min; LD-decay MAD <= 0.02 (ConvWGAN);
AATS 0.50 +- 0.08; privacy loss <= 0.05; black-box MIA AUC <= 0.60; AF r >= 0.98; exact-copy
rate no higher than the held-out real rate.  The baselines printed with them (held-out real
haplotypes, independent sites) show what these numbers mean on this window.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ARTGEN_DATA_MIRROR", str(ROOT.parent / "shared" / "data"))

from artgen_lite import data, metrics  # noqa: E402
from artgen_lite.models import ConvWGAN, PCAGAN  # noqa: E402

RS4988235_BP = 136_608_646  # LCT-13910 C>T (b37)
WINDOW = 4095


def lct_window(h: data.Haplotypes, n_snps: int = WINDOW, centre_bp: int = RS4988235_BP) -> data.Haplotypes:
    """The ``n_snps`` consecutive SNPs centred on ``centre_bp`` (default rs4988235), clipped to
    the region; on simulated data (no positions near it) the middle of the region."""
    if h.n_snps < n_snps:
        raise ValueError(f"the region has {h.n_snps} SNPs, fewer than the window ({n_snps})")
    pos = np.asarray(h.positions) if h.positions is not None else None
    if pos is not None and pos.min() <= centre_bp <= pos.max():
        centre = int(np.searchsorted(pos, centre_bp))
    else:
        centre = h.n_snps // 2
    start = min(max(0, centre - n_snps // 2), h.n_snps - n_snps)
    w = h.columns(slice(start, start + n_snps))
    w.meta = dict(w.meta, window_start=start, window_centre=centre)
    return w


def ld_decay_mad(real: np.ndarray, synthetic: np.ndarray, positions: np.ndarray, matched: bool = True) -> float:
    """Mean absolute difference of the binned mean r^2 (default log10 bins) over the distance
    bins filled in both sets: on the SNPs polymorphic in both sets (``matched``, the authors'
    intersectSNP mode, as the chapter's scorecard) or each set on its own SNPs."""
    if matched:
        return metrics.ld_decay_gap(*metrics.ld_decay_matched(real, synthetic, positions))
    return metrics.ld_decay_gap(metrics.ld_decay(real, positions), metrics.ld_decay(synthetic, positions))


def extra_scores(train, test, synthetic, positions) -> dict[str, float]:
    maf = np.minimum(train.mean(0), 1 - train.mean(0))
    common = maf >= 0.05
    return {
        "ld_decay_mad": ld_decay_mad(train, synthetic, positions),
        "ld_decay_mad_common": ld_decay_mad(train[:, common], synthetic[:, common], positions[common]),
        "ld_decay_mad_own": ld_decay_mad(train, synthetic, positions, matched=False),
    }


def white_box_auc(model, train: np.ndarray, test: np.ndarray, seed: int = 0) -> float:
    """Critic-score MIA: members = a seeded subsample of train (as many as test), non-members = test."""
    rng = np.random.default_rng(seed)
    members = train[np.sort(rng.choice(len(train), len(test), replace=False))]
    return metrics.mia_auc(model.critic_score(members), model.critic_score(test))


MODELS = {
    "convwgan": lambda **kw: ConvWGAN(**kw),
    "pcagan": lambda **kw: PCAGAN(**kw),
}


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    ap.add_argument("--epochs", type=int, default=None, help="override the default epochs")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-baselines", action="store_true", help="skip the held-out/independent rows")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print("load at start:", uptime(), flush=True)

    h, banner = data.load_or_simulate("lct")
    if banner:
        print("NOTE:", banner)
    w = lct_window(h)
    train, test = data.train_test_split(w, test_fraction=0.2, seed=0)
    pos = np.asarray(w.positions, dtype=float)
    print(
        f"window: columns {w.meta['window_start']}..{w.meta['window_start'] + WINDOW - 1} of {h.n_snps}, "
        f"bp {int(pos[0])}-{int(pos[-1])}; train {train.X.shape}, test {test.X.shape}",
        flush=True,
    )
    rows = []
    if not args.no_baselines:
        for name, S in (
            ("held-out real (test)", test.X),
            ("independent sites", metrics.independent_sites(train.X, len(train.X), seed=args.seed)),
        ):
            sc = metrics.scorecard(train.X, test.X, S, name=name, seed=0)
            for k, v in extra_scores(train.X, test.X, S, pos).items():
                sc[k] = v
            rows.append(sc)
            print(sc.T.to_string(), flush=True)
    for name in args.models:
        kw = {"seed": args.seed}
        if args.epochs is not None:
            kw["epochs"] = args.epochs
        model = MODELS[name](**kw)
        print(f"\n=== {name}: {model!r}", flush=True)
        c0 = time.process_time()
        model.fit(train.X, progress=True)
        cpu = time.process_time() - c0
        S = model.sample(len(train.X), seed=args.seed + 1)
        sc = metrics.scorecard(train.X, test.X, S, name=name, seed=0)
        sc["train_wall_s"] = model.train_time_s
        sc["train_cpu_s"] = cpu
        sc["n_parameters"] = model.n_parameters
        for k, v in extra_scores(train.X, test.X, S, pos).items():
            sc[k] = v
        sc["mia_auc_whitebox"] = white_box_auc(model, train.X, test.X, seed=args.seed)
        rows.append(sc)
        print(sc.T.to_string(), flush=True)
        if isinstance(model, PCAGAN):
            # the reconstruction ceiling: held-out haplotypes through k components and back
            R = model.reconstruct(test.X)
            sc = metrics.scorecard(train.X, test.X, R, name=f"PCA ceiling k={model.k} (test)", seed=0)
            for k, v in extra_scores(train.X, test.X, R, pos).items():
                sc[k] = v
            rows.append(sc)
            print(sc.T.to_string(), flush=True)
    table = pd.concat(rows)
    print("\nload at end:", uptime())
    with pd.option_context("display.width", 250, "display.max_columns", 60):
        print(table.T.to_string(float_format=lambda x: f"{x:.4g}"))
    return table


if __name__ == "__main__":
    main()
