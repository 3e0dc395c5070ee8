# artgen-lite: `make book` builds the website at course scale, `make test` runs every check.
# Both set everything up on a fresh clone: a .venv with the pinned packages, the data, MathJax.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
MATHJAX := build/npm/node_modules/mathjax/es5/tex-chtml.js
JB     := $(VENV)/bin/jupyter-book

.PHONY: help setup data mathjax book test unit notebooks-smoke book-smoke site-check lab clean

help:
	@echo "make book   build the website at course scale (prints the path of intro.html)"
	@echo "make test   run the unit tests, the chapters at smoke scale, the strict book build and the site check"
	@echo "make lab    open the chapters in JupyterLab"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev,book]"
	touch $(STAMP)

setup: $(STAMP)

# Data: a mirror folder (ARTGEN_DATA_MIRROR) first, then the canonical URLs. Without either the
# chapters fall back to a simulation and say so, so a failure here does not stop the build.
data: $(STAMP)
	$(PY) data/fetch.py all || echo "WARNING: some datasets could not be fetched; chapters will use the simulated fallback"

$(MATHJAX):
	mkdir -p build/npm
	cd build/npm && npm install --no-save --no-audit --no-fund --loglevel=error mathjax@3

mathjax: $(MATHJAX)

# Chapters whose source, the package, the scale, seed and pins are unchanged come from build/cache
# (no re-execution); `stage` rewrites only changed files, so Sphinx re-reads only changed pages.
book: setup data mathjax
	$(PY) tools/notebooks.py execute --scale course --out build/course/notebooks
	$(PY) tools/notebooks.py stage --notebooks build/course/notebooks --out build/course/src
	$(JB) build build/course/src --path-output build/course --builder html -W -n --keep-going
	@echo "The book is at: $(CURDIR)/build/course/_build/html/intro.html"

unit: setup data
	$(PY) tools/notebooks.py check-pairs
	$(PY) -m pytest tests --ignore=tests/site -q
	$(PY) -m pytest --doctest-modules artgen_lite -q -p no:cacheprovider -o addopts=

notebooks-smoke: setup data
	rm -rf build/smoke
	$(PY) tools/notebooks.py prepare --scale smoke --out build/smoke/prepared
	ARTGEN_NBCAPTURE_DIR=build/smoke/notebooks PYTHONPATH=tools$${PYTHONPATH:+:$$PYTHONPATH} \
	  $(PY) -m pytest -p nbcapture --nbval-lax --nbval-current-env --nbval-cell-timeout=900 -p no:cacheprovider \
	  -o testpaths= -o addopts= build/smoke/prepared -q

book-smoke: mathjax
	$(PY) tools/notebooks.py stage --notebooks build/smoke/notebooks --out build/smoke/src
	$(JB) build build/smoke/src --path-output build/smoke --builder html -W -n --keep-going

site-check: setup
	ARTGEN_SITE=build/smoke/_build/html $(PY) -m pytest tests/site -q -rs

test: unit notebooks-smoke book-smoke site-check

# JupyterLab opens the .md chapters as notebooks on double-click: its settings folder holds jupytext's
# "Jupytext Notebook" as the default viewer of markdown/MyST (tools/lab-settings, copied once).
lab: setup
	$(PY) -m pip install -q -c constraints.txt -e ".[lab]"
	test -d build/lab/settings || (mkdir -p build/lab && cp -r tools/lab-settings build/lab/settings)
	cd notebooks && JUPYTERLAB_SETTINGS_DIR=$(CURDIR)/build/lab/settings ../$(VENV)/bin/jupyter lab

clean:
	rm -rf build
