"""Uncertainty tools, DP-SGD accounting and the DP-VAE (chapter 12_uncertainty)."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from artgen_lite import uncertainty as uq
from artgen_lite.dp_accounting import epsilon_from_noise, noise_multiplier, rdp_sampled_gaussian
from artgen_lite.metrics import ld_r2, ld_score
from artgen_lite.models import DPVAE, GAN, VAE


@pytest.fixture(scope="module")
def toy():
    """Blocks of 4 SNPs in perfect LD plus independent noise SNPs: 400 haplotypes x 24 SNPs."""
    rng = np.random.default_rng(0)
    blocks = rng.random((400, 4)) < 0.4
    X = np.repeat(blocks, 4, axis=1)
    noise = rng.random((400, 8)) < 0.3
    return np.hstack([X, noise]).astype(np.uint8)


# ---------------------------------------------------------------- accounting
def test_rdp_with_full_batches_is_the_gaussian_mechanism():
    for sigma in (0.5, 1.0, 3.0):
        for alpha in (2, 8, 32):
            assert rdp_sampled_gaussian(1.0, sigma, alpha) == pytest.approx(alpha / (2 * sigma**2))


def test_subsampling_amplifies_privacy():
    full = rdp_sampled_gaussian(1.0, 1.0, 8)
    assert rdp_sampled_gaussian(0.01, 1.0, 8) < 0.01 * full


def test_epsilon_falls_with_noise_and_rises_with_steps():
    eps = [epsilon_from_noise(s, 0.03, 500, 1e-5) for s in (0.6, 1.0, 2.0, 4.0)]
    assert all(a > b for a, b in zip(eps, eps[1:]))
    assert epsilon_from_noise(1.0, 0.03, 1000, 1e-5) > epsilon_from_noise(1.0, 0.03, 500, 1e-5)


def test_noise_multiplier_inverts_the_accountant():
    for eps in (0.5, 2.0, 10.0):
        sigma = noise_multiplier(eps, 0.03, 600, 1e-5)
        spent = epsilon_from_noise(sigma, 0.03, 600, 1e-5)
        assert spent <= eps and spent == pytest.approx(eps, rel=0.01)
    assert noise_multiplier(math.inf, 0.03, 600, 1e-5) == 0.0


@pytest.mark.parametrize(
    "kwargs, name",
    [({"epsilon": 0}, "epsilon"), ({"sample_rate": 1.5}, "sample_rate"), ({"steps": 0}, "steps"),
     ({"delta": 1.0}, "delta")],
)
def test_accountant_errors_name_the_argument(kwargs, name):
    args = {"epsilon": 1.0, "sample_rate": 0.1, "steps": 10, "delta": 1e-5, **kwargs}
    with pytest.raises(ValueError, match=name):
        noise_multiplier(**args)


# ---------------------------------------------------------------- DP-VAE
def test_ghost_norms_equal_per_row_gradient_norms(toy):
    model = DPVAE(epochs=1, batch_size=32, width=16, depth=2, delta=1e-4).fit(toy, progress=False)
    x = torch.from_numpy(toy[:6]).float()
    _, norms = model.per_sample_grad_norms(x, torch.Generator().manual_seed(5))
    eps = torch.randn(6, model.latent_dim, generator=torch.Generator().manual_seed(5))
    params = [*model.encoder.parameters(), *model.decoder.parameters()]
    for i in range(6):
        mu, log_var = model.encoder(x[i : i + 1])
        z = mu + model._std(log_var) * eps[i : i + 1]
        recon = torch.nn.functional.binary_cross_entropy_with_logits(
            model.decoder(z), x[i : i + 1], reduction="sum")
        kl = -0.5 * (1 + log_var - mu.pow(2) - log_var.exp()).sum()
        grads = torch.autograd.grad(recon + kl, params)
        ref = torch.sqrt(sum((g**2).sum() for g in grads))
        assert float(norms[i].detach()) == pytest.approx(float(ref), rel=1e-4)


def test_clipped_backward_bounds_each_row(toy):
    model = DPVAE(epochs=1, batch_size=32, width=16, depth=2, delta=1e-4, clip=0.5).fit(
        toy, progress=False)
    x = torch.from_numpy(toy[:1]).float()
    for p in (*model.encoder.parameters(), *model.decoder.parameters()):
        p.grad = None
    model._clipped_backward(x, torch.Generator().manual_seed(1))
    total = torch.sqrt(sum((p.grad**2).sum() for p in (*model.encoder.parameters(),
                                                       *model.decoder.parameters())))
    assert float(total) <= 0.5 * (1 + 1e-5)


def test_dpvae_is_reproducible_and_round_trips(toy, tmp_path):
    a = DPVAE(epochs=2, batch_size=32, width=16, depth=2, epsilon=5.0, delta=1e-4, seed=3).fit(
        toy, progress=False)
    b = DPVAE(epochs=2, batch_size=32, width=16, depth=2, epsilon=5.0, delta=1e-4, seed=3).fit(
        toy, progress=False)
    assert np.array_equal(a.sample(50, seed=1), b.sample(50, seed=1))
    assert a.noise_multiplier > 0 and a.epsilon_spent <= 5.0
    c = DPVAE.load(a.save(tmp_path / "dp.pt"))
    assert np.array_equal(a.sample(50, seed=1), c.sample(50, seed=1))
    assert c.noise_multiplier == a.noise_multiplier
    with pytest.raises(ValueError, match="from_posterior"):
        a.sample(5, from_posterior=True)


def test_dpvae_errors(toy):
    with pytest.raises(ValueError, match="epsilon"):
        DPVAE(epsilon=-1)
    with pytest.raises(ValueError, match="clip"):
        DPVAE(clip=0)
    with pytest.raises(ValueError, match="delta"):
        DPVAE(delta=0.1, batch_size=32).fit(toy, progress=False)


def test_more_noise_means_more_output_uncertainty(toy):
    """The chapter's claim in miniature: a tight budget leaves the decoder closer to coin flips."""
    kw = dict(epochs=15, batch_size=32, width=32, depth=2, delta=1e-4, seed=0, lr=3e-3)
    ent = {}
    for eps in (0.3, math.inf):
        m = DPVAE(epsilon=eps, **kw).fit(toy, progress=False)
        z = np.random.default_rng(0).standard_normal((500, 2))
        ent[eps] = uq.output_entropy(m.decode(z)).mean()
    assert ent[0.3] > ent[math.inf] + 0.05


