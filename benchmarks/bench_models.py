"""Benchmark the generative models at course scale on the real 805-SNP data (Yelmen et al. 2021).

Trains each model with its default (course-scale) settings on a population-stratified 80/20
split of the 5008 haplotypes, generates as many artificial haplotypes as there are test
haplotypes, and prints the training wall time and the scorecard numbers (AATS against an
equally sized training subsample, privacy loss, AF and LD correlations, exact copies).

    python benchmarks/bench_models.py                      # all models
    python benchmarks/bench_models.py --models rbm --threads 2
    python benchmarks/bench_models.py --models gan-original --epochs 20   # quicker check

The data are found under ``$ARTGEN_DATA_MIRROR`` (default ``/work/shared/data``).
Targets (course scale, 2 CPU cores): training <= 5 min; RBM AATS 0.50 +- 0.04, AF r >= 0.99,
LD r >= 0.95; GAN |AATS - 0.5| < 0.1, AF r >= 0.98; privacy loss <= 0.05; no exact copies.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from artgen_lite import data  # noqa: E402
from artgen_lite.metrics import scorecard  # noqa: E402
from artgen_lite.models import GAN, RBM  # noqa: E402

MODELS = {
    "rbm": lambda **kw: RBM(**kw),
    "rbm-pcd": lambda **kw: RBM(method="pcd", **kw),
    "gan-original": lambda **kw: GAN(variant="original", **kw),
    "gan-improved": lambda **kw: GAN(variant="improved", **kw),
}


def data_paths() -> tuple[Path, Path]:
    root = Path(os.environ.get("ARTGEN_DATA_MIRROR", "/work/shared/data"))
    return (
        root / "yelmen2021" / "805_SNP_1000G_real.hapt.zip",
        root / "1000g" / "integrated_call_samples_v3.20130502.ALL.panel",
    )


def load_split(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Population-stratified 80/20 split (individuals kept whole) of the 805-SNP haplotypes."""
    hapt, panel = data_paths()
    if not hapt.exists():
        sys.exit(f"805-SNP data not found at {hapt}; set ARTGEN_DATA_MIRROR")
    h = data.read_hapt(hapt, panel=panel if panel.exists() else None)
    train, test = data.train_test_split(h, test_fraction=0.2, seed=seed)
    return train.X, test.X


TARGETS = {
    "rbm": {"train_s": (None, 300), "aats": (0.46, 0.54), "af_r": (0.99, None), "ld_r": (0.95, None),
            "privacy_loss": (None, 0.05), "exact_copies_rate": (None, 0)},
    "gan": {"train_s": (None, 300), "aats": (0.40, 0.60), "af_r": (0.98, None),
            "privacy_loss": (None, 0.05), "exact_copies_rate": (None, 0)},
}


def check_targets(name: str, row: pd.Series) -> list[str]:
    """The course-scale targets a result misses (empty list = all met)."""
    missed = []
    for col, (lo, hi) in TARGETS["rbm" if name.startswith("rbm") else "gan"].items():
        if col not in row:
            continue
        v = row[col]
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            missed.append(f"{col}={v:.4g} (target {'' if lo is None else f'>= {lo}'}"
                          f"{' and ' if lo is not None and hi is not None else ''}"
                          f"{'' if hi is None else f'<= {hi}'})")
    return missed


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="rbm,gan-original,gan-improved",
                    help=f"comma-separated, from {sorted(MODELS)}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=None, help="override the default number of epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--csv", default=None, help="also write the table here")
    ap.add_argument("--progress", action="store_true", help="show tqdm progress bars")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    train, test = load_split(args.split_seed)
    print(f"805-SNP data: {len(train)} train / {len(test)} test haplotypes; torch threads {args.threads}")
    rows = []
    for name in args.models.split(","):
        kw = {"seed": args.seed}
        if args.epochs:
            kw["epochs"] = args.epochs
        model = MODELS[name](**kw)
        t0 = time.perf_counter()
        model.fit(train, progress=args.progress)
        fit_s = time.perf_counter() - t0
        synthetic = model.sample(len(test), seed=args.seed + 1)
        card = scorecard(train, test, synthetic, name=name, seed=0)
        card.insert(0, "n_parameters", model.n_parameters)
        card.insert(0, "train_s", round(fit_s, 1))
        rows.append(card)
        print(f"\n{name}: {model!r}\ntrained in {fit_s:.1f} s")
        cols = [c for c in ("aats", "aa_truth", "aa_syn", "privacy_loss", "af_r", "ld_r", "exact_copies_rate",
                            "min_dst") if c in card.columns]
        print(card[["train_s", *cols]].round(4).to_string())
        missed = check_targets(name, card.iloc[0])
        print("targets: all met" if not missed else "targets missed: " + "; ".join(missed), flush=True)
    table = pd.concat(rows)
    if args.csv:
        table.to_csv(args.csv)
    return table


if __name__ == "__main__":
    main()
