"""The DNA wing's shared pieces (chapters 01, 02, 08, 09): one encoding with one N convention,
sequence utilities that agree between strings and code arrays, Durbin's tables once, and the
genome loader that never falls back silently."""

from __future__ import annotations

import re

import numpy as np
import pytest

from artgen_lite import dna, hmm
from artgen_lite.dna import genome


# --------------------------------------------------------------------------- one N convention
def test_one_encoding_with_one_n_convention():
    assert dna.encode("ACGTNacgtn").tolist() == [0, 1, 2, 3, 4] * 2
    assert dna.N_CODE == 4 and dna.MASK_CODE == 5 and dna.BASES == hmm.DNA == "ACGT"
    # the HMM chapter: the same codes, N as its missing symbol -1
    assert hmm.encode_dna("ACGTNacgtn").tolist() == [0, 1, 2, 3, -1] * 2
    # other letters: an error naming the argument and the position, or N when asked
    with pytest.raises(ValueError, match=r"probe has 1 character\(s\) .* 'R' at position 2"):
        dna.encode("ACRT", "probe")
    assert dna.encode("ACRT", strict=False).tolist() == [0, 1, 4, 3]
    assert hmm.encode_dna("ACRT").tolist() == [0, 1, -1, 3]
    # four-letter tools refuse N, naming the argument
    with pytest.raises(ValueError, match=r"windows contains characters other than A, C, G, T: 'n'"):
        dna.encode_windows(["ACGT", "ACnT"], "windows")
    with pytest.raises(ValueError, match="seqs contains"):
        dna.one_hot(["ACGN"])


def test_decode_inverts_encode_for_one_sequence_and_for_sets():
    s = "ACGTTGCAN"
    assert dna.decode(dna.encode(s)) == s
    assert dna.decode(np.array([0, 5, 3])) == "A?T"  # the mask prints as ?
    windows = ["ACGTAC", "ttgcaa"]
    assert dna.decode(dna.encode_windows(windows)) == [w.upper() for w in windows]
    assert dna.decode(dna.one_hot(windows)) == [w.upper() for w in windows]


# --------------------------------------------------------------------------- sequence utilities
def test_reverse_complement_of_strings_and_of_codes_agree():
    s = "AACGTNacgtG"
    rc = dna.reverse_complement(s)
    assert rc == "CacgtNACGTT"  # case kept, N stays N
    assert dna.decode(dna.reverse_complement(dna.encode(s))) == rc.upper()
    assert dna.reverse_complement(rc) == s
    batch = np.stack([dna.encode("ACGTN"), dna.encode("GGGCA")])
    assert dna.decode(dna.reverse_complement(batch)[1]) == "TGCCC"  # last axis only


def test_kmer_index_and_spectra():
    codes = dna.encode("ACGTNA")
    # 2-mers: AC=1, CG=6, GT=11, then two holding N
    assert dna.kmer_index(codes, 2).tolist() == [1, 6, 11, -1, -1]
    windows = ["ACGTAC", "TTTTAA", "GCGCGC"]
    pooled = dna.kmer_spectrum(windows, k=2)
    rows = dna.kmer_spectrum(dna.encode_windows(windows), k=2, per_sequence=True)
    assert pooled.shape == (16,) and rows.shape == (3, 16)
    np.testing.assert_allclose(rows.sum(1), 1.0)
    # equal-length windows: the pooled spectrum is the mean of the per-window ones
    np.testing.assert_allclose(rows.mean(0), pooled, rtol=1e-12)
    # per window, k-mers with N are skipped: "ACN" has one 2-mer (AC)
    one = dna.kmer_spectrum(dna.encode("ACNA")[None, :3], k=2, per_sequence=True)
    assert one[0, 1] == 1.0 and one.sum() == 1.0


def test_gc_and_cpg_of_one_string_equal_those_of_a_one_window_set():
    s = "ACGCGTTACGGCATCGATCG"
    assert dna.gc_content([s])[0] == pytest.approx(dna.gc_content(s), rel=1e-12)
    assert dna.cpg_observed_expected([s]) == pytest.approx(dna.cpg_observed_expected(s), rel=1e-12)
    with pytest.raises(ValueError, match="window"):
        dna.gc_content([s], window=5)


