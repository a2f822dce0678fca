# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The bot is installed editable: its code is read from here, so only a change of
# pyproject.toml (dependencies, the `crmbot` command) needs pip again. A stamp in the venv
# records each install; a new venv has none.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/crmbot run

migrate: $(VENV)/.installed
	$(BIN)/crmbot migrate

# Most tests wait on the fake Telegram, timers and databases rather than on the CPU: four
# workers on two cores (pytest-xdist). The tests marked `alone` time real processes they kill
# (a deadline within seconds), so they run afterwards, one at a time, with nothing beside them.
TEST_WORKERS ?= 4

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not alone"
	$(BIN)/python -m pytest -m alone
