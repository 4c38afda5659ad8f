"""sync_table(): creates, evolves additively, never rewrites; batches; connection errors."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

import pytest
from cassandra.cluster import Session

from coodie.exceptions import ConfigurationError, InvalidQueryError, SchemaError, Unavailable
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.sync import BatchQuery, Document, init_coodie
from tests.integration.models import Hits, User


def _columns(session: Session, keyspace: str, table: str) -> dict[str, str]:
    rows = session.execute(
        "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name=%s AND table_name=%s",
        (keyspace, table),
    )
    return {r.column_name: r.type for r in rows}


def test_sync_table_creates_then_adds_and_is_idempotent(session: Session, keyspace: str) -> None:
    class V1(Document):
        id: Annotated[UUID, PrimaryKey()]
        name: str = ""

        class Settings:
            name = "it_evolve"

    ddl = V1.sync_table()
    assert len(ddl) == 1 and ddl[0].startswith("CREATE TABLE IF NOT EXISTS")
    assert V1.sync_table() == []
    row = V1(id=uuid4(), name="kept")
    row.save()

    class V2(Document):
        id: Annotated[UUID, PrimaryKey()]
        name: str = ""
        city: Annotated[str, Indexed()] = ""
        tags: list[str] = []

        class Settings:
            name = "it_evolve"

    ddl = V2.sync_table()
    assert [d.split(" ")[0:2] for d in ddl] == [
        ["ALTER", "TABLE"],
        ["ALTER", "TABLE"],
        ["CREATE", "INDEX"],
    ]
    assert V2.sync_table() == []
    assert _columns(session, keyspace, "it_evolve") == {
        "id": "uuid",
        "name": "text",
        "city": "text",
        "tags": "list<text>",
    }
    got = V2.get(id=row.id)
    assert (got.name, got.city, got.tags) == ("kept", "", [])  # data kept; nulls read as defaults

    class V3(Document):
        id: Annotated[UUID, PrimaryKey()]
        name: int = 0

        class Settings:
            name = "it_evolve"

    with pytest.raises(SchemaError, match="the table has text, the model says int"):
        V3.sync_table()

    class V4(Document):
        id: Annotated[UUID, PrimaryKey()]
        name: Annotated[str, ClusteringKey()] = ""

        class Settings:
            name = "it_evolve"

    with pytest.raises(SchemaError, match="primary key cannot be altered"):
        V4.sync_table()
    assert V1.get(id=row.id).name == "kept"


def test_sync_table_creates_a_missing_keyspace(session: Session) -> None:
    ks = f"coodie_auto_{uuid4().hex[:8]}"

    class Elsewhere(Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            keyspace = ks

    try:
        assert Elsewhere.sync_table()[0].startswith(f"CREATE KEYSPACE IF NOT EXISTS {ks}")
        Elsewhere(id=1).save()
        assert Elsewhere.get(id=1).id == 1
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {ks}")


def test_logged_batch_applies_everything_on_exit() -> None:
    User.sync_table()
    a, b, c = User(name="a"), User(name="b"), User(name="c")
    c.save()
    with BatchQuery() as batch:
        a.save(batch=batch)
        b.save(batch=batch)
        c.delete(batch=batch)
        assert User.find_one(id=a.id) is None  # nothing sent before the block ends
    assert User.get(id=a.id).name == "a" and User.get(id=b.id).name == "b"
    assert User.find_one(id=c.id) is None


def test_batch_sends_nothing_when_the_block_raises() -> None:
    a = User(name="never")
    with pytest.raises(RuntimeError), BatchQuery(batch_type="unlogged") as batch:
        a.save(batch=batch)
        raise RuntimeError("boom")
    assert User.find_one(id=a.id) is None


def test_counter_batch() -> None:
    Hits.sync_table()
    url = f"/b/{uuid4()}"
    with BatchQuery(batch_type="counter") as batch:
        Hits.increment(url=url, views=3, batch=batch)
        Hits.decrement(url=url, views=1, visitors=-2, batch=batch)
    h = Hits.get(url=url)
    assert (h.views, h.visitors) == (2, 2)
    with (
        pytest.raises(InvalidQueryError, match="counter updates cannot go in a logged batch"),
        BatchQuery() as batch,
    ):
        Hits.increment(url=url, views=1, batch=batch)
    assert Hits.get(url=url).views == 2


def test_conditional_batch_result() -> None:
    u = User(name="lwt")
    with BatchQuery() as batch:
        u.insert(batch=batch)
    assert batch.result is not None and batch.result.applied
    with BatchQuery() as batch:
        u.insert(batch=batch)
    assert batch.result is not None and not batch.result.applied


def test_unreachable_cluster_is_a_coodie_error() -> None:
    from coodie.registry import unregister_driver

    drv = init_coodie(hosts=["127.0.0.1"], port=1, name="nowhere")
    try:

        class Lost(Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                driver = "nowhere"
                keyspace = "ks"

        with pytest.raises(Unavailable) as err:
            Lost.find(id=1).all()
        assert err.value.__cause__ is not None
        with pytest.raises(Unavailable):
            drv.connect()
    finally:
        unregister_driver("nowhere")
        drv.shutdown()


def test_unknown_driver_and_missing_driver() -> None:
    with pytest.raises(ConfigurationError, match="unknown driver_type 'mongo'"):
        init_coodie(hosts=["127.0.0.1"], driver_type="mongo", name="x")

    class Remote(Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            driver = "analytics-missing"
            keyspace = "ks"

    with pytest.raises(ConfigurationError, match="no driver named 'analytics-missing'"):
        Remote.find(id=1).all()


def test_named_driver_for_a_second_cluster(cluster: object, keyspace: str) -> None:
    from tests.integration.conftest import _contact_points

    hosts, port = _contact_points()
    drv = init_coodie(hosts=hosts, keyspace=keyspace, port=port, name="analytics")
    try:

        class Metric(Document):
            id: Annotated[int, PrimaryKey()]
            v: float = 0.0

            class Settings:
                name = "it_metric"
                driver = "analytics"

        Metric.sync_table()
        Metric(id=1, v=2.5).save()
        assert Metric.get(id=1).v == 2.5
    finally:
        from coodie.registry import unregister_driver

        unregister_driver("analytics")
        drv.shutdown()


def test_init_with_an_existing_session(session: Session, keyspace: str) -> None:
    from coodie.registry import unregister_driver

    drv = init_coodie(session=session, keyspace=keyspace, name="borrowed")
    try:
        assert drv.keyspace == keyspace

        class Borrowed(Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                name = "it_borrowed"
                driver = "borrowed"

        Borrowed.sync_table()
        Borrowed(id=3).save()
        assert Borrowed.get(id=3).id == 3
    finally:
        unregister_driver("borrowed")
