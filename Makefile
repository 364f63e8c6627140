# The project's commands. Only Python 3.11+ and make are needed; `make demo` builds the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: install demo test bench serve lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the toolkit and what it needs into $(VENV) (a few minutes the first time) …"
	@# -qq: pip and the build say nothing but errors (no notices, no setuptools' box about
	@# editable installs); an error still prints and stops make.
	@$(BIN)/python -m pip install -qq --upgrade pip
	@$(BIN)/python -m pip install -qq -e '.[test]'
	@# jsonschema imports the optional rfc3987-syntax (pulled in by jupyter-events) on every
	@# nbformat import: ~1.4 s per process for IRI format checks we never use. See README.
	@$(BIN)/python -m pip uninstall -qq --yes rfc3987-syntax
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	@$(BIN)/cct demo

# JupyterHub's proxy for tests/serve/test_hub.py, from tests/node's lock file (needs npm; without
# it that test is skipped with its reason, and fails in CI)
NODE_PROXY := tests/node/node_modules/.bin/configurable-http-proxy

$(NODE_PROXY): tests/node/package-lock.json
	@if command -v npm > /dev/null; then \
	  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the JupyterHub service test will be skipped"; fi

# One pytest worker per core (pytest-xdist); each test file stays on one worker, so a file's
# servers and module fixtures start once. TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= auto

test: install $(NODE_PROXY)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: install
	$(BIN)/python benchmarks/run.py

serve: install
	$(BIN)/cct db upgrade
	$(BIN)/cct serve

lint: install
	$(BIN)/ruff check toolkit tests benchmarks
	$(BIN)/ruff format --check toolkit tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
