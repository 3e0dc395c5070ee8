"""The built wheel works for a user outside the clone: fetch, split, train, sample, evaluate, then bcftools.

What this test does, in order:

1. copies the package sources (``pyproject.toml``, ``README.md``, ``LICENSE``, ``artgen_lite/``) into
   a temporary folder and builds the wheel there with ``pip wheel --no-build-isolation --no-deps``
   (offline: the build backend is the setuptools already installed);
2. makes a fresh virtual environment in an empty temporary folder outside the clone and installs the
   wheel into it with ``--no-deps``. To avoid a 2 GB reinstall of torch and the rest, the new
   environment then gets the *dependencies* through a ``.pth`` file (written after the install, so
   that pip never sees the clone's own editable install there) that points at the running
   interpreter's site-packages; the project itself comes only from the wheel (``.pth`` files inside
   that folder, such as the editable install of the clone, are not processed, and the test checks
   that ``artgen_lite`` is imported from the new environment);
3. in an empty working folder, with no ``PYTHONPATH`` and a fresh cache, runs the installed ``artgen``
   console script end to end at smoke scale on the chr1 slice and on the LCT region (LCT through
   ``--region``): ``fetch --mirror``, ``split --panel``, ``train --model rbm``, ``sample``, ``evaluate``;
4. when ``bcftools`` is on PATH, checks that ``bcftools view -Ob`` and ``bcftools index`` accept the
   artificial genomes (skipped, saying why, otherwise).

Each command's wall time is printed (``pytest -s`` shows it). Bounded to a few minutes: one thread
per process (``--threads 1``, ``OMP_NUM_THREADS=1``) is the fastest on a busy 2-core machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from conftest import ROOT, mirror_dir

pytestmark = pytest.mark.install

TIMINGS: dict[str, float] = {}

CASES = {
    # dataset, region (None = the whole file), haplotypes to sample
    "chr1_slice": (None, 200),
    "lct": ("2:136545000-136625000", 200),
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv outside the clone with the wheel installed; returns (venv bin folder, env)."""
    m = mirror_dir()
    if m is None or not m.exists():
        pytest.skip("no data mirror (set ARTGEN_DATA_MIRROR to a folder laid out as shared/data)")
    base = tmp_path_factory.mktemp("install")
    assert ROOT not in base.parents
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "artgen_lite", src / "artgen_lite", ignore=shutil.ignore_patterns("__pycache__"))
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    wheels = base / "wheels"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q", "-w", str(wheels),
                    str(src)], check=True, capture_output=True, text=True, timeout=300, env=clean, cwd=base)
    TIMINGS["build wheel"] = time.perf_counter() - t0
    (wheel,) = wheels.glob("artgen_lite-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120, env=clean)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=300, env=clean, cwd=base)
    TIMINGS["install wheel"] = time.perf_counter() - t0
    # only now the shared dependencies: pip must not see the clone's own (editable) artgen-lite there
    (site / "_shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {k: v for k, v in clean.items() if k not in ("ARTGEN_DATA_CACHE", "ARTGEN_DATA_MIRROR")}
    env.update(ARTGEN_CACHE=str(base / "cache"), HOME=str(base / "home"), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
               PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    work = base / "work"
    work.mkdir()
    where = subprocess.run([str(py), "-c", "import artgen_lite, sys; print(artgen_lite.__file__)"], cwd=work, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(venv), f"artgen_lite imported from {where}, not from the wheel"
    assert (venv / "bin" / "artgen").exists()
    yield {"bin": venv / "bin", "env": env, "work": work, "mirror": m, "cache": base / "cache"}
    if TIMINGS:
        print("\nwall time per command (s): " + ", ".join(f"{k} {v:.1f}" for k, v in TIMINGS.items()))


def artgen(ctx, label: str, *args, timeout: int = 600) -> str:
    """Run the installed ``artgen`` in the empty working folder; fail with its stderr; time it."""
    t0 = time.perf_counter()
    out = subprocess.run([str(ctx["bin"] / "artgen"), *map(str, args)], cwd=ctx["work"], env=ctx["env"],
                         capture_output=True, text=True, timeout=timeout)
    TIMINGS[label] = time.perf_counter() - t0
    assert out.returncode == 0, f"artgen {' '.join(map(str, args))} failed ({out.returncode}): {out.stderr}"
    assert "Traceback" not in out.stderr
    return out.stdout


def test_version_and_a_user_error_outside_the_clone(installed):
    out = subprocess.run([str(installed["bin"] / "artgen"), "--version"], cwd=installed["work"], env=installed["env"],
                         capture_output=True, text=True, timeout=120)
    from artgen_lite import __version__

    assert out.returncode == 0 and out.stdout.strip() == f"artgen-lite {__version__}"
    bad = subprocess.run([str(installed["bin"] / "artgen"), "fetch", "lct", "--mirror", str(installed["work"] / "none")],
                         cwd=installed["work"], env=installed["env"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "dataset 'lct' could not be fetched" in bad.stderr


@pytest.mark.parametrize("dataset", list(CASES))
def test_wheel_runs_the_whole_path_on_real_data(installed, dataset):
    region, n = CASES[dataset]
    ctx, w = installed, installed["work"] / dataset
    w.mkdir()
    paths = dict(line.split("\t") for line in artgen(ctx, f"{dataset}: fetch", "fetch", dataset, "--mirror",
                                                       ctx["mirror"]).splitlines())
    assert Path(paths[dataset]).parent == ctx["cache"], "outside a clone the cache is $ARTGEN_CACHE"
    reg = ["--region", region] if region else []
    artgen(ctx, f"{dataset}: split", "split", "--vcf", paths[dataset], *reg, "--panel", paths["panel"],
           "--test-fraction", "0.2", "--seed", "0", "--out-train", w / "train.vcf.gz", "--out-test", w / "test.vcf.gz")
    artgen(ctx, f"{dataset}: train", "train", "--vcf", w / "train.vcf.gz", "--model", "rbm", "--scale", "smoke",
           "--device", "cpu", "--threads", "1", "--seed", "0", "--out", w / "rbm.pt")
    artgen(ctx, f"{dataset}: sample", "sample", w / "rbm.pt", "-n", n, "--seed", "0", "--out", w / "ags.vcf.gz")
    artgen(ctx, f"{dataset}: evaluate", "evaluate", "--train", w / "train.vcf.gz", "--test", w / "test.vcf.gz",
           "--synthetic", w / "ags.vcf.gz", "--out", w / "report")

    from artgen_lite import data

    train, test, ags = (data.read_vcf(w / f) for f in ("train.vcf.gz", "test.vcf.gz", "ags.vcf.gz"))
    assert ags.n_haplotypes == n
    assert train.n_haplotypes + test.n_haplotypes == 5008  # every 1000 Genomes haplotype, once
    assert abs(test.n_haplotypes / 5008 - 0.2) < 0.01
    assert ags.n_snps == train.n_snps > 100 and (ags.positions == train.positions).all()
    if region:
        lo, hi = map(int, region.split(":")[1].split("-"))
        assert lo <= train.positions.min() and train.positions.max() <= hi
    card = (w / "report" / "scorecard.csv").read_text().splitlines()
    assert len(card) == 2 and "aats" in card[0]
    for png in ("pca.png", "af.png", "ld.png", "ld_decay.png", "aats.png", "privacy.png"):
        assert (w / "report" / png).stat().st_size > 1000

    bcftools = shutil.which("bcftools")
    if bcftools is None:
        pytest.skip("bcftools is not on PATH: the standard-tools check of the AGs did not run")
    header = subprocess.run([bcftools, "view", "-h", str(w / "ags.vcf.gz")], capture_output=True, text=True)
    if "##contig" not in header.stdout:
        pytest.skip("the AG VCF has no ##contig line: write_vcf predates the pysam writer of issue 15 "
                    "(artgen_lite/vcf.py), so bcftools view -Ob would refuse it")
    t0 = time.perf_counter()
    for cmd in ([bcftools, "view", "-Ob", "-o", str(w / "ags.bcf"), str(w / "ags.vcf.gz")],
                [bcftools, "index", str(w / "ags.bcf")],
                [bcftools, "index", "-f", str(w / "ags.vcf.gz")]):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{' '.join(cmd[1:3])}: {done.stderr}"
    TIMINGS[f"{dataset}: bcftools"] = time.perf_counter() - t0
    assert (w / "ags.bcf.csi").stat().st_size > 0
    stats = subprocess.run([bcftools, "stats", str(w / "ags.bcf")], capture_output=True, text=True, timeout=120)
    n_samples = next(int(ln.split("\t")[-1]) for ln in stats.stdout.splitlines() if ln.startswith("SN\t0\tnumber of samples:"))
    assert n_samples == n // 2


def test_wheel_fetches_and_loads_every_dataset(installed):
    """Outside the clone, every registry dataset is fetched (from the mirror) and each haplotype set read."""
    script = (
        "import sys\n"
        "from artgen_lite import data, registry\n"
        "paths = {name: registry.get(name, mirror=sys.argv[1]) for name in registry.REGISTRY}\n"
        "for name, d in registry.REGISTRY.items():\n"
        "    path = paths[name]\n"
        "    shape = data.load(name).X.shape if d.reader else ''\n"
        "    print(name, path.parent, path.stat().st_size, *shape, sep='\\t')\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run([str(installed["bin"] / "python"), "-c", script, str(installed["mirror"])], cwd=installed["work"],
                         env=installed["env"], capture_output=True, text=True, timeout=600)
    TIMINGS["fetch and load every dataset"] = time.perf_counter() - t0
    assert out.returncode == 0, out.stderr
    from artgen_lite import registry

    rows = {r[0]: r[1:] for r in (line.split("\t") for line in out.stdout.splitlines())}
    assert set(rows) == set(registry.REGISTRY)
    for name, (folder, size, *shape) in rows.items():
        assert folder == str(installed["cache"]) and int(size) == registry.REGISTRY[name].size, name
    shapes = {n: tuple(map(int, r[2:])) for n, r in rows.items() if registry.REGISTRY[n].reader}
    assert shapes["1000g_805"] == (5008, 805)
    assert shapes["yelmen_gan_805"] == shapes["yelmen_rbm_805"] == (5000, 805)
    assert shapes["eur_10k"] == (1004, 10_000)
    assert shapes["chr1_slice"][0] == shapes["lct"][0] == 5008
