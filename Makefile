# redlane: two commands on a fresh machine — `make demo` and `make test`.
# `setup` builds .venv from uv.lock (uv itself is bootstrapped into .tools/ from PyPI).

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# Locally `make test` runs the fast default (no `slow` or `spark` tests, under 10 minutes on two
# cores); under CI=true, and with `make pytest-all`, every test runs.
ALL_TESTS := -m "slow or spark or not (slow or spark)"
ifdef CI
PYTEST_ARGS ?= $(ALL_TESTS)
endif
PYTEST_ARGS ?=

.PHONY: setup demo test lint format typecheck pytest pytest-all bench check-lock audit docs clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# Stale when the lock or the project metadata changed since the last sync. Bytecode is compiled
# here, once: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) Python never caches it,
# and every process (each CLI run a test or benchmark starts) compiled scikit-learn, LightGBM and
# Splink from source again: about 8 of the 14 seconds it took to import them.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-extras --compile-bytecode
	touch $@

# The console's front-end libraries (htmx, cytoscape.js, Chart.js) from npm, never committed.
# Re-run only when the lock changes; without npm the console still works, minus graph and charts.
WEB := src/redlane/api/web
$(WEB)/node_modules/.installed: $(WEB)/package-lock.json $(WEB)/package.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "npm not found: console graphs and charts disabled (apt-get install npm)"; \
	fi

# The project's own modules too (quick when nothing changed: compileall skips what is current).
setup: $(VENV)/.synced $(WEB)/node_modules/.installed
	@$(BIN)/python -m compileall -q src >/dev/null

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
	$(BIN)/pytest -n 2 --dist worksteal --durations=30 $(PYTEST_ARGS)

pytest-all: setup
	$(BIN)/pytest -n 2 --dist worksteal --durations=30 $(ALL_TESTS)

check-lock: $(UV)
	$(UV) lock --check

test: check-lock lint typecheck pytest

bench: setup
	$(BIN)/redlane bench ingest --parcels 200000

# Known vulnerabilities in every package of uv.lock (pip-audit; exit 2: advisories unreachable).
audit: setup
	$(BIN)/python scripts/audit_deps.py

docs: setup
	$(BIN)/redlane feeds docs > docs/feeds.md

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache
