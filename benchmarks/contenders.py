"""The contenders and the data they share.

Ways to talk to the same four tables of the `coodie_bench` keyspace:

* the raw driver (the baseline): one `Session`, statements prepared once, tuple rows built
  into plain slotted dataclasses; run blocking (`session.execute`) and on asyncio
  (`session.execute_async` bridged to asyncio futures);
* raw acsylla (the baseline of coodie on acsylla): one acsylla session, the same
  statements prepared once, `row.as_tuple()` built into the same dataclasses; run on
  asyncio (`await session.execute(prepared.bind(values))`) and blocking (the same
  coroutine driven by `loop.run_until_complete`, the cheapest way to block on acsylla);
* coodie, blocking (`coodie.sync`) and on asyncio (`coodie.aio`), each on its own driver,
  on the scylla driver and on acsylla;
* cqlengine, the object mapper that ships with the driver.

Each contender opens its own `Cluster`, configured alike (the scylla driver's ones with
protocol v5 and token-aware round robin, the acsylla ones with acsylla's defaults, as
coodie's acsylla adapter opens them), so none of them shares connections or a
prepared-statement cache with another; the blocking and async raw contenders of a
driver share one session. The tables are created with plain CQL, not by any mapper.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import os
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Annotated, Any, TypeVar

os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")  # cqlengine warns otherwise

import acsylla
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.cqlengine import columns
from cassandra.cqlengine import connection as cql_connection
from cassandra.cqlengine.models import Model
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import BatchStatement, PreparedStatement, tuple_factory

import coodie.aio
import coodie.sync
from coodie.fields import ClusteringKey, Counter, Double, Indexed, PrimaryKey
from coodie.registry import unregister_driver

HOSTS = ["127.0.0.1"]
# A keyspace of this run's own: runs made at the same time on a shared node (the smoke
# pass of `make test` in several worktrees) must not drop each other's tables.
KEYSPACE = os.environ.get("COODIE_BENCH_KEYSPACE", f"coodie_bench_{os.getpid()}")
if not KEYSPACE.isidentifier():
    raise SystemExit(f"COODIE_BENCH_KEYSPACE={KEYSPACE!r}: a CQL identifier, please")
PROTOCOL_VERSION = 5
AIO_DRIVER = "bench_aio"  # the coodie.aio models' driver (the sync models use "default")
ACS_DRIVER = "bench_acsylla"  # coodie.sync models on acsylla
ACS_AIO_DRIVER = "bench_acsylla_aio"  # coodie.aio models on acsylla

ACME_ROWS = 100  # items with brand 'acme': what the secondary-index reads return
POOL_ROWS = 1000  # items read and updated by primary key
BIG_PARTITION = 0  # the events partition that holds HYDRATE_ROWS rows
HYDRATE_ROWS = 1000
PROFILES = 100
URLS = 100

T = TypeVar("T")


# ---------------------------------------------------------------------- contenders


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    is_async: bool
    baseline: str  # the contender its ratios are taken against
    driver: str = ""  # a raw contender's connection: the Bench attribute ("raw", "acs")
    models: str = ""  # a coodie contender's models: the Bench attribute


RAW = Contender("raw", "raw driver", False, "raw", driver="raw")
RAW_ASYNC = Contender("raw_async", "raw driver (async)", True, "raw_async", driver="raw")
COODIE = Contender("coodie", "coodie", False, "raw", models="coodie")
COODIE_ASYNC = Contender("coodie_async", "coodie async", True, "raw_async", models="coodie_aio")
CQLENGINE = Contender("cqlengine", "cqlengine", False, "raw")
RAW_ACS = Contender("raw_acs", "raw acsylla", False, "raw_acs", driver="acs")
RAW_ACS_ASYNC = Contender(
    "raw_acs_async", "raw acsylla (async)", True, "raw_acs_async", driver="acs"
)
COODIE_ACS = Contender("coodie_acs", "coodie on acsylla", False, "raw_acs", models="coodie_acs")
COODIE_ACS_ASYNC = Contender(
    "coodie_acs_async",
    "coodie async on acsylla",
    True,
    "raw_acs_async",
    models="coodie_acs_aio",
)
CONTENDERS: dict[str, Contender] = {
    c.key: c
    for c in (
        RAW,
        RAW_ASYNC,
        COODIE,
        COODIE_ASYNC,
        CQLENGINE,
        RAW_ACS,
        RAW_ACS_ASYNC,
        COODIE_ACS,
        COODIE_ACS_ASYNC,
    )
}
RAWS = tuple(c for c in CONTENDERS.values() if c.driver)
COODIES = tuple(c for c in CONTENDERS.values() if c.models)


# ---------------------------------------------------------------------- schema

ITEMS_DDL = (
    "CREATE TABLE IF NOT EXISTS items "
    "(id uuid PRIMARY KEY, name text, brand text, price double, qty int)",
    "CREATE INDEX IF NOT EXISTS items_brand_idx ON items (brand)",
)
TABLES = (
    *ITEMS_DDL,
    "CREATE TABLE events (part int, seq int, name text, price double, qty int, "
    "PRIMARY KEY (part, seq))",
    "CREATE TABLE page_views (url text PRIMARY KEY, views counter)",
    "CREATE TABLE profiles (id uuid PRIMARY KEY, tags set<text>, scores list<int>, "
    "meta map<text, text>)",
)


# ---------------------------------------------------------------------- raw driver rows


@dataclass(slots=True)
class ItemRow:
    id: uuid.UUID
    name: str
    brand: str
    price: float
    qty: int


@dataclass(slots=True)
class EventRow:
    part: int
    seq: int
    name: str
    price: float
    qty: int


@dataclass(slots=True)
class ProfileRow:
    id: uuid.UUID
    tags: set[str]
    scores: list[int]
    meta: dict[str, str]


# ---------------------------------------------------------------------- coodie models


@dataclass(frozen=True)
class CoodieModels:
    """The four tables as Documents of one coodie flavour (sync or aio)."""

    Item: Any
    Event: Any
    PageViews: Any
    Profile: Any


def coodie_models(flavour: ModuleType, driver_name: str | None) -> CoodieModels:
    class Item(flavour.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        name: str
        brand: Annotated[str, Indexed()]
        price: Annotated[float, Double()]
        qty: int

        class Settings:
            name = "items"
            driver = driver_name

    class Event(flavour.Document):  # type: ignore[name-defined,misc]
        part: Annotated[int, PrimaryKey()]
        seq: Annotated[int, ClusteringKey()]
        name: str
        price: Annotated[float, Double()]
        qty: int

        class Settings:
            name = "events"
            driver = driver_name

    class PageViews(flavour.CounterDocument):  # type: ignore[name-defined,misc]
        url: Annotated[str, PrimaryKey()]
        views: Annotated[int, Counter()]

        class Settings:
            name = "page_views"
            driver = driver_name

    class Profile(flavour.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        tags: set[str] = set()
        scores: list[int] = []
        meta: dict[str, str] = {}

        class Settings:
            name = "profiles"
            driver = driver_name

    return CoodieModels(Item, Event, PageViews, Profile)


# ---------------------------------------------------------------------- cqlengine models


class CqlItem(Model):
    __keyspace__ = KEYSPACE
    __table_name__ = "items"
    id = columns.UUID(primary_key=True)
    name = columns.Text()
    brand = columns.Text(index=True)
    price = columns.Double()
    qty = columns.Integer()


class CqlEvent(Model):
    __keyspace__ = KEYSPACE
    __table_name__ = "events"
    part = columns.Integer(partition_key=True)
    seq = columns.Integer(primary_key=True)
    name = columns.Text()
    price = columns.Double()
    qty = columns.Integer()


class CqlPageViews(Model):
    __keyspace__ = KEYSPACE
    __table_name__ = "page_views"
    url = columns.Text(primary_key=True)
    views = columns.Counter()


class CqlProfile(Model):
    __keyspace__ = KEYSPACE
    __table_name__ = "profiles"
    id = columns.UUID(primary_key=True)
    tags = columns.Set(columns.Text)
    scores = columns.List(columns.Integer)
    meta = columns.Map(columns.Text, columns.Text)


# ---------------------------------------------------------------------- raw driver


def new_cluster() -> Cluster:
    """A Cluster configured like the one coodie's `init_coodie()` opens."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
        row_factory=tuple_factory,
        request_timeout=20.0,
    )
    return Cluster(
        contact_points=HOSTS,
        protocol_version=PROTOCOL_VERSION,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )


