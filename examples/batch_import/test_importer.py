"""The CSV import example against the real node."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cassandra.cluster import Session
from importer import Order, import_orders, main

from coodie.aio import init_coodie

HERE = Path(__file__).parent
# 15 customers with 1..57 orders each: partitions of one batch, and of several.
SIZES = {f"c{n:02d}": 1 + (n * 17) % 57 for n in range(15)}


@pytest.fixture
async def connected(hosts: list[str], keyspace: str, driver_type: str) -> AsyncIterator[None]:
    driver = await init_coodie(hosts=hosts, keyspace=keyspace, driver_type=driver_type)
    await Order.sync_table()
    yield
    await driver.shutdown_async()


def orders_csv() -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["customer", "order_id", "placed_at", "item", "quantity", "amount_cents"])
    t0 = datetime(2024, 1, 1)
    for customer, n in SIZES.items():
        for k in range(1, n + 1):
            w.writerow(
                [customer, k, (t0 + timedelta(hours=k)).isoformat(), f"i{k}", k % 5 + 1, k * 100]
            )
        if customer == "c03":  # two bad rows in the middle of the file
            w.writerow([customer, 0, t0.isoformat(), "x", 1, 1])
            w.writerow([customer, 500, "not a date", "x", 1, -5])
    return out.getvalue()


async def test_import_writes_every_valid_row_per_partition(
    connected: None, cql: Session, keyspace: str
) -> None:
    text = orders_csv()
    bar = io.StringIO()
    report = await import_orders(io.StringIO(text), batch_size=20, concurrency=3, progress=bar)

    total = sum(SIZES.values())
    assert (report.rows, report.written, report.partitions) == (total + 2, total, len(SIZES))
    assert report.batches == sum(-(-n // 20) for n in SIZES.values())
    assert 1 <= report.peak_in_flight <= 3
    bad_line = text.splitlines().index("c03,0,2024-01-01T00:00:00,x,1,1") + 1
    assert [line for line, _ in report.errors] == [bad_line, bad_line + 1]
    assert "order_id" in report.errors[0][1]
    assert "placed_at" in report.errors[1][1] and "amount_cents" in report.errors[1][1]
    assert f"{total}/{total}" in bar.getvalue()  # the progress bar reached the end

    for customer, n in SIZES.items():
        got = cql.execute(
            f"SELECT COUNT(*) FROM {keyspace}.orders WHERE customer = %s", [customer]
        ).one()
        assert got.count == n, customer
    row = cql.execute(
        f"SELECT * FROM {keyspace}.orders WHERE customer = 'c05' AND order_id = 3"
    ).one()
    assert (row.item, row.quantity, row.amount_cents) == ("i3", 4, 300)
    assert row.placed_at == datetime(2024, 1, 1, 3)


async def test_concurrency_one_writes_one_batch_at_a_time(connected: None) -> None:
    report = await import_orders(
        io.StringIO(orders_csv()), batch_size=7, concurrency=1, progress=None
    )
    assert report.peak_in_flight == 1 and report.written == sum(SIZES.values())


async def test_bad_settings_are_refused(connected: None) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await import_orders(io.StringIO(orders_csv()), concurrency=0)


async def test_command_line_on_the_sample_file(
    hosts: list[str], keyspace: str, driver_type: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(HERE / "orders.csv"), "--hosts", ",".join(hosts), "--keyspace", keyspace]
    code = await main([*argv, "--driver", driver_type, "--batch-size", "5"])
    out, err = capsys.readouterr()
    assert code == 1  # the sample has two invalid rows, reported on stderr
    assert out.startswith("121 of 123 rows written in ")
    assert "line 123: placed_at" in err and "line 124: quantity" in err
