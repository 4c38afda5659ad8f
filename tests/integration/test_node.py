"""The stack works: the driver reaches a Cassandra 5.0 node and data round-trips."""

from __future__ import annotations

import uuid

from cassandra.cluster import Session


def test_node_is_cassandra_5_0(session: Session) -> None:
    row = session.execute("SELECT release_version FROM system.local").one()
    assert row.release_version.startswith("5.0"), row.release_version


def test_write_and_read_back(session: Session) -> None:
    session.execute("CREATE TABLE IF NOT EXISTS stack_probe (id uuid PRIMARY KEY, name text)")
    key = uuid.uuid4()
    session.execute("INSERT INTO stack_probe (id, name) VALUES (%s, %s)", (key, "Alice'; --"))
    row = session.execute("SELECT id, name FROM stack_probe WHERE id = %s", (key,)).one()
    assert row is not None
    assert (row.id, row.name) == (key, "Alice'; --")
    assert (
        session.execute("SELECT name FROM stack_probe WHERE id = %s", (uuid.uuid4(),)).one() is None
    )
