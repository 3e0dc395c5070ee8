"""The HMM module against hmmlearn, sampling, Baum-Welch, the CpG and gene models, intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from artgen_lite import hmm
from artgen_lite.hmm import HMM

hmmlearn_hmm = pytest.importorskip("hmmlearn.hmm")


def random_model(K, M, seed):
    rng = np.random.default_rng(seed)
    return HMM(rng.dirichlet(np.ones(K)), rng.dirichlet(np.ones(K), K), rng.dirichlet(np.ones(M), K))


def reference(model):
    ref = hmmlearn_hmm.CategoricalHMM(n_components=model.n_states, n_features=model.n_symbols, init_params="", params="")
    ref.startprob_, ref.transmat_, ref.emissionprob_ = model.start, model.trans, model.emit
    return ref


@pytest.mark.parametrize("K,M,T,seed", [(2, 3, 50, 0), (3, 4, 200, 1), (5, 4, 400, 2), (8, 6, 300, 3)])
def test_matches_hmmlearn(K, M, T, seed):
    model = random_model(K, M, seed)
    _, x = model.sample(T, seed=seed + 10)
    ref = reference(model)
    assert model.log_likelihood(x) == pytest.approx(ref.score(x[:, None]), abs=1e-6)
    np.testing.assert_allclose(model.posterior(x), ref.predict_proba(x[:, None]), atol=1e-6)
    ref_logp, ref_path = ref.decode(x[:, None], algorithm="viterbi")
    path, logp = model.viterbi(x)
    assert logp == pytest.approx(ref_logp, abs=1e-6)
    assert model.log_joint(x, path) == pytest.approx(logp, abs=1e-6)
    # equal paths, or (random models have exact ties, e.g. 0->2->1 vs 1->0->2) equally probable ones
    if not np.array_equal(path, ref_path):
        assert (path == ref_path).mean() > 0.95
        assert model.log_joint(x, ref_path) == pytest.approx(logp, abs=1e-6)


def test_batch_of_unequal_sequences_matches_one_by_one():
    model = random_model(4, 3, 7)
    xs = [model.sample(n, seed=n)[1] for n in (30, 120, 75)]
    ref = reference(model)
    total = ref.score(np.concatenate(xs)[:, None], lengths=[len(x) for x in xs])
    assert model.log_likelihood(xs) == pytest.approx(total, abs=1e-6)
    for x, g, p, a, b in zip(xs, model.posterior(xs), model.viterbi(xs)[0], model.forward(xs), model.backward(xs)):
        np.testing.assert_allclose(g, model.posterior(x), atol=1e-9)
        np.testing.assert_array_equal(p, model.viterbi(x)[0])
        np.testing.assert_allclose(a, model.forward(x), atol=1e-9)
        np.testing.assert_allclose(b, model.backward(x), atol=1e-9)


def test_forward_backward_agree_and_missing_symbols_are_marginalised():
    model = random_model(3, 4, 4)
    _, x = model.sample(60, seed=1)
    alpha, beta = model.forward(x), model.backward(x)
    ll = model.log_likelihood(x)
    np.testing.assert_allclose(logsumexp(alpha + beta, axis=1), ll, atol=1e-9)
    y = x.copy()
    y[10] = hmm.MISSING
    total = logsumexp([model.log_likelihood(np.where(np.arange(60) == 10, s, x)) for s in range(4)])
    assert model.log_likelihood(y) == pytest.approx(total, abs=1e-9)


def test_generic_recursions_on_log_emissions():
    model = random_model(3, 5, 5)
    _, x = model.sample(80, seed=2)
    log_B = model.log_emissions(x)
    alpha, ll = hmm.forward_from_log_emissions(model.log_start, model.log_trans, log_B)
    assert ll == pytest.approx(model.log_likelihood(x))
    gamma, _ = hmm.posterior_from_log_emissions(model.log_start, model.log_trans, log_B)
    np.testing.assert_allclose(gamma, model.posterior(x))
    path, _ = hmm.viterbi_from_log_emissions(model.log_start, model.log_trans, log_B)
    np.testing.assert_array_equal(path, model.viterbi(x)[0])


def test_chunked_decoding_is_close_to_exact():
    model = HMM([0.5, 0.5], [[0.99, 0.01], [0.02, 0.98]], [[0.4, 0.1, 0.1, 0.4], [0.1, 0.4, 0.4, 0.1]])
    _, x = model.sample(3000, seed=3)
    np.testing.assert_allclose(model.posterior(x, chunk=500, overlap=300), model.posterior(x), atol=1e-6)
    path, logp = model.viterbi(x, chunk=500, overlap=300)
    exact, exact_logp = model.viterbi(x)
    assert (path == exact).mean() > 0.99 and logp <= exact_logp + 1e-9


def test_sampling_converges_to_the_stationary_emission_distribution():
    model = random_model(3, 4, 11)
    z, x = model.sample(100_000, seed=0)
    pi = model.stationary()
    np.testing.assert_allclose(np.bincount(z, minlength=3) / len(z), pi, atol=0.01)
    np.testing.assert_allclose(np.bincount(x, minlength=4) / len(x), pi @ model.emit, atol=0.01)


def test_baum_welch_is_monotone_and_recovers_a_planted_model():
    truth = HMM([0.5, 0.5], [[0.95, 0.05], [0.1, 0.9]], [[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]])
    xs = [truth.sample(2000, seed=s)[1] for s in range(4)]
    start = HMM([0.5, 0.5], [[0.7, 0.3], [0.3, 0.7]], [[0.4, 0.3, 0.3], [0.3, 0.3, 0.4]])
    fitted, trace = start.baum_welch(xs, n_iter=60, tol=1e-8, progress=False)
    assert np.all(np.diff(trace) >= -1e-6)
    assert trace[-1] == pytest.approx(fitted.log_likelihood(xs))
    assert trace[-1] >= truth.log_likelihood(xs) - 1.0
    np.testing.assert_allclose(fitted.trans, truth.trans, atol=0.04)
    np.testing.assert_allclose(fitted.emit, truth.emit, atol=0.04)


def test_baum_welch_matches_hmmlearn_one_step():
    model = random_model(3, 4, 21)
    xs = [model.sample(300, seed=s)[1] for s in range(3)]
    guess = random_model(3, 4, 22)
    ours, _ = guess.baum_welch(xs, n_iter=1, progress=False)
    ref = hmmlearn_hmm.CategoricalHMM(n_components=3, n_features=4, init_params="", n_iter=1, tol=0, implementation="log")
    ref.startprob_, ref.transmat_, ref.emissionprob_ = guess.start, guess.trans, guess.emit
    ref.fit(np.concatenate(xs)[:, None], lengths=[300] * 3)
    np.testing.assert_allclose(ours.trans, ref.transmat_, atol=1e-6)
    np.testing.assert_allclose(ours.emit, ref.emissionprob_, atol=1e-6)
    np.testing.assert_allclose(ours.start, ref.startprob_, atol=1e-6)


def test_validation_errors():
    good = dict(start=[0.5, 0.5], trans=[[0.9, 0.1], [0.2, 0.8]], emit=[[0.5, 0.5], [0.1, 0.9]])
    with pytest.raises(ValueError, match="start must have shape"):
        HMM([1.0], good["trans"], good["emit"])
    with pytest.raises(ValueError, match="row 1 sums to"):
        HMM(good["start"], [[0.9, 0.1], [0.3, 0.8]], good["emit"])
    with pytest.raises(ValueError, match="non-negative"):
        HMM(good["start"], good["trans"], [[1.5, -0.5], [0.1, 0.9]])
    with pytest.raises(ValueError, match="emit must be a K x M"):
        HMM(good["start"], good["trans"], [0.5, 0.5])
    model = HMM(**good)
    with pytest.raises(ValueError, match="symbols must lie in"):
        model.log_likelihood(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="integers"):
        model.log_likelihood(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="one-dimensional"):
        model.forward(np.zeros((2, 2, 2), dtype=int))
    with pytest.raises(ValueError, match="positive integer"):
        model.sample(0)


def test_encode_dna_and_intervals():
    np.testing.assert_array_equal(hmm.encode_dna("ACgtN"), [0, 1, 2, 3, -1])
    mask = hmm.intervals_to_mask([[2, 5], [8, 12]], 10, offset=0)
    np.testing.assert_array_equal(np.flatnonzero(mask), [2, 3, 4, 8, 9])
    np.testing.assert_array_equal(hmm.mask_to_intervals(mask, offset=100), [[102, 105], [108, 110]])
    assert hmm.mask_to_intervals(mask, min_length=3).tolist() == [[2, 5]]
    r = hmm.interval_precision_recall([[0, 10]], [[5, 20]], 0, 30)
    assert (r["precision"], r["recall"], r["overlap_bp"], r["n_true_hit"]) == (0.5, pytest.approx(1 / 3), 5, 1)


def test_cpg_island_model_prefers_islands():
    rng = np.random.default_rng(0)
    background = rng.choice(4, 20_000, p=[0.3, 0.2, 0.2, 0.3])
    island = np.tile([1, 2], 500)  # CGCG...: as CpG-rich as it gets
    x = np.concatenate([background[:10_000], island, background[10_000:]])
    truth = np.zeros(len(x), bool)
    truth[10_000:11_000] = True
    model = hmm.cpg_island_hmm(x, truth)
    assert model.states == hmm.CPG_STATES and np.allclose(model.emit[:4], np.eye(4))
    assert model.trans[1, 2] > model.trans[5, 6]  # C+ -> G+ more likely than C- -> G-
    path, _ = model.viterbi(x)
    r = hmm.interval_precision_recall(hmm.mask_to_intervals(path < 4), [[10_000, 11_000]], 0, len(x))
    assert r["precision"] > 0.9 and r["recall"] > 0.9
    three = hmm.cpg_island_hmm(x, np.where(truth, 0, np.arange(len(x)) // 5000 % 2 + 1), ("+", "-", "g"))
    assert three.n_states == 12 and three.states[8] == "Ag"
    np.testing.assert_allclose(three.trans.sum(1), 1)
    with pytest.raises(ValueError, match="no labelled bases"):
        hmm.cpg_island_hmm(x, np.zeros(len(x), int), ("+", "-"))
    fitted, trace = model.baum_welch([x[:15_000], x[15_000:]], n_iter=3, tol=0, update="t", m_step=hmm.cpg_m_step,
                                     progress=False)
    assert np.all(np.diff(trace) >= -1e-6) and trace[-1] > trace[0]
    blocks = fitted.trans.reshape(2, 4, 2, 4)
    # tied structure: the switch probability does not depend on the base, and a switch enters the
    # dinucleotide table of the class entered
    np.testing.assert_allclose(blocks[0, :, 1, :].sum(1), blocks[0, 0, 1, :].sum())
    np.testing.assert_allclose(blocks[0, :, 1, :] / blocks[0, :, 1, :].sum(1, keepdims=True),
                               blocks[1, :, 1, :] / blocks[1, :, 1, :].sum(1, keepdims=True))
    np.testing.assert_array_equal(fitted.start, model.start)


def test_gene_model_samples_valid_genes():
    model = hmm.gene_model_hmm()
    z, x = model.sample(20_000, seed=1)
    names = np.array(model.states)[z]
    seq = "".join(np.array(list(hmm.DNA))[x])
    starts = np.flatnonzero(names == "start A")
    assert len(starts) > 5 and all(seq[i : i + 3] == "ATG" for i in starts)
    for i in np.flatnonzero(names == "stop T"):
        assert seq[i : i + 3] in ("TAA", "TAG", "TGA")
    for i in np.flatnonzero(names == "donor G"):
        assert seq[i : i + 2] == "GT"
    coding = np.isin(names, ["codon 1", "codon 2", "codon 3"]).mean()
    assert 0.05 < coding < 0.9
