"""Generative models of haplotypes, all with the same face: fit, sample, save/load, n_parameters."""

from .base import GenerativeModel, check_haplotypes
from .conv_wgan import ConvWGAN
from .crbm import CRBM
from .diffusion import HaplotypeDiffusion
from .dp_vae import DPVAE
from .gan import GAN
from .mosaic import HaplotypeMosaic
from .pca_gan import PCAGAN
from .rbm import RBM
from .vae import VAE

__all__ = [
    "CRBM", "ConvWGAN", "DPVAE", "GAN", "GenerativeModel", "HaplotypeDiffusion", "HaplotypeMosaic", "PCAGAN", "RBM", "VAE",
    "check_haplotypes",
]
