"""The ``artgen`` command line: what a user types, what they get back, and the errors they meet.

Runs in-process on a small made-up cohort (two populations, 40 individuals, 48 SNPs), so it needs
neither the data mirror nor minutes of training.
"""

from __future__ import annotations

import csv
import inspect

import numpy as np
import pandas as pd
import pytest

from artgen_lite import cli, data, registry

N_IND, N_SNP = 40, 48


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """A phased VCF of 40 diploid individuals (20 'NORTH', 20 'SOUTH') and its panel."""
    d = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(3)
    base = {"NORTH": rng.random(N_SNP) * 0.6, "SOUTH": rng.random(N_SNP) * 0.6 + 0.3}
    rows, ids, pops = [], [], []
    for i in range(N_IND):
        pop = "NORTH" if i < N_IND // 2 else "SOUTH"
        for ab in "AB":
            rows.append(rng.random(N_SNP) < base[pop])
            ids.append(f"IND{i}_{ab}")
            pops.append(pop)
    h = data.Haplotypes(
        X=np.array(rows, dtype=np.uint8), sample_ids=np.array(ids), chrom=np.full(N_SNP, "7"),
        positions=np.arange(N_SNP) * 250 + 10_000, ref=np.full(N_SNP, "C"), alt=np.full(N_SNP, "T"),
    )
    vcf = data.write_vcf(h, d / "cohort.vcf.gz", sample_prefix="IND")
    panel = d / "cohort.panel"
    pd.DataFrame({"sample": [f"IND{i}" for i in range(N_IND)],
                  "pop": ["NORTH"] * (N_IND // 2) + ["SOUTH"] * (N_IND // 2),
                  "super_pop": ["N"] * (N_IND // 2) + ["S"] * (N_IND // 2),
                  "gender": ["female"] * N_IND}).to_csv(panel, sep="\t", index=False)
    return {"vcf": vcf, "panel": panel, "h": h, "dir": d}


def run(capsys, *argv):
    """Run ``artgen ARGV``; return (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_one_line_error(err: str, *words):
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.fixture(scope="module")
def pipeline(cohort, tmp_path_factory):
    """split -> train (rbm, smoke) -> sample -> evaluate, once for the module."""
    d = tmp_path_factory.mktemp("pipeline")
    p = {k: d / v for k, v in dict(train="train.vcf.gz", test="test.vcf.gz", model="rbm.pt",
                                   ags="ags.vcf.gz", report="report").items()}
    assert cli.main(["split", "--vcf", str(cohort["vcf"]), "--panel", str(cohort["panel"]), "--test-fraction", "0.25",
                     "--seed", "1", "--out-train", str(p["train"]), "--out-test", str(p["test"])]) == 0
    assert cli.main(["train", "--vcf", str(p["train"]), "--model", "rbm", "--scale", "smoke", "--device", "cpu",
                     "--seed", "2", "--out", str(p["model"])]) == 0
    assert cli.main(["sample", str(p["model"]), "-n", "20", "--seed", "5", "--out", str(p["ags"])]) == 0
    assert cli.main(["evaluate", "--train", str(p["train"]), "--test", str(p["test"]), "--synthetic", str(p["ags"]),
                     "--out", str(p["report"]), "--quiet"]) == 0
    return p


# ---------------------------------------------------------------- help and the registry


@pytest.mark.parametrize("cmd, words", [
    ("list", ["registry"]), ("fetch", ["--mirror", "NAME"]),
    ("split", ["--vcf", "--region", "--test-fraction", "--panel", "--seed", "--out-train", "--out-test"]),
    ("train", ["--vcf", "--region", "--model", "crbm", "--scale", "paper", "--device", "cuda", "--seed", "--out"]),
    ("sample", ["MODEL.pt", "-n", "--seed", "--out", "AG_1"]),
    ("evaluate", ["--train", "--test", "--synthetic", "--out", "scorecard", "LD decay"]),
])
def test_every_subcommand_has_help_naming_its_options(capsys, cmd, words):
    with pytest.raises(SystemExit) as exit_:
        cli.main([cmd, "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for w in words:
        assert w in text, (cmd, w)


def test_list_names_every_dataset(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert [ln.split()[0] for ln in out.splitlines()] == list(registry.REGISTRY)


def test_fetch_unknown_dataset_is_one_line_and_exit_1(capsys):
    code, out, err = run(capsys, "fetch", "no_such_data")
    assert code == 1 and out == ""
    assert_one_line_error(err, "artgen fetch: error:", "'no_such_data'", "chr1_slice")


def test_fetch_from_a_mirror_prints_each_path_with_what_it_needs(capsys, tmp_path, monkeypatch):
    from conftest import mirror_dir

    m = mirror_dir()
    if m is None or not (m / "1000g").exists():
        pytest.skip("no data mirror (set ARTGEN_DATA_MIRROR)")
    monkeypatch.setenv("ARTGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARTGEN_DATA_CACHE", raising=False)
    code, out, _ = run(capsys, "fetch", "chr1_slice", "--mirror", m)
    assert code == 0
    got = dict(line.split("\t") for line in out.splitlines())
    assert set(got) == {"chr1_slice", "panel"}
    assert got["chr1_slice"] == str(tmp_path / "cache" / registry.REGISTRY["chr1_slice"].filename)
    assert registry._file_sha256(tmp_path / "cache" / registry.REGISTRY["panel"].filename) == registry.REGISTRY["panel"].sha256


def test_fetch_with_no_source_names_dataset_and_exits_1(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ARTGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARTGEN_DATA_CACHE", raising=False)
    code, _, err = run(capsys, "fetch", "lct", "--mirror", tmp_path / "empty")
    assert code == 1
    assert_one_line_error(err, "artgen fetch: error:", "dataset 'lct' could not be fetched", "not in the mirror")


# ---------------------------------------------------------------- split


def test_split_keeps_individuals_whole_stratifies_and_keeps_columns(cohort, pipeline):
    train = data.read_vcf(pipeline["train"])
    test = data.read_vcf(pipeline["test"])
    h = cohort["h"]
    assert train.n_haplotypes + test.n_haplotypes == h.n_haplotypes
    assert train.n_haplotypes % 2 == 0 and test.n_haplotypes % 2 == 0
    # every written individual is one real individual: its two rows are the _A and _B of one person
    rows = {tuple(r) for r in h.X}
    lookup = {tuple(r): i // 2 for i, r in enumerate(h.X)}
    for part in (train, test):
        for a, b in zip(part.X[0::2], part.X[1::2]):
            assert tuple(a) in rows and lookup[tuple(a)] == lookup[tuple(b)]
    test_people = {lookup[tuple(r)] for r in test.X}
    # 25 % of each population (20 individuals each) is held out: 5 NORTH and 5 SOUTH
    assert len([i for i in test_people if i < N_IND // 2]) == 5
    assert len([i for i in test_people if i >= N_IND // 2]) == 5
    for part in (train, test):
        assert np.array_equal(part.positions, h.positions)
        assert set(part.chrom) == {"7"} and set(part.ref) == {"C"} and set(part.alt) == {"T"}


def test_split_missing_file_and_bad_region_and_fraction_are_one_line(capsys, cohort, tmp_path):
    code, _, err = run(capsys, "split", "--vcf", tmp_path / "nope.vcf.gz", "--out-train", tmp_path / "a.vcf.gz",
                       "--out-test", tmp_path / "b.vcf.gz")
    assert code == 1
    assert_one_line_error(err, "artgen split: error:", "nope.vcf.gz", "no such file")
    code, _, err = run(capsys, "split", "--vcf", cohort["vcf"], "--region", "7:500-abc", "--out-train",
                       tmp_path / "a.vcf.gz", "--out-test", tmp_path / "b.vcf.gz")
    assert code == 1
    assert_one_line_error(err, "--region '7:500-abc'", "CHR:START-END")
    code, _, err = run(capsys, "split", "--vcf", cohort["vcf"], "--test-fraction", "1.5", "--out-train",
                       tmp_path / "a.vcf.gz", "--out-test", tmp_path / "b.vcf.gz")
    assert code == 1
    assert_one_line_error(err, "--test-fraction must be between 0 and 1; got 1.5")
    assert not (tmp_path / "a.vcf.gz").exists()


def test_bad_command_line_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--vcf", "x.vcf.gz", "--model", "transformer", "--out", "m.pt"])
    assert exit_.value.code == 2
    assert "invalid choice: 'transformer'" in capsys.readouterr().err


# ---------------------------------------------------------------- train and sample


def test_sample_writes_the_training_columns_and_is_seeded(pipeline, tmp_path, capsys):
    ags = data.read_vcf(pipeline["ags"])
    train = data.read_vcf(pipeline["train"])
    assert ags.n_haplotypes == 20
    assert np.array_equal(ags.positions, train.positions)
    assert list(ags.chrom) == list(train.chrom) and list(ags.ref) == list(train.ref) and list(ags.alt) == list(train.alt)
    again = tmp_path / "again.vcf.gz"
    assert run(capsys, "sample", pipeline["model"], "-n", "20", "--seed", "5", "--out", again)[0] == 0
    assert np.array_equal(data.read_vcf(again).X, ags.X)
    other = tmp_path / "other.vcf.gz"
    assert run(capsys, "sample", pipeline["model"], "-n", "20", "--seed", "6", "--out", other)[0] == 0
    assert not np.array_equal(data.read_vcf(other).X, ags.X)


def test_model_file_keeps_the_columns_and_the_settings(pipeline):
    model, cols, info = cli.load_cli_model(pipeline["model"])
    assert type(model).__name__ == "RBM" and model.n_snps == N_SNP
    assert cols["positions"] == [int(p) for p in np.arange(N_SNP) * 250 + 10_000]
    assert info["scale"] == "smoke" and info["seed"] == 2 and info["model"] == "rbm"
    assert model.get_params()["seed"] == 2 and model.get_params()["epochs"] == cli._model_class("rbm")._presets["smoke"]["epochs"]


def test_sample_refuses_odd_n_and_files_not_from_train(capsys, pipeline, tmp_path):
    code, _, err = run(capsys, "sample", pipeline["model"], "-n", "7", "--out", tmp_path / "x.vcf.gz")
    assert code == 1
    assert_one_line_error(err, "-n must be an even number", "got 7")
    bare = tmp_path / "bare.pt"
    cli.load_cli_model(pipeline["model"])[0].save(bare)
    code, _, err = run(capsys, "sample", bare, "-n", "4", "--out", tmp_path / "x.vcf.gz")
    assert code == 1
    assert_one_line_error(err, "bare.pt", "not a model file written by 'artgen train'", "bare model.save()")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a torch file at all")
    code, _, err = run(capsys, "sample", junk, "-n", "4", "--out", tmp_path / "x.vcf.gz")
    assert code == 1
    assert_one_line_error(err, "junk.pt", "not a model file")
    assert not (tmp_path / "x.vcf.gz").exists()


# ---------------------------------------------------------------- evaluate


def test_evaluate_writes_scorecard_report_and_every_figure(pipeline):
    rep = pipeline["report"]
    with open(rep / "scorecard.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    row = rows[0]
    for col in ("aats", "aa_truth", "aa_syn", "aats_test", "af_r", "privacy_loss"):
        assert 0 <= abs(float(row[col])) <= 1, col
    assert int(row["n_synthetic"]) == 20 and int(row["n_train"]) == 60 and int(row["n_test"]) == 20
    html = (rep / "report.html").read_text()
    md = (rep / "report.md").read_text()
    for png in ("pca.png", "af.png", "ld.png", "ld_decay.png", "aats.png", "privacy.png"):
        assert (rep / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert f'src="{png}"' in html and f"({png})" in md
    assert f"{float(row['aats']):.4f}" in md


def test_evaluate_refuses_sets_with_different_snps(capsys, cohort, pipeline, tmp_path):
    h = cohort["h"].columns(slice(0, N_SNP - 1))
    short = data.write_vcf(h, tmp_path / "short.vcf.gz", sample_prefix="IND")
    code, _, err = run(capsys, "evaluate", "--train", pipeline["train"], "--test", pipeline["test"],
                       "--synthetic", short, "--out", tmp_path / "rep")
    assert code == 1
    assert_one_line_error(err, "short.vcf.gz has 47 SNPs", f"{N_SNP}", "same SNPs")


# ---------------------------------------------------------------- models at a scale, devices, errors


@pytest.mark.parametrize("name", cli.MODELS)
def test_course_scale_is_the_class_defaults_and_smoke_is_smaller(name):
    klass = cli._model_class(name)
    course = cli.build_model(name, "course", seed=4, device="cpu")
    defaults = {k: v.default for k, v in inspect.signature(klass).parameters.items() if k not in ("seed", "device")}
    assert {k: v for k, v in course.get_params().items() if k in defaults} == defaults
    assert course.get_params()["seed"] == 4
    smoke = cli.build_model(name, "smoke", seed=4, device="cpu").get_params()
    if smoke.get("epochs") is not None and course.get_params().get("epochs") is not None:
        assert smoke["epochs"] < course.get_params()["epochs"]


def test_paper_scale_takes_the_documented_settings():
    assert cli.build_model("gan", "paper").get_params()["variant"] == "original"
    assert cli.build_model("gan", "paper").get_params()["epochs"] == 20_000
    crbm = cli.build_model("crbm", "paper").get_params()
    assert (crbm["lr"], crbm["k"], crbm["n_hidden"]) == (1e-3, 50, 2000)
    vae = cli.build_model("vae", "paper").get_params()
    assert (vae["depth"], vae["epochs"], vae["patience"]) == (6, 500, 50)


def test_build_model_is_the_class_preset_with_the_device_kept_as_given():
    for name in cli.MODELS:
        klass = cli._model_class(name)
        for scale in cli.SCALES:
            built = cli.build_model(name, scale, seed=3, device="auto")
            assert built.get_params() == klass.preset(scale, seed=3, device="auto").get_params()
            assert built.device == "auto"  # stored as given: the model file loads on any machine


def test_cuda_without_a_gpu_is_refused_in_one_line(capsys, monkeypatch, cohort, tmp_path):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cli.resolve_device("auto") == "cpu"
    code, _, err = run(capsys, "train", "--vcf", cohort["vcf"], "--model", "crbm", "--device", "cuda",
                       "--out", tmp_path / "m.pt")
    assert code == 1
    assert_one_line_error(err, "artgen train: error:", "--device cuda", "no CUDA GPU")


def test_an_unexpected_failure_is_one_line_not_a_traceback(capsys, monkeypatch):
    def boom(args):
        raise RuntimeError("something broke\ninside")

    monkeypatch.setattr(cli, "cmd_list", boom)
    code, _, err = run(capsys, "list")
    assert code == 1
    assert_one_line_error(err, "artgen list: internal error (RuntimeError", "ARTGEN_DEBUG=1", "something broke inside")


def test_records_that_are_not_biallelic_snps_are_dropped_and_counted(capsys, tmp_path):
    """The models take biallelic SNPs: multi-allelic and symbolic-allele records are left out, and
    ``train`` says how many of each it left out rather than training on fewer SNPs in silence."""
    samples = ["S1", "S2", "S3"]
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=3>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    alts = {4: "G,T", 9: "<CN0>", 11: "G,C"}
    for i in range(16):
        gts = ["0|1", "1|1", "0|0"] if i not in alts else ["0|2", "1|1", "0|0"] if "," in alts[i] else ["0|1", "0|0", "1|1"]
        lines.append(f"3\t{1000 + i}\t.\tA\t{alts.get(i, 'G')}\t.\tPASS\t.\tGT\t" + "\t".join(gts))
    vcf = tmp_path / "mixed.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, "train", "--vcf", vcf, "--model", "rbm", "--scale", "smoke", "--quiet",
                       "--out", tmp_path / "m.pt")
    assert code == 0, err
    assert "--vcf mixed.vcf: dropped 2 multi-allelic records and 1 symbolic-allele record" in err
    assert "on 6 haplotypes x 13 SNPs of mixed.vcf" in err
    h = data.read_vcf(vcf, multiallelic="drop")
    assert h.meta["multiallelic_dropped"] == 2 and h.n_snps == 14
    # a file with nothing to drop says nothing about dropping
    clean = tmp_path / "clean.vcf"
    clean.write_text("\n".join(ln for ln in lines if "," not in ln and "<CN0>" not in ln) + "\n")
    code, _, err = run(capsys, "train", "--vcf", clean, "--model", "rbm", "--scale", "smoke", "--quiet",
                       "--out", tmp_path / "c.pt")
    assert code == 0 and "dropped" not in err and "x 13 SNPs" in err, err


def test_a_site_listed_twice_is_refused_before_training(capsys, tmp_path):
    """A VCF of artificial genomes lists each site once, so a training VCF that lists one twice is
    refused when it is read (naming the file and the site), not by ``sample`` after training."""
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=3>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2"]
    for pos in (1000, 1001, 1002, 1002, 1003, 1004, 1005):
        lines.append(f"3\t{pos}\t.\tA\tG\t.\tPASS\t.\tGT\t0|1\t1|0")
    vcf = tmp_path / "twice.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    out = tmp_path / "m.pt"
    code, _, err = run(capsys, "train", "--vcf", vcf, "--model", "rbm", "--scale", "smoke", "--quiet", "--out", out)
    assert code == 1 and not out.exists()
    assert_one_line_error(err, "twice.vcf", "3:1002 A>G occurs twice")


def test_an_output_that_is_an_input_or_another_output_is_refused(capsys, cohort, pipeline, tmp_path):
    """No command writes over its own input (a model over its training VCF, AGs over the model) or
    one output over another; the files are left as they were."""
    import shutil

    vcf = shutil.copy(pipeline["train"], tmp_path / "train.vcf.gz")
    model = shutil.copy(pipeline["model"], tmp_path / "rbm.pt")
    before = {p: p.read_bytes() for p in (vcf, model)}
    code, _, err = run(capsys, "train", "--vcf", vcf, "--model", "rbm", "--scale", "smoke", "--out", vcf)
    assert code == 1
    assert_one_line_error(err, "--out", "same file as --vcf", "overwritten")
    (tmp_path / "link.pt").symlink_to(model)
    code, _, err = run(capsys, "sample", model, "-n", "4", "--out", tmp_path / "link.pt")
    assert code == 1
    assert_one_line_error(err, "same file as MODEL")
    code, _, err = run(capsys, "split", "--vcf", vcf, "--out-train", tmp_path / "a.vcf.gz", "--out-test",
                       tmp_path / "a.vcf.gz")
    assert code == 1 and not (tmp_path / "a.vcf.gz").exists()
    assert_one_line_error(err, "--out-test", "same file as --out-train")
    assert {p: p.read_bytes() for p in (vcf, model)} == before


def test_evaluate_refuses_a_file_as_report_folder_and_the_training_set_as_held_out(capsys, pipeline, tmp_path):
    args = ["evaluate", "--train", pipeline["train"], "--synthetic", pipeline["ags"], "--quiet"]
    afile = tmp_path / "report.txt"
    afile.write_text("mine")
    code, _, err = run(capsys, *args, "--test", pipeline["test"], "--out", afile)
    assert code == 1 and afile.read_text() == "mine"
    assert_one_line_error(err, "--out", "is a file", "folder")
    code, _, err = run(capsys, *args, "--test", pipeline["train"], "--out", tmp_path / "rep")
    assert code == 1 and not (tmp_path / "rep").exists()
    assert_one_line_error(err, "--test", "same file as --train", "held-out haplotypes must be others")


@pytest.mark.parametrize("model, noted", [("crbm", True), ("rbm", False)])
def test_a_windowed_model_on_several_chromosomes_is_noted(capsys, tmp_path, model, noted):
    """The CRBM and the conv-WGAN learn from neighbouring columns; trained across a chromosome
    boundary they would write linkage that cannot exist, so ``train`` says so (the dense models,
    like the RBM of the genome-wide 805 SNPs, are fine)."""
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=3>", "##contig=<ID=4>",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2"]
    for chrom in ("3", "4"):
        for pos in range(1000, 1008):
            lines.append(f"{chrom}\t{pos}\t.\tA\tG\t.\tPASS\t.\tGT\t0|1\t1|{pos % 2}")
    vcf = tmp_path / "two.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, "train", "--vcf", vcf, "--model", model, "--scale", "smoke", "--quiet",
                       "--out", tmp_path / "m.pt")
    assert code == 0, err
    assert ("spans 2 chromosomes (3, 4)" in err) is noted, err


def test_the_report_states_the_precision_of_aats_and_cautions_on_small_sets(pipeline, tmp_path):
    """AA_truth and AA_syn are fractions of n_eval haplotypes: the report gives their standard error
    and, below 100 per set (the pipeline's 20 here), says the sets are too small for a verdict."""
    from artgen_lite import report

    md = (pipeline["report"] / "report.md").read_text()
    assert "fractions of 20 haplotypes: standard error about 0.112 at 0.5; CAUTION: too few" in md
    rng = np.random.default_rng(0)
    make = lambda n: data.Haplotypes(X=(rng.random((n, 30)) < 0.3).astype(np.uint8))  # noqa: E731
    out = report.write_report(make(150), make(120), make(120), tmp_path / "r", progress=False)
    text = (tmp_path / "r" / "report.md").read_text()
    assert int(out["scorecard"].iloc[0]["n_eval"]) == 120
    assert "fractions of 120 haplotypes: standard error about 0.046 at 0.5" in text and "CAUTION" not in text
