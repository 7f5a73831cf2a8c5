# Two commands on a fresh machine: `make serve` (or `make demo`) runs the app, `make test` runs the checks
# (lint, format, types) and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve demo check test bench vendor-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/facilitator serve

demo: $(STAMP)
	$(BIN)/facilitator demo

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: check
	scripts/services
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/fanout.py
