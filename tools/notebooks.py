#!/usr/bin/env python3
"""Run, prepare and stage the book's chapters (called by the Makefile).

    python tools/notebooks.py execute --scale course --out build/course/notebooks
    python tools/notebooks.py prepare --scale smoke --out build/smoke/notebooks
    python tools/notebooks.py stage --notebooks build/course/notebooks --out build/course/src
    python tools/notebooks.py check-pairs

Chapters are the ``notebooks/NN_topic.ipynb`` files (kept in sync with their ``.md`` sources by
jupytext). ``execute`` runs each once with papermill at a scale; ``prepare`` only injects the
parameters (nbval then runs them); ``stage`` copies ``book/`` plus the executed chapters and MathJax
into a build folder, which ``jupyter-book build`` turns into the website without executing anything.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MATHJAX = ROOT / "build" / "npm" / "node_modules" / "mathjax" / "es5"


def chapters(names=None) -> list[Path]:
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if names:
        found = [p for p in found if any(p.stem.startswith(n) for n in names)]
    if not found:
        sys.exit(f"no chapters found in {NOTEBOOKS}")
    return found


def run_papermill(scale: str, out: Path, names, prepare_only: bool) -> int:
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    for nb in chapters(names):
        start = time.time()
        target = out / nb.name
        pm.execute_notebook(
            str(nb), str(target), parameters={"SCALE": scale}, prepare_only=prepare_only,
            kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False, log_output=False,
        )
        what = "prepared" if prepare_only else f"executed in {time.time() - start:.0f} s"
        print(f"{nb.name}: {what} at SCALE={scale!r}", flush=True)
    return 0


def collapse_carriage_returns(text: str) -> str:
    """Keep what a terminal would show: on each line, only the text after its last carriage return.

    Progress bars (tqdm) redraw themselves with ``\r``; the book's renderer would otherwise print
    every intermediate state of the bar on its own line.
    """
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def write_for_book(src: Path, dest: Path) -> None:
    """Copy an executed chapter for the book, with progress-bar redraws collapsed."""
    import nbformat

    nb = nbformat.read(str(src), as_version=4)
    for cell in nb.cells:
        merged = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream" \
                    and merged[-1]["name"] == output["name"]:
                merged[-1]["text"] += output["text"]  # papermill stores each redraw as its own output
            else:
                merged.append(output)
        for output in merged:
            if output.get("output_type") == "stream":
                output["text"] = collapse_carriage_returns(output["text"])
        if "outputs" in cell:
            cell["outputs"] = merged
    nbformat.write(nb, str(dest))


def stage(notebooks: Path, out: Path) -> int:
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "book", out, ignore=shutil.ignore_patterns("_build", "chapters"))
    (out / "chapters").mkdir()
    executed = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    if not executed:
        sys.exit(f"no executed chapters in {notebooks}")
    for nb in executed:
        write_for_book(nb, out / "chapters" / nb.name)
    if not MATHJAX.exists():
        sys.exit(f"{MATHJAX} is missing: run 'make mathjax' (npm install mathjax@3)")
    shutil.copytree(MATHJAX, out / "_static" / "mathjax")
    print(f"staged {len(executed)} chapters and MathJax in {out}")
    return 0


def check_pairs() -> int:
    """Fail when a chapter's .md and .ipynb differ in cells, or the .ipynb holds outputs."""
    import jupytext

    problems = []
    for md in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md")):
        ipynb = md.with_suffix(".ipynb")
        if not ipynb.exists():
            problems.append(f"{md.name}: no paired {ipynb.name} (run: jupytext --sync {md})")
            continue
        a, b = jupytext.read(md), jupytext.read(ipynb)
        cells_a = [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in a.cells]
        cells_b = [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in b.cells]
        if cells_a != cells_b:
            n = next((i for i, (x, y) in enumerate(zip(cells_a, cells_b)) if x != y), min(len(cells_a), len(cells_b)))
            problems.append(f"{md.name} and {ipynb.name} differ from cell {n + 1} on (run: jupytext --sync {md})")
        with_outputs = [i + 1 for i, c in enumerate(b.cells) if c.cell_type == "code" and c.get("outputs")]
        if with_outputs:
            problems.append(f"{ipynb.name}: cells {with_outputs[:5]} hold outputs; strip them (jupyter nbconvert --clear-output)")
    for ipynb in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        if not ipynb.with_suffix(".md").exists():
            problems.append(f"{ipynb.name}: no paired .md source")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for cmd in ("execute", "prepare"):
        s = sub.add_parser(cmd)
        s.add_argument("--scale", choices=("smoke", "course", "paper"), required=True)
        s.add_argument("--out", type=Path, required=True)
        s.add_argument("names", nargs="*", help="chapter prefixes, e.g. 01 03 (default: all)")
    s = sub.add_parser("stage")
    s.add_argument("--notebooks", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    sub.add_parser("check-pairs")
    args = p.parse_args(argv)
    if args.cmd in ("execute", "prepare"):
        return run_papermill(args.scale, args.out, args.names, prepare_only=args.cmd == "prepare")
    if args.cmd == "stage":
        return stage(args.notebooks, args.out)
    return check_pairs()


if __name__ == "__main__":
    sys.exit(main())
