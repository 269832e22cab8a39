# Two commands on a fresh machine: `make demo` and `make test`. Nothing global is installed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test docs lint typecheck bench bench-collect validate-example clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/preflight demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

$(VENV)/.installed-docs: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

# The docs site (mkdocs.yml over docs/) into site/; --strict fails on a broken link or anchor.
# NO_MKDOCS_2_WARNING: Material for MkDocs' banner on every build (its end of life, May 2027).
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

lint: $(VENV)/.installed-test
	$(BIN)/ruff check preflight tests bench
	$(BIN)/ruff format --check preflight tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.changes

bench-collect: $(VENV)/.installed-test
	$(BIN)/python -m bench.collect --spans 1000000

# Real faults in the running shop example vs preflight's prediction (about 5 minutes; VALIDATE_ARGS=--seconds 20).
validate-example: $(VENV)/.installed-test
	$(BIN)/python examples/shop/validate.py --output examples/shop/validation.md $(VALIDATE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage site
