"""Code written for coodie 1.9 (its import paths, spellings and features) against the node.

Every test runs once per flavour: `f(x)` is `x` for coodie.sync and `await x` for coodie.aio.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any
from uuid import UUID, uuid4

import pytest
from cassandra.cluster import Session

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
