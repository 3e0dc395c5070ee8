"""HaplotypeMosaic: the Li-Stephens copying model as a generator (chapter 14)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artgen_lite import imputation
from artgen_lite.models import GenerativeModel, HaplotypeMosaic
from artgen_lite.models.mosaic import minimal_mosaic_segments, nearest_panel_neighbours
from founders import founder_copies


@pytest.fixture(scope="module")
def panel() -> np.ndarray:
    """Haplotypes copied from 6 founders with 3 % of alleles flipped."""
    return founder_copies(120, 50, 6, 0.4)


def test_contract_shape_seed_and_save_load(panel, tmp_path):
    model = HaplotypeMosaic(n_donors=16).fit(panel, progress=False)
    S = model.sample(40, seed=3)
    assert S.shape == (40, 50) and S.dtype == np.uint8 and set(np.unique(S)) <= {0, 1}
    np.testing.assert_array_equal(S, HaplotypeMosaic(n_donors=16).fit(panel, progress=False).sample(40, seed=3))
    assert not np.array_equal(S, model.sample(40, seed=4))
    again = GenerativeModel.load(model.save(tmp_path / "m.pt"))
    assert type(again) is HaplotypeMosaic and again.get_params() == model.get_params()
    np.testing.assert_array_equal(again.sample(40, seed=3), S)
    assert again.n_parameters == model.n_parameters == 120 * 50 + 49 + 1
    assert type(model)(**model.get_params()).get_params() == model.get_params()


def test_no_switch_no_mismatch_copies_whole_panel_haplotypes(panel):
    model = HaplotypeMosaic(switch_rate=0.0, mismatch_rate=0.0).fit(panel, progress=False)
    S = model.sample(30, seed=0)
    assert all((S[i] == panel).all(1).any() for i in range(len(S)))


def test_donors_explain_every_allele_and_switches_follow_rho(panel):
    rho = 0.1
    model = HaplotypeMosaic(switch_rate=rho, mismatch_rate=0.0, n_donors=None).fit(panel, progress=False)
    S, donors = model.sample_with_donors(400, seed=1)
    np.testing.assert_array_equal(S, panel[donors, np.arange(50)])
    np.testing.assert_array_equal(S, model.sample(400, seed=1))  # the same walk as sample()
    # a jump may land on the same haplotype (prob 1/K), so changes of donor happen at rate rho (1 - 1/K)
    changes = (np.diff(donors, axis=1) != 0).mean()
    assert changes == pytest.approx(rho * (1 - 1 / 120), abs=0.01)


def test_mismatches_flip_alleles_at_theta(panel):
    model = HaplotypeMosaic(switch_rate=0.05, mismatch_rate=0.2).fit(panel, progress=False)
    S, donors = model.sample_with_donors(500, seed=2)
    assert (S != panel[donors, np.arange(50)]).mean() == pytest.approx(0.2, abs=0.01)


def test_donor_pools_keep_each_haplotype_among_near_neighbours():
    # two populations with different founders: a pool of 20 nearest never mixes them
    rng = np.random.default_rng(1)
    a, b = rng.random((2, 40)) < 0.5
    X = np.vstack([np.tile(a, (50, 1)), np.tile(b, (50, 1))]) ^ (rng.random((100, 40)) < 0.02)
    X = X.astype(np.uint8)
    model = HaplotypeMosaic(switch_rate=0.2, mismatch_rate=0.0, n_donors=20).fit(X, progress=False)
    _, donors = model.sample_with_donors(100, seed=0)
    side = donors >= 50
    assert (side.all(1) | (~side).all(1)).all(), "a mosaic mixed the two populations"
    plain = HaplotypeMosaic(switch_rate=0.2, mismatch_rate=0.0, n_donors=None).fit(X, progress=False)
    _, donors = plain.sample_with_donors(100, seed=0)
    assert not ((donors >= 50).all(1) | (donors < 50).all(1)).all()
    nn = nearest_panel_neighbours(X, X[:3], 5, exclude_self=True)
    assert nn.shape == (3, 5) and (nn < 50).all()
    assert not any(i in nn[i] for i in range(3)), "exclude_self left a haplotype in its own list"


def test_minimal_tiling_counts_segments():
    panel = np.array([[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 0, 1]], dtype=np.uint8)
    targets = np.array([[0, 0, 0, 1, 1, 1], [0, 1, 0, 1, 0, 1], [0, 0, 1, 1, 0, 0]], dtype=np.uint8)
    seg, miss = minimal_mosaic_segments(panel, targets)
    # [0,0,1,1,0,0]: 0,0 | 1,1 | 0,0 (or 0 | 0,1,0... never fewer than 3)
    assert seg.tolist() == [2, 1, 3] and miss.tolist() == [0, 0, 0]


def test_switch_rate_estimate_and_positions(panel):
    # copies of founders (no flips): every held-out haplotype is one panel segment, rho = 0
    rng = np.random.default_rng(2)
    founders = (rng.random((4, 30)) < 0.5).astype(np.uint8)
    X = founders[rng.integers(0, 4, 200)]
    assert HaplotypeMosaic().fit(X, progress=False).rho.max() == 0
    est = HaplotypeMosaic().fit(panel, progress=False)
    assert 0 < float(est.rho[0]) < 0.5 and est.history[0]["mean_segments"] > 1
    pos = np.cumsum(np.full(50, 10_000))
    m = HaplotypeMosaic(n_donors=None).fit(panel, progress=False, positions=pos)
    np.testing.assert_allclose(m.rho.numpy(), imputation.switch_probabilities(pos, 120))
    with pytest.raises(ValueError, match="positions"):
        HaplotypeMosaic().fit(panel, progress=False, positions=pos[:-1])


def test_log_likelihood_equals_forward_backward_and_scores_members_higher(panel):
    rng = np.random.default_rng(3)
    target = panel[:5].astype(np.int8)
    target[:, ::7] = imputation.MISSING
    rho = rng.uniform(0.01, 0.2, 49)
    ll = imputation.li_stephens_log_likelihood(panel[5:], target, rho, theta=0.01, batch_size=2)
    for b in range(5):
        _, _, ref = imputation.li_stephens_forward_backward(panel[5:], target[b], rho, theta=0.01)
        assert ll[b] == pytest.approx(ref, rel=1e-10)
    model = HaplotypeMosaic(n_donors=16).fit(panel[:60], progress=False)
    members, others = model.score_samples(panel[:60]), model.score_samples(panel[60:])
    assert members.mean() > others.mean()
    with pytest.raises(ValueError, match="SNPs"):
        model.score_samples(panel[:, :-1])


def test_constructor_validation():
    with pytest.raises(ValueError, match="switch_rate"):
        HaplotypeMosaic(switch_rate=1.5)
    with pytest.raises(ValueError, match="mismatch_rate"):
        HaplotypeMosaic(mismatch_rate=-0.1)
    with pytest.raises(ValueError, match="n_donors"):
        HaplotypeMosaic(n_donors=0)
