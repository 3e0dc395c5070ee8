"""The DNA wing: alphabet and encoding, sequence utilities, genomes, count baselines, the DNA
design GAN with its predictor, and the DNA language models.

Explained in chapters 01 (DNA to genotypes), 02 (hidden Markov models), 08 (designing DNA) and
09 (DNA language models).  One module per concern:

==========================  ==================================================================
``alphabet``                codes ``A=0 C=1 G=2 T=3``, ``N=4`` (the one convention), one-hot
``sequence``                transcription, translation, reverse complement, GC, CpG o/e, k-mers
``genome``                  FASTA, the hg38 slice with CpG islands and genes, simulated stand-in
``baselines``               Durbin's CpG tables, Markov chains, the context count model
``design``                  the DNA WGAN-GP (chapter 08)
``design_predictor``        the CNN property predictor (chapter 08)
``design_search``           design by gradient ascent over the latent or the sequence
``realism``                 the realism table of designed and generated windows
``lm_tokens``               k-mer tokens and masking of the language models (chapter 09)
``lm_data``                 loss weights, blocks, windows, evaluation positions, region classes
``lm_networks``             the torch networks (private)
``lm_models``               ``ConvLM`` (GPN-like), ``KmerTransformerLM`` (DNABERT-like)
``lm_eval``                 masked-base scores and variant effect scores
==========================  ==================================================================

Every public name is also available here (``from artgen_lite import dna; dna.one_hot(...)``);
the submodule is imported on first use, so ``import artgen_lite.dna`` stays light.
"""

from __future__ import annotations

import importlib

_MODULES = ("alphabet", "sequence", "genome", "baselines", "design", "design_predictor",
            "design_search", "realism", "lm_tokens", "lm_data", "lm_eval", "lm_models")
_EXPORTS = {
    "alphabet": ("BASES", "N_CODE", "MASK_CODE", "COMPLEMENT_CODES", "encode", "encode_windows",
                 "window_codes", "one_hot", "decode"),
    "sequence": ("CODON_TABLE", "transcribe", "translate", "reverse_complement", "gc_content",
                 "cpg_count", "cpg_observed_expected", "kmer_index", "kmer_spectrum",
                 "kmer_spectrum_correlation", "dna_windows"),
    "genome": ("read_fasta", "Genome", "load_genome", "load_genome_or_simulate", "simulate_genome"),
    "baselines": ("DURBIN_CPG_PLUS", "DURBIN_CPG_MINUS", "durbin_cpg_hmm", "sample_markov_chain",
                  "MarkovDNA", "iid_sequences", "MarkovContext", "BaseFrequencies"),
    "design": ("DNAWGAN", "gradient_penalty"),
    "design_predictor": ("CNNPredictor",),
    "design_search": ("DesignResult", "design_latent", "design_sequence"),
    "realism": ("realism_table",),
    "lm_tokens": ("KmerTokenizer", "mask_bases", "kmer_span_mask", "hidden_bases",
                  "mask_tokens_for_bases"),
    "lm_data": ("repeat_weights", "split_blocks", "cut_windows", "evaluation_positions",
                "window_classes"),
    "lm_eval": ("masked_base_scores", "llr", "score_variants"),
    "lm_models": ("ConvLM", "KmerTransformerLM"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = [*_MODULES, *_WHERE]


def __getattr__(name: str):
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
