"""Sensor readings as a time series with coodie's blocking API.

One partition per sensor and day (`(sensor, day)`: a partition never grows without
bound), rows ordered newest first (`ClusteringKey(order="DESC")`), every reading
expiring after a TTL (the table's default, or one given per write). Reads: the latest
n of a sensor, the latest n of each of several sensors in one query
(`per_partition_limit`), a time window, and the whole day page by page.

    python examples/timeseries/timeseries.py --keyspace metrics
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated

from coodie.fields import ClusteringKey, Double, PrimaryKey
from coodie.sync import Document, init_coodie

DEFAULT_TTL = 30 * 86400  # seconds: readings older than 30 days disappear


class Reading(Document):
    sensor: Annotated[str, PrimaryKey(partition_key_index=0)]
    day: Annotated[date, PrimaryKey(partition_key_index=1)]
    at: Annotated[datetime, ClusteringKey(order="DESC")]
    value: Annotated[float, Double()]

    class Settings:
        name = "readings"
        options = {"default_time_to_live": DEFAULT_TTL, "comment": "sensor readings"}


def record(sensor: str, at: datetime, value: float, ttl: int | None = None) -> Reading:
    """Store one reading; `ttl` (seconds) overrides the table's default."""
    reading = Reading(sensor=sensor, day=at.date(), at=at, value=value)
    reading.save(ttl=ttl)
    return reading


def latest(sensor: str, day: date, n: int = 10) -> list[Reading]:
    """The newest `n` readings of a sensor that day, newest first (the clustering order)."""
    return Reading.find(sensor=sensor, day=day).limit(n).all()


def oldest(sensor: str, day: date, n: int = 10) -> list[Reading]:
    """The first `n` readings of the day: the clustering order reversed."""
    return Reading.find(sensor=sensor, day=day).order_by("at").limit(n).all()


def latest_per_sensor(sensors: Sequence[str], day: date, n: int = 1) -> dict[str, list[Reading]]:
    """The newest `n` readings of each sensor, in one query (PER PARTITION LIMIT)."""
    found: dict[str, list[Reading]] = {s: [] for s in sensors}
    query = Reading.find(Reading.sensor.in_(list(sensors)), day=day).per_partition_limit(n)
    for reading in query.all():
        found[reading.sensor].append(reading)
    return found


def window(sensor: str, start: datetime, end: datetime) -> list[Reading]:
    """Readings with start <= at < end, within start's day, newest first."""
    return Reading.find(
        Reading.sensor == sensor,
        Reading.day == start.date(),
        Reading.at >= start,
        Reading.at < end,
    ).all()


def pages(sensor: str, day: date, page_size: int = 100) -> Iterator[list[Reading]]:
    """The day's readings, a page at a time, following the paging state."""
    query = Reading.find(sensor=sensor, day=day)
    page = query.paged_all(page_size=page_size)
    while True:
        yield page.documents
        if page.paging_state is None:
            return
        page = query.paged_all(paging_state=page.paging_state, page_size=page_size)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", default="127.0.0.1", help="comma-separated")
    parser.add_argument("--keyspace", default="metrics")
    parser.add_argument("--driver", default="scylla", choices=["scylla", "acsylla"])
    args = parser.parse_args(argv)

    driver = init_coodie(
        hosts=args.hosts.split(","), keyspace=args.keyspace, driver_type=args.driver
    )
    try:
        Reading.sync_table()
        day = date(2024, 5, 1)
        start = datetime(2024, 5, 1)
        rnd = random.Random(1)
        for sensor in ("boiler", "attic", "cellar"):
            for minute in range(0, 24 * 60, 10):  # every 10 minutes: 144 a day
                record(sensor, start + timedelta(minutes=minute), round(rnd.gauss(20, 3), 2))
        print(
            "latest boiler:", [(r.at.strftime("%H:%M"), r.value) for r in latest("boiler", day, 3)]
        )
        per_sensor = latest_per_sensor(["boiler", "attic", "cellar"], day)
        print("latest of each:", {s: rs[0].value for s, rs in per_sensor.items()})
        noon = window("attic", start + timedelta(hours=12), start + timedelta(hours=13))
        print("attic 12:00-13:00:", len(noon), "readings")
        print("cellar pages of 50:", [len(p) for p in pages("cellar", day, 50)])
    finally:
        driver.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
