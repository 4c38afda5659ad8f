"""Code written for coodie 1.9 (its import paths, spellings and features) against the node.

Every test runs once per flavour: `f(x)` is `x` for coodie.sync and `await x` for coodie.aio.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any, Optional
from uuid import UUID, uuid4

import pytest
from cassandra.cluster import Session
from pydantic import BaseModel

from coodie.fields import ClusteringKey, Counter, PrimaryKey

_MODELS: dict[str, Any] = {}


def compat_models(f: Any) -> Any:
    """Tables for these tests, built and synced once per flavour."""
    if f.name in _MODELS:
        return _MODELS[f.name]
    d = f.module

    class Item(d.Document):  # type: ignore[name-defined,misc]
        id: Annotated[UUID, PrimaryKey()]
        name: str = ""
        price: int = 0
        tags: set[str] = set()
        items: list[str] = []
        meta: dict[str, str] = {}

        class Settings:
            name = "compat_items"

    class Event(d.Document):  # type: ignore[name-defined,misc]
        kind: Annotated[str, PrimaryKey()]
        seq: Annotated[int, ClusteringKey()]
        note: str = ""

        class Settings:
            name = "compat_events"
            __default_ttl__ = 3600

    class PageView(d.CounterDocument):  # type: ignore[name-defined,misc]
        url: Annotated[str, PrimaryKey()]
        view_count: Annotated[int, Counter()]

        class Settings:
            name = "compat_page_views"

    m = SimpleNamespace(Item=Item, Event=Event, PageView=PageView)
    for model in (Item, Event, PageView):
        f(model.sync_table())
    _MODELS[f.name] = m
    return m


@pytest.fixture
def m(f: Any) -> Any:
    return compat_models(f)


# ------------------------------------------------------------------ (a) import paths


def test_import_paths_of_coodie_19_reach_our_classes() -> None:
    import coodie.aio
    import coodie.sync
    from coodie.aio.document import CounterDocument as ACounter
    from coodie.aio.document import Document as ADocument
    from coodie.aio.document import MaterializedView as AView
    from coodie.aio.query import QuerySet as AQuerySet
    from coodie.batch import AsyncBatchQuery, BatchQuery
    from coodie.drivers import get_driver, init_coodie
    from coodie.results import LWTResult, PagedResult
    from coodie.sync.document import CounterDocument, Document, MaterializedView
    from coodie.sync.query import QuerySet

    assert (Document, CounterDocument, MaterializedView, QuerySet) == (
        coodie.sync.Document,
        coodie.sync.CounterDocument,
        coodie.sync.MaterializedView,
        coodie.sync.QuerySet,
    )
    assert (ADocument, ACounter, AView, AQuerySet) == (
        coodie.aio.Document,
        coodie.aio.CounterDocument,
        coodie.aio.MaterializedView,
        coodie.aio.AsyncQuerySet,
    )
    assert (BatchQuery, AsyncBatchQuery) == (coodie.sync.BatchQuery, coodie.aio.AsyncBatchQuery)
    assert (LWTResult, PagedResult) == (coodie.sync.LWTResult, coodie.sync.PagedResult)
    assert init_coodie is coodie.sync.init_coodie
    from coodie.registry import get_driver as registry_get_driver

    assert get_driver is registry_get_driver


def test_drivers_get_driver_is_the_registered_driver(coodie_driver: Any) -> None:
    from coodie.drivers import get_driver

    assert get_driver() is coodie_driver


def test_paged_result_data_and_fetch_size(f: Any, m: Any) -> None:
    kind = f"fs-{uuid4().hex[:8]}"
    for i in range(5):
        f(m.Event(kind=kind, seq=i).save())
    first = f(m.Event.find(kind=kind).fetch_size(2).paged_all())
    assert [e.seq for e in first.data] == [0, 1]
    assert first.data is first.documents
    rest = f(m.Event.find(kind=kind).fetch_size(2).paged_all(paging_state=first.paging_state))
    assert [e.seq for e in rest.data] == [2, 3]


def test_settings_dunder_default_ttl_sets_the_table_option(
    f: Any, m: Any, session: Session, keyspace: str
) -> None:
    row = session.execute(
        "SELECT default_time_to_live FROM system_schema.tables "
        "WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, "compat_events"),
    ).one()
    assert row.default_time_to_live == 3600
    kind = f"ttl-{uuid4().hex[:8]}"
    f(m.Event(kind=kind, seq=1).save())
    ttl = session.execute(
        "SELECT TTL(note) FROM compat_events WHERE kind = %s AND seq = 1", (kind,)
    ).one()[0]
    assert 3500 < ttl <= 3600


# ------------------------------------------------------------------ (b) spellings


def _item(f: Any, m: Any, **values: Any) -> Any:
    item = m.Item(id=uuid4(), **values)
    f(item.save())
    return item


def test_column_first_collection_updates_on_a_document(f: Any, m: Any, session: Session) -> None:
    item = _item(f, m, tags={"a", "b"}, items=["x", "y"], meta={"k": "v", "old": "o"})
    f(item.update(tags__add={"c"}, items__append=["z"], meta__update={"n": "1"}))
    f(item.update(tags__remove={"a"}, items__prepend=["w"], meta__remove={"old"}))
    f(item.update(meta__put=("p", "2"), items__setindex=(1, "X")))
    row = session.execute(
        "SELECT tags, items, meta FROM compat_items WHERE id = %s", (item.id,)
    ).one()
    assert set(row.tags) == {"b", "c"}
    assert list(row.items) == ["w", "X", "y", "z"]
    assert dict(row.meta) == {"k": "v", "n": "1", "p": "2"}
    # the instance took the same changes
    assert (item.tags, item.items, item.meta) == (set(row.tags), list(row.items), dict(row.meta))


def test_both_spellings_build_the_same_statement(m: Any) -> None:
    from coodie.expr.lookups import parse_assignments

    schema = m.Item._schema()
    ours = parse_assignments(
        schema, {"add__tags": {"a"}, "append__items": ["b"], "put__meta": {"k": "v"}}
    )
    theirs = parse_assignments(
        schema, {"tags__add": {"a"}, "items__append": ["b"], "meta__put": ("k", "v")}
    )
    assert ours == theirs


def test_column_first_updates_on_a_queryset(f: Any, m: Any, session: Session) -> None:
    a = _item(f, m, name="qs-spell", tags={"a"}, items=["x"])
    b = _item(f, m, name="qs-spell", tags={"b"}, items=["y"])
    n = f(m.Item.find(id__in=[a.id, b.id]).update(tags__add={"new"}, items__setindex=(0, "Z")))
    assert n == 2
    rows = session.execute(
        "SELECT id, tags, items FROM compat_items WHERE id IN (%s, %s)", (a.id, b.id)
    )
    got = {r.id: (set(r.tags), list(r.items)) for r in rows}
    assert got == {a.id: ({"a", "new"}, ["Z"]), b.id: ({"b", "new"}, ["Z"])}


def test_bad_column_first_updates_are_refused_before_sending(f: Any, m: Any) -> None:
    from coodie.exceptions import InvalidQueryError

    item = _item(f, m)
    with pytest.raises(InvalidQueryError, match=r"meta__put= takes a \(key, value\) pair"):
        f(item.update(meta__put="k"))
    with pytest.raises(InvalidQueryError, match=r"items__setindex= takes an \(index, value\) pair"):
        f(item.update(items__setindex="x"))
    with pytest.raises(InvalidQueryError, match="not valid for set<text> column tags"):
        f(item.update(tags__setindex=(0, "x")))
    with pytest.raises(InvalidQueryError, match="no column 'nope'"):
        f(item.update(nope__add={"x"}))


def test_increment_on_an_instance(f: Any, m: Any, session: Session) -> None:
    url = f"/p/{uuid4().hex[:8]}"
    page = m.PageView(url=url)
    f(page.increment(view_count=2))
    f(page.increment(view_count=3))
    f(m.PageView.increment(url=url, view_count=1))
    f(page.decrement(view_count=1))
    count = session.execute(
        "SELECT view_count FROM compat_page_views WHERE url = %s", (url,)
    ).one()[0]
    assert count == 5
    assert page.view_count == 4  # the instance counts its own changes
    assert f(m.PageView.get(url=url)).view_count == 5


def test_page_state_reads_the_next_page(f: Any, m: Any) -> None:
    kind = f"pg-{uuid4().hex[:8]}"
    for i in range(3):
        f(m.Event(kind=kind, seq=i).save())
    qs = m.Event.find(kind=kind).page_size(2)
    first = f(qs.page())
    second = f(qs.page(first.paging_state))
    assert [e.seq for e in first] == [0, 1]
    assert [e.seq for e in second] == [2]
    assert second.paging_state is None


def test_view_by_base_table_name_and_drop_view(
    f: Any, m: Any, session: Session, keyspace: str
) -> None:
    import time

    class ItemsByName(f.module.MaterializedView):  # type: ignore[misc,name-defined]
        name: Annotated[str, PrimaryKey()]
        id: Annotated[UUID, ClusteringKey()]
        price: int = 0

        class Settings:
            name = f"compat_items_by_name_{f.name}"
            __base_table__ = "compat_items"

    assert ItemsByName._view_base() is m.Item
    ran = f(ItemsByName.sync_view())
    assert ran and "FROM" in ran[0] and "compat_items " in ran[0]
    item = _item(f, m, name=f"view-{uuid4().hex[:8]}", price=7)
    deadline = time.monotonic() + 30
    rows: list[Any] = []
    while time.monotonic() < deadline and not rows:
        rows = f(ItemsByName.find(name=item.name).all())
        if not rows:
            time.sleep(0.1)  # (the view is written asynchronously; bounded)
    assert [(r.id, r.price) for r in rows] == [(item.id, 7)]
    f(ItemsByName.drop_view())
    rows = session.execute(
        "SELECT view_name FROM system_schema.views WHERE keyspace_name = %s", (keyspace,)
    )
    assert f"compat_items_by_name_{f.name}" not in {r.view_name for r in rows}


def test_base_table_naming_no_model_is_a_schema_error(f: Any) -> None:
    from coodie.exceptions import SchemaError

    with pytest.raises(SchemaError, match="__base_table__ = 'no_such_table' names no Document"):

        class Orphan(f.module.MaterializedView):  # type: ignore[misc,name-defined]
            id: Annotated[UUID, PrimaryKey()]

            class Settings:
                __base_table__ = "no_such_table"


# ------------------------------------------------------------------ (c) raw CQL, keyspaces


def test_execute_raw_binds_values_and_returns_dicts(f: Any, m: Any, keyspace: str) -> None:
    ks = keyspace  # raw CQL names its keyspace: the driver's session has none
    item = _item(f, m, name="it's raw", price=3)
    rows = f(
        f.module.execute_raw(
            f"SELECT id, name, price FROM {ks}.compat_items WHERE id = ?", [item.id]
        )
    )
    # values as the driver returns them (acsylla gives a uuid as its text)
    assert [{**r, "id": UUID(str(r["id"]))} for r in rows] == [
        {"id": item.id, "name": "it's raw", "price": 3}
    ]
    # %s markers too; a value with a quote is bound, never formatted into the text
    f(
        f.module.execute_raw(
            f"UPDATE {ks}.compat_items SET name = %s WHERE id = %s", ("x' OR '1", item.id)
        )
    )
    assert f(m.Item.get(id=item.id)).name == "x' OR '1"


def test_execute_raw_reads_every_page(f: Any, m: Any, keyspace: str) -> None:
    ks = keyspace  # raw CQL names its keyspace: the driver's session has none
    kind = f"raw-{uuid4().hex[:8]}"
    for i in range(7):
        f(m.Event(kind=kind, seq=i).save())
    from coodie.drivers import get_driver

    rows = f(f.module.execute_raw(f"SELECT seq FROM {ks}.compat_events WHERE kind = ?", [kind]))
    assert [r["seq"] for r in rows] == list(range(7))
    if f.is_async:
        got = f(
            get_driver().execute_raw_async(
                f"SELECT seq FROM {ks}.compat_events WHERE kind = ?", [kind]
            )
        )
    else:
        got = get_driver().execute_raw(
            f"SELECT seq FROM {ks}.compat_events WHERE kind = %s", [kind]
        )
    assert got == rows


def test_model_execute_raw_hydrates_documents(f: Any, m: Any, keyspace: str) -> None:
    ks = keyspace  # raw CQL names its keyspace: the driver's session has none
    from coodie.exceptions import InvalidQueryError

    item = _item(f, m, name="hydrated", tags={"t"}, meta={"a": "b"})
    docs = f(m.Item.execute_raw(f"SELECT * FROM {ks}.compat_items WHERE id = ?", [item.id]))
    assert docs == [item]
    assert isinstance(docs[0], m.Item)
    with pytest.raises(InvalidQueryError, match="columns the model lacks"):
        f(
            m.Item.execute_raw(
                f"SELECT id, price + 1 AS more FROM {ks}.compat_items WHERE id = ?", [item.id]
            )
        )


def test_execute_raw_refuses_params_it_cannot_bind(f: Any, keyspace: str) -> None:
    ks = keyspace  # raw CQL names its keyspace: the driver's session has none
    from coodie.exceptions import InvalidQueryError

    with pytest.raises(InvalidQueryError, match="binds params from a list or tuple"):
        f(f.module.execute_raw(f"SELECT * FROM {ks}.compat_items WHERE id = ?", "abc"))


def test_batch_add_raw_statement_beside_model_writes(f: Any, m: Any, keyspace: str) -> None:
    ks = keyspace  # raw CQL names its keyspace: the driver's session has none
    a = m.Item(id=uuid4(), name="in batch")
    b_id = uuid4()
    with f.batch() as batch:
        f(a.save(batch=batch))
        batch.add(
            f"INSERT INTO {ks}.compat_items (id, name, price) VALUES (?, ?, ?)", (b_id, "raw", 9)
        )
        assert len(batch) == 2
    assert f(m.Item.get(id=a.id)).name == "in batch"
    got = f(m.Item.get(id=b_id))
    assert (got.name, got.price) == ("raw", 9)


def test_create_and_drop_keyspace(f: Any, session: Session) -> None:
    from coodie.exceptions import SchemaError

    simple = f"compat_ks_{uuid4().hex[:10]}"
    nts = f"compat_ks_{uuid4().hex[:10]}"
    try:
        cql = f(
            f.module.create_keyspace(
                simple, replication={"class": "SimpleStrategy", "replication_factor": 1}
            )
        )
        assert cql.startswith(f"CREATE KEYSPACE IF NOT EXISTS {simple}")
        dc = session.execute("SELECT data_center FROM system.local").one()[0]
        f(
            f.module.create_keyspace(
                nts, {"class": "NetworkTopologyStrategy", dc: 1}, durable_writes=False
            )
        )
        rows = {
            r.keyspace_name: (dict(r.replication), r.durable_writes)
            for r in session.execute(
                "SELECT keyspace_name, replication, durable_writes FROM system_schema.keyspaces"
            )
        }
        assert rows[simple][0]["class"].endswith("SimpleStrategy")
        assert rows[simple][0]["replication_factor"] == "1"
        assert rows[simple][1] is True
        assert rows[nts][0]["class"].endswith("NetworkTopologyStrategy")
        assert rows[nts][0][dc] == "1"
        assert rows[nts][1] is False
    finally:
        f(f.module.drop_keyspace(simple))
        f(f.module.drop_keyspace(nts))
    names = {
        r.keyspace_name
        for r in session.execute("SELECT keyspace_name FROM system_schema.keyspaces")
    }
    assert simple not in names and nts not in names
    with pytest.raises(SchemaError, match="not a valid CQL identifier"):
        f(f.module.create_keyspace("bad; DROP KEYSPACE x"))
    with pytest.raises(SchemaError, match="replication class 'Everywhere'"):
        f(f.module.create_keyspace("compat_never", {"class": "Everywhere"}))
    with pytest.raises(SchemaError, match="not a valid CQL identifier"):
        f(f.module.drop_keyspace("x-y"))


# ------------------------------------------------------------------ (d) projections


def test_values_list_tuples_and_flat(f: Any, m: Any) -> None:
    kind = f"vl-{uuid4().hex[:8]}"
    for i in range(3):
        f(m.Event(kind=kind, seq=i, note=f"n{i}").save())
    qs = m.Event.find(kind=kind)
    assert f(qs.values_list("seq", "note")) == [(0, "n0"), (1, "n1"), (2, "n2")]
    assert f(qs.values_list("note", flat=True)) == ["n0", "n1", "n2"]
    assert f(qs.values_list(m.Event.seq, flat=True)) == [0, 1, 2]
    from coodie.exceptions import InvalidQueryError

    with pytest.raises(InvalidQueryError, match=r"flat=True\) takes exactly one column"):
        f(qs.values_list("seq", "note", flat=True))


def test_values_list_converts_values_to_the_model_types(f: Any, m: Any) -> None:
    item = _item(f, m, tags={"a"}, meta={"k": "v"})
    got = f(m.Item.find(id=item.id).values_list("id", "tags", "meta"))
    assert got == [(item.id, {"a"}, {"k": "v"})]
    assert isinstance(got[0][0], UUID)


def test_defer_reads_every_other_column(f: Any, m: Any, keyspace: str) -> None:
    item = _item(f, m, name="deferred", price=4, tags={"x"})
    qs = m.Item.find(id=item.id).defer("tags", "meta")
    assert qs.to_cql()[0] == (
        f"SELECT id, name, price, items FROM {keyspace}.compat_items WHERE id = ?"
    )
    doc = f(qs.first())
    assert (doc.name, doc.price) == ("deferred", 4)


def test_len_exists_and_count(f: Any, m: Any) -> None:
    kind = f"len-{uuid4().hex[:8]}"
    for i in range(4):
        f(m.Event(kind=kind, seq=i).save())
    qs = m.Event.find(kind=kind)
    assert f(qs.exists()) is True
    assert f(m.Event.find(kind=f"{kind}-none").exists()) is False
    assert f(qs.count()) == 4
    if not f.is_async:  # len() cannot await: the asyncio flavour has count()
        assert len(qs) == 4
        assert len(qs.limit(2)) == 2
        # list() calls len() first: queries that count() refuses still list
        assert [e.seq for e in list(qs.per_partition_limit(1))] == [0]
        assert [e.kind for e in list(qs.distinct())] == [kind]
        f(m.Event(kind=kind, seq=9).save())
        assert len(list(qs)) == 5  # each list() reads anew


def test_distinct_partition_keys(f: Any, m: Any) -> None:
    kinds = {f"d-{uuid4().hex[:8]}" for _ in range(3)}
    for k in kinds:
        for i in range(2):
            f(m.Event(kind=k, seq=i).save())
    got = f(m.Event.find(kind__in=sorted(kinds)).distinct().all())
    assert sorted(e.kind for e in got) == sorted(kinds)
    assert "DISTINCT kind" in m.Event.find().distinct().to_cql()[0]
    from coodie.exceptions import InvalidQueryError

    with pytest.raises(
        InvalidQueryError, match=r"distinct\(\) can only filter on the partition key"
    ):
        f(m.Event.find(kind="x", seq=1).distinct().all())


def test_get_by_a_lone_primary_key_value(f: Any, m: Any) -> None:
    from coodie.exceptions import DocumentNotFound, InvalidQueryError

    item = _item(f, m, name="by pk")
    assert f(m.Item.get(item.id)) == item
    assert f(m.Item.find_one(uuid4())) is None
    with pytest.raises(DocumentNotFound):
        f(m.Item.get(uuid4()))
    with pytest.raises(InvalidQueryError, match="one-column primary key"):
        f(m.Event.get("kind-only"))


# ------------------------------------------------------------------ (e) conditional QuerySet writes


def test_queryset_if_not_exists_create(f: Any, m: Any) -> None:
    from coodie.results import LWTResult

    new_id = uuid4()
    first = f(m.Item.find(id=new_id).if_not_exists().create(name="first", price=1))
    assert isinstance(first, LWTResult) and first.applied
    second = f(m.Item.find(id=new_id).if_not_exists().create(name="second", price=2))
    assert not second.applied
    assert (second.existing["name"], second.existing["id"]) == ("first", new_id)
    assert f(m.Item.get(id=new_id)).name == "first"


def test_queryset_if_exists_update_and_delete(f: Any, m: Any) -> None:
    missing = uuid4()
    assert not f(m.Item.find(id=missing).if_exists().update(name="ghost")).applied
    assert f(m.Item.find_one(id=missing)) is None  # no row was created
    item = _item(f, m, name="here", price=1)
    assert f(m.Item.find(id=item.id).if_exists().update(price=2, tags__add={"t"})).applied
    got = f(m.Item.get(id=item.id))
    assert (got.price, got.tags) == (2, {"t"})
    assert f(m.Item.find(id=item.id).if_exists().delete()).applied
    assert f(m.Item.find_one(id=item.id)) is None
    assert not f(m.Item.find(id=item.id).if_exists().delete()).applied


def test_queryset_if_conditions_with_not_equal(f: Any, m: Any) -> None:
    item = _item(f, m, name="cond", price=5)
    qs = m.Item.find(id=item.id)
    refused = f(qs.update(price=6, if_conditions={"name__ne": "cond"}))
    assert not refused.applied and refused.existing["name"] == "cond"
    assert f(qs.update(price=7, if_conditions={"name__ne": "other", "price": 5})).applied
    assert f(qs.update(price=8, if_conditions=[m.Item.price != 5])).applied
    assert f(m.Item.get(id=item.id)).price == 8
    assert not f(qs.delete(if_conditions=[m.Item.name != "cond"])).applied
    assert f(qs.delete(if_conditions={"price": 8})).applied
    assert f(m.Item.find_one(id=item.id)) is None


def test_a_null_condition_holds_for_a_row_that_is_not_there(f: Any, m: Any) -> None:
    """On the server `IF name = null` applies to a missing row (every column of it is
    null): a DELETE applies and leaves nothing, an UPDATE applies and writes the row. The
    memory driver said the DELETE was not applied."""
    ghost = m.Item(id=uuid4())
    assert f(ghost.delete(if_conditions={"name": None})).applied
    assert f(m.Item.find_one(id=ghost.id)) is None
    assert f(ghost.update(price=4, if_conditions={"name": None})).applied
    assert f(m.Item.get(id=ghost.id)).price == 4


def test_document_writes_take_not_equal_conditions(f: Any, m: Any) -> None:
    item = _item(f, m, name="doc-cond", price=1)
    assert not f(item.update(price=2, if_conditions={"price__ne": 1})).applied
    assert f(item.update(price=3, if_conditions=[m.Item.price != 2])).applied
    assert f(m.Item.get(id=item.id)).price == 3


def test_not_equal_and_bad_conditional_writes_are_refused(f: Any, m: Any) -> None:
    from coodie.exceptions import InvalidQueryError

    with pytest.raises(InvalidQueryError, match="!= relation in WHERE"):
        f(m.Item.find(m.Item.price != 3).all())
    with pytest.raises(InvalidQueryError, match="!= relation in WHERE"):
        f(m.Item.find(name__ne="x").allow_filtering().all())
    with pytest.raises(
        InvalidQueryError, match="UPDATE needs every partition key column: missing id"
    ):
        f(m.Item.find(name="x").if_exists().update(price=1))
    with pytest.raises(InvalidQueryError, match="IN on the partition key"):
        f(m.Item.find(id__in=[uuid4(), uuid4()]).if_exists().delete())
    with pytest.raises(InvalidQueryError, match="takes if_not_exists"):
        f(m.Item.find(id=uuid4()).if_exists().create())


# ------------------------------------------------------------------ (f) deletes of parts


def test_delete_columns_and_elements(f: Any, m: Any, session: Session) -> None:
    item = _item(f, m, name="parts", price=3, items=["a", "b", "c"], meta={"k": "v", "j": "w"})
    assert f(item.delete_columns("name", "price")) is None
    f(item.delete_columns(("meta", "k"), ("items", 1)))
    row = session.execute(
        "SELECT name, price, items, meta FROM compat_items WHERE id = %s", (item.id,)
    ).one()
    assert (row.name, row.price) == (None, None)
    assert (list(row.items), dict(row.meta)) == (["a", "c"], {"j": "w"})
    # the instance took the same change (null columns read back as the model's defaults)
    assert (item.items, item.meta) == (["a", "c"], {"j": "w"})
    assert f(m.Item.get(id=item.id)) == item


def test_delete_columns_with_conditions(f: Any, m: Any) -> None:
    item = _item(f, m, name="lwt-parts", price=1, meta={"k": "v"})
    refused = f(item.delete_columns("name", if_conditions={"price__ne": 1}))
    assert not refused.applied and refused.existing["price"] == 1
    assert f(item.delete_columns(("meta", "k"), if_conditions=[m.Item.price == 1])).applied
    assert f(item.delete_columns("name", if_exists=True)).applied
    got = f(m.Item.get(id=item.id))
    assert (got.name, got.meta) == ("", {})
    gone = m.Item(id=uuid4())
    assert not f(gone.delete_columns("name", if_exists=True)).applied
    with pytest.raises(TypeError, match="unexpected keyword argument 'if_exist'"):
        f(item.delete_columns("name", if_exist=True))  # (a misspelt option is no column)


def test_delete_columns_in_a_batch(f: Any, m: Any) -> None:
    item = _item(f, m, name="batched", meta={"k": "v"})
    with f.batch() as batch:
        f(item.delete_columns(("meta", "k"), batch=batch))
        assert item.meta == {"k": "v"}  # nothing ran yet
    assert item.meta == {}
    assert f(m.Item.get(id=item.id)).meta == {}


def test_bad_partial_deletes_are_refused(f: Any, m: Any) -> None:
    from coodie.exceptions import InvalidQueryError

    item = _item(f, m)
    with pytest.raises(InvalidQueryError, match=r"only a map \(by key\) or a list"):
        f(item.delete_columns(("tags", "x")))
    with pytest.raises(InvalidQueryError, match="primary key column id cannot be deleted"):
        f(item.delete_columns("id"))
    with pytest.raises(InvalidQueryError, match="index must be an int"):
        f(item.delete_columns(("items", "first")))
    with pytest.raises(InvalidQueryError, match="needs at least one column"):
        f(item.delete_columns())


# ------------------------------------------------------------------ (g) saving what changed


def test_save_changes_writes_only_assigned_fields(f: Any, m: Any, session: Session) -> None:
    item = _item(f, m, name="before", price=1)
    mine = f(m.Item.get(id=item.id))
    # another writer changes price meanwhile: a whole-row save would undo it
    session.execute("UPDATE compat_items SET price = 50 WHERE id = %s", (item.id,))
    mine.name = "after"
    assert f(mine.save_changes()) is None
    row = session.execute("SELECT name, price FROM compat_items WHERE id = %s", (item.id,)).one()
    assert (row.name, row.price) == ("after", 50)
    # nothing assigned since: nothing is sent (the other writer's name stays)
    session.execute("UPDATE compat_items SET name = 'theirs' WHERE id = %s", (item.id,))
    f(mine.save_changes())
    assert f(m.Item.get(id=item.id)).name == "theirs"


def test_update_changed_with_conditions_and_after_save(f: Any, m: Any) -> None:
    item = _item(f, m, name="c", price=1)
    item.price = 2
    refused = f(item.update_changed(if_conditions={"name__ne": "c"}))
    assert not refused.applied
    assert f(item.update_changed(if_conditions={"name": "c"})).applied
    assert f(m.Item.get(id=item.id)).price == 2
    item.tags = {"x"}
    f(item.save())  # a save writes everything: nothing is left changed
    item.name = "only-name"
    f(item.save_changes())
    got = f(m.Item.get(id=item.id))
    assert (got.name, got.price, got.tags) == ("only-name", 2, {"x"})


def test_save_changes_in_a_batch_and_key_changes_refused(f: Any, m: Any) -> None:
    from coodie.exceptions import InvalidQueryError

    item = _item(f, m, name="b", price=1)
    item.price = 9
    with f.batch() as batch:
        f(item.save_changes(batch=batch))
    other = f(m.Item.get(id=item.id))
    assert other.price == 9
    # once the batch applied, price counts as written: the next save_changes() of this
    # instance leaves the price another writer set since
    f(other.update(price=5))
    item.name = "b2"
    f(item.save_changes())
    got = f(m.Item.get(id=item.id))
    assert (got.name, got.price) == ("b2", 5)
    item.id = uuid4()
    with pytest.raises(InvalidQueryError, match=r"primary key field\(s\) id changed"):
        f(item.save_changes())


# ------------------------------------------------------------------ (h) sync_table options


def _table_option(session: Session, keyspace: str, table: str, option: str) -> Any:
    return session.execute(
        f"SELECT {option} FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    ).one()[0]


def test_sync_table_dry_run_runs_nothing(f: Any, session: Session, keyspace: str) -> None:
    table = f"compat_dry_{f.name}_{uuid4().hex[:6]}"

    class Dry(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        note: str = ""

        class Settings:
            name = table

    planned = f(Dry.sync_table(dry_run=True))
    assert planned == [
        f"CREATE TABLE IF NOT EXISTS {keyspace}.{table} (id int, note text, PRIMARY KEY (id))"
    ]
    rows = session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    assert list(rows) == []
    assert f(Dry.sync_table()) == planned
    assert f(Dry.sync_table(dry_run=True)) == []


def test_sync_table_alters_options_drops_removed_indexes_and_warns(
    f: Any, session: Session, keyspace: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from coodie.fields import Indexed

    table = f"compat_opts_{f.name}_{uuid4().hex[:6]}"

    class V1(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        email: Annotated[str, Indexed()] = ""
        old: str = ""

        class Settings:
            name = table
            options = {"comment": "v1", "gc_grace_seconds": 3600}

    f(V1.sync_table())
    index = f"{table}_email_idx"
    indexes = {
        r.index_name
        for r in session.execute(
            "SELECT index_name FROM system_schema.indexes WHERE keyspace_name = %s AND table_name = %s",
            (keyspace, table),
        )
    }
    assert indexes == {index}

    class V2(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        email: str = ""

        class Settings:
            name = table
            options = {"comment": "v2", "gc_grace_seconds": 3600}

    alter = f"ALTER TABLE {keyspace}.{table} WITH comment = 'v2'"
    drop = f"DROP INDEX IF EXISTS {keyspace}.{index}"
    with caplog.at_level(logging.WARNING, logger="coodie.schema"):
        assert f(V2.sync_table(dry_run=True, drop_removed_indexes=True)) == [alter, drop]
    assert "has columns the model lacks: old" in caplog.text
    assert _table_option(session, keyspace, table, "comment") == "v1"  # dry run: unchanged
    assert f(V2.sync_table()) == [alter]  # indexes stay unless asked
    assert _table_option(session, keyspace, table, "comment") == "v2"
    assert f(V2.sync_table(drop_removed_indexes=True)) == [drop]
    assert f(V2.sync_table(drop_removed_indexes=True)) == []
    left = session.execute(
        "SELECT index_name FROM system_schema.indexes WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    )
    assert list(left) == []
    # the column the model dropped is still there: coodie never drops columns
    cols = {
        r.column_name
        for r in session.execute(
            "SELECT column_name FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
            (keyspace, table),
        )
    }
    assert "old" in cols


class CompatSpot(BaseModel):  # a user-defined type: a dry run does not create it either
    x: int = 0


def test_sync_table_dry_run_creates_no_user_type(f: Any, session: Session, keyspace: str) -> None:
    table = f"compat_dry_udt_{f.name}_{uuid4().hex[:6]}"

    class Placed(f.module.Document):  # type: ignore[misc,name-defined]
        id: Annotated[int, PrimaryKey()]
        spot: Optional[CompatSpot] = None

        class Settings:
            name = table

    planned = f(Placed.sync_table(dry_run=True))
    assert [c.split(" (")[0] for c in planned] == [
        f"CREATE TYPE IF NOT EXISTS {keyspace}.compat_spot",
        f"CREATE TABLE IF NOT EXISTS {keyspace}.{table}",
    ]
    types = session.execute(
        "SELECT type_name FROM system_schema.types WHERE keyspace_name = %s", (keyspace,)
    )
    assert "compat_spot" not in {r.type_name for r in types}


def test_a_keyspace_altered_with_a_short_strategy_name_reads_back_its_full_class(
    session: Session,
) -> None:
    name = f"compat_ks_{uuid4().hex[:10]}"
    dc = session.execute("SELECT data_center FROM system.local").one()[0]
    session.execute(
        f"CREATE KEYSPACE {name} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    try:
        session.execute(
            f"ALTER KEYSPACE {name} WITH replication = "
            f"{{'class': 'NetworkTopologyStrategy', '{dc}': 1}}"
        )
        row = session.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", (name,)
        ).one()
        assert dict(row[0]) == {
            "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
            dc: "1",
        }
    finally:
        session.execute(f"DROP KEYSPACE {name}")


def test_a_raw_conditional_statement_makes_the_batch_answer_whether_it_applied(
    f: Any, m: Any, keyspace: str
) -> None:
    ks = keyspace
    item_id = uuid4()
    f(m.Item(id=item_id, name="first", price=1).save())
    insert = f"INSERT INTO {ks}.compat_items (id, name, price) VALUES (?, ?, ?) IF NOT EXISTS"
    with f.batch() as batch:
        batch.add(insert, (item_id, "second", 2))
    assert batch.result is not None and batch.result.applied is False
    assert batch.result.existing["name"] == "first" and batch.result.existing["price"] == 1
    assert f(m.Item.get(id=item_id)).name == "first"
    fresh = uuid4()
    with f.batch() as batch:
        batch.add(insert, (fresh, "new", 3))
    assert batch.result is not None and batch.result.applied is True
    assert f(m.Item.get(id=fresh)).name == "new"
