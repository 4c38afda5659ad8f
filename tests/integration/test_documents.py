"""The synchronous Document API against the real node, with read-after-write checks."""

from __future__ import annotations

import datetime as dt
import time
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
from tests.integration.models import Hits, Reading, User, UsersByStatus


@pytest.fixture(scope="module", autouse=True)
def tables() -> None:
    for m in (User, Reading, Hits):
        m.sync_table()
    UsersByStatus.sync_view()


def _raw(session: Session, cql: str, *params: object) -> list[object]:
    return list(session.execute(cql, params))


def test_save_then_get_reads_the_row_back(session: Session) -> None:
    u = User(name="Ada", email="ada@example.com", tags={"a"}, scores=[1, 2], metadata={"k": "v"})
    u.save()
    got = User.get(id=u.id)
    assert got == u
    row = _raw(session, "SELECT name, tags FROM it_users WHERE id = %s", u.id)[0]
    assert (row.name, set(row.tags)) == ("Ada", {"a"})


def test_save_is_an_upsert(session: Session) -> None:
    u = User(name="Bo")
    u.save()
    u2 = u.model_copy(update={"name": "Bob"})
    u2.save()
    assert User.get(id=u.id).name == "Bob"


def test_get_missing_and_multiple() -> None:
    with pytest.raises(DocumentNotFound):
        User.get(id=uuid4())
    assert User.find_one(id=uuid4()) is None
    sensor = f"s-{uuid4()}"
    for seq in (1, 2):
        Reading(sensor=sensor, day=dt.date(2024, 1, 1), seq=seq).save()
    with pytest.raises(MultipleDocumentsFound):
        Reading.get(sensor=sensor)
    with pytest.raises(MultipleDocumentsFound):
        Reading.find_one(sensor=sensor)


def test_insert_if_not_exists_reports_the_existing_row() -> None:
    u = User(name="Cy")
    first = u.insert()
    assert first.applied and first.existing == {}
    clash = User(id=u.id, name="Other")
    second = clash.insert()
    assert not second.applied
    assert second.existing["name"] == "Cy"
    assert User.get(id=u.id).name == "Cy"


def test_update_sets_values_in_the_db_and_on_the_instance() -> None:
    u = User(name="Di")
    u.save()
    assert u.update(email="di@example.com", age=41) is None
    assert (u.email, u.age) == ("di@example.com", 41)
    got = User.get(id=u.id)
    assert (got.email, got.age) == ("di@example.com", 41)


def test_update_validates_values_with_pydantic() -> None:
    u = User(name="Ed")
    u.save()
    with pytest.raises(pydantic.ValidationError):
        u.update(age="not a number")
    assert User.get(id=u.id).age == 0


def test_collection_updates() -> None:
    u = User(name="Fi", tags={"old", "keep"}, scores=[50, 7], metadata={"a": "1", "b": "2"})
    u.save()
    u.update(add__tags={"vip"})
    u.update(remove__tags={"old"})
    u.update(append__scores=[100])
    u.update(prepend__scores=[0])
    u.update(remove__scores=[50])
    u.update(remove__metadata=["a"])
    u.update(put__metadata={"c": "3"})
    got = User.get(id=u.id)
    assert got.tags == {"keep", "vip"} == u.tags
    assert got.scores == [0, 7, 100] == u.scores
    assert got.metadata == {"b": "2", "c": "3"} == u.metadata


def test_update_with_ttl_and_conditions(session: Session) -> None:
    u = User(name="Gus", email="g@x")
    u.save()
    u.update(email="new@example.com", ttl=3600)
    ttl = _raw(session, "SELECT TTL(email) FROM it_users WHERE id = %s", u.id)[0][0]
    assert 3500 < ttl <= 3600

    r = u.update(if_conditions={"name": "Nobody"}, name="Bob")
    assert r is not None and not r.applied and r.existing["name"] == "Gus"
    assert u.name == "Gus" and User.get(id=u.id).name == "Gus"

    r = u.update(if_conditions={"name": "Gus"}, name="Bob")
    assert r is not None and r.applied
    assert u.name == "Bob" and User.get(id=u.id).name == "Bob"

    ghost = User(name="ghost")
    r = ghost.update(if_exists=True, name="Boo")
    assert r is not None and not r.applied
    assert User.find_one(id=ghost.id) is None


def test_delete_and_delete_if_exists() -> None:
    u = User(name="Hal")
    u.save()
    assert u.delete() is None
    assert User.find_one(id=u.id) is None
    r = u.delete(if_exists=True)
    assert r is not None and not r.applied


def test_save_with_ttl_expires(session: Session) -> None:
    u = User(name="Ivy")
    u.save(ttl=1)
    assert User.find_one(id=u.id) is not None
    time.sleep(2.2)
    assert User.find_one(id=u.id) is None


def test_write_timestamps_decide_between_writes() -> None:
    u = User(name="Jo")
    u.save(timestamp=2_000_000_000_000_000)
    u.model_copy(update={"name": "Older"}).save(timestamp=1_000_000_000_000_000)
    assert User.get(id=u.id).name == "Jo"
    u.delete()  # a delete with the server's (earlier) timestamp does not win either
    assert User.get(id=u.id).name == "Jo"


def test_counters() -> None:
    url = f"/page/{uuid4()}"
    Hits.increment(url=url, views=1, visitors=1)
    Hits.increment(url=url, views=5)
    Hits.decrement(url=url, views=2)
    page = Hits.get(url=url)
    assert (page.views, page.visitors) == (4, 1)
    with pytest.raises(UnsupportedOperation, match="counter table"):
        page.save()
    with pytest.raises(UnsupportedOperation, match="counter table"):
        page.insert()


def test_materialized_view_is_queryable_and_read_only() -> None:
    status = f"st-{uuid4().hex[:8]}"
    u = User(name="Kim", email="k@x", status=status)
    u.save()
    deadline = time.monotonic() + 10
    rows: list[UsersByStatus] = []
    while time.monotonic() < deadline and not rows:
        rows = UsersByStatus.find(status=status).all()
    assert [(r.id, r.name) for r in rows] == [(u.id, "Kim")]
    with pytest.raises(UnsupportedOperation, match="materialized view"):
        rows[0].save()
    with pytest.raises(UnsupportedOperation, match="materialized view"):
        rows[0].delete()
    assert UsersByStatus.sync_view() == []


def test_server_errors_become_coodie_errors(session: Session) -> None:
    session.execute("CREATE TABLE IF NOT EXISTS it_probe (id int PRIMARY KEY, v int)")
    from tests.integration.probe_models import Probe

    session.execute("DROP TABLE it_probe")
    with pytest.raises(InvalidQueryError) as err:
        Probe.find(id=1).all()
    assert "it_probe" in str(err.value)
    assert err.value.__cause__ is not None
