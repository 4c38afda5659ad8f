"""sync_table() on a cluster returns only once every node knows the new schema.

A node that has not yet applied a CREATE TABLE answers "unconfigured table" to a write, and
one that has not applied an ALTER rejects the new column. Right after sync_table() returns,
each node in turn (a session pinned to it) must take a write naming the new table and
column, and all nodes must report the same schema version.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from cassandra.cluster import Cluster, Session

from coodie.fields import PrimaryKey
from tests.cluster.conftest import HOSTS, Flavour, node_session


@pytest.fixture(scope="module")
def pinned(keyspace: str) -> Iterator[list[Session]]:
    """One raw session per node, each sending every request to its own node."""
    opened: list[tuple[Cluster, Session]] = [node_session(h, keyspace) for h in HOSTS]
    yield [s for _, s in opened]
    for c, _ in opened:
        c.shutdown()


def versions(pinned: list[Session]) -> set[Any]:
    return {s.execute("SELECT schema_version FROM system.local").one()[0] for s in pinned}


@pytest.mark.parametrize("rounds", [3])
def test_every_node_takes_writes_right_after_sync_table(
    f: Flavour, pinned: list[Session], rounds: int
) -> None:
    for r in range(rounds):
        table = f"cl_fresh_{uuid.uuid4().hex[:8]}"

        class V1(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]
            name: str = ""

            class Settings:
                name = table

        f(V1.sync_table())
        assert len(versions(pinned)) == 1, f"round {r}: the nodes disagree on the schema"
        for n, s in enumerate(pinned):
            s.execute(f"INSERT INTO {table} (id, name) VALUES (%s, %s)", (n, f"node{n + 1}"))

        class V2(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]
            name: str = ""
            added: int = 0  # a column the ALTER adds

            class Settings:
                name = table

        ran = f(V2.sync_table())
        assert any("ALTER TABLE" in cql for cql in ran)
        assert len(versions(pinned)) == 1, f"round {r}: the nodes disagree after the ALTER"
        for n, s in enumerate(pinned):
            s.execute(f"UPDATE {table} SET added = %s WHERE id = %s", (10 + n, n))
        # and coodie reads back every node's write, new column included
        rows = sorted((d.id, d.name, d.added) for d in f(V2.find().all()))
        assert rows == [(n, f"node{n + 1}", 10 + n) for n in range(len(pinned))]
