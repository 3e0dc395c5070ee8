"""House rules of the book: paired notebooks, the chapter template, citations, environment files."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
sys.path.insert(0, str(ROOT / "tools"))


def test_there_are_chapters():
    assert CHAPTERS, "no chapters in notebooks/"


def test_md_and_ipynb_pairs_are_in_sync():
    import notebooks as nbtools

    assert nbtools.check_pairs() == 0, "a chapter's .md and .ipynb drifted apart (see stderr)"


def test_pair_check_catches_drift(tmp_path, monkeypatch):
    import notebooks as nbtools

    src = CHAPTERS[0]
    (tmp_path / src.name).write_text(src.read_text())
    nb = jupytext.read(src)
    nb.cells[2].source += "\nx = 1"
    jupytext.write(nb, tmp_path / src.with_suffix(".ipynb").name)
    monkeypatch.setattr(nbtools, "NOTEBOOKS", tmp_path)
    assert nbtools.check_pairs() == 1


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_template(md):
    nb = jupytext.read(md)
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one parameters cell"
    assert re.search(r'^SCALE = "course"', params[0].source, re.M), "SCALE defaults to 'course'"
    assert re.search(r"^SEED = \d+", params[0].source, re.M)
    text = md.read_text()
    assert "What you will learn" in text and "What you need" in text
    assert "## Summary" in text
    exercises = re.findall(r"\{exercise\}", text)
    solutions = re.findall(r"\{solution(?:-start)?\}", text)
    assert len(exercises) >= 2 and len(solutions) >= len(exercises), "at least two exercises, each with a solution"
    assert "{cite" in text, "the chapter cites its papers"
    captions = re.findall(r"caption:(.*?)\n    name:", text, re.S)
    assert captions and all(
        "slide" in c or "beyond the lecture" in " ".join(c.lower().split()) for c in captions
    ), "every figure caption names the lecture slide or says it goes beyond the lecture"


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    for md in [*CHAPTERS, *(ROOT / "book").glob("*.md")]:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", md.read_text()):
            for key in group.split(","):
                assert key.strip() in keys, f"{md.name} cites {key!r}, which is not in references.bib"


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    for md in CHAPTERS:
        assert f"chapters/{md.stem}" in toc, f"{md.stem} is missing from book/_toc.yml"


def _names(specs):
    return {re.split(r"[<>=!~ \[]", s.strip(), maxsplit=1)[0].lower().replace("_", "-") for s in specs}


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"])
    for extra in ("dev", "book", "lab"):
        wanted |= _names(project["optional-dependencies"][extra])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = _names(d for d in env["dependencies"] if isinstance(d, str))
    conda = {"torch" if n == "pytorch" else n for n in conda} - {"python", "pip"}
    assert conda == wanted, f"only in environment.yml: {conda - wanted}; only in pyproject: {wanted - conda}"


def test_constraints_pin_torch():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    assert "torch==2.13.0" in lines


def test_progress_bar_redraws_are_collapsed_for_the_book():
    import notebooks as nbtools

    text = "RBM:  0%|   | 0/3\rRBM: 33%|#  | 1/3\rRBM: 100%|###| 3/3\ndone\n"
    assert nbtools.collapse_carriage_returns(text) == "RBM: 100%|###| 3/3\ndone\n"


# --- The book at a student's desk: install cell, hidden plumbing, glossary, cache, status -------

def _nbtools():
    import notebooks as nbtools

    return nbtools


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_first_code_cell_installs_outside_the_repository(md):
    nbtools = _nbtools()
    nb = jupytext.read(md)
    first = next(c for c in nb.cells if c.cell_type == "code")
    tags = first.metadata.get("tags", [])
    assert nbtools.INSTALL_TAG in tags, f"{md.name}: the first code cell is not the install cell"
    assert {"remove-input", "hide-input"} & set(tags), f"{md.name}: the install cell shows on the page"
    wanted = nbtools.install_cell_source(nbtools.repository_url(), nbtools.chapter_datasets(nb, nbtools.registry_names()))
    assert first.source == wanted, (
        f"{md.name}: the install cell is stale (repository URL or the chapter's datasets changed); "
        "run: python tools/notebooks.py install-cells && jupytext --sync notebooks/*.md")


def _run_install_cell(source: str, cwd: Path, fake_clone: bool):
    """Run an install cell in a bare interpreter (-S: no site-packages, so no artgen_lite), with
    subprocess.run replaced by a recorder that fakes `git clone` with a tiny artgen_lite."""
    import json
    import subprocess

    harness = f'''
import json, os, subprocess, sys
from pathlib import Path
calls = []
def fake_run(cmd, check=False):
    calls.append([str(c) for c in cmd])
    if cmd[:2] == ["git", "clone"] and {fake_clone!r}:
        pkg = Path(cmd[-1]) / "artgen_lite"
        (Path(cmd[-1]) / "notebooks").mkdir(parents=True)
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        (pkg / "data.py").write_text("def dataset_path(name):\\n    return 'cache/' + name\\n")
subprocess.run = fake_run
exec(compile({source!r}, "install-cell", "exec"))
print(json.dumps({{"calls": calls, "cwd": os.getcwd()}}))
'''
    env = {"HOME": str(cwd / "home"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-S", "-c", harness], cwd=cwd, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stdout


def test_install_cell_does_nothing_inside_the_repository(tmp_path):
    """Inside a clone where artgen_lite imports, the cell runs no command and stays where it is."""
    import subprocess

    nbtools = _nbtools()
    source = nbtools.install_cell_source("https://github.com/x/y", ["1000g_805"])
    code = f"import subprocess, os\nsubprocess.run = None\nexec(compile({source!r}, 'c', 'exec'))\nprint(os.getcwd())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "notebooks", capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(ROOT / "notebooks")


def test_install_cell_clones_installs_and_fetches_outside_the_repository(tmp_path):
    nbtools = _nbtools()
    url = "https://github.com/artgen-lite/artgen-lite"
    source = nbtools.install_cell_source(url, ["1000g_805", "panel"])
    (tmp_path / "home").mkdir()
    result, stdout = _run_install_cell(source, tmp_path, fake_clone=True)
    clone = str(tmp_path / "home" / "artgen-lite")
    assert result["calls"][0] == ["git", "clone", "--depth", "1", url, clone]
    assert result["calls"][1][-5:] == ["install", "-q", "-e", clone, "myst-nb"]
    assert result["cwd"] == clone + "/notebooks"
    assert "1000g_805 -> cache/1000g_805" in stdout and "panel -> cache/panel" in stdout


def test_install_cell_uses_an_existing_clone_that_is_not_installed(tmp_path):
    """Binder: the notebook runs inside a clone whose package is not installed yet: no second clone."""
    nbtools = _nbtools()
    (tmp_path / "home").mkdir()
    (tmp_path / "repo" / "notebooks").mkdir(parents=True)
    (tmp_path / "repo" / "artgen_lite").mkdir()
    (tmp_path / "repo" / "artgen_lite" / "__init__.py").write_text("")
    (tmp_path / "repo" / "artgen_lite" / "data.py").write_text("def dataset_path(name):\n    return name\n")
    source = nbtools.install_cell_source("https://github.com/x/y", ["lct"])
    import subprocess

    harness = (f"import subprocess, json, os\ncalls = []\nsubprocess.run = lambda cmd, check=False: calls.append(cmd)\n"
               f"exec(compile({source!r}, 'c', 'exec'))\nprint(json.dumps(calls))")
    out = subprocess.run([sys.executable, "-S", "-c", harness], cwd=tmp_path / "repo" / "notebooks",
                         capture_output=True, text=True, env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    import json

    calls = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(calls) == 1 and calls[0][-3:] == ["-e", str(tmp_path / "repo"), "myst-nb"], calls


def test_repository_url_is_set_once_and_drives_the_launch_buttons():
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), "repository.url must be a GitHub URL"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["repository"]["path_to_book"] == "notebooks", "launch links must point at notebooks/*.ipynb"
    others = [p for p in [*ROOT.glob("book/*.md"), ROOT / "Makefile", *ROOT.glob("tools/*.py")] if url in p.read_text()]
    assert not others, f"the repository URL is typed again in {others}; take it from book/_config.yml"


def _cell(source, tags=()):
    from nbformat.v4 import new_code_cell

    return new_code_cell(source, metadata={"tags": list(tags)})


def test_plumbing_heuristic_flags_plots_and_glue_but_not_ideas():
    from nbformat.v4 import new_markdown_cell, new_notebook

    nbtools = _nbtools()
    nb = new_notebook(cells=[
        _cell("x = np.arange(3)\nglue('n', 3, display=False)"),              # 0 computes x: shown
        _cell("fig, ax = plt.subplots()\nax.plot(x)\nplt.show()"),           # 1 figure only
        _cell("y = x ** 2\nfig, ax = plt.subplots()\nplt.show()"),           # 2 y is read below: shown
        _cell("glue('a', y.sum(), display=False)\nfor i in x:\n    glue(f'b{i}', i, display=False)"),  # 3
        _cell("glue('c', 1)"),                                              # 4 glue that displays
        new_markdown_cell(":::{solution-start} ex\n:::"),
        _cell("fig, ax = plt.subplots()\nax.plot(y)\nplt.show()"),           # 6 a solution: shown
        new_markdown_cell(":::{solution-end}\n:::"),
        _cell("def draw(ax):\n    ax.plot(y)"),                            # 8 plot helper
        _cell("print(y)"),
    ])
    assert nbtools.plumbing(nb) == {1: "hide-input", 3: "remove-input", 4: "hide-input", 8: "hide-input"}


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_plotting_and_glue_cells_are_hidden(md):
    """Every cell the heuristic of tools/notebooks.py (figure-only, glue-only, plot helper) picks out
    carries hide-input or remove-input, so the page reads as prose plus the idea-in-numpy cells."""
    nbtools = _nbtools()
    nb = jupytext.read(md)
    missing = [(i, nb.cells[i].source.splitlines()[0][:60]) for i, tag in nbtools.plumbing(nb).items()
               if not nbtools.HIDDEN & set(nb.cells[i].metadata.get("tags", []))]
    assert not missing, f"{md.name}: untagged plotting/glue cells {missing}; run: python tools/notebooks.py tag-cells"


def test_instructor_page_covers_every_chapter_and_every_exercise():
    """The instructor page's table has a row for each chapter and its level lists name every exercise."""
    text = (ROOT / "book" / "instructor.md").read_text()
    for md in CHAPTERS:
        assert f"{{doc}}`chapters/{md.stem}` |" in text, f"book/instructor.md has no row for {md.stem}"
        for label in re.findall(r"^:label: (ex-[\w-]+)", md.read_text(), flags=re.M):
            assert f"{{ref}}`{label}`" in text, f"book/instructor.md does not place exercise {label} ({md.name})"


