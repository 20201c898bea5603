# tieout — the whole set-up is `make demo` and `make test` on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed
export TIEOUT_HOME ?= $(CURDIR)/var
export RUNTIME__DLTHUB_TELEMETRY := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

APT_PACKAGES := unixodbc unixodbc-dev libsqliteodbc
# Debian's python3 needs python3-venv for `python3 -m venv`; a pyenv/python.org build has it.
NEED_VENV_PKG := $(shell $(PYTHON) -c "import ensurepip" >/dev/null 2>&1 || echo python3-venv)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help system venv demo test lint bench clean build manifest

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

system:  ## install the Debian packages the project needs (ODBC driver manager + SQLite3 ODBC driver) when missing
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' || \
	  { echo "tieout needs Python 3.11 (found $$($(PYTHON) --version 2>&1)); run make PYTHON=/path/to/python3.11"; exit 1; }
	@missing=""; for p in $(APT_PACKAGES) $(NEED_VENV_PKG); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi

$(STAMP): pyproject.toml requirements.lock | system
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip install -q --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)  ## create .venv with the locked Python packages

demo: venv  ## generate a small scenario, serve it (Procore emulator + Sage test company), run the pipeline
	$(BIN)/tieout run --size small --seed 7

test: venv  ## run the whole test suite (real emulator over HTTP, real ODBC, real DuckDB/PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: venv  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv  ## scale runs (gc60); writes bench/report.md
	$(BIN)/python -m bench.run

build: venv  ## dbt models + reconciliation checks on the warehouse under TIEOUT_HOME (DBT_TARGET=postgres for PostgreSQL)
	$(BIN)/tieout build

manifest: venv  ## write dbt_project/target/manifest.json, which the Dagster code location loads (image builds, CI)
	$(BIN)/dbt parse --project-dir dbt_project --profiles-dir . --quiet

clean:  ## remove local state (var/) — keeps .venv
	rm -rf var
