"""Metrics for judging artificial genomes (haplotype matrices of 0/1, rows = haplotypes).

Every function takes numpy arrays (or :class:`artgen_lite.data.Haplotypes`), checks them
(2-D, only 0/1, matching SNP counts) and returns plain floats, numpy arrays or pandas DataFrames.

========================  ==================================================================
module                    contents
========================  ==================================================================
``distances``             exact Hamming distances by BLAS matrix products, nearest neighbours,
                          pairwise-distance histograms and their Wasserstein distance
``privacy``               AATS (Yale et al.), privacy loss, exact copies, seeded subsampling
``membership``            membership-inference AUC (white-box scores, black-box distances)
``frequencies``           allele frequencies, their correlation, fixed sites
``ld``                    r^2 matrices, LD correlation, LD vs LD bins, LD decay, heat-map data
``pca``                   coupled PCA, Wasserstein on PC1/PC2, projection on a real-only PCA
``motifs``                k-mer spectra, three-point correlations
``params``                parameter counts (Yelmen 2021 MLP GAN, any torch module)
``baselines``             real-vs-real, independent sites, Markov chain, copy of training
``shared_runs``           longest run of SNPs shared with one training haplotype (chapter 14)
``scorecard``             everything above in one row
========================  ==================================================================

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from .baselines import copy_of_training, independent_sites, markov_chain, real_vs_real
from .distances import (
    cross_nn_distances,
    distance_counts,
    hamming,
    nn_distances,
    pairwise_distances,
    pairwise_w1,
    wasserstein_from_counts,
)
from .frequencies import (
    af_correlation,
    af_lowfreq_zoom,
    af_quantiles,
    af_table,
    allele_frequencies,
    fixed_sites,
    n_fixed_not_in_real,
)
from .ld import ld_binned_by_real, ld_correlation, ld_decay, ld_decay_gap, ld_decay_matched, ld_heatmap_data, ld_r2, ld_score, mean_r2
from .membership import blackbox_scores, mia_auc, mia_auc_blackbox
from .motifs import kmer_correlation, kmer_frequencies, three_point_correlations, three_point_summary
from .params import count_parameters, fc_gan_layer_sizes, fc_gan_parameter_count
from .pca import coupled_pca, fit_sklearn_pca, pca_w1, project_on_real_pca
from .privacy import (
    AATSResult,
    aats,
    aats_from_distances,
    exact_copies,
    exact_copy_rate,
    nn_distance_table,
    privacy_loss,
    subsample,
    subsample_to_common_size,
    yelmen_subsample,
)
from .scorecard import SCORECARD_COLUMNS, scorecard
from .shared_runs import forward_match_lengths, longest_shared_run, shared_run_summary

__all__ = [
    "AATSResult", "SCORECARD_COLUMNS",
    "aats", "aats_from_distances", "af_correlation", "af_lowfreq_zoom", "af_quantiles", "af_table",
    "allele_frequencies", "blackbox_scores", "copy_of_training", "count_parameters", "coupled_pca", "fit_sklearn_pca",
    "cross_nn_distances", "distance_counts", "exact_copies", "exact_copy_rate", "fc_gan_layer_sizes",
    "fc_gan_parameter_count", "fixed_sites", "forward_match_lengths", "longest_shared_run", "hamming", "independent_sites", "kmer_correlation",
    "kmer_frequencies", "ld_binned_by_real", "ld_correlation", "ld_decay", "ld_decay_gap", "ld_decay_matched", "ld_heatmap_data", "ld_r2", "ld_score",
    "markov_chain", "mean_r2", "mia_auc", "mia_auc_blackbox", "n_fixed_not_in_real", "nn_distance_table",
    "nn_distances", "pairwise_distances", "pairwise_w1", "pca_w1", "privacy_loss", "project_on_real_pca",
    "real_vs_real", "scorecard", "shared_run_summary", "subsample", "subsample_to_common_size", "three_point_correlations",
    "three_point_summary", "wasserstein_from_counts", "yelmen_subsample",
]
