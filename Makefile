# Alex. `make up` serves the app on http://localhost:8000; `make test` runs every check.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv
PYTEST_WORKERS ?= 2
FRONTEND_SOURCES := $(shell find frontend/pages frontend/components frontend/lib frontend/styles \
	frontend/public -type f 2>/dev/null) frontend/package-lock.json frontend/package.json \
	frontend/next.config.ts frontend/tsconfig.json frontend/postcss.config.mjs

.PHONY: up serve test lint typecheck pytest frontend frontend-test infra terraform-validate deps uv clean

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

# --- AWS ---------------------------------------------------------------------------------
# The Lambda artifacts Terraform deploys: dist/lambda/api.zip and dist/lambda/worker.zip.
.PHONY: package
package: deps
	$(UV) run python scripts/package_lambda.py

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

# Static checks of terraform/: checkov in its own tool environment (offline once installed),
# judged against terraform/exceptions.yaml (each excused failure has its reason there); the
# var-file turns on the optional resources so they are scanned too. `terraform fmt` needs no
# provider, so it runs whenever terraform is installed. (The parse, handler, environment and
# IAM checks are in tests/infra, part of `pytest`.)
CHECKOV := checkov==3.2.533
infra: deps
	@mkdir -p build
	CKV_SKIP_PACKAGE_UPDATE_CHECK=true $(UV) tool run --quiet --from '$(CHECKOV)' checkov \
		--directory terraform --framework terraform --skip-download --soft-fail --output json \
		--var-file tests/infra/checkov.tfvars.json > build/checkov.json
	$(UV) run python tests/infra/checkov_gate.py build/checkov.json terraform/exceptions.yaml
	@if command -v terraform >/dev/null 2>&1; then terraform fmt -check -recursive terraform; \
	else echo "terraform is not on PATH: skipped terraform fmt -check"; fi

# Not part of `test`: `init` needs the AWS provider, from the registry or from a mirror named
# in TF_CLI_CONFIG_FILE.
terraform-validate:
	@for part in terraform/[0-9][0-9]_*/; do \
		echo "terraform validate $$part"; \
		terraform -chdir=$$part init -backend=false -input=false >/dev/null && \
		terraform -chdir=$$part validate -no-color || exit 1; \
	done

test: lint typecheck frontend-test pytest infra

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache frontend/out frontend/.next
