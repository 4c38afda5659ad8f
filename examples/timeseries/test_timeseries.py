"""The time-series example against the real node."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import timeseries as ts
from cassandra.cluster import Session

from coodie import registry
from coodie.sync import init_coodie

DAY = date(2024, 5, 1)
T0 = datetime(2024, 5, 1)


@pytest.fixture(scope="module")
def ts_driver(hosts: list[str], keyspace: str, driver_type: str) -> Iterator[Any]:
    driver = init_coodie(hosts=hosts, keyspace=keyspace, driver_type=driver_type)
    yield driver
    driver.shutdown()


@pytest.fixture(autouse=True)
def connected(own_registry: None, ts_driver: Any) -> None:
    """The module's driver is the default in every test (the examples' conftest hides it)."""
    registry.register_driver("default", ts_driver, default=True)


@pytest.fixture(scope="module")
def times(ts_driver: Any) -> dict[str, list[datetime]]:
    """Three sensors' readings of one day, written in a shuffled order; the times per sensor."""
    saved, saved_default = dict(registry._drivers), list(registry._default)
    registry.register_driver("default", ts_driver, default=True)
    try:
        return write_readings()
    finally:
        registry._drivers.clear()
        registry._drivers.update(saved)
        registry._default[:] = saved_default


def write_readings() -> dict[str, list[datetime]]:
    ts.Reading.sync_table()
    times = {
        "boiler": [T0 + timedelta(minutes=7 * i) for i in range(130)],
        "attic": [T0 + timedelta(minutes=11 * i) for i in range(5)],
        "cellar": [T0 + timedelta(hours=23, minutes=i) for i in range(3)],
    }
    todo = [(s, t) for s, at in times.items() for t in at]
    random.Random(5).shuffle(todo)
    for sensor, at in todo:
        ts.record(sensor, at, value_at(at))
    ts.record("boiler", datetime(2024, 5, 2, 0, 1), -1.0)  # the next day: another partition
    return times


def value_at(at: datetime) -> float:
    return at.hour * 100 + at.minute


def test_latest_is_newest_first(times: dict[str, list[datetime]]) -> None:
    got = ts.latest("boiler", DAY, 4)
    assert [r.at for r in got] == sorted(times["boiler"], reverse=True)[:4]
    assert [r.value for r in got] == [value_at(r.at) for r in got]
    assert [r.at for r in ts.oldest("boiler", DAY, 3)] == sorted(times["boiler"])[:3]
    assert [r.value for r in ts.latest("boiler", date(2024, 5, 2))] == [-1.0]


def test_latest_per_sensor_in_one_query(times: dict[str, list[datetime]]) -> None:
    got = ts.latest_per_sensor(["boiler", "attic", "cellar", "nowhere"], DAY, n=2)
    assert {s: [r.at for r in rs] for s, rs in got.items()} == {
        "boiler": sorted(times["boiler"], reverse=True)[:2],
        "attic": sorted(times["attic"], reverse=True)[:2],
        "cellar": sorted(times["cellar"], reverse=True)[:2],
        "nowhere": [],
    }


def test_window_includes_its_start_and_excludes_its_end(
    times: dict[str, list[datetime]],
) -> None:
    start, end = T0 + timedelta(minutes=70), T0 + timedelta(minutes=140)
    got = [r.at for r in ts.window("boiler", start, end)]
    assert got == sorted((t for t in times["boiler"] if start <= t < end), reverse=True)
    assert got[-1] == start and end not in got


def test_pages_walk_the_partition_once(times: dict[str, list[datetime]]) -> None:
    pages = list(ts.pages("boiler", DAY, page_size=50))
    assert [len(p) for p in pages] == [50, 50, 30]
    assert [r.at for p in pages for r in p] == sorted(times["boiler"], reverse=True)


def test_ttl_per_write_and_table_default(
    times: dict[str, list[datetime]], cql: Session, keyspace: str
) -> None:
    at = datetime(2024, 5, 3, 8)
    ts.record("ttl", at, 1.0, ttl=120)
    ts.record("ttl", at + timedelta(minutes=1), 2.0)
    rows = cql.execute(
        f"SELECT at, TTL(value) AS ttl FROM {keyspace}.readings WHERE sensor = 'ttl' AND day = %s",
        [at.date()],
    )
    ttls = {r.at: r.ttl for r in rows}
    assert 0 < ttls[at] <= 120
    assert 120 < ttls[at + timedelta(minutes=1)] <= ts.DEFAULT_TTL
    options = cql.execute(
        "SELECT default_time_to_live FROM system_schema.tables "
        "WHERE keyspace_name = %s AND table_name = 'readings'",
        [keyspace],
    ).one()
    assert options.default_time_to_live == ts.DEFAULT_TTL


def test_command_line(
    hosts: list[str], driver_type: str, cql: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    import uuid

    ks = f"coodie_example_{uuid.uuid4().hex[:12]}"
    try:
        assert ts.main(["--hosts", ",".join(hosts), "--keyspace", ks, "--driver", driver_type]) == 0
    finally:
        cql.execute(f"DROP KEYSPACE IF EXISTS {ks}", timeout=120)
    out = capsys.readouterr().out
    assert "latest boiler: [('23:50'," in out
    assert "attic 12:00-13:00: 6 readings" in out
    assert "cellar pages of 50: [50, 50, 44]" in out
