"""The report of ``artgen evaluate``: the scorecard as CSV and the book's assessment figures as PNG, in Markdown and HTML.

Explained in the chapter "Your own data" (notebooks/13_your_own_data); the metrics themselves in the
chapter "Judging artificial genomes" (notebooks/03_judging_ags).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

__all__ = ["write_report", "precision_note", "FIGURES", "MIN_EVAL", "READING"]

# figure file -> caption
FIGURES = {
    "pca.png": "Coupled PCA of training (grey), held-out (black) and synthetic haplotypes",
    "af.png": "Allele frequencies: synthetic and held-out against training",
    "ld.png": "LD (r2) of SNP pairs: mean synthetic / held-out r2 per bin of training r2",
    "ld_decay.png": "LD decay: mean r2 against distance, on the SNPs polymorphic in all sets",
    "aats.png": "Nearest-neighbour adversarial accuracy (AATS) and its parts; 0.5 is ideal",
    "privacy.png": "Privacy: distances to the nearest training haplotype, synthetic vs held-out",
}

# scorecard column -> what a good value looks like
READING = {
    "aats": "0.5 (below: copies or too close; above: not realistic enough)",
    "aa_truth": "0.5", "aa_syn": "0.5",
    "aats_test": "close to aats", "privacy_loss": "about 0 (positive: closer to training than to unseen people)",
    "mia_auc_blackbox": "0.5 (above: members can be told apart)",
    "exact_copies_rate": "no higher than exact_copies_test_rate",
    "af_r": "1", "ld_r": "1", "pca_w1_pc1": "0", "pca_w1_pc2": "0", "pairwise_w1": "0",
    "kmer_r": "1", "three_point_r": "1",
}


def _check_same_snps(train, test, synthetic, names):
    for other, key in ((test, "test"), (synthetic, "synthetic")):
        if other.n_snps != train.n_snps or (
            train.positions is not None and other.positions is not None
            and not np.array_equal(np.asarray(train.positions), np.asarray(other.positions))
        ):
            raise ValueError(
                f"{names[key]} has {other.n_snps} SNPs, {names['train']} {train.n_snps}: the three VCFs must hold "
                "the same SNPs at the same positions (use the same --region, and sample from a model trained on --train)"
            )


def _fig_pca(plt, tr, te, sy, seed):
    from . import metrics

    pcs = metrics.coupled_pca(np.vstack([tr, te]), sy, n_components=2)
    n_tr = len(tr)
    real = pcs[pcs["source"] == "real"]
    syn = pcs[pcs["source"] == "synthetic"]
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    ax.scatter(real["PC1"].iloc[:n_tr], real["PC2"].iloc[:n_tr], s=4, color="#B0B0B0", alpha=0.5, lw=0, label="training")
    ax.scatter(real["PC1"].iloc[n_tr:], real["PC2"].iloc[n_tr:], s=4, color="#222222", alpha=0.6, lw=0, label="held-out")
    ax.scatter(syn["PC1"], syn["PC2"], s=4, color="#D55E00", alpha=0.6, lw=0, label="synthetic")
    ax.set(xlabel="PC1", ylabel="PC2", title="coupled PCA")
    ax.legend(markerscale=4, fontsize=8)
    return fig


def _fig_af(plt, tr, te, sy):
    from . import metrics

    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    af = tr.mean(0)
    ax.scatter(af, te.mean(0), s=4, color="#222222", alpha=0.5, lw=0,
               label=f"held-out (r = {metrics.af_correlation(tr, te):.3f})")
    ax.scatter(af, sy.mean(0), s=4, color="#D55E00", alpha=0.6, lw=0,
               label=f"synthetic (r = {metrics.af_correlation(tr, sy):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="#4D4D4D", lw=0.8)
    ax.set(xlabel="training allele frequency", ylabel="allele frequency", title="allele frequencies")
    ax.legend(markerscale=3, fontsize=8)
    return fig


def _fig_ld(plt, tr, te, sy):
    from . import metrics

    fig, ax = plt.subplots(figsize=(4.6, 4.4))
    for X, label, color in ((te, "held-out", "#222222"), (sy, "synthetic", "#D55E00")):
        try:
            b = metrics.ld_binned_by_real(tr, X, bins=20)
            r = metrics.ld_correlation(tr, X)
        except ValueError:
            continue
        ax.plot(b["mean_real"], b["mean_synthetic"], "o-", ms=3, color=color, label=f"{label} (r = {r:.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="#4D4D4D", lw=0.8)
    ax.set(xlabel="training r2 (bin mean)", ylabel="r2 (bin mean)", title="linkage disequilibrium")
    ax.legend(fontsize=8)
    return fig


def _fig_ld_decay(plt, tr, te, sy, positions):
    from . import metrics

    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    pos = np.asarray(positions, dtype=float)
    gap = float("nan")
    if len(np.unique(pos)) > 2:
        real_t, syn_t = metrics.ld_decay_matched(tr, sy, pos, n_bins=30)
        real_h, test_t = metrics.ld_decay_matched(tr, te, pos, n_bins=30)
        gap = metrics.ld_decay_gap(real_t, syn_t)
        for t, label, color in ((real_t, "training", "#808080"), (test_t, "held-out", "#222222"),
                                (syn_t, "synthetic", "#D55E00")):
            ok = t["n_pairs"] > 0
            ax.plot(t.loc[ok, "bin_left"].clip(lower=1), t.loc[ok, "mean_r2"], "o-", ms=3, color=color, label=label)
        ax.set_xscale("log")
    ax.set(xlabel="distance between SNPs (bp)", ylabel="mean r2",
           title=f"LD decay (gap {gap:.3f})" if math.isfinite(gap) else "LD decay")
    ax.legend(fontsize=8)
    return fig, gap


def _fig_aats(plt, card):
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    keys = ["aats", "aa_truth", "aa_syn", "aats_test"]
    vals = [float(card[k]) for k in keys]
    ax.barh(keys, vals, color=["#D55E00", "#E69F00", "#E69F00", "#222222"])
    ax.axvline(0.5, ls="--", color="#4D4D4D", lw=0.8)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set(xlabel="accuracy", title="AATS (0.5 = indistinguishable)")
    return fig


def _fig_privacy(plt, tr, te, sy, card):
    from . import metrics

    d_sy = metrics.cross_nn_distances(sy, tr)[0]
    d_te = metrics.cross_nn_distances(te, tr)[0]
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    top = int(max(d_sy.max(), d_te.max())) + 1
    bins = np.arange(0, top + 2) - 0.5 if top < 60 else 40
    ax.hist(d_te, bins=bins, density=True, color="#222222", alpha=0.5, label="held-out -> nearest training")
    ax.hist(d_sy, bins=bins, density=True, color="#D55E00", alpha=0.5, label="synthetic -> nearest training")
    ax.set(xlabel="Hamming distance", ylabel="density",
           title=f"privacy loss {float(card['privacy_loss']):+.3f}, exact copies {int(card['exact_copies'])}")
    ax.legend(fontsize=8)
    return fig


#: below this many haplotypes per set, the report and ``artgen evaluate`` warn that the
#: nearest-neighbour metrics are too noisy for a verdict (standard error above 0.05 at 0.5)
MIN_EVAL = 100


def precision_note(n_eval: int) -> str:
    """What the nearest-neighbour metrics computed on ``n_eval`` haplotypes per set can tell.

    AA_truth and AA_syn are each a fraction of ``n_eval`` haplotypes, so their binomial standard
    error at 0.5 is ``0.5 / sqrt(n_eval)``; below :data:`MIN_EVAL` the note says the sets are too
    small for a verdict (chapter "Your own data", notebooks/13_your_own_data).

    Parameters
    ----------
    n_eval : int
        Haplotypes per set in AATS and privacy loss (the scorecard's ``n_eval``).

    Returns
    -------
    str
        One sentence, ending in a caution when ``n_eval < MIN_EVAL``.

    Examples
    --------
    >>> precision_note(400)
    'AA_truth and AA_syn are fractions of 400 haplotypes: standard error about 0.025 at 0.5'
    >>> precision_note(20).endswith("hold out at least 100 haplotypes (and sample as many)")
    True
    """
    n = max(1, int(n_eval))
    note = f"AA_truth and AA_syn are fractions of {n} haplotypes: standard error about {0.5 / math.sqrt(n):.3f} at 0.5"
    if n < MIN_EVAL:
        note += (f"; CAUTION: too few for a verdict on AATS or privacy loss, hold out at least {MIN_EVAL} "
                 "haplotypes (and sample as many)")
    return note


def write_report(train, test, synthetic, out, *, seed: int = 0, n_eval: int | None = None, progress: bool = True,
                 names: dict | None = None, max_plot: int = 2000) -> dict:
    """Score ``synthetic`` against ``train`` and ``test`` (:class:`artgen_lite.data.Haplotypes`) into folder ``out``.

    Writes ``scorecard.csv`` (one row, :func:`artgen_lite.metrics.scorecard` plus ``ld_decay_gap``),
    the PNG figures of :data:`FIGURES` (rows subsampled to ``max_plot`` per set, seeded) and
    ``report.md`` / ``report.html`` that show them with the scorecard and what each value should be.
    Returns ``{"scorecard": DataFrame, "files": [paths]}``. Used by ``artgen evaluate``; explained in
    the chapter "Your own data" (notebooks/13_your_own_data).

    Parameters
    ----------
    train, test, synthetic : artgen_lite.data.Haplotypes
        Training data, held-out data and the model's samples, over the same SNPs.
    out : str or os.PathLike
        Folder to write (created if needed).
    seed : int, optional
        Seed of every subsample.
    n_eval : int, optional
        Common size of the nearest-neighbour metrics (see :func:`artgen_lite.metrics.scorecard`).
    progress : bool, optional
        Show a progress bar over the steps.
    names : dict, optional
        Display names of the sets, keys ``train``, ``test``, ``synthetic``.
    max_plot : int, optional
        Most rows per set in a figure.

    Returns
    -------
    dict
        ``{"scorecard": pandas.DataFrame, "files": list of pathlib.Path}``.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    from . import metrics

    names = names or {"train": "train", "test": "test", "synthetic": "synthetic"}
    _check_same_snps(train, test, synthetic, names)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    steps = tqdm(total=2 + len(FIGURES), desc="artgen evaluate", unit="step", disable=None if progress else True, leave=False)

    card = metrics.scorecard(train.X, test.X, synthetic.X, name=Path(names["synthetic"]).name, seed=seed, n_eval=n_eval)
    steps.update()
    rng = np.random.default_rng(seed)
    sub = lambda X: X if len(X) <= max_plot else X[np.sort(rng.choice(len(X), max_plot, replace=False))]  # noqa: E731
    tr, te, sy = sub(train.X), sub(test.X), sub(synthetic.X)

    files = []

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        files.append(out / name)
        steps.update()

    save(_fig_pca(plt, tr, te, sy, seed), "pca.png")
    save(_fig_af(plt, tr, te, sy), "af.png")
    save(_fig_ld(plt, tr, te, sy), "ld.png")
    fig, gap = _fig_ld_decay(plt, tr, te, sy, train.positions if train.positions is not None else np.arange(train.n_snps))
    save(fig, "ld_decay.png")
    card["ld_decay_gap"] = gap
    row = card.iloc[0]
    save(_fig_aats(plt, row), "aats.png")
    save(_fig_privacy(plt, tr, te, sy, row), "privacy.png")

    card.to_csv(out / "scorecard.csv")
    files.append(out / "scorecard.csv")
    region = ""
    if train.chrom is not None and train.positions is not None and train.n_snps:
        region = f"{train.chrom[0]}:{int(np.min(train.positions))}-{int(np.max(train.positions))}"
    head = [
        ("training", f"{names['train']} ({train.n_haplotypes} haplotypes)"),
        ("held-out", f"{names['test']} ({test.n_haplotypes} haplotypes)"),
        ("synthetic", f"{names['synthetic']} ({synthetic.n_haplotypes} haplotypes)"),
        ("SNPs", f"{train.n_snps} ({region})" if region else str(train.n_snps)),
        ("precision", precision_note(int(row["n_eval"]))),
    ]
    table = [(k, row[k], READING.get(k, "")) for k in card.columns]
    fmt = lambda v: f"{v:.4f}" if isinstance(v, (float, np.floating)) else str(v)  # noqa: E731

    md = ["# artgen evaluate report", ""]
    md += [f"- **{k}**: {v}" for k, v in head]
    md += ["", "## Scorecard", "", "| metric | value | good value |", "|---|---|---|"]
    md += [f"| {k} | {fmt(v)} | {g} |" for k, v, g in table]
    md += ["", "## Figures", ""]
    for name, caption in FIGURES.items():
        md += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    (out / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    files.append(out / "report.md")

    esc = html.escape
    h = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>artgen evaluate report</title>',
         "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:2px 8px}figure{display:inline-block;margin:1em}"
         "img{max-width:28em}</style></head><body>", "<h1>artgen evaluate report</h1>", "<ul>"]
    h += [f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in head]
    h += ["</ul>", "<h2>Scorecard</h2>", "<table><tr><th>metric</th><th>value</th><th>good value</th></tr>"]
    h += [f"<tr><td>{esc(k)}</td><td>{esc(fmt(v))}</td><td>{esc(g)}</td></tr>" for k, v, g in table]
    h += ["</table>", "<h2>Figures</h2>"]
    h += [f'<figure><img src="{n}" alt="{esc(c)}"><figcaption>{esc(c)}</figcaption></figure>' for n, c in FIGURES.items()]
    h += ["</body></html>"]
    (out / "report.html").write_text("\n".join(h) + "\n", encoding="utf-8")
    files.append(out / "report.html")
    steps.update()
    steps.close()
    return {"scorecard": card, "files": files}
