"""Tests of artgen_lite.models: the shared face (fit/sample/save/load), RBM and GAN.

All models here are tiny so that the whole file runs in a few seconds on 2 CPU cores.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from artgen_lite.models import GAN, RBM, GenerativeModel, check_haplotypes


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def haps() -> np.ndarray:
    """Two 'populations' of 40-SNP haplotypes with different allele frequencies and LD blocks."""
    rng = np.random.default_rng(1)
    n, m = 160, 40
    pop = rng.integers(0, 2, n)
    freq = np.where(pop[:, None] == 0, np.linspace(0.05, 0.6, m), np.linspace(0.7, 0.1, m))
    X = (rng.random((n, m)) < freq).astype(np.uint8)
    X[:, 10:15] = X[:, [10]]  # a perfect LD block
    return X


def tiny_rbm(**kw) -> RBM:
    args = dict(n_hidden=8, epochs=3, k=3, batch_size=32, lr=0.02, seed=0)
    args.update(kw)
    return RBM(**args)


def tiny_gan(**kw) -> GAN:
    args = dict(epochs=2, latent_dim=8, batch_size=32, seed=0)
    args.update(kw)
    return GAN(**args)


MODELS = [
    pytest.param(tiny_rbm, id="rbm-rdm"),
    pytest.param(lambda **kw: tiny_rbm(method="pcd", sample_steps=5, **kw), id="rbm-pcd"),
    pytest.param(lambda **kw: tiny_rbm(hidden="relu", **kw), id="rbm-relu"),
    pytest.param(lambda **kw: tiny_gan(variant="original", **kw), id="gan-original"),
    pytest.param(lambda **kw: tiny_gan(variant="improved", **kw), id="gan-improved"),
]


# ---------------------------------------------------------------- shared face
@pytest.mark.parametrize("make", MODELS)
def test_sample_shape_dtype(make, haps):
    model = make().fit(haps, progress=False)
    assert model.fit(haps, progress=False) is model
    S = model.sample(25, seed=3)
    assert S.shape == (25, haps.shape[1])
    assert S.dtype == np.uint8
    assert set(np.unique(S)) <= {0, 1}
    assert len(model.history) == model.epochs
    assert model.history_frame().shape[0] == model.epochs


@pytest.mark.parametrize("make", MODELS)
def test_same_seed_bitwise_identical(make, haps):
    a = make(seed=7).fit(haps, progress=False)
    b = make(seed=7).fit(haps, progress=False)
    np.testing.assert_array_equal(a.sample(30, seed=1), b.sample(30, seed=1))
    for (name, ta), tb in zip(a._modules().items(), b._modules().values()):
        sa = ta.state_dict() if isinstance(ta, torch.nn.Module) else {name: ta}
        sb = tb.state_dict() if isinstance(tb, torch.nn.Module) else {name: tb}
        for key in sa:
            assert torch.equal(sa[key], sb[key]), key
    # another sampling seed gives other samples
    assert not np.array_equal(a.sample(30, seed=1), a.sample(30, seed=2))


@pytest.mark.parametrize("make", MODELS)
def test_save_load_round_trip(make, haps, tmp_path):
    model = make().fit(haps, progress=False)
    path = model.save(tmp_path / "sub" / "model.pt")
    assert sorted(os.listdir(path.parent)) == ["model.pt"]  # no temp file left behind
    again = type(model).load(path)
    np.testing.assert_array_equal(model.sample(20, seed=5), again.sample(20, seed=5))
    assert again.get_params() == model.get_params()
    assert again.history == model.history
    assert again.n_parameters == model.n_parameters
    same = GenerativeModel.load(path)  # the base class dispatches on the stored class
    assert type(same) is type(model)


def test_load_wrong_class(haps, tmp_path):
    path = tiny_rbm().fit(haps, progress=False).save(tmp_path / "rbm.pt")
    with pytest.raises(ValueError, match="RBM"):
        GAN.load(path)


def test_unfitted_model_errors():
    with pytest.raises(RuntimeError, match="fit"):
        RBM().sample(3)
    with pytest.raises(RuntimeError, match="fit"):
        GAN().n_parameters


# ---------------------------------------------------------------- validation
def test_check_haplotypes_accepts_bool_int_and_objects():
    X = np.array([[0, 1], [1, 0]])
    assert check_haplotypes(X).dtype == np.uint8
    assert check_haplotypes(X.astype(bool)).dtype == np.uint8

    class H:
        pass

    h = H()
    h.X = X.astype(np.uint8)
    np.testing.assert_array_equal(check_haplotypes(h), X)


@pytest.mark.parametrize(
    "bad, exc, msg",
    [
        (np.zeros(5, dtype=np.uint8), ValueError, "X must be a 2-D"),
        (np.zeros((3, 4), dtype=str), TypeError, "X must hold 0/1"),  # float 0/1 is accepted now (one rule)
        (np.full((3, 4), 2, dtype=np.uint8), ValueError, "X must contain only 0 and 1"),
        (np.zeros((0, 4), dtype=np.uint8), ValueError, "X must have at least one"),
    ],
)
def test_fit_validation_messages(bad, exc, msg):
    with pytest.raises(exc, match=msg):
        RBM().fit(bad, progress=False)
    with pytest.raises(exc, match=msg):
        GAN().fit(bad, progress=False)


def test_constructor_validation():
    with pytest.raises(ValueError, match="n_hidden"):
        RBM(n_hidden=0)
    with pytest.raises(ValueError, match="method"):
        RBM(method="cd")
    with pytest.raises(ValueError, match="hidden"):
        RBM(hidden="gauss")
    with pytest.raises(ValueError, match="variant"):
        GAN(variant="wgan")
    with pytest.raises(ValueError, match="epochs"):
        GAN(epochs=0)
    with pytest.raises(ValueError, match="n must be"):
        RBM().fit(np.eye(4, dtype=np.uint8), progress=False).sample(0)


def test_wrong_number_of_snps(haps):
    model = tiny_rbm().fit(haps, progress=False)
    with pytest.raises(ValueError, match="SNPs"):
        model.free_energy(haps[:, :-1])


# ---------------------------------------------------------------- RBM
def test_rbm_n_parameters(haps):
    model = tiny_rbm().fit(haps, progress=False)
    nv, nh = haps.shape[1], model.n_hidden
    assert model.n_parameters == nv * nh + nv + nh


@pytest.mark.parametrize("hidden", ["bernoulli", "relu"])
def test_rbm_free_energy_lower_for_training_like_data(haps, hidden):
    model = tiny_rbm(hidden=hidden, epochs=10).fit(haps, progress=False)
    rnd = (np.random.default_rng(0).random(haps.shape) < 0.5).astype(np.uint8)
    f_data, f_rnd = model.free_energy(haps), model.free_energy(rnd)
    assert np.isfinite(f_data).all() and np.isfinite(f_rnd).all()
    assert f_data.mean() < f_rnd.mean()


def test_rbm_visible_bias_from_allele_frequency(haps):
    model = tiny_rbm(epochs=1, lr=1e-9).fit(haps, progress=False)
    p = haps.mean(0).clip(1e-5, 1 - 1e-5)
    np.testing.assert_allclose(model.b.numpy(), np.log(p / (1 - p)), atol=1e-4)


def test_rbm_gibbs_chain(haps):
    model = tiny_rbm().fit(haps, progress=False)
    chain = model.gibbs_chain(10, [3, 1, 6], seed=2)
    assert list(chain) == [1, 3, 6]
    assert all(v.shape == (10, haps.shape[1]) and v.dtype == np.uint8 for v in chain.values())
    # default sampling of an Rdm-k model = k steps from a random start, same random stream
    np.testing.assert_array_equal(model.sample(10, seed=2), model.gibbs_chain(10, [model.k], seed=2)[model.k])


# ---------------------------------------------------------------- GAN
def test_gan_original_parameter_counts_805():
    X = (np.random.default_rng(0).random((64, 805)) < 0.5).astype(np.uint8)
    model = GAN(variant="original", epochs=1, seed=0).fit(X, progress=False)
    assert model.n_parameters_generator == 1_482_431
    assert model.n_parameters_discriminator == 432_285
    assert model.n_parameters == 1_482_431 + 432_285
    sizes = [m.out_features for m in model.generator if isinstance(m, torch.nn.Linear)]
    assert sizes == [670, 731, 805]
    sizes = [m.out_features for m in model.discriminator if isinstance(m, torch.nn.Linear)]
    assert sizes == [402, 268, 1]


def test_gan_callback_and_scores(haps):
    calls = []

    def cb(model, epoch):
        calls.append(epoch)
        return {"n_ones": float(model.sample(10, seed=0).mean())}

    model = tiny_gan(epochs=5).fit(haps, progress=False, callback=cb, callback_every=2)
    assert calls == [2, 4, 5]
    assert "n_ones" in model.history[1] and "n_ones" not in model.history[0]
    assert {"d_loss", "g_loss"} <= set(model.history[0])
    s = model.discriminator_score(haps)
    assert s.shape == (len(haps),) and ((s >= 0) & (s <= 1)).all()


# ---------------------------------------------------------------- real data (optional)
def _real_805() -> Path:
    root = Path(os.environ.get("ARTGEN_DATA_MIRROR", "/work/shared/data"))
    path = root / "yelmen2021" / "805_SNP_1000G_real.hapt.zip"
    if not path.exists():
        pytest.skip(f"805-SNP data not found at {path} (set ARTGEN_DATA_MIRROR to the data mirror)")
    return path


def test_rbm_on_real_805_snps_smoke():
    path = _real_805()
    data = pytest.importorskip("artgen_lite.data", reason="artgen_lite.data not available")
    X = np.asarray(data.read_hapt(path).X)[::5]
    model = RBM(n_hidden=20, epochs=2, k=5, batch_size=128, seed=0).fit(X, progress=False)
    S = model.sample(200, seed=0)
    assert S.shape == (200, 805)
    assert np.corrcoef(X.mean(0), S.mean(0))[0, 1] > 0.9
