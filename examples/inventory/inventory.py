"""A small stock-keeping app on coodie, written to show how its tests use coodie's pytest
plugin (test_inventory.py): each test runs once on the in-memory driver and once on a
real Cassandra node.

Products by SKU (added once: INSERT ... IF NOT EXISTS), stock moves per product newest
first, and reservations that hold stock for a while (a TTL) and are taken once (LWT).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from coodie.exceptions import CoodieError
from coodie.fields import ClusteringKey, PrimaryKey, TimeUUID
from coodie.sync import Document

HOLD_SECONDS = 15 * 60  # a reservation holds stock for 15 minutes


class Product(Document):
    sku: Annotated[str, PrimaryKey()]
    name: str
    price_cents: int
    tags: set[str] = set()

    class Settings:
        name = "products"


class Move(Document):
    sku: Annotated[str, PrimaryKey()]
    # a timeuuid, not the time: two moves in one millisecond are two rows, newest first
    id: Annotated[uuid.UUID, TimeUUID(), ClusteringKey(order="DESC")]
    qty: int  # received: positive; shipped: negative
    note: str = ""

    class Settings:
        name = "stock_moves"


class Reservation(Document):
    sku: Annotated[str, PrimaryKey()]
    order_id: Annotated[str, ClusteringKey()]
    qty: int

    class Settings:
        name = "reservations"


class OutOfStock(CoodieError):
    """Shipping or reserving more than is available."""


def add_product(sku: str, name: str, price_cents: int, tags: set[str] | None = None) -> bool:
    """Add a product; False if the SKU exists already (the existing one is kept)."""
    product = Product(sku=sku, name=name, price_cents=price_cents, tags=tags or set())
    return bool(product.insert())  # INSERT ... IF NOT EXISTS


def tagged(tag: str) -> list[Product]:
    """The products with `tag` (a filter over the table: fine for a small catalogue)."""
    return Product.find(Product.tags.contains(tag)).allow_filtering().all()


def receive(sku: str, qty: int, note: str = "") -> None:
    Move(sku=sku, id=uuid.uuid1(), qty=qty, note=note).save()


def on_hand(sku: str) -> int:
    return sum(m.qty for m in Move.find(sku=sku).all())


def reserved(sku: str) -> int:
    return sum(r.qty for r in Reservation.find(sku=sku).all())


def available(sku: str) -> int:
    return on_hand(sku) - reserved(sku)


def reserve(sku: str, order_id: str, qty: int) -> bool:
    """Hold `qty` for an order for HOLD_SECONDS; False if the order holds some already."""
    if qty > available(sku):
        raise OutOfStock(f"{sku}: {qty} wanted, {available(sku)} available")
    hold = Reservation(sku=sku, order_id=order_id, qty=qty)
    return bool(hold.insert(ttl=HOLD_SECONDS))  # IF NOT EXISTS, expiring


def ship(sku: str, order_id: str) -> int:
    """Ship an order's reservation: a negative move, and the reservation is gone."""
    hold = Reservation.find(sku=sku, order_id=order_id).first()
    if hold is None:
        raise OutOfStock(f"{sku}: order {order_id} holds nothing (expired or shipped)")
    Move(sku=sku, id=uuid.uuid1(), qty=-hold.qty, note=f"order {order_id}").save()
    hold.delete()
    return hold.qty


def history(sku: str, n: int = 10) -> list[Move]:
    """The latest `n` moves, newest first (the clustering order)."""
    return Move.find(sku=sku).limit(n).all()
