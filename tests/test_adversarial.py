"""The one WGAN-GP training loop (``artgen_lite.models.wgan_gp``) shared by ConvWGAN, PCAGAN and
DNAWGAN (chapter 06 writes the loss out), its moving average through torch's ``AveragedModel``,
and PCAGAN's PCA through scikit-learn.

What a reader relies on: the shared loop gives the numbers the three hand-written loops gave
(training histories recorded from them, bitwise on the recorded CPU), the logged means are means
of the steps they claim, the epoch driver takes the steps, callbacks and stops it documents, the
moving average is the hand-written ``w <- w + (1 - decay) (g - w)`` bitwise and is saved without
the wrapper's ``module.`` prefix, and PCAGAN's components span the principal subspace.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from artgen_lite import dna as D
from artgen_lite.dna.design import DNAWGAN
from artgen_lite.models import PCAGAN, ConvWGAN, GenerativeModel
from artgen_lite.models.model_file import read_model_file
from artgen_lite.models.pca_gan import fit_pca
from artgen_lite.models.wgan_gp import WGANGPTrainer, ema_of, train_epochs

from test_device_presets import _recorded_env, data

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def history_hash(model) -> str:
    rows = [[k, repr(float(v))] for r in model.history for k, v in r.items() if k not in ("time_s", "cpu_s")]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def dna_windows():
    s = D.decode(np.random.default_rng(1).integers(0, 4, 1200))
    return [s[i : i + 12] for i in range(0, 1200, 12)][:64]


# The three fits of tests/test_device_presets.py's fingerprints (seed 1, one thread). ConvWGAN's and
# DNAWGAN's histories were recorded from the hand-written loops (commit 0517da0); PCAGAN's after its
# PCA moved to scikit-learn (the shared loop alone had left it bitwise unchanged).
FITS = {
    "ConvWGAN": lambda: ConvWGAN(seed=1, epochs=2, batch_size=48).fit(data(), progress=False),
    "ConvWGAN-bernoulli-label-noise": lambda: ConvWGAN(seed=1, epochs=2, batch_size=48, output="bernoulli",
                                                       label_noise=0.1, n_critic=2).fit(data(), progress=False),
    "PCAGAN": lambda: PCAGAN(seed=1, epochs=3, n_components=6, latent_dim=4, hidden=16).fit(data(), progress=False),
    "DNAWGAN": lambda: DNAWGAN(iterations=7, latent_dim=8, channels=8, blocks=1, batch_size=16, log_every=3,
                               n_critic=3, seed=1).fit(dna_windows(), progress=False),
}
RECORDED_HISTORY = {
    "ConvWGAN": "18143cd315933b3c",
    "ConvWGAN-bernoulli-label-noise": "d69a9fba5cbda898",
    "PCAGAN": "6acc7d47cf6e6a24",  # "b547be42e87eca17" with the torch randomized SVD
    "DNAWGAN": "fae93c1e62092cb4",
}


@pytest.mark.parametrize("name", list(FITS))
def test_the_shared_loop_gives_the_histories_of_the_hand_written_loops(name):
    model = FITS[name]()
    key = "iteration" if name == "DNAWGAN" else "epoch"
    assert [r[key] for r in model.history if "critic_loss" in r] == ([3, 6, 7] if name == "DNAWGAN" else
                                                                        list(range(1, len(model.history) + 1)))
    if not _recorded_env():
        pytest.skip("histories recorded with torch 2.13.0+cpu on AVX512")
    assert history_hash(model) == RECORDED_HISTORY[name]


# ------------------------------------------------------------------------------------ the trainer

def tiny_pair(seed=0):
    torch.manual_seed(seed)
    G, C = nn.Linear(3, 5), nn.Sequential(nn.Linear(5, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1))
    rng = torch.Generator().manual_seed(seed)

    def fake(n):
        return G(torch.randn(n, 3, generator=rng))

    trainer = WGANGPTrainer(C, fake, torch.optim.Adam(C.parameters(), 1e-3), torch.optim.Adam(G.parameters(), 1e-3),
                            rng, gp_weight=10.0)
    return G, C, trainer


def test_record_gives_means_of_the_recorded_steps_and_starts_afresh():
    G, C, trainer = tiny_pair()
    real = torch.randn(8, 5)
    logs = [trainer.critic_update(real) for _ in range(3)]
    trainer.critic_update(real, record=False)  # taken, not logged
    g = [trainer.generator_update(8) for _ in range(2)]
    out = trainer.record()
    for key in ("critic_loss", "gradient_penalty", "wasserstein"):
        assert out[key] == pytest.approx(np.mean([lg[key] for lg in logs]), rel=1e-12)
    assert out["generator_loss"] == pytest.approx(np.mean(g), rel=1e-12)
    assert trainer.critic_steps == 4
    trainer.critic_update(real)
    again = trainer.record()  # no generator step since the last record: NaN, not a stale mean
    assert math.isnan(again["generator_loss"]) and math.isfinite(again["critic_loss"])


def test_generator_steps_leave_the_critic_unchanged_and_trainable():
    G, C, trainer = tiny_pair()
    before = copy.deepcopy(C.state_dict())
    g0 = G.weight.detach().clone()
    trainer.generator_update(8)
    assert all(torch.equal(before[k], v) for k, v in C.state_dict().items())
    assert not torch.equal(G.weight, g0)
    assert all(p.requires_grad for p in C.parameters())


def test_label_noise_weights_the_real_term_by_one_minus_u():
    """With ``u`` drawn first from the shared generator, the loss is ``C(fake) - (1 - u) C(real) + GP``."""
    _, C, trainer = tiny_pair()
    trainer.label_noise = 0.5
    real = torch.randn(8, 5)
    state = trainer.rng.get_state()
    with torch.no_grad():
        fake = trainer.fake(8)
    u = 0.5 * float(torch.rand(1, generator=trainer.rng))
    eps = torch.rand(8, 1, generator=trainer.rng)
    C0 = copy.deepcopy(C)
    with torch.no_grad():
        c_real, c_fake = C0(real).mean(), C0(fake).mean()
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(C0(x_hat).sum(), x_hat)
    gp = ((grad.norm(dim=1) - 1) ** 2).mean()
    trainer.rng.set_state(state)
    logs = trainer.critic_update(real)
    assert 0 < u < 0.5
    assert logs["critic_loss"] == pytest.approx(float(c_fake - (1 - u) * c_real + 10 * gp), rel=1e-5)
    assert logs["wasserstein"] == pytest.approx(float(c_real - c_fake), rel=1e-5)


def test_an_average_needs_the_network_it_averages():
    G, C, trainer = tiny_pair()
    with pytest.raises(ValueError, match="generator="):
        WGANGPTrainer(C, trainer.fake, trainer.opt_critic, trainer.opt_generator, trainer.rng, ema=ema_of(G, 0.9))


# ------------------------------------------------------------------------------------ the epoch driver

class _Stub:
    """Just what train_epochs uses of a model: history, _epochs_for, _before_checkpoint, _checkpoint."""

    # the base class's epoch bookkeeping (history, callback, progress bar, then _checkpoint)
    _end_epoch = GenerativeModel._end_epoch

    def __init__(self, epochs, stop_at=None, callback=None, callback_every=1):
        self.epochs, self.stop_at, self.events, self.history = epochs, stop_at, [], []
        self._callback, self._callback_every = callback, callback_every

    def _epochs_for(self, n_batches):
        return self.epochs

    def _before_checkpoint(self):
        self.events.append("ready")

    def _checkpoint(self, epoch, epochs):
        self.events.append(("checkpoint", epoch, epochs))
        return epoch == self.stop_at


def test_an_epoch_is_a_pass_of_critic_steps_with_a_generator_step_every_n_critic():
    G, C, trainer = tiny_pair()
    seen = []

    def callback(m, epoch):
        seen.append((epoch, trainer.critic_steps))
        return {"extra": float(epoch)}

    model = _Stub(epochs=3, callback=callback, callback_every=2)
    # 10 rows in batches of 4: 2 batches, raised to n_critic = 3 critic steps (one generator step)
    train_epochs(model, trainer, torch.randn(10, 5), batch_size=4, n_critic=3, desc="t", progress=False,
                 cpu_time=True)
    assert trainer.critic_steps == 9
    assert [r["epoch"] for r in model.history] == [1, 2, 3]
    assert all(math.isfinite(r["generator_loss"]) and r["cpu_s"] >= 0 for r in model.history)
    assert seen == [(2, 6), (3, 9)]  # every 2nd epoch and after the last
    assert [r.get("extra") for r in model.history] == [None, 2.0, 3.0]
    assert model.events == [("checkpoint", 1, 3), "ready", ("checkpoint", 2, 3), "ready", ("checkpoint", 3, 3)]


def test_the_checkpoint_can_stop_training():
    _, _, trainer = tiny_pair()
    model = _Stub(epochs=5, stop_at=2)
    train_epochs(model, trainer, torch.randn(16, 5), batch_size=8, n_critic=1, desc="t", progress=False)
    assert [r["epoch"] for r in model.history] == [1, 2] and "cpu_s" not in model.history[0]
    assert trainer.critic_steps == 4


@pytest.mark.parametrize("make", [
    lambda: ConvWGAN(epochs=100_000, batch_size=24, channels=1, seed=0),
    lambda: PCAGAN(epochs=100_000, n_components=4, hidden=8, latent_dim=4, seed=0),
], ids=["convwgan", "pcagan"])
def test_fits_time_limit_stops_the_shared_epoch_loop_at_a_scored_state(make):
    X = data(n=400, m=20)  # enough rows for a validation split
    model = make().fit(X, progress=False, time_limit=1.0)
    assert model.stopped_by_time_limit and model.train_time_s < 30
    epochs = [r["epoch"] for r in model.history]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) < 100_000
    assert "ckpt_loss" in model.history[-1]  # the state reached was scored before stopping
    assert model.best_epoch in epochs


# ------------------------------------------------------------------------------------ moving average

def test_ema_of_is_the_hand_written_moving_average_bitwise():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    hand = copy.deepcopy(net).requires_grad_(False)
    avg = ema_of(net, 0.99)
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    for _ in range(5):
        opt.zero_grad()
        net(torch.randn(16, 6)).pow(2).mean().backward()
        opt.step()
        avg.update_parameters(net)
        with torch.no_grad():
            for pe, pg in zip(hand.parameters(), net.parameters()):
                pe.lerp_(pg, 1.0 - 0.99)
    for (name, a), b, g in zip(avg.module.named_parameters(), hand.parameters(), net.parameters()):
        assert torch.equal(a, b), name
        assert not torch.equal(a, g), name  # an average, not a copy of the last weights
    assert list(avg.module.state_dict()) == list(net.state_dict())  # no "module." prefix
    assert not any(p.requires_grad for p in avg.parameters())


def test_conv_wgan_saves_the_averaged_network_itself_and_loads_it(tmp_path):
    X = data(n=96, m=20)
    model = ConvWGAN(epochs=1, batch_size=24, channels=1, seed=0, validation_fraction=0.0).fit(X, progress=False)
    assert isinstance(model.generator_ema, type(model.generator))
    path = model.save(tmp_path / "wgan.pt")
    keys = [k for k in read_model_file(path)["state"] if k.startswith("generator_ema.")]
    gen_keys = [k for k in read_model_file(path)["state"] if k.startswith("generator.")]
    assert keys == ["generator_ema." + k[len("generator."):] for k in gen_keys]
    back = GenerativeModel.load(path)
    np.testing.assert_array_equal(back.sample(40, seed=3), model.sample(40, seed=3))
    np.testing.assert_array_equal(back.sample_probabilities(5, seed=1), model.sample_probabilities(5, seed=1))


# ------------------------------------------------------------------------------------ one PCA path

def _largest_sine(V1: np.ndarray, V2: np.ndarray) -> float:
    """Sine of the largest principal angle between the row spaces of two sets of k orthonormal
    rows: the 2-norm of what of V2 lies outside the span of V1 (accurate to rounding, unlike
    the cosines' complement)."""
    return float(np.linalg.norm(V2 - (V2 @ V1.T) @ V1, 2))


def _exact_pca(X, k):
    """Top-k loadings and score scales from torch's LAPACK SVD of the centred matrix."""
    A = torch.from_numpy(X.astype(np.float64) - X.mean(0))
    _, s, vt = torch.linalg.svd(A, full_matrices=False)
    return vt[:k].numpy(), s[:k].numpy() / math.sqrt(len(X) - 1)


def test_pcagan_components_span_the_principal_subspace_on_the_805_data(real805):
    """fit_pca (scikit-learn's exact solver up to 2,000 SNPs) against a LAPACK SVD of the centred
    805-SNP matrix: the same top-50 subspace to 1e-9 and the same score scales to 1e-9."""
    X = real805.X
    pca = fit_pca(X, 50)
    V, scale = _exact_pca(X, 50)
    assert _largest_sine(pca["components"].numpy(), V) < 1e-9
    np.testing.assert_allclose(pca["scale"].numpy(), scale, rtol=1e-9)
    model = PCAGAN(n_components=50, epochs=1, hidden=8, latent_dim=4, validation_fraction=0.0).fit(X[:600],
                                                                                              progress=False)
    V6, _ = _exact_pca(X[:600], 50)
    assert _largest_sine(model.pca["components"].numpy(), V6) < 1e-9


def test_beyond_2000_snps_the_seeded_randomized_solver_finds_the_leading_subspace():
    """Over 2,000 SNPs scikit-learn's randomized SVD (seeded) is used: on founder haplotypes with
    a clear spectral gap after 6 components its subspace is the exact one to 1e-6, and a seed
    gives the same components bit for bit."""
    rng = np.random.default_rng(3)
    founders = rng.random((7, 2100)) < 0.4
    X = (founders[rng.integers(0, 7, 300)] ^ (rng.random((300, 2100)) < 0.01)).astype(np.uint8)
    pca = fit_pca(X, 6, seed=4)
    V, scale = _exact_pca(X, 6)
    assert _largest_sine(pca["components"].numpy(), V) < 1e-6
    np.testing.assert_allclose(pca["scale"].numpy(), scale, rtol=1e-8)
    assert torch.equal(fit_pca(X, 6, seed=4)["components"], pca["components"])
