"""One plotting style for the whole book, and the figure helpers the chapters share.

Introduced in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes);
every chapter calls :func:`use_style` once and draws with the helpers here, so colours for
super-populations and for models are the same on every page.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "use_style",
    "SUPERPOP_COLORS",
    "MODEL_COLORS",
    "model_color",
    "banner",
    "pca_scatter",
    "manhattan",
    "allele_frequency_scatter",
]

# Colour-blind-safe (Okabe-Ito) colours for the five 1000 Genomes super-populations.
SUPERPOP_COLORS = {
    "AFR": "#E69F00",
    "AMR": "#CC79A7",
    "EAS": "#009E73",
    "EUR": "#0072B2",
    "SAS": "#D55E00",
}

# Colours for data sets and models, the same in every chapter.
MODEL_COLORS = {
    "Real": "#4D4D4D",
    "Test": "#999999",
    "GAN": "#D55E00",
    "GAN (paper)": "#F4A582",
    "RBM": "#0072B2",
    "RBM (paper)": "#92C5DE",
    "VAE": "#009E73",
    "WGAN": "#CC79A7",
    "CRBM": "#56B4E9",
    "PCA-GAN": "#E69F00",
    "Markov": "#8C6D31",
    "Independent": "#999933",
    "Copy": "#000000",
}


def model_color(name: str) -> str:
    """Colour for a data set or model name (prefix match, so 'GAN w=5' takes the GAN colour).

    Parameters
    ----------
    name : str
        A model or data set name.

    Returns
    -------
    str
        A hex colour (grey for unknown names).

    Examples
    --------
    >>> model_color("nobody's model")
    '#777777'

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    if name in MODEL_COLORS:
        return MODEL_COLORS[name]
    for key, col in MODEL_COLORS.items():
        if name.startswith(key):
            return col
    return "#777777"


def use_style() -> None:
    """Set the book's matplotlib style: clean axes, readable fonts, consistent size and resolution.

    Updates ``matplotlib.rcParams`` in place (for the rest of the session).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mpl.rc_context():  # restores the previous settings afterwards
    ...     use_style()
    ...     mpl.rcParams["font.size"], mpl.rcParams["axes.spines.top"]
    (10.0, False)

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": False,
            "axes.prop_cycle": mpl.cycler(color=["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#4D4D4D"]),
            "legend.frameon": False,
            "legend.fontsize": 9,
            "image.cmap": "viridis",
            "figure.constrained_layout.use": True,
        }
    )


def banner(text: str | None):
    """Show a visible warning box at the top of a chapter (used when the chapter runs on simulated data).

    Parameters
    ----------
    text : str or None
        The warning; None shows nothing.

    Returns
    -------
    str or None
        The HTML of the box, which is also shown with ``IPython.display.display``; None (and
        nothing shown) when ``text`` is empty or None.

    Examples
    --------
    >>> banner(None) is None  # real data: no box
    True

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    if not text:
        return None
    from IPython.display import HTML, display

    html = (
        '<div class="admonition warning" style="border-left:4px solid #D55E00;padding:0.6em 1em;'
        'background:#fff4ec"><p class="admonition-title" style="font-weight:bold">Simulated data</p>'
        f"<p>{text}</p></div>"
    )
    display(HTML(html))
    return html


