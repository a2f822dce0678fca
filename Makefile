# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

run: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/crmbot run

migrate: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/crmbot migrate

test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
