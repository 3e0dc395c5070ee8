"""Imputation (Li-Stephens HMM) and selection scans (PBS, XP-EHH): artgen_lite.imputation and artgen_lite.selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from artgen_lite import hmm, imputation, selection
from artgen_lite.data import Haplotypes


@pytest.fixture
def tiny():
    rng = np.random.default_rng(1)
    panel = (rng.random((6, 25)) < 0.4).astype(np.uint8)
    target = panel[2].astype(np.int8).copy()
    target[rng.random(25) < 0.5] = -1  # masked sites
    observed = np.flatnonzero(target >= 0)
    target[observed[0]] = 1 - target[observed[0]]  # one mismatch, so theta matters
    return panel, target


def _generic(panel, target, rho, theta):
    K = len(panel)
    log_B = imputation.li_stephens_log_emissions(panel, target, theta)
    log_trans = np.log(imputation.li_stephens_dense_transition(K, rho))
    log_start = np.full(K, -np.log(K))
    alpha, loglik = hmm.forward_from_log_emissions(log_start, log_trans, log_B)
    beta = hmm.backward_from_log_emissions(log_trans, log_B)
    gamma, _ = hmm.posterior_from_log_emissions(log_start, log_trans, log_B)
    return alpha, beta, loglik, gamma


# ----------------------------------------------------------------------------- Li-Stephens HMM
def test_structured_forward_backward_equals_generic_hmm(tiny):
    panel, target = tiny
    theta = 0.05
    alpha, beta, loglik, gamma = _generic(panel, target, 0.2, theta)
    la, lb, ll = imputation.li_stephens_forward_backward(panel, target, 0.2, theta)
    np.testing.assert_allclose(la, alpha, atol=1e-8)
    np.testing.assert_allclose(lb, beta, atol=1e-8)
    assert abs(ll - loglik) < 1e-8
    g_fast, l_fast = imputation.li_stephens_posterior(panel, target, 0.2, theta)
    g_gen, l_gen = imputation.li_stephens_posterior(panel, target, 0.2, theta, method="generic")
    np.testing.assert_allclose(g_fast, gamma, atol=1e-8)
    np.testing.assert_allclose(g_gen, gamma, atol=1e-8)
    np.testing.assert_allclose(g_fast.sum(1), 1, atol=1e-10)
    assert abs(l_fast - l_gen) < 1e-8


def test_dosage_is_posterior_weighted_emission(tiny):
    panel, target = tiny
    theta = 0.05
    *_, gamma = _generic(panel, target, 0.2, theta)
    expected = (gamma * np.where(panel.T == 1, 1 - theta, theta)).sum(1)
    np.testing.assert_allclose(imputation.li_stephens_impute(panel, target, rho=0.2, theta=theta), expected, atol=1e-8)


def test_batch_of_targets_equals_one_by_one(tiny):
    panel, target = tiny
    rng = np.random.default_rng(2)
    others = (rng.random((4, 25)) < 0.5).astype(np.int8)
    others[:, ::3] = -1
    batch = np.vstack([target, others])
    la, lb, ll = imputation.li_stephens_forward_backward(panel, batch, 0.1)
    for b in range(len(batch)):
        la1, lb1, ll1 = imputation.li_stephens_forward_backward(panel, batch[b], 0.1)
        np.testing.assert_allclose(la[:, b], la1, atol=1e-10)
        np.testing.assert_allclose(lb[:, b], lb1, atol=1e-10)
        assert abs(ll[b] - ll1) < 1e-10
    d = imputation.li_stephens_impute(panel, batch, rho=0.1, batch_size=2)
    for b in range(len(batch)):
        np.testing.assert_allclose(d[b], imputation.li_stephens_impute(panel, batch[b], rho=0.1), atol=1e-12)


def test_site_dependent_rho_matches_a_step_by_step_dense_forward(tiny):
    panel, target = tiny
    K, T = panel.shape
    rho = np.linspace(0.01, 0.6, T - 1)
    theta = 0.02
    log_B = imputation.li_stephens_log_emissions(panel, target, theta)
    alpha = np.log(np.full(K, 1 / K)) + log_B[0]
    for t in range(1, T):  # the forward recursion with a different dense matrix at every step
        trans = imputation.li_stephens_dense_transition(K, rho[t - 1])
        m = alpha.max()
        alpha = np.log(np.exp(alpha - m) @ trans) + m + log_B[t]
    la, _, ll = imputation.li_stephens_forward_backward(panel, target, rho, theta)
    np.testing.assert_allclose(la[-1], alpha, atol=1e-8)
    assert abs(ll - np.logaddexp.reduce(alpha)) < 1e-8


def test_copy_of_a_panel_haplotype_is_imputed_exactly():
    rng = np.random.default_rng(3)
    panel = (rng.random((20, 300)) < 0.5).astype(np.uint8)
    truth = panel[[4, 11]]
    targets = imputation.mask_haplotypes(truth, np.arange(0, 300, 10))  # 90 % masked
    positions = np.arange(300) * 50 + 1  # dense SNPs: few switches between typed sites
    dosage = imputation.li_stephens_impute(panel, targets, positions)
    assert np.abs(dosage - truth).max() < 0.05
    res = imputation.imputation_r2_by_maf(truth, dosage, np.full(300, 0.3), sites=targets[0] < 0)
    assert res.set_index("bin").loc["all", "concordance"] == 1.0


def test_positions_give_the_rho_of_switch_probabilities(tiny):
    panel, target = tiny
    positions = np.cumsum(np.random.default_rng(4).integers(100, 5000, panel.shape[1]))
    rho = imputation.switch_probabilities(positions, len(panel), ne=20_000, recomb_rate=2e-8)
    np.testing.assert_allclose(
        imputation.li_stephens_impute(panel, target, positions, ne=20_000, recomb_rate=2e-8),
        imputation.li_stephens_impute(panel, target, rho=rho))
    assert np.all((rho > 0) & (rho < 1))
    np.testing.assert_allclose(rho, 1 - np.exp(-4 * 20_000 * 2e-8 * np.diff(positions) / len(panel)))


def test_theta_and_masking_helpers():
    K = 10
    t = 1 / sum(1 / m for m in range(1, K))
    assert imputation.li_stephens_theta(K) == pytest.approx(t / (2 * (t + K)))
    X = np.array([[0, 1, 1, 0], [1, 1, 0, 0]], dtype=np.uint8)
    m = imputation.mask_haplotypes(X, [1, 3])
    assert m.dtype == np.int8
    np.testing.assert_array_equal(m, [[-1, 1, -1, 0], [-1, 1, -1, 0]])
    np.testing.assert_array_equal(imputation.mask_haplotypes(X, np.array([True, False, False, True])),
                                  [[0, -1, -1, 0], [1, -1, -1, 0]])
    P = imputation.li_stephens_dense_transition(4, 0.2)
    np.testing.assert_allclose(P.sum(1), 1)
    assert P[0, 0] == pytest.approx(0.8 + 0.05)


# ----------------------------------------------------------------------------- scoring and baselines
def test_per_site_r2_and_bins_on_a_known_case():
    truth = np.array([[1, 0, 1, 1, 0],
                      [0, 0, 1, 0, 1],
                      [1, 0, 1, 1, 0],
                      [0, 0, 1, 0, 0]])
    dosage = np.array([[1.0, 0.1, 0.9, 0.7, 0.5],
                       [0.0, 0.1, 0.9, 0.2, 0.5],
                       [1.0, 0.1, 0.9, 0.6, 0.5],
                       [0.0, 0.1, 0.9, 0.1, 0.5]])
    r2 = imputation.per_site_r2(truth, dosage)
    assert r2[0] == pytest.approx(1.0)  # perfect
    assert np.isnan(r2[1]) and np.isnan(r2[2])  # truth monomorphic: nothing to score
    assert r2[3] == pytest.approx(np.corrcoef(truth[:, 3], dosage[:, 3])[0, 1] ** 2)
    assert r2[4] == 0.0  # constant dosage, polymorphic truth
    maf = np.array([0.5, 0.0, 0.02, 0.3, 0.04])
    res = imputation.imputation_r2_by_maf(truth, dosage, maf, bins=(0, 0.05, 0.5)).set_index("bin")
    assert list(res.index) == ["(0, 0.05]", "(0.05, 0.5]", "all"]
    assert res.loc["(0, 0.05]", "n_sites"] == 2 and res.loc["(0, 0.05]", "n_scored"] == 1  # sites 2 and 4; maf 0 left out
    assert res.loc["(0, 0.05]", "r2"] == 0.0
    assert res.loc["(0.05, 0.5]", "r2"] == pytest.approx((1 + r2[3]) / 2)
    assert res.loc["all", "n_sites"] == 4
    # concordance: rounding 0.5 gives allele 1
    assert res.loc["(0, 0.05]", "concordance"] == pytest.approx((4 + 1) / 8)
    only = imputation.imputation_r2_by_maf(truth, dosage, maf, sites=[0], bins=(0, 0.5)).set_index("bin")
    assert only.loc["all", "n_sites"] == 1 and only.loc["all", "r2"] == pytest.approx(1.0)


def test_baselines():
    panel = np.array([[1, 0, 1], [1, 0, 0], [0, 0, 1], [1, 1, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(imputation.most_frequent_allele_baseline(panel, 2), [[1, 0, 0], [1, 0, 0]])
    np.testing.assert_allclose(imputation.panel_frequency_baseline(panel, 1), [[0.75, 0.25, 0.5]])
    np.testing.assert_allclose(imputation.minor_allele_frequency(panel), [0.25, 0.25, 0.5])


# ----------------------------------------------------------------------------- errors
def test_clear_errors_for_bad_inputs(tiny):
    panel, target = tiny
    with pytest.raises(ValueError, match="SNPs"):
        imputation.li_stephens_impute(panel, target[:-1], rho=0.1)
    with pytest.raises(ValueError, match="0, 1 or -1"):
        imputation.li_stephens_impute(panel, np.full(25, 2), rho=0.1)
    with pytest.raises(ValueError, match="only 0 and 1"):
        imputation.li_stephens_impute(panel * 2, target, rho=0.1)
    with pytest.raises(ValueError, match="rho"):
        imputation.li_stephens_impute(panel, target, rho=np.full(10, 0.1))
    with pytest.raises(ValueError, match="positions"):
        imputation.li_stephens_impute(panel, target)
    with pytest.raises(ValueError, match="positions"):
        imputation.li_stephens_impute(panel, target, np.arange(3))
    with pytest.raises(ValueError, match="time-homogeneous"):
        imputation.li_stephens_posterior(panel, target, np.full(24, 0.1), method="generic")
    with pytest.raises(ValueError, match="one target"):
        imputation.li_stephens_posterior(panel, np.vstack([target, target]), 0.1)
    with pytest.raises(ValueError, match="theta"):
        imputation.li_stephens_impute(panel, target, rho=0.1, theta=1.5)
    with pytest.raises(ValueError, match="same shape"):
        imputation.imputation_r2_by_maf(panel, panel[:, :-1], np.full(25, 0.1))
    with pytest.raises(ValueError, match="one value per site"):
        imputation.imputation_r2_by_maf(panel, panel, np.full(3, 0.1))
    with pytest.raises(ValueError, match="sorted"):
        imputation.switch_probabilities([5, 3, 9], 10)


# ----------------------------------------------------------------------------- selection scans
@pytest.fixture
def three_pops():
    rng = np.random.default_rng(5)
    n, L = 30, 60
    base = rng.random(L) * 0.6 + 0.2
    freqs = {"A": base.copy(), "B": base.copy(), "C": np.clip(base + rng.normal(0, 0.1, L), 0.05, 0.95)}
    freqs["A"][20:30] = 0.95  # a sweep in A
    X = np.vstack([(rng.random((n, L)) < freqs[p]).astype(np.uint8) for p in "ABC"])
    return Haplotypes(X=X, populations=np.repeat(list("ABC"), n), positions=np.arange(L) * 1000 + 100)


def test_pbs_scan_returns_allel_values(three_pops):
    import allel

    h = three_pops
    df = selection.pbs_scan(h, ("A", "B", "C"), window=10, step=5)
    acs = [selection.allele_counts(h.X[h.populations == p]) for p in "ABC"]
    expected = allel.pbs(*acs, window_size=10, window_step=5, normed=False)
    np.testing.assert_allclose(df["pbs"], expected)
    assert list(df["start_index"]) == list(range(0, 51, 5)) and (df["stop_index"] - df["start_index"] == 10).all()
    assert df["start"].iloc[1] == h.positions[5] and df["stop"].iloc[1] == h.positions[14]
    hap = allel.HaplotypeArray(h.X[h.populations == "A"].T)
    np.testing.assert_array_equal(acs[0], hap.count_alleles(max_allele=1))
    top = selection.signal_at(df, h.positions[25], "pbs")
    assert top["rank"] == 1 and top["top_fraction"] == pytest.approx(1 / len(df))


def test_xpehh_scan_returns_allel_values(three_pops):
    import allel

    h = three_pops
    df = selection.xpehh_scan(h, "A", "C")
    expected = allel.xpehh(h.X[h.populations == "A"].T, h.X[h.populations == "C"].T, h.positions,
                           include_edges=True, use_threads=False)
    np.testing.assert_allclose(df["xpehh"], expected, equal_nan=True)
    np.testing.assert_array_equal(df["position"], h.positions)


def test_signal_at_ranks_windows():
    scan = pd.DataFrame({"start": [0, 10, 20, 30], "stop": [15, 25, 35, 45], "pbs": [0.1, 0.5, 0.3, np.nan]})
    s = selection.signal_at(scan, 22, "pbs")  # held by windows 1 and 2: the larger value counts
    assert s == {"value": 0.5, "rank": 1, "n": 3, "top_fraction": pytest.approx(1 / 3), "quantile": pytest.approx(2 / 3)}
    assert selection.signal_at(scan, 5, "pbs")["rank"] == 3
    with pytest.raises(ValueError, match="holds position"):
        selection.signal_at(scan, 100, "pbs")


def test_selection_errors(three_pops):
    h = three_pops
    with pytest.raises(ValueError, match="not found"):
        selection.pbs_scan(h, ("A", "B", "Z"))
    with pytest.raises(ValueError, match="three populations"):
        selection.pbs_scan(h, ("A", "B"))
    with pytest.raises(ValueError, match="longer than the data"):
        selection.pbs_scan(h, ("A", "B", "C"), window=100)
    with pytest.raises(TypeError, match="population labels"):
        selection.xpehh_scan(h.X, "A", "B")
    with pytest.raises(ValueError, match="positions"):
        selection.xpehh_scan(Haplotypes(X=h.X, populations=h.populations), "A", "B")
