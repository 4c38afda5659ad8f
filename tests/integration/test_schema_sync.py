"""sync_table(): creates, evolves additively, never rewrites; batches; connection errors."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

import pytest
from cassandra.cluster import Session

from coodie.exceptions import ConfigurationError, InvalidQueryError, SchemaError, Unavailable
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.sync import Document, init_coodie


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


def test_system_schema_names_a_tuple_type_frozen_however_the_ddl_wrote_it(
    session: Session, keyspace: str
) -> None:
    """CQL tuples are always frozen, and system_schema says so (the memory driver once
    reported `tuple<int, text>` where the server reports `frozen<tuple<int, text>>`)."""
    session.execute(
        "CREATE TABLE IF NOT EXISTS it_tuple_types "
        "(k int PRIMARY KEY, a tuple<int, text>, b list<frozen<tuple<int, int>>>)"
    )
    assert _columns(session, keyspace, "it_tuple_types") == {
        "k": "int",
        "a": "frozen<tuple<int, text>>",
        "b": "list<frozen<tuple<int, int>>>",
    }


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


def test_logged_batch_applies_everything_on_exit(f: Any) -> None:
    U = f.m.User
    f(U.sync_table())
    a, b, c = U(name="a"), U(name="b"), U(name="c")
    f(c.save())
    with f.batch() as batch:
        f(a.save(batch=batch))
        f(b.save(batch=batch))
        f(c.delete(batch=batch))
        assert len(batch) == 3
        assert f(U.find_one(id=a.id)) is None  # nothing sent before the block ends
    assert f(U.get(id=a.id)).name == "a" and f(U.get(id=b.id)).name == "b"
    assert f(U.find_one(id=c.id)) is None


def test_batch_sends_nothing_when_the_block_raises(f: Any) -> None:
    a = f.m.User(name="never")
    with pytest.raises(RuntimeError), f.batch(batch_type="unlogged") as batch:
        f(a.save(batch=batch))
        raise RuntimeError("boom")
    assert f(f.m.User.find_one(id=a.id)) is None


def test_counter_batch(f: Any) -> None:
    H = f.m.Hits
    f(H.sync_table())
    url = f"/b/{uuid4()}"
    with f.batch(batch_type="counter") as batch:
        f(H.increment(url=url, views=3, batch=batch))
        f(H.decrement(url=url, views=1, visitors=-2, batch=batch))
    h = f(H.get(url=url))
    assert (h.views, h.visitors) == (2, 2)
    with (
        pytest.raises(InvalidQueryError, match="counter updates cannot go in a logged batch"),
        f.batch() as batch,
    ):
        f(H.increment(url=url, views=1, batch=batch))
    assert f(H.get(url=url)).views == 2


def test_conditional_batch_result(f: Any) -> None:
    u = f.m.User(name="lwt")
    with f.batch() as batch:
        pending = f(u.insert(batch=batch))
        assert pending.pending and not pending.applied
    assert batch.result is not None and batch.result.applied
    with f.batch() as batch:
        f(u.insert(batch=batch))
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


def test_an_unchanged_table_is_not_read_again_until_the_schema_changes(
    session: Session, keyspace: str
) -> None:
    """Once sync_table() found the table in step, a second call reads only the cluster's
    schema version; a DDL from another client changes that version, and the next call
    reads the table again and puts back what was dropped."""
    from coodie.registry import get_driver

    class Meta(Document):
        id: Annotated[UUID, PrimaryKey()]
        name: Annotated[str, Indexed()] = ""

        class Settings:
            name = "it_meta"

    Meta.sync_table()
    assert Meta.sync_table() == []  # found in step under the current schema version
    driver = get_driver()
    reads: list[str] = []
    real = driver.execute_raw

    def counting(raw: Any) -> Any:  # the real driver, with its statements counted
        reads.append(raw.cql)
        return real(raw)

    driver.execute_raw = counting
    try:
        # Other clients of the shared node may change the schema version between two
        # calls (their DDL), and then a call rightly reads the table again: some call
        # within a few, under a version that held still, reads the version alone.
        for _ in range(5):
            reads.clear()
            assert Meta.sync_table() == []
            if reads == ["SELECT schema_version FROM system.local"]:
                break
        assert reads == ["SELECT schema_version FROM system.local"]
        reads.clear()
        index = Meta._schema().by_name["name"].index
        assert index is not None
        session.execute(f"DROP INDEX {keyspace}.{index.name}")  # another client's DDL
        ddl = Meta.sync_table()
        assert len(ddl) == 1 and ddl[0].startswith("CREATE INDEX IF NOT EXISTS")
        assert any("system_schema.columns" in r for r in reads)
    finally:
        del driver.execute_raw


def test_sync_table_says_what_the_table_is_made_of_even_when_nothing_changed(f: Any) -> None:
    """A no-op `[]` alone is ambiguous to callers (issue 14): the result also carries the
    model's whole DDL, `.planned`, whether or not anything ran."""

    class Shelf(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[UUID, PrimaryKey()]
        label: Annotated[str, Indexed()] = ""

        class Settings:
            name = f"it_shelves_{f.name}"

    first = f(Shelf.sync_table())
    again = f(Shelf.sync_table())
    assert again == [] and not again.changed
    assert first.changed and any(c.startswith("CREATE TABLE") for c in first)
    assert again.planned == first.planned
    assert [c.split(" ")[1] for c in again.planned] == ["TABLE", "INDEX"]
    assert f"it_shelves_{f.name}" in again.planned[0]
