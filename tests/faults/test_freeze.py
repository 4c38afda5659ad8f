"""A frozen node (SIGSTOP): it accepts connections and answers nothing. Every request ends
with OperationTimedOut within its timeout (init_coodie(request_timeout=) or the query's
own `.timeout()`), sync and async, on both drivers; once the node is thawed the same
drivers work again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

import coodie.aio
import coodie.sync
from coodie.exceptions import OperationTimedOut
from coodie.registry import unregister_driver
from tests.faults.conftest import DRIVERS, REQUEST_TIMEOUT, Node, fresh_keyspace, write_model

SLACK = 3.0  # seconds past the timeout that a timed-out call may take to return
QUERY_TIMEOUT = 1.5


def calls(Write: Any) -> list[tuple[str, float, Callable[[], Any]]]:
    """(what, the timeout that applies, the call) on a frozen node."""
    return [
        ("a write", REQUEST_TIMEOUT, lambda: Write(id=2, client="frozen").save()),
        ("a read", REQUEST_TIMEOUT, lambda: Write.find(id=1).first()),
        (
            "a read with .timeout()",
            QUERY_TIMEOUT,
            lambda: Write.find(id=1).timeout(QUERY_TIMEOUT).first(),
        ),
        # never prepared: preparing it is bounded by the request timeout too
        (
            "a new statement",
            REQUEST_TIMEOUT,
            lambda: Write.find(client="x").allow_filtering().count(),
        ),
    ]


def check(took: list[tuple[str, float, float]]) -> None:
    for what, timeout, seconds in took:
        assert timeout - 0.5 <= seconds <= timeout + SLACK, (
            f"{what}: {seconds:.2f}s, timeout {timeout}s"
        )


@pytest.mark.parametrize("driver_type", DRIVERS)
def test_frozen_node_times_out_within_the_request_timeout(
    live_node: Node, driver_type: str
) -> None:
    node = live_node
    keyspace = fresh_keyspace(node.host)
    sync_name, aio_name = f"faults_frozen_sync_{driver_type}", f"faults_frozen_aio_{driver_type}"
    options: dict[str, Any] = {
        "hosts": [node.host],
        "keyspace": keyspace,
        "driver_type": driver_type,
        "request_timeout": REQUEST_TIMEOUT,
    }
    sync_driver = coodie.sync.init_coodie(name=sync_name, **options)
    SyncWrite = write_model(coodie.sync, sync_name, "frozen_writes")
    AioWrite = write_model(coodie.aio, aio_name, "frozen_writes")
    SyncWrite.sync_table()

    async def aio_calls() -> list[tuple[str, float, float]]:
        driver = await coodie.aio.init_coodie(name=aio_name, **options)
        try:
            await AioWrite(id=1, client="aio").save()  # connected, these statements prepared
            await AioWrite.find(id=1).first()
            node.freeze()
            took = []
            for what, timeout, call in calls(AioWrite):
                started = time.monotonic()
                with pytest.raises(OperationTimedOut):
                    await call()
                took.append((what, timeout, time.monotonic() - started))
            return took
        finally:
            node.thaw()
            unregister_driver(aio_name)
            await driver.shutdown_async()

    try:
        SyncWrite(id=1, client="sync").save()
        SyncWrite.find(id=1).first()
        node.freeze()
        sync_took = []
        for what, timeout, call in calls(SyncWrite):
            started = time.monotonic()
            with pytest.raises(OperationTimedOut):
                call()
            sync_took.append((what, timeout, time.monotonic() - started))
        node.thaw()
        check(sync_took)
        aio_took = asyncio.run(aio_calls())
        check(aio_took)
        print(
            driver_type, [round(t, 2) for *_, t in sync_took], [round(t, 2) for *_, t in aio_took]
        )
        # thawed: the same sync driver goes on (a bounded wait for its connection to settle)
        deadline = time.monotonic() + 60
        while True:
            try:
                SyncWrite(id=4, client="sync").save()
                break
            except OperationTimedOut:
                if time.monotonic() > deadline:
                    raise
        assert SyncWrite.get(id=4).client == "sync"
    finally:
        node.thaw()
        unregister_driver(sync_name)
        sync_driver.shutdown()