def _settle(fut: asyncio.Future[Any], rows: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(rows)


_ITEM_COLS = "id, name, brand, price, qty"
_EVENT_COLS = "part, seq, name, price, qty"
STATEMENTS = {
    "insert_item": f"INSERT INTO items ({_ITEM_COLS}) VALUES (?, ?, ?, ?, ?)",
    "insert_item_lwt": f"INSERT INTO items ({_ITEM_COLS}) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS",
    "insert_item_ttl": f"INSERT INTO items ({_ITEM_COLS}) VALUES (?, ?, ?, ?, ?) USING TTL ?",
    "get_item": f"SELECT {_ITEM_COLS} FROM items WHERE id = ?",
    "items_by_brand": f"SELECT {_ITEM_COLS} FROM items WHERE brand = ?",
    "items_by_brand_limit": f"SELECT {_ITEM_COLS} FROM items WHERE brand = ? LIMIT ?",
    "count_by_brand": "SELECT COUNT(*) FROM items WHERE brand = ?",
    "update_price": "UPDATE items SET price = ? WHERE id = ?",
    "update_price_if": "UPDATE items SET price = ? WHERE id = ? IF name = ?",
    "delete_item": "DELETE FROM items WHERE id = ?",
    "insert_event": f"INSERT INTO events ({_EVENT_COLS}) VALUES (?, ?, ?, ?, ?)",
    "events_of": f"SELECT {_EVENT_COLS} FROM events WHERE part = ?",
    "delete_partition": "DELETE FROM events WHERE part = ?",
    "add_views": "UPDATE page_views SET views = views + ? WHERE url = ?",
    "insert_profile": "INSERT INTO profiles (id, tags, scores, meta) VALUES (?, ?, ?, ?)",
    "get_profile": "SELECT id, tags, scores, meta FROM profiles WHERE id = ?",
}


class Statements:
    """The statements every operation needs, prepared once by one raw contender's driver
    (the attributes are the keys of STATEMENTS). Subclasses run them: `execute` blocks,
    `aexecute` returns an awaitable; both give an iterable of tuple rows."""

    insert_item: Any
    insert_item_lwt: Any
    insert_item_ttl: Any
    get_item: Any
    items_by_brand: Any
    items_by_brand_limit: Any
    count_by_brand: Any
    update_price: Any
    update_price_if: Any
    delete_item: Any
    insert_event: Any
    events_of: Any
    delete_partition: Any
    add_views: Any
    insert_profile: Any
    get_profile: Any

    def _adopt(self, prepared: dict[str, Any]) -> None:
        for name, statement in prepared.items():
            setattr(self, name, statement)

    def execute(self, statement: Any, params: Any = None) -> Iterable[Sequence[Any]]:
        raise NotImplementedError

    def aexecute(self, statement: Any, params: Any = None) -> Awaitable[Iterable[Sequence[Any]]]:
        raise NotImplementedError

    def execute_text(self, cql: str) -> Any:
        """Unprepared CQL (DDL)."""
        raise NotImplementedError

    def batch(self, statement: Any, rows: Iterable[Sequence[Any]]) -> Any:
        """A logged batch of `statement` with each row's values, to run like a statement
        (with no values)."""
        raise NotImplementedError


class Raw(Statements):
    """The baseline: a Session and the statements every operation needs, prepared once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.execute = session.execute
        self.execute_text = session.execute
        self._adopt({name: session.prepare(cql) for name, cql in STATEMENTS.items()})

    def aexecute(self, statement: Any, params: Any = None) -> asyncio.Future[Any]:
        """`session.execute_async` as an asyncio future of the (first page of) rows: the
        driver's callbacks run on its I/O thread and hand over with call_soon_threadsafe."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        rf = self.session.execute_async(statement, params)
        rf.add_callbacks(
            lambda rows: loop.call_soon_threadsafe(_settle, fut, rows, None),
            lambda exc: loop.call_soon_threadsafe(_settle, fut, None, exc),
        )
        return fut

    def batch(self, statement: Any, rows: Iterable[Sequence[Any]]) -> Any:
        batch = BatchStatement()
        for values in rows:
            batch.add(statement, values)
        return batch

    def load(self, statement: PreparedStatement, rows: Iterable[Sequence[Any]]) -> None:
        """Write many rows concurrently (setup only: never timed)."""
        for ok, result in execute_concurrent_with_args(
            self.session, statement, list(rows), concurrency=100, raise_on_first_error=True
        ):
            assert ok, result


class RawAcsylla(Statements):
    """The acsylla baseline: one session in the bench's event loop, the same statements
    prepared once. Blocking calls drive the coroutine with `loop.run_until_complete`."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.cluster, self.session = loop.run_until_complete(self._open())

    async def _open(self) -> tuple[Any, Any]:
        cluster = acsylla.create_cluster(HOSTS, log_level="critical")  # in its loop
        session = await cluster.create_session(keyspace=KEYSPACE)
        self._adopt({name: await session.create_prepared(cql) for name, cql in STATEMENTS.items()})
        return cluster, session

    async def aexecute(self, statement: Any, params: Any = None) -> Iterable[tuple[Any, ...]]:
        if params is None:  # a batch (every statement here has values)
            result = await self.session.execute_batch(statement)
        else:
            result = await self.session.execute(statement.bind(params))
        return (row.as_tuple() for row in result)

    def execute(self, statement: Any, params: Any = None) -> Iterable[tuple[Any, ...]]:
        return self.loop.run_until_complete(self.aexecute(statement, params))

    def execute_text(self, cql: str) -> None:
        self.loop.run_until_complete(self.session.execute(acsylla.create_statement(cql)))

    def batch(self, statement: Any, rows: Iterable[Sequence[Any]]) -> Any:
        batch = acsylla.create_batch_logged()
        for values in rows:
            batch.add_statement(statement.bind(values))
        return batch

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self.session.close())
        finally:
            self.cluster.destroy()


def item_values(r: ItemRow) -> tuple[Any, ...]:
    return (r.id, r.name, r.brand, r.price, r.qty)


def event_values(r: EventRow) -> tuple[Any, ...]:
    return (r.part, r.seq, r.name, r.price, r.qty)


def profile_values(r: ProfileRow) -> tuple[Any, ...]:
    return (r.id, r.tags, r.scores, r.meta)


# ---------------------------------------------------------------------- data


def new_item(n: int, brand: str = "new") -> ItemRow:
    return ItemRow(uuid.uuid4(), f"item-{n}", brand, n * 0.25, n % 1000)


def new_event(part: int, seq: int) -> EventRow:
    return EventRow(part, seq, f"event-{seq}", seq * 0.5, seq % 100)


def new_profile(n: int) -> ProfileRow:
    return ProfileRow(
        uuid.uuid4(),
        {"red", "green", f"tag-{n}"},
        [n, n + 1, n + 2, n + 3],
        {"plan": "pro", "region": "eu", "ref": f"r{n}"},
    )


@dataclass
class Dataset:
    """What setup loads, shared by every contender; reads and updates pick from it."""

    acme: list[ItemRow] = field(default_factory=list)
    pool: list[ItemRow] = field(default_factory=list)
    profiles: list[ProfileRow] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _next_part: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _pool_cursor: int = 0

    def serial(self) -> int:
        return next(self._serial)

    def new_parts(self, k: int) -> list[int]:
        """k event partitions nobody has written yet."""
        return [next(self._next_part) for _ in range(k)]

    def pick_pool(self, k: int) -> list[ItemRow]:
        """k pool items, moving on through the pool from one call to the next."""
        start = self._pool_cursor
        self._pool_cursor = (start + k) % len(self.pool)
        return [self.pool[(start + j) % len(self.pool)] for j in range(k)]


# ---------------------------------------------------------------------- the bench


class Bench:
    """Every contender's connection, the coodie models of each flavour and driver, and the
    data."""

    def __init__(self, *, async_ops: int, concurrency: int) -> None:
        self.async_ops = async_ops  # operations per async throughput burst
        self.concurrency = concurrency  # operations in flight during a burst
        self.loop = asyncio.new_event_loop()
        self.data = Dataset()
        self._raw_cluster = new_cluster()
        self._session: Session | None = None
        self.raw: Raw
        self.acs: RawAcsylla
        self.coodie = coodie_models(coodie.sync, None)  # on the default driver
        self.coodie_aio = coodie_models(coodie.aio, AIO_DRIVER)
        self.coodie_acs = coodie_models(coodie.sync, ACS_DRIVER)
        self.coodie_acs_aio = coodie_models(coodie.aio, ACS_AIO_DRIVER)
        self._open: list[str] = []

    # -------------------------------------------------------------- lifecycle

    def setup(self) -> None:
        session = self._session = self._raw_cluster.connect()
        session.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=120)
        session.execute(
            f"CREATE KEYSPACE {KEYSPACE} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}",
            timeout=120,
        )
        session.set_keyspace(KEYSPACE)
        for ddl in TABLES:
            session.execute(ddl, timeout=120)
        self.raw = Raw(session)
        self._load()

        driver = coodie.sync.init_coodie(
            hosts=HOSTS, keyspace=KEYSPACE, protocol_version=PROTOCOL_VERSION
        )
        self._open.append("default")
        driver.connect()
        self.loop.run_until_complete(
            coodie.aio.init_coodie(
                hosts=HOSTS, keyspace=KEYSPACE, name=AIO_DRIVER, protocol_version=PROTOCOL_VERSION
            )
        )
        self._open.append(AIO_DRIVER)
        cql_connection.setup(HOSTS, KEYSPACE, protocol_version=PROTOCOL_VERSION)

        self.acs = RawAcsylla(self.loop)
        # coodie.sync on acsylla connects in the driver's own background loop; coodie.aio
        # on acsylla in the bench's loop, where its requests then run directly.
        acs = coodie.sync.init_coodie(
            hosts=HOSTS, keyspace=KEYSPACE, name=ACS_DRIVER, driver_type="acsylla"
        )
        self._open.append(ACS_DRIVER)
        acs.connect()
        self.loop.run_until_complete(
            coodie.aio.init_coodie(
                hosts=HOSTS, keyspace=KEYSPACE, name=ACS_AIO_DRIVER, driver_type="acsylla"
            )
        )
        self._open.append(ACS_AIO_DRIVER)

    def _load(self) -> None:
        d = self.data
        d.acme = [new_item(d.serial(), "acme") for _ in range(ACME_ROWS)]
        d.pool = [new_item(d.serial(), "pool") for _ in range(POOL_ROWS)]
        d.profiles = [new_profile(n) for n in range(PROFILES)]
        d.urls = [f"/page/{n}" for n in range(URLS)]
        self.raw.load(self.raw.insert_item, map(item_values, d.acme + d.pool))
        self.raw.load(self.raw.insert_profile, map(profile_values, d.profiles))
        self.raw.load(
            self.raw.insert_event,
            (event_values(new_event(BIG_PARTITION, s)) for s in range(HYDRATE_ROWS)),
        )

    def close(self) -> None:
        """Drop the keyspace and close every connection."""
        try:
            if self._session is not None:  # setup got as far as connecting
                self._session.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=120)
        finally:
            for name in self._open:
                driver = unregister_driver(name)
                if driver is not None:
                    driver.shutdown()
            if cql_connection.cluster is not None:
                cql_connection.unregister_connection("default")
            if hasattr(self, "acs"):
                self.acs.close()
            self._raw_cluster.shutdown()
            self.loop.close()

    # -------------------------------------------------------------- helpers (untimed)

    def settle(self, value: T | Awaitable[T]) -> T:
        """A coodie call's result, whichever flavour made it (setup code only)."""
        if inspect.isawaitable(value):
            return self.loop.run_until_complete(_awaited(value))
        return value

    def seed_items(self, k: int) -> list[ItemRow]:
        """k new items, written through the raw session (for the delete benchmarks)."""
        rows = [new_item(self.data.serial()) for _ in range(k)]
        self.raw.load(self.raw.insert_item, map(item_values, rows))
        return rows

    def seed_partitions(self, k: int, rows_each: int) -> list[int]:
        """k new event partitions of `rows_each` rows (for the bulk delete)."""
        parts = self.data.new_parts(k)
        events = (new_event(p, s) for p in parts for s in range(rows_each))
        self.raw.load(self.raw.insert_event, map(event_values, events))
        return parts

    def server_version(self) -> str:
        row = self.raw.session.execute("SELECT release_version FROM system.local").one()
        return str(row[0])


async def _awaited(value: Awaitable[T]) -> T:
    return await value
