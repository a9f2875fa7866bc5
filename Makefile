# One task runner for people and CI. Every target sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-data

.PHONY: demo test lint bench clean install messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make demo: build the demo organisation, import its files, show the strongest and weakest locations,
## write the executive report (report.html), print one login per role and serve the dashboards
demo: $(STAMP)
	rm -f servicechain.duckdb servicechain.duckdb.wal
	$(BIN)/servicechain demo --export-dir $(DEMO_DIR)
	$(BIN)/servicechain status
	$(BIN)/servicechain scorecard --level location --measure ce_index --top 5
	$(BIN)/servicechain report --html report.html
	@cat $(DEMO_DIR)/demo-logins.txt
	$(BIN)/servicechain serve --dev --host 127.0.0.1 --port 8000

## make test: the whole test suite on DuckDB and PostgreSQL
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

## make messages: add new web messages to the Dutch catalogue (then translate the empty ones)
messages: $(STAMP)
	$(BIN)/python scripts/update_messages.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src/servicechain

## make bench: import throughput and demo generation (1M and 10M responses), pages, intake API
bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/layout.py
	$(BIN)/python bench/scorecard.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/text.py
	$(BIN)/python bench/intake.py

clean:
	rm -rf $(VENV) servicechain.duckdb servicechain.duckdb.wal $(DEMO_DIR) .pytest_cache
