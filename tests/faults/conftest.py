"""Fault tests: a throwaway node of our own, stopped, killed and frozen under load.

The node runs as production would (`CASSANDRA_DURABLE=1`: system tables synced, commitlog
in group mode, so acknowledged writes survive a kill -9) on 127.0.0.22, under pytest's
temporary directory; the shared node on 127.0.0.1 is never touched. The TLS and password
tests start another one on 127.0.0.23 (after stopping the first). `make test-faults` runs
them; a node that does not start fails the run, nothing here skips.

Every test is bounded: each loop has a deadline and a cap on its calls, every driver has a
request timeout of a few seconds, and every node operation gives up after its own timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.policies import WhiteListRoundRobinPolicy

from coodie.fields import PrimaryKey

REPO = Path(__file__).resolve().parents[2]
NODE_TOOL = REPO / "tools" / "cassandra" / "node"
FAULT_HOST = "127.0.0.22"
SECURE_HOST = "127.0.0.23"
DRIVERS = ("scylla", "acsylla")
REQUEST_TIMEOUT = 4.0  # seconds, every driver of these tests


class Node:
    """A durable single node started by tools/cassandra/node under `root`."""

    def __init__(self, host: str, root: Path, extra_yaml: str = "") -> None:
        self.host = host
        self.root = root
        self.env = {
            **os.environ,
            "CASSANDRA_HOST": host,
            "CASSANDRA_ROOT": str(root),
            "CASSANDRA_HEAP": "512m",
            "CASSANDRA_START_TIMEOUT": "240",
            "CASSANDRA_DURABLE": "1",
            "CASSANDRA_EXTRA_YAML": extra_yaml,
        }

    def _tool(self, command: str) -> str:
        proc = subprocess.run(
            [sys.executable, str(NODE_TOOL), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"node {command} on {self.host} failed:\n{proc.stdout}{proc.stderr}")
        return proc.stdout

    def up(self) -> None:
        """Start it (a no-op when it answers); returns once CQL answers."""
        out = self._tool("up")
        if "already answers" in out and not self.running():
            raise RuntimeError(
                f"a node this test did not start answers on {self.host}: stop it first"
            )

    def running(self) -> bool:
        try:
            self.pid()
        except (OSError, ValueError, AssertionError):
            return False
        return True

    def stop(self) -> None:
        """A graceful stop (SIGTERM: Cassandra drains and flushes)."""
        self._tool("down")

    def kill(self) -> None:
        """kill -9: no drain, no flush."""
        self._tool("kill")

    def pid(self) -> int:
        pid = int((self.root / "node.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        # only ever signal the node this fixture started
        assert b"CassandraDaemon" in cmdline and str(self.root).encode() in cmdline
        return pid

    def freeze(self) -> None:
        os.killpg(self.pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.killpg(self.pid(), signal.SIGCONT)

    def thaw_if_running(self) -> None:
        if self.running():
            self.thaw()


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    n = Node(FAULT_HOST, tmp_path_factory.mktemp("fault-node"))
    try:
        n.up()
    except Exception as e:  # a node that does not start is a failure, never a skip
        pytest.fail(f"the fault-test node did not start: {e}", pytrace=False)
    yield n
    n.thaw_if_running()
    n.stop()


@pytest.fixture
def live_node(node: Node) -> Iterator[Node]:
    """The node, up and answering; whatever a test stopped, froze or killed is back after it."""
    node.up()
    yield node
    node.thaw_if_running()


def raw_session(host: str, keyspace: str | None = None, **options: Any) -> tuple[Cluster, Session]:
    profile = ExecutionProfile(
        load_balancing_policy=WhiteListRoundRobinPolicy([host]), request_timeout=30
    )
    c = Cluster(
        [host],
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        connect_timeout=10,
        **options,
    )
    return c, c.connect(keyspace)


def fresh_keyspace(host: str, **options: Any) -> str:
    name = f"faults_{uuid.uuid4().hex[:10]}"
    c, s = raw_session(host, **options)
    try:
        s.execute(
            f"CREATE KEYSPACE {name} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
    finally:
        c.shutdown()
    return name


def stored_ids(host: str, keyspace: str, table: str) -> set[int]:
    """The ids the node holds, read by a session of its own (not coodie's)."""
    c, s = raw_session(host, keyspace)
    try:
        return {r.id for r in s.execute(f"SELECT id FROM {table}")}
    finally:
        c.shutdown()


def write_model(module: ModuleType, driver_name: str, table: str) -> Any:
    class Write(module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        client: str = ""

        class Settings:
            name = table
            driver = driver_name

    return Write


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f}s: {what}")
        time.sleep(0.1)