# ---------------------------------------------------------------- GAN output probabilities
def test_gan_output_probabilities_and_mc_dropout(toy):
    gan = GAN(epochs=2, batch_size=32, dropout=0.2, seed=1).fit(toy, progress=False)
    P = gan.output_probabilities(40, seed=2)
    assert P.shape == (40, toy.shape[1]) and (P >= 0).all() and (P <= 1).all()
    assert np.array_equal(P, gan.output_probabilities(40, seed=2))
    same = gan.output_probabilities(40, seed=2, passes=3)
    assert same.shape == (3, 40, toy.shape[1]) and np.array_equal(same[0], same[2])
    mc = gan.output_probabilities(40, seed=2, passes=3, mc_dropout=True)
    assert not np.allclose(mc[0], mc[1])
    assert np.array_equal(mc, gan.output_probabilities(40, seed=2, passes=3, mc_dropout=True))
    # generation itself never uses dropout: repeatable for a seed
    assert np.array_equal(gan.sample(30, seed=4), gan.sample(30, seed=4))
    again = GAN(epochs=2, batch_size=32, dropout=0.2, seed=1).fit(toy, progress=False)
    assert np.array_equal(gan.sample(30, seed=4), again.sample(30, seed=4))


def test_mc_dropout_needs_dropout(toy):
    gan = GAN(epochs=1, batch_size=32, seed=1).fit(toy, progress=False)
    with pytest.raises(ValueError, match="dropout"):
        gan.output_probabilities(5, mc_dropout=True)
    with pytest.raises(ValueError, match="dropout"):
        GAN(dropout=1.0)


