"""Import a CSV of orders into Cassandra with coodie: batches per partition, bounded
concurrency, a progress bar.

Every row is validated by the document (pydantic) before anything is written; rows that
do not validate are reported with their line numbers and skipped. Valid rows are grouped
by partition (the customer) and written as unlogged batches of at most `batch_size`
rows, each batch within one partition (the kind of batch Cassandra handles best: one
mutation, one replica set). At most `concurrency` batches are in flight at a time.

    python examples/batch_import/importer.py examples/batch_import/orders.csv \\
        --keyspace shop --concurrency 8 --batch-size 50
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, TextIO

from pydantic import Field, ValidationError
from tqdm import tqdm  # type: ignore[import-untyped]

from coodie.aio import AsyncBatchQuery, Document, init_coodie
from coodie.fields import BigInt, ClusteringKey, PrimaryKey


class Order(Document):
    customer: Annotated[str, PrimaryKey()] = Field(min_length=1)
    order_id: Annotated[int, ClusteringKey(), BigInt()] = Field(ge=1)
    placed_at: datetime
    item: str = Field(min_length=1)
    quantity: int = Field(ge=1)
    amount_cents: Annotated[int, BigInt()] = Field(ge=0)

    class Settings:
        name = "orders"


@dataclass
class ImportReport:
    rows: int = 0  # data rows in the file
    written: int = 0
    batches: int = 0
    partitions: int = 0
    peak_in_flight: int = 0  # the most batches that were being written at once
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def read_orders(lines: TextIO, report: ImportReport) -> Iterator[Order]:
    """Validated orders; invalid rows go to `report.errors` with their line number."""
    for row in csv.DictReader(lines):
        report.rows += 1
        try:
            yield Order.model_validate(row)
        except ValidationError as e:
            where = ", ".join(
                f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()
            )
            report.errors.append((report.rows + 1, where))  # +1: the header line


def chunks(orders: list[Order], size: int) -> Iterator[list[Order]]:
    for i in range(0, len(orders), size):
        yield orders[i : i + size]


async def import_orders(
    lines: TextIO,
    *,
    batch_size: int = 50,
    concurrency: int = 8,
    progress: TextIO | None = sys.stderr,
) -> ImportReport:
    """Import the CSV read from `lines` (coodie must be connected). Returns a report."""
    if batch_size < 1 or concurrency < 1:
        raise ValueError("batch_size and concurrency must be at least 1")
    report = ImportReport()
    by_partition: dict[str, list[Order]] = defaultdict(list)
    for order in read_orders(lines, report):
        by_partition[order.customer].append(order)
    report.partitions = len(by_partition)

    bar = tqdm(
        total=sum(map(len, by_partition.values())),
        unit="row",
        file=progress,
        disable=progress is None,
        ascii=True,
    )
    in_flight = 0

    async def write(batch_rows: list[Order]) -> None:
        nonlocal in_flight
        in_flight += 1
        report.peak_in_flight = max(report.peak_in_flight, in_flight)
        try:
            async with AsyncBatchQuery(batch_type="unlogged") as batch:
                for order in batch_rows:
                    await order.save(batch=batch)
        finally:
            in_flight -= 1
        report.written += len(batch_rows)
        report.batches += 1
        bar.update(len(batch_rows))

    # `concurrency` workers take the next batch from one shared iterator: never more
    # batches in flight (or tasks alive) than that, however large the file.
    todo = (b for rows in by_partition.values() for b in chunks(rows, batch_size))

    async def worker() -> None:
        for batch_rows in todo:
            await write(batch_rows)

    workers = [asyncio.ensure_future(worker()) for _ in range(concurrency)]
    try:
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
        bar.close()
    return report


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--hosts", default="127.0.0.1", help="comma-separated")
    parser.add_argument("--keyspace", default="shop")
    parser.add_argument("--driver", default="scylla", choices=["scylla", "acsylla"])
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)

    driver = await init_coodie(
        hosts=args.hosts.split(","), keyspace=args.keyspace, driver_type=args.driver
    )
    try:
        await Order.sync_table()
        with args.csv.open(newline="") as f:
            report = await import_orders(
                f, batch_size=args.batch_size, concurrency=args.concurrency
            )
    finally:
        await driver.shutdown_async()
    print(
        f"{report.written} of {report.rows} rows written in {report.batches} batches "
        f"over {report.partitions} partitions (at most {report.peak_in_flight} at once)"
    )
    for line, message in report.errors:
        print(f"line {line}: {message}", file=sys.stderr)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
