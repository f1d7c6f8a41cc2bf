# redlane: two commands on a fresh machine — `make demo` and `make test`.
# `setup` builds .venv from uv.lock (uv itself is bootstrapped into .tools/ from PyPI).

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup demo test lint format typecheck pytest bench check-lock docs clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# Stale when the lock or the project metadata changed since the last sync.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-extras
	touch $@

setup: $(VENV)/.synced

demo: setup
	$(BIN)/redlane demo

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: setup
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

check-lock: $(UV)
	$(UV) lock --check

test: check-lock lint typecheck pytest

bench: setup
	$(BIN)/redlane bench ingest --parcels 200000

docs: setup
	$(BIN)/redlane feeds docs > docs/feeds.md

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
