"""Fixtures for tests that talk to a real Cassandra node.

The node is the one `make cassandra-up` starts on 127.0.0.1:9042; set COODIE_TEST_HOSTS
(comma separated, optionally host:port) to run against another cluster. A node that does
not answer fails the run: nothing here skips. COODIE_TEST_DRIVER picks the driver
coodie's models use ("scylla", the default, or "acsylla"); `make test` runs both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from cassandra.cluster import Cluster, Session


def _contact_points() -> tuple[list[str], int]:
    raw = os.environ.get("COODIE_TEST_HOSTS", "127.0.0.1")
    hosts: list[str] = []
    port = 9042
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        host, sep, p = item.rpartition(":")
        if sep and p.isdigit() and "]" not in p:
            hosts.append(host)
            port = int(p)
        else:
            hosts.append(item)
    return hosts, port


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    hosts, port = _contact_points()
    c = Cluster(contact_points=hosts, port=port, protocol_version=5)
    try:
        c.connect().shutdown()
    except Exception as e:  # a missing node is a failure, never a skip
        c.shutdown()
        pytest.fail(
            f"no Cassandra node answers at {hosts}:{port} ({e!r}); "
            "run `make cassandra-up` or set COODIE_TEST_HOSTS",
            pytrace=False,
        )
    yield c
    c.shutdown()


@pytest.fixture(scope="session")
def keyspace(cluster: Cluster) -> Iterator[str]:
    """A fresh keyspace for this test run, dropped at the end."""
    name = f"coodie_test_{uuid.uuid4().hex[:12]}"
    s = cluster.connect()
    s.execute(
        f"CREATE KEYSPACE {name} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    yield name
    s.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)
    s.shutdown()


@pytest.fixture(scope="session")
def session(cluster: Cluster, keyspace: str) -> Iterator[Session]:
    s = cluster.connect(keyspace)
    yield s
    s.shutdown()


@pytest.fixture(scope="session", autouse=True)
def coodie_driver(cluster: Cluster, keyspace: str) -> Iterator[object]:
    """coodie's default driver, on the test keyspace, for every integration test."""
    from coodie.registry import unregister_driver
    from coodie.sync import init_coodie

    hosts, port = _contact_points()
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    driver = init_coodie(hosts=hosts, keyspace=keyspace, port=port, driver_type=driver_type)
    yield driver
    unregister_driver("default")
    driver.shutdown()


@pytest.fixture(scope="session")
def event_loop_for_aio() -> Iterator[object]:
    import asyncio

    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session", params=["sync", "aio"])
def f(request: pytest.FixtureRequest, coodie_driver: object, event_loop_for_aio: object) -> object:
    """The API flavour a shared test body runs with; tests using it run once per flavour."""
    import coodie.aio
    import coodie.sync
    from tests.integration.flavours import Flavour

    if request.param == "sync":
        return Flavour(coodie.sync, None)
    return Flavour(coodie.aio, event_loop_for_aio)  # type: ignore[arg-type]
