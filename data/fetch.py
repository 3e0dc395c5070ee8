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


def info_lines() -> list[str]:
    """Licence, citation, sources and note of every dataset, as printable lines."""
    out = []
    for d in REGISTRY.values():
        out += [f"{d.name}: {d.title}", f"  licence: {d.licence}", f"  cite: {d.citation}"]
        out += [f"  url: {s.where}" for s in d.urls]
        out.append(f"  mirror path: {d.mirror.where}")
        if d.note:
            out.append(f"  note: {d.note}")
    return out


def main(argv=None, prog: str = "python data/fetch.py") -> int:
    """The command line (``list``, ``get NAME...``, ``all``, ``info``); returns the exit code: 0, or
    1 when a dataset could not be had (each failure is printed on stderr)."""
    import argparse

    p = argparse.ArgumentParser(prog=prog, description="Get the datasets of the artgen-lite book.")
    p.add_argument("--mirror", help="a local folder laid out as the registry's mirror paths, tried before the network")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="list the datasets")
    g = sub.add_parser("get", help="get one or more datasets")
    g.add_argument("names", nargs="+")
    sub.add_parser("all", help="get every dataset")
    sub.add_parser("info", help="licence, citation and origin of each dataset")
    args = p.parse_args(argv)
    if args.cmd == "list":
        for name, here, title in list_datasets():
            print(f"{name:20s} {here:7s} {title}")
        return 0
    if args.cmd == "info":
        print("\n".join(info_lines()))
        return 0
    names = list(REGISTRY) if args.cmd == "all" else args.names
    failed = 0
    for name in names:
        try:
            get(name, mirror=args.mirror, quiet=False)
        except (KeyError, FetchError) as exc:
            print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
