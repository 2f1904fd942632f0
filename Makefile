# Two commands for a newcomer: `make run` (set up and publish on the embedded store)
# and `make test` (set up everything the tests need, then lint, type-check and test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYDIRS := src tests $(wildcard benchmarks)

.PHONY: run test lint typecheck pytest validate system-deps clean messages

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

# kgpub serve runs Debian's nginx in front of gunicorn: installed here when missing (root;
# otherwise the script says what to run, or to serve with KGPUB_FRONT=none)
run: $(VENV)/.installed-run node_modules/.package-lock.json
	@[ "$${KGPUB_FRONT:-nginx}" = none ] || bash scripts/run-deps.sh
	$(BIN)/kgpub serve

validate: $(VENV)/.installed-run
	$(BIN)/kgpub validate

system-deps:
	bash scripts/system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(PYDIRS)
	$(BIN)/ruff format --check $(PYDIRS)
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

pytest: $(VENV)/.installed-test system-deps
	$(BIN)/pytest

test: lint typecheck pytest

# UI text: extract every _()/gettext/ngettext/pgettext and {% trans %} of src/kgpub (code and
# templates, as babel.cfg maps them) into messages.pot, then merge it into each language's .po
# (new msgids come empty, changed ones fuzzy: translate them, then tests/test_i18n.py passes)
LOCALE := src/kgpub/locale
messages: $(VENV)/.installed-run
	$(BIN)/pybabel extract --mapping-file babel.cfg --output-file $(LOCALE)/messages.pot \
	  --project kgpub --version $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml) \
	  --copyright-holder "kgpub contributors" --add-comments Translators: \
	  --add-location file --sort-output --no-wrap src/kgpub
	$(BIN)/pybabel update --input-file $(LOCALE)/messages.pot --output-dir $(LOCALE) \
	  --domain messages --ignore-obsolete --previous --no-wrap

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output
