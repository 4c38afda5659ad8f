# coodie developer commands. Targets other tooling relies on:
# install, cassandra-up, cassandra-down, test, demo, bench, typecheck; cluster-up,
# cluster-down, test-cluster (a 3-node cluster on 127.0.0.11-13, see docs/cluster.md);
# test-faults (a durable throwaway node on 127.0.0.22/.23 stopped, killed and frozen under
# load; TLS and passwords; see docs/production.md).
# Also: docs (the site, strict), package (sdist + wheel, twine check).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The examples' programs (their tests are not type-checked, like tests/).
EXAMPLES := examples/fastapi_app/app.py examples/batch_import/importer.py examples/timeseries/timeseries.py \
            examples/inventory/inventory.py

.PHONY: install cassandra-up cassandra-down cassandra-status lint format typecheck \
        node-check typing-score unit integration test demo bench fuzz clean docs package \
        cluster-up cluster-down cluster-status test-cluster test-cluster-smoke test-faults

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[scylla,acsylla,dev,docs,otel]"
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
	$(VENV)/bin/mypy --config-file mypy.ini $(EXAMPLES)

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
	$(PY) -m pytest tests --ignore=tests/integration --ignore=tests/cluster --ignore=tests/faults \
	  --ignore=tests/packaging --ignore=tests/property/test_differential.py -q

integration: install cassandra-up
	$(PY) -m pytest tests/integration -q

# The documentation site, from docs/ and the docstrings, into site/; any warning fails.
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# sdist and wheel into dist/, checked by twine (tests/packaging installs the wheel).
package: install
	rm -rf dist
	$(PY) -m build --quiet --sdist --wheel --outdir dist . > /dev/null
	$(VENV)/bin/twine check --strict dist/*

# Everything: lint, types, the docs site, the package, unit, typing, property, packaging,
# examples and integration tests against the real node, then the integration suite and
# the examples again with coodie's models on the acsylla driver, then the integration
# suite a third time on the in-memory driver (coodie.testing; the tests it cannot pass
# are strict xfails listed in tests/integration/memory_limits.py).
test: install cassandra-up node-check lint typecheck docs package
	COODIE_TEST_WHEEL=$$(ls dist/coodie-*.whl) $(PY) -m pytest tests examples -q -p no:cacheprovider --ignore=tests/cluster --ignore=tests/faults
	COODIE_TEST_DRIVER=acsylla $(PY) -m pytest tests/integration examples -q -p no:cacheprovider
	COODIE_TEST_DRIVER=memory $(PY) -m pytest tests/integration -q -p no:cacheprovider  # the in-memory driver; its limits: docs/testing-your-app.md
	$(PY) benchmarks/run.py --quick  # a smoke pass so the benchmarks keep working; times nothing

# The cluster: 3 nodes (dc1: 127.0.0.11 and .12, dc2: .13), files under .cassandra/cluster/.
# It never touches the single node above. Bring it down when done: 3 x ~1.2 GB.
cluster-up:
	tools/cassandra/node cluster up

cluster-down:
	tools/cassandra/node cluster down

cluster-status: install
	tools/cassandra/node cluster status

# The integration suite on the cluster, both drivers, twice: a keyspace at SimpleStrategy RF 3
# with QUORUM reads and writes and SERIAL LWTs, then NetworkTopologyStrategy dc1: 2, dc2: 1 at
# LOCAL_QUORUM / LOCAL_SERIAL; then the cluster tests (node loss, routing, schema agreement).
CLUSTER_ENV := COODIE_TEST_HOSTS=127.0.0.11,127.0.0.12,127.0.0.13
SIMPLE_RF3 := COODIE_TEST_REPLICATION='{"class": "SimpleStrategy", "replication_factor": 3}' \
              COODIE_TEST_CONSISTENCY=QUORUM COODIE_TEST_SERIAL_CONSISTENCY=SERIAL
NTS_2_1 := COODIE_TEST_REPLICATION='{"class": "NetworkTopologyStrategy", "dc1": 2, "dc2": 1}' \
           COODIE_TEST_CONSISTENCY=LOCAL_QUORUM COODIE_TEST_SERIAL_CONSISTENCY=LOCAL_SERIAL \
           COODIE_TEST_LOCAL_DC=dc1
test-cluster: install cluster-up
	@set -e; for driver in scylla acsylla; do \
	  echo "== integration suite on the cluster, $$driver: SimpleStrategy RF 3, QUORUM, SERIAL"; \
	  $(CLUSTER_ENV) $(SIMPLE_RF3) COODIE_TEST_DRIVER=$$driver \
	    $(PY) -m pytest tests/integration -q -p no:cacheprovider; \
	  echo "== integration suite on the cluster, $$driver: dc1 2 + dc2 1, LOCAL_QUORUM, LOCAL_SERIAL"; \
	  $(CLUSTER_ENV) $(NTS_2_1) COODIE_TEST_DRIVER=$$driver \
	    $(PY) -m pytest tests/integration -q -p no:cacheprovider; \
	  echo "== cluster tests (node loss, routing, schema agreement), $$driver"; \
	  COODIE_TEST_DRIVER=$$driver $(PY) -m pytest tests/cluster -q -p no:cacheprovider; \
	done

# What CI runs on the cluster (the full suite above takes about half an hour here): the
# cluster tests (node loss, routing, schema agreement) on both drivers.
test-cluster-smoke: install cluster-up
	@set -e; for driver in scylla acsylla; do \
	  echo "== cluster tests (node loss, routing, schema agreement), $$driver"; \
	  COODIE_TEST_DRIVER=$$driver $(PY) -m pytest tests/cluster -q -p no:cacheprovider; \
	done

# The fault tests: each starts its own durable node (no unsafesystem, group commitlog) on
# 127.0.0.22 (and .23 for TLS and passwords) under pytest's temporary directory, and stops
# it after; the shared node on 127.0.0.1 is not touched. Both drivers, sync and async.
test-faults: install
	$(PY) -m pytest tests/faults -q -p no:cacheprovider

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
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site dist
