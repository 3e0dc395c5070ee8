"""Tests of the models for long regions: ConvWGAN (Yelmen et al. 2023) and PCAGAN (Szatkownik
et al. 2024).  Tiny simulated data and tiny networks, so the file runs in well under a minute."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from artgen_lite.models import ConvWGAN, GenerativeModel, PCAGAN
from artgen_lite.models.conv_wgan import geometry
from artgen_lite.models.pca_gan import fit_pca, pca_reconstruct


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def founders_data(n: int = 96, m: int = 37, k: int = 3, flip: float = 0.01, seed: int = 0) -> np.ndarray:
    """``n`` haplotypes copied from ``k`` random founder haplotypes, with a few flipped alleles:
    strong LD, a clear cluster structure."""
    rng = np.random.default_rng(seed)
    founders = (rng.random((k, m)) < 0.35).astype(np.uint8)
    X = founders[rng.integers(0, k, n)]
    return (X ^ (rng.random(X.shape) < flip)).astype(np.uint8)


@pytest.fixture(scope="module")
def haps() -> np.ndarray:
    return founders_data()


def tiny_wgan(**kw) -> ConvWGAN:
    args = dict(epochs=2, channels=1, batch_size=24, n_critic=2, pack=2, seed=0)
    args.update(kw)
    return ConvWGAN(**args)


def tiny_pcagan(**kw) -> PCAGAN:
    args = dict(n_components=8, latent_dim=8, hidden=32, epochs=3, batch_size=32, seed=0)
    args.update(kw)
    return PCAGAN(**args)


MODELS = [
    pytest.param(tiny_wgan, id="convwgan"),
    pytest.param(lambda **kw: tiny_wgan(output="bernoulli", **kw), id="convwgan-bernoulli"),
    pytest.param(tiny_pcagan, id="pcagan"),
]


# ---------------------------------------------------------------- shared face
@pytest.mark.parametrize("make", MODELS)
def test_sample_shape_dtype_and_history(make, haps):
    model = make()
    assert model.fit(haps, progress=False) is model
    S = model.sample(25, seed=3)
    assert S.shape == (25, haps.shape[1]) and S.dtype == np.uint8
    assert set(np.unique(S)) <= {0, 1}
    assert len(model.history) == model.epochs
    frame = model.history_frame()
    for col in ("critic_loss", "generator_loss", "gradient_penalty", "wasserstein"):
        assert col in frame and np.isfinite(frame[col]).all()


@pytest.mark.parametrize("make", MODELS)
def test_same_seed_bitwise_identical(make, haps):
    a = make(seed=7).fit(haps, progress=False)
    b = make(seed=7).fit(haps, progress=False)
    np.testing.assert_array_equal(a.sample(30, seed=1), b.sample(30, seed=1))
    for (name, ma), mb in zip(a._modules().items(), b._modules().values()):
        for key, va in ma.state_dict().items():
            assert torch.equal(va, mb.state_dict()[key]), f"{name}.{key}"
    assert not np.array_equal(a.sample(30, seed=1), a.sample(30, seed=2))


@pytest.mark.parametrize("make", MODELS)
def test_save_load_round_trip(make, haps, tmp_path):
    model = make().fit(haps, progress=False)
    path = model.save(tmp_path / "sub" / "model.pt")
    assert sorted(os.listdir(path.parent)) == ["model.pt"]  # no temp file left behind
    again = type(model).load(path)
    np.testing.assert_array_equal(model.sample(20, seed=5), again.sample(20, seed=5))
    np.testing.assert_array_equal(model.critic_score(haps), again.critic_score(haps))
    assert again.get_params() == model.get_params()
    assert again.history == model.history
    assert again.n_parameters == model.n_parameters
    assert type(GenerativeModel.load(path)) is type(model)


@pytest.mark.parametrize("make", MODELS)
def test_n_parameters_is_trainable_generator_plus_critic(make, haps):
    model = make().fit(haps, progress=False)
    trainable = sum(
        p.numel() for net in (model.generator, model.critic) for p in net.parameters() if p.requires_grad
    )
    assert model.n_parameters == trainable > 0


@pytest.mark.parametrize("make", MODELS)
def test_critic_score_white_box(make, haps):
    model = make().fit(haps, progress=False)
    s = model.critic_score(haps[:10])
    assert s.shape == (10,) and np.isfinite(s).all()
    with pytest.raises(ValueError, match="SNPs"):
        model.critic_score(haps[:, :-1])


# ---------------------------------------------------------------- ConvWGAN
@pytest.mark.parametrize("n_snps", [37, 100, 4095, 4097])
def test_convwgan_any_length_is_padded_and_trimmed(n_snps):
    X = founders_data(n=12, m=n_snps, seed=1)
    model = tiny_wgan(epochs=1, batch_size=12, n_critic=1).fit(X, progress=False)
    geo = geometry(n_snps)
    assert model.native_length == geo["native_length"] >= n_snps
    assert geo["native_length"] == 16 * geo["l0"] * 4 ** geo["stages"]
    S = model.sample(4, seed=0)
    P = model.sample_probabilities(4, seed=0)
    assert S.shape == P.shape == (4, n_snps) and S.dtype == np.uint8
    assert ((P >= 0) & (P <= 1)).all()
    np.testing.assert_array_equal(S, (P > 0.5).astype(np.uint8))  # threshold at 0.5


def test_geometry_for_the_4095_snp_window():
    assert geometry(4095) == {"native_length": 4096, "columns": 256, "l0": 4, "stages": 3}
    assert geometry(4096)["native_length"] == 4096
    assert geometry(4097)["native_length"] > 4097


def test_convwgan_bernoulli_sampling(haps):
    model = tiny_wgan().fit(haps, progress=False)
    P = model.sample_probabilities(400, seed=2)
    B = model.sample(400, seed=2, threshold=False)
    # Bernoulli draws: their mean matches the mean probability within sampling error
    assert abs(B.mean() - P.mean()) < 4 * np.sqrt(0.25 / B.size)
    assert tiny_wgan(output="bernoulli").fit(haps, progress=False).output == "bernoulli"


def test_convwgan_af_init_starts_at_allele_frequencies(haps):
    model = tiny_wgan(epochs=1, lr_g=1e-9, lr_c=1e-9, ema=0.0)
    model.fit(haps, progress=False)
    bias = model.generator.loc_out.detach().transpose(1, 2).reshape(-1)[: haps.shape[1]]
    f = haps.mean(0).clip(1e-3, 1 - 1e-3)
    np.testing.assert_allclose(bias.numpy(), np.log(f / (1 - f)), atol=1e-4)


def test_convwgan_learns_founder_haplotypes():
    """A short run (~800 critic steps) on 240 haplotypes copied from 3 founders (256 SNPs):
    samples move towards the training haplotypes, well beyond the untrained generator (which
    starts at the allele frequencies), and their allele frequencies follow the data.  No
    validation split: this checks what the optimiser learns, not which checkpoint is kept."""
    X = founders_data(n=240, m=256, k=3, seed=3)

    def score(model):
        S = model.sample(300, seed=0)
        dist = (S[:, None, :] != X[None]).mean(2).min(1).mean()  # to the nearest training row
        return dist, np.corrcoef(S.mean(0), X.mean(0))[0, 1]

    d0, _ = score(ConvWGAN(epochs=1, batch_size=24, lr_g=1e-9, lr_c=1e-9).fit(X, progress=False))
    # no weight averaging: over ~270 generator steps an average with decay 0.99 still lags
    d1, r1 = score(ConvWGAN(epochs=80, batch_size=24, ema=0.0, validation_fraction=0.0).fit(X, progress=False))
    assert d1 < 0.8 * d0, (d0, d1)
    assert r1 > 0.9


# ---------------------------------------------------------------- PCAGAN
def test_pca_reconstruction_ceiling_grows_with_k_and_is_exact_at_full_rank(haps):
    ks = [1, 2, 3, 8, 20, haps.shape[1]]
    rec = pca_reconstruct(haps, n_components=ks)
    acc = [float((rec[k] == haps).mean()) for k in ks]
    assert all(b >= a - 1e-3 for a, b in zip(acc, acc[1:])), acc
    assert acc[0] < 0.99
    np.testing.assert_array_equal(rec[haps.shape[1]], haps)  # full rank: the input itself
    model = tiny_pcagan(n_components=haps.shape[1], epochs=1).fit(haps, progress=False)
    np.testing.assert_array_equal(model.reconstruct(haps), haps)
    np.testing.assert_array_equal(model.reconstruct(haps, n_components=3), rec[3])


def test_fit_pca_explained_variance_and_signs(haps):
    pca = fit_pca(haps, 5)
    ratio = pca["explained_variance_ratio"].numpy()
    assert (np.diff(ratio) <= 1e-12).all() and 0 < ratio.sum() <= 1 + 1e-9
    V = pca["components"].numpy()
    np.testing.assert_allclose(V @ V.T, np.eye(5), atol=1e-8)
    assert (V[np.arange(5), np.abs(V).argmax(1)] > 0).all()
    # asking for more components than the data have gives zero components, not an error
    more = fit_pca(haps[:5], 10)
    assert more["components"].shape == (10, haps.shape[1])
    assert np.allclose(more["components"][5:].numpy(), 0)


def test_pcagan_learns_structure():
    """On founder haplotypes the trained PCA-GAN's samples sit close to training haplotypes and
    follow their allele frequencies, unlike its untrained generator."""
    X = founders_data(n=256, m=40, seed=4)
    args = dict(n_components=6, latent_dim=8, hidden=64, batch_size=64, seed=0)

    def score(model):
        S = model.sample(400, seed=0)
        return (S[:, None, :] != X[None]).mean(2).min(1).mean(), np.corrcoef(S.mean(0), X.mean(0))[0, 1]

    d0, r0 = score(PCAGAN(epochs=1, lr_g=1e-9, lr_c=1e-9, **args).fit(X, progress=False))
    model = PCAGAN(epochs=100, lr_g=1e-3, lr_c=1e-3, validation_fraction=0.0, **args).fit(X, progress=False)
    d1, r1 = score(model)
    assert d1 < 0.5 * d0 and r1 > 0.95 > r0, (d0, d1, r0, r1)
    assert model.transform(X).shape == (256, 6)
    assert model.sample_scores(5).shape == (5, 6)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "make, msg",
    [
        (lambda: ConvWGAN(channels=0), "channels"),
        (lambda: ConvWGAN(fold=0), "fold"),
        (lambda: ConvWGAN(batch_size=2, pack=3), "batch_size"),
        (lambda: ConvWGAN(output="tanh"), "output"),
        (lambda: ConvWGAN(lr_g=0), "lr_g"),
        (lambda: ConvWGAN(ema=1.5), "ema"),
        (lambda: PCAGAN(n_components=0), "n_components"),
        (lambda: PCAGAN(gp_weight=-1), "gp_weight"),
        (lambda: PCAGAN(epochs=0), "epochs"),
    ],
)
def test_constructor_errors_name_the_argument(make, msg):
    with pytest.raises((ValueError, TypeError), match=msg):
        make()


def test_fit_and_sample_errors(haps):
    with pytest.raises(TypeError, match="X must hold 0/1"):
        tiny_wgan().fit(haps.astype(str), progress=False)  # float 0/1 is accepted now (one rule)
    with pytest.raises(ValueError, match="X must contain only 0 and 1"):
        tiny_pcagan().fit(haps * 2, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        tiny_wgan(batch_size=200).fit(haps, progress=False)
    with pytest.raises(RuntimeError, match="fit"):
        ConvWGAN().sample(3)
    with pytest.raises(RuntimeError, match="fit"):
        PCAGAN().reconstruct(haps)
    model = tiny_wgan().fit(haps, progress=False)
    with pytest.raises(TypeError, match="threshold"):
        model.sample(3, threshold="yes")
    with pytest.raises(ValueError, match="n must be"):
        model.sample_probabilities(0)
    with pytest.raises(TypeError, match="callback"):
        tiny_wgan().fit(haps, progress=False, callback=3)
    pg = tiny_pcagan().fit(haps, progress=False)
    with pytest.raises(ValueError, match="n_components"):
        pg.reconstruct(haps, n_components=99)
    with pytest.raises(ValueError, match="n_components"):
        pca_reconstruct(haps, n_components=[])


def test_critic_step_reports_the_wasserstein_estimate_and_a_zero_penalty_for_a_unit_critic():
    from artgen_lite.models.wgan_gp import critic_step

    w = torch.tensor([0.6, 0.8])  # unit norm: the gradient of x -> w.x has norm 1 everywhere
    critic = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(w)
    real = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    fake = torch.zeros(2, 2)
    opt = torch.optim.SGD(critic.parameters(), lr=0.0)
    logs = critic_step(lambda x: critic(x).squeeze(1), opt, real, fake, gp_weight=10.0,
                       generator=torch.Generator().manual_seed(0))
    assert logs["wasserstein"] == pytest.approx((1.4 + 0.6) / 2)
    assert logs["gradient_penalty"] == pytest.approx(0.0, abs=1e-12)
    assert logs["critic_loss"] == pytest.approx(-logs["wasserstein"])
