"""Driver lifecycle and driver edges (issue 12, items 8-11): forks, re-initialising a
named driver, DDL text sent as written, bad options and credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from cassandra.cluster import Session

import coodie.sync
from coodie.fields import PrimaryKey
from coodie.registry import unregister_driver
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
