# The two set-up commands in the README are `make demo` and `make check`.
# Each builds a local virtualenv in .venv from nothing but python3 and pip.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export NO_MKDOCS_2_WARNING := 1
STAMP  := $(VENV)/.installed

.PHONY: demo check lint typecheck test docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependency groups (PEP 735) need pip >= 25.1, which the step above provides.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[postgres,holidays,sqlalchemy,testing]' --group dev
	touch $(STAMP)

## demo: create .venv, install clubrules, and run the end-to-end demo.
demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/clubrules demo

## check: install everything and run ruff, the import contracts, mypy --strict, pytest and the strict docs build.
check: $(STAMP)
	$(MAKE) --no-print-directory lint typecheck test docs

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy --strict

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) site build dist .mypy_cache .pytest_cache .ruff_cache .hypothesis
