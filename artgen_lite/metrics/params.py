"""Parameter counts: the Yelmen et al. (2021) fully connected GAN, and any torch model.

Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
"""

from __future__ import annotations

__all__ = ["fc_gan_layer_sizes", "fc_gan_parameter_count", "count_parameters"]


def fc_gan_layer_sizes(n_snps: int, latent: int = 600) -> dict[str, list[int]]:
    """Layer widths of the 2021 MLP GAN: G latent -> int(n/1.2) -> int(n/1.1) -> n; D n -> n//2 -> n//3 -> 1.

    Parameters
    ----------
    n_snps : int
        Input width ``n``.
    latent : int, optional
        Latent size of the generator.

    Returns
    -------
    dict
        ``{"generator": [...], "discriminator": [...]}``, the widths from input to output.

    Examples
    --------
    >>> fc_gan_layer_sizes(805)
    {'generator': [600, 670, 731, 805], 'discriminator': [805, 402, 268, 1]}

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    n = int(n_snps)
    if n < 3 or latent < 1:
        raise ValueError(f"n_snps must be >= 3 and latent >= 1, got n_snps={n_snps}, latent={latent}")
    return {
        "generator": [int(latent), int(n / 1.2), int(n / 1.1), n],
        "discriminator": [n, n // 2, n // 3, 1],
    }


def _dense(widths, output_bias: bool) -> int:
    total = 0
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        last = i == len(widths) - 2
        total += a * b + (b if (output_bias or not last) else 0)
    return total


def fc_gan_parameter_count(n_snps: int, latent: int = 600, convention: str = "keras") -> dict[str, int]:
    """Number of trainable parameters of the Yelmen et al. (2021) fully connected GAN.

    Generator: Dense(latent -> int(n/1.2)) -> Dense(int(n/1.1)) -> Dense(n); discriminator:
    Dense(n -> n//2) -> Dense(n//3) -> Dense(1); all dense layers have weights and biases.
    Returns ``{"generator": G, "discriminator": D, "total": G + D}``.

    ``convention``:
      * ``"keras"`` (default): every layer has its bias, as in the authors' Keras script
        (``Dense`` has ``use_bias=True``). 805 SNPs: G 1,482,431 + D 432,285 = 1,914,716;
        10K SNPs: G 171,674,193 + D 66,676,667 = 238,350,860.
      * ``"no_output_bias"``: the two *output* layers have no bias (n + 1 fewer parameters).
        This is the only combination of omitted biases that reproduces the lecture slide's
        238,340,859 for 10K SNPs (= 238,350,860 - 10,001 = n + 1; checked over all 2**6 bias
        patterns with latent 600; the only other fits need a latent size of 601 or 602). We do not
        know where the slide's number comes from; the authors' Keras code has all the biases, so
        the slide most likely counted the output layers without theirs.

    Parameters
    ----------
    n_snps : int
        Number of SNPs ``n``.
    latent : int, optional
        Latent size of the generator.
    convention : {"keras", "no_output_bias"}, optional
        Which biases are counted (see above).

    Returns
    -------
    dict of str to int
        Keys ``generator``, ``discriminator``, ``total``.

    Examples
    --------
    >>> fc_gan_parameter_count(805)["total"]
    1914716

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    if convention not in ("keras", "no_output_bias"):
        raise ValueError(f"convention must be 'keras' or 'no_output_bias', got {convention!r}")
    sizes = fc_gan_layer_sizes(n_snps, latent)
    ob = convention == "keras"
    g = _dense(sizes["generator"], ob)
    d = _dense(sizes["discriminator"], ob)
    return {"generator": g, "discriminator": d, "total": g + d}


def count_parameters(module, trainable_only: bool = True) -> int:
    """Number of parameters of a ``torch.nn.Module`` (only those with ``requires_grad`` by default).

    Parameters
    ----------
    module : torch.nn.Module
        Any torch model.
    trainable_only : bool, optional
        Count only the parameters that require gradients.

    Returns
    -------
    int
        How many numbers the module learns.

    Examples
    --------
    >>> import torch
    >>> count_parameters(torch.nn.Linear(3, 2))
    8

    Explained in the chapter 'Judging artificial genomes' (notebooks/03_judging_ags).
    """
    import torch  # lazy: the metrics work without importing torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only))
