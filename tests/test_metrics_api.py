"""artgen_lite.metrics: input checks, baselines, parameter counts, scorecard layout (synthetic data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import artgen_lite.metrics as M


def _haps(n, L, seed=0, p=0.4):
    rng = np.random.default_rng(seed)
    return (rng.random((n, L)) < p).astype(np.uint8)


def _structured(n, L, seed=0, n_founders=6, mutation=0.05):
    """Haplotypes with LD: copies of a few founder haplotypes (always the same ones) plus mutations."""
    founders = (np.random.default_rng(12345).random((n_founders, L)) < 0.5).astype(np.uint8)
    rng = np.random.default_rng(seed)
    X = founders[rng.integers(0, n_founders, n)]
    return X ^ (rng.random((n, L)) < mutation).astype(np.uint8)


# ---------------------------------------------------------------- input checks
@pytest.mark.parametrize("func", [M.aats, M.af_correlation, M.ld_correlation, M.kmer_correlation])
def test_bad_inputs_name_the_argument(func):
    good = _haps(10, 12)
    with pytest.raises(ValueError, match=r"real must be a 2-D array"):
        func(np.zeros(12, dtype=np.uint8), good)
    with pytest.raises(ValueError, match=r"synthetic must contain only 0 and 1.*2"):
        func(good, good * 2)
    with pytest.raises(ValueError, match=r"real and synthetic must have the same number of SNPs.*12.*11"):
        func(good, good[:, :11])


def test_more_input_checks():
    A = _haps(10, 8)
    with pytest.raises(ValueError, match="equal-sized sets: real has 10 .* synthetic has 9"):
        M.aats(A, A[:9])
    with pytest.raises(ValueError, match="only 0 and 1"):
        M.hamming(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="only 0 and 1"):
        M.hamming(np.array([[0, -1]]))
    with pytest.raises(ValueError, match="numeric"):
        M.hamming(np.array([["0", "1"]]))
    with pytest.raises(ValueError, match="A needs at least 2"):
        M.nn_distances(A[:1])
    with pytest.raises(ValueError, match="no SNP columns"):
        M.allele_frequencies(np.zeros((3, 0)))
    with pytest.raises(ValueError, match="member_scores is empty"):
        M.mia_auc([], [1.0])
    with pytest.raises(ValueError, match="cannot subsample 11 rows from X"):
        M.subsample(A, 11)
    with pytest.raises(ValueError, match="convention"):
        M.fc_gan_parameter_count(805, convention="slide")
    # booleans, ints and floats of 0/1 are accepted, and so is an object with .X
    assert M.hamming(A.astype(bool)).dtype == np.int32
    assert M.allele_frequencies(A.astype(float)).shape == (8,)

    class Holder:
        X = A

    assert np.array_equal(M.allele_frequencies(Holder()), A.mean(axis=0))


# ---------------------------------------------------------------- privacy helpers
def test_subsampling_is_seeded_and_ordered():
    A = _haps(50, 5)
    s1, s2 = M.subsample(A, 20, seed=4), M.subsample(A, 20, seed=4)
    assert np.array_equal(s1, s2) and s1.shape == (20, 5)
    a, b, c = M.subsample_to_common_size(A, A[:30], A[:40], seed=0)
    assert len(a) == len(b) == len(c) == 30 and np.array_equal(b, A[:30])


def test_privacy_loss_and_mia_detect_copying():
    X = _structured(600, 40, seed=1, n_founders=60, mutation=0.15)
    train, test = X[:300], X[300:]
    copy = M.copy_of_training(train, seed=0)
    assert M.aats(train, copy).aats == 0.0
    assert M.privacy_loss(train, test, copy) > 0.3
    assert M.mia_auc_blackbox(train, test, copy) > 0.9
    fresh = _structured(300, 40, seed=2, n_founders=60, mutation=0.15)
    assert abs(M.privacy_loss(train, test, fresh)) < 0.1
    assert 0.4 < M.mia_auc_blackbox(train, test, fresh) < 0.6
    d = M.nn_distance_table(train, copy)
    assert set(d) == {"dTT", "dSS", "dTS", "dST"} and (d["dST"] == 0).all()


# ---------------------------------------------------------------- baselines
def test_independent_sites_keep_frequencies_lose_ld():
    X = _structured(2000, 30, seed=3)
    ind = M.independent_sites(X, 2000, seed=0)
    assert ind.dtype == np.uint8 and ind.shape == (2000, 30)
    assert M.af_correlation(X, ind) > 0.98
    assert M.ld_correlation(X, ind) < 0.3 < M.ld_correlation(X, _structured(2000, 30, seed=4))


def _naive_markov(T, U, window):
    """Direct transcription of the authors' markover(): one haplotype at a time."""
    n, L = U.shape
    out = np.zeros((n, L), dtype=np.uint8)
    for h in range(n):
        m = []
        for i in range(L):
            if i == 0:
                p0 = np.mean(T[:, 0] == 0)
            else:
                w = min(i, window)
                match = np.all(T[:, i - w:i] == np.array(m[i - w:i]), axis=1)
                p0 = np.mean(T[match, i] == 0)
            m.append(0 if p0 >= U[h, i] else 1)
        out[h] = m
    return out


@pytest.mark.parametrize("window", [1, 3, 5])
def test_markov_chain_equals_authors_algorithm(window):
    T = _structured(80, 14, seed=5)
    n, seed = 25, 7
    rng = np.random.default_rng(seed)
    U = np.stack([rng.random(n) for _ in range(T.shape[1])], axis=1)  # same draws, column by column
    assert np.array_equal(M.markov_chain(T, n, window=window, seed=seed), _naive_markov(T, U, window))


