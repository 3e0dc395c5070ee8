#!/usr/bin/env python3
"""Run, prepare and stage the book's chapters (called by the Makefile).

    python tools/notebooks.py execute --scale course --out build/course/notebooks
    python tools/notebooks.py prepare --scale smoke --out build/smoke/notebooks
    python tools/notebooks.py stage --notebooks build/course/notebooks --out build/course/src
    python tools/notebooks.py check-pairs
    python tools/notebooks.py install-cells     # (re)write every chapter's first cell (Colab/Binder)
    python tools/notebooks.py tag-cells         # hide plotting cells, remove the input of glue cells

Chapters are the ``notebooks/NN_topic.ipynb`` files (kept in sync with their ``.md`` sources by
jupytext). ``execute`` runs each once with papermill at a scale; ``prepare`` only injects the
parameters (nbval then runs them); ``stage`` copies ``book/`` plus the executed chapters and MathJax
into a build folder, which ``jupyter-book build`` turns into the website without executing anything.

``execute`` keeps every executed chapter in ``build/cache/`` under a content hash of what decides
its outputs (the chapter's .ipynb, every file of ``artgen_lite/``, the scale, the seed,
``constraints.txt``); a chapter whose hash is already there is copied instead of re-run. It writes
``execution.json`` beside the executed chapters (time, scale, date, cached or not, package
versions), from which ``stage`` makes the book's status page.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
MATHJAX = ROOT / "build" / "npm" / "node_modules" / "mathjax" / "es5"
CACHE = ROOT / "build" / "cache"
STATUS_JSON = "execution.json"
VERSIONED = ("numpy", "torch", "msprime", "artgen-lite")


def chapters(names=None) -> list[Path]:
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if names:  # a whole chapter name selects that chapter only ("06_long_regions" is not 06b)
        stems = {p.stem for p in found}
        names = [n.removesuffix(".ipynb").removesuffix(".md") for n in names]
        found = [p for p in found if any(p.stem == n if n in stems else p.stem.startswith(n) for n in names)]
    if not found:
        sys.exit(f"no chapters found in {NOTEBOOKS}")
    return found


def _hash_inputs(nb: Path, scale: str, seed) -> str:
    """Content hash of what decides a chapter's outputs (see the module docstring)."""
    h = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        h.update(label.encode() + b"\0" + len(data).to_bytes(8, "little") + data)

    add("chapter", nb.read_bytes())
    package = sorted(p for p in (ROOT / "artgen_lite").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for f in package:
        add(str(f.relative_to(ROOT)), f.read_bytes())
    for extra in (ROOT / "constraints.txt", ROOT / "data" / "fetch.py"):  # pins; the data registry
        add(extra.name, extra.read_bytes() if extra.exists() else b"")
    add("scale", str(scale).encode())
    add("seed", str(seed).encode())
    add("accelerator", _accelerator().encode())  # what the chapters' DEVICE = "auto" resolves to
    add("threads", os.environ.get("OMP_NUM_THREADS", "").encode())  # can change a result's last bits
    return h.hexdigest()


def _accelerator() -> str:
    """``"cuda"`` when torch sees a GPU here, else ``"cpu"``: where a chapter's ``DEVICE = "auto"``
    trains its models, which changes its numbers (GPU sums run in another order)."""
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def package_versions() -> dict:
    """Versions of the packages named on the status page (``None`` where one is not installed)."""
    from importlib import metadata

    out = {}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_status(out: Path, records: list[dict]) -> Path:
    """Write the ``execution.json`` that ``stage`` turns into the status page."""
    path = Path(out) / STATUS_JSON
    status = {"written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "versions": package_versions(), "chapters": records}
    path.write_text(json.dumps(status, indent=1) + "\n")
    return path


#: course-scale CPU seconds of the longest chapters (each run alone on one thread, 2026-12-06), used only
#: to start them first when chapters run side by side and the cache holds no record of them; a chapter
#: not listed counts as one minute
COURSE_SECONDS = {"06_long_regions.": 304, "04": 200, "06_long_regions_judging": 178, "12": 174, "13": 164,
                  "09": 115, "14": 109, "11": 107, "05": 89, "07": 76}

#: chapters that must not start before another has finished: chapter 06b loads the five fits that chapter
#: 06 keeps in the model cache (``long_regions.fit_cached``); started beside it, it would train them again
RUNS_AFTER = {"06_long_regions_judging": "06_long_regions"}


def _next_ready(todo: list, running: set[str]):
    """The first (longest) chapter of ``todo`` whose :data:`RUNS_AFTER` prerequisite is neither waiting
    in ``todo`` nor running; ``None`` when every waiting chapter waits for one."""
    waiting = {item[0].stem for item in todo}
    for item in todo:
        before = RUNS_AFTER.get(item[0].stem)
        if before is None or (before not in waiting and before not in running):
            return item
    return None


def _expected_seconds(nb: Path, cache: Path | None) -> float:
    """How long ``nb`` ran last time (the newest record in the cache), else :data:`COURSE_SECONDS`."""
    if cache is not None and cache.exists():
        metas = sorted(cache.glob(f"{nb.stem}-*.json"), key=lambda m: m.stat().st_mtime)
        if metas:
            return float(json.loads(metas[-1].read_text()).get("seconds", 60.0))
    name = nb.stem + "."
    return float(next((v for k, v in COURSE_SECONDS.items() if name.startswith(k)), 60.0))


def default_jobs() -> int:
    """Chapters run side by side: ``ARTGEN_BOOK_JOBS`` if set, else one per core, at most 4 (each
    kernel holds up to 2 GB)."""
    env = os.environ.get("ARTGEN_BOOK_JOBS")
    return max(1, int(env)) if env else max(1, min(os.cpu_count() or 1, 4))


def _execute_one(nb: str, target: str, params: dict) -> tuple[str, float]:
    """Run one chapter with papermill into ``target`` (via a ``.running`` file), in the chapter's
    folder; when it started (UTC, ISO) and how many seconds it took."""
    import papermill as pm

    started, start = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), time.time()
    tmp = Path(target).with_suffix(".running.ipynb")
    pm.execute_notebook(nb, str(tmp), parameters=params, kernel_name="python3", cwd=str(Path(nb).parent),
                        progress_bar=False, log_output=False)
    tmp.replace(target)
    return started, time.time() - start


def run_papermill(scale: str, out: Path, names, prepare_only: bool, seed=None, cache: Path | None = CACHE,
                  jobs: int = 1) -> int:
    """Prepare (inject parameters) or execute the chapters; executed ones go through the cache.

    With ``jobs > 1`` that many chapters run side by side, longest first, each kernel with
    ``cores // jobs`` threads (``OMP_NUM_THREADS``; the thread count is part of the cache key, as
    it can change the last bits of a result)."""
    import papermill as pm

    out.mkdir(parents=True, exist_ok=True)
    params = {"SCALE": scale} if seed is None else {"SCALE": scale, "SEED": seed}
    if prepare_only:
        for nb in chapters(names):
            pm.execute_notebook(str(nb), str(out / nb.name), parameters=params, prepare_only=True,
                                kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False)
            print(f"{nb.name}: prepared at SCALE={scale!r}", flush=True)
        return 0
    if jobs > 1:
        threads = str(max(1, (os.cpu_count() or 1) // jobs))
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = threads
    records, todo = {}, []
    for nb in chapters(names):
        target = out / nb.name
        key = _hash_inputs(nb, scale, seed)
        hit = cache / f"{nb.stem}-{key[:20]}.ipynb" if cache else None
        meta = hit.with_suffix(".json") if hit else None
        if hit and hit.exists() and meta.exists():
            shutil.copyfile(hit, target)
            records[nb.stem] = {**json.loads(meta.read_text()), "cached": True}
            print(f"{nb.name}: from the cache ({hit.name}, executed {records[nb.stem]['executed_at']})", flush=True)
        else:
            todo.append((nb, target, key, hit, meta))

    def done(item, started: str, seconds: float) -> None:
        nb, target, key, hit, meta = item
        record = {"chapter": nb.stem, "scale": scale, "seed": seed, "seconds": round(seconds, 1),
                  "executed_at": started, "threads": os.environ.get("OMP_NUM_THREADS"),
                  "hash": key[:20], "versions": package_versions(), "cached": False}
        if cache:
            cache.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(target, hit.with_suffix(".tmp"))
            hit.with_suffix(".tmp").replace(hit)
            meta.write_text(json.dumps(record, indent=1) + "\n")
        records[nb.stem] = record
        print(f"{nb.name}: executed in {seconds:.0f} s at SCALE={scale!r}", flush=True)

    todo.sort(key=lambda item: -_expected_seconds(item[0], cache))  # longest first
    if jobs <= 1 or len(todo) <= 1:
        while todo:
            item = _next_ready(todo, set())
            todo.remove(item)
            done(item, *_execute_one(str(item[0]), str(item[1]), params))
    else:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        failed, futures = [], {}
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            while todo or futures:
                while todo and len(futures) < jobs:  # keep every worker busy, longest ready chapter first
                    item = _next_ready(todo, {it[0].stem for it in futures.values()})
                    if item is None:
                        break
                    todo.remove(item)
                    futures[pool.submit(_execute_one, str(item[0]), str(item[1]), params)] = item
                finished, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in finished:
                    item = futures.pop(future)
                    try:
                        done(item, *future.result())
                    except Exception as err:  # the others finish (and are cached) before the build fails
                        print(f"{item[0].name}: FAILED: {err}", file=sys.stderr, flush=True)
                        failed.append(err)
        if failed:
            raise failed[0]
    records = [records[k] for k in sorted(records)]
    old = out / STATUS_JSON
    if names and old.exists():  # a partial run keeps the other chapters' records
        kept = [r for r in json.loads(old.read_text())["chapters"]
                if r["chapter"] not in {r2["chapter"] for r2 in records}]
        records = sorted(kept + records, key=lambda r: r["chapter"])
    write_status(out, records)
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


def status_page(status: dict | None, staged: list[str]) -> str:
    """The book's status page (MyST): one row per chapter, as QuantEcon's execution-status page."""
    lines = [
        "# Execution status", "",
        "Every chapter of this book is a notebook that was run before the website was built; this page",
        "says when, at which scale, how long it took, and with which packages. A chapter marked",
        "*cached* was not re-run for this build: neither its source nor the `artgen_lite` package (nor",
        "the scale, seed or pinned versions) changed since the run whose date is shown.", "",
    ]
    if not status or not status.get("chapters"):
        lines += ["No execution record came with this build (the chapters were executed without",
                  "`tools/notebooks.py execute` or the test plugin).", ""]
        return "\n".join(lines)
    versions = status.get("versions", {})
    lines += [f"This build: {status.get('written', '?')} (UTC). Packages: "
              + ", ".join(f"{k} {v}" for k, v in versions.items() if v) + ".", ""]
    lines += ["| Chapter | Scale | Executed (UTC) | This build | Time (s) | Threads |",
              "|:--|:--|:--|:--|--:|--:|"]
    total = 0.0
    for r in status["chapters"]:
        name = r["chapter"]
        link = f"{{doc}}`chapters/{name}`" if name in staged else f"`{name}`"
        how = "cached" if r.get("cached") else "executed"
        total += float(r.get("seconds") or 0)
        lines.append(f"| {link} | {r.get('scale', '?')} | {r.get('executed_at', '?')} | {how} | "
                     f"{float(r.get('seconds') or 0):.0f} | {r.get('threads') or 'all'} |")
    lines += ["", f"All chapters together ran for {total / 60:.1f} minutes when they were executed. "
              "*Threads*: the CPU threads each chapter's kernel had (`make book` runs chapters side by "
              "side, one per core, each with its share of the cores; *all*: one chapter at a time).", ""]
    differing = sorted({name for r in status["chapters"] for name, v in (r.get("versions") or {}).items()
                        if v != versions.get(name)})
    if differing:
        lines += [f"Some cached chapters ran with other versions of: {', '.join(differing)}.", ""]
    return "\n".join(lines)


def _sync_tree(src: Path, dest: Path) -> int:
    """Make ``dest`` a copy of ``src``, rewriting only the files whose bytes differ.

    Unchanged files keep their modification time, so Sphinx re-reads only the pages that changed.
    Returns the number of files written.
    """
    written = 0
    wanted = set()
    for f in src.rglob("*"):
        rel = f.relative_to(src)
        wanted.add(rel)
        target = dest / rel
        if f.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.is_file() or target.stat().st_size != f.stat().st_size or target.read_bytes() != f.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)
            written += 1
    for f in sorted(dest.rglob("*"), reverse=True):
        if f.relative_to(dest) not in wanted:
            f.unlink() if f.is_file() or f.is_symlink() else shutil.rmtree(f)
    return written


def stage(notebooks: Path, out: Path) -> int:
    import tempfile

    executed = sorted(Path(notebooks).glob("[0-9][0-9]_*.ipynb"))
    if not executed:
        sys.exit(f"no executed chapters in {notebooks}")
    if not MATHJAX.exists():
        sys.exit(f"{MATHJAX} is missing: run 'make mathjax' (npm install mathjax@3)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".stage-") as tmp:
        new = Path(tmp) / "src"
        shutil.copytree(ROOT / "book", new, ignore=shutil.ignore_patterns("_build", "chapters", "__pycache__"))
        (new / "chapters").mkdir()
        for nb in executed:
            write_for_book(nb, new / "chapters" / nb.name)
        status_file = Path(notebooks) / STATUS_JSON
        status = json.loads(status_file.read_text()) if status_file.exists() else None
        (new / "status.md").write_text(status_page(status, [nb.stem for nb in executed]))
        shutil.copytree(MATHJAX, new / "_static" / "mathjax")
        out.mkdir(exist_ok=True)
        written = _sync_tree(new, out)
    print(f"staged {len(executed)} chapters, the status page and MathJax in {out} ({written} files changed)")
    return 0


# --------------------------------------------------------------------------------------------
# The first cell of every chapter: install the package and fetch the data outside the repository
# --------------------------------------------------------------------------------------------

INSTALL_TAG = "install"


def repository_url() -> str:
    """The repository URL, set once in ``book/_config.yml`` (``repository.url``)."""
    import yaml

    return yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["repository"]["url"]


def registry_names() -> set[str]:
    """Names of the datasets in the data registry (wherever the registry lives)."""
    try:
        from artgen_lite import registry  # the registry inside the package
        return set(registry.REGISTRY)
    except ImportError:
        from artgen_lite import data
        return set(data._fetch_module().REGISTRY)


def chapter_datasets(nb, names: set[str]) -> list[str]:
    """Registry datasets a chapter names as string literals in its code (the install cell excluded)."""
    code = "\n".join(c.source for c in nb.cells
                     if c.cell_type == "code" and INSTALL_TAG not in c.metadata.get("tags", []))
    return sorted(n for n in names if re.search(rf"[\"']{re.escape(n)}[\"']", code))


def install_cell_source(url: str, datasets: list[str]) -> str:
    return f'''# Outside the course repository (Colab, Binder, a bare Jupyter) this cell installs artgen-lite
# and fetches this chapter's data; inside the repository, where artgen_lite imports, it does nothing.
import importlib.util, os, subprocess, sys
from pathlib import Path

REPOSITORY = "{url}"  # set once, in book/_config.yml
DATASETS = {datasets!r}
if importlib.util.find_spec("artgen_lite") is None:
    _here = Path.cwd().resolve()
    _clone = next((p for p in (_here, *_here.parents) if (p / "artgen_lite").is_dir()), None)
    if _clone is None:  # not inside a clone: make one
        _clone = Path.home() / "artgen-lite"
        if not _clone.exists():
            subprocess.run(["git", "clone", "--depth", "1", REPOSITORY, str(_clone)], check=True)
    # the package and its dependencies, plus myst-nb for glue(); torch etc. as pinned in pyproject
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", str(_clone), "myst-nb"], check=True)
    sys.path.insert(0, str(_clone))
    os.chdir(_clone / "notebooks")
    from artgen_lite import data as _data
    for _name in DATASETS:
        try:
            print(_name, "->", _data.dataset_path(_name))
        except Exception as _exc:  # the chapter says so and falls back to a simulation
            print(f"{{_name}} could not be fetched: {{_exc}}")'''


def install_cells(paths=None) -> int:
    """Write (or refresh) the install cell as the first code cell of every chapter's .md source."""
    import jupytext
    from nbformat.v4 import new_code_cell

    url, names = repository_url(), registry_names()
    for md in paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md")):
        nb = jupytext.read(md)
        source = install_cell_source(url, chapter_datasets(nb, names))
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        cell = nb.cells[first]
        if INSTALL_TAG in cell.metadata.get("tags", []):
            cell.source = source
        else:
            nb.cells.insert(first, new_code_cell(source, metadata={"tags": ["remove-input", INSTALL_TAG]}))
        jupytext.write(nb, md, fmt="md:myst")
        print(f"{md.name}: install cell written")
    return 0


# --------------------------------------------------------------------------------------------
# Which cells hide their code on the website
# --------------------------------------------------------------------------------------------
# The heuristic (tests/test_book.py holds every chapter to it):
# - a *figure cell* draws (calls plt.subplots / plt.figure / plt.show or a plots.*figure* helper)
#   and leaves behind no variable (top-level assignment, def or import; loop variables do not count)
#   that a later cell reads: its code is plotting only -> tag `hide-input`
#   (the code stays one click away);
# - a *glue cell* consists of glue(...) calls only (possibly inside for/if/with blocks): pure
#   bookkeeping for the prose -> `remove-input` when every glue(...) passes display=False (nothing is
#   lost), else `hide-input`;
# - a *plot-helper cell* defines only functions, and they draw (plt. / ax.) -> `hide-input`.
# Cells inside exercise solutions are never hidden: there the code is the answer.

HIDDEN = {"hide-input", "remove-input", "remove-cell"}
DRAWS = re.compile(r"\bplt\.(subplots|figure|show|subplot)\(|\bplots\.\w*fig\w*\(")
PLOTTING = re.compile(r"\bplt\.|\bax\w*\.|\baxes\[")


def _parse(source: str):
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _names(tree) -> tuple[set, set]:
    """(names the code binds anywhere, names it reads)."""
    stored, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, (ast.Store, ast.Del)) else loaded).add(node.id)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return stored, loaded


def _defines(tree) -> set:
    """Variables a cell leaves behind on purpose: its top-level assignments, defs and imports.

    Loop variables (``for ax in axes``) and names bound inside functions or comprehensions are
    left out: they are by-products, not results a later cell is meant to use.
    """
    out = set()
    for st in tree.body:
        if isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            for t in targets:
                out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(st.name)
        elif isinstance(st, (ast.Import, ast.ImportFrom)):
            out |= {(a.asname or a.name).split(".")[0] for a in st.names}
    return out


def _glue_only(stmts) -> bool:
    def ok(st):
        if isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            f = st.value.func
            return isinstance(f, ast.Name) and f.id == "glue"
        if isinstance(st, (ast.For, ast.If, ast.With)):
            return all(map(ok, st.body)) and all(map(ok, getattr(st, "orelse", [])))
        return isinstance(st, ast.Pass)
    return bool(stmts) and all(map(ok, stmts))


def plumbing(nb) -> dict[int, str]:
    """Index of each code cell the heuristic above hides -> the tag it should carry."""
    cells = nb.cells
    in_solution, solution = False, set()
    for i, c in enumerate(cells):
        if c.cell_type == "markdown":
            if "{solution-start}" in c.source:
                in_solution = True
            if "{solution-end}" in c.source:
                in_solution = False
        elif in_solution:
            solution.add(i)
    code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
    trees = {i: _parse(cells[i].source) for i in code}
    free = {}
    for i in code:
        st, ld = _names(trees[i]) if trees[i] is not None else (set(), set())
        free[i] = ld - st
    out = {}
    for k, i in enumerate(code):
        c, tree = cells[i], trees[i]
        tags = c.metadata.get("tags", [])
        if tree is None or i in solution or "parameters" in tags or INSTALL_TAG in tags:
            continue
        later = set().union(*(free[j] for j in code[k + 1:])) if k + 1 < len(code) else set()
        stored = _defines(tree)
        if _glue_only(tree.body):
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "glue"]
            quiet = all(any(kw.arg == "display" and isinstance(kw.value, ast.Constant) and kw.value.value is False
                            for kw in call.keywords) for call in calls)
            out[i] = "remove-input" if quiet else "hide-input"
        elif DRAWS.search(c.source) and not (stored & later):
            out[i] = "hide-input"
        elif all(isinstance(st, ast.FunctionDef) for st in tree.body) and tree.body and PLOTTING.search(c.source):
            out[i] = "hide-input"
    return out


