"""Tests of artgen_lite.models.CRBM, the conditional RBM over overlapping windows (chapter 06)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artgen_lite import metrics
from artgen_lite.models import CRBM, RBM, GenerativeModel
from artgen_lite.models.crbm import window_layout

torch.set_num_threads(1)


def founders_data(n=600, n_snps=60, n_founders=4, noise=0.02, seed=0) -> np.ndarray:
    """Haplotypes copied from a few random founders with a little noise: strong LD at every distance."""
    rng = np.random.default_rng(seed)
    founders = rng.random((n_founders, n_snps)) < 0.5
    X = founders[rng.integers(0, n_founders, n)]
    X ^= rng.random(X.shape) < noise
    return X.astype(np.uint8)


def tiny(**kw) -> CRBM:
    args = dict(window=16, overlap=8, n_hidden=8, k=5, epochs=4, batch_size=64, lr=0.2, seed=0)
    args.update(kw)
    return CRBM(**args)


@pytest.fixture(scope="module")
def toy():
    return founders_data()


@pytest.fixture(scope="module")
def fitted(toy):
    return tiny().fit(toy[:, :37], progress=False)  # 37 SNPs: not a multiple of anything


# ---------------------------------------------------------------- layout and shapes
@pytest.mark.parametrize("n_snps", [1, 5, 16, 17, 37, 40, 100])
def test_window_layout_covers_every_snp(n_snps):
    layout = window_layout(n_snps, 16, 8)
    covered = np.zeros(n_snps, dtype=int)
    for i, (start, stop, n_pin) in enumerate(layout):
        covered[start:stop] += 1
        assert stop - start == min(16, n_snps)
        if i == 0:
            assert (start, n_pin) == (0, 0)
        else:
            assert n_pin == layout[i - 1][1] - start, "pinned SNPs = overlap with the previous window"
            assert 8 <= n_pin < 16 and stop > layout[i - 1][1], "every window adds new SNPs"
    assert covered.min() >= 1 and layout[-1][1] == n_snps


@pytest.mark.parametrize("n_snps", [7, 16, 37])
def test_sample_shapes_for_awkward_lengths(toy, n_snps):
    model = tiny(epochs=1).fit(toy[:200, :n_snps], progress=False)
    X = model.sample(11, seed=3)
    assert X.shape == (11, n_snps) and X.dtype == np.uint8 and set(np.unique(X)) <= {0, 1}
    assert model.free_energy(toy[:5, :n_snps]).shape == (5,)
    assert model.free_energy(toy[:5, :n_snps], per_window=True).shape == (5, len(model.windows))
    expected = sum(w * 8 + w + 8 for w in (b - a for a, b, _ in model.windows))
    assert model.n_parameters == expected


def test_history_has_one_row_per_window_and_epoch(fitted):
    hist = fitted.history_frame()
    assert len(hist) == len(fitted.windows) * fitted.epochs
    assert sorted(hist["window"].unique()) == list(range(len(fitted.windows)))
    assert fitted.window_table()["n_new"].sum() == 37


# ---------------------------------------------------------------- pinning
def test_generated_overlap_equals_previous_window_output(fitted):
    blocks = fitted.window_samples(50, seed=1)
    assert len(blocks) == len(fitted.windows) >= 3
    for i in range(1, len(blocks)):
        start, stop, n_pin = fitted.windows[i]
        prev_start = fitted.windows[i - 1][0]
        np.testing.assert_array_equal(blocks[i][:, :n_pin], blocks[i - 1][:, start - prev_start:])
    stitched = np.zeros((50, 37), dtype=np.uint8)
    for (start, stop, _), b in zip(fitted.windows, blocks):
        stitched[:, start:stop] = b
    np.testing.assert_array_equal(stitched, fitted.sample(50, seed=1))


def test_clamped_gibbs_keeps_pinned_units_and_conditions_on_them():
    # By construction: visible 1 copies visible 0 through one strongly coupled hidden unit.
    rbm = RBM(n_hidden=1, k=1)
    rbm.n_snps = 2
    rbm._build(2)
    with torch.no_grad():
        rbm.W.copy_(torch.tensor([[40.0, 20.0]]))  # h = v0 whatever v1 is; then v1 = h
        rbm.b.copy_(torch.tensor([0.0, -10.0]))
        rbm.c.copy_(torch.tensor([-30.0]))
    gen = torch.Generator().manual_seed(0)
    pinned = (torch.rand(400, 1, generator=gen) < 0.5).float()
    v0 = torch.cat([pinned, 1 - pinned], dim=1)  # free unit starts at the wrong value
    v = rbm.gibbs(v0, 3, gen, n_clamped=1)
    assert torch.equal(v[:, :1], pinned), "pinned units never change"
    assert (v[:, 1] == pinned[:, 0]).float().mean() > 0.99, "free unit follows the pinned one"


# ---------------------------------------------------------------- reproducibility, persistence
def test_same_seed_bitwise_identical(toy):
    a = tiny().fit(toy[:, :37], progress=False)
    b = tiny().fit(toy[:, :37], progress=False)
    for key, tensor in a._modules().items():
        assert torch.equal(tensor, b._modules()[key]), key
    np.testing.assert_array_equal(a.sample(30, seed=5), b.sample(30, seed=5))
    c = tiny(seed=1).fit(toy[:, :37], progress=False)
    assert not np.array_equal(a.sample(30, seed=5), c.sample(30, seed=5))


def test_save_load_round_trip(fitted, toy, tmp_path):
    path = fitted.save(tmp_path / "crbm.pt")
    for loaded in (CRBM.load(path), GenerativeModel.load(path)):
        assert isinstance(loaded, CRBM) and loaded.get_params() == fitted.get_params()
        assert loaded.windows == fitted.windows
        np.testing.assert_array_equal(loaded.sample(20, seed=2), fitted.sample(20, seed=2))
        np.testing.assert_allclose(loaded.free_energy(toy[:10, :37]), fitted.free_energy(toy[:10, :37]))
        assert loaded.history == fitted.history
    assert [p.name for p in tmp_path.iterdir()] == ["crbm.pt"], "no temporary files left behind"


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(window=0), "window"),
        (dict(window=1), "window"),
        (dict(window=16, overlap=16), "overlap"),
        (dict(overlap=-1), "overlap"),
        (dict(n_hidden=0), "n_hidden"),
        (dict(k=0), "k"),
        (dict(lr=0), "lr"),
        (dict(epochs=2.5), "epochs"),
        (dict(batch_size=0), "batch_size"),
        (dict(l2=-1.0), "l2"),
    ],
)
def test_constructor_errors_name_the_argument(kw, name):
    with pytest.raises(ValueError, match=rf"^{name} "):
        CRBM(**kw)


def test_usage_errors_name_the_argument(fitted, toy):
    with pytest.raises(ValueError, match="X"):
        CRBM().fit(np.full((4, 5), 2), progress=False)
    with pytest.raises(TypeError, match="bogus"):
        tiny().fit(toy[:20, :20], progress=False, bogus=1)
    with pytest.raises(ValueError, match="^n "):
        fitted.sample(0)
    with pytest.raises(ValueError, match="^k "):
        fitted.sample(3, k=0)
    with pytest.raises(ValueError, match="X has 20 SNPs"):
        fitted.free_energy(toy[:3, :20])
    with pytest.raises(RuntimeError, match="fit"):
        CRBM().sample(3)


# ---------------------------------------------------------------- learning
def test_long_range_ld_is_carried_across_windows(toy):
    """SNPs more than a window apart are only linked through the chain of pinned overlaps:
    the CRBM must reproduce their LD far better than independent sites do."""
    model = CRBM(window=20, overlap=10, n_hidden=12, epochs=40, batch_size=64, seed=0)  # default lr, k, decay
    model.fit(toy, progress=False)
    syn = model.sample(600, seed=1)
    indep = metrics.independent_sites(toy, 600, seed=1)
    i, j = np.triu_indices(toy.shape[1], k=25)  # pairs further apart than a window
    r2 = {name: metrics.ld_r2(X)[i, j] for name, X in [("real", toy), ("crbm", syn), ("indep", indep)]}
    err_crbm = np.abs(r2["crbm"] - r2["real"]).mean()
    err_indep = np.abs(r2["indep"] - r2["real"]).mean()
    assert r2["real"].mean() > 0.2  # the toy data have long-range LD to reproduce
    assert err_crbm < 0.5 * err_indep, (err_crbm, err_indep)  # measured: 0.061 vs 0.233
    assert metrics.af_correlation(toy, syn) > 0.95
