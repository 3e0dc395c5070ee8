"""The central-dogma helpers and the GWAS scan of chapter 1."""

import numpy as np
import pytest
from scipy import stats

from artgen_lite import gwas
from artgen_lite.dna import sequence


def test_codon_table_is_the_standard_code():
    assert len(sequence.CODON_TABLE) == 64
    assert sorted(c for c, a in sequence.CODON_TABLE.items() if a == "*") == ["UAA", "UAG", "UGA"]
    assert sequence.CODON_TABLE["AUG"] == "M"


def test_acp1_exon_translates_to_its_protein_start():
    exon = "ATGGCGGAACAGGCTACCAAGTCCGTGCTGTTTGTGTGTCTGGGT"
    assert sequence.transcribe(exon).startswith("AUGGCGGAACAG")
    assert sequence.translate(exon) == "MAEQATKSVLFVCLG"
    assert sequence.reverse_complement("AACG") == "CGTT"


def test_gc_content_windows():
    assert sequence.gc_content("NNGCAT") == pytest.approx(0.5)
    assert sequence.gc_content("GGGGAAAA", window=4).tolist() == [1.0, 0.0]
    assert sequence.cpg_observed_expected("CGCGCGCG") == pytest.approx(2.0)


def test_association_scan_matches_scipy_linregress():
    rng = np.random.default_rng(0)
    G = rng.integers(0, 3, size=(200, 6)).astype(float)
    G[:, 5] = 1  # monomorphic
    y = G[:, 0] * 0.5 + rng.normal(size=200)
    res = gwas.association_scan(G, y)
    for j in range(5):
        lr = stats.linregress(G[:, j], y)
        assert res.beta[j] == pytest.approx(lr.slope, rel=1e-9)
        assert res.p[j] == pytest.approx(lr.pvalue, rel=1e-6)
    assert res.p[5] == 1.0 and np.isnan(res.beta[5])


def test_simulated_trait_has_the_requested_heritability():
    rng = np.random.default_rng(1)
    G = rng.binomial(2, 0.3, size=(5000, 50))
    y, causal, effects = gwas.simulate_phenotype(G, n_causal=5, heritability=0.4, seed=2)
    g = G[:, causal] @ effects
    assert np.var(g) / np.var(y) == pytest.approx(0.4, abs=0.03)
