# Two commands for a fresh machine: `make demo` and `make test`. Both install first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_HOME := $(CURDIR)/.dagster_home
DEMO_DB := data/demo.sqlite
DEMO_PORT ?= 8765

.PHONY: install demo test test-fast lint ui bench

# The demo and the UI share one instance; tests make their own.
demo ui: export DAGSTER_HOME = $(DEMO_HOME)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The instance settings live outside the project root: a dagster.yaml in the root would make
# `dg dev` warn that it is ignored in favour of $$DAGSTER_HOME.
$(DEMO_HOME)/dagster.yaml: deploy/local/dagster.yaml
	mkdir -p $(DEMO_HOME)
	cp deploy/local/dagster.yaml $@

## Import the last 3 days from the bundled demo shop into data/demo.sqlite and print a summary.
demo: $(STAMP) $(DEMO_HOME)/dagster.yaml
	$(PY) -m gomag_assets.demo.run --db $(DEMO_DB)

## Run the whole test suite, the slow end-to-end tests included.
test: $(STAMP)
	$(PY) -m pytest -q

## The inner loop: every test but those marked slow (Dagster processes, crashes, process pairs).
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

## The Dagster UI on http://127.0.0.1:3000, with a demo shop on port $(DEMO_PORT) to sync from.
ui: $(STAMP) $(DEMO_HOME)/dagster.yaml
	$(PY) -m gomag_assets.demo --port $(DEMO_PORT) & shop=$$!; \
	trap "kill $$shop" EXIT; \
	GOMAG_API_URL=http://127.0.0.1:$(DEMO_PORT)/api/v1 \
	GOMAG_API_KEY=demo-key GOMAG_DB_PATH=$(DEMO_DB) $(VENV)/bin/dg dev

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## Measure each stage next to its ceiling and baseline (~14 minutes); writes BENCHMARKS.md.
bench: $(STAMP)
	$(PY) -m benchmarks.run