def test_glossary_defines_the_recurring_terms_and_every_chapter_links_to_it():
    text = (ROOT / "book" / "glossary.md").read_text()
    body = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    terms = {ln.strip().lower() for ln in body.splitlines() if ln.strip() and not ln.startswith(" ")}
    for t in ("aats", "aa_truth", "aa_syn", "ld", "r²", "maf", "af", "haplotype", "snp", "elbo", "kl", "pbs",
              "xp-ehh", "ihs", "epsilon (dp)", "privacy loss", "membership inference", "rbm", "crbm", "gan",
              "wgan-gp", "vae", "pca", "li-stephens"):
        assert t in terms, f"the glossary lacks {t!r}"
    for md in CHAPTERS:
        links = re.findall(r"\{term\}`([^`]+)`", md.read_text())
        assert len(links) >= 1, f"{md.name} links no glossary term"
        for link in links:
            target = re.sub(r"^.*<(.+)>$", r"\1", link).strip().lower()
            assert target in terms, f"{md.name}: {{term}}`{link}` is not in book/glossary.md"


def test_execution_cache_reruns_only_what_changed(tmp_path, monkeypatch):
    import json

    import papermill

    nbtools = _nbtools()
    src = tmp_path / "src"
    src.mkdir()
    nb_path = src / "01_x.ipynb"
    jupytext.write(jupytext.reads("```{code-cell} ipython3\nSCALE = 'course'\n```\n", fmt="md:myst"), nb_path)
    runs = []

    def fake_execute(inp, out, **kw):
        runs.append((Path(inp).name, kw["parameters"]))
        Path(out).write_text(Path(inp).read_text())

    monkeypatch.setattr(papermill, "execute_notebook", fake_execute)
    monkeypatch.setattr(nbtools, "NOTEBOOKS", src)
    cache, out = tmp_path / "cache", tmp_path / "out"
    nbtools.run_papermill("smoke", out, None, prepare_only=False, cache=cache)
    nbtools.run_papermill("smoke", out, None, prepare_only=False, cache=cache)
    assert len(runs) == 1, "an unchanged chapter was executed twice"
    status = json.loads((out / nbtools.STATUS_JSON).read_text())
    assert [r["cached"] for r in status["chapters"]] == [True]
    assert status["chapters"][0]["scale"] == "smoke" and set(status["versions"]) == set(nbtools.VERSIONED)
    nbtools.run_papermill("course", out, None, prepare_only=False, cache=cache)  # another scale
    nbtools.run_papermill("smoke", out, None, prepare_only=False, seed=3, cache=cache)  # another seed
    nb_path.write_text(nb_path.read_text().replace("course", "paper"))  # the chapter changed
    nbtools.run_papermill("smoke", out, None, prepare_only=False, cache=cache)
    assert len(runs) == 4 and runs[2][1] == {"SCALE": "smoke", "SEED": 3}


