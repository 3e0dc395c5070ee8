"""The book's API reference (book/api.md) lists every public module and name of the package, and
every public name can be linked to the chapter that explains it."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "book" / "api.md"
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import api_links  # noqa: E402  (book/_ext)
import api_page  # noqa: E402  (tools)

STEMS = api_links.chapter_stems(ROOT / "notebooks")
MODULES = [m for m in api_page.public_modules() if api_page.public_names(m)]


def _page() -> str:
    return PAGE.read_text()


def test_api_page_is_in_the_toc_and_the_book_loads_autodoc():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    assert re.search(r"^\s*- file: api\s*$", toc, re.M), "book/_toc.yml does not list the API page"
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["sphinx"]
    assert {"sphinx.ext.autodoc", "sphinx.ext.napoleon"} <= set(config["extra_extensions"])
    assert "api_links" in config["local_extensions"]


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_of_a_module_is_on_the_api_page(module):
    page = _page()
    assert f"### `{module}`" in page, f"{module} has no section on book/api.md: run python tools/api_page.py"
    missing = [n for n in api_page.public_names(module) if not re.search(rf"\b{re.escape(n)}\b", page)]
    assert not missing, f"{module}: {missing} missing from book/api.md: run python tools/api_page.py"


@pytest.mark.parametrize("package", ["artgen_lite.metrics", "artgen_lite.models", "artgen_lite.dna"])
def test_every_name_a_package_exports_is_on_the_api_page(package):
    page = _page()
    missing = [n for n in importlib.import_module(package).__all__ if not re.search(rf"\b{re.escape(n)}\b", page)]
    assert not missing, f"{package}.__all__ names missing from book/api.md: {missing}"


def test_api_page_is_what_the_generator_writes():
    assert api_page.render() == _page(), "book/api.md is out of date: run python tools/api_page.py"


# The model base class names no chapter yet (models/ has its own owner): its entries carry no link.
NO_CHAPTER_YET: set[str] = set()


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_names_its_chapter(module):
    """House rule: each public thing names the chapter that explains it (its own docstring, or its
    module's), which is where its API entry links to."""
    mod = importlib.import_module(module)
    names = [n for n in api_page.public_names(module) if callable(getattr(mod, n)) and n not in NO_CHAPTER_YET]
    lost = [n for n in names if api_links.chapter_of_object(f"{module}.{n}", getattr(mod, n), STEMS) is None]
    assert not lost, f"{module}: no chapter named in the docstring of {lost} nor of the module"


def test_chapter_finder_reads_the_ways_docstrings_name_a_chapter():
    assert api_links.chapter_of("Explained in the chapter (notebooks/03_judging_ags).", STEMS) == "03_judging_ags"
    assert api_links.chapter_of("as chapter 06 shows", STEMS) == "06_long_regions"
    assert api_links.chapter_of('(chapter "Restricted Boltzmann machines")', STEMS) == "04_restricted_boltzmann_machines"
    assert api_links.chapter_of("no chapter here, only 10 000 SNPs", STEMS) is None


# Every public module follows numpydoc: each public function documents its arguments and what it
# returns, and shows one runnable example (run as a doctest by `make test`).
NUMPYDOC_MODULES = MODULES

# The public functions without an example, each for a reason an example cannot get around cheaply.
NO_EXAMPLE = {
    "artgen_lite.data.dataset_path": "fetches a registry dataset (network or mirror)",
    "artgen_lite.data.load": "fetches a registry dataset (network or mirror)",
    "artgen_lite.data.load_or_simulate": "fetches a registry dataset before it falls back to a simulation",
    "artgen_lite.registry.get": "fetches a registry dataset (network or mirror)",
    "artgen_lite.registry.get_with_needs": "fetches registry datasets (network or mirror)",
    "artgen_lite.registry.load": "fetches a registry dataset (network or mirror)",
    "artgen_lite.dna.genome.load_genome": "fetches the registry's hg38 slice",
    "artgen_lite.dna.genome.load_genome_or_simulate": "fetches the registry's hg38 slice first",
    "artgen_lite.rdata_sources.cpg_islands_table": "needs an R file holding a Bioconductor GRanges object",
    "artgen_lite.rdata_sources.write_cpg_islands": "needs an R file holding a Bioconductor GRanges object",
    "artgen_lite.report.write_report": "draws six figures: seconds even on 20 haplotypes",
    "artgen_lite.demography_discriminator.discriminator_accuracy": "simulates with msprime and trains a network",
    "artgen_lite.demography_discriminator.accuracy_scan": "simulates with msprime and trains a network per value",
}


@pytest.mark.parametrize("module", NUMPYDOC_MODULES)
def test_public_functions_show_a_runnable_example(module):
    """Every public function of the module has an "Examples" section (doctests, run by `make test`),
    except the few of NO_EXAMPLE, which must still lack one (so the list cannot go stale)."""
    import inspect

    mod = importlib.import_module(module)
    lacking, stale = [], []
    for name in api_page.public_names(module):
        obj = getattr(mod, name)
        if not inspect.isfunction(obj) or obj.__module__ != module:
            continue
        has = re.search(r"^Examples\n-{8}$", inspect.getdoc(obj) or "", re.M) is not None
        exempt = f"{module}.{name}" in NO_EXAMPLE
        if not has and not exempt:
            lacking.append(name)
        if has and exempt:
            stale.append(name)
    assert not lacking, f"{module}: no Examples in {lacking}"
    assert not stale, f"{module}: {stale} have an example now; take them off NO_EXAMPLE"


@pytest.mark.parametrize("module", NUMPYDOC_MODULES)
def test_public_functions_have_numpydoc_parameters_and_returns(module):
    """Every public function of the module that takes arguments documents them under "Parameters",
    and every one that returns something has a "Returns" section."""
    import inspect

    mod = importlib.import_module(module)
    lacking = []
    for name in api_page.public_names(module):
        obj = getattr(mod, name)
        if not inspect.isfunction(obj) or obj.__module__ != module:
            continue
        doc = inspect.getdoc(obj) or ""
        params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
        returns_none = inspect.signature(obj).return_annotation in (None, "None")
        if params and not re.search(r"^Parameters\n-{10}$", doc, re.M):
            lacking.append(f"{name}: Parameters")
        if not returns_none and not re.search(r"^(Returns\n-{7}|Yields\n-{6})$", doc, re.M):
            lacking.append(f"{name}: Returns")
    assert not lacking, f"{module}: {lacking}"


def test_every_function_excused_from_an_example_exists():
    for dotted in NO_EXAMPLE:
        module, name = dotted.rsplit(".", 1)
        assert module in MODULES and name in api_page.public_names(module), dotted
