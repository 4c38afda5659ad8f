"""Regressions found in review: each test fails on the code before its fix."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from typing import Annotated, Any
from uuid import uuid4

import pytest
from cassandra.cluster import Session

from coodie.exceptions import InvalidQueryError
from coodie.fields import ClusteringKey, CqlType, PrimaryKey

D1 = dt.date(2024, 1, 1)


@pytest.fixture(autouse=True)
def tables(f: Any) -> None:
    f(f.m.User.sync_table())
    f(f.m.Reading.sync_table())


def _seq(f: Any, sensor: str) -> list[int]:
    return [r.seq for r in f(f.m.Reading.find(sensor=sensor, day=D1).all())]


def test_bulk_delete_keeps_the_query_order_and_limit(f: Any) -> None:
    R, s = f.m.Reading, f"s-{uuid4()}"
    for seq in range(10):
        f(R(sensor=s, day=D1, seq=seq).save())
    # Reading orders seq DESC: ASC order + limit 3 selects 0, 1, 2
    assert [r.seq for r in f(R.find(sensor=s, day=D1).order_by("seq").limit(3).all())] == [0, 1, 2]
    assert f(R.find(sensor=s, day=D1).order_by("seq").limit(3).delete()) == 3
    assert _seq(f, s) == [9, 8, 7, 6, 5, 4, 3]


def test_bulk_delete_honours_per_partition_limit(f: Any) -> None:
    R, s = f.m.Reading, f"s-{uuid4()}"
    for seq in range(3):
        f(R(sensor=s, day=D1, seq=seq).save())
    assert f(R.find(sensor=s, day=D1, seq__in=[0, 1, 2]).per_partition_limit(1).delete()) == 1
    assert _seq(f, s) == [1, 0]


def test_batch_timestamp_reaches_the_server(f: Any, session: Session) -> None:
    u = f.m.User(name="ts")
    with f.batch(timestamp=1_000) as b:
        f(u.save(batch=b))
    wt = session.execute("SELECT WRITETIME(name) FROM it_users WHERE id = %s", (u.id,)).one()[0]
    assert wt == 1_000


def test_partial_documents_write_only_what_they_read(f: Any) -> None:
    U = f.m.User
    u = U(name="part", email="e@x", tags={"t"})
    f(u.save())
    [p] = f(U.find(id=u.id).only("id", "name").all())
    p.name = "renamed"
    p.verified = True  # not read, but given a value: written
    f(p.model_copy().save())  # a copy stays partial
    got = f(U.get(id=u.id))
    assert (got.name, got.email, got.tags, got.verified) == ("renamed", "e@x", {"t"}, True)
    [nokey] = f(U.find(id=u.id).only("name").all())
    with pytest.raises(InvalidQueryError, match="without its primary key"):
        f(nokey.update(name="x"))
    with pytest.raises(InvalidQueryError, match="without its primary key"):
        f(nokey.save())


def test_static_columns_are_kept_and_updated_per_partition(f: Any) -> None:
    R, s = f.m.Reading, f"s-{uuid4()}"
    f(R(sensor=s, day=D1, seq=1, site="north").save())
    f(R(sensor=s, day=D1, seq=2).save())  # site None-free default "" is written...
    second = R.model_construct(sensor=s, day=D1, seq=3, value=0.0, site=None)
    f(second.save())  # ...but a None static is left alone
    assert {r.site for r in f(R.find(sensor=s).all())} == {""}
    r = f(R.get(sensor=s, day=D1, seq=1))
    f(r.update(site="south"))  # static-only: an UPDATE of the partition
    assert {x.site for x in f(R.find(sensor=s).all())} == {"south"}
    assert f(R.find(sensor=s).update(site="west")) == 1  # one partition
    assert {x.site for x in f(R.find(sensor=s).all())} == {"west"}


def test_update_in_a_failed_batch_leaves_the_instance_alone(f: Any) -> None:
    u = f.m.User(name="before")
    f(u.save())
    with pytest.raises(RuntimeError), f.batch() as b:
        f(u.update(name="after", batch=b))
        raise RuntimeError("boom")
    assert u.name == "before" and f(f.m.User.get(id=u.id)).name == "before"
    with f.batch() as b:
        f(u.update(name="after", batch=b))
        assert u.name == "before"  # not yet: the batch has not run
    assert u.name == "after" and f(f.m.User.get(id=u.id)).name == "after"


def test_writes_in_a_batch_that_did_not_apply_leave_their_instances_alone(f: Any) -> None:
    """A queued write's answer is applied once the batch applied, and only then."""
    u = f.m.User(name="first")
    f(u.save())
    other = f.m.User(id=u.id, name="other")
    with f.batch() as b:
        f(other.insert(batch=b))  # IF NOT EXISTS: the row exists, so the batch fails
        f(u.update(name="second", batch=b))
    assert b.result is not None and not b.result.applied
    assert u.name == "first" and f(f.m.User.get(id=u.id)).name == "first"


