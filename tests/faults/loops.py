"""Write loops that run while a test stops, kills or freezes the node: sync ones in threads,
async ones as tasks of one event loop in a thread, all writing to one table (each client
its own ids). Each records what was acknowledged, what failed and how long each call took."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import coodie.aio
import coodie.sync
from coodie.exceptions import CoodieError
from coodie.registry import get_driver, unregister_driver
from tests.faults.conftest import DRIVERS, REQUEST_TIMEOUT, write_model

MAX_CALLS = 20_000  # per client: the loops also stop at their deadline
ERROR_PAUSE = 0.05  # after a failure, so that a node that is down is not hammered
PACE = 0.01  # after a success: a steady loop, not a benchmark on a shared machine


class Client:
    def __init__(self, name: str, model: Any, base: int) -> None:
        self.name = name
        self.model = model
        self.next_id = base
        self.acked: list[int] = []
        self.errors: list[CoodieError] = []
        self.foreign: list[BaseException] = []  # anything that is not a CoodieError
        self.longest = 0.0  # seconds, the slowest call
        self.calls = 0
        self.acked_at: list[float] = []  # time.monotonic() of each acknowledgement

    def record(self, started: float, ident: int, error: BaseException | None) -> None:
        self.calls += 1
        self.longest = max(self.longest, time.monotonic() - started)
        if error is None:
            self.acked.append(ident)
            self.acked_at.append(time.monotonic())
        elif isinstance(error, CoodieError):
            self.errors.append(error)
        else:
            self.foreign.append(error)

    def new_doc(self) -> tuple[int, Any]:
        self.next_id += 1
        return self.next_id, self.model(id=self.next_id, client=self.name)

    def run_sync(self, stop: threading.Event) -> None:
        while not stop.is_set() and self.calls < MAX_CALLS:
            ident, doc = self.new_doc()
            started = time.monotonic()
            try:
                doc.save()
            except BaseException as e:
                self.record(started, ident, e)
                time.sleep(ERROR_PAUSE)
            else:
                self.record(started, ident, None)
                time.sleep(PACE)

    async def run_async(self, stop: threading.Event) -> None:
        while not stop.is_set() and self.calls < MAX_CALLS:
            ident, doc = self.new_doc()
            started = time.monotonic()
            try:
                await doc.save()
            except BaseException as e:
                self.record(started, ident, e)
                await asyncio.sleep(ERROR_PAUSE)
            else:
                self.record(started, ident, None)
                await asyncio.sleep(PACE)


@contextmanager
def write_loops(host: str, keyspace: str, table: str) -> Iterator[list[Client]]:
    """Four clients (sync and async, on each driver) writing to `table` until the block
    ends; drivers are opened once, before the loops start, and never re-initialised."""
    stop = threading.Event()
    clients: list[Client] = []
    names: list[str] = []
    threads: list[threading.Thread] = []
    for k, driver_type in enumerate(DRIVERS):
        name = f"faults_sync_{driver_type}"
        coodie.sync.init_coodie(
            hosts=[host],
            keyspace=keyspace,
            driver_type=driver_type,
            name=name,
            request_timeout=REQUEST_TIMEOUT,
        )
        names.append(name)
        c = Client(f"sync-{driver_type}", write_model(coodie.sync, name, table), k * 10**6)
        clients.append(c)
        threads.append(threading.Thread(target=c.run_sync, args=(stop,), daemon=True))
    async_clients = [
        Client(
            f"aio-{driver_type}",
            write_model(coodie.aio, f"faults_aio_{driver_type}", table),
            (2 + k) * 10**6,
        )
        for k, driver_type in enumerate(DRIVERS)
    ]
    clients += async_clients
    opened = threading.Event()

    async def run_async_clients() -> None:
        drivers = [
            await coodie.aio.init_coodie(
                hosts=[host],
                keyspace=keyspace,
                driver_type=driver_type,
                name=f"faults_aio_{driver_type}",
                request_timeout=REQUEST_TIMEOUT,
            )
            for driver_type in DRIVERS
        ]
        opened.set()
        try:
            await asyncio.gather(*(c.run_async(stop) for c in async_clients))
        finally:
            for driver_type, driver in zip(DRIVERS, drivers):
                unregister_driver(f"faults_aio_{driver_type}")
                await driver.shutdown_async()

    threads.append(threading.Thread(target=asyncio.run, args=(run_async_clients(),), daemon=True))
    write_model(coodie.sync, names[0], table).sync_table()
    for t in threads:
        t.start()
    try:
        if not opened.wait(60):
            raise AssertionError("the async drivers did not connect within 60 s")
        yield clients
    finally:
        stop.set()
        for t in threads:
            t.join(REQUEST_TIMEOUT * 4)
        stuck = [t.name for t in threads if t.is_alive()]
        for name in names:
            driver = get_driver(name)
            unregister_driver(name)
            driver.shutdown()
        assert not stuck, f"loops still running {REQUEST_TIMEOUT * 4:.0f}s after the stop: {stuck}"


def wait_for(
    clients: list[Client], check: Callable[[Client], bool], timeout: float, what: str
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        late = [c.name for c in clients if not check(c)]
        if not late:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"within {timeout:.0f}s, {what}: not {late}")
        time.sleep(0.1)
