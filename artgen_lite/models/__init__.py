"""Generative models of haplotypes, all with the same face: fit, sample, save/load, n_parameters."""

from .base import GenerativeModel, check_haplotypes
from .rbm import RBM

__all__ = ["GenerativeModel", "RBM", "check_haplotypes"]
