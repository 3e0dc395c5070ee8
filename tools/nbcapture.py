"""A pytest plugin that saves the outputs nbval produced, so each chapter runs once in ``make test``.

nbval runs every cell and compares nothing in ``--nbval-lax`` mode, but it keeps each cell's outputs
on the test item. This plugin copies them back into the notebook and writes it to
``$ARTGEN_NBCAPTURE_DIR`` at the end of the session; the strict book build then uses these executed
notebooks instead of running the chapters a second time. Used as ``pytest -p nbcapture`` with
``tools/`` on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

_notebooks: dict[Path, object] = {}


def pytest_runtest_makereport(item, call):
    if call.when != "call" or not hasattr(item, "test_outputs") or not hasattr(item, "cell"):
        return
    parent = item.parent
    nb_path = Path(str(parent.fspath))
    nb = _notebooks.setdefault(nb_path, {"nb": None, "count": 0})
    if nb["nb"] is None:
        nb["nb"] = parent.nb
    nb["count"] += 1
    item.cell.outputs = list(item.test_outputs or [])
    item.cell.execution_count = nb["count"]


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("ARTGEN_NBCAPTURE_DIR")
    if not out or not _notebooks:
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    for path, rec in _notebooks.items():
        if rec["nb"] is not None:
            nbformat.write(rec["nb"], str(Path(out) / path.name))
