# Two commands on a fresh machine: `make serve` (or `make demo`) runs the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve demo test bench vendor-check

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/facilitator serve

demo: $(STAMP)
	$(BIN)/facilitator demo

test: $(STAMP)
	scripts/services
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/fanout.py
