# E-commerce operations workbook. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := data/sample
REPORTS := reports
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed -e 's/^## /  make /' -e 's/: / \t/' | expand -t 24

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ needed, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)

# The analyst install: reports, JupyterLab and the dashboard; no test, Spark or browser tooling.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name ecommerce-workbook \
		--display-name "Python 3 (ecommerce-workbook)" >/dev/null
	@touch $@

# The developer's tools on top: tests, Spark, the browser test, ruff, nbstripout.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@if [ -d .git ]; then $(BIN)/nbstripout --install --attributes .git/info/attributes; fi
	@touch $@

## install: create .venv (if absent) and install the workbook (reports, lab, dashboard)
install: $(VENV)/.installed

## install-dev: install with the developer's tools too (tests, Spark, browser test, ruff, nbstripout)
install-dev: $(VENV)/.installed-dev

$(SAMPLE)/orders.csv: | $(VENV)/.installed
	$(BIN)/workbook sample --out $(SAMPLE)

## sample: write the sample shop into data/sample (if absent)
sample: $(SAMPLE)/orders.csv

## reports: set up, then execute every notebook on the sample shop into reports/ (open reports/index.html)
reports: install sample
	$(BIN)/workbook run runs.yaml --out $(REPORTS)

## test: set up, then run the whole test suite (every tier, and every notebook under nbval)
test: install-dev sample
	$(BIN)/python -m pytest tests --nbval-lax --nbval-kernel-name python3 notebooks $(PYTEST_ARGS)

## test-fast: the unit tier only (no truth recovery, no notebook runs, no Spark): minutes, not ten
test-fast: install-dev sample
	$(BIN)/python -m pytest tests -m "not recovery and not reports and not spark" $(PYTEST_ARGS)

## test-recovery: the analyses recover the truth the sample generator simulated
test-recovery: install-dev sample
	$(BIN)/python -m pytest tests -m recovery $(PYTEST_ARGS)

## test-reports: notebooks and batch runs end to end (papermill, nbval, the browser)
test-reports: install-dev sample
	$(BIN)/python -m pytest tests --nbval-lax --nbval-kernel-name python3 notebooks -m reports $(PYTEST_ARGS)

## test-engines: the helpers on Spark as well as DuckDB (needs Java 17+)
test-engines: install-dev sample
	$(BIN)/python -m pytest tests -m spark $(PYTEST_ARGS)

## lint: ruff on the code and notebooks
lint: install-dev
	$(BIN)/ruff check helpers tests benchmarks

## docs: regenerate docs/data.md and docs/metrics.md from the code
docs: install
	$(BIN)/workbook docs

## check: validate a data folder (make check DATA=path/to/exports)
check: install
	$(BIN)/workbook check $(or $(DATA),$(SAMPLE))

## lab: open JupyterLab on the project with the sample shop ready (extra options: make lab ARGS="--port 9999")
lab: install sample
	$(BIN)/jupyter lab --notebook-dir=. --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(ARGS)

## dashboard: serve the reports as an app with Voilà on http://127.0.0.1:8866 (shops: WORKBOOK_SHOPS="名=folder;...")
# dashboard/voila.json: kernels preheated, the landing page (dashboard/index.ipynb) at "/".
dashboard: install sample
	JUPYTER_PATH=$(CURDIR)/dashboard $(BIN)/voila . --no-browser --Voila.ip=127.0.0.1 --port=$(or $(PORT),8866) \
		--Voila.config_file_paths=$(CURDIR)/dashboard

## clean: remove the virtualenv, caches and generated reports (keeps data/sample)
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
	find $(REPORTS) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +

.PHONY: help install install-dev sample reports test test-fast test-recovery test-reports test-engines lint docs check lab dashboard clean
