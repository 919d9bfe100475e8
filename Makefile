# Two commands for a fresh machine:  make run  and  make test  (see README.md).

# The first Python 3.11+ on PATH, unless PYTHON=... is given.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench prerequisites clean

prerequisites:
	@test -n "$(PYTHON)" || { echo "disclosure needs Python 3.11 or newer: install it (Debian/Ubuntu: apt-get install python3 python3-venv; macOS: brew install python) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "$(PYTHON) lacks venv/ensurepip: install python3-venv (Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }
	@command -v gpg >/dev/null 2>&1 || { echo "disclosure needs GnuPG's gpg binary: install it (Debian/Ubuntu: apt-get install gnupg; macOS: brew install gnupg)"; exit 1; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

run: prerequisites $(VENV)/.installed-run
	$(BIN)/disclosure db upgrade
	DISCLOSURE_BASE_URL=$${DISCLOSURE_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/disclosure demo
	@echo "serving on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	DISCLOSURE_SCHEDULER_IN_PROCESS=true DISCLOSURE_WORKERS=1 \
	DISCLOSURE_BASE_URL=$${DISCLOSURE_BASE_URL:-http://$(HOST):$(PORT)} \
	$(BIN)/disclosure serve --host $(HOST) --port $(PORT)

test: prerequisites $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

# make bench QUICK=1: fewer rounds, the same sizes (see benchmarks/__main__.py).
bench: prerequisites $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
