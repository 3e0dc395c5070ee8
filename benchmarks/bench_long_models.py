"""Benchmark the two generative models for long regions at course scale on a 4095-SNP LCT window.

Trains :class:`artgen_lite.models.ConvWGAN` (Yelmen et al. 2023, scaled down) and
:class:`artgen_lite.models.PCAGAN` (Szatkownik et al. 2024) with their default (course-scale)
settings, generates as many haplotypes as there are training haplotypes and prints, per model:
training wall time and CPU time, the full scorecard (:func:`artgen_lite.metrics.scorecard`),
the LD-decay gaps to the training data (:func:`artgen_lite.long_regions.ld_decay_gaps`, as in the
scorecard of chapter 06b: on the SNPs polymorphic in both sets, all of them and those with
training MAF >= 5 %, and each set on its own SNPs) and the white-box membership-inference AUC
(:func:`artgen_lite.long_regions.white_box_auc`, train vs test).

    python benchmarks/bench_long_models.py                       # both models + baselines
    python benchmarks/bench_long_models.py --models pcagan --epochs 50

**The window.**  ``data.load_or_simulate("lct")`` gives 5008 haplotypes x 8041 biallelic SNPs of
chr2:136.40-136.70 Mb (b37).  The window is the 4095 consecutive SNPs centred on rs4988235
(LCT-13910 C>T, chr2:136,608,646, the lactase-persistence SNP): column 5509 of the region,
so columns 3462 ... 7556, chr2:136,536,685-136,681,447 (about 145 kb), the window of chapters 06
and 06b (:func:`artgen_lite.long_regions.centred_window`).  Train/test: ``data.train_test_split(window, 0.2, seed=0)``, population-stratified,
individuals kept whole: 4004 / 1004 haplotypes.

The data are found under ``$ARTGEN_DATA_MIRROR`` (default ``/work/shared/data``); without them
the simulated fallback of ``load_or_simulate`` is used (and said so).

Targets (issue 8; course scale, 2 CPU cores): training <= 8 min; LD-decay gap <= 0.02 (ConvWGAN);
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

from artgen_lite import data, long_regions, metrics  # noqa: E402
from artgen_lite.models import ConvWGAN, PCAGAN  # noqa: E402

RS4988235_BP = 136_608_646  # LCT-13910 C>T (b37)
WINDOW = 4095


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
    w = long_regions.centred_window(h, WINDOW, RS4988235_BP)
    train, test = data.train_test_split(w, test_fraction=0.2, seed=0)
    pos = np.asarray(w.positions, dtype=float)
    print(
        f"window: columns {w.meta['window_start']}..{w.meta['window_start'] + w.n_snps - 1} of {h.n_snps}, "
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
            sc = sc.assign(**long_regions.ld_decay_gaps(train.X, S, pos))
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
        sc = sc.assign(**long_regions.ld_decay_gaps(train.X, S, pos))
        sc["mia_auc_whitebox"] = long_regions.white_box_auc(model, train.X, test.X, seed=args.seed)
        rows.append(sc)
        print(sc.T.to_string(), flush=True)
        if isinstance(model, PCAGAN):
            # the reconstruction ceiling: held-out haplotypes through k components and back
            R = model.reconstruct(test.X)
            sc = metrics.scorecard(train.X, test.X, R, name=f"PCA ceiling k={model.k} (test)", seed=0)
            sc = sc.assign(**long_regions.ld_decay_gaps(train.X, R, pos))
            rows.append(sc)
            print(sc.T.to_string(), flush=True)
    table = pd.concat(rows)
    print("\nload at end:", uptime())
    with pd.option_context("display.width", 250, "display.max_columns", 60):
        print(table.T.to_string(float_format=lambda x: f"{x:.4g}"))
    return table


if __name__ == "__main__":
    main()
