"""Checkpoint selection on a validation split, and budgets counted in updates (chapter 05)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from artgen_lite.models import CRBM, GAN, PCAGAN, RBM, VAE, ConvWGAN, DPVAE
from artgen_lite.models.checkpoint import ValidationMonitor, split_validation
from founders import founder_copies


def mosaic_data(n=400, m=60, k=6, seed=0):
    """Haplotypes copied from ``k`` founders with 3 % of alleles flipped: LD by construction."""
    return founder_copies(n, m, k, 0.4, seed)


def test_split_validation_holds_out_a_tenth_disjointly():
    fit, val = split_validation(1000, 0.1, seed=0)
    assert len(val) == 100 and len(fit) == 900
    assert not set(fit) & set(val) and set(fit) | set(val) == set(range(1000))


def test_split_validation_bounds_and_small_cohorts():
    assert split_validation(199, 0.1, seed=0) is None  # too few haplotypes to spare any
    assert split_validation(1000, 0.0, seed=0) is None
    assert len(split_validation(300, 0.1, seed=0)[1]) == 50  # at least 50
    assert len(split_validation(20000, 0.1, seed=0)[1]) == 500  # at most 500


def test_new_real_sample_scores_near_zero_and_copies_score_worse():
    X = mosaic_data(n=600)
    fit, val = split_validation(len(X), 0.2, seed=1)
    mon = ValidationMonitor(X[fit], X[val], n_evals=5, patience=None, seed=1)
    real = mon.score(X[val])  # the reference sample itself: every term is zero
    assert real["ckpt_loss"] == pytest.approx(0.0, abs=1e-12)
    copies = mon.score(mon.fit_sub)  # exact copies of the haplotypes the model trains on
    noise = mon.score((np.random.default_rng(0).random(X[val].shape) < X.mean(0)).astype(np.uint8))
    assert copies["ckpt_loss"] > real["ckpt_loss"] + 2  # AATS components off by > 0.4 in all
    assert noise["ckpt_loss"] > real["ckpt_loss"] + 2


def test_fit_keeps_the_best_scored_state():
    X = mosaic_data(n=400)
    model = RBM(n_hidden=16, k=5, steps=300, batch_size=64, lr=0.05, n_checkpoints=6, seed=0)
    model.fit(X, progress=False)
    h = model.history_frame()
    scored = h.dropna(subset=["ckpt_loss"])
    assert len(scored) == 6  # evenly spaced evaluations, the last epoch included
    assert scored["epoch"].iloc[-1] == h["epoch"].iloc[-1]
    assert model.best_epoch == int(scored.loc[scored["ckpt_loss"].idxmin(), "epoch"])
    # the kept state reproduces the best score: rebuild the monitor on the same split
    fit, val = split_validation(len(X), model.validation_fraction, model.seed)
    mon = ValidationMonitor(X[fit], X[val], n_evals=6, patience=None, seed=model.seed)
    S = model._sample(len(val), torch.Generator().manual_seed(mon.sample_seed)).numpy()
    assert mon.score(S)["ckpt_loss"] == pytest.approx(scored["ckpt_loss"].min(), abs=1e-8)


def test_patience_stops_training_early():
    X = mosaic_data(n=400)
    model = RBM(n_hidden=8, k=2, epochs=200, batch_size=64, lr=1e-6, n_checkpoints=100,
                checkpoint_patience=2, seed=0)  # a learning rate too small to improve anything
    model.fit(X, progress=False)
    assert len(model.history) < 200


def test_budget_counts_updates_not_epochs():
    """The same budget of updates gives a cohort ten times smaller ten times more epochs."""
    for n, bs, steps in ((400, 64, 210), (3000, 64, 210)):
        X = mosaic_data(n=n, m=20)
        model = RBM(n_hidden=4, k=1, steps=steps, batch_size=bs, validation_fraction=0.0).fit(
            X, progress=False)
        assert len(model.history) == math.ceil(steps / math.ceil(n / bs))


@pytest.mark.parametrize("cls", [RBM, GAN, VAE, CRBM, ConvWGAN, PCAGAN, DPVAE])
def test_params_come_from_the_signature(cls):
    model = cls(seed=3)
    params = model.get_params()
    assert params["seed"] == 3
    assert type(model)(**params).get_params() == params
    # the CRBM trains window after window, so no whole haplotype exists to score until the end;
    # the DP-VAE must not look at the data outside DP-SGD
    assert ("validation_fraction" in params) == (cls not in (CRBM, DPVAE))


def test_dp_vae_never_chooses_a_checkpoint_on_the_data():
    assert DPVAE().validation_fraction == 0.0


def test_gan_warns_above_two_thousand_snps_naming_size_and_alternatives():
    X = (np.random.default_rng(0).random((70, 2001)) < 0.3).astype(np.uint8)
    with pytest.warns(UserWarning, match=r"2001 SNPs has [\d,]+ trainable parameters.*CRBM, ConvWGAN, PCAGAN"):
        GAN(epochs=1).fit(X, progress=False)


def test_rbm_warns_above_two_thousand_snps_but_the_crbm_does_not():
    X = (np.random.default_rng(0).random((70, 2001)) < 0.3).astype(np.uint8)
    with pytest.warns(UserWarning, match=r"fully connected RBM on 2001 SNPs has [\d,]+ trainable.*CRBM, ConvWGAN, PCAGAN"):
        RBM(n_hidden=4, k=1, epochs=1).fit(X, progress=False)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RBM(n_hidden=4, k=1, epochs=1).fit(X[:, :2000], progress=False)
        CRBM(n_hidden=4, k=1, epochs=1).fit(X, progress=False)


@pytest.mark.parametrize("make", [
    lambda: RBM(n_hidden=8, k=2, epochs=100_000, batch_size=64, seed=0),
    lambda: GAN(epochs=100_000, batch_size=64, seed=0),
    lambda: CRBM(window=30, overlap=10, n_hidden=8, k=2, epochs=100_000, batch_size=64, seed=0),
    lambda: DPVAE(epochs=300, batch_size=64, seed=0),  # (its noise calibration grows with the budget)
], ids=["rbm", "gan", "crbm", "dp_vae"])
def test_time_limit_stops_a_long_budget_and_keeps_a_scored_state(make):
    """A long budget (100,000 epochs would take hours) stops soon after ``time_limit=1``; the
    model is marked as stopped, samples like a trained one, and (with a validation split) the
    state kept is one the monitor scored."""
    X = mosaic_data(n=400)
    model = make()
    model.fit(X, progress=False, time_limit=1.0)
    assert model.stopped_by_time_limit
    planned = model.epochs * (len(model.windows) if isinstance(model, CRBM) else 1)
    assert len(model.history) < planned  # stopped before the end of its budget
    assert model.train_time_s < 60
    assert model.sample(5, seed=0).shape == (5, X.shape[1])
    if model.validation_fraction > 0:
        h = model.history_frame().dropna(subset=["ckpt_loss"])
        assert model.best_epoch in set(h["epoch"])
        assert h["epoch"].iloc[-1] == model.history[-1]["epoch"]  # the state reached was scored
    if isinstance(model, DPVAE):  # privacy spent by the steps actually taken, well under the budget
        assert model.epsilon_spent < model.epsilon


def test_time_limit_off_or_unreached_changes_nothing():
    X = mosaic_data(n=400)
    a = RBM(n_hidden=8, k=2, steps=60, batch_size=64, seed=3).fit(X, progress=False)
    b = RBM(n_hidden=8, k=2, steps=60, batch_size=64, seed=3).fit(X, progress=False, time_limit=3600)
    assert not b.stopped_by_time_limit
    assert np.array_equal(a.sample(50, seed=1), b.sample(50, seed=1))


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "5"])
def test_time_limit_must_be_a_positive_number(bad):
    with pytest.raises(ValueError, match="time_limit"):
        RBM().fit(mosaic_data(n=50, m=10), progress=False, time_limit=bad)
