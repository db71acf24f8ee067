# Alex. `make up` serves the app on http://localhost:8000; `make test` runs every check.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv
PYTEST_WORKERS ?= 2
FRONTEND_SOURCES := $(shell find frontend/pages frontend/components frontend/lib frontend/styles \
	frontend/public -type f 2>/dev/null) frontend/package-lock.json frontend/package.json \
	frontend/next.config.ts frontend/tsconfig.json frontend/postcss.config.mjs

.PHONY: up serve test lint typecheck pytest frontend frontend-test deps uv clean

# --- setup -------------------------------------------------------------------------------
uv:
	@command -v uv >/dev/null 2>&1 || { echo "installing uv"; python3 -m pip install --user --quiet uv; }

deps: uv
	@$(UV) sync --frozen --quiet

# `npm ci` installs exactly the lock, and refuses one that lacks any platform's optional
# binaries (@next/swc-darwin-*, …), so the same file installs on Linux, macOS and Windows.
# To change dependencies, run `npm install …` in a frontend/ without node_modules: on top of
# an existing node_modules npm can drop the other platforms' entries (npm/cli#4828).
frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuilt only when a source file is newer than the last build.
frontend/out/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd frontend && npm run build
	@touch $@

frontend: frontend/out/index.html

# --- run ---------------------------------------------------------------------------------
up: deps frontend
	$(UV) run alex db seed
	@echo "Alex is starting on http://localhost:8000 (demo user: 'demo'; Ctrl-C stops it)"
	$(UV) run alex serve

serve: deps
	$(UV) run alex serve

# --- checks ------------------------------------------------------------------------------
lint: deps
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks
	$(UV) run lint-imports

typecheck: deps
	$(UV) run mypy src

frontend-test: frontend/node_modules/.package-lock.json
	cd frontend && npm run typecheck && npm run lint && npm run format:check && npm test

# The browser tests run in their own pytest process: Playwright's sync API keeps an event loop
# on the main thread for the whole session, which would break asyncio tests sharing a worker.
pytest: deps frontend
	$(UV) run pytest -q -n $(PYTEST_WORKERS) -m "not e2e"
	$(UV) run pytest -q -m e2e

test: lint typecheck frontend-test pytest

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache frontend/out frontend/.next
