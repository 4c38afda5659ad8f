"""Driver lifecycle and driver edges (issue 12, items 8-11): forks, re-initialising a
named driver, DDL text sent as written, bad options and credentials."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import pytest
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Session

import coodie.aio
import coodie.sync
from coodie.exceptions import CoodieError, InvalidQueryError, Unavailable, UnsupportedOperation
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.registry import get_driver, unregister_driver
from tests.integration.conftest import MEMORY, _contact_points

DRIVERS = ["scylla", "acsylla"]


@pytest.fixture
def named_driver(keyspace: str) -> Iterator[Callable[..., Any]]:
    """`named_driver(name, driver_type)`: a driver registered under `name` on the test
    keyspace (blocking init), unregistered and shut down after the test."""
    made: list[tuple[str, Any]] = []

    def make(name: str, driver_type: str, **options: Any) -> Any:
        hosts, port = _contact_points()
        driver = coodie.sync.init_coodie(
            hosts=hosts, port=port, keyspace=keyspace, name=name, driver_type=driver_type, **options
        )
        made.append((name, driver))
        return driver

    yield make
    for name, driver in made:
        unregister_driver(name)
        driver.shutdown()


# ------------------------------------------------------------------ item 10


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_ddl_text_with_percent_s_is_sent_as_written(
    f: Any, session: Session, keyspace: str, named_driver: Any, driver_type: str
) -> None:
    """A table comment "50%s off" is stored as written (acsylla once turned every %s in
    DDL text into a ?), and the metadata queries around it still bind their values."""
    driver_name = f"pct_{driver_type}"
    named_driver(driver_name, driver_type)
    table = f"it_promo_{driver_type}_{f.name}"
    comment = "50%s off, 10%% more? it's '%s' ?"

    class Promo(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        label: str = ""

        class Settings:
            name = table
            driver = driver_name
            options = {"comment": comment}

    assert f(Promo.sync_table())  # created: it ran DDL
    row = session.execute(
        "SELECT comment FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (keyspace, table),
    ).one()
    assert row.comment == comment
    assert f(Promo.sync_table()) == []  # found in step: the metadata queries found the table
    f(Promo(id=1, label="x").save())
    assert f(Promo.get(id=1)).label == "x"


# ------------------------------------------------------------------ item 9


def _threads() -> int:
    """OS threads of this process (the driver's C++ threads included)."""
    return len(os.listdir("/proc/self/task"))


def _sockets() -> int:
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return n


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_init_coodie_again_shuts_the_replaced_driver_down(
    f: Any, keyspace: str, driver_type: str
) -> None:
    """15 init_coodie() calls under one name keep threads and sockets bounded: each
    replaced driver is shut down (they once piled up: threads 8 -> 53 on scylla, sockets
    42 -> 132 on acsylla)."""
    driver_name = f"again_{driver_type}"
    hosts, port = _contact_points()

    class Pinged(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]

        class Settings:
            name = f"it_again_{driver_type}"
            driver = driver_name

    def init(ping: bool = True) -> Any:
        driver = f(
            f.module.init_coodie(
                hosts=hosts, port=port, keyspace=keyspace, name=driver_name, driver_type=driver_type
            )
        )
        if ping:
            assert f(Pinged.find(id=1).all()) == []  # connected and answering
        return driver

    drivers = [init(ping=False)]
    try:
        f(Pinged.sync_table())
        assert f(Pinged.find(id=1).all()) == []
        threads, sockets = _threads(), _sockets()
        for _ in range(15):
            drivers.append(init())
        assert _threads() <= threads + 2, (threads, _threads())
        assert _sockets() <= sockets + 2, (sockets, _sockets())
        assert [d.connected for d in drivers] == [False] * 15 + [True]
        assert get_driver(driver_name) is drivers[-1]
        if f.is_async:  # a replacement that cannot connect leaves the driver in place, open
            with pytest.raises(Unavailable):
                f(
                    coodie.aio.init_coodie(
                        hosts=["127.0.0.1"], port=1, name=driver_name, driver_type=driver_type
                    )
                )
            assert get_driver(driver_name) is drivers[-1] and drivers[-1].connected
            assert f(Pinged.find(id=1).all()) == []
    finally:
        unregister_driver(driver_name)
        if f.is_async:
            f(drivers[-1].shutdown_async())
        else:
            drivers[-1].shutdown()


# ------------------------------------------------------------------ item 8

CHILD_TIMEOUT = 60  # seconds a child may take before the test calls it hung


def _in_child(work: Callable[[], Any]) -> Any:
    """Run `work` in a forked child (multiprocessing's fork start method) and return its
    result; a child that hangs is killed and fails the test."""
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()

    def run() -> None:
        try:
            results.put(("ok", work()))
        except BaseException as e:
            results.put(("error", f"{type(e).__name__}: {e}"))

    child = ctx.Process(target=run)
    child.start()
    child.join(CHILD_TIMEOUT)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"the forked child hung for {CHILD_TIMEOUT}s")
    status, value = results.get(timeout=10)
    assert (status, child.exitcode) == ("ok", 0), value
    return value


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_a_forked_child_reconnects_and_the_parent_keeps_working(
    f: Any, keyspace: str, driver_type: str
) -> None:
    """A child forked after the parent connected (gunicorn --preload, Celery prefork)
    reads and writes through the inherited driver, and through a new init_coodie(); the
    parent keeps working after it exits (the child once blocked forever on both drivers)."""
    driver_name = f"fork_{driver_type}"
    hosts, port = _contact_points()
    options = dict(hosts=hosts, port=port, keyspace=keyspace, name=driver_name)

    class Forked(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        label: str = ""

        class Settings:
            name = f"it_fork_{driver_type}"
            driver = driver_name

    driver = f(f.module.init_coodie(driver_type=driver_type, **options))
    try:
        f(Forked.sync_table())
        f(Forked(id=0, label="parent").save())
        assert f(Forked.get(id=0)).label == "parent"  # the parent is connected
        assert driver.connected

        for n, reinit in ((1, False), (2, True)):
            if f.is_async:

                async def work_async(n: int = n, reinit: bool = reinit) -> str:
                    if reinit:
                        await coodie.aio.init_coodie(driver_type=driver_type, **options)
                    await Forked(id=n, label=f"child {n}").save()
                    return str((await Forked.get(id=0)).label)

                # the child's own event loop: the parent's shares its epoll with the parent
                label = _in_child(lambda: asyncio.run(work_async()))
            else:

                def work(n: int = n, reinit: bool = reinit) -> str:
                    if reinit:
                        coodie.sync.init_coodie(driver_type=driver_type, **options)
                    Forked(id=n, label=f"child {n}").save()
                    return str(Forked.get(id=0).label)

                label = _in_child(work)
            assert label == "parent"
            # the parent still answers on its own connection, and sees the child's write
            assert get_driver(driver_name) is driver and driver.connected
            assert f(Forked.get(id=n)).label == f"child {n}"
        f(Forked(id=3, label="parent again").save())
        assert sorted(d.label for d in f(Forked.find().all())) == [
            "child 1",
            "child 2",
            "parent",
            "parent again",
        ]
    finally:
        unregister_driver(driver_name)
        f(driver.shutdown_async()) if f.is_async else driver.shutdown()


def test_a_session_given_in_the_parent_is_refused_in_a_forked_child(
    f: Any, session: Session
) -> None:
    """init_coodie(session=...) in the parent: coodie cannot rebuild the user's session in
    the child, so using it there says what to do instead of hanging."""
    from coodie.exceptions import ConfigurationError

    coodie.sync.init_coodie(session=session, name="fork_given")
    try:

        class Given(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]

            class Settings:
                name = "it_fork_given"
                driver = "fork_given"

        f(Given.sync_table())
        assert f(Given.find(id=1).all()) == []

        async def wait(x: Any) -> Any:
            return await x

        def work() -> str:
            try:
                found = Given.find(id=1).all()
                if f.is_async:  # in the child's own event loop
                    asyncio.run(wait(found))
            except ConfigurationError as e:
                return str(e)
            return "no error"

        assert "call init_coodie() again in the child" in _in_child(work)
        assert f(Given.find(id=1).all()) == []  # the parent's session still works
    finally:
        unregister_driver("fork_given")


# ------------------------------------------------------------------ threads

THREADS = 6  # blocking callers at once
ROWS = 20  # rows each caller writes and reads back
JOIN_S = 120  # seconds the callers may take together before the test calls them hung


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_one_blocking_driver_serves_several_threads_and_loops_at_once(
    keyspace: str, named_driver: Any, driver_type: str
) -> None:
    """Several threads use one blocking driver at once (acsylla's runs its event loop in
    whichever calling thread finds it free, the others wait their turn or are served by
    it), together with coroutines of two other event loops and blocking calls made inside a
    coroutine: each caller gets its own rows back, none fails, none hangs."""
    driver_name = f"threads_{driver_type}"
    named_driver(driver_name, driver_type)
    table = f"it_threads_{driver_type}"

    def model(module: Any) -> Any:
        class Owned(module.Document):  # type: ignore[name-defined,misc]
            owner: Annotated[int, PrimaryKey()]
            n: Annotated[int, ClusteringKey()]
            label: str = ""

            class Settings:
                name = table
                driver = driver_name

        return Owned

    Owned, AioOwned = model(coodie.sync), model(coodie.aio)
    Owned.sync_table()

    def blocking_caller(owner: int) -> list[str]:
        for n in range(ROWS):
            Owned(owner=owner, n=n, label=f"{owner}:{n}").save()
            assert Owned.get(owner=owner, n=n).label == f"{owner}:{n}"
        return [d.label for d in Owned.find(owner=owner).all()]

    async def aio_caller(owner: int) -> list[str]:
        async def one(n: int) -> str:
            await AioOwned(owner=owner, n=n, label=f"{owner}:{n}").save()
            return str((await AioOwned.get(owner=owner, n=n)).label)

        labels = await asyncio.gather(*(one(n) for n in range(ROWS)))
        assert labels == [f"{owner}:{n}" for n in range(ROWS)]
        return [d.label async for d in AioOwned.find(owner=owner)]

    async def blocking_inside_a_coroutine(owner: int) -> list[str]:
        return blocking_caller(owner)  # this thread runs a loop of its own meanwhile

    callers: list[Callable[[], list[str]]] = [
        *(lambda owner=owner: blocking_caller(owner) for owner in range(THREADS)),
        lambda: asyncio.run(aio_caller(THREADS)),
        lambda: asyncio.run(blocking_inside_a_coroutine(THREADS + 1)),
        # a second event loop in another thread at once (the driver keeps each call's loop)
        lambda: asyncio.run(aio_caller(THREADS + 2)),
    ]
    with ThreadPoolExecutor(len(callers)) as pool:
        futures = [pool.submit(caller) for caller in callers]
        results = [fut.result(timeout=JOIN_S) for fut in futures]
    for owner, labels in enumerate(results):
        assert labels == [f"{owner}:{n}" for n in range(ROWS)], owner
    # and the driver still serves a caller alone afterwards
    assert Owned.get(owner=0, n=ROWS - 1).label == f"0:{ROWS - 1}"


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_a_driver_keeps_a_bounded_number_of_statement_shapes(
    keyspace: str, named_driver: Any, driver_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A program that makes new statement shapes without end does not grow the driver's
    per-shape caches (prepared statements, acsylla's value and row converters) without
    end: past the limit the oldest shape is forgotten, and asked for again it is prepared
    again and answers as before."""
    import coodie.drivers

    monkeypatch.setattr(coodie.drivers, "MAX_SHAPES", 3)
    driver_name = f"shapes_{driver_type}"
    driver = named_driver(driver_name, driver_type)

    class Shaped(coodie.sync.Document):
        owner: Annotated[int, PrimaryKey()]
        n: Annotated[int, ClusteringKey()]
        label: str = ""
        note: str = ""

        class Settings:
            name = f"it_shapes_{driver_type}"
            driver = driver_name

    Shaped.sync_table()
    for n in range(4):
        Shaped(owner=1, n=n, label=f"l{n}", note=f"o{n}").save()
    queries: list[tuple[Callable[[], Any], Any]] = [
        (
            lambda: [d.label for d in Shaped.find(owner=1).only("label").all()],
            ["l0", "l1", "l2", "l3"],
        ),
        (
            lambda: [d.note for d in Shaped.find(owner=1).only("note").all()],
            ["o0", "o1", "o2", "o3"],
        ),
        (lambda: [d.n for d in Shaped.find(owner=1, n__gt=1).all()], [2, 3]),
        (lambda: [d.n for d in Shaped.find(owner=1, n__lt=2).all()], [0, 1]),
        (lambda: Shaped.get(owner=1, n=2).note, "o2"),
        (lambda: Shaped.find(owner=1).count(), 4),
    ]
    for _ in range(2):  # the second time round, the first shapes were forgotten
        for query, expected in queries:
            assert query() == expected
    caches = [
        getattr(driver, c) for c in ("_prepared", "_binders", "_readers") if hasattr(driver, c)
    ]
    assert caches or MEMORY  # (the in-memory driver prepares nothing)
    for cache in caches:
        assert 0 < len(cache) <= 3


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_a_driver_shut_down_while_threads_call_it_ends_every_call(
    keyspace: str, named_driver: Any, driver_type: str
) -> None:
    """A blocking driver shut down while several threads call it: each of their calls
    returns its row or fails with a CoodieError (no other error), none waits forever,
    and every thread ends."""
    driver_name = f"closing_{driver_type}"
    driver = named_driver(driver_name, driver_type)

    class Kept(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        label: str = ""

        class Settings:
            name = f"it_closing_{driver_type}"
            driver = driver_name

    Kept.sync_table()
    Kept(id=1, label="one").save()
    served = threading.Semaphore(0)  # one release per call answered
    stop = threading.Event()
    failures: list[BaseException] = []  # what is not a CoodieError

    def caller() -> None:
        while not stop.is_set():
            try:
                assert Kept.get(id=1).label == "one"
                served.release()
            except CoodieError:
                pass  # (shut down meanwhile; a later call may connect again)
            except BaseException as e:
                failures.append(e)
                return

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(caller) for _ in range(THREADS)]
        for _ in range(4 * THREADS):  # the callers are all under way
            assert served.acquire(timeout=JOIN_S)
        driver.shutdown()
        stop.set()
        for fut in futures:
            fut.result(timeout=JOIN_S)
    assert failures == []


# ------------------------------------------------------------------ item 11


def test_lwt_existing_shows_empty_collections_as_documents_do(f: Any) -> None:
    """A conditional write that did not apply shows the row's empty collections as
    set()/[]/{} like the document read back, not None (CQL stores them as null)."""
    User = f.m.User
    f(User.sync_table())
    u = User(name="lwt-empty")
    assert f(u.insert()).applied
    r = f(User(id=u.id, name="other").insert())
    assert not r.applied
    stored = f(User.get(id=u.id))
    got = (r.existing["tags"], r.existing["scores"], r.existing["metadata"])
    assert got == (stored.tags, stored.scores, stored.metadata) == (set(), [], {})
    assert [type(v) for v in got] == [set, list, dict]
    assert r.existing["name"] == "lwt-empty"


def test_unsupported_operation_is_an_invalid_query(f: Any) -> None:
    """A write on a view or save() on a counter table is caught by `except
    InvalidQueryError`, the spec's class for bad query construction."""
    f(f.m.User.sync_table())
    f(f.m.Hits.sync_table())
    f(f.m.UsersByStatus.sync_view())
    with pytest.raises(InvalidQueryError, match="materialized view") as e:
        f(f.m.UsersByStatus(status="a", id=uuid.uuid4(), name="n", email="e").save())
    assert isinstance(e.value, UnsupportedOperation)
    with pytest.raises(InvalidQueryError, match="counter table"):
        f(f.m.Hits(url="/u", views=1, visitors=1).save())


AUTH_HOST = "127.0.0.21"  # a throwaway node with PasswordAuthenticator (the shared one has none)
NODE = Path(__file__).resolve().parents[2] / "tools" / "cassandra" / "node"


@pytest.fixture(scope="module")
def auth_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second node from the same jars, on another loopback address, that requires
    credentials (cassandra/cassandra); started for these tests and stopped after them."""
    env = {
        **os.environ,
        "CASSANDRA_HOST": AUTH_HOST,
        "CASSANDRA_ROOT": str(tmp_path_factory.mktemp("auth-node")),
        "CASSANDRA_HEAP": "512m",
        "CASSANDRA_START_TIMEOUT": "240",
        "CASSANDRA_EXTRA_YAML": "authenticator: PasswordAuthenticator\n"
        "cluster_name: coodie-auth-test",
    }
    up = subprocess.run(
        [sys.executable, str(NODE), "up"], env=env, capture_output=True, text=True, timeout=300
    )
    try:
        if up.returncode != 0:  # a node that does not start is a failure, never a skip
            pytest.fail(f"the auth test node did not start:\n{up.stdout}{up.stderr}")
        yield AUTH_HOST
    finally:
        subprocess.run(
            [sys.executable, str(NODE), "down"], env=env, capture_output=True, timeout=120
        )


def _credentials(driver_type: str, user: str, password: str) -> dict[str, Any]:
    if driver_type == "acsylla":
        return {"username": user, "password": password}
    return {"auth_provider": PlainTextAuthProvider(user, password)}


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_refused_credentials_are_one_authentication_error(
    f: Any, auth_node: str, driver_type: str
) -> None:
    """Wrong or missing credentials raise AuthenticationError (an ExecutionError) on both
    drivers (once Unavailable on scylla's and a plain ExecutionError on acsylla's); the
    right ones connect."""
    from coodie.exceptions import AuthenticationError, ExecutionError
    from coodie.requests import RawRequest

    assert issubclass(AuthenticationError, ExecutionError)
    name = f"auth_{driver_type}"
    version = RawRequest("SELECT release_version FROM system.local")

    def connect_and_ask(**options: Any) -> Any:
        driver = f(
            f.module.init_coodie(hosts=[auth_node], name=name, driver_type=driver_type, **options)
        )
        try:
            if f.is_async:

                async def ask() -> Any:
                    return await driver.execute_raw_async(version)

                return f(ask()).rows
            return driver.execute_raw(version).rows
        finally:
            unregister_driver(name)
            f(driver.shutdown_async()) if f.is_async else driver.shutdown()

    for options in (_credentials(driver_type, "cassandra", "wrong"), {}):
        with pytest.raises(AuthenticationError, match="refused the credentials"):
            connect_and_ask(**options)
    assert connect_and_ask(**_credentials(driver_type, "cassandra", "cassandra")) != []
