"""The operations, each one small function per contender, in a registry.

An implementation is a *factory* `(bench, k) -> step`: it prepares `k` iterations
(untimed: fresh rows, documents, seeded data) and returns `step(i)`, the work of
iteration `i` that the runner times. A step of an async contender returns an awaitable.

Two shortcuts keep the flavours honest:

* `@op.coodie` registers one function for every coodie contender (both flavours, both
  drivers). coodie's sync and async APIs have the same methods, so `M.Item.get(id=x)` is
  the whole step for either: it returns the document (sync) or a coroutine the runner
  awaits (aio).
* `@op.raw` registers a *plan* for every raw contender: given the statements prepared by
  one driver (`R`), `plan(i)` returns the statement, its values and how to build the
  result; the blocking step runs it with `R.execute` (`session.execute`, or acsylla's
  coroutine driven by the loop) and the async step awaits `R.aexecute`
  (`session.execute_async` bridged to asyncio, or acsylla's `session.execute`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from cassandra.cqlengine.management import sync_table
from cassandra.cqlengine.query import BatchQuery as CqlBatch
from contenders import (
    BIG_PARTITION,
    COODIE,
    COODIES,
    CQLENGINE,
    ITEMS_DDL,
    RAW,
    RAWS,
    Bench,
    Contender,
    CoodieModels,
    CqlEvent,
    CqlItem,
    CqlPageViews,
    CqlProfile,
    EventRow,
    ItemRow,
    ProfileRow,
    Statements,
    event_values,
    item_values,
    new_event,
    new_item,
    new_profile,
    profile_values,
)

import coodie.aio
import coodie.sync

Step = Callable[[int], Any]  # iteration i; async contenders return an awaitable
Factory = Callable[[Bench, int], Step]  # untimed: prepares k iterations
CoodieFactory = Callable[[CoodieModels, Bench, int], Step]
Rows = Iterable[Sequence[Any]]


class Call(NamedTuple):
    """What one raw iteration runs: a statement, its values, and rows -> result."""

    statement: Any
    params: Any = None
    build: Callable[[Rows], Any] | None = None


Plan = Callable[[int], Call]
RawFactory = Callable[[Statements, Bench, int], Plan]


class Kind(Enum):
    SINGLE = "single-row operations"
    MULTI = "multi-row operations"
    THROUGHPUT = "async throughput"
    SCHEMA = "schema"
    NO_DB = "no database"


# The issues' targets, as the most a contender may cost relative to its baseline
# (time per operation; for throughput, 1 / 0.95 is "at least 0.95x the raw ops/s"), by
# kind; an operation may name its own (issue 20: a batch of 100 and the 1,000-row read).
TARGETS: dict[Kind, float] = {Kind.SINGLE: 1.05, Kind.MULTI: 1.15, Kind.THROUGHPUT: 1 / 0.95}


@dataclass
class Operation:
    key: str
    title: str
    kind: Kind
    impls: dict[str, Factory] = field(default_factory=dict)
    own_target: float | None = None  # (None: its kind's)

    @property
    def target(self) -> float | None:
        return self.own_target if self.own_target is not None else TARGETS.get(self.kind)

    def add(self, *contenders: str) -> Callable[[Factory], Factory]:
        def register(factory: Factory) -> Factory:
            for key in contenders:
                self.impls[key] = factory
            return factory

        return register

    def coodie(
        self, factory: CoodieFactory, contenders: Iterable[Contender] = COODIES
    ) -> CoodieFactory:
        """One implementation for coodie.sync and coodie.aio, on both drivers (or on the
        coodie `contenders` given)."""
        for c in contenders:
            self.impls[c.key] = _with_models(factory, c.models)
        return factory

    def raw(self, factory: RawFactory, contenders: Iterable[Contender] = RAWS) -> RawFactory:
        """One plan for each raw driver, run blocking and on asyncio (or for the raw
        `contenders` given)."""
        for c in contenders:
            wrap = _awaiting if c.is_async else _blocking
            self.impls[c.key] = _with_raw(factory, wrap, c.driver)
        return factory


def _with_models(factory: CoodieFactory, models: str) -> Factory:
    return lambda b, k: factory(getattr(b, models), b, k)


def _with_raw(factory: Any, wrap: Callable[[Statements, Any], Step], driver: str) -> Factory:
    def make(b: Bench, k: int) -> Step:
        R = getattr(b, driver)
        return wrap(R, factory(R, b, k))

    return make


def _unwrapped(R: Statements, step: Any) -> Step:
    """For factories that make the step themselves (given the raw statements)."""
    return step


def _blocking(R: Statements, plan: Plan) -> Step:
    execute = R.execute

    def step(i: int) -> Any:
        call = plan(i)
        rows = execute(call.statement, call.params)
        return call.build(rows) if call.build else None

    return step


def _awaiting(R: Statements, plan: Plan) -> Step:
    aexecute = R.aexecute

    async def step(i: int) -> Any:
        call = plan(i)
        rows = await aexecute(call.statement, call.params)
        return call.build(rows) if call.build else None

    return step


OPERATIONS: dict[str, Operation] = {}


def operation(key: str, title: str, kind: Kind, target: float | None = None) -> Operation:
    op = Operation(key, title, kind, own_target=target)
    OPERATIONS[key] = op
    return op


# ---------------------------------------------------------------------- raw rows -> objects


def first_item(rows: Rows) -> ItemRow:
    for r in rows:
        return ItemRow(*r)
    raise LookupError("no item")


def all_items(rows: Rows) -> list[ItemRow]:
    return [ItemRow(*r) for r in rows]


def all_events(rows: Rows) -> list[EventRow]:
    return [EventRow(*r) for r in rows]


def first_profile(rows: Rows) -> ProfileRow:
    for r in rows:
        return ProfileRow(*r)
    raise LookupError("no profile")


def scalar(rows: Rows) -> Any:
    for r in rows:
        return r[0]
    raise LookupError("no row")


def applied(rows: Rows) -> bool:
    """The `[applied]` column of a conditional write."""
    return bool(scalar(rows))


# ---------------------------------------------------------------------- untimed helpers


def new_items(b: Bench, k: int) -> list[ItemRow]:
    return [new_item(b.data.serial()) for _ in range(k)]


def fields_of(row: Any) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}


def new_prices(b: Bench, k: int) -> list[float]:
    """Prices no row has had: cqlengine sends no UPDATE for a value that did not change."""
    return [b.data.serial() + 0.5 for _ in range(k)]


def pool_ids(b: Bench, k: int) -> list[Any]:
    return [r.id for r in b.data.pick_pool(k)]


def coodie_loaded(M: CoodieModels, b: Bench, k: int) -> list[Any]:
    """k pool items read through coodie, as an application would hold them."""
    ids = pool_ids(b, k)
    by_id = {d.id: d for d in b.settle(M.Item.find(id__in=sorted(set(ids))).all())}
    return [by_id[i] for i in ids]


def cqlengine_loaded(b: Bench, k: int) -> list[CqlItem]:
    ids = pool_ids(b, k)
    by_id = {o.id: o for o in CqlItem.objects(id__in=sorted(set(ids)))}
    return [by_id[i] for i in ids]


def event_groups(b: Bench, k: int, size: int) -> list[list[EventRow]]:
    """k batches of `size` rows, each batch one new partition."""
    return [[new_event(p, s) for s in range(size)] for p in b.data.new_parts(k)]


async def bounded(n: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> None:
    """Run one(0) .. one(n - 1) with at most `concurrency` in flight."""
    gate = asyncio.Semaphore(concurrency)

    async def run(i: int) -> None:
        async with gate:
            await one(i)

    await asyncio.gather(*(run(i) for i in range(n)))


# ====================================================================== single-row

INSERT = operation("insert", "insert", Kind.SINGLE)


@INSERT.raw
def raw_insert(R: Statements, b: Bench, k: int) -> Plan:
    rows = new_items(b, k)
    return lambda i: Call(R.insert_item, item_values(rows[i]))


@INSERT.coodie
def coodie_insert(M: CoodieModels, b: Bench, k: int) -> Step:
    docs = [M.Item(**fields_of(r)) for r in new_items(b, k)]
    return lambda i: docs[i].save()


@INSERT.add(CQLENGINE.key)
def cqlengine_insert(b: Bench, k: int) -> Step:
    objs = [CqlItem(**fields_of(r)) for r in new_items(b, k)]
    return lambda i: objs[i].save()


INSERT_LWT = operation("insert_if_not_exists", "insert IF NOT EXISTS", Kind.SINGLE)


@INSERT_LWT.raw
def raw_insert_lwt(R: Statements, b: Bench, k: int) -> Plan:
    rows = new_items(b, k)
    return lambda i: Call(R.insert_item_lwt, item_values(rows[i]), applied)


@INSERT_LWT.coodie
def coodie_insert_lwt(M: CoodieModels, b: Bench, k: int) -> Step:
    docs = [M.Item(**fields_of(r)) for r in new_items(b, k)]
    return lambda i: docs[i].insert()


@INSERT_LWT.add(CQLENGINE.key)
def cqlengine_insert_lwt(b: Bench, k: int) -> Step:
    objs = [CqlItem(**fields_of(r)) for r in new_items(b, k)]
    return lambda i: objs[i].if_not_exists().save()


INSERT_TTL = operation("insert_ttl", "insert with TTL", Kind.SINGLE)


@INSERT_TTL.raw
def raw_insert_ttl(R: Statements, b: Bench, k: int) -> Plan:
    rows = new_items(b, k)
    return lambda i: Call(R.insert_item_ttl, (*item_values(rows[i]), 3600))


@INSERT_TTL.coodie
def coodie_insert_ttl(M: CoodieModels, b: Bench, k: int) -> Step:
    docs = [M.Item(**fields_of(r)) for r in new_items(b, k)]
    return lambda i: docs[i].save(ttl=3600)


@INSERT_TTL.add(CQLENGINE.key)
def cqlengine_insert_ttl(b: Bench, k: int) -> Step:
    objs = [CqlItem(**fields_of(r)) for r in new_items(b, k)]
    return lambda i: objs[i].ttl(3600).save()


GET = operation("get", "get by primary key", Kind.SINGLE)


@GET.raw
def raw_get(R: Statements, b: Bench, k: int) -> Plan:
    ids = pool_ids(b, k)
    return lambda i: Call(R.get_item, (ids[i],), first_item)


@GET.coodie
def coodie_get(M: CoodieModels, b: Bench, k: int) -> Step:
    ids = pool_ids(b, k)
    return lambda i: M.Item.get(id=ids[i])


@GET.add(CQLENGINE.key)
def cqlengine_get(b: Bench, k: int) -> Step:
    ids = pool_ids(b, k)
    return lambda i: CqlItem.get(id=ids[i])


COUNT = operation("count", "count (100 rows by index)", Kind.SINGLE)


@COUNT.raw
def raw_count(R: Statements, b: Bench, k: int) -> Plan:
    return lambda i: Call(R.count_by_brand, ("acme",), scalar)


@COUNT.coodie
def coodie_count(M: CoodieModels, b: Bench, k: int) -> Step:
    return lambda i: M.Item.find(brand="acme").count()


@COUNT.add(CQLENGINE.key)
def cqlengine_count(b: Bench, k: int) -> Step:
    return lambda i: CqlItem.objects(brand="acme").count()


UPDATE = operation("update", "partial update", Kind.SINGLE)


@UPDATE.raw
def raw_update(R: Statements, b: Bench, k: int) -> Plan:
    ids, prices = pool_ids(b, k), new_prices(b, k)
    return lambda i: Call(R.update_price, (prices[i], ids[i]))


@UPDATE.coodie
def coodie_update(M: CoodieModels, b: Bench, k: int) -> Step:
    docs, prices = coodie_loaded(M, b, k), new_prices(b, k)
    return lambda i: docs[i].update(price=prices[i])


@UPDATE.add(CQLENGINE.key)
def cqlengine_update(b: Bench, k: int) -> Step:
    objs, prices = cqlengine_loaded(b, k), new_prices(b, k)
    return lambda i: objs[i].update(price=prices[i])


UPDATE_IF = operation("update_if", "update with IF", Kind.SINGLE)


@UPDATE_IF.raw
def raw_update_if(R: Statements, b: Bench, k: int) -> Plan:
    rows, prices = b.data.pick_pool(k), new_prices(b, k)
    return lambda i: Call(R.update_price_if, (prices[i], rows[i].id, rows[i].name), applied)


@UPDATE_IF.coodie
def coodie_update_if(M: CoodieModels, b: Bench, k: int) -> Step:
    docs, prices = coodie_loaded(M, b, k), new_prices(b, k)

    def step(i: int) -> Any:
        doc = docs[i]
        return doc.update(if_conditions={"name": doc.name}, price=prices[i])

    return step


@UPDATE_IF.add(CQLENGINE.key)
def cqlengine_update_if(b: Bench, k: int) -> Step:
    objs, prices = cqlengine_loaded(b, k), new_prices(b, k)

    def step(i: int) -> Any:
        obj = objs[i]
        return obj.iff(name=obj.name).update(price=prices[i])

    return step


DELETE = operation("delete", "single delete", Kind.SINGLE)


@DELETE.raw
def raw_delete(R: Statements, b: Bench, k: int) -> Plan:
    rows = b.seed_items(k)
    return lambda i: Call(R.delete_item, (rows[i].id,))


@DELETE.coodie
def coodie_delete(M: CoodieModels, b: Bench, k: int) -> Step:
    docs = [M.Item(**fields_of(r)) for r in b.seed_items(k)]
    return lambda i: docs[i].delete()


@DELETE.add(CQLENGINE.key)
def cqlengine_delete(b: Bench, k: int) -> Step:
    objs = [CqlItem(**fields_of(r)) for r in b.seed_items(k)]
    return lambda i: objs[i].delete()


COUNTER = operation("counter", "counter increment", Kind.SINGLE)


@COUNTER.raw
def raw_counter(R: Statements, b: Bench, k: int) -> Plan:
    urls = b.data.urls
    return lambda i: Call(R.add_views, (1, urls[i % len(urls)]))


@COUNTER.coodie
def coodie_counter(M: CoodieModels, b: Bench, k: int) -> Step:
    urls = b.data.urls
    return lambda i: M.PageViews.increment(url=urls[i % len(urls)], views=1)


@COUNTER.add(CQLENGINE.key)
def cqlengine_counter(b: Bench, k: int) -> Step:
    urls = b.data.urls
    return lambda i: CqlPageViews.objects(url=urls[i % len(urls)]).update(views=1)


COLLECTION_WRITE = operation("collection_write", "collection write (set, list, map)", Kind.SINGLE)


@COLLECTION_WRITE.raw
def raw_collection_write(R: Statements, b: Bench, k: int) -> Plan:
    rows = [new_profile(b.data.serial()) for _ in range(k)]
    return lambda i: Call(R.insert_profile, profile_values(rows[i]))


@COLLECTION_WRITE.coodie
def coodie_collection_write(M: CoodieModels, b: Bench, k: int) -> Step:
    docs = [M.Profile(**fields_of(new_profile(b.data.serial()))) for _ in range(k)]
    return lambda i: docs[i].save()


@COLLECTION_WRITE.add(CQLENGINE.key)
def cqlengine_collection_write(b: Bench, k: int) -> Step:
    objs = [CqlProfile(**fields_of(new_profile(b.data.serial()))) for _ in range(k)]
    return lambda i: objs[i].save()


COLLECTION_READ = operation("collection_read", "collection read (set, list, map)", Kind.SINGLE)


@COLLECTION_READ.raw
def raw_collection_read(R: Statements, b: Bench, k: int) -> Plan:
    ids = [p.id for p in b.data.profiles]
    return lambda i: Call(R.get_profile, (ids[i % len(ids)],), first_profile)


@COLLECTION_READ.coodie
def coodie_collection_read(M: CoodieModels, b: Bench, k: int) -> Step:
    ids = [p.id for p in b.data.profiles]
    return lambda i: M.Profile.get(id=ids[i % len(ids)])


@COLLECTION_READ.add(CQLENGINE.key)
def cqlengine_collection_read(b: Bench, k: int) -> Step:
    ids = [p.id for p in b.data.profiles]
    return lambda i: CqlProfile.get(id=ids[i % len(ids)])


# ====================================================================== multi-row

FILTER = operation("filter_index", "filter by secondary index (100 rows)", Kind.MULTI)


@FILTER.raw
def raw_filter(R: Statements, b: Bench, k: int) -> Plan:
    return lambda i: Call(R.items_by_brand, ("acme",), all_items)


@FILTER.coodie
def coodie_filter(M: CoodieModels, b: Bench, k: int) -> Step:
    return lambda i: M.Item.find(brand="acme").all()


@FILTER.add(CQLENGINE.key)
def cqlengine_filter(b: Bench, k: int) -> Step:
    return lambda i: list(CqlItem.objects(brand="acme"))


FILTER_LIMIT = operation("filter_limit", "filter + limit 10", Kind.MULTI)


@FILTER_LIMIT.raw
def raw_filter_limit(R: Statements, b: Bench, k: int) -> Plan:
    return lambda i: Call(R.items_by_brand_limit, ("acme", 10), all_items)


@FILTER_LIMIT.coodie
def coodie_filter_limit(M: CoodieModels, b: Bench, k: int) -> Step:
    return lambda i: M.Item.find(brand="acme").limit(10).all()


@FILTER_LIMIT.add(CQLENGINE.key)
def cqlengine_filter_limit(b: Bench, k: int) -> Step:
    return lambda i: list(CqlItem.objects(brand="acme").limit(10))


HYDRATE = operation("hydrate", "read + hydrate 1,000 rows (one partition)", Kind.MULTI, 1.05)


@HYDRATE.raw
def raw_hydrate(R: Statements, b: Bench, k: int) -> Plan:
    return lambda i: Call(R.events_of, (BIG_PARTITION,), all_events)


@HYDRATE.coodie
def coodie_hydrate(M: CoodieModels, b: Bench, k: int) -> Step:
    return lambda i: M.Event.find(part=BIG_PARTITION).all()


@HYDRATE.add(CQLENGINE.key)
def cqlengine_hydrate(b: Bench, k: int) -> Step:
    return lambda i: list(CqlEvent.objects(part=BIG_PARTITION))


BULK_DELETE = operation("bulk_delete", "bulk delete (a partition of 10 rows)", Kind.MULTI)


@BULK_DELETE.raw
def raw_bulk_delete(R: Statements, b: Bench, k: int) -> Plan:
    parts = b.seed_partitions(k, 10)
    return lambda i: Call(R.delete_partition, (parts[i],))


@BULK_DELETE.coodie
def coodie_bulk_delete(M: CoodieModels, b: Bench, k: int) -> Step:
    parts = b.seed_partitions(k, 10)
    return lambda i: M.Event.find(part=parts[i]).delete()


@BULK_DELETE.add(CQLENGINE.key)
def cqlengine_bulk_delete(b: Bench, k: int) -> Step:
    parts = b.seed_partitions(k, 10)
    return lambda i: CqlEvent.objects(part=parts[i]).delete()


def raw_batch(size: int) -> RawFactory:
    def factory(R: Statements, b: Bench, k: int) -> Plan:
        groups = event_groups(b, k, size)
        insert, batch = R.insert_event, R.batch
        return lambda i: Call(batch(insert, map(event_values, groups[i])))

    return factory


def coodie_batch(size: int) -> CoodieFactory:
    def factory(M: CoodieModels, b: Bench, k: int) -> Step:
        groups = [[M.Event(**fields_of(r)) for r in g] for g in event_groups(b, k, size)]

        def step(i: int) -> None:
            with coodie.sync.BatchQuery() as batch:
                for doc in groups[i]:
                    doc.save(batch=batch)

        return step

    return factory


def coodie_async_batch(size: int) -> CoodieFactory:
    def factory(M: CoodieModels, b: Bench, k: int) -> Step:
        groups = [[M.Event(**fields_of(r)) for r in g] for g in event_groups(b, k, size)]
        return lambda i: coodie_async_write(groups[i])

    return factory


async def coodie_async_write(docs: list[Any]) -> None:
    """One coodie.aio batch that saves `docs`."""
    async with coodie.aio.BatchQuery() as batch:
        for doc in docs:
            await doc.save(batch=batch)


def cqlengine_batch(size: int) -> Factory:
    def factory(b: Bench, k: int) -> Step:
        groups = [[CqlEvent(**fields_of(r)) for r in g] for g in event_groups(b, k, size)]

        def step(i: int) -> None:
            with CqlBatch() as batch:
                for obj in groups[i]:
                    obj.batch(batch).save()

        return step

    return factory


SYNC_COODIES = [c for c in COODIES if not c.is_async]
ASYNC_COODIES = [c for c in COODIES if c.is_async]
for _size in (10, 100):
    _op = operation(
        f"batch_{_size}",
        f"batch of {_size} inserts (one partition)",
        Kind.MULTI,
        1.10 if _size == 100 else None,
    )
    _op.raw(raw_batch(_size))
    _op.coodie(coodie_batch(_size), SYNC_COODIES)
    _op.coodie(coodie_async_batch(_size), ASYNC_COODIES)
    _op.add(CQLENGINE.key)(cqlengine_batch(_size))


# ====================================================================== async throughput

ASYNC_RAWS = [c for c in RAWS if c.is_async]
SYNC_RAWS = [c for c in RAWS if not c.is_async]


def burst(b: Bench, one: Callable[[int], Awaitable[Any]]) -> Step:
    """A step that runs one(0) .. one(b.async_ops - 1), b.concurrency at a time."""
    return lambda _: bounded(b.async_ops, b.concurrency, one)


THROUGHPUT_GET = operation("async_get", "concurrent gets", Kind.THROUGHPUT)


def raw_get_burst(R: Statements, b: Bench, k: int) -> Step:
    ids = pool_ids(b, b.async_ops)
    statement, aexecute = R.get_item, R.aexecute

    async def get(i: int) -> ItemRow:
        return first_item(await aexecute(statement, (ids[i],)))

    return burst(b, get)


def coodie_get_burst(M: CoodieModels, b: Bench, k: int) -> Step:
    ids = pool_ids(b, b.async_ops)
    Item = M.Item
    return burst(b, lambda i: Item.get(id=ids[i]))


THROUGHPUT_INSERT = operation("async_insert", "concurrent inserts", Kind.THROUGHPUT)


def raw_insert_burst(R: Statements, b: Bench, k: int) -> Step:
    rows = new_items(b, b.async_ops)
    statement, aexecute = R.insert_item, R.aexecute
    return burst(b, lambda i: aexecute(statement, item_values(rows[i])))


def coodie_insert_burst(M: CoodieModels, b: Bench, k: int) -> Step:
    docs = [M.Item(**fields_of(r)) for r in new_items(b, b.async_ops)]
    return burst(b, lambda i: docs[i].save())


# Batches of BATCH_ROWS rows, each a new partition, BATCH_CONCURRENCY batches in flight;
# a burst writes as many rows as the other bursts run operations, and its time is given
# per row.
BATCH_ROWS = 100
BATCH_CONCURRENCY = 10
THROUGHPUT_BATCH = operation(
    "async_batch",
    f"concurrent batches of {BATCH_ROWS} inserts ({BATCH_CONCURRENCY} in flight; rows/s)",
    Kind.THROUGHPUT,
)


def batch_burst(b: Bench, one: Callable[[int], Awaitable[Any]]) -> Step:
    n = max(1, b.async_ops // BATCH_ROWS)
    return lambda _: bounded(n, BATCH_CONCURRENCY, one)


def raw_batch_burst(R: Statements, b: Bench, k: int) -> Step:
    groups = event_groups(b, max(1, b.async_ops // BATCH_ROWS), BATCH_ROWS)
    insert, batch, aexecute = R.insert_event, R.batch, R.aexecute
    return batch_burst(b, lambda i: aexecute(batch(insert, map(event_values, groups[i]))))


def coodie_batch_burst(M: CoodieModels, b: Bench, k: int) -> Step:
    n = max(1, b.async_ops // BATCH_ROWS)
    groups = [[M.Event(**fields_of(r)) for r in g] for g in event_groups(b, n, BATCH_ROWS)]
    return batch_burst(b, lambda i: coodie_async_write(groups[i]))


for _op, _raw, _coodie in (
    (THROUGHPUT_GET, raw_get_burst, coodie_get_burst),
    (THROUGHPUT_INSERT, raw_insert_burst, coodie_insert_burst),
    (THROUGHPUT_BATCH, raw_batch_burst, coodie_batch_burst),
):
    for _c in ASYNC_RAWS:
        _op.impls[_c.key] = _with_raw(_raw, _unwrapped, _c.driver)
    _op.coodie(_coodie, ASYNC_COODIES)


# ====================================================================== schema

SYNC_TABLE = operation("sync_table", "sync_table, nothing changed", Kind.SCHEMA)


def raw_sync_table(R: Statements, b: Bench, k: int) -> Step:
    execute_text = R.execute_text

    def step(i: int) -> None:
        for ddl in ITEMS_DDL:
            execute_text(ddl)

    return step


def coodie_sync_table(M: CoodieModels, b: Bench, k: int) -> Step:
    return lambda i: M.Item.sync_table()


for _c in SYNC_RAWS:
    SYNC_TABLE.impls[_c.key] = _with_raw(raw_sync_table, _unwrapped, _c.driver)
SYNC_TABLE.coodie(coodie_sync_table, SYNC_COODIES)


@SYNC_TABLE.add(CQLENGINE.key)
def cqlengine_sync_table(b: Bench, k: int) -> Step:
    return lambda i: sync_table(CqlItem)


# ====================================================================== no database

VALUES = [fields_of(new_item(n)) for n in range(100)]

INSTANTIATE = operation("instantiate", "instantiate a model", Kind.NO_DB)


@INSTANTIATE.add(RAW.key)
def raw_instantiate(b: Bench, k: int) -> Step:
    return lambda i: ItemRow(**VALUES[i % 100])


@INSTANTIATE.add(COODIE.key)
def coodie_instantiate(b: Bench, k: int) -> Step:
    Item = b.coodie.Item
    return lambda i: Item(**VALUES[i % 100])


@INSTANTIATE.add(CQLENGINE.key)
def cqlengine_instantiate(b: Bench, k: int) -> Step:
    return lambda i: CqlItem(**VALUES[i % 100])


SERIALIZE = operation("serialize", "serialize a model to a dict", Kind.NO_DB)


@SERIALIZE.add(RAW.key)
def raw_serialize(b: Bench, k: int) -> Step:
    # A shallow dict of the fields: dataclasses.asdict() deep-copies every value and is
    # five times slower, which would flatter the mappers.
    rows = [ItemRow(**v) for v in VALUES]
    names = ItemRow.__slots__
    return lambda i: {name: getattr(rows[i % 100], name) for name in names}


@SERIALIZE.add(COODIE.key)
def coodie_serialize(b: Bench, k: int) -> Step:
    docs = [b.coodie.Item(**v) for v in VALUES]
    return lambda i: docs[i % 100].model_dump()


@SERIALIZE.add(CQLENGINE.key)
def cqlengine_serialize(b: Bench, k: int) -> Step:
    objs = [CqlItem(**v) for v in VALUES]
    return lambda i: dict(objs[i % 100])


COMPILE = operation("compile", "compile a cached query", Kind.NO_DB)


@COMPILE.add(RAW.key)
def raw_compile(b: Bench, k: int) -> Step:
    ids = pool_ids(b, k)
    statement = b.raw.get_item
    return lambda i: statement.bind((ids[i],))


@COMPILE.add(COODIE.key)
def coodie_compile(b: Bench, k: int) -> Step:
    ids = pool_ids(b, k)
    Item = b.coodie.Item
    return lambda i: Item.find(id=ids[i]).to_cql()