def test_chapters_run_side_by_side_and_a_failing_one_fails_the_build_after_the_others(tmp_path, monkeypatch):
    """``make book`` runs chapters in parallel (``--jobs``): each kernel gets its share of the cores,
    every chapter that ran is cached, and one that raises still fails the run (naming it)."""
    import json

    nbtools = _nbtools()
    src = tmp_path / "src"
    src.mkdir()
    cell = "```{code-cell} ipython3\n%s\n```\n"
    for name, code in [("01_ok", "import os\nSCALE = 'course'\nprint(os.environ['OMP_NUM_THREADS'])"),
                       ("02_ok", "SCALE = 'course'"), ("03_bad", "SCALE = 'course'\nraise ValueError('boom')")]:
        nb = jupytext.reads(cell % code, fmt="md:myst")
        nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
        jupytext.write(nb, src / f"{name}.ipynb")
    monkeypatch.setattr(nbtools, "NOTEBOOKS", src)
    monkeypatch.setattr(nbtools.os, "cpu_count", lambda: 4)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    cache, out = tmp_path / "cache", tmp_path / "out"
    with pytest.raises(Exception, match="boom"):
        nbtools.run_papermill("smoke", out, None, prepare_only=False, cache=cache, jobs=2)
    cached = sorted(m.name.split("-")[0] for m in cache.glob("*.json"))
    assert cached == ["01_ok", "02_ok"]
    record = json.loads(next(cache.glob("01_ok-*.json")).read_text())
    assert record["threads"] == "2" and record["cached"] is False
    # the kernel saw its share of the cores
    cells = json.loads((out / "01_ok.ipynb").read_text())["cells"]
    printed = ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])]
    assert printed == ["2\n"]


