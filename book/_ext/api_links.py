"""Link every entry of the API reference (book/api.md) to the chapter that explains it.

Each public docstring of ``artgen_lite`` names its chapter ("Explained in the chapter ...
(notebooks/03_judging_ags)", "chapter 06", ``06_long_regions``, or a chapter's title). While
autodoc reads a docstring this extension finds that chapter and appends a line
"Explained in: <link to the chapter>"; a docstring that names none gets its module's chapter.
:func:`chapter_of` is also what tests/test_api_page.py uses to check that no public name lacks one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def chapter_stems(folder) -> list[str]:
    """The chapters (``NN_topic``) of a folder of chapter files (.md or .ipynb)."""
    return sorted({p.stem for p in Path(folder).glob("[0-9][0-9]_*.*")})

_STEM = re.compile(r"\b(\d\d)_[a-z]")
_NUMBER = re.compile(r"\b[Cc]hapters? (\d\d)\b")


def _by_number(nn: str, stems) -> str | None:
    return next((s for s in stems if s.startswith(nn + "_")), None)


def chapter_of(text: str, stems) -> str | None:
    """The stem (``NN_topic``) of the first chapter a docstring names, or None."""
    text = text or ""
    for pattern in (_STEM, _NUMBER):
        for m in pattern.finditer(text):
            stem = _by_number(m.group(1), stems)
            if stem:
                return stem
    words = " ".join(text.lower().split())
    for stem in stems:  # a chapter named by its title, e.g. chapter "Restricted Boltzmann machines"
        title = stem[3:].replace("_", " ")
        if len(title) > 8 and title in words:
            return stem
    return None


def chapter_of_object(name: str, obj, stems) -> str | None:
    """The chapter of a documented object: its own docstring's, else its module's."""
    stem = chapter_of(getattr(obj, "__doc__", None) or "", stems)
    if stem:
        return stem
    module = sys.modules.get(getattr(obj, "__module__", None) or name.rpartition(".")[0])
    return chapter_of(getattr(module, "__doc__", None) or "", stems) if module else None


_STEMS: list[str] = []
_RULE = re.compile(r"^\s*-{3,}\s*$")


def numpydoc_headers(lines: list[str]) -> None:
    """Turn a section header with a remark, ``Parameters (keyword only; ...)`` over a dashed rule,
    into the remark as a paragraph and a plain ``Parameters`` header that napoleon recognises
    (the models write their headers so; as reStructuredText they read as broken titles)."""
    i = 0
    while i < len(lines):
        if _RULE.match(lines[i]) and i > 0:
            start = i - 1
            while start > 0 and lines[start].strip() and not lines[start].lstrip().startswith(
                    ("Parameters (", "Returns (", "Attributes (", "Other Parameters (")):
                start -= 1
            head = lines[start].strip()
            if "(" in head and head.split("(")[0].strip() in ("Parameters", "Returns", "Attributes", "Other Parameters"):
                word, _, remark = head.partition("(")
                remark = " ".join([remark] + [ln.strip() for ln in lines[start + 1:i]]).rstrip()
                remark = remark[:-1] if remark.endswith(")") else remark
                indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
                new = [indent + remark[0].upper() + remark[1:] + ".", "", indent + word.strip(),
                       indent + "-" * len(word.strip())]
                lines[start:i + 1] = new
                i = start + len(new)
                continue
        i += 1


def find_chapters(app):
    _STEMS[:] = chapter_stems(Path(app.srcdir) / "chapters")


def tidy_docstring(app, what, name, obj, options, lines):
    """Before napoleon: drop the docstring a constant inherits from its type (``dict``'s), and
    normalise section headers that carry a remark."""
    if not name.startswith("artgen_lite"):
        return
    if what == "data" and getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None):
        lines[:] = []
        return
    numpydoc_headers(lines)


def add_chapter_link(app, what, name, obj, options, lines):
    if not name.startswith("artgen_lite") or what in ("attribute", "property", "data"):
        return
    stem = chapter_of("\n".join(lines), _STEMS)
    if stem is None and what != "module":
        stem = chapter_of_object(name, obj, _STEMS)
    if stem:
        lines.extend(["", f"Explained in: :doc:`/chapters/{stem}`", ""])


def _import_dotted(dotted: str):
    """The object a dotted name points to (importing the longest module prefix), or None."""
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001 - not a module: try a shorter prefix
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _home_name(obj) -> str | None:
    """Where an object is documented: its defining module and qualified name."""
    target = getattr(obj, "fget", obj)
    module, qualname = getattr(target, "__module__", None), getattr(target, "__qualname__", None)
    if module and qualname and module.startswith("artgen_lite"):
        return f"{module}.{qualname}"
    return None


def resolve_reexport(app, env, node, contnode):
    """Resolve a reference to a name of the package by where it is defined: ``artgen_lite.models.RBM``
    (re-exported) links to ``artgen_lite.models.rbm.RBM``; ``fit`` or ``VAE`` written inside a
    class's or module's docstring are looked up in that class and module."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    module, cls = node.get("py:module"), node.get("py:class")
    candidates = [target] if target.startswith("artgen_lite") else []
    if module:
        if cls:
            candidates.append(f"{module}.{cls}.{target}")
        candidates.append(f"{module}.{target}")
    if "." in target and not target.startswith("artgen_lite"):  # Class.method named from elsewhere
        head = target.split(".")[0]
        candidates += [f"{name}.{target}" for name, mod in sorted(sys.modules.items())
                       if name.startswith("artgen_lite") and mod is not None and hasattr(mod, head)]
    domain = env.get_domain("py")
    for dotted in candidates:
        obj = _import_dotted(dotted)
        owner = _import_dotted(dotted.rpartition(".")[0]) if obj is not None else None
        for home in (_home_name(obj), _home_name(owner)):  # a method documented nowhere: its class
            if home and home != target:
                found = domain.resolve_xref(env, node["refdoc"], app.builder, "obj", home, node, contnode)
                if found is not None:
                    return found
    return None


def _whole_literals(extract):
    """autosummary cuts a summary at the first ". ", also inside a literal (``A+ .. T+``), which
    leaves an unclosed literal; such a summary becomes the whole first paragraph instead."""

    def summary(doc, document):
        text = extract(doc, document)
        if text.count("``") % 2:
            para = []
            for line in doc:
                if not line.strip() and para:
                    break
                para.append(line.strip())
            text = " ".join(p for p in para if p)
        return text

    return summary


def setup(app):
    from sphinx.ext import autosummary

    if not getattr(autosummary.extract_summary, "_whole_literals", False):
        autosummary.extract_summary = _whole_literals(autosummary.extract_summary)
        autosummary.extract_summary._whole_literals = True
    app.connect("missing-reference", resolve_reexport)
    app.connect("builder-inited", find_chapters)
    app.connect("autodoc-process-docstring", tidy_docstring, priority=400)  # before napoleon (500)
    app.connect("autodoc-process-docstring", add_chapter_link, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
