"""Generative models of haplotypes, all with the same face: fit, sample, save/load, n_parameters."""

from .base import GenerativeModel, check_haplotypes
from .crbm import CRBM
from .dp_vae import DPVAE
from .gan import GAN
from .rbm import RBM
from .vae import VAE

__all__ = ["CRBM", "DPVAE", "GAN", "GenerativeModel", "RBM", "VAE", "check_haplotypes"]