def pca_scatter(ax, scores, labels, colors=None, s=6, alpha=0.6, order=None, legend=True):
    """Scatter the first two columns of ``scores`` coloured by ``labels`` (super-populations by default).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    scores : array_like of float, shape (n, >= 2)
        PC scores.
    labels : array_like of str, shape (n,)
        Group of each point.
    colors : dict, optional
        Colour of each label.
    s, alpha : float, optional
        Marker size and opacity.
    order : sequence of str, optional
        Drawing (and legend) order of the labels.
    legend : bool, optional
        Draw a legend.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = pca_scatter(Figure().add_subplot(), np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]]),
    ...                  ["AFR", "EUR", "EUR"])
    >>> type(ax).__name__, [t.get_text() for t in ax.get_legend().get_texts()]
    ('Axes', ['AFR', 'EUR'])

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    colors = colors or SUPERPOP_COLORS
    labels = np.asarray(labels)
    groups = order or sorted(np.unique(labels))
    for g in groups:
        m = labels == g
        ax.scatter(scores[m, 0], scores[m, 1], s=s, alpha=alpha, color=colors.get(g, "#777777"), label=g, linewidths=0)
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")
    if legend:
        ax.legend(markerscale=3, loc="best")
    return ax


def manhattan(ax, chrom, pvalues, threshold=5e-8, highlight=None, s=8):
    """Manhattan plot: -log10 p along the genome, chromosomes alternating in two greys.

    ``chrom`` gives each SNP's chromosome in genome order; SNPs are placed by their index within the
    genome order (the 805 panel SNPs are spread too thinly for a base-pair axis). ``highlight`` is an
    index array drawn in colour (for example the causal SNPs of a simulated trait).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    chrom : array_like, shape (n_snps,)
        Chromosome of each SNP.
    pvalues : array_like of float, shape (n_snps,)
        Association p-values.
    threshold : float, optional
        Significance line (genome-wide 5e-8 by default).
    highlight : array_like of int, optional
        SNPs drawn in colour.
    s : float, optional
        Marker size.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with the chromosomes labelled on the x axis.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = manhattan(Figure().add_subplot(), ["1", "1", "2", "2"], np.array([0.5, 1e-9, 0.2, 0.03]))
    >>> type(ax).__name__, [t.get_text() for t in ax.get_xticklabels()]
    ('Axes', ['1', '2'])

    Explained in the chapter "From DNA to genotype matrices" (notebooks/01_dna_to_genotypes).
    """
    chrom = np.asarray(chrom).astype(str)
    logp = -np.log10(np.clip(pvalues, 1e-300, 1))
    x = np.arange(len(chrom))
    uniq = list(dict.fromkeys(chrom))
    for k, c in enumerate(uniq):
        m = chrom == c
        ax.scatter(x[m], logp[m], s=s, color="#4D4D4D" if k % 2 == 0 else "#9A9A9A", linewidths=0)
    if highlight is not None:
        ax.scatter(x[highlight], logp[highlight], s=s * 3, color="#D55E00", label="causal SNP", zorder=3)
        ax.legend(loc="upper right")
    if threshold:
        ax.axhline(-np.log10(threshold), color="#D55E00", lw=0.8, ls="--")
    ticks = [x[chrom == c].mean() for c in uniq]
    ax.set_xticks(ticks)
    ax.set_xticklabels(uniq, fontsize=7)
    ax.set_xlabel("chromosome")
    ax.set_ylabel(r"$-\log_{10} p$")
    return ax


def allele_frequency_scatter(ax, real_af, gen_af, label="generated", color=None, r=None, s=6):
    """Generated vs real allele frequency per SNP, with the diagonal and (optionally) Pearson r.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    real_af, gen_af : array_like of float, shape (n_snps,)
        Real and generated allele frequencies.
    label : str, optional
        Legend label of the generated set.
    color : str, optional
        Its colour; default :func:`model_color` of ``label``.
    r : float, optional
        A correlation to print on the panel.
    s : float, optional
        Marker size.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = allele_frequency_scatter(Figure().add_subplot(), [0.1, 0.5, 0.9], [0.12, 0.45, 0.9], label="RBM", r=0.998)
    >>> type(ax).__name__, ax.texts[0].get_text()
    ('Axes', 'r = 0.998')

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    ax.scatter(real_af, gen_af, s=s, alpha=0.6, color=color or model_color(label), linewidths=0)
    lim = [0, 1]
    ax.plot(lim, lim, color="#4D4D4D", lw=0.8, ls="--")
    ax.set_xlabel("real allele frequency")
    ax.set_ylabel(f"{label} allele frequency")
    if r is not None:
        ax.text(0.04, 0.92, f"r = {r:.3f}", transform=ax.transAxes)
    return ax


def close_all() -> None:
    """Close every open figure (long chapters call this to keep memory flat)."""
    plt.close("all")