def test_a_document_counter_in_a_batch_changes_once_the_batch_ran(f: Any) -> None:
    H = f.m.Hits
    f(H.sync_table())
    h = H(url=f"/d/{uuid4()}")
    with f.batch(batch_type="counter") as b:
        f(h.increment(views=2, batch=b))
        f(h.decrement(visitors=1, batch=b))
        assert (h.views, h.visitors) == (0, 0)  # not yet: the batch has not run
    assert (h.views, h.visitors) == (2, -1)
    stored = f(H.get(url=h.url))
    assert (stored.views, stored.visitors) == (2, -1)


def test_lwt_existing_values_have_the_model_types(f: Any) -> None:
    u = f.m.User(name="lwt-types", tags={"a", "b"})
    f(u.insert())
    r = f(f.m.User(id=u.id, name="x").insert())
    assert not r.applied and r.existing["tags"] == {"a", "b"} and type(r.existing["tags"]) is set


def test_view_of_a_base_in_another_keyspace(f: Any, session: Session, keyspace: str) -> None:
    ks = f"coodie_view_{uuid4().hex[:8]}"

    class Base(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        cat: str = ""

        class Settings:
            keyspace = ks
            name = "vbase"

    class ByCat(f.module.MaterializedView):  # type: ignore[misc,name-defined]
        cat: Annotated[str, PrimaryKey()]
        id: Annotated[int, ClusteringKey()]

        class Settings:
            name = "vbase_by_cat"
            base = Base

    try:
        f(Base.sync_table())
        f(ByCat.sync_view())
        f(Base(id=1, cat="x").save())
        rows: list[Any] = []
        for _ in range(50):
            rows = f(ByCat.find(cat="x").all())
            if rows:
                break
        assert [r.id for r in rows] == [1]
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {ks}", timeout=120)


def test_sync_table_notices_a_changed_key_layout(f: Any) -> None:
    from coodie.exceptions import SchemaError

    class V1(f.module.Document):  # type: ignore[misc,name-defined]
        a: Annotated[int, PrimaryKey()]
        b: Annotated[int, ClusteringKey()]

        class Settings:
            name = f"it_keylayout_{f.name}"

    class V2(f.module.Document):  # type: ignore[misc,name-defined]
        a: Annotated[int, PrimaryKey()]
        b: Annotated[int, ClusteringKey(order="DESC")]

        class Settings:
            name = f"it_keylayout_{f.name}"

    class V3(f.module.Document):  # type: ignore[misc,name-defined]
        a: Annotated[int, PrimaryKey(partition_key_index=0)]
        b: Annotated[int, PrimaryKey(partition_key_index=1)]

        class Settings:
            name = f"it_keylayout_{f.name}"

    f(V1.sync_table())
    with pytest.raises(SchemaError, match="clustering order"):
        f(V2.sync_table())
    with pytest.raises(SchemaError, match="primary key"):
        f(V3.sync_table())


def test_deleting_a_partition_or_clustering_range_is_one_statement(f: Any) -> None:
    R, s = f.m.Reading, f"s-{uuid4()}"
    for day in (D1, dt.date(2024, 1, 2)):
        for seq in range(4):
            f(R(sensor=s, day=day, seq=seq).save())
    qs = R.find(sensor=s, day=D1, seq__gte=2)
    # one DELETE and no read: the server does not say how many rows went, so None
    assert qs._whole_rows_by_key() and f(qs.delete()) is None
    assert f(R.find(sensor=s).count()) == 6
    qs = R.find(sensor=s)
    assert qs._whole_rows_by_key() and f(qs.delete()) is None
    assert f(R.find(sensor=s).count()) == 0
    assert f(R.find(sensor=s).delete()) is None


def test_a_batch_runs_on_its_models_driver(f: Any, session: Session, keyspace: str) -> None:
    """A batch of writes to a model bound to a second driver runs on that driver (the
    async batch once ran on the default one), and cannot mix drivers."""
    import coodie.sync
    from coodie.registry import unregister_driver
    from tests.integration.conftest import _contact_points

    other_ks = f"{keyspace}_b"
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {other_ks} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    hosts, port = _contact_points()
    driver = coodie.sync.init_coodie(hosts=hosts, port=port, keyspace=other_ks, name="second")
    try:

        class Elsewhere(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]
            n: int = 0

            class Settings:
                name = "it_elsewhere"
                driver = "second"

        f(Elsewhere.sync_table())
        with f.batch() as b:
            f(Elsewhere(id=1, n=7).save(batch=b))
        rows = list(session.execute(f"SELECT n FROM {other_ks}.it_elsewhere WHERE id = 1"))
        assert [r.n for r in rows] == [7]
        with (
            pytest.raises(InvalidQueryError, match="cannot span several drivers"),
            f.batch() as b,
        ):
            f(Elsewhere(id=2).save(batch=b))
            f(f.m.Reading(sensor="x", day=D1, seq=1).save(batch=b))
    finally:
        unregister_driver("second")
        driver.shutdown()
        session.execute(f"DROP KEYSPACE IF EXISTS {other_ks}")


def test_async_execution_outside_an_event_loop_sends_nothing(f: Any) -> None:
    """execute_async asked outside a running loop sends nothing: the cassandra driver's
    (which returns a future) raises before the statement leaves; acsylla's is a
    coroutine function, which runs nothing until awaited."""
    from coodie import flows
    from coodie.registry import get_driver

    R, s = f.m.Reading, f"s-{uuid4()}"
    request = flows.save(R(sensor=s, day=D1, seq=1)).request
    driver = get_driver()
    try:
        pending = driver.execute_async(request)
    except RuntimeError:
        pass
    else:
        assert asyncio.iscoroutine(pending)
        pending.close()
    assert _seq(f, s) == []


def test_a_frozen_models_document_takes_no_new_values_and_sends_nothing(f: Any) -> None:
    from pydantic import ConfigDict, ValidationError

    from coodie.fields import Counter

    class Sealed(f.module.Document):  # type: ignore[misc,name-defined]
        model_config = ConfigDict(frozen=True)
        id: Annotated[str, PrimaryKey()]
        n: int = 0
        tags: list[str] = []

        class Settings:
            name = f"it_sealed_{f.name}"

    class SealedHits(f.module.CounterDocument):  # type: ignore[misc,name-defined]
        model_config = ConfigDict(frozen=True)
        url: Annotated[str, PrimaryKey()]
        views: Annotated[int, Counter()] = 0

        class Settings:
            name = f"it_sealed_hits_{f.name}"

    f(Sealed.sync_table())
    f(SealedHits.sync_table())
    doc = Sealed(id=f"s-{uuid4()}", n=1, tags=["a"])
    f(doc.save())  # a frozen document is written whole, as ever
    with pytest.raises(ValidationError, match="frozen_instance"):
        doc.n = 2  # (pydantic's own refusal: the writes below give the same)
    with pytest.raises(ValidationError, match="frozen_instance"):
        f(doc.update(n=2))
    with pytest.raises(ValidationError, match="frozen_instance"):
        f(doc.delete_columns("tags"))
    for op in ({"append__tags": ["b"]}, {"prepend__tags": ["z"]}, {"remove__tags": ["a"]}):
        with pytest.raises(ValidationError, match="frozen_instance"):
            f(doc.update(**op))
    assert (doc.n, doc.tags) == (1, ["a"])
    got = f(Sealed.get(id=doc.id))
    assert (got.n, got.tags) == (1, ["a"])  # nothing was sent
    f(Sealed.find(id=doc.id).update(n=3))  # a query's update changes no document
    assert f(Sealed.get(id=doc.id)).n == 3
    page = SealedHits(url=f"/{uuid4()}")
    with pytest.raises(ValidationError, match="frozen_instance"):
        f(page.increment(views=1))
    assert page.views == 0 and f(SealedHits.find_one(url=page.url)) is None
    f(SealedHits.increment(url=page.url, views=2))  # the class's increment: no document
    assert f(SealedHits.get(url=page.url)).views == 2


def test_a_frozen_field_takes_no_new_value_from_any_write(f: Any) -> None:
    from pydantic import Field, ValidationError

    class Badge(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[str, PrimaryKey()]
        code: str = Field(default="", frozen=True)
        marks: list[int] = Field(default_factory=list, frozen=True)
        note: str = ""

        class Settings:
            name = f"it_badges_{f.name}"

    f(Badge.sync_table())
    doc = Badge(id=f"b-{uuid4()}", code="c1", marks=[1, 2], note="n")
    f(doc.save())
    for write in (
        lambda: doc.update(code="c2"),
        lambda: doc.update(append__marks=[3]),
        lambda: doc.delete_columns("code"),
        lambda: doc.delete_columns(("marks", 0)),
    ):
        with pytest.raises(ValidationError, match="frozen_field"):
            f(write())
    f(doc.update(note="changed"))  # a field that is not frozen
    got = f(Badge.get(id=doc.id))
    assert (got.code, got.marks, got.note) == ("c1", [1, 2], "changed")
    assert (doc.code, doc.marks, doc.note) == ("c1", [1, 2], "changed")


def _save(f: Any, queued: bool, *docs: Any) -> None:
    """Save `docs` in order: in one batch where `queued`, else one by one."""
    if queued:
        with f.batch() as b:
            for doc in docs:
                f(doc.save(batch=b))
    else:
        for doc in docs:
            f(doc.save())


@pytest.mark.parametrize("queued", [False, True], ids=["alone", "batch"])
def test_a_first_save_with_a_none_static_does_not_drop_the_static_from_later_saves(
    f: Any, queued: bool
) -> None:
    from coodie.fields import Static

    # a model of its own: its first save is the one its INSERT's shape is learned from
    class Plot(f.module.Document):  # type: ignore[misc,name-defined]
        field: Annotated[str, PrimaryKey()]
        row: Annotated[int, ClusteringKey()]
        owner: Annotated[str | None, Static()] = None
        crop: str = ""

        class Settings:
            name = f"it_plots_{f.name}_{'batch' if queued else 'alone'}"

    f(Plot.sync_table())
    for n in range(3):
        field = f"f{n}-{uuid4()}"
        first, second = Plot(field=field, row=0, crop="rye"), Plot(field=field, row=1, owner="ann")
        _save(f, queued, first, second)  # (first: a None static, left out of its INSERT)
        rows = f(Plot.find(field=field).all())
        assert [(r.row, r.owner, r.crop) for r in rows] == [(0, "ann", "rye"), (1, "ann", "")]


@pytest.mark.parametrize("queued", [False, True], ids=["alone", "batch"])
def test_a_constructed_document_without_a_field_leaves_its_column_out(f: Any, queued: bool) -> None:
    # model_construct() skips validation: a required field given no value is not in the
    # document, and its save leaves the column out, whichever call taught the shape
    class Card(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[str, PrimaryKey()]
        holder: str
        points: int = 0

        class Settings:
            name = f"it_cards_{f.name}_{'batch' if queued else 'alone'}"

    f(Card.sync_table())
    for n in range(2):  # (the first whole save teaches the INSERT's shape)
        key = f"c{n}-{uuid4()}"
        f(Card(id=key, holder="ann", points=1).save())
        bare = Card.model_construct(id=key, points=2)
        _save(f, queued, bare)
        got = f(Card.get(id=key))
        assert (got.holder, got.points) == ("ann", 2)


@pytest.mark.parametrize("queued", [False, True], ids=["alone", "batch"])
def test_a_first_save_of_a_constructed_document_does_not_drop_columns_from_later_ones(
    f: Any, queued: bool
) -> None:
    class Pass(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[str, PrimaryKey()]
        holder: str
        zone: int = 0

        class Settings:
            name = f"it_passes_{f.name}_{'batch' if queued else 'alone'}"

    f(Pass.sync_table())
    docs = [Pass.model_construct(id=f"p-{uuid4()}", zone=1)]  # the first: no holder
    docs += [Pass(id=f"p{n}-{uuid4()}", holder=f"h{n}", zone=2) for n in range(3)]
    for doc in docs:
        _save(f, queued, doc)
    assert [(f(Pass.get(id=d.id)).holder, f(Pass.get(id=d.id)).zone) for d in docs[1:]] == [
        ("h0", 2),
        ("h1", 2),
        ("h2", 2),
    ]


_CODES = {"red": 1}  # (module level: the annotation below is read in the module's namespace)


def test_a_converters_own_error_reaches_the_caller(f: Any) -> None:
    class Swatch(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[str, PrimaryKey()]
        color: Annotated[str, CqlType("int", to_db=lambda v: _CODES[v], from_db=str)] = "red"

        class Settings:
            name = f"it_swatches_{f.name}"

    f(Swatch.sync_table())
    f(Swatch(id="a").save())  # (teaches the shape)
    with pytest.raises(KeyError, match="blue"):
        f(Swatch(id="b", color="blue").save())


def test_two_collection_operations_on_a_field_in_one_batch_both_reach_the_document(
    f: Any,
) -> None:
    """Each answer applies its operation to the document's value once the batch has run
    (not the value it computed when queued): the document holds what the table holds,
    and a later save() loses nothing."""
    U = f.m.User
    u = U(name="ops", tags={"x"}, scores=[1], metadata={"k": "v"})
    f(u.save())
    with f.batch() as b:
        f(u.update(add__tags={"a"}, append__scores=[2], batch=b))
        f(u.update(add__tags={"b"}, append__scores=[3], put__metadata={"j": "w"}, batch=b))
        f(u.update(remove__tags={"x"}, batch=b))
    got = f(U.get(id=u.id))
    assert (u.tags, u.scores, u.metadata) == (got.tags, got.scores, got.metadata)
    assert u.tags == {"a", "b"} and u.scores == [1, 2, 3]
    assert not u._changed_fields()
    f(u.save())
    assert f(U.get(id=u.id)).tags == {"a", "b"}


def test_an_element_deleted_beside_a_put_in_one_batch_leaves_the_document_as_the_table(
    f: Any,
) -> None:
    """delete_columns() of a map's key computed the map when it was queued, and its answer
    put that over what the batch's put had given the document."""
    U = f.m.User
    u = U(name="elements", metadata={"k": "v", "j": "w"}, scores=[1, 2, 3])
    f(u.save())
    with f.batch() as b:
        f(u.update(put__metadata={"n": "x"}, batch=b))
        f(u.delete_columns(("metadata", "k"), batch=b))
    got = f(U.get(id=u.id))
    assert u.metadata == got.metadata == {"j": "w", "n": "x"}
    assert not u._changed_fields()
    f(u.delete_columns(("scores", 0), "email"))
    got = f(U.get(id=u.id))
    assert (u.scores, u.email) == (got.scores, got.email) == ([2, 3], "")


@pytest.mark.parametrize("queued", ["update", "save", "save with ttl"])
def test_a_field_saved_directly_while_an_older_write_waits_in_a_batch_stays_changed(
    f: Any, queued: str
) -> None:
    """A write queued in a batch, then the field assigned and saved directly, then the
    batch run: the table holds the batch's older value, so the document's newer one is
    still to be written (it was counted written by the direct save)."""
    U = f.m.User
    u = U(name="first")
    f(u.save())
    with f.batch() as b:
        if queued == "update":
            f(u.update(name="queued", batch=b))
        else:  # (given an option, the save is queued the general way)
            u.name = "queued"
            f(u.save(batch=b) if queued == "save" else u.save(ttl=3600, batch=b))
        u.name = "direct"
        f(u.save())
        assert not u._changed_fields()
    assert f(U.get(id=u.id)).name == "queued"  # (the batch applied last)
    assert u.name == "direct" and u._changed_fields() == {"name"}
    f(u.save_changes())
    assert f(U.get(id=u.id)).name == "direct"


def test_a_copy_of_a_document_with_unsaved_changes_writes_them(f: Any) -> None:
    """Copies (model_copy, copy, pickle) started with nothing changed: their
    save_changes() wrote nothing, though the original still had fields to write."""
    U = f.m.User
    u = U(name="original")
    f(u.save())
    u.name = "renamed"
    twin = u.model_copy(update={"email": "e@x"})
    f(twin.save_changes())
    got = f(U.get(id=u.id))
    assert (got.name, got.email) == ("renamed", "e@x")
    u.email = "f@x"
    f(copy.copy(u).save_changes())  # (pickles: tests/unit/test_hydration.py)
    assert f(U.get(id=u.id)).email == "f@x"


def test_a_collection_operation_on_a_column_a_partial_document_did_not_read_leaves_it_unread(
    f: Any,
) -> None:
    """The operation applied to the default the document held for the column (it never
    read it), and the column then counted as read: a later save() wrote that over the
    table's collection."""
    U = f.m.User
    u = U(name="full", metadata={"k": "1", "j": "2"}, scores=[1, 2])
    f(u.save())
    [p] = f(U.find(id=u.id).only("id", "name").all())
    f(p.delete_columns(("metadata", "k"), ("scores", 0)))
    f(p.update(put__metadata={"z": "9"}))
    p.name = "renamed"
    f(p.save())
    got = f(U.get(id=u.id))
    assert (got.name, got.metadata, got.scores) == ("renamed", {"j": "2", "z": "9"}, [2])


def test_a_collection_operation_on_a_column_assigned_and_not_written_keeps_it_to_write(
    f: Any,
) -> None:
    """The document's value (its assignment, changed by the operation) is not the
    table's: it stays to be written, and save_changes() writes it."""
    U = f.m.User
    u = U(name="pending", metadata={"a": "1"})
    f(u.save())
    u.metadata = {"a": "1", "b": "2"}
    f(u.delete_columns(("metadata", "a")))
    assert u.metadata == {"b": "2"} and u._changed_fields() == {"metadata"}
    f(u.update(put__metadata={"c": "3"}))
    assert u._changed_fields() == {"metadata"}
    f(u.save_changes())
    assert f(U.get(id=u.id)).metadata == {"b": "2", "c": "3"} == u.metadata


def test_a_bad_list_index_or_map_key_is_refused_on_every_call_of_a_shape(f: Any) -> None:
    """The key of an element to delete was checked once per statement shape: after a
    good index, -1 went to the server (the memory driver took it)."""
    U = f.m.User
    u = U(name="indexes", scores=[1, 2, 3], metadata={"a": "1"})
    f(u.save())
    f(u.delete_columns(("scores", 0)))
    for bad in (-1, True, "first"):
        with pytest.raises(InvalidQueryError, match=r"index must be an int >= 0, got"):
            f(u.delete_columns(("scores", bad)))
    f(u.delete_columns(("metadata", "a")))
    with pytest.raises(InvalidQueryError, match=r"metadata: the key is None"):
        f(u.delete_columns(("metadata", None)))
    got = f(U.get(id=u.id))
    assert (got.scores, got.metadata) == ([2, 3], {}) == (u.scores, u.metadata)


@pytest.mark.parametrize("direct", ["update", "delete_columns"])
def test_a_field_written_directly_while_the_row_waits_in_a_batch_stays_to_be_written(
    f: Any, direct: str
) -> None:
    """update() or delete_columns() applied directly while a save() of the whole row
    waited in a batch: the batch, run later, wrote the row's older value, and the field
    counted written."""
    U = f.m.User
    u = U(name="first", metadata={"a": "1"})
    f(u.save())
    with f.batch() as b:
        u.name = "queued"
        f(u.save(batch=b))
        if direct == "update":
            f(u.update(name="direct"))
        else:
            f(u.delete_columns("metadata"))
    got = f(U.get(id=u.id))
    assert (got.name, got.metadata) == ("queued", {"a": "1"})  # (the batch applied last)
    field = "name" if direct == "update" else "metadata"
    assert u._changed_fields() == {field}
    f(u.save_changes())
    got = f(U.get(id=u.id))
    assert (got.name, got.metadata) == (u.name, u.metadata)


def test_an_increment_of_a_counter_a_partial_document_did_not_read_leaves_it_unread(
    f: Any,
) -> None:
    H = f.m.Hits
    f(H.sync_table())
    url = f"u-{uuid4()}"
    f(H.increment(url=url, views=10, visitors=3))
    [p] = f(H.find(url=url).only("url", "visitors").all())
    f(p.increment(views=1, visitors=1))
    got = f(H.get(url=url))
    assert (got.views, got.visitors, p.visitors) == (11, 4, 4)
    assert "views" not in p._loaded()  # (not 0 + 1)
