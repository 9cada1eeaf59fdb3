# Two commands set everything up on a fresh machine: `make book` and `make test`.
# Recipes that run several of .venv's tools activate it; `make lab` needs no activation, since
# nbgrader_config.py puts the environment that runs nbgrader on PATH for the tools it calls (alembic).

PYTHON ?= python3
VENV := .venv
ACTIVATE := . $(VENV)/bin/activate &&
STAMP := $(VENV)/.installed

.PHONY: venv book lab test system-packages solutions exercises clean

venv: $(STAMP)

# Reinstall only when the project's requirements change; an up-to-date venv costs nothing.
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e ".[dev]"
	touch $@

book: venv
	$(ACTIVATE) jupyter-book build --warningiserror --nitpick --keep-going .
	@echo "The book is at _build/html/index.html"

# JupyterLab on the exercises, no activation needed. Its root is the repository, so that an
# exercise's link to its chapter opens the chapter's source (book/<chapter>.md, with jupytext).
# Jupyter refuses to run as root unless told (a container, CI): root is who asked here.
lab: venv
	$(VENV)/bin/jupyter lab --FileContentsManager.preferred_dir=exercises $(if $(filter 0,$(shell id -u)),--allow-root)

test: venv system-packages
	$(ACTIVATE) python -m pytest

# The browser tests drive Debian's chromium; rnnkit grade sandboxes submissions with bubblewrap.
# Install what is missing (needs root, as in CI).
system-packages:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing=" chromium"; \
	command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "The tests need Debian's$$missing: run 'sudo apt-get install$$missing'" >&2; exit 1; fi; fi

# The assignments are rnnkit.grading.assignments; each is written as solutions/<id>.md.
# Source notebooks, with solutions and hidden tests, built from those: solutions/<id>/<id>.ipynb.
solutions: venv
	$(ACTIVATE) python -m rnnkit.grading.build

# Released notebooks: solutions and hidden tests stripped by nbgrader, committed to exercises/.
exercises: solutions
	$(ACTIVATE) for id in $$(python -m rnnkit.grading.build --list); do \
	  nbgrader generate_assignment $$id --force --no-db || exit 1; done

clean:
	rm -rf _build