def test_vae_posterior_probabilities(toy):
    vae = VAE(epochs=3, width=16, depth=2, seed=0).fit(toy, progress=False)
    R = vae.posterior_probabilities(toy[:10], draws=4, seed=1)
    assert R.shape == (4, 10, toy.shape[1])
    assert np.array_equal(R, vae.posterior_probabilities(toy[:10], draws=4, seed=1))
    assert uq.replicate_spread(R).shape == (toy.shape[1],)


# ---------------------------------------------------------------- uncertainty helpers
def test_binary_entropy_values():
    h = uq.binary_entropy([0.0, 0.5, 1.0, 0.11])
    assert h[:3].tolist() == [0.0, 1.0, 0.0]
    assert h[3] == pytest.approx(0.4999, abs=1e-3)
    with pytest.raises(ValueError, match="p"):
        uq.binary_entropy([1.2])


def test_relative_entropy_is_one_for_a_model_that_ignores_context():
    f = np.array([0.1, 0.3, 0.5])
    P = np.tile(f, (20, 1))
    assert np.allclose(uq.relative_output_entropy(P, f), 1.0)
    sure = np.vstack([np.tile([0.0, 0.0, 0.0], (10, 1)), np.tile([1.0, 1.0, 1.0], (10, 1))])
    assert np.allclose(uq.relative_output_entropy(sure, np.full(3, 0.5)), 0.0)


def test_replicate_spread_and_temperature():
    R = np.array([[0.1, 0.5], [0.3, 0.5]])
    assert np.allclose(uq.replicate_spread(R), [np.std([0.1, 0.3], ddof=1), 0.0])
    with pytest.raises(ValueError, match="replicates"):
        uq.replicate_spread(R[:1])
    P = np.array([[0.2, 0.7, 0.5]])
    assert np.allclose(uq.with_temperature(P, 1.0), P)
    cold, hot = uq.with_temperature(P, 0.5), uq.with_temperature(P, 2.0)
    assert cold[0, 0] < 0.2 < hot[0, 0] < 0.5 and cold[0, 2] == pytest.approx(0.5)
    assert uq.output_entropy(cold).mean() < uq.output_entropy(P).mean() < uq.output_entropy(hot).mean()


def test_bootstrap_rows():
    idx = uq.bootstrap_rows(1000, seed=1)
    assert idx.shape == (1000,) and idx.min() >= 0 and idx.max() < 1000
    # about 1 - 1/e of the rows appear at least once
    assert 0.60 < len(np.unique(idx)) / 1000 < 0.66
    assert np.array_equal(idx, uq.bootstrap_rows(1000, seed=1))


def test_fit_many_matches_serial_training(toy):
    jobs = [(GAN(epochs=1, batch_size=32, seed=s), toy) for s in range(2)]
    par = uq.fit_many(jobs, n_jobs=2, progress=False)
    ser = uq.fit_many([(GAN(epochs=1, batch_size=32, seed=s), toy) for s in range(2)], n_jobs=1,
                      progress=False)
    for a, b in zip(par, ser):
        assert np.array_equal(a.sample(20, seed=0), b.sample(20, seed=0))
    with pytest.raises(ValueError, match="jobs"):
        uq.fit_many([], progress=False)


def test_spread_table():
    cards = pd.DataFrame({"source": ["a", "a", "b", "b"], "aats": [0.5, 0.6, 0.4, 0.4]})
    t = uq.spread_table(cards, "source", ["aats"])
    assert t.loc["a", "aats range"] == pytest.approx(0.1)
    assert t.loc["b", "aats sd"] == 0 and t.loc["a", "replicates"] == 2
    with pytest.raises(ValueError, match="kmer_r"):
        uq.spread_table(cards, "source", ["kmer_r"])


def test_ld_score_matches_the_r2_matrix(toy):
    s = ld_score(toy, window=3)
    R = ld_r2(toy)
    for j in (0, 5, 14, 20):
        nb = [k for k in range(max(0, j - 3), min(toy.shape[1], j + 4)) if k != j]
        assert s[j] == pytest.approx(np.nanmean(R[j, nb]))
    # SNPs inside a perfect-LD block score higher than the independent noise SNPs
    assert np.nanmean(s[1:15]) > 0.5 > np.nanmax(s[18:])
