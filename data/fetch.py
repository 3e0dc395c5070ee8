#!/usr/bin/env python3
"""Get the datasets of the artgen-lite course book, before the course environment exists.

Usage::

    python data/fetch.py list               # what is in the registry, and what is already here
    python data/fetch.py get 1000g_805      # one dataset
    python data/fetch.py all                # everything
    python data/fetch.py all --mirror DIR   # copy from a local mirror folder instead of downloading
    python data/fetch.py info               # licence, citation and origin of each file

A standard-library-only shim: the registry and the fetcher live in the package
(``artgen_lite/registry.py``, also behind ``artgen list`` / ``artgen fetch`` once installed); this
file loads that module by its path, so it needs neither numpy nor an installed package. Files land
in ``data/cache/`` of the clone (or ``$ARTGEN_DATA_CACHE`` / ``$ARTGEN_CACHE``).

Three datasets -- ``lct``, ``cpg_chr2_slice`` and ``genes_b38`` -- are converted from public R data
files (``artgen_lite/rdata_sources.py``), which needs numpy, pandas and ``rdata``: with the course
environment this script derives them too; with the standard library alone it copies them from a
mirror (``--mirror DIR``) and otherwise says what to install.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_REGISTRY_FILE = Path(__file__).resolve().parent.parent / "artgen_lite" / "registry.py"


def _registry():
    """The package's registry module: the imported one if there is one, else loaded from its file."""
    if "artgen_lite.registry" in sys.modules:
        return sys.modules["artgen_lite.registry"]
    if "artgen_registry_standalone" in sys.modules:
        return sys.modules["artgen_registry_standalone"]
    spec = importlib.util.spec_from_file_location("artgen_registry_standalone", _REGISTRY_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["artgen_registry_standalone"] = module
    spec.loader.exec_module(module)
    return module


_r = _registry()
REGISTRY = _r.REGISTRY
FetchError = _r.FetchError
get = _r.get
list_datasets = _r.list_datasets

if __name__ == "__main__":
    sys.exit(_r.main(prog="python data/fetch.py"))
