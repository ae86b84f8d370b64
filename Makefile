# Two set-up commands on a fresh machine: `make run` (install and start the app) and
# `make test` (install and run the whole suite). Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint self-test bench bench-smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/reseller-desktop

test: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests migrations
	$(BIN)/ruff format --check src tests migrations
	$(BIN)/mypy

# The benchmarks at full scale (about 20 minutes on 2 cores); BENCH_ARGS="--scale 0.1" for less.
# The repository root is on the path for the fake marketplaces the sync figures run against.
bench: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen PYTHONPATH=. $(BIN)/reseller-desktop bench $(BENCH_ARGS)

# CI's smoke run: every figure measured at 1% scale, nothing judged.
bench-smoke: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen PYTHONPATH=. $(BIN)/reseller-desktop bench --scale 0.01 --runs 5 --json $(VENV)/bench-smoke.json

self-test: $(VENV)/.installed-app
	$(BIN)/reseller-desktop --self-test

# The installers (Linux): PyInstaller bundle, .tar.gz and .deb in dist/ (packaging/README.md).
.PHONY: package package-test
$(VENV)/.installed-package: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[package]'
	touch $@ $(VENV)/.installed-app

package: $(VENV)/.installed-package
	PYTHON=$(BIN)/python packaging/build-linux.sh

# CI, as root: build, install the .deb with apt, run the installed app's --self-test as an
# ordinary user, offscreen and on Xvfb, and check every bundled library resolves.
package-test: $(VENV)/.installed-package
	PYTHON=$(BIN)/python packaging/package-test.sh

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
