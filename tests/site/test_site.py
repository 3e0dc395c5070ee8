"""The built website, as a reader's browser shows it: theme, images and rendered math.

Run by `make test` after the strict book build, with ARTGEN_SITE pointing at the HTML folder.
A headless Chromium loads a chapter page, lets MathJax run, and the test reads the resulting DOM and
a screenshot. Without a Chromium binary the test is skipped with that reason.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

SITE = Path(os.environ.get("ARTGEN_SITE", "build/smoke/_build/html"))
CHAPTER = "chapters/01_dna_to_genotypes.html"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=15000", "--window-size=1280,2400",
]


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def page():
    if not (SITE / CHAPTER).exists():
        pytest.fail(f"{SITE / CHAPTER} was not built (run `make book-smoke` first)")
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium binary found (apt-get install chromium); the site screenshot check needs one")
    out = Path(tempfile.mkdtemp(prefix="artgen-site-"))
    url = (SITE / CHAPTER).resolve().as_uri()
    common = [browser, *FLAGS, f"--user-data-dir={out / 'profile'}"]
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    subprocess.run([*common, f"--screenshot={out / 'page.png'}", url], capture_output=True, timeout=120)
    return dom, out / "page.png"


def test_intro_page_exists():
    assert (SITE / "intro.html").exists()


def test_page_has_book_theme(page):
    dom, _ = page
    assert "sphinx-book-theme" in dom or "bd-sidebar" in dom, "the sphinx-book-theme markup is missing"


def test_page_shows_figures_with_captions(page):
    dom, _ = page
    images = re.findall(r"<img [^>]*src=\"([^\"]+\.png)\"", dom)
    assert len(images) >= 4, f"expected the chapter's figures, found {len(images)} PNG images"
    for src in images:
        assert (SITE / "chapters" / src).resolve().exists(), f"image {src} is referenced but missing"
    assert "PCA of 1000 Genomes data" in dom, "the PCA figure caption naming its lecture slide is missing"


def test_math_is_rendered_offline(page):
    dom, _ = page
    assert "mjx-container" in dom, "MathJax did not typeset the page (math would show as raw TeX)"
    assert 'src="../_static/mathjax/tex-chtml.js"' in dom or "_static/mathjax/tex-chtml.js" in dom, \
        "MathJax is not served from the book's own _static folder"


def test_screenshot_is_not_blank(page):
    from PIL import Image

    _, png = page
    assert png.exists(), "Chromium wrote no screenshot"
    img = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert img.shape[0] > 500 and img.std() > 10, "the screenshot is blank"


def _chapter_pages():
    pages = sorted((SITE / "chapters").glob("[0-9][0-9]_*.html"))
    assert pages, f"no chapter pages in {SITE / 'chapters'}"
    return pages


def test_every_chapter_page_has_colab_and_binder_buttons():
    """The launch links open the chapter's committed notebook, notebooks/NN_topic.ipynb, on main."""
    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parents[2] / "book" / "_config.yml").read_text())
    org_repo = config["repository"]["url"].removeprefix("https://github.com/")
    for page in _chapter_pages():
        html = page.read_text()
        nb = f"notebooks/{page.stem}.ipynb"
        colab = f"https://colab.research.google.com/github/{org_repo}/blob/main/{nb}"
        binder = f"https://mybinder.org/v2/gh/{org_repo}/main?urlpath=lab/tree/{nb}"
        assert colab in html, f"{page.name}: no Colab button to {colab}"
        assert binder in html, f"{page.name}: no Binder button to {binder}"


def test_status_glossary_and_instructor_pages_are_built():
    status = (SITE / "status.html").read_text()
    for page in _chapter_pages():
        assert f'href="chapters/{page.name}"' in status, f"the status page does not list {page.stem}"
    assert re.search(r"numpy \d", status) and re.search(r"torch \d", status), "package versions are missing"
    glossary = (SITE / "glossary.html").read_text()
    assert 'id="term-AATS"' in glossary
    assert "4-session" in (SITE / "instructor.html").read_text() or "four-session" in (SITE / "instructor.html").read_text()


def test_plotting_code_is_behind_a_toggle():
    html = (SITE / CHAPTER).read_text()
    assert "tag_hide-input" in html, "no cell of the chapter hides its input behind a toggle"
    assert "Outside the course repository" not in html, "the install cell's code shows on the page"


def test_api_page_links_its_entries_to_the_chapters_and_back():
    """The API reference documents the package (autodoc ran), every entry's chapter link points at a
    built chapter page, and the glossary links back to the API page."""
    html = (SITE / "api.html").read_text()
    assert 'id="artgen_lite.metrics.privacy.aats"' in html, "autodoc did not document artgen_lite.metrics.privacy.aats"
    links = re.findall(r'Explained in: <a class="reference internal" href="(chapters/[0-9]{2}_[a-z_]+\.html)', html)
    assert len(links) >= 200, f"only {len(links)} API entries link to a chapter"
    for href in set(links):
        assert (SITE / href).exists(), f"the API page links to {href}, which was not built"
    assert 'href="api.html' in (SITE / "glossary.html").read_text(), "the glossary does not link to the API page"
