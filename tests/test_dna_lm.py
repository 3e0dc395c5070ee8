"""DNA language models (chapter 09): tokeniser, masking, baselines, zero-shot scores, models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artgen_lite import dna as D

torch.set_num_threads(1)

REPEAT = "ACGTTGCA" * 40  # a tandem repeat: every base is fixed by its neighbours
TINY_CONV = dict(hidden=16, n_layers=2, kernel_first=5, kernel=3, dilation_cycle=2, window=32,
                 batch_size=16, log_every=10)
TINY_BERT = dict(k=3, hidden=16, n_layers=1, n_heads=2, ffn=32, window=32, batch_size=16,
                 log_every=10)


@pytest.fixture(scope="module")
def random_dna():
    rng = np.random.default_rng(1)
    s = D.decode(rng.integers(0, 4, 3000))
    return s[:1000] + s[1000:2000].lower() + s[2000:]  # a soft-masked middle third


@pytest.fixture(scope="module")
def conv(random_dna):
    return D.ConvLM(**TINY_CONV, steps=10, seed=0).fit(random_dna, progress=False)


@pytest.fixture(scope="module")
def bert(random_dna):
    return D.KmerTransformerLM(**TINY_BERT, steps=10, seed=0).fit(random_dna, progress=False)


# --------------------------------------------------------------------------- tokens
def test_encode_decode_and_case():
    assert D.encode("ACGTNacgtn").tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert D.decode(D.encode("acgTN")) == "ACGTN"
    w = D.repeat_weights("ACgtN", repeat_weight=0.1)
    assert np.allclose(w, [1, 1, 0.1, 0.1, 0])
    assert D.decode(D.reverse_complement(D.encode("AACGTN"))) == "NACGTT"


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_kmer_vocabulary_size(k):
    tok = D.KmerTokenizer(k)
    assert tok.vocab_size == 4**k + 5 == len(tok.tokens)
    assert tok.tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert tok.tokens[5] == "A" * k and tok.tokens[-1] == "T" * k
    if k == 6:
        assert tok.vocab_size == 4101  # DNABERT-6


def test_kmer_tokenisation_of_a_known_string():
    tok = D.KmerTokenizer(3)
    assert tok.kmers("ACGTAC") == ["ACG", "CGT", "GTA", "TAC"]
    ids = tok.encode("ACGTAC")
    assert [tok.tokens[i] for i in ids] == ["ACG", "CGT", "GTA", "TAC"]
    assert ids[0] == 5 + 0 * 16 + 1 * 4 + 2  # A=0, C=1, G=2, first base most significant
    assert len(ids) == 6 - 3 + 1


@pytest.mark.parametrize("k", [1, 3, 6])
def test_kmer_round_trip(k, random_dna):
    tok = D.KmerTokenizer(k)
    s = random_dna[:200]
    assert tok.decode(tok.encode(s)) == s.upper()
    ids = tok.encode("ACGTACNACGTACG")  # every k-mer that contains the N becomes [UNK]
    assert (ids == tok.UNK).sum() == k
    assert len(tok.decode(ids)) == 14


def test_kmer_batch_encoding_matches_single():
    tok = D.KmerTokenizer(4)
    codes = np.random.default_rng(0).integers(0, 4, (3, 20))
    batch = tok.encode_codes(codes)
    assert batch.shape == (3, 17)
    for row, ids in zip(codes, batch):
        assert np.array_equal(tok.encode(D.decode(row)), ids)


# --------------------------------------------------------------------------- masking
def test_base_masking_hides_only_the_chosen_bases():
    codes = torch.from_numpy(np.random.default_rng(0).integers(0, 4, (50, 200)))
    inputs, chosen = D.mask_bases(codes, 0.15, torch.Generator().manual_seed(0))
    assert abs(chosen.float().mean().item() - 0.15) < 0.01
    assert bool((inputs[chosen] == D.MASK_CODE).all())
    assert torch.equal(inputs[~chosen], codes[~chosen])


@pytest.mark.parametrize("k", [3, 4, 6])
def test_kmer_span_masking_never_leaks_the_hidden_base(k):
    n_tok = 300
    mask = D.kmer_span_mask((40, n_tok), k, 0.15, torch.Generator().manual_seed(k))
    assert abs(mask.float().mean().item() - 0.15) < 0.04  # about 15 % of the tokens
    hidden = D.hidden_bases(mask, k).numpy()
    m = mask.numpy()
    assert hidden.shape == (40, n_tok + k - 1)
    for r in range(40):
        # runs of masked tokens are at least k long (whole spans), except at the ends
        edges = np.flatnonzero(np.diff(np.concatenate([[0], m[r].astype(int), [0]])))
        for a, b in edges.reshape(-1, 2):
            if a > 0 and b < n_tok:
                assert b - a >= k
                assert hidden[r, a + k - 1 : b].all()  # each span hides its shared bases
        # brute force: a hidden base has no unmasked token covering it
        for j in np.flatnonzero(hidden[r]):
            cover = range(max(0, j - k + 1), min(j, n_tok - 1) + 1)
            assert all(m[r, t] for t in cover)
    assert hidden.any()


def test_mask_tokens_for_bases_masks_every_overlapping_token():
    k, n_tok = 4, 60
    positions = np.array([[0, 10, 30, 62], [5, 6, 40, 50]])
    mask = D.mask_tokens_for_bases(n_tok, k, positions)
    for r in range(2):
        for p in positions[r]:
            for t in range(n_tok):
                if t <= p < t + k:
                    assert mask[r, t]
        assert D.hidden_bases(torch.from_numpy(mask[r : r + 1]), k)[0, positions[r]].all()


@pytest.mark.parametrize("which", ["conv", "bert"])
def test_model_output_does_not_depend_on_the_masked_base(which, request):
    model = request.getfixturevalue(which)
    rng = np.random.default_rng(3)
    w = rng.integers(0, 4, (4, 32))
    p = np.array([[5, 20], [8, 30], [9, 16], [12, 25]])
    lp = model.masked_log_probs(w, p)
    w2 = w.copy()
    np.put_along_axis(w2, p, (np.take_along_axis(w, p, 1) + 1) % 4, axis=1)
    assert np.allclose(lp, model.masked_log_probs(w2, p), atol=1e-6)
    w3 = w.copy()
    w3[:, 14] = (w3[:, 14] + 1) % 4  # an unmasked base does change the prediction
    assert not np.allclose(lp, model.masked_log_probs(w3, p), atol=1e-6)
    assert np.allclose(np.exp(lp).sum(-1), 1, atol=1e-5)


# --------------------------------------------------------------------------- baselines
def test_markov_probabilities_match_counts_on_a_tiny_example():
    m = D.MarkovContext(left=1, right=0, pseudocount=0.5, repeat_weight=1.0).fit("AACAAG")
    # both strands: AACAAG gives A>A, A>C, C>A, A>A, A>G; its reverse complement CTTGTT gives
    # C>T, T>T, T>G, G>T, T>T
    expected = np.array([[2, 1, 1, 0], [1, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 2]], float)
    assert np.array_equal(m.counts, expected)
    p = m.probabilities()
    assert np.allclose(p.sum(1), 1)
    assert p[0, 0] == pytest.approx(2.5 / 6)  # P(A | previous A) = (2 + 0.5) / (4 + 4 x 0.5)
    lp = m.masked_log_probs(D.encode("AAC")[None, :], np.array([[1]]))
    assert np.allclose(np.exp(lp[0, 0]), p[0])


def test_two_sided_context_and_backoff():
    m = D.MarkovContext(left=2, right=2, repeat_weight=1.0).fit(REPEAT)
    assert m.counts.shape == (4**4, 4)
    assert np.allclose(m.probabilities().sum(1), 1)
    w = D.encode(REPEAT[:40])[None, :]
    lp = m.masked_log_probs(w, np.array([[0, 20]]))
    freq = (m.base_counts + 1) / (m.base_counts + 1).sum()
    assert np.allclose(np.exp(lp[0, 0]), freq)  # no left context at position 0: base frequencies
    assert np.exp(lp[0, 1]).max() > 0.9  # inside the repeat the base is nearly certain
    b = D.BaseFrequencies(repeat_weight=1.0).fit("AAAC")  # with GTTT: A 3, C 1, G 1, T 3
    p = np.exp(b.masked_log_probs(D.encode("AC")[None], np.array([[0]]))[0, 0])
    assert np.allclose(p, (np.array([3, 1, 1, 3]) + 1) / 12)


def test_scores_of_a_perfect_and_a_uniform_model():
    truth = np.array([0, 1, 2, 3])
    uniform = np.log(np.full((4, 4), 0.25))
    s = D.masked_base_scores(uniform, truth)
    assert s["perplexity"] == pytest.approx(4.0) and s["n"] == 4
    perfect = np.log(np.eye(4) * (1 - 3e-9) + 1e-9)
    assert D.masked_base_scores(perfect, truth)["accuracy"] == 1.0
    assert D.masked_base_scores(perfect, truth)["perplexity"] == pytest.approx(1.0, abs=1e-6)
    r = D.llr(uniform, truth)
    assert np.allclose(r, 0)


# --------------------------------------------------------------------------- zero-shot LLR
def test_llr_is_negative_for_a_substitution_that_breaks_a_repeat():
    m = D.MarkovContext(left=3, right=3, repeat_weight=1.0).fit(REPEAT)
    positions = np.arange(100, 116)
    ref = REPEAT[100:116]
    alts = ["C" if b != "C" else "A" for b in ref]
    scores = D.score_variants(m, REPEAT, positions, alts, window=64)
    assert np.all(scores < -3)  # every disruption is judged very unlikely


def test_convlm_learns_a_repeat_and_penalises_breaking_it():
    lm = D.ConvLM(**TINY_CONV, steps=60, lr=1e-2, seed=0).fit(REPEAT, progress=False)
    positions = np.arange(100, 108)
    alts = ["T" if b != "T" else "G" for b in REPEAT[100:108]]
    scores = D.score_variants(lm, REPEAT, positions, alts, window=32)
    assert np.all(scores < -1), scores
    assert lm.history[-1]["train_loss"] < lm.history[0]["train_loss"]


# --------------------------------------------------------------------------- models
@pytest.mark.parametrize("cls, kw", [(D.ConvLM, TINY_CONV), (D.KmerTransformerLM, TINY_BERT)])
def test_fixed_seed_reproduces_the_model(cls, kw, random_dna):
    a = cls(**kw, steps=8, seed=5).fit(random_dna, progress=False)
    b = cls(**kw, steps=8, seed=5).fit(random_dna, progress=False)
    c = cls(**kw, steps=8, seed=6).fit(random_dna, progress=False)
    sa, sb, sc = a.net.state_dict(), b.net.state_dict(), c.net.state_dict()
    assert all(torch.equal(sa[key], sb[key]) for key in sa)
    assert a.history == b.history
    assert not all(torch.equal(sa[key], sc[key]) for key in sa)


def test_embedding_shapes_and_save_load(conv, bert, tmp_path):
    w = np.random.default_rng(0).integers(0, 4, (5, 30))
    assert conv.embed(w).shape == (5, 16)
    assert bert.embed(w).shape == (5, 16)
    assert conv.masked_log_probs(w, np.full((5, 2), [3, 20])).shape == (5, 2, 4)
    for model in (conv, bert):
        path = model.save(tmp_path / f"{type(model).__name__}.pt")
        again = type(model).load(path)
        assert np.allclose(again.embed(w), model.embed(w))
        assert again.history == model.history
        assert list(tmp_path.glob("*.tmp")) == []
    with pytest.raises(ValueError, match="ConvLM"):
        D.KmerTransformerLM.load(tmp_path / "ConvLM.pt")


def test_history_and_validation(random_dna):
    lm = D.ConvLM(**TINY_CONV, steps=20, seed=0).fit(random_dna[:2000], valid=random_dna[2000:],
                                                   progress=False)
    h = lm.history_frame()
    assert list(h["step"]) == [10, 20]
    assert {"train_loss", "valid_accuracy", "valid_perplexity"} <= set(h.columns)
    assert lm.context == (5 - 1) // 2 + (3 - 1) // 2 * 2
    assert lm.n_parameters > 0


# --------------------------------------------------------------------------- data helpers
def test_windows_positions_classes_and_spectra():
    seq = "N" * 50 + "ACGT" * 25 + "acgt" * 25 + "A" * 100
    codes, lower, starts = D.cut_windows(seq, 50)
    assert starts.tolist() == [50, 100, 150, 200, 250, 300]  # the all-N window is skipped
    assert codes.shape == (6, 50) and lower[2].all() and not lower[0].any()
    pos = D.evaluation_positions(4, 50, spacing=10, margin=5, seed=0)
    assert pos.shape == (4, 4) and pos.min() >= 5 and pos.max() < 45
    assert np.all(np.diff(pos, axis=1) == 10)
    classes = D.window_classes(starts, 50, islands=[(140, 200)], genes=[(240, 320)], lower=lower)
    assert classes.tolist() == ["intergenic", "intergenic", "CpG island", "repeat", "gene body",
                                "intergenic"]
    spec = D.kmer_spectrum(codes, k=2, per_sequence=True)
    assert spec.shape == (6, 16) and np.allclose(spec.sum(1), 1)
    assert spec[4, 0] == 1.0  # all AA
    train, test = D.split_blocks(0, 1000, block=100, test_every=5, test_offset=2)
    assert test.tolist() == [[200, 300], [700, 800]] and len(train) == 8


def test_simulated_genome_has_every_region_class():
    seq, islands, genes = D.simulate_genome(60_000, seed=0)
    assert len(seq) == 60_000 and set(seq) <= set("ACGTacgt")
    assert 0.2 < np.mean([c.islower() for c in seq]) < 0.5
    assert len(islands) >= 1 and len(genes) >= 1


# --------------------------------------------------------------------------- bad input
def test_bad_input_errors_name_the_argument(conv, bert):
    with pytest.raises(ValueError, match="seq .*'U' at position 3"):
        D.encode("ACGU", "seq")
    with pytest.raises(ValueError, match="sequence"):
        D.ConvLM(**TINY_CONV, steps=1).fit("ACGTX" * 20, progress=False)
    with pytest.raises(ValueError, match="sequence"):
        D.ConvLM(**TINY_CONV, steps=1).fit("ACGT", progress=False)  # shorter than a window
    with pytest.raises(ValueError, match="hidden"):
        D.ConvLM(hidden=0)
    with pytest.raises(ValueError, match="k must"):
        D.KmerTokenizer(0)
    with pytest.raises(ValueError, match="mask_rate"):
        D.KmerTransformerLM(mask_rate=1.5)
    w = np.zeros((2, 30), dtype=int)
    with pytest.raises(ValueError, match="positions"):
        conv.masked_log_probs(w, np.array([[1], [30]]))
    with pytest.raises(ValueError, match="windows"):
        bert.masked_log_probs(np.zeros((1, 5), dtype=int), np.array([[3]]))
    with pytest.raises(ValueError, match="windows"):
        conv.masked_log_probs(np.full((1, 20), 7), np.array([[3]]))
    with pytest.raises(ValueError, match="alts"):
        D.score_variants(conv, REPEAT, [5, 6], ["A"])
    with pytest.raises(RuntimeError, match="fit"):
        D.ConvLM().embed(w)
    with pytest.raises(ValueError, match="left"):
        D.MarkovContext(left=6, right=6)
