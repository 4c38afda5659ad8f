"""The Document API against the real node, with read-after-write checks.

Every test runs once per flavour: `f(x)` is `x` for coodie.sync and `await x` for coodie.aio.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Annotated, Any
from uuid import uuid4

import pydantic
import pytest
from cassandra.cluster import Session

from coodie.exceptions import (
    DocumentNotFound,
    InvalidQueryError,
    MultipleDocumentsFound,
    UnsupportedOperation,
)
from coodie.fields import PrimaryKey


@pytest.fixture(autouse=True)
def tables(f: Any) -> None:
    if not getattr(f, "_tables", False):
        for m in (f.m.User, f.m.Reading, f.m.Hits):
            f(m.sync_table())
        f(f.m.UsersByStatus.sync_view())
        f._tables = True


def _raw(session: Session, cql: str, *params: object) -> list[Any]:
    return list(session.execute(cql, params))


def test_save_then_get_reads_the_row_back(f: Any, session: Session) -> None:
    u = f.m.User(
        name="Ada", email="ada@example.com", tags={"a"}, scores=[1, 2], metadata={"k": "v"}
    )
    f(u.save())
    got = f(f.m.User.get(id=u.id))
    assert got == u
    row = _raw(session, "SELECT name, tags FROM it_users WHERE id = %s", u.id)[0]
    assert (row.name, set(row.tags)) == ("Ada", {"a"})


def test_save_is_an_upsert(f: Any) -> None:
    u = f.m.User(name="Bo")
    f(u.save())
    f(u.model_copy(update={"name": "Bob"}).save())
    assert f(f.m.User.get(id=u.id)).name == "Bob"


def test_get_missing_and_multiple(f: Any) -> None:
    with pytest.raises(DocumentNotFound):
        f(f.m.User.get(id=uuid4()))
    assert f(f.m.User.find_one(id=uuid4())) is None
    sensor = f"s-{uuid4()}"
    for seq in (1, 2):
        f(f.m.Reading(sensor=sensor, day=dt.date(2024, 1, 1), seq=seq).save())
    with pytest.raises(MultipleDocumentsFound):
        f(f.m.Reading.get(sensor=sensor))
    with pytest.raises(MultipleDocumentsFound):
        f(f.m.Reading.find_one(sensor=sensor))


def test_insert_if_not_exists_reports_the_existing_row(f: Any) -> None:
    u = f.m.User(name="Cy")
    first = f(u.insert())
    assert first.applied and first.existing == {}
    second = f(f.m.User(id=u.id, name="Other").insert())
    assert not second.applied
    assert second.existing["name"] == "Cy"
    assert f(f.m.User.get(id=u.id)).name == "Cy"


def test_update_sets_values_in_the_db_and_on_the_instance(f: Any) -> None:
    u = f.m.User(name="Di")
    f(u.save())
    assert f(u.update(email="di@example.com", age=41)) is None
    assert (u.email, u.age) == ("di@example.com", 41)
    got = f(f.m.User.get(id=u.id))
    assert (got.email, got.age) == ("di@example.com", 41)


def test_update_validates_values_with_pydantic(f: Any) -> None:
    u = f.m.User(name="Ed")
    f(u.save())
    with pytest.raises(pydantic.ValidationError):
        f(u.update(age="not a number"))
    assert f(f.m.User.get(id=u.id)).age == 0


def test_collection_updates(f: Any) -> None:
    u = f.m.User(name="Fi", tags={"old", "keep"}, scores=[50, 7], metadata={"a": "1", "b": "2"})
    f(u.save())
    f(u.update(add__tags={"vip"}))
    f(u.update(remove__tags={"old"}))
    f(u.update(append__scores=[100]))
    f(u.update(prepend__scores=[0]))
    f(u.update(remove__scores=[50]))
    f(u.update(remove__metadata=["a"]))
    f(u.update(put__metadata={"c": "3"}))
    got = f(f.m.User.get(id=u.id))
    assert got.tags == {"keep", "vip"} == u.tags
    assert got.scores == [0, 7, 100] == u.scores
    assert got.metadata == {"b": "2", "c": "3"} == u.metadata


def test_update_with_ttl_and_conditions(f: Any, session: Session) -> None:
    u = f.m.User(name="Gus", email="g@x")
    f(u.save())
    f(u.update(email="new@example.com", ttl=3600))
    ttl = _raw(session, "SELECT TTL(email) FROM it_users WHERE id = %s", u.id)[0][0]
    assert 3500 < ttl <= 3600

    r = f(u.update(if_conditions={"name": "Nobody"}, name="Bob"))
    assert r is not None and not r.applied and r.existing["name"] == "Gus"
    assert u.name == "Gus" and f(f.m.User.get(id=u.id)).name == "Gus"

    r = f(u.update(if_conditions={"name": "Gus"}, name="Bob"))
    assert r is not None and r.applied
    assert u.name == "Bob" and f(f.m.User.get(id=u.id)).name == "Bob"

    ghost = f.m.User(name="ghost")
    r = f(ghost.update(if_exists=True, name="Boo"))
    assert r is not None and not r.applied
    assert f(f.m.User.find_one(id=ghost.id)) is None


def test_delete_and_delete_if_exists(f: Any) -> None:
    u = f.m.User(name="Hal")
    f(u.save())
    assert f(u.delete()) is None
    assert f(f.m.User.find_one(id=u.id)) is None
    r = f(u.delete(if_exists=True))
    assert r is not None and not r.applied


def test_save_with_ttl_expires(f: Any) -> None:
    u = f.m.User(name="Ivy")
    f(u.save(ttl=1))
    assert f(f.m.User.find_one(id=u.id)) is not None
    time.sleep(2.2)
    assert f(f.m.User.find_one(id=u.id)) is None


def test_write_timestamps_decide_between_writes(f: Any) -> None:
    u = f.m.User(name="Jo")
    f(u.save(timestamp=2_000_000_000_000_000))
    f(u.model_copy(update={"name": "Older"}).save(timestamp=1_000_000_000_000_000))
    assert f(f.m.User.get(id=u.id)).name == "Jo"
    f(u.delete())  # a delete with the server's (earlier) timestamp does not win either
    assert f(f.m.User.get(id=u.id)).name == "Jo"


def test_counters(f: Any) -> None:
    url = f"/page/{uuid4()}"
    f(f.m.Hits.increment(url=url, views=1, visitors=1))
    f(f.m.Hits.increment(url=url, views=5))
    f(f.m.Hits.decrement(url=url, views=2))
    page = f(f.m.Hits.get(url=url))
    assert (page.views, page.visitors) == (4, 1)
    with pytest.raises(UnsupportedOperation, match="counter table"):
        f(page.save())
    with pytest.raises(UnsupportedOperation, match="counter table"):
        f(page.insert())


def test_materialized_view_is_queryable_and_read_only(f: Any) -> None:
    status = f"st-{uuid4().hex[:8]}"
    u = f.m.User(name="Kim", email="k@x", status=status)
    f(u.save())
    deadline = time.monotonic() + 10
    rows: list[Any] = []
    while time.monotonic() < deadline and not rows:
        rows = f(f.m.UsersByStatus.find(status=status).all())
    assert [(r.id, r.name) for r in rows] == [(u.id, "Kim")]
    with pytest.raises(UnsupportedOperation, match="materialized view"):
        f(rows[0].save())
    with pytest.raises(UnsupportedOperation, match="materialized view"):
        f(rows[0].delete())
    assert f(f.m.UsersByStatus.sync_view()) == []


def test_server_errors_become_coodie_errors(f: Any, session: Session) -> None:
    class Probe(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = "it_never_created"

    with pytest.raises(InvalidQueryError) as err:
        f(Probe.find(id=1).all())
    assert "it_never_created" in str(err.value)
    assert err.value.__cause__ is not None
