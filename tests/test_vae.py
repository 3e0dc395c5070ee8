"""Tests of artgen_lite.models.vae.VAE (chapter "A VAE for population structure").

Tiny networks on a synthetic two-population data set, so the file runs in a few seconds.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artgen_lite.models.base import GenerativeModel
from artgen_lite.models.vae import VAE


@pytest.fixture(scope="module")
def haps() -> np.ndarray:
    """Two 'populations' of 40-SNP haplotypes with different allele frequencies and an LD block."""
    rng = np.random.default_rng(1)
    n, m = 200, 40
    pop = rng.integers(0, 2, n)
    freq = np.where(pop[:, None] == 0, np.linspace(0.05, 0.6, m), np.linspace(0.7, 0.1, m))
    X = (rng.random((n, m)) < freq).astype(np.uint8)
    X[:, 10:15] = X[:, [10]]
    return X


def tiny(**kw) -> VAE:
    args = dict(depth=2, width=16, epochs=4, patience=3, batch_size=32, seed=0)
    args.update(kw)
    return VAE(**args)


@pytest.fixture(scope="module")
def fitted(haps) -> VAE:
    return tiny(epochs=30, patience=30, lr=3e-3).fit(haps, progress=False)


def _state(model: VAE) -> dict[str, torch.Tensor]:
    out = {f"enc.{k}": v for k, v in model.encoder.state_dict().items()}
    out.update({f"dec.{k}": v for k, v in model.decoder.state_dict().items()})
    return out


def test_is_a_generative_model_with_shapes_and_dtypes(fitted, haps):
    assert isinstance(fitted, GenerativeModel)
    S = fitted.sample(25, seed=3)
    assert S.shape == (25, haps.shape[1]) and S.dtype == np.uint8
    assert set(np.unique(S)) <= {0, 1}
    P = fitted.sample(7, seed=3, from_posterior=True)
    assert P.shape == (7, haps.shape[1]) and P.dtype == np.uint8
    mu, log_var = fitted.encode(haps[:10])
    assert mu.shape == log_var.shape == (10, 2)
    p = fitted.decode(mu)
    assert p.shape == (10, haps.shape[1]) and ((p > 0) & (p < 1)).all()
    e = fitted.elbo(haps[:10])
    assert e.shape == (10,) and np.isfinite(e).all() and (e < 0).all()
    frame = fitted.history_frame()
    assert {"epoch", "train_loss", "train_recon", "train_kl", "val_loss", "lr"} <= set(frame.columns)
    assert len(frame) == 30


def test_n_parameters_formula(fitted):
    m, w, d, L = 40, 16, 2, 2
    enc = (m * w + w) + (d - 1) * (w * w + w) + 2 * (w * L + L)
    dec = (L * w + w) + (d - 1) * (w * w + w) + (w * m + m)
    assert fitted.n_parameters == enc + dec


def test_same_seed_is_bitwise_identical(haps):
    a = tiny().fit(haps, progress=False)
    b = tiny().fit(haps, progress=False)
    sa, sb = _state(a), _state(b)
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert a.history == b.history
    np.testing.assert_array_equal(a.sample(50, seed=1), b.sample(50, seed=1))
    np.testing.assert_array_equal(a.elbo(haps, seed=2), b.elbo(haps, seed=2))
    c = tiny(seed=1).fit(haps, progress=False)
    assert not np.array_equal(a.sample(50, seed=1), c.sample(50, seed=1))
    assert not np.array_equal(a.sample(50, seed=1), a.sample(50, seed=2))


def test_save_load_round_trip(fitted, haps, tmp_path):
    path = fitted.save(tmp_path / "sub" / "vae.pt")
    assert path.exists() and not list(path.parent.glob("*.tmp"))
    back = VAE.load(path)
    assert back.get_params() == fitted.get_params()
    assert back.history == fitted.history and back.best_epoch == fitted.best_epoch
    assert back.n_parameters == fitted.n_parameters
    for fp in (False, True):
        np.testing.assert_array_equal(back.sample(60, seed=4, from_posterior=fp), fitted.sample(60, seed=4, from_posterior=fp))
    np.testing.assert_array_equal(back.elbo(haps), fitted.elbo(haps))


def test_elbo_higher_on_training_like_data_than_random(fitted, haps):
    rng = np.random.default_rng(5)
    random = (rng.random(haps.shape) < 0.5).astype(np.uint8)
    assert fitted.elbo(haps).mean() > fitted.elbo(random).mean() + 5


def test_training_lowers_the_loss(fitted):
    h = fitted.history_frame()
    assert h["train_loss"].iloc[-1] < h["train_loss"].iloc[0]
    assert h["val_loss"].min() < h["val_loss"].iloc[0]


def test_early_stopping_stops_and_restores_best(haps):
    # a big learning rate on a tiny model overfits/plateaus quickly; the ELBO's early stopping
    # works when no checkpoint is chosen on a validation split (validation_fraction=0)
    m = tiny(epochs=400, patience=2, lr=0.05, validation_fraction=0.0).fit(haps, progress=False)
    assert m.stopped_early
    assert len(m.history) < 400
    assert m.best_epoch == len(m.history) - 2
    val = [r["val_loss"] for r in m.history]
    assert val[m.best_epoch - 1] == min(val)
    lrs = [r["lr"] for r in m.history]
    assert min(lrs) < 0.05  # ReduceLROnPlateau halved the rate at least once


def test_with_checkpoint_selection_the_patience_rule_is_off_as_documented(haps):
    # the same plateauing run with the default checkpoint split: all epochs run, the kept epoch is
    # the checkpoint's, not the one with the lowest validation loss (chapter 07 says so)
    m = tiny(epochs=12, patience=2, lr=0.05, validation_fraction=0.1, n_checkpoints=4).fit(haps, progress=False)
    assert len(m.history) == 12 and not m.stopped_early
    assert m.best_epoch in {r["epoch"] for r in m.history if "ckpt_loss" in r}


def test_no_validation_split_trains_all_epochs(haps):
    m = tiny(epochs=3, val_fraction=0).fit(haps, progress=False)
    assert len(m.history) == 3 and not m.stopped_early
    assert "val_loss" not in m.history[0]


def test_quirk_changes_training(haps):
    a = tiny().fit(haps, progress=False)
    b = tiny(quirk=True).fit(haps, progress=False)
    assert b.quirk and a.history != b.history


@pytest.mark.parametrize(
    "kw, exc, msg",
    [
        (dict(depth=0), ValueError, "depth"),
        (dict(width=2.5), ValueError, "width"),
        (dict(latent_dim=-1), ValueError, "latent_dim"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(patience=0), ValueError, "patience"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(lr=0), ValueError, "lr"),
        (dict(val_fraction=1.0), ValueError, "val_fraction"),
        (dict(quirk="yes"), TypeError, "quirk"),
        (dict(beta=-1), ValueError, "beta"),
        (dict(seed="0"), TypeError, "seed"),
    ],
)
def test_constructor_validation(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        VAE(**kw)


def test_input_validation(fitted, haps, tmp_path):
    with pytest.raises(ValueError, match="X must contain only 0 and 1"):
        tiny().fit(haps * 2, progress=False)
    with pytest.raises(ValueError, match="X must be a 2-D"):
        tiny().fit(haps[0], progress=False)
    with pytest.raises(ValueError, match="val_fraction"):
        tiny().fit(haps[:1], progress=False)
    with pytest.raises(TypeError, match="unexpected keyword"):
        tiny().fit(haps, progress=False, bogus=1)
    with pytest.raises(ValueError, match="SNPs"):
        fitted.elbo(haps[:, :10])
    with pytest.raises(ValueError, match="z must have shape"):
        fitted.decode(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="n must be a positive integer"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.elbo(haps, n_samples=0)
    with pytest.raises(TypeError, match="from_posterior"):
        fitted.sample(3, from_posterior="yes")
    with pytest.raises(RuntimeError, match="not trained"):
        VAE().encode(haps)
    from artgen_lite.models import RBM

    rbm_file = RBM(n_hidden=4, epochs=1).fit(haps, progress=False).save(tmp_path / "rbm.pt")
    with pytest.raises(ValueError, match="holds a"):
        VAE.load(rbm_file)


def test_learning_rate_halves_after_a_quarter_of_patience_without_improvement(haps):
    """The plateau rule (popvae's): after ``patience // 4`` epochs without the monitored loss
    improving by 1e-4, the rate halves and the count restarts (torch's ReduceLROnPlateau does it;
    this recomputes the rule from the logged losses, so a change of library cannot change it)."""
    model = tiny(epochs=40, patience=8, lr=2e-2, validation_fraction=0.0).fit(haps, progress=False)
    hist = model.history_frame()
    plateau, lr, best, bad, expected = 8 // 4, 2e-2, np.inf, 0, []
    for loss in hist["val_loss"]:
        expected.append(lr)
        if loss < best - 1e-4:
            best, bad = loss, 0
        else:
            bad += 1
            if bad >= plateau:
                lr, bad = lr * 0.5, 0
    assert hist["lr"].tolist() == expected
    assert min(expected) < 2e-2, "the run should reach a plateau at least once"
