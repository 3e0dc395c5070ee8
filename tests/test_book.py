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