def tag_cells(paths=None) -> int:
    """Add the tags of :func:`plumbing` to every chapter's .md source (existing tags are kept)."""
    import jupytext

    for md in paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.md")):
        nb = jupytext.read(md)
        changed = 0
        for i, tag in plumbing(nb).items():
            tags = nb.cells[i].metadata.get("tags", [])
            if not HIDDEN & set(tags):
                nb.cells[i].metadata["tags"] = [*tags, tag]
                changed += 1
        jupytext.write(nb, md, fmt="md:myst")
        print(f"{md.name}: {changed} cells tagged")
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
        s.add_argument("--seed", type=int, default=None, help="inject SEED (default: the chapter's own)")
        s.add_argument("--no-cache", action="store_true", help="execute even when build/cache holds the chapter")
        s.add_argument("--jobs", type=int, default=None,
                       help="chapters run side by side (default: ARTGEN_BOOK_JOBS, else one per core, at most 4)")
    s = sub.add_parser("stage")
    s.add_argument("--notebooks", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    sub.add_parser("check-pairs")
    sub.add_parser("install-cells", help="(re)write every chapter's first cell (install outside the repository)")
    sub.add_parser("tag-cells", help="tag plotting and glue cells hide-input/remove-input")
    args = p.parse_args(argv)
    if args.cmd == "install-cells":
        return install_cells()
    if args.cmd == "tag-cells":
        return tag_cells()
    if args.cmd in ("execute", "prepare"):
        return run_papermill(args.scale, args.out, args.names, prepare_only=args.cmd == "prepare",
                             seed=args.seed, cache=None if getattr(args, "no_cache", False) else CACHE,
                             jobs=args.jobs or default_jobs())
    if args.cmd == "stage":
        return stage(args.notebooks, args.out)
    return check_pairs()


if __name__ == "__main__":
    sys.exit(main())
