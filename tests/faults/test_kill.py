"""kill -9 with requests in flight, on the durable node: every request ends in bounded time,
and the table made just before and every acknowledged write are there after the restart."""

from __future__ import annotations

import asyncio
import time

import coodie.aio
import coodie.sync
from coodie.exceptions import CoodieError
from coodie.registry import unregister_driver
from tests.faults.conftest import (
    DRIVERS,
    REQUEST_TIMEOUT,
    Node,
    fresh_keyspace,
    stored_ids,
    write_model,
)

IN_FLIGHT = 1000  # per driver
ACKED_FIRST = 100  # per driver, acknowledged before the kill
BOUND = REQUEST_TIMEOUT + 10  # seconds from the kill until every in-flight request has ended


def test_kill_with_1000_requests_in_flight_loses_no_acknowledged_write(live_node: Node) -> None:
    node = live_node
    keyspace = fresh_keyspace(node.host)
    table = "killed_writes"

    async def scenario() -> tuple[set[int], list[tuple[str, BaseException | None]], float]:
        drivers, models = [], []
        for driver_type in DRIVERS:
            name = f"faults_kill_{driver_type}"
            drivers.append(
                await coodie.aio.init_coodie(
                    hosts=[node.host],
                    keyspace=keyspace,
                    driver_type=driver_type,
                    name=name,
                    request_timeout=REQUEST_TIMEOUT,
                )
            )
            models.append(write_model(coodie.aio, name, table))
        try:
            # a table created seconds before the kill, and rows acknowledged in it
            await models[0].sync_table()
            acked: set[int] = set()
            for k, Write in enumerate(models):
                for i in range(ACKED_FIRST):
                    await Write(id=k * 10**6 + i, client=DRIVERS[k]).save()
                    acked.add(k * 10**6 + i)
            # frozen, the node takes every request and answers none: all are in flight
            node.freeze()

            async def one(Write: type, ident: int) -> tuple[str, BaseException | None]:
                try:
                    await Write(id=ident, client="in flight").save()
                except BaseException as e:
                    return ("failed", e)
                return ("acked", None)

            tasks = [
                asyncio.ensure_future(one(Write, k * 10**6 + 500_000 + i))
                for k, Write in enumerate(models)
                for i in range(IN_FLIGHT)
            ]
            await asyncio.sleep(1.0)  # every request is sent
            assert not any(t.done() for t in tasks), "a frozen node answered"
            await asyncio.get_running_loop().run_in_executor(None, node.kill)
            killed = time.monotonic()
            outcomes = await asyncio.wait_for(asyncio.gather(*tasks), BOUND)
            return acked, outcomes, time.monotonic() - killed
        finally:
            for driver_type, driver in zip(DRIVERS, drivers):
                unregister_driver(f"faults_kill_{driver_type}")
                await driver.shutdown_async()

    acked, outcomes, took = asyncio.run(scenario())
    assert len(outcomes) == IN_FLIGHT * len(DRIVERS)
    assert took <= BOUND
    errors = [e for status, e in outcomes if status == "failed"]
    assert len(errors) == len(outcomes), "a write was acknowledged by a killed node"
    foreign = [e for e in errors if not isinstance(e, CoodieError)]
    assert not foreign, f"{len(foreign)} failures that are not CoodieError: {foreign[:3]}"
    print(
        f"{len(errors)} in-flight requests ended {took:.1f}s after the kill:",
        sorted({type(e).__name__ for e in errors}),
    )

    node.up()  # the same data directory: what the commitlog synced is replayed
    assert acked <= stored_ids(node.host, keyspace, table)
    # the same API, a new process's view: coodie reads the table back too
    name = "faults_kill_after"
    driver = coodie.sync.init_coodie(hosts=[node.host], keyspace=keyspace, name=name)
    try:
        Write = write_model(coodie.sync, name, table)
        assert {w.id for w in Write.find(client="scylla").allow_filtering().all()} == {
            i for i in acked if i < 10**6
        }
    finally:
        unregister_driver(name)
        driver.shutdown()
