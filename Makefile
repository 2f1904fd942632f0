# Two commands for a newcomer: `make run` (set up and publish on the embedded store)
# and `make test` (set up everything the tests need, then lint, type-check and test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYDIRS := src tests $(wildcard benchmarks)

.PHONY: run test lint typecheck pytest validate system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-run

# npm packages from package-lock.json: YASGUI for the SPARQL query page (served by kgpub
# itself; without it the page keeps its plain form) and axe-core for the browser tests
node_modules/.package-lock.json: package-lock.json
	npm ci --silent --no-audit --no-fund || echo "npm ci failed: the SPARQL page keeps its plain form" >&2

run: $(VENV)/.installed-run node_modules/.package-lock.json
	$(BIN)/kgpub serve

validate: $(VENV)/.installed-run
	$(BIN)/kgpub validate

system-deps:
	bash scripts/system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(PYDIRS)
	$(BIN)/ruff format --check $(PYDIRS)

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test system-deps
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
