"""A pytest plugin that saves the outputs nbval produced, so each chapter runs once in ``make test``.

nbval runs every cell and compares nothing in ``--nbval-lax`` mode, but it keeps each cell's outputs
on the test item. This plugin copies them back into the notebook and writes it to
``$ARTGEN_NBCAPTURE_DIR`` at the end of the session; the strict book build then uses these executed
notebooks instead of running the chapters a second time. Used as ``pytest -p nbcapture`` with
``tools/`` on ``PYTHONPATH``. It also writes ``execution.json`` there (each chapter's execution time,
the scale, date and package versions), from which ``tools/notebooks.py stage`` makes the status page.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
from pathlib import Path

import nbformat

_notebooks: dict[Path, object] = {}


def pytest_runtest_makereport(item, call):
    if call.when != "call" or not hasattr(item, "test_outputs") or not hasattr(item, "cell"):
        return
    parent = item.parent
    nb_path = Path(str(parent.fspath))
    nb = _notebooks.setdefault(nb_path, {"nb": None, "count": 0, "seconds": 0.0, "start": None})
    if nb["nb"] is None:
        nb["nb"] = parent.nb
    nb["count"] += 1
    nb["seconds"] += call.duration
    nb["start"] = nb["start"] or dt.datetime.fromtimestamp(call.start, dt.timezone.utc)
    item.cell.outputs = list(item.test_outputs or [])
    item.cell.execution_count = nb["count"]


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("ARTGEN_NBCAPTURE_DIR")
    if not out or not _notebooks:
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    records = []
    for path, rec in _notebooks.items():
        if rec["nb"] is not None:
            nbformat.write(rec["nb"], str(Path(out) / path.name))
            records.append({
                "chapter": path.stem, "scale": _scale(rec["nb"]), "seed": None,
                "seconds": round(rec["seconds"], 1), "cached": False,
                "executed_at": rec["start"].isoformat(timespec="seconds") if rec["start"] else None,
            })
    tools = _notebooks_module()
    for r in records:
        r["versions"] = tools.package_versions()
    tools.write_status(Path(out), sorted(records, key=lambda r: r["chapter"]))


def _scale(nb) -> str | None:
    """The SCALE papermill injected (the cell tagged injected-parameters), else the default."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "injected-parameters" in cell.metadata.get("tags", []):
            m = re.search(r"^SCALE = [\"'](\w+)[\"']", cell.source, re.M)
            if m:
                return m.group(1)
    return None


def _notebooks_module():
    spec = importlib.util.spec_from_file_location("artgen_book_tools", Path(__file__).with_name("notebooks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
