"""Fixtures for the examples' tests: the real node, a fresh keyspace per test module.

Like the integration suite: COODIE_TEST_HOSTS picks the node (default 127.0.0.1),
COODIE_TEST_DRIVER the driver ("scylla" or "acsylla"); a node that does not answer fails
the run. The examples register coodie's "default" driver themselves, so whatever driver
was registered before a test is put back after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from cassandra.cluster import Cluster, Session

from coodie import registry


@pytest.fixture(scope="session")
def hosts() -> list[str]:
    return [h.strip() for h in os.environ.get("COODIE_TEST_HOSTS", "127.0.0.1").split(",")]


@pytest.fixture(scope="session")
def driver_type() -> str:
    return os.environ.get("COODIE_TEST_DRIVER", "scylla")


@pytest.fixture(scope="session")
def cql(hosts: list[str]) -> Iterator[Session]:
    """A plain driver session, to look at what the examples stored."""
    cluster = Cluster(hosts, protocol_version=5)
    try:
        session = cluster.connect()
    except Exception as e:  # a missing node is a failure, never a skip
        cluster.shutdown()
        pytest.fail(f"no Cassandra node answers at {hosts} ({e!r})", pytrace=False)
    yield session
    cluster.shutdown()


@pytest.fixture(scope="module")
def keyspace(cql: Session) -> Iterator[str]:
    """A keyspace name of this module's own; the examples create it, it is dropped after."""
    name = f"coodie_example_{uuid.uuid4().hex[:12]}"
    yield name
    cql.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


@pytest.fixture(autouse=True)
def own_registry() -> Iterator[None]:
    """Each test starts with no coodie driver registered and ends with the previous ones
    back (the examples shut down the drivers they open)."""
    saved, saved_default = dict(registry._drivers), list(registry._default)
    registry._drivers.clear()
    registry._default.clear()
    try:
        yield
    finally:
        registry._drivers.clear()
        registry._drivers.update(saved)
        registry._default[:] = saved_default