def assessment_figure(train, sets: dict, test=None, seed: int = 0, max_points: int = 2000):
    """The lecture's model-assessment panels for one or more AG sets, against the training data.

    Four panels: coupled PCA (training haplotypes in grey, each set in its colour), allele
    frequencies (set vs training), mean generated r2 per bin of real r2, and AATS with, when
    ``test`` is given, the privacy loss. ``sets`` maps names (which pick the colours) to uint8
    0/1 arrays. Introduced in the chapter "Judging artificial genomes"; used by every model chapter.

    Parameters
    ----------
    train : array_like of uint8, shape (n_train, n_snps)
        The training haplotypes.
    sets : dict of str to array_like of uint8
        The AG sets, by name.
    test : array_like of uint8, optional
        Held-out haplotypes, for the privacy loss.
    seed : int, optional
        Seed of the subsamples.
    max_points : int, optional
        Most haplotypes per set in the PCA panel.

    Returns
    -------
    matplotlib.figure.Figure
        The four-panel figure.

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    from . import metrics

    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    rng = np.random.default_rng(seed)
    show = lambda X: X[np.sort(rng.choice(len(X), min(len(X), max_points), replace=False))]  # noqa: E731
    af_train = np.asarray(train).mean(0)
    rows = []
    for name, X in sets.items():
        color = model_color(name)
        pcs = metrics.coupled_pca(show(train), show(X), n_components=2)
        real = pcs["source"] == "real"
        if not rows:
            axes[0].scatter(pcs.loc[real, "PC1"], pcs.loc[real, "PC2"], s=3, color=MODEL_COLORS["Real"], alpha=0.25,
                            linewidths=0, label="training")
        axes[0].scatter(pcs.loc[~real, "PC1"], pcs.loc[~real, "PC2"], s=3, alpha=0.5, color=color, linewidths=0, label=name)
        axes[1].scatter(af_train, np.asarray(X).mean(0), s=4, alpha=0.6, color=color, linewidths=0,
                        label=f"{name} (r = {metrics.af_correlation(train, X):.3f})")
        b = metrics.ld_binned_by_real(train, X, bins=20)
        axes[2].plot(b["mean_real"], b["mean_synthetic"], "o-", ms=3, color=color,
                     label=f"{name} (r = {metrics.ld_correlation(train, X):.3f})")
        n = min(len(train), len(X)) if test is None else min(len(train), len(X), len(test))
        tr, sy = metrics.subsample(train, n, seed), metrics.subsample(X, n, seed + 1)
        a = metrics.aats(tr, sy)
        pl = metrics.privacy_loss(train, test, X, n=n, seed=seed) if test is not None else np.nan
        rows.append((name, a.aats, pl, color))
    axes[0].set_title("coupled PCA")
    axes[0].set_xlabel("PC1")
    axes[0].set_ylabel("PC2")
    axes[0].legend(markerscale=4, fontsize=7)
    axes[1].plot([0, 1], [0, 1], ls="--", color="#4D4D4D", lw=0.8)
    axes[1].set_title("allele frequencies")
    axes[1].set_xlabel("training AF")
    axes[1].set_ylabel("generated AF")
    axes[1].legend(markerscale=3, fontsize=7)
    axes[2].plot([0, 1], [0, 1], ls="--", color="#4D4D4D", lw=0.8)
    axes[2].set_title("LD (r2)")
    axes[2].set_xlabel("training r2 (bin mean)")
    axes[2].set_ylabel("generated r2 (bin mean)")
    axes[2].legend(fontsize=7)
    y = np.arange(len(rows))
    axes[3].barh(y - 0.2, [r[1] for r in rows], height=0.4, color=[r[3] for r in rows], label="AATS")
    if test is not None:
        axes[3].barh(y + 0.2, [r[2] for r in rows], height=0.4, color=[r[3] for r in rows], alpha=0.45,
                     hatch="//", label="privacy loss")
    axes[3].axvline(0.5, ls="--", color="#4D4D4D", lw=0.8)
    axes[3].axvline(0.0, color="#4D4D4D", lw=0.8)
    axes[3].set_yticks(y)
    axes[3].set_yticklabels([r[0] for r in rows], fontsize=8)
    axes[3].set_xlim(-0.2, 1)
    axes[3].invert_yaxis()
    axes[3].set_title("AATS (solid) and privacy loss (hatched)")
    return fig
