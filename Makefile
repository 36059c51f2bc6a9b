# newsmon: `make run` runs the monitor on sources.yaml, `make test` runs every test.
# Each target creates the virtual environment (.venv) from pyproject.toml when needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test test-slow lint bench soak clean

$(BIN)/newsmon: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/newsmon            ## the daemon on the shipped sources.yaml, SQLite in data/
	$(BIN)/newsmon run

test: lint                     ## lint + the whole suite (SQLite and PostgreSQL)
	$(BIN)/python -m pytest -q

test-slow: $(BIN)/newsmon      ## the long runs: fuzzers at 10,000 examples, soak
	$(BIN)/python -m pytest -q -m slow

lint: $(BIN)/newsmon           ## ruff, ruff format --check, mypy, import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(BIN)/newsmon          ## every benchmark beside its peer; writes docs/benchmarks.md
	$(BIN)/python bench/run_all.py

soak: $(BIN)/newsmon           ## the daemon with 50 healthy + 50 faulty sources, 20 cycles
	$(BIN)/python bench/soak.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
