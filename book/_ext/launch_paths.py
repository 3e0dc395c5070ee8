"""Point the Colab/Binder launch buttons at the chapters' real place in the repository.

The build stages the executed chapters as ``chapters/NN_topic.ipynb`` next to the book's pages, so
sphinx-book-theme would link ``<path_to_book>/chapters/NN_topic.ipynb``; in the repository the
notebooks live in ``notebooks/NN_topic.ipynb`` (``path_to_book: notebooks`` in ``_config.yml``). This
extension drops the ``chapters/`` part from every launch link after the theme has made them.
"""

from __future__ import annotations


def _rewrite(obj, old: str, new: str):
    if isinstance(obj, dict):
        return {k: _rewrite(v, old, new) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rewrite(v, old, new) for v in obj]
    if isinstance(obj, str):
        return obj.replace(old, new)
    return obj


def fix_launch_links(app, pagename, templatename, context, doctree):
    if not pagename.startswith("chapters/") or "header_buttons" not in context:
        return
    docs = app.config["html_theme_options"].get("path_to_docs", "").strip("/")
    old = f"{docs}/{pagename}" if docs else pagename
    new = f"{docs}/{pagename.split('/', 1)[1]}" if docs else pagename.split("/", 1)[1]
    context["header_buttons"] = _rewrite(context["header_buttons"], old, new)


def setup(app):
    app.connect("html-page-context", fix_launch_links, priority=502)  # after the theme's (501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
