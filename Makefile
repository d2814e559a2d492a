# Quick start: `make crawl` (set up, then crawl: the real site when reachable, else the
# bundled mirror) and `make test` (lint, types, tests). Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup crawl mirror-crawl test lint clean

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,deploy]'
	touch $@

setup: $(STAMP)

crawl: $(STAMP)
	$(BIN)/python -m tests.mirror.crawl --auto

mirror-crawl: $(STAMP)
	$(BIN)/python -m tests.mirror.crawl

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
