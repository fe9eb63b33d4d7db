# One-command set-up: `make run` starts the app, `make test` runs the tests. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PORT ?= 8501
SYSTEM_PACKAGES := chromium poppler-utils postgresql

.PHONY: run test unit integration install index lint bench system-deps clean help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

index: $(STAMP) ## Build the vector index from seeds/ if it is missing
	@$(BIN)/mockinterview ingest --if-missing

run: index ## Set up, build the index if missing, start the Streamlit app
	$(BIN)/streamlit run bot/ui/app.py --server.headless true --server.port $(PORT)

system-deps: ## Install the Debian packages the browser, PDF and PostgreSQL tests need (when missing)
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(STAMP) system-deps ## Set up, then run every test (unit and integration)
	$(PY) -m pytest -q

unit: $(STAMP) ## Only the fast offline unit tests
	$(PY) -m pytest -q tests/unit

lint: $(STAMP) ## ruff and mypy
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy

bench: $(STAMP) ## Run the benchmarks and rewrite docs/benchmarks.md
	$(PY) -m bench.run_all

clean: ## Remove the venv and the local index
	rm -rf $(VENV) vectorstore/* data
