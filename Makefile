# teikit — the two commands of the quick start: `make build` and `make test`.
# Both work on a fresh machine: they create .venv, install the project, and (for tests)
# the checkers the tests use: a JRE for jing, epubcheck and the Nu checker, Chromium.

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
EDITION  := tei/problems-of-development-of-the-ussr-1931.xml
DIST     ?= dist
TOOLS    := .cache/tools
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: build test test-fast lint bench clean tools schemas

build: $(VENV)/.installed
	$(BIN)/teikit build $(EDITION) -o $(DIST)

$(VENV)/.installed: pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# tei_all.rng (TEI P5 4.3.0) into teikit's schema store, checked by SHA-256.
schemas: $(VENV)/.installed
	$(BIN)/teikit schemas fetch tei_all

# System tools the tests drive; installed only when missing and when we may (root).
tools:
	@command -v java >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq default-jre-headless >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@command -v xmllint >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq libxml2-utils >/dev/null; }
	@[ -f $(TOOLS)/node_modules/vnu-jar/build/dist/vnu.jar ] || \
	  npm install --silent --no-audit --no-fund --prefix $(TOOLS) vnu-jar >/dev/null

# Bytecode is cached even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# the suite starts hundreds of Python processes (the CLI, pytest, workers), and each would
# compile teikit, and pytest rewrite every test module's asserts, from source again (a
# fifth of the suite's CPU).
test: build $(VENV)/.test-installed tools schemas
	TEIKIT_VNU_JAR=$(CURDIR)/$(TOOLS)/node_modules/vnu-jar/build/dist/vnu.jar \
	  PYTHONDONTWRITEBYTECODE= PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -q

# Everything but the tests marked slow (corpus runs, external checkers over many files):
# the loop to run while working, in two pytest-xdist processes.
test-fast: $(VENV)/.test-installed
	TEIKIT_VNU_JAR=$(CURDIR)/$(TOOLS)/node_modules/vnu-jar/build/dist/vnu.jar \
	  PYTHONDONTWRITEBYTECODE= PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/python -m pytest -q -m "not slow" -n 2 -p no:cacheprovider

# ruff (style, imports, McCabe complexity <= 15), ruff's formatting and mypy --strict over
# src must all pass; tests/test_lint.py runs the same three in the suite, so CI enforces them.
lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy --strict src

bench: $(VENV)/.test-installed tools schemas
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(DIST) build .pytest_cache tests/output
