"""HaplotypeDiffusion: absorbing (masking) diffusion on 0/1 haplotypes (chapter 14)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artgen_lite.models import GenerativeModel, HaplotypeDiffusion
from artgen_lite.models.diffusion import _mask_prob
from founders import founder_copies


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def haps() -> np.ndarray:
    """Two founders' copies with 3 % noise: strong LD, allele frequencies far from 0.5."""
    return founder_copies(240, 30, 2, 0.3)


def tiny(**kw) -> HaplotypeDiffusion:
    args = dict(hidden=32, steps=60, batch_size=32, sample_steps=10, validation_fraction=0.0, seed=0)
    args.update(kw)
    return HaplotypeDiffusion(**args)


def test_contract_shape_seed_history_and_save_load(haps, tmp_path):
    model = tiny().fit(haps, progress=False)
    S = model.sample(25, seed=3)
    assert S.shape == (25, 30) and S.dtype == np.uint8 and set(np.unique(S)) <= {0, 1}
    np.testing.assert_array_equal(S, tiny().fit(haps, progress=False).sample(25, seed=3))
    assert not np.array_equal(S, model.sample(25, seed=4))
    assert len(model.history) == model._epochs_for(240 // 32)  # the steps budget, in epochs
    again = GenerativeModel.load(model.save(tmp_path / "d.pt"))
    assert type(again) is HaplotypeDiffusion and again.get_params() == model.get_params()
    np.testing.assert_array_equal(again.sample(25, seed=3), S)
    assert again.n_parameters == model.n_parameters > 0
    np.testing.assert_array_equal(again.score_samples(haps[:5]), model.score_samples(haps[:5]))


def test_training_learns_frequencies_and_ld(haps):
    model = tiny(steps=400, hidden=64).fit(haps, progress=False)
    assert model.history[-1]["loss"] < model.history[0]["loss"]
    S = model.sample(400, seed=1)
    # frequencies: the founders' mixing proportion is one learned number, so allow a shift of it
    assert np.corrcoef(S.mean(0), haps.mean(0))[0, 1] > 0.97
    assert np.abs(S.mean(0) - haps.mean(0)).mean() < 0.06
    # the two founders make SNP pairs strongly correlated; samples must keep that
    r_real = np.corrcoef(haps.T.astype(float))[np.triu_indices(30, 1)]
    r_syn = np.corrcoef(S.T.astype(float))[np.triu_indices(30, 1)]
    ok = np.isfinite(r_real) & np.isfinite(r_syn)
    assert np.corrcoef(r_real[ok], r_syn[ok])[0, 1] > 0.8


def test_score_is_higher_for_data_like_haplotypes(haps):
    model = tiny(steps=200).fit(haps, progress=False)
    noise = (np.random.default_rng(5).random((50, 30)) < 0.5).astype(np.uint8)
    assert model.score_samples(haps[:50]).mean() > model.score_samples(noise).mean() + 0.1
    with pytest.raises(ValueError, match="SNPs"):
        model.score_samples(haps[:, :-1])


def test_validation_checkpoints_are_recorded(haps):
    model = tiny(steps=60, validation_fraction=0.2, n_checkpoints=3).fit(haps, progress=False)
    assert sum("ckpt_loss" in h for h in model.history) == 3
    assert model.best_epoch in {h["epoch"] for h in model.history if "ckpt_loss" in h}


def test_schedules_and_settings():
    t = torch.tensor([0.0, 0.5, 1.0])
    assert _mask_prob(t, "linear").tolist() == [0.0, 0.5, 1.0]
    assert _mask_prob(t, "cosine")[[0, 2]].tolist() == pytest.approx([0.0, 1.0])
    with pytest.raises(ValueError, match="schedule"):
        HaplotypeDiffusion(schedule="quadratic")
    with pytest.raises(ValueError, match="steps"):
        HaplotypeDiffusion(steps=0)
    m = HaplotypeDiffusion(seed=3)
    assert type(m)(**m.get_params()).get_params() == m.get_params()
