"""Generative models of haplotypes, all with the same face: fit, sample, save/load, n_parameters."""

from .base import GenerativeModel, check_haplotypes
from .conv_wgan import ConvWGAN
from .crbm import CRBM
from .dp_vae import DPVAE
from .gan import GAN
from .pca_gan import PCAGAN
from .rbm import RBM
from .vae import VAE

__all__ = [
    "CRBM", "ConvWGAN", "DPVAE", "GAN", "GenerativeModel", "PCAGAN", "RBM", "VAE",
    "check_haplotypes",
]