def test_status_page_lists_each_chapter_with_scale_time_and_versions():
    nbtools = _nbtools()
    status = {"written": "2026-01-02T03:04:05+00:00", "versions": {"numpy": "2.4.6", "torch": "2.13.0"},
              "chapters": [
                  {"chapter": "01_x", "scale": "course", "seconds": 65.2, "executed_at": "2026-01-01T00:00:00+00:00",
                   "cached": True, "versions": {"numpy": "2.4.6", "torch": "2.13.0"}},
                  {"chapter": "02_y", "scale": "course", "seconds": 120.0, "executed_at": "2026-01-02T00:00:00+00:00",
                   "cached": False, "versions": {"numpy": "2.4.5", "torch": "2.13.0"}}]}
    page = nbtools.status_page(status, ["01_x", "02_y"])
    assert "| {doc}`chapters/01_x` | course | 2026-01-01T00:00:00+00:00 | cached | 65 | all |" in page
    assert "| {doc}`chapters/02_y` | course | 2026-01-02T00:00:00+00:00 | executed | 120 | all |" in page
    assert "numpy 2.4.6, torch 2.13.0" in page and "3.1 minutes" in page
    assert "other versions of: numpy" in page
    assert "No execution record" in nbtools.status_page(None, [])


def test_staging_rewrites_only_changed_files(tmp_path):
    nbtools = _nbtools()
    src, dest = tmp_path / "a", tmp_path / "b"
    (src / "d").mkdir(parents=True)
    (src / "d" / "same.txt").write_text("same")
    (src / "new.txt").write_text("v1")
    assert nbtools._sync_tree(src, dest) == 2
    (dest / "stale.txt").write_text("old")
    (src / "new.txt").write_text("v2")
    assert nbtools._sync_tree(src, dest) == 1
    assert (dest / "new.txt").read_text() == "v2" and not (dest / "stale.txt").exists()


