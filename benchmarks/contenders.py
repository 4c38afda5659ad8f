"""The contenders and the data they share.

Four ways to talk to the same four tables of the `coodie_bench` keyspace:

* the raw driver (the baseline): one `Session`, statements prepared once, tuple rows built
  into plain slotted dataclasses; run blocking (`session.execute`) and on asyncio
  (`session.execute_async` bridged to asyncio futures);
* coodie, blocking (`coodie.sync`) and on asyncio (`coodie.aio`), each on its own driver;
* cqlengine, the object mapper that ships with the driver.

Each contender opens its own `Cluster`, configured alike (protocol v5, token-aware
round robin), so none of them shares connections or a prepared-statement cache with
another. The tables are created with plain CQL, not by any of the mappers.
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

from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.cqlengine import columns
from cassandra.cqlengine import connection as cql_connection
from cassandra.cqlengine.models import Model
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import PreparedStatement, tuple_factory

import coodie.aio
import coodie.sync
from coodie.fields import ClusteringKey, Counter, Double, Indexed, PrimaryKey
from coodie.registry import unregister_driver

HOSTS = ["127.0.0.1"]
# Two runs at once (two work trees on one node) need keyspaces of their own: each run
# drops and recreates its keyspace.
KEYSPACE = os.environ.get("COODIE_BENCH_KEYSPACE", "coodie_bench")
if not KEYSPACE.isidentifier():
    raise SystemExit(f"COODIE_BENCH_KEYSPACE={KEYSPACE!r}: a CQL identifier, please")
PROTOCOL_VERSION = 5
AIO_DRIVER = "bench_aio"  # the coodie.aio models' driver (the sync models use "default")

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


RAW = Contender("raw", "raw driver", False, "raw")
RAW_ASYNC = Contender("raw_async", "raw driver (async)", True, "raw_async")
COODIE = Contender("coodie", "coodie", False, "raw")
COODIE_ASYNC = Contender("coodie_async", "coodie async", True, "raw_async")
CQLENGINE = Contender("cqlengine", "cqlengine", False, "raw")
CONTENDERS: dict[str, Contender] = {
    c.key: c for c in (RAW, RAW_ASYNC, COODIE, COODIE_ASYNC, CQLENGINE)
}


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


class Raw:
    """The baseline: a Session and the statements every operation needs, prepared once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        prepare = session.prepare
        item_cols = "id, name, brand, price, qty"
        event_cols = "part, seq, name, price, qty"
        self.insert_item = prepare(f"INSERT INTO items ({item_cols}) VALUES (?, ?, ?, ?, ?)")
        self.insert_item_lwt = prepare(
            f"INSERT INTO items ({item_cols}) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS"
        )
        self.insert_item_ttl = prepare(
            f"INSERT INTO items ({item_cols}) VALUES (?, ?, ?, ?, ?) USING TTL ?"
        )
        self.get_item = prepare(f"SELECT {item_cols} FROM items WHERE id = ?")
        self.items_by_brand = prepare(f"SELECT {item_cols} FROM items WHERE brand = ?")
        self.items_by_brand_limit = prepare(
            f"SELECT {item_cols} FROM items WHERE brand = ? LIMIT ?"
        )
        self.count_by_brand = prepare("SELECT COUNT(*) FROM items WHERE brand = ?")
        self.update_price = prepare("UPDATE items SET price = ? WHERE id = ?")
        self.update_price_if = prepare("UPDATE items SET price = ? WHERE id = ? IF name = ?")
        self.delete_item = prepare("DELETE FROM items WHERE id = ?")
        self.insert_event = prepare(f"INSERT INTO events ({event_cols}) VALUES (?, ?, ?, ?, ?)")
        self.events_of = prepare(f"SELECT {event_cols} FROM events WHERE part = ?")
        self.delete_partition = prepare("DELETE FROM events WHERE part = ?")
        self.add_views = prepare("UPDATE page_views SET views = views + ? WHERE url = ?")
        self.insert_profile = prepare(
            "INSERT INTO profiles (id, tags, scores, meta) VALUES (?, ?, ?, ?)"
        )
        self.get_profile = prepare("SELECT id, tags, scores, meta FROM profiles WHERE id = ?")

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

    def load(self, statement: PreparedStatement, rows: Iterable[Sequence[Any]]) -> None:
        """Write many rows concurrently (setup only: never timed)."""
        for ok, result in execute_concurrent_with_args(
            self.session, statement, list(rows), concurrency=100, raise_on_first_error=True
        ):
            assert ok, result


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
    """Every contender's connection, the coodie models of both flavours, and the data."""

    def __init__(self, *, async_ops: int, concurrency: int) -> None:
        self.async_ops = async_ops  # operations per async throughput burst
        self.concurrency = concurrency  # operations in flight during a burst
        self.loop = asyncio.new_event_loop()
        self.data = Dataset()
        self._raw_cluster = new_cluster()
        self.raw: Raw
        self.coodie = coodie_models(coodie.sync, None)  # on the default driver
        self.coodie_aio = coodie_models(coodie.aio, AIO_DRIVER)
        self._open: list[str] = []

    # -------------------------------------------------------------- lifecycle

    def setup(self) -> None:
        session = self._raw_cluster.connect()
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
            if hasattr(self, "raw"):  # setup got as far as the keyspace
                self.raw.session.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=120)
        finally:
            for name in self._open:
                driver = unregister_driver(name)
                if driver is not None:
                    driver.shutdown()
            if cql_connection.cluster is not None:
                cql_connection.unregister_connection("default")
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
