"""What only the asyncio API has: awaited connection, concurrency, no thread per request."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated
from uuid import UUID, uuid4

import pytest

import coodie.aio as aio
from coodie.exceptions import Unavailable
from coodie.fields import PrimaryKey
from coodie.registry import unregister_driver
from tests.integration.conftest import _contact_points, driver_options


class Item(aio.Document):
    id: Annotated[UUID, PrimaryKey()]
    n: int = 0

    class Settings:
        name = "it_aio_items"


async def test_init_coodie_connects_when_awaited(keyspace: str) -> None:
    with pytest.raises(Unavailable):
        await aio.init_coodie(hosts=["127.0.0.1"], port=1, name="aio-nowhere")
    hosts, port = _contact_points()
    drv = await aio.init_coodie(hosts=hosts, port=port, keyspace=keyspace, name="aio-second")
    try:
        assert drv._session is not None  # already connected
    finally:
        unregister_driver("aio-second")
        drv.shutdown()


async def test_a_thousand_concurrent_requests_complete_and_match() -> None:
    await Item.sync_table()
    items = [Item(id=uuid4(), n=i) for i in range(1000)]
    threads_before = threading.active_count()
    sem = asyncio.Semaphore(1000)

    async def write(it: Item) -> None:
        async with sem:
            await it.save()

    await asyncio.gather(*(write(it) for it in items))
    got = await asyncio.gather(*(Item.get(id=it.id) for it in items))
    assert [g.n for g in got] == list(range(1000))
    assert [g.id for g in got] == [it.id for it in items]
    # the driver's callbacks resolve asyncio futures: no thread per request
    assert threading.active_count() <= threads_before + 2


async def test_async_for_and_paged_all() -> None:
    await Item.sync_table()
    ids = {uuid4() for _ in range(7)}
    for i in ids:
        await Item(id=i, n=-1).save()
    seen = [doc.id async for doc in Item.find(Item.id.in_(list(ids))).page_size(2)]
    assert sorted(seen) == sorted(ids)
    page = await Item.find(id__in=list(ids)).paged_all(page_size=3)
    assert len(page.documents) == 3 and page.paging_state is not None


async def test_cancelled_request_does_not_break_the_driver() -> None:
    await Item.sync_table()
    task = asyncio.ensure_future(Item.find().allow_filtering().filter(n__gt=-5).all())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    x = Item(id=uuid4(), n=5)
    await x.save()
    assert (await Item.get(id=x.id)).n == 5


async def test_a_cancelled_batch_gives_its_documents_fields_back_at_once() -> None:
    await Item.sync_table()
    x = Item(id=uuid4(), n=1)
    await x.save()
    x.n = 2  # assigned: the queued save takes it

    async def run_batch() -> None:
        async with aio.AsyncBatchQuery() as b:
            await x.save(batch=b)

    task = asyncio.ensure_future(run_batch())
    for _ in range(50):  # (bounded) until the batch is queued and sent
        await asyncio.sleep(0)
        if not x._changed_fields():
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # the batch may or may not have applied: the field counts as still to be written,
    # as soon as the cancellation is seen (not when the task is collected)
    assert x._changed_fields() == {"n"}
    await x.save_changes()
    assert (await Item.get(id=x.id)).n == 2


async def test_a_field_assigned_while_its_write_is_on_its_way_stays_to_be_written() -> None:
    """Another coroutine assigns a field after save() or update() sent the row: the write
    carried the old value, so the field stays changed and save_changes() writes it. Four
    rounds: the first calls of each shape go the general way, the later ones the quick way."""

    class Racing(aio.Document):
        id: Annotated[UUID, PrimaryKey()]
        n: int = 0
        text: str = ""

        class Settings:
            name = "it_aio_racing"

    await Racing.sync_table()
    for _ in range(4):
        doc = Racing(id=uuid4(), n=1)
        saving = asyncio.ensure_future(doc.save())
        await asyncio.sleep(0)  # (the INSERT is made and on its way)
        doc.n = 2
        await saving
        assert doc._changed_fields() == {"n"}
        doc.text = "t"  # (changed before the next save: written by it)
        saving = asyncio.ensure_future(doc.save())
        await asyncio.sleep(0)
        doc.n = 3
        await saving
        assert doc._changed_fields() == {"n"}
        await doc.save_changes()
        assert not doc._changed_fields()
        got = await Racing.get(id=doc.id)
        assert (got.n, got.text) == (3, "t")
        updating = asyncio.ensure_future(doc.update(n=4))
        await asyncio.sleep(0)
        doc.n = 5
        await updating
        assert doc.n == 5 and doc._changed_fields() == {"n"}
        await doc.save_changes()
        assert (await Racing.get(id=doc.id)).n == 5


async def test_a_field_set_back_to_its_old_value_while_its_update_is_on_its_way_is_kept() -> None:
    """Assignments are counted, not values compared: `active` set back to True (the very
    object it held) while update(active=False) is on its way stays to be written."""

    class Toggle(aio.Document):
        id: Annotated[UUID, PrimaryKey()]
        active: bool = True

        class Settings:
            name = "it_aio_toggles"

    await Toggle.sync_table()
    for _ in range(4):  # (the general way, then the quick way)
        doc = Toggle(id=uuid4())
        await doc.save()
        updating = asyncio.ensure_future(doc.update(active=False))
        await asyncio.sleep(0)  # (the UPDATE is made and on its way)
        doc.active = True
        await updating
        assert doc.active is True and doc._changed_fields() == {"active"}
        await doc.save_changes()
        assert (await Toggle.get(id=doc.id)).active is True


async def test_two_collection_operations_on_a_field_gathered_both_reach_the_document() -> None:
    class Tagged(aio.Document):
        id: Annotated[UUID, PrimaryKey()]
        tags: set[str] = set()

        class Settings:
            name = "it_aio_tagged"

    await Tagged.sync_table()
    doc = Tagged(id=uuid4(), tags={"x"})
    await doc.save()
    await asyncio.gather(doc.update(add__tags={"a"}), doc.update(add__tags={"b"}))
    assert doc.tags == {"x", "a", "b"} == (await Tagged.get(id=doc.id)).tags
    await doc.save()
    assert (await Tagged.get(id=doc.id)).tags == {"x", "a", "b"}


async def test_a_field_saved_directly_while_a_cancelled_batch_was_sent_stays_to_be_written() -> (
    None
):
    """The batch may have applied after the direct save (its outcome is unknown once
    sent): the field written directly meanwhile stays to be written, beside the fields
    the batch took."""

    class Sent(aio.Document):
        id: Annotated[UUID, PrimaryKey()]
        name: str = ""
        n: int = 0

        class Settings:
            name = "it_aio_sent"

    await Sent.sync_table()
    doc = Sent(id=uuid4(), name="first")
    await doc.save()
    doc.n = 1
    batch = aio.BatchQuery()
    await batch.__aenter__()
    await doc.save(batch=batch)  # (binds name="first", n=1)
    doc.name = "direct"
    await doc.save()
    running = asyncio.ensure_future(batch.__aexit__(None, None, None))
    await asyncio.sleep(0)  # (the batch is sent)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert doc._changed_fields() == {"n", "name"}
    await asyncio.sleep(0.2)  # (whatever the batch did has landed)
    await doc.save_changes()
    got = await Sent.get(id=doc.id)
    assert (got.name, got.n) == ("direct", 1)


class NativeItem(aio.Document):
    id: Annotated[UUID, PrimaryKey()]
    n: int = 0

    class Settings:
        name = "it_aio_items"
        driver = "acsylla-native"


async def test_acsylla_connected_in_the_running_loop(keyspace: str) -> None:
    """`await init_coodie(driver_type="acsylla")` runs requests in the caller's loop."""
    hosts, port = _contact_points()
    drv = await aio.init_coodie(
        hosts=hosts,
        port=port,
        keyspace=keyspace,
        driver_type="acsylla",
        name="acsylla-native",
        **driver_options("acsylla"),
    )
    try:
        assert drv._loop is asyncio.get_running_loop() and not drv._own_loop
        await NativeItem.sync_table()
        docs = [NativeItem(id=uuid4(), n=i) for i in range(200)]
        await asyncio.gather(*(d.save() for d in docs))
        got = await asyncio.gather(*(NativeItem.get(id=d.id) for d in docs))
        assert [g.n for g in got] == list(range(200))
        with pytest.raises(Unavailable):
            await aio.init_coodie(
                hosts=["127.0.0.1"], port=1, driver_type="acsylla", name="acs-nowhere"
            )
    finally:
        unregister_driver("acsylla-native")
        await drv.shutdown_async()