def test_make_lab_opens_markdown_chapters_as_notebooks():
    import json

    settings = ROOT / "tools" / "lab-settings" / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    body = "\n".join(ln for ln in settings.read_text().splitlines() if not ln.strip().startswith("//"))
    viewers = json.loads(body)["defaultViewers"]
    assert viewers["markdown"] == viewers["myst"] == "Jupytext Notebook"
    assert "JUPYTERLAB_SETTINGS_DIR" in (ROOT / "Makefile").read_text()


def test_a_chapter_that_reuses_anothers_models_starts_only_after_it(tmp_path, monkeypatch):
    """Chapter 06b loads the fits chapter 06 caches; run side by side it must wait for 06 to finish
    (started beside it, it would train the five models again), while other chapters fill the slot."""
    nbtools = _nbtools()
    assert nbtools.RUNS_AFTER["06_long_regions_judging"] == "06_long_regions"
    src = tmp_path / "src"
    src.mkdir()
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    cell = "```{code-cell} ipython3\nSCALE = 'course'\nimport time, pathlib\n%s\n```\n"
    code = {"01_first": f"time.sleep(3)\npathlib.Path({str(stamps / 'first_end')!r}).write_text(str(time.time()))",
            "02_after": f"pathlib.Path({str(stamps / 'after_start')!r}).write_text(str(time.time()))",
            "03_other": f"pathlib.Path({str(stamps / 'other_start')!r}).write_text(str(time.time()))"}
    for name, body in code.items():
        nb = jupytext.reads(cell % body, fmt="md:myst")
        nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
        jupytext.write(nb, src / f"{name}.ipynb")
    monkeypatch.setattr(nbtools, "NOTEBOOKS", src)
    monkeypatch.setattr(nbtools, "RUNS_AFTER", {"02_after": "01_first"})
    monkeypatch.setattr(nbtools, "COURSE_SECONDS", {"02": 100})  # the dependent one is the longest
    nbtools.run_papermill("smoke", tmp_path / "out", None, prepare_only=False, cache=None, jobs=2)
    first_end, after_start, other_start = (float((stamps / n).read_text())
                                           for n in ("first_end", "after_start", "other_start"))
    assert after_start >= first_end, "the dependent chapter started before its prerequisite finished"
    assert other_start < first_end, "the free slot was not given to the independent chapter"
    # one at a time the order also respects it
    for f in stamps.iterdir():
        f.unlink()
    nbtools.run_papermill("smoke", tmp_path / "out1", None, prepare_only=False, cache=None, jobs=1)
    assert float((stamps / "after_start").read_text()) >= float((stamps / "first_end").read_text())


def test_a_whole_chapter_name_selects_that_chapter_only(tmp_path, monkeypatch):
    nbtools = _nbtools()
    for stem in ("06_long_regions", "06_long_regions_judging", "12_uncertainty"):
        (tmp_path / f"{stem}.ipynb").write_text("{}")
    monkeypatch.setattr(nbtools, "NOTEBOOKS", tmp_path)
    assert [p.stem for p in nbtools.chapters(["06_long_regions"])] == ["06_long_regions"]
    assert [p.stem for p in nbtools.chapters(["06_long_regions.md", "12"])] == ["06_long_regions", "12_uncertainty"]
    assert [p.stem for p in nbtools.chapters(["06"])] == ["06_long_regions", "06_long_regions_judging"]
    with pytest.raises(SystemExit, match="no chapters"):
        nbtools.chapters(["99"])
