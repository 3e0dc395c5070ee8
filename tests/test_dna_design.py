"""Designing DNA (chapter 08): encoding, exact properties, the DNA WGAN-GP, predictor and design."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artgen_lite import dna as dd
from artgen_lite.models import GenerativeModel

torch.set_num_threads(1)

TINY = dict(iterations=6, latent_dim=8, channels=8, blocks=1, batch_size=16, log_every=3)


def _random_dna(n, length, seed=0, p=(0.3, 0.2, 0.2, 0.3)):
    rng = np.random.default_rng(seed)
    return dd.decode(rng.choice(4, size=(n, length), p=p).astype(np.int8))


def _cpg_rich_and_poor(n, length, seed=0):
    """Half CpG-poor windows (AT-rich), half CpG-rich ones (with planted CG pairs)."""
    rng = np.random.default_rng(seed)
    poor = rng.choice(4, size=(n // 2, length), p=(0.35, 0.15, 0.15, 0.35))
    rich = rng.choice(4, size=(n - n // 2, length), p=(0.15, 0.35, 0.35, 0.15))
    starts = rng.integers(0, length - 1, size=(len(rich), 4))
    for j in range(4):
        rich[np.arange(len(rich)), starts[:, j]] = 1
        rich[np.arange(len(rich)), starts[:, j] + 1] = 2
    return dd.decode(np.vstack([poor, rich]).astype(np.int8))


# --------------------------------------------------------------------------- encoding
def test_one_hot_round_trip_and_shape():
    seqs = ["ACGTTGCA", "aaccggtt", "GGGGCCCC"]
    x = dd.one_hot(seqs)
    assert x.shape == (3, 8, 4) and x.dtype == np.uint8
    assert (x.sum(axis=2) == 1).all()
    assert x[0, 0].tolist() == [1, 0, 0, 0] and x[0, 3].tolist() == [0, 0, 0, 1]
    assert dd.decode(x) == [s.upper() for s in seqs]
    probs = x * 0.7 + 0.075  # a probability matrix decodes to its argmax
    assert dd.decode(torch.from_numpy(probs)) == [s.upper() for s in seqs]


def test_non_acgt_input_error_names_the_argument_and_the_letter():
    with pytest.raises(ValueError, match=r"seqs contains characters other than A, C, G, T: 'N'"):
        dd.one_hot(["ACGT", "ACNT"])
    with pytest.raises(ValueError, match="sequence 1 at position 2"):
        dd.encode_windows(["ACGT", "ACNT"])
    with pytest.raises(ValueError, match="X contains characters"):
        dd.DNAWGAN(**TINY).fit(["ACGTRACGTA"] * 20, progress=False)
    with pytest.raises(ValueError, match="seqs must hold sequences of one length"):
        dd.one_hot(["ACGT", "ACG"])
    with pytest.raises(TypeError, match="seqs must be"):
        dd.encode_windows(42)


def test_dna_windows_drop_n_and_uppercase():
    seq = "NNNNN" + "acgtA" + "CCGGT" + "ACNGT" + "TTT"
    assert dd.dna_windows(seq, 5) == ["ACGTA", "CCGGT"]
    with pytest.raises(ValueError, match="length"):
        dd.dna_windows(seq, 0)


# --------------------------------------------------------------------------- exact properties
def test_exact_property_functions_on_known_strings():
    assert dd.cpg_count(["CGCGCG", "ACGTCG", "AAAAAA", "GCGCTT", "CCGGAA"]).tolist() == [3, 2, 0, 1, 1]
    assert np.allclose(dd.gc_content(["GCGC", "ATAT", "ACGT"]), [1.0, 0.0, 0.5])
    s = "ACGCGTTACGGCATCGATCG"
    assert dd.cpg_observed_expected([s]) == pytest.approx(dd.cpg_observed_expected(s), rel=1e-12)
    spec = dd.kmer_spectrum(["AAAC"], k=2)  # 2-mers AA, AA, AC
    assert spec[0] == pytest.approx(2 / 3) and spec[1] == pytest.approx(1 / 3) and spec.sum() == pytest.approx(1)
    assert dd.kmer_spectrum_correlation(["ACGTTGCA"] * 3, ["ACGTTGCA"], k=3) == pytest.approx(1.0)


def test_markov_chain_scores_and_samples_like_its_training_data():
    seqs = ["ACGT" * 10] * 50
    mk = dd.MarkovDNA(order=1, pseudocount=1e-3).fit(seqs)
    assert all(s in ("ACGT" * 11) for s in mk.sample(20, 40, seed=1))  # deterministic A->C->G->T->A
    uniform = _random_dna(2000, 50, seed=2, p=(0.25,) * 4)
    ll = dd.MarkovDNA(order=0).fit(uniform).log_likelihood(uniform)
    assert ll.mean() == pytest.approx(-2.0, abs=0.01)  # 2 bits per base for uniform random DNA
    assert mk.log_likelihood(["ACGT" * 10]).item() > -0.01


# --------------------------------------------------------------------------- WGAN-GP
def test_gradient_penalty_is_zero_for_a_unit_norm_linear_critic():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(10, 4, generator=gen)
    real = torch.rand(16, 10, 4, generator=gen)
    fake = torch.rand(16, 10, 4, generator=gen)
    for scale, expected in ((1.0, 0.0), (2.0, 1.0), (0.5, 0.25)):
        ws = scale * w / w.norm()  # gradient norm of x -> <ws, x> is exactly `scale`
        gp = dd.gradient_penalty(lambda x: (x * ws).sum((1, 2)), real, fake, generator=gen)
        assert gp.item() == pytest.approx(expected, abs=1e-6)


def test_generator_outputs_are_probability_matrices_of_the_right_shape():
    seqs = _random_dna(64, 20)
    g = dd.DNAWGAN(**TINY).fit(seqs, progress=False)
    p = g.sample(7, seed=3, output="probs")
    assert p.shape == (7, 20, 4)
    assert (p >= 0).all() and np.allclose(p.sum(axis=2), 1.0, atol=1e-6)
    strings = g.sample(7, seed=3)
    assert len(strings) == 7 and all(len(s) == 20 and set(s) <= set("ACGT") for s in strings)
    assert dd.decode(g.sample(7, seed=3, output="onehot")) == strings == dd.decode(p)
    h = g.history_frame()
    assert list(h["iteration"]) == [3, 6] and {"wasserstein", "gp", "critic_loss", "g_loss"} <= set(h.columns)
    assert g.n_parameters > 0 and g.seq_len == 20


def test_fixed_seed_gives_identical_models_and_samples():
    seqs = _random_dna(64, 20)
    a = dd.DNAWGAN(**TINY, seed=5).fit(seqs, progress=False)
    b = dd.DNAWGAN(**TINY, seed=5).fit(seqs, progress=False)
    c = dd.DNAWGAN(**TINY, seed=6).fit(seqs, progress=False)
    assert np.array_equal(a.sample(30, seed=1, output="probs"), b.sample(30, seed=1, output="probs"))
    assert not np.allclose(a.sample(30, seed=1, output="probs"), c.sample(30, seed=1, output="probs"))
    assert a.sample(30, seed=1) != a.sample(30, seed=2)


def test_save_load_round_trip(tmp_path):
    seqs = _random_dna(64, 20)
    g = dd.DNAWGAN(**TINY).fit(seqs, progress=False,
                               callback=lambda m, it: {"gc": np.float64(dd.gc_content(m.sample(8)).mean())})
    assert "gc" in g.history[-1]
    path = g.save(tmp_path / "dna_wgan.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["dna_wgan.pt"]  # no temporary file left
    for loader in (dd.DNAWGAN.load, GenerativeModel.load):
        h = loader(path)
        assert isinstance(h, dd.DNAWGAN) and h.get_params() == g.get_params()
        assert np.array_equal(h.sample(10, seed=4, output="probs"), g.sample(10, seed=4, output="probs"))
        assert np.array_equal(h.critic_score(seqs[:5]), g.critic_score(seqs[:5]))
        assert h.history == g.history


def test_bad_settings_name_the_argument():
    with pytest.raises(ValueError, match="iterations"):
        dd.DNAWGAN(iterations=0)
    with pytest.raises(ValueError, match="kernel_size"):
        dd.DNAWGAN(kernel_size=4)
    with pytest.raises(ValueError, match="output"):
        dd.DNAWGAN(**TINY).fit(_random_dna(32, 10), progress=False).sample(3, output="letters")


# --------------------------------------------------------------------------- predictor and design
@pytest.fixture(scope="module")
def tiny_setup():
    train = _cpg_rich_and_poor(600, 24, seed=0)
    test = _cpg_rich_and_poor(200, 24, seed=1)
    gan = dd.DNAWGAN(iterations=30, latent_dim=8, channels=8, blocks=1, batch_size=32, lr=1e-3,
                     log_every=10).fit(train, progress=False)
    pred = dd.CNNPredictor(filters=8, width=5, hidden=16, epochs=8, lr=5e-3).fit(
        train, dd.cpg_count(train), progress=False)
    return train, test, gan, pred


def test_predictor_learns_cpg_count(tiny_setup):
    _, test, _, pred = tiny_setup
    r = np.corrcoef(pred.predict(test), dd.cpg_count(test))[0, 1]
    assert r > 0.9, f"held-out correlation of predicted and true CpG count is only {r:.3f}"


def test_latent_design_raises_the_predicted_property(tiny_setup):
    _, _, gan, pred = tiny_setup
    res = dd.design_latent(gan, pred, n=16, steps=40, lr=0.3, seed=0, record_every=10,
                           true_property=dd.cpg_count, progress=False)
    t = res.trace
    assert list(t["step"]) == [0, 10, 20, 30, 40]
    gain = t["pred_relaxed"].iloc[-1] - t["pred_relaxed"].iloc[0]
    assert gain > 1.0, f"latent design raised the mean predicted CpG count by only {gain:.3f} (< 1)"
    assert t["true"].iloc[-1] > t["true"].iloc[0], "the true CpG count of the designs did not rise"
    assert len(res.sequences) == 16 and res.params.shape == (16, gan.latent_dim)
    # the recorded true property is that of the decoded sequences
    assert t["true"].iloc[-1] == pytest.approx(dd.cpg_count(res.sequences).mean())
    # deterministic for a fixed seed
    again = dd.design_latent(gan, pred, n=16, steps=40, lr=0.3, seed=0, record_every=10, progress=False)
    assert again.sequences == res.sequences


def test_direct_design_raises_the_predicted_property(tiny_setup):
    _, _, gan, pred = tiny_setup
    start = gan.sample(16, seed=0, output="probs")
    res = dd.design_sequence(pred, start, steps=40, seed=0, record_every=20, true_property=dd.cpg_count,
                             progress=False)
    assert res.start == dd.decode(start)
    gain = res.trace["pred_relaxed"].iloc[-1] - res.trace["pred_relaxed"].iloc[0]
    assert gain > 2.0, f"direct design raised the mean predicted CpG count by only {gain:.3f} (< 2)"
    assert dd.cpg_count(res.sequences).mean() > dd.cpg_count(res.start).mean()


def test_realism_table_puts_the_reference_first_with_perfect_scores(tiny_setup):
    train, test, gan, _ = tiny_setup
    mk = dd.MarkovDNA(order=2).fit(train)
    tab = dd.realism_table(test, {"GAN": gan.sample(100, seed=0), "iid": dd.iid_sequences(train, 100)},
                           markov=mk, gan=gan)
    assert list(tab.index) == ["Real (held out)", "GAN", "iid"]
    ref = tab.loc["Real (held out)"]
    assert ref["kmer_r"] == pytest.approx(1.0) and ref["gc_w1"] == 0 and ref["critic"] == 0
    assert (tab["markov_ll"] < 0).all() and (tab["markov_ll"] > -3).all()
