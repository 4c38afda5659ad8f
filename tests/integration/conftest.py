"""Fixtures for tests that talk to a real Cassandra node.

The node is the one `make cassandra-up` starts on 127.0.0.1:9042; set COODIE_TEST_HOSTS
(comma separated, optionally host:port) to run against another cluster. A node that does
not answer fails the run: nothing here skips. COODIE_TEST_DRIVER picks the driver
coodie's models use ("scylla", the default, or "acsylla"); `make test` runs both.

On a cluster (`make test-cluster`):
- COODIE_TEST_REPLICATION: the replication of the test keyspace, as JSON, e.g.
  '{"class": "NetworkTopologyStrategy", "dc1": 2, "dc2": 1}' (default: SimpleStrategy, 1);
- COODIE_TEST_CONSISTENCY: the level of every read and write of the tests, coodie's and the
  raw session's (QUORUM, LOCAL_QUORUM; default: the drivers' own, LOCAL_ONE);
- COODIE_TEST_SERIAL_CONSISTENCY: the serial level of their LWTs (SERIAL, LOCAL_SERIAL);
- COODIE_TEST_LOCAL_DC: the data centre every client of the tests calls local (LOCAL_QUORUM
  means the same replicas for coodie's writes and the raw session's checks).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

from coodie.hosts import parse_hosts


def _contact_points() -> tuple[list[str], int]:
    return parse_hosts(os.environ.get("COODIE_TEST_HOSTS", "127.0.0.1"), 9042)


def replication() -> dict[str, Any]:
    """The replication of the test keyspace (COODIE_TEST_REPLICATION)."""
    raw = os.environ.get("COODIE_TEST_REPLICATION")
    if not raw:
        return {"class": "SimpleStrategy", "replication_factor": 1}
    value = json.loads(raw)
    if not isinstance(value, dict) or "class" not in value:
        raise pytest.UsageError(f"COODIE_TEST_REPLICATION={raw!r}: a JSON object with a 'class'")
    return value


def replication_cql(replication: dict[str, Any]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in replication.items()) + "}"


def consistency_options() -> dict[str, str]:
    """init_coodie() options for the levels the tests run at (COODIE_TEST_CONSISTENCY,
    COODIE_TEST_SERIAL_CONSISTENCY); empty on the single node: the drivers' defaults."""
    options = {}
    if os.environ.get("COODIE_TEST_CONSISTENCY"):
        options["consistency"] = os.environ["COODIE_TEST_CONSISTENCY"].upper()
    if os.environ.get("COODIE_TEST_SERIAL_CONSISTENCY"):
        options["serial_consistency"] = os.environ["COODIE_TEST_SERIAL_CONSISTENCY"].upper()
    return options


def driver_options(driver_type: str) -> dict[str, Any]:
    """init_coodie() options for the tests' levels and local data centre."""
    options: dict[str, Any] = dict(consistency_options())
    local_dc = os.environ.get("COODIE_TEST_LOCAL_DC")
    if local_dc and driver_type == "acsylla":
        options["load_balance_dc_aware"] = local_dc
    elif local_dc:
        options["load_balancing_policy"] = TokenAwarePolicy(
            DCAwareRoundRobinPolicy(local_dc=local_dc)
        )
    return options


def raw_profile() -> ExecutionProfile:
    """The raw driver session's default profile, at the tests' levels."""
    local_dc = os.environ.get("COODIE_TEST_LOCAL_DC")
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=local_dc))
    )
    levels = consistency_options()
    if "consistency" in levels:
        profile.consistency_level = ConsistencyLevel.name_to_value[levels["consistency"]]
    if "serial_consistency" in levels:
        profile.serial_consistency_level = ConsistencyLevel.name_to_value[
            levels["serial_consistency"]
        ]
    return profile


MEMORY = os.environ.get("COODIE_TEST_DRIVER") == "memory"


def _memory_cluster() -> Iterator[Any]:
    """COODIE_TEST_DRIVER=memory: one in-memory cluster stands for the node, and every
    driver the suite opens on it (init_coodie with any driver_type, the raw sessions) is
    an in-memory driver on that cluster, as every driver of the run shares the node."""
    from coodie import connection
    from coodie.testing.driver import MemoryCluster
    from coodie.testing.session import MemorySession

    memory = MemoryCluster()
    real = connection.create_driver

    def create_driver(
        hosts: Any, keyspace: Any, driver_type: str, session: Any, *a: Any, **k: Any
    ) -> Any:
        # Only the integration tests' drivers: a unit test run later in the same pytest
        # session (the patch lasts as long as the session) meets the real drivers.
        current = os.environ.get("PYTEST_CURRENT_TEST", "")
        integration = current.startswith("tests/integration/")
        if not integration or driver_type not in ("scylla", "cassandra", "acsylla", "memory"):
            return real(hosts, keyspace, driver_type, session, *a, **k)  # (its error)
        given = session if isinstance(session, (MemorySession, MemoryCluster)) else memory
        return real(hosts, keyspace, "memory", given, *a, **k)

    connection.create_driver = create_driver  # type: ignore[assignment]
    try:
        yield memory
    finally:
        connection.create_driver = real  # type: ignore[assignment]


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    hosts, port = _contact_points()
    if MEMORY:
        yield from _memory_cluster()  # type: ignore[misc]
        return
    c = Cluster(
        contact_points=hosts,
        port=port,
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: raw_profile()},
    )
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
    s.execute(f"CREATE KEYSPACE {name} WITH replication = {replication_cql(replication())}")
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
    driver = init_coodie(
        hosts=hosts,
        keyspace=keyspace,
        port=port,
        driver_type=driver_type,
        replication=replication(),
        **driver_options(driver_type),
    )
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the memory driver, the tests it cannot pass (tests/integration/memory_limits.py,
    each with its reason) are strict xfails: listed, never silently skipped."""
    if not MEMORY:
        return
    from tests.integration.memory_limits import limit_of

    for item in items:
        nodeid = item.nodeid.split("tests/integration/", 1)[-1]
        limit = limit_of(nodeid)
        if limit is not None:
            item.add_marker(
                pytest.mark.xfail(
                    reason=f"memory driver: {limit.reason}", strict=True, run=limit.run
                )
            )
