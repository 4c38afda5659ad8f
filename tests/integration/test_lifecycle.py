"""Driver lifecycle and driver edges (issue 12, items 8-11): forks, re-initialising a
named driver, DDL text sent as written, bad options and credentials."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from cassandra.cluster import Session

import coodie.sync
from coodie.fields import PrimaryKey
from coodie.registry import get_driver, unregister_driver
from tests.integration.conftest import _contact_points

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
    finally:
        unregister_driver(driver_name)
        if f.is_async:
            f(drivers[-1].shutdown_async())
        else:
            drivers[-1].shutdown()
