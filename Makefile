# Alex: `make up` serves the app on http://localhost:8000; `make test` runs every check.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PYTEST_WORKERS ?= 2

.PHONY: up test lint typecheck pytest uv deps db serve clean

uv:
	@command -v uv >/dev/null 2>&1 || test -x $(HOME)/.local/bin/uv || \
		(echo "installing uv" && python3 -m pip install --user --quiet uv)

deps: uv
	@$(UV) sync --frozen --quiet

db: deps
	@$(UV) run alex db seed

up: db
	@echo
	@echo "Alex database is ready (demo user: 'demo')."
	@echo "Try:  uv run alex --help"

lint: deps
	$(UV) run ruff check src tests benchmarks
	$(UV) run ruff format --check src tests benchmarks

typecheck: deps
	$(UV) run mypy src

pytest: deps
	$(UV) run pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

test: lint typecheck pytest

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