def test_markov_chain_long_window_path():
    T = _structured(100, 30, seed=6)
    a = M.markov_chain(T, 50, window=24, seed=1)  # contexts longer than 20 SNPs: sorting path
    assert a.shape == (50, 30)
    # every generated 25-SNP window occurs in the training data
    rows = {bytes(r) for r in T[:, 0:25]}
    assert all(bytes(r) in rows for r in a[:, 0:25])


def test_copy_and_real_vs_real():
    X = _haps(20, 6)
    c = M.copy_of_training(X, seed=1)
    assert sorted(map(bytes, c)) == sorted(map(bytes, X))
    assert M.copy_of_training(X, 30, seed=1).shape == (30, 6)
    with pytest.raises(ValueError, match="without replacement"):
        M.copy_of_training(X, 30, replace=False)
    a, b = M.real_vs_real(X, seed=0)
    assert a.shape == b.shape == (10, 6)
    with pytest.raises(ValueError, match="too few"):
        M.real_vs_real(X, n=11)


# ---------------------------------------------------------------- parameter counts
def test_fc_gan_parameter_counts():
    c = M.fc_gan_parameter_count(805)
    assert (c["generator"], c["discriminator"]) == (1_482_431, 432_285)
    assert M.fc_gan_layer_sizes(805) == {"generator": [600, 670, 731, 805], "discriminator": [805, 402, 268, 1]}
    assert M.fc_gan_parameter_count(10_000)["total"] == 238_350_860
    assert M.fc_gan_parameter_count(10_000, convention="no_output_bias")["total"] == 238_340_859  # the slide


def test_count_parameters_matches_formula():
    torch = pytest.importorskip("torch")
    n = 805
    s = M.fc_gan_layer_sizes(n)

    def mlp(w):
        return torch.nn.Sequential(*[torch.nn.Linear(a, b) for a, b in zip(w[:-1], w[1:])])

    G, D = mlp(s["generator"]), mlp(s["discriminator"])
    c = M.fc_gan_parameter_count(n)
    assert M.count_parameters(G) == c["generator"] and M.count_parameters(D) == c["discriminator"]
    D[0].weight.requires_grad_(False)
    assert M.count_parameters(D) == c["discriminator"] - 805 * 402
    assert M.count_parameters(D, trainable_only=False) == c["discriminator"]
    with pytest.raises(TypeError):
        M.count_parameters(object())


# ---------------------------------------------------------------- other summaries
def test_frequency_ld_pca_tables():
    X, Y = _structured(300, 25, seed=8), _structured(300, 25, seed=9)
    z = M.af_lowfreq_zoom(X, Y)
    assert (z["af_real"] <= 0.2).all() and "pearson_r" in z.attrs
    assert len(M.af_quantiles(X, Y)) == 20
    b = M.ld_binned_by_real(X, Y)
    assert len(b) == 50 and b["n_pairs"].sum() == 25 * 24 // 2
    h = M.ld_heatmap_data(X, Y)
    r2x, r2y = M.ld_r2(X), M.ld_r2(Y)
    assert h[5, 2] == r2x[5, 2] and h[2, 5] == r2y[2, 5] and np.isnan(h[3, 3])
    p = M.coupled_pca(X, Y)
    assert list(p.columns) == ["source"] + [f"PC{i}" for i in range(1, 7)] and len(p) == 600
    assert set(M.pca_w1(X, Y)) == {"pc1", "pc2"}
    assert len(M.project_on_real_pca(X, Y, n_components=3).columns) == 4
    assert M.pairwise_w1(X, X) == 0.0


def test_scorecard_layout_and_seeding():
    X = _structured(500, 40, seed=10)
    train, test, syn = X[:300], X[300:400], _structured(250, 40, seed=11)
    card = M.scorecard(train, test, syn, name="toy", seed=0)
    assert isinstance(card, pd.DataFrame) and card.shape == (1, len(M.SCORECARD_COLUMNS))
    assert list(card.index) == ["toy"]
    row = card.iloc[0]
    assert row["n_eval"] == 100
    assert row["privacy_loss"] == pytest.approx(row["aats_test"] - row["aats"])
    assert row["mia_auc_blackbox"] == pytest.approx(M.mia_auc_blackbox(train, test, syn, seed=0))
    tr, te, sy = M.subsample_to_common_size(train, test, syn, seed=0)
    assert row["aats"] == M.aats(tr, sy).aats
    assert row["privacy_loss"] == pytest.approx(M.privacy_loss(train, test, syn, seed=0))
    assert M.scorecard(train, test, syn, seed=0).equals(M.scorecard(train, test, syn, seed=0))
    copy = M.scorecard(train, test, M.copy_of_training(train, seed=0)).iloc[0]
    assert copy["aats_full"] == 0.0 and copy["exact_copies_rate"] == 1.0 and copy["mia_auc_blackbox"] > 0.8
    tiny = M.scorecard(train[:, :3], test[:, :3], syn[:, :3]).iloc[0]  # no 3-point gap fits in 3 SNPs
    assert np.isnan(tiny["three_point_r"]) and np.isfinite(tiny["aats"])


def test_every_public_function_points_to_the_chapter():
    """Each public function names the chapter that explains it, and that chapter exists."""
    import re
    from pathlib import Path

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    pattern = re.compile(r"Explained in the chapter ['\"][^'\"]+['\"] \(notebooks/(\w+)\)")
    for name in M.__all__:
        obj = getattr(M, name)
        if callable(obj) and not isinstance(obj, type):
            found = pattern.search(" ".join((obj.__doc__ or "").split()))
            assert found, f"{name}: docstring does not name its chapter"
            assert (notebooks / f"{found.group(1)}.md").exists(), f"{name}: no chapter {found.group(1)}"
