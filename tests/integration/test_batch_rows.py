"""Many rows of one model queued in one batch: each row keeps the rules a lone write has.

A batch binds the rows of a model by the statement it took for the first of them: these
tests queue several rows of a model, then rows that this statement cannot take as they
are (a partial document, a None static column, a bad value, options of their own).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import uuid4

import pytest

from coodie.exceptions import CoodieError, InvalidQueryError
from coodie.fields import PrimaryKey
from coodie.registry import get_driver

D1 = dt.date(2024, 1, 1)


@pytest.fixture(autouse=True)
def tables(f: Any) -> None:
    f(f.m.User.sync_table())
    f(f.m.Reading.sync_table())


def test_rows_after_the_first_keep_their_own_shape(f: Any) -> None:
    U, R, s = f.m.User, f.m.Reading, f"s-{uuid4()}"
    kept = U(name="kept", email="kept@x", tags={"t"})
    f(kept.save())
    [partial] = f(U.find(id=kept.id).only("id", "name").all())
    partial.name = "renamed"
    others = [U(name=f"u{i}") for i in range(3)]
    # a None static column is left out of its row's INSERT, not written as null
    no_site = R.model_construct(sensor=s, day=D1, seq=9, value=1.0, site=None)
    with f.batch() as b:
        for u in others:
            f(u.save(batch=b))
        f(partial.save(batch=b))  # writes only the columns it read
        for seq in range(3):
            f(R(sensor=s, day=D1, seq=seq, site="north").save(batch=b))
        f(no_site.save(batch=b))
        f(U(name="short", id=(short := uuid4())).save(batch=b, ttl=3600))
        assert len(b) == 9
    got = f(U.get(id=kept.id))
    assert (got.name, got.email, got.tags) == ("renamed", "kept@x", {"t"})
    assert [f(U.get(id=u.id)).name for u in others] == ["u0", "u1", "u2"]
    assert f(U.get(id=short)).name == "short"
    assert {(r.seq, r.site) for r in f(R.find(sensor=s).all())} == {
        (9, "north"),
        (2, "north"),
        (1, "north"),
        (0, "north"),
    }


def test_every_row_of_a_batch_takes_its_timestamp(f: Any) -> None:
    U = f.m.User
    users = [U(name=f"new{i}") for i in range(4)]
    for u in users:  # written at a later time than the batch's
        f(U(id=u.id, name="later").save(timestamp=2_000))
    with f.batch(timestamp=1_000) as b:
        for u in users:
            f(u.save(batch=b))
    assert [f(U.get(id=u.id)).name for u in users] == ["later"] * 4


def test_rows_queued_after_the_batch_timestamp_changes_take_the_new_one(f: Any) -> None:
    U = f.m.User
    users = [U(name=f"new{i}") for i in range(6)]
    for u in users:  # each row already written at 2_000
        f(U(id=u.id, name="later").save(timestamp=2_000))
    with f.batch() as b:
        for u in users[:2]:  # no timestamp: the server's clock, long after 2_000
            f(u.save(batch=b))
        b.timestamp = 1_000  # before the rows' own: these lose
        for u in users[2:4]:
            f(u.save(batch=b))
        b.timestamp = 3_000
        for u in users[4:]:
            f(u.save(batch=b))
    names = [f(U.get(id=u.id)).name for u in users]
    assert names == ["new0", "new1", "later", "later", "new4", "new5"]


def test_a_row_with_a_bad_value_is_refused_and_not_queued(f: Any) -> None:
    U = f.m.User
    good = [U(name=f"g{i}") for i in range(3)]
    bad = U.model_construct(id=uuid4(), name=42, email="", tags=set())
    with f.batch() as b:
        for u in good:
            f(u.save(batch=b))
        with pytest.raises(InvalidQueryError, match="name"):
            f(bad.save(batch=b))
        assert len(b) == 3
    assert [f(U.get(id=u.id)).name for u in good] == ["g0", "g1", "g2"]
    assert f(U.find_one(id=bad.id)) is None


def test_inserts_of_one_partition_apply_together(f: Any) -> None:
    R, s = f.m.Reading, f"s-{uuid4()}"
    f(R(sensor=s, day=D1, seq=1, value=5.0).save())
    with f.batch() as b:
        for seq in (2, 3, 4):
            f(R(sensor=s, day=D1, seq=seq).insert(batch=b))
    assert b.result is not None and b.result.applied
    with f.batch() as b:
        for seq in (5, 1, 6):  # seq 1 exists: none of them is written
            f(R(sensor=s, day=D1, seq=seq, value=9.0).insert(batch=b))
    assert b.result is not None and not b.result.applied
    assert [(r.seq, r.value) for r in f(R.find(sensor=s).all())] == [
        (4, 0.0),
        (3, 0.0),
        (2, 0.0),
        (1, 5.0),
    ]


def test_fields_saved_in_a_batch_count_as_written_once_it_applied(f: Any) -> None:
    U = f.m.User
    users = [U(name=f"w{i}") for i in range(3)]
    for u in users:
        f(u.save())
        u.age = 40  # assigned: save_changes() would write it
    with f.batch() as b:  # (the rows after the first take the batch's short way)
        for u in users:
            f(u.save(batch=b))
    for u in users:
        f(U.find(id=u.id).update(age=7))  # another writer, after the batch
        f(u.save_changes())  # nothing assigned since the batch: sends nothing
        assert f(U.get(id=u.id)).age == 7
    failed = [U(name=f"x{i}") for i in range(3)]
    for u in failed:
        f(u.save())
        u.age = 50
    with pytest.raises(RuntimeError), f.batch() as b:  # the batch never ran
        for u in failed:
            f(u.save(batch=b))
        raise RuntimeError("stop")
    for u in failed:
        f(u.save_changes())  # still assigned: written now
        assert f(U.get(id=u.id)).age == 50


def test_batch_takes_a_batch_query_and_refuses_anything_else(f: Any) -> None:
    U = f.m.User
    kept = U(name="kept")
    f(kept.save())
    for bad in (5, "b", object(), [kept]):
        fresh = U(name="never")
        with pytest.raises(InvalidQueryError, match=r"User: batch= takes a BatchQuery"):
            f(fresh.save(batch=bad))  # the short way's call shape
        with pytest.raises(InvalidQueryError, match=r"batch= takes a BatchQuery"):
            f(fresh.save(batch=bad, ttl=60))
        with pytest.raises(InvalidQueryError, match=r"batch= takes a BatchQuery"):
            f(fresh.insert(batch=bad))
        with pytest.raises(InvalidQueryError, match=r"batch= takes a BatchQuery"):
            f(kept.update(batch=bad, name="changed"))
        with pytest.raises(InvalidQueryError, match=r"batch= takes a BatchQuery"):
            f(kept.delete(batch=bad))
        assert f(U.find_one(id=fresh.id)) is None
    assert f(U.get(id=kept.id)).name == "kept"
    with f.batch() as b:  # and a batch= of None is no batch: the write runs at once
        f(U(name="now", id=(now := uuid4())).save(batch=None))
        assert len(b) == 0 and f(U.get(id=now)).name == "now"


def test_a_positional_argument_beside_batch_is_refused_not_dropped(f: Any) -> None:
    U = f.m.User
    doc = U(name="p")
    with f.batch() as b:
        with pytest.raises(TypeError):
            f(doc.save(60, batch=b))  # type: ignore[call-arg]
        assert len(b) == 0
    assert f(U.find_one(id=doc.id)) is None


def test_a_column_named_batch_is_a_lookup_of_a_read(f: Any) -> None:
    class Lot(f.module.Document):  # type: ignore[misc,name-defined]
        batch: Annotated[int, PrimaryKey()]
        label: str = ""

        class Settings:
            name = f"it_lots_{f.name}"

    f(Lot.sync_table())
    f(Lot(batch=5, label="five").save())
    assert f(Lot.get(batch=5)).label == "five"
    assert f(Lot.find_one(batch=6)) is None
    assert f(Lot.get(5)).label == "five"


def test_a_batch_the_server_refuses_is_an_error_naming_its_statements(f: Any) -> None:
    # coodie leaves raw statements to the server: two partitions under IF NOT EXISTS
    ks = get_driver(f.m.User._driver_name()).keyspace
    insert = f"INSERT INTO {ks}.it_users (id, name) VALUES (?, ?) IF NOT EXISTS"
    with pytest.raises(CoodieError) as refused, f.batch() as b:
        b.add(insert, [uuid4(), "a"])
        b.add(insert, [uuid4(), "b"])
    assert "partition" in str(refused.value)
    assert insert in str(refused.value)  # (the batch's text, made for the error)


@pytest.mark.parametrize(
    "queue",
    [
        lambda u, b: u.save(batch=b),  # the batch's short way
        lambda u, b: u.save(batch=b, ttl=3600),  # the general way
        lambda u, b: u.insert(batch=b),
    ],
    ids=["save", "save-ttl", "insert"],
)
def test_a_field_assigned_after_its_row_was_queued_is_still_changed(f: Any, queue: Any) -> None:
    U = f.m.User
    users = [U(name=f"first{i}") for i in range(3)]
    for u in users:  # (a batch each: a conditional batch holds one partition)
        with f.batch() as b:
            f(queue(u, b))
            u.name = f"later-{u.id}"  # after the queued write took its values
    for u in users:
        assert f(U.get(id=u.id)).name.startswith("first")  # the batch wrote the queued values
        f(u.save_changes())  # and the later assignment is still to be written
        assert f(U.get(id=u.id)).name == f"later-{u.id}"


def test_fields_taken_by_a_batch_that_did_not_apply_are_still_changed(f: Any) -> None:
    U = f.m.User
    taken = U(name="kept", age=1)
    f(taken.save())
    taken.age = 2  # assigned, then queued in a batch that will not apply
    rival = U(name="rival", id=taken.id)
    with f.batch() as b:
        f(taken.save(batch=b))
        f(rival.insert(batch=b))  # IF NOT EXISTS: the row exists, so nothing applies
    assert b.result is not None and not b.result.applied
    assert f(U.get(id=taken.id)).age == 1
    f(taken.save_changes())  # the age is still to be written
    assert f(U.get(id=taken.id)).age == 2


def _keyed_by_a_double(f: Any, table: str) -> Any:
    """A model of a table of its own (per flavour) whose partition key is a double."""

    class Gauge(f.module.Document):  # type: ignore[misc,name-defined]
        level: Annotated[float, PrimaryKey()]
        note: str = ""

        class Settings:
            name = f"{table}_{f.name}"

    f(Gauge.sync_table())
    return Gauge


def test_a_conditional_batch_tells_partitions_apart_as_the_server_does(f: Any) -> None:
    import math

    Gauge = _keyed_by_a_double(f, "it_gauges")
    ks = get_driver(Gauge._driver_name()).keyspace
    insert = f"INSERT INTO {ks}.it_gauges_{f.name} (level, note) VALUES (?, ?) IF NOT EXISTS"
    update = f"UPDATE {ks}.it_gauges_{f.name} SET note = ? WHERE level = ?"
    with f.batch() as b:  # NaN and NaN: one partition (the same bytes)
        b.add(insert, [math.nan, "a"])
        b.add(update, ["b", math.nan])
    assert b.result is not None and b.result.applied
    with pytest.raises(InvalidQueryError, match="partitions"), f.batch() as b:
        b.add(insert, [0.0, "zero"])  # 0.0 and -0.0: equal numbers, two partitions
        b.add(update, ["minus", -0.0])


@pytest.mark.parametrize("options", [{}, {"ttl": 3600}], ids=["short-way", "general-way"])
def test_a_row_refused_when_queued_keeps_its_assigned_fields(f: Any, options: Any) -> None:
    U = f.m.User
    u = U(name="before")
    f(u.save())
    u.name = "after"  # assigned: to be written
    u.__dict__["age"] = "not a number"  # (a value that bypassed validation)
    with f.batch() as b:
        with pytest.raises(InvalidQueryError, match="age"):
            f(u.save(batch=b, **options))
        assert len(b) == 0
    u.__dict__["age"] = 0
    f(u.save_changes())  # the refused row took nothing: the name is still to be written
    assert f(U.get(id=u.id)).name == "after"


@pytest.mark.parametrize(
    "queue",
    [
        lambda u, b: u.update(batch=b, name="queued"),
        lambda u, b: u.save_changes(batch=b),
    ],
    ids=["update", "save_changes"],
)
def test_a_field_assigned_after_its_update_was_queued_keeps_its_new_value(
    f: Any, queue: Any
) -> None:
    U = f.m.User
    u = U(name="first")
    f(u.save())
    u.name = "queued"
    with f.batch() as b:
        f(queue(u, b))
        u.name = "later"  # after the queued update took its value
    assert f(U.get(id=u.id)).name == "queued"
    assert u.name == "later"  # the batch did not put the queued value back
    f(u.save_changes())  # and it is still to be written
    assert f(U.get(id=u.id)).name == "later"


def test_model_writes_keyed_by_nan_are_one_partition_to_a_conditional_batch(f: Any) -> None:
    Level = _keyed_by_a_double(f, "it_levels")
    with f.batch() as b:  # two NaN objects (nan != nan): the same bytes, one partition
        f(Level(level=float("nan"), note="a").insert(batch=b))
        f(Level(level=float("nan"), note="b").update(batch=b, note="b"))
    assert b.result is not None and b.result.applied
    with pytest.raises(InvalidQueryError, match="partitions"), f.batch() as b:
        f(Level(level=0.0).insert(batch=b))  # 0.0 and -0.0: two partitions
        f(Level(level=-0.0).insert(batch=b))
