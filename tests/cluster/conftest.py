"""Fixtures for the tests that need a real cluster (`make cluster-up`: 3 nodes on 127.0.0.11-13,
dc1: .11 and .12, dc2: .13). They kill and restart nodes through tools/cassandra/node, so
they run only by `make test-cluster`, never against the shared single node.

COODIE_CLUSTER_HOSTS overrides the node addresses (comma separated, in node order);
COODIE_TEST_DRIVER picks coodie's driver as in the integration suite. A cluster that does
not answer fails the run: nothing here skips.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.policies import WhiteListRoundRobinPolicy

import coodie.aio
import coodie.sync
from coodie.registry import unregister_driver

REPO = Path(__file__).resolve().parents[2]
NODE_TOOL = REPO / "tools" / "cassandra" / "node"
HOSTS = [
    h.strip()
    for h in os.environ.get("COODIE_CLUSTER_HOSTS", "127.0.0.11,127.0.0.12,127.0.0.13").split(",")
    if h.strip()
]


def node_tool(*args: str) -> str:
    """Run `tools/cassandra/node cluster ARGS` (bounded: it gives up after its own timeouts)."""
    proc = subprocess.run(
        [sys.executable, str(NODE_TOOL), "cluster", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"node tool {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


class Nodes:
    """Stop, kill and start the cluster's nodes by number (1-based, in HOSTS order)."""

    def kill(self, i: int) -> None:
        node_tool("kill", str(i))  # returns once the other nodes see it DOWN

    def stop(self, i: int) -> None:
        node_tool("stop", str(i))

    def start(self, i: int) -> None:
        node_tool("start", str(i))  # returns once it is back in the ring

    def all_up(self) -> None:
        node_tool("up")


def node_session(host: str, keyspace: str | None = None) -> tuple[Cluster, Session]:
    """A raw session whose every request goes to `host` (virtual tables are node-local)."""
    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy([host]),
        consistency_level=ConsistencyLevel.ONE,
    )
    c = Cluster([host], protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    return c, c.connect(keyspace)


@pytest.fixture(scope="session")
def nodes() -> Iterator[Nodes]:
    n = Nodes()
    try:
        n.all_up()  # a no-op when the cluster runs whole; starts the nodes that do not
    except Exception as e:
        pytest.fail(f"the test cluster is not up and would not start: {e}", pytrace=False)
    yield n
    n.all_up()  # leave it whole for whoever runs next


@pytest.fixture(scope="session")
def admin(nodes: Nodes) -> Iterator[Session]:
    """A raw session on the whole cluster at QUORUM (DDL and checks)."""
    profile = ExecutionProfile(consistency_level=ConsistencyLevel.QUORUM)
    c = Cluster(HOSTS, protocol_version=5, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    s = c.connect()
    yield s
    c.shutdown()


def new_keyspace(admin: Session, replication: str) -> str:
    name = f"coodie_cluster_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE KEYSPACE {name} WITH replication = {replication}")
    return name


@pytest.fixture(scope="session")
def keyspace(admin: Session) -> Iterator[str]:
    """A fresh keyspace at replication factor 3 on the 3 nodes."""
    name = new_keyspace(admin, "{'class': 'SimpleStrategy', 'replication_factor': 3}")
    yield name
    admin.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


@pytest.fixture(scope="session")
def coodie_driver(keyspace: str) -> Iterator[Any]:
    """coodie's default driver on the cluster: QUORUM reads and writes, SERIAL LWTs."""
    driver = coodie.sync.init_coodie(
        hosts=HOSTS,
        keyspace=keyspace,
        driver_type=os.environ.get("COODIE_TEST_DRIVER", "scylla"),
        consistency="QUORUM",
        serial_consistency="SERIAL",
    )
    yield driver
    unregister_driver("default")
    driver.shutdown()


@pytest.fixture(scope="session")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


class Flavour:
    """One test body for coodie.sync and coodie.aio: `f(x)` is x, or x awaited."""

    def __init__(self, module: ModuleType, loop: asyncio.AbstractEventLoop | None) -> None:
        self.module = module
        self.loop = loop
        self.name = module.__name__.rsplit(".", 1)[-1]

    def __repr__(self) -> str:
        return self.name

    def __call__(self, value: Any) -> Any:
        return value if self.loop is None else self.loop.run_until_complete(value)


@pytest.fixture(scope="session", params=["sync", "aio"])
def f(request: pytest.FixtureRequest, coodie_driver: Any, loop: Any) -> Flavour:
    if request.param == "sync":
        return Flavour(coodie.sync, None)
    return Flavour(coodie.aio, loop)
