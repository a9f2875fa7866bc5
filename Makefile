# One task runner for people and CI. Every target sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data

.PHONY: demo test lint bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make demo: build the demo organisation, import its files, show the strongest and weakest locations,
## write the executive report (report.html)
demo: $(STAMP)
	rm -f servicechain.duckdb servicechain.duckdb.wal
	$(BIN)/servicechain demo --export-dir $(DEMO_DIR)
	$(BIN)/servicechain status
	$(BIN)/servicechain scorecard --level location --measure ce_index --top 5
	$(BIN)/servicechain report --html report.html

## make test: the whole test suite on DuckDB and PostgreSQL
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src/servicechain

## make bench: import throughput and demo generation (1M and 10M responses)
bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/layout.py
	$(BIN)/python bench/scorecard.py

clean:
	rm -rf $(VENV) servicechain.duckdb servicechain.duckdb.wal $(DEMO_DIR) .pytest_cache
