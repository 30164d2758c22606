# rio's development commands. `make help` lists them; every target works from a clean clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(abspath $(VENV))/bin/python
# One interpreter for maturin and cargo, so pyo3's build script does not rebuild on every switch.
export PYO3_PYTHON := $(PY)
export VIRTUAL_ENV := $(abspath $(VENV))
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install build postgres test test-rust lint format bench bench-peers demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'maturin>=1.9.4,<2'
	touch $@

install: build ## Create .venv and install rio with its test dependencies (alias of build)

build: $(VENV)/.created ## Build the Rust core (release) into .venv with maturin, with the test extras
	$(VENV)/bin/maturin develop --release --extras test --quiet

postgres: ## Install Debian's PostgreSQL server binaries if the machine has none
	@if [ -x "$$(pg_config --bindir 2>/dev/null)/initdb" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "PostgreSQL server binaries: found"; \
	else \
	  echo "PostgreSQL server binaries: not found, installing Debian's postgresql"; \
	  $(SUDO) mkdir -p /etc/postgresql-common; \
	  [ -f /etc/postgresql-common/createcluster.conf ] || \
	    echo 'create_main_cluster = false' | $(SUDO) tee /etc/postgresql-common/createcluster.conf >/dev/null; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	fi

test: build postgres lint test-rust ## Everything CI runs: Rust tests, lints, type checks and pytest
	RIO_REQUIRE_SERVERS=1 $(PY) -m pytest

test-rust:
	cargo test --quiet
	cargo clippy --all-targets --quiet -- -D warnings

lint: $(VENV)/.created ## cargo fmt, ruff, mypy and the stub check of rio._core
	cargo fmt --check
	$(VENV)/bin/ruff check rio tests
	$(VENV)/bin/ruff format --check rio tests
	$(VENV)/bin/mypy
	$(PY) -m mypy.stubtest rio._core

format: $(VENV)/.created ## Format Rust and Python sources in place
	cargo fmt
	$(VENV)/bin/ruff format rio tests
	$(VENV)/bin/ruff check --fix rio tests

bench: build ## Run the benchmarks in tests/benchmarks and print their figures
	$(PY) tests/benchmarks/run.py

bench-peers: build ## rio against dlt into DuckDB (dlt in target/bench-peers/venv, from PyPI)
	$(PY) tests/benchmarks/peers/compare_dlt.py --venv target/bench-peers/venv

demo: build ## Pack a million synthetic events and load them into rio-demo.duckdb (no AWS, no server)
	$(PY) -m rio.demo

clean: ## Remove the build outputs and the virtual environment
	rm -rf target $(VENV) rio/_core*.so .pytest_cache .ruff_cache .mypy_cache .hypothesis rio-demo-data rio-demo.duckdb
