# Quick start: `make crawl` (set up, then crawl: the real site when reachable, else the
# bundled mirror), `make test` (lint, types, the whole suite, as CI runs it) and `make
# test-fast` (the unit tier, about a minute). All create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The bundled mirror's port: fixed, so that the mirror is the same site from one run to the
# next (a second `make crawl` is incremental). Taken by another program? make crawl MIRROR_PORT=8766
MIRROR_PORT ?= 8765
# More arguments for the crawl (tests/mirror/crawl.py), e.g. CRAWL_ARGS="-- -a sections=sy/whyw"
CRAWL_ARGS ?=

.PHONY: setup crawl mirror-crawl test test-fast lint clean deploy-local deploy-local-stop

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

# The whole suite, Hypothesis's `ci` profile (tests/profiles.py), the 30 slowest tests printed.
test: lint
	HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=30

# The unit tier (tests/conftest.py's FAST_MODULES, every doctest): no process, no server, a few
# Hypothesis examples a test (the `dev` profile); no lint. Its tests spread over the workers.
test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=dev $(BIN)/python -m pytest -m fast -n $(TEST_WORKERS) --durations=10

# A scrapyd of the project's own on 127.0.0.1:6800 (DEPLOY_LOCAL_PORT) and the mirror, both
# left running in the background; deploys the egg, runs wuhan once on the mirror, waits,
# prints the feed and the verdict. Everything under output/scrapyd/ (DEPLOY_LOCAL_DIR).
deploy-local: $(STAMP)
	$(BIN)/python -m tests.deploy_local run

deploy-local-stop:
	$(BIN)/python -m tests.deploy_local stop

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
