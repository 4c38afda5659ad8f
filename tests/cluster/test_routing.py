"""Token-aware routing: a single-partition prepared statement goes to a replica of its
partition, so that node coordinates it and no hop follows.

The keyspace has one replica per partition, in dc1 (NetworkTopologyStrategy {'dc1': 1}):
nodes 1 and 2 split the ring, the client's local data centre is dc1. Every node counts, per
table, the requests it coordinated (system_views.coordinator_{write,read}_latency) and the
ones it executed as a replica (local_{write,read}_latency). With token-aware routing the two
counts move together on every node; a request sent to the wrong node counts as coordinated
there and as local on the other (the last test shows the measure sees that).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from cassandra.cluster import Cluster, Session

import coodie.aio
import coodie.sync
from coodie.fields import PrimaryKey
from coodie.registry import unregister_driver
from tests.cluster.conftest import HOSTS, Flavour, new_keyspace, node_session

TABLE = "cl_routed"
N = 24  # partitions written and read per API


@pytest.fixture(scope="module")
def routed_keyspace(admin: Session) -> Iterator[str]:
    name = new_keyspace(admin, "{'class': 'NetworkTopologyStrategy', 'dc1': 1}")
    yield name
    admin.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


@pytest.fixture(scope="module")
def routing_driver(routed_keyspace: str) -> Iterator[Any]:
    """A driver of its own, opened now that every node is up (the node-loss tests leave the
    default driver's pools reconnecting with back-off)."""
    driver = coodie.sync.init_coodie(
        hosts=HOSTS,
        keyspace=routed_keyspace,
        driver_type=os.environ.get("COODIE_TEST_DRIVER", "scylla"),
        name="routing",
    )
    yield driver
    unregister_driver("routing")
    driver.shutdown()


def routed_model(module: Any) -> Any:
    class Routed(module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        v: int = 0

        class Settings:
            name = TABLE
            driver = "routing"

    return Routed


@pytest.fixture(scope="module")
def pinned(routed_keyspace: str, routing_driver: Any) -> Iterator[dict[str, Session]]:
    routed_model(coodie.sync).sync_table()
    opened: dict[str, tuple[Cluster, Session]] = {h: node_session(h) for h in HOSTS}
    yield {h: s for h, (_, s) in opened.items()}
    for c, _ in opened.values():
        c.shutdown()


def counts(pinned: dict[str, Session], keyspace: str, kind: str) -> dict[str, tuple[int, int]]:
    """Per node: (coordinated, executed as a replica) `kind` requests on the routed table."""
    out = {}
    for host, s in pinned.items():
        pair = []
        for role in ("coordinator", "local"):
            row = s.execute(
                f"SELECT count FROM system_views.{role}_{kind}_latency "
                "WHERE keyspace_name = %s AND table_name = %s",
                (keyspace, TABLE),
            ).one()
            pair.append(int(row[0]) if row else 0)
        out[host] = (pair[0], pair[1])
    return out


def delta(
    after: dict[str, tuple[int, int]], before: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    return {h: (after[h][0] - before[h][0], after[h][1] - before[h][1]) for h in after}


@pytest.mark.parametrize("api", ["sync", "aio"])
def test_single_partition_writes_and_reads_reach_a_replica(
    api: str, pinned: dict[str, Session], routed_keyspace: str, loop: Any
) -> None:
    f = Flavour(coodie.sync, None) if api == "sync" else Flavour(coodie.aio, loop)
    Routed = routed_model(f.module)
    base = 0 if api == "sync" else 10_000

    writes_before = counts(pinned, routed_keyspace, "write")
    for i in range(N):
        f(Routed(id=base + i, v=i).save())
    writes = delta(counts(pinned, routed_keyspace, "write"), writes_before)

    reads_before = counts(pinned, routed_keyspace, "read")
    for i in range(N):
        assert f(Routed.get(id=base + i)).v == i
    reads = delta(counts(pinned, routed_keyspace, "read"), reads_before)

    for kind, per_node in (("write", writes), ("read", reads)):
        assert sum(local for _, local in per_node.values()) == N, (kind, per_node)
        # both dc1 nodes own some of the partitions, so routing had a choice to make ...
        assert sum(1 for _, local in per_node.values() if local) == 2, (kind, per_node)
        # ... and every request was coordinated by the replica that executed it
        for host, (coordinated, local) in per_node.items():
            assert coordinated == local, f"{kind}s on {host}: {per_node}"


def test_the_measure_sees_a_coordinator_that_is_not_a_replica(
    pinned: dict[str, Session], routed_keyspace: str
) -> None:
    """The same writes all sent to node 1: node 1 coordinates all of them, but the
    partitions node 2 owns are executed on node 2."""
    first = HOSTS[0]
    before = counts(pinned, routed_keyspace, "write")
    insert = pinned[first].prepare(f"INSERT INTO {routed_keyspace}.{TABLE} (id, v) VALUES (?, ?)")
    for i in range(N):
        pinned[first].execute(insert, (20_000 + i, i))
    per_node = delta(counts(pinned, routed_keyspace, "write"), before)
    assert per_node[first][0] == N
    assert per_node[first][1] < N
    assert per_node[HOSTS[1]] == (0, N - per_node[first][1])
