# coodie developer commands. Targets other tooling relies on:
# install, cassandra-up, cassandra-down, test, demo, bench, typecheck.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install cassandra-up cassandra-down cassandra-status lint format typecheck \
        node-check typing-score unit integration test demo bench fuzz clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[scylla,acsylla,dev]"
	touch $(STAMP)

cassandra-up:
	tools/cassandra/node up

cassandra-down:
	tools/cassandra/node down

cassandra-status:
	tools/cassandra/node status

lint: install
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/ruff format --check src tests benchmarks examples

format: install
	$(VENV)/bin/ruff check --fix src tests benchmarks examples
	$(VENV)/bin/ruff format src tests benchmarks examples

typecheck: install
	$(VENV)/bin/mypy --config-file mypy.ini

# pyright (from PyPI, in the dev extra) runs tests/typing/cases_pyright on the system's
# Node.js; its first run fetches the pyright release it wraps (needs the network once).
node-check:
	@command -v node >/dev/null || { \
	  echo "tests/typing runs pyright, which needs Node.js on the PATH:"; \
	  echo "  sudo apt-get install nodejs    (Debian/Ubuntu; or https://nodejs.org)"; \
	  echo "  or: $(PY) -m pip install 'pyright[nodejs]'   (a Node.js wheel for pyright)"; \
	  exit 1; }

# Caught/false-positive figures of the typing suites, per checker.
typing-score: install node-check
	$(PY) tools/typing_score.py

unit: install node-check
	$(PY) -m pytest tests --ignore=tests/integration -q

integration: install cassandra-up
	$(PY) -m pytest tests/integration -q

# Everything: lint, types, unit, typing, property and integration tests against the real
# node, then the integration suite again with coodie's models on the acsylla driver.
test: install cassandra-up node-check lint typecheck
	$(PY) -m pytest tests -q -p no:cacheprovider
	COODIE_TEST_DRIVER=acsylla $(PY) -m pytest tests/integration -q -p no:cacheprovider
	$(PY) benchmarks/run.py --quick  # a smoke pass so the benchmarks keep working; times nothing

demo: install cassandra-up
	$(PY) examples/quickstart.py

bench: install cassandra-up
	$(PY) benchmarks/run.py --update-docs

# The differential tests, long, with random seeds (FUZZ_SEED=n to replay one).
FUZZ_SEED ?= $(shell python3 -c 'import random; print(random.randrange(1 << 30))')
fuzz: install cassandra-up
	@echo "fuzz seed: $(FUZZ_SEED) (replay with make fuzz FUZZ_SEED=$(FUZZ_SEED))"
	HYPOTHESIS_PROFILE=fuzz COODIE_FUZZ_SEED=$(FUZZ_SEED) COODIE_FUZZ_TABLES=12 COODIE_FUZZ_ROWS=80 \
	  $(PY) -m pytest tests/property -q -p no:cacheprovider --hypothesis-show-statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
