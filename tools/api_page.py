"""Write the book's API reference page (book/api.md) from the package's modules and their ``__all__``.

    python tools/api_page.py            # rewrite book/api.md
    python tools/api_page.py --check    # exit 1 if book/api.md differs from what would be written

Each module gets a section: an autosummary table of every name in its ``__all__`` (one line each,
linking to the entry below), then its docstring and every entry (autodoc). The chapter that explains
each entry is linked by the book's ``api_links`` extension (book/_ext/api_links.py).
tests/test_api_page.py checks that no public name of the package is missing from the page.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "book" / "api.md"

# (part title, modules) in the order of the book; packages show their docstring only, their
# names are documented in the submodule that defines them.
PARTS = [
    ("The package", ["artgen_lite", "artgen_lite.scales"]),
    ("Data: haplotypes, files, checks", ["artgen_lite.data", "artgen_lite.data_files", "artgen_lite.vcf",
                                         "artgen_lite.registry", "artgen_lite.rdata_sources",
                                         "artgen_lite.validation", "artgen_lite.atomic"]),
    ("Hidden Markov models", ["artgen_lite.hmm", "artgen_lite.hmm_recursions", "artgen_lite.hmm_dna_models",
                             "artgen_lite.hmm_intervals"]),
    ("Judging artificial genomes: metrics", ["artgen_lite.metrics"]),
    ("Generative models of haplotypes", ["artgen_lite.models", "artgen_lite.long_regions"]),
    ("DNA: sequences, design, language models", ["artgen_lite.dna"]),
    ("Applications", ["artgen_lite.imputation", "artgen_lite.imputation_scores", "artgen_lite.selection",
                      "artgen_lite.gwas",
                      "artgen_lite.demography_inference", "artgen_lite.demography_simulation",
                      "artgen_lite.demography_discriminator"]),
    ("Uncertainty and privacy", ["artgen_lite.uncertainty", "artgen_lite.dp_accounting"]),
    ("Figures, reports and the command line", ["artgen_lite.plots", "artgen_lite.report", "artgen_lite.cli"]),
]


def public_modules() -> list[str]:
    """Every module of the package whose dotted name has no part starting with ``_``."""
    import artgen_lite

    names = ["artgen_lite"]
    for info in pkgutil.walk_packages(artgen_lite.__path__, "artgen_lite."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


def public_names(module_name: str) -> list[str]:
    """A module's ``__all__``, or the public functions and classes it defines when it has none."""
    mod = importlib.import_module(module_name)
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    return sorted(n for n, v in vars(mod).items() if not n.startswith("_")
                  and (inspect.isfunction(v) or inspect.isclass(v)) and v.__module__ == module_name)


def _is_package(module_name: str) -> bool:
    return hasattr(importlib.import_module(module_name), "__path__")


def _ordered_modules() -> list[str]:
    listed = []
    for _, mods in PARTS:
        for m in mods:
            listed.append(m)
            if _is_package(m) and m != "artgen_lite":
                listed += [s for s in public_modules() if s.startswith(m + ".") and public_names(s)]
    return listed


def _section(module_name: str) -> str:
    mod = importlib.import_module(module_name)
    heading = f"### `{module_name}`\n\n"
    if _is_package(module_name):
        return heading + f"```{{eval-rst}}\n.. automodule:: {module_name}\n   :no-members:\n```\n"
    names = public_names(module_name)
    home = {n: getattr(getattr(mod, n), "__module__", module_name) for n in names}
    elsewhere = [n for n in names if home[n] != module_name and home[n].startswith("artgen_lite")]
    own = [n for n in names if n not in elsewhere]
    data = [n for n in own if not (inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n)))]
    lines = ["```{eval-rst}", f".. currentmodule:: {module_name}", "", ".. autosummary::", "   :nosignatures:", ""]
    lines += [f"   {n}" for n in own]
    if elsewhere:
        links = ", ".join(f":obj:`{home[n]}.{n}`" for n in elsewhere)
        lines += ["", f"Also importable from here: {links}."]
    lines += ["", f".. automodule:: {module_name}", "   :members:"]
    if data or elsewhere:
        lines.append(f"   :exclude-members: {', '.join(data + elsewhere)}")
    for n in data:
        lines += ["", f".. autodata:: {n}", "   :no-value:"]
    lines.append("```")
    return heading + "\n".join(lines) + "\n"


HEADER = """\
# API reference

Every public module and name of the `artgen_lite` package, generated from the docstrings
(`python tools/api_page.py` writes this page). Each entry ends with a link to the chapter that
explains it; the chapters say what each function is *for*, this page says how to call it.
Terms used here are defined in the {doc}`glossary`. The examples in the docstrings assume `import numpy as np`, as numpy's own do, and run as doctests
in `make test`.
"""


def render() -> str:
    parts = [HEADER]
    for title, mods in PARTS:
        parts.append(f"## {title}\n")
        for m in mods:
            parts.append(_section(m))
            if _is_package(m) and m != "artgen_lite":
                for sub in (s for s in public_modules() if s.startswith(m + ".") and public_names(s)):
                    parts.append(_section(sub))
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    text = render()
    if "--check" in argv:
        if PAGE.read_text() != text:
            print(f"{PAGE} is out of date: run python tools/api_page.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text)
    print(f"wrote {PAGE} ({len(_ordered_modules())} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
