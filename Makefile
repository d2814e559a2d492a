# Quick start: `make crawl` (set up, then crawl: the real site when reachable, else the
# bundled mirror) and `make test` (lint, types, tests). Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The bundled mirror's port: fixed, so that the mirror is the same site from one run to the
# next (a second `make crawl` is incremental). Taken by another program? make crawl MIRROR_PORT=8766
MIRROR_PORT ?= 8765
# More arguments for the crawl (tests/mirror/crawl.py), e.g. CRAWL_ARGS="-- -a sections=sy/whyw"
CRAWL_ARGS ?=

.PHONY: setup crawl mirror-crawl test lint clean deploy-local deploy-local-stop

$(STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test,deploy,ocr,archive]'
	touch $@

setup: $(STAMP)

crawl: $(STAMP)
	@$(BIN)/python -m tests.mirror.crawl --auto --port $(MIRROR_PORT) $(CRAWL_ARGS)

mirror-crawl: $(STAMP)
	@$(BIN)/python -m tests.mirror.crawl --port $(MIRROR_PORT) $(CRAWL_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Two workers: the suite is mostly crawls against local servers, ~16 min on one core.
# Each file's tests stay on one worker (module fixtures: family mirrors, scrapyd).
TEST_WORKERS ?= 2

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# A scrapyd of the project's own on 127.0.0.1:6800 (DEPLOY_LOCAL_PORT) and the mirror, both
# left running in the background; deploys the egg, runs wuhan once on the mirror, waits,
# prints the feed and the verdict. Everything under output/scrapyd/ (DEPLOY_LOCAL_DIR).
deploy-local: $(STAMP)
	$(BIN)/python -m tests.deploy_local run

deploy-local-stop:
	$(BIN)/python -m tests.deploy_local stop

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
