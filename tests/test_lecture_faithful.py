"""The book cites the lecture's slides by titles the lecture really has (issue 17).

The lecture's text (``../shared/reference/000_*.txt`` beside the repository) is the slides as plain
text, figures left out, one paragraph per line. It has no slide separators: a slide's title is a
short line of its own, and many slides share a title ("Model assessment", "Relevant research:",
"Applications") and are told apart by a subtitle line under it ("Allele frequencies", "Linkage
Disequilibrium (...)"). So the book cites a slide as ``"Title"`` or ``"Title – Subtitle"`` (an en
dash between the two), and a figure that has no slide behind it says "beyond the lecture".

A cited title exists when each of its parts is a line of the lecture after the clean-up of
:func:`normalise` (markdown emphasis, footnote marks and a trailing colon removed), or that line
without its trailing parenthesis ("Imputation (statistical inference ...)" is cited as
"Imputation"), or the first three or more words of a longer line; the subtitle must come after its
title, within :data:`SAME_SLIDE` lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
SAME_SLIDE = 30  # lines between a slide's title and the last subtitle of the same slide
DASH = " – "


def lecture_file() -> Path | None:
    found = sorted(REFERENCE.glob("000_*.txt")) if REFERENCE.is_dir() else []
    return found[0] if found else None


def normalise(line: str) -> str:
    """One lecture line or cited title, reduced to what a reader would type."""
    s = line.strip()
    s = re.sub(r"\^\{[^}]*\}", "", s)  # author affiliations, AA_{TS} written as LaTeX
    s = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", "", s)  # footnote marks
    s = s.replace("**", "").replace("*", "")
    s = re.sub(r"^(?:-|\d+\.)\s+", "", s)  # list markers
    s = re.sub(r"\s+", " ", s).strip().rstrip(":").strip()
    return s.casefold()


def lecture_lines(text: str) -> list[str]:
    """The lecture's non-empty lines, normalised, in order (blank lines dropped)."""
    return [n for n in (normalise(line) for line in text.splitlines()) if n]


def _variants(line: str) -> set[str]:
    out = {line}
    stripped = re.sub(r"\s*\([^()]*\)$", "", line).strip()
    if stripped:
        out.add(stripped)
    return out


def _part_at(part: str, lines: list[str]) -> list[int]:
    """Indices of the lecture lines that the cited part names."""
    p = normalise(part)
    hits = []
    for i, line in enumerate(lines):
        if p in _variants(line):
            hits.append(i)
        elif len(p.split()) >= 3 and line.startswith(p) and not line[len(p) : len(p) + 1].isalnum():
            hits.append(i)
    return hits


def title_exists(title: str, lines: list[str]) -> bool:
    """Whether "Title" or "Title – Subtitle – ..." names a slide of the lecture."""
    parts = title.split(DASH)
    starts = _part_at(parts[0], lines)
    for start in starts:
        at, ok = start, True
        for part in parts[1:]:
            nxt = [i for i in _part_at(part, lines) if at < i <= start + SAME_SLIDE]
            if not nxt:
                ok = False
                break
            at = nxt[0]
        if ok:
            return True
    return False


CITATION = re.compile(r'slides?\s+((?:"[^"]+"(?:\s*(?:,|and)\s*)?)+)', re.S)


def cited_titles(text: str) -> list[str]:
    """Every slide title a caption or index row cites: ``slide "A"``, ``slides "A", "B" and "C"``."""
    out = []
    for group in CITATION.findall(text):
        out += [re.sub(r"\s+", " ", t) for t in re.findall(r'"([^"]+)"', group)]
    return out


def captions(md_text: str) -> list[str]:
    return [re.sub(r"\s+", " ", c) for c in re.findall(r"caption:(.*?)\n    name:", md_text, re.S)]


def index_rows() -> list[str]:
    rows = (ROOT / "book" / "slide_figures.md").read_text().splitlines()
    return [r for r in rows if r.startswith("| ") and not r.startswith(("| Lecture slide", "| Figure |"))]


@pytest.fixture(scope="module")
def lines():
    path = lecture_file()
    if path is None:
        pytest.skip(f"the lecture text is not beside the repository (looked in {REFERENCE})")
    return lecture_lines(path.read_text())


def test_the_parser_finds_the_lectures_titles(lines):
    for title in [
        "Model assessment – Allele frequencies",
        "Model assessment – Linkage Disequilibrium",
        "Why study genomes? – PCA of 1000 Genomes data",
        "Restricted Boltzmann machine (RBM) – Rdm-k",
        "Relevant research – VAE for dimensionality reduction",
        "Uncertainty quantification – Distribution of output probabilities over epochs",
        "Closing remarks",
    ]:
        assert title_exists(title, lines), title


def test_the_parser_rejects_titles_the_lecture_does_not_have(lines):
    for title in [
        "CpG-island HMM decoding",
        "GAN training",
        "Out-of-equilibrium RBM - samples after exactly k steps",
        "Model assessment – Privacy",  # the slide says "Privacy Scores"; a lone word is no prefix
        "Applications – Linkage Disequilibrium",  # both exist, not on one slide
        "Model",
    ]:
        assert not title_exists(title, lines), title


def test_citations_are_read_from_a_caption():
    text = 'Left (lecture slides "A – B", "C" and "D"); right (lecture slide "E").'
    assert cited_titles(text) == ["A – B", "C", "D", "E"]


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_every_caption_cites_a_real_slide_or_says_it_goes_beyond(md, lines):
    for caption in captions(md.read_text()):
        titles = cited_titles(caption)
        beyond = "beyond the lecture" in caption.lower()
        assert titles or beyond, f"{md.name}: caption cites no slide and is not marked beyond the lecture: {caption[:90]!r}"
        for title in titles:
            assert title_exists(title, lines), f"{md.name}: no slide {title!r} in the lecture (caption {caption[:70]!r})"


def test_every_index_row_names_a_real_slide(lines):
    rows = index_rows()
    assert len(rows) >= 20
    for row in rows:
        first = row.split(" | ")[0]
        if "beyond the lecture" in first.lower():
            continue
        titles = cited_titles("slide " + first.lstrip("| ").strip())
        assert titles, f"slide_figures.md row does not quote a slide title: {row[:80]!r}"
        for title in titles:
            assert title_exists(title, lines), f"slide_figures.md: no slide {title!r} in the lecture"


def test_every_captioned_figure_of_a_chapter_is_in_the_slide_figure_index():
    """Each figure is listed once in book/slide_figures.md: under the slide it reproduces, or under
    'Beyond the lecture'."""
    index = (ROOT / "book" / "slide_figures.md").read_text()
    for md in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md")):
        for name in re.findall(r"^    name: (fig-[\w-]+)", md.read_text(), flags=re.M):
            assert f"{{ref}}`{name}`" in index, f"{md.name}: figure {name} is not in book/slide_figures.md"
