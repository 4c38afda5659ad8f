"""Writes mypy accepts, and the result types of conditional writes."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from typing_extensions import reveal_type

from coodie.aio import AsyncBatchQuery
from coodie.sync import BatchQuery

from .models import AUser, AViews, Customer, Item, User, Views

u = User(id=UUID(int=1), name="a")
u.update(name="b", age=3)  # OK
u.update(price=3)  # OK: an int for a float
u.update(note=None)  # OK: an Optional column takes None
u.update(add__tags={"a"}, remove__tags=["b"])  # OK
u.update(append__scores=[1], prepend__scores=(2,))  # OK
u.update(remove__scores=[3])  # OK
u.update(put__meta={"a": "b"}, remove__meta={"c"})  # OK
u.update(remove__meta="c")  # OK: one key
u.update(set__age=4)  # OK
u.update(name="b", ttl=60, timestamp=1)  # OK
u.update(name="b", consistency="QUORUM", serial_consistency="LOCAL_SERIAL")  # OK
u.save(consistency="ONE")  # OK
u.delete(if_exists=True, serial_consistency="SERIAL")  # OK
User.find(name="a").consistency("ONE").serial_consistency("SERIAL").first()  # OK
conds: dict[str, Any] = {"name": "a"}
u.update(if_conditions=conds, age=1)  # OK: a mapping that is not a literal is not checked
u.update(if_conditions={"age__gt": 1, "name__in": ["a", "b"]}, age=2)  # OK
Item(sku="a").update(put__attrs={"a": 1}, append__sizes=[1])  # OK
Item(sku="a").update(labels=frozenset({"a"}), attrs=None)  # OK
User.find(name="a").update(age=3, add__tags={"x"})  # OK
User.find(name="a").create(id=u.id, age=3)  # OK
Views.increment(url="/", hits=2)  # OK
Views.decrement(url="/", hits=1)  # OK
reveal_type(u.update(if_exists=True, name="b"))  # R: coodie.document.LWTResult
reveal_type(u.update(if_conditions={"name": "a"}, age=1))  # R: coodie.document.LWTResult
reveal_type(u.update(name="b"))  # R: coodie.document.LWTResult | None
reveal_type(u.delete(if_exists=True))  # R: coodie.document.LWTResult
reveal_type(u.delete(if_conditions={"age": 3}))  # R: coodie.document.LWTResult
reveal_type(u.delete())  # R: coodie.document.LWTResult | None
reveal_type(u.update(if_exists=True, name="c").applied)  # R: bool
reveal_type(User.find(name="a").create(id=u.id))  # R: tests.typing.cases.models.User
reveal_type(User.find(name="a").delete())  # R: int | None
with BatchQuery() as b:
    reveal_type(u.update(if_exists=True, name="d", batch=b))  # R: coodie.document.LWTResult | None


async def main() -> None:
    a = AUser(id=UUID(int=1), name="a")
    await a.update(append__tags=["x"], price=1)  # OK
    await AViews.increment(url="/", hits=1)  # OK
    reveal_type(await a.update(if_exists=True, name="b"))  # R: coodie.document.LWTResult
    reveal_type(await a.delete(if_exists=True))  # R: coodie.document.LWTResult
    reveal_type(await a.update(name="b"))  # R: coodie.document.LWTResult | None
    reveal_type(await AUser.find(name="a").update(price=2.0))  # R: int
    got = await asyncio.gather(AUser.get(id=a.id), AUser.find().all(), AUser.find().count())
    reveal_type(got)  # R: tuple[tests.typing.cases.models.AUser, list[tests.typing.cases.models.AUser], int]
    async with AsyncBatchQuery() as b:
        await a.update(name="c", batch=b)  # OK

# one field of a user-defined type; coodie 1.9's column-first spellings
c = Customer(id=UUID(int=3))
c.update(home__city="Oslo", home__zip=150)  # OK
c.update(tags__add={"a"}, items__append=[1], meta__update={"k": 1})  # OK
c.update(meta__put=("k", 2), items__setindex=(0, 5))  # OK
Customer.find().order_by_ann(Customer.emb, [1.0, 0.0]).limit(3)  # OK

# a field of a UDT column is a typed column: set() for update(), comparisons for IF
reveal_type(Customer.home.city)  # R: coodie.expr.columns.FieldColumn[str]
reveal_type(Customer.home.zip == 150)  # R: coodie.expr.nodes.Compare
c.update(**Customer.home.city.set("Bergen"))  # OK
c.update(if_conditions=[Customer.home.city == "Oslo"], **Customer.home.zip.set(1))  # OK
Customer.find(id=c.id).update(if_conditions=[Customer.home.zip > 3], home__zip=1)  # OK
reveal_type(c.update(if_conditions=Customer.home.city == "Oslo", home__zip=1))  # R: coodie.document.LWTResult
