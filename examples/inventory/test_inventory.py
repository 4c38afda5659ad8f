"""The inventory app's tests, each run twice by coodie's pytest plugin: on the in-memory
driver (`coodie_memory`) and on a real node (`coodie_keyspace`, a fresh keyspace)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import inventory as inv
import pytest

import coodie.aio
from coodie.fields import PrimaryKey


@pytest.fixture(params=["memory", "node"])
def db(request: pytest.FixtureRequest) -> Any:
    """Where the test runs: every model's table is synced there, coodie's default driver
    points at it, and it is thrown away after the test."""
    name = "coodie_memory" if request.param == "memory" else "coodie_keyspace"
    return request.getfixturevalue(name)


def sku() -> str:
    return f"sku-{uuid.uuid4().hex[:8]}"


def test_a_product_is_added_once(db: Any) -> None:
    s = sku()
    assert inv.add_product(s, "kettle", 2500, {"kitchen"})
    assert not inv.add_product(s, "another kettle", 1, set())
    assert inv.Product.get(sku=s).name == "kettle"


def test_products_by_tag(db: Any) -> None:
    a, b, c = sku(), sku(), sku()
    kitchen, electric = f"kitchen-{a}", f"electric-{a}"  # (tags of this test's own)
    inv.add_product(a, "kettle", 2500, {kitchen, electric})
    inv.add_product(b, "pan", 1800, {kitchen})
    inv.add_product(c, "drill", 9900, {electric})
    assert sorted(p.sku for p in inv.tagged(kitchen)) == sorted([a, b])
    assert sorted(p.sku for p in inv.tagged(electric)) == sorted([a, c])


def test_receive_reserve_ship(db: Any) -> None:
    s = sku()
    inv.add_product(s, "kettle", 2500)
    inv.receive(s, 10, "first delivery")
    assert inv.reserve(s, "order-1", 4)
    assert not inv.reserve(s, "order-1", 1)  # the order holds stock already
    assert (inv.on_hand(s), inv.reserved(s), inv.available(s)) == (10, 4, 6)
    assert inv.ship(s, "order-1") == 4
    assert (inv.on_hand(s), inv.reserved(s), inv.available(s)) == (6, 0, 6)
    assert [m.qty for m in inv.history(s)] == [-4, 10]  # newest first


def test_cannot_reserve_more_than_available(db: Any) -> None:
    s = sku()
    inv.receive(s, 2)
    with pytest.raises(inv.OutOfStock, match="3 wanted, 2 available"):
        inv.reserve(s, "order-9", 3)
    with pytest.raises(inv.OutOfStock, match="holds nothing"):
        inv.ship(s, "order-9")


def test_a_reservation_holds_for_a_while(db: Any) -> None:
    s = sku()
    inv.receive(s, 5)
    inv.reserve(s, "order-2", 5)
    row = inv.Reservation.find(sku=s, order_id="order-2").first()
    assert row is not None and row.qty == 5
    assert inv.available(s) == 0


def test_an_unshipped_reservation_expires(coodie_memory: Any) -> None:
    """Memory only: its clock moves on demand, where a node would need a 15-minute wait."""
    s = sku()
    inv.receive(s, 5)
    inv.reserve(s, "order-3", 5)
    coodie_memory.advance(inv.HOLD_SECONDS - 1)
    assert inv.available(s) == 0
    coodie_memory.advance(1)
    assert inv.available(s) == 5
    with pytest.raises(inv.OutOfStock, match="expired or shipped"):
        inv.ship(s, "order-3")


class AsyncProduct(coodie.aio.Document):
    """The products table through the async API (what an async service of the app uses)."""

    sku: Annotated[str, PrimaryKey()]
    name: str
    price_cents: int
    tags: set[str] = set()

    class Settings:
        name = "products"


async def test_async_code_reads_what_sync_code_wrote(db: Any) -> None:
    """An async test: on the node its driver connects in this test's event loop."""
    s = sku()
    inv.add_product(s, "kettle", 2500)
    found = await AsyncProduct.get(sku=s)
    assert found.name == "kettle"