# --------------------------------------------------------------------------- Durbin's tables once
def test_durbin_tables_and_the_stand_in_hmm():
    plus, minus = dna.DURBIN_CPG_PLUS, dna.DURBIN_CPG_MINUS
    np.testing.assert_allclose(plus.sum(1), 1.0, atol=2e-3)  # the book's rounding
    np.testing.assert_allclose(minus.sum(1), 1.0, atol=2e-3)
    assert minus[1, 2] == 0.078 and plus[1, 2] > 3 * minus[1, 2]  # CpG depletion outside islands
    with pytest.raises(ValueError):
        plus[0, 0] = 0.5  # read-only: one copy for the whole package
    model = dna.durbin_cpg_hmm()
    assert model.n_states == 8 and np.allclose(model.trans.sum(1), 1.0)
    z, x = model.sample(200_000, seed=0)
    seq = "".join(np.array(list(dna.BASES))[x])
    island = hmm.mask_to_intervals(z < 4, min_length=200)
    assert len(island) >= 1
    inside = "".join(seq[a:b] for a, b in island)
    outside = "".join(np.array(list(seq))[z >= 4])
    # islands sampled from the "+" table are CpG-rich, the background CpG-poor
    assert dna.cpg_observed_expected(inside) > 0.6 > 0.4 > dna.cpg_observed_expected(outside)


# --------------------------------------------------------------------------- genome loading
def _no_data(monkeypatch):
    from artgen_lite import data

    def missing(name):
        raise FileNotFoundError(f"{name}: not here")

    monkeypatch.setattr(data, "dataset_path", missing)


@pytest.mark.parametrize("kind", ["genome", "cpg_hmm"])
def test_load_genome_or_simulate_falls_back_with_a_banner(monkeypatch, kind):
    _no_data(monkeypatch)
    g, banner = dna.load_genome_or_simulate(kind, length=30_000, seed=1)
    assert g.simulated and "hg38_chr2_slice: not here" in banner and g.source in banner
    assert len(g.sequence) == 40_000 and g.sequence[:10_000] == "N" * 10_000
    assert set(g.sequence[10_000:].upper()) <= set("ACGT")
    assert g.islands.shape[1] == 2 and (g.islands[:, 0] >= 10_000).all()
    if kind == "genome":  # the simulated genome, shifted past the N run
        seq, islands, genes = dna.simulate_genome(30_000, seed=1)
        assert g.sequence[10_000:] == seq and np.array_equal(g.islands, islands + 10_000)
        assert len(g.genes) == len(g.gene_names) == len(genes)
    else:
        assert len(g.genes) == 0
    with pytest.raises(ValueError, match="simulate must be"):
        dna.load_genome_or_simulate("random")


def test_load_genome_reads_the_hg38_slice_and_its_tables(mirror):
    g, banner = dna.load_genome_or_simulate()
    assert banner is None and not g.simulated
    assert len(g.sequence) == genome.HG38_SLICE_LENGTH and g.sequence[:10_000] == "N" * 10_000
    assert len(g.islands) == 47  # the registry's UCSC cpgIslandExt slice
    assert (g.islands[:, 1] > g.islands[:, 0]).all() and g.islands.max() <= len(g.sequence)
    assert len(g.genes) == len(g.gene_names) > 0
    # CpG islands are what the statistic says: CpG o/e well above the genome-wide value
    inside = "".join(g.sequence[a:b] for a, b in g.islands)
    assert dna.cpg_observed_expected(inside) > 0.6 > 0.4 > dna.cpg_observed_expected(g.sequence[10_000:])


# --------------------------------------------------------------------------- the namespace
def test_every_public_name_resolves_and_names_its_chapter():
    for name in dna.__all__:
        obj = getattr(dna, name)
        if callable(obj) and not name.isupper():  # every function and class says its chapter
            assert re.search(r"chapters? 0\d|notebooks/0\d", obj.__doc__ or ""), name
        elif name in dna._MODULES:
            assert obj.__doc__ and obj.__name__ == f"artgen_lite.dna.{name}"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        dna.nothing  # noqa: B018
