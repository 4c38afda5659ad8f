"""Writes mypy rejects: unknown columns, wrong value types, collection operations that do
not fit the column, and literal if_conditions."""

from __future__ import annotations

from uuid import UUID

from .models import AUser, AViews, Customer, Item, User, Views

u = User(id=UUID(int=1), name="a")
u.update(nme="b")  # E: update(nme=...): User has no column "nme"
u.update(name=3)  # E: update(name=...): expected "str", got "int"
u.update(name=None)  # E: update(name=...): expected "str", got "None"
u.update(add__tags="vip")  # E: update(add__tags=...): expected "AbstractSet[str] | list[str] | tuple[str, ...]", got "str"
u.update(add__tags={1})  # E: Argument 1 to <set> has incompatible type "int"; expected "str"
u.update(append__tags=["x"])  # E: update(append__tags=...): not valid for User.tags ("set[str]"); sets take add__ and remove__
u.update(append__scores=["x"])  # E: List item 0 has incompatible type "str"; expected "int"
u.update(prepend__scores=3)  # E: update(prepend__scores=...): expected "list[int] | tuple[int, ...]", got "int"
u.update(put__meta={"a": 1})  # E: Dict entry 0 has incompatible type "str": "int"; expected "str": "str"
u.update(put__tags={"a": "b"})  # E: update(put__tags=...): not valid for User.tags ("set[str]"); sets take add__ and remove__
u.update(add__price=1.0)  # E: update(add__price=...): not valid for User.price ("float"); only plain assignment applies
u.update(push__tags={"x"})  # E: update(push__tags=...): unknown update prefix "push"
u.update(remove__meta=[1])  # E: List item 0 has incompatible type "int"; expected "str"
u.update(incr__age=1)  # E: update(incr__age=...): not valid for User.age ("int"); counters are changed by increment()/decrement()
u.update(set__age="1")  # E: update(set__age=...): expected "int", got "str"
u.update(if_conditions={"nme": "a"}, age=1)  # E: if_conditions(nme=...): User has no column "nme"
u.update(if_conditions={"age__gt": "1"}, age=1)  # E: if_conditions["age__gt"]: expected "int", got "str"
u.update(if_conditions={"name__like": "a%"}, age=1)  # E: if_conditions(name__like=...): LIKE needs a text column; in IF conditions
u.delete(if_conditions={"price": "x"})  # E: if_conditions["price"]: expected "float", got "str"
u.delete(if_conditions={"pricee": 1.0})  # E: if_conditions(pricee=...): User has no column "pricee"
u.update(ttl="1h", age=1)  # E: No overload variant of "update" of "Document" matches argument types "str", "int"
User.find(name="a").update(agee=3)  # E: update(agee=...): User has no column "agee"
User.find(name="a").update(age="3")  # E: Argument "age" to "update" of "QuerySet" has incompatible type "str"; expected "int"
User.find(name="a").update(add__tags="x")  # E: Argument "add__tags" to "update" of "QuerySet" has incompatible type "str"
User.find(name="a").create(agee=3)  # E: create(agee=...): User has no column "agee"
User.find(name="a").create(price="x")  # E: Argument "price" to "create" of "QuerySet" has incompatible type "str"; expected "float"
Views.increment(url="/", hits="1")  # E: Argument "hits" to "increment" of "CounterDocument" has incompatible type "str"; expected "int"
Views.decrement(url="/", hitz=1)  # E: decrement(hitz=...): Views has no column "hitz"
Views.increment(url=1, hits=1)  # E: Argument "url" to "increment" of "CounterDocument" has incompatible type "int"; expected "str"
Item(sku="a").update(put__attrs={"a": "b"})  # E: Dict entry 0 has incompatible type "str": "str"; expected "str": "int"
Item(sku="a").update(append__sizes=["1"])  # E: List item 0 has incompatible type "str"; expected "int"


async def main() -> None:
    a = AUser(id=UUID(int=1), name="a")
    await a.update(nme="b")  # E: update(nme=...): AUser has no column "nme"
    await a.update(append__tags=[1])  # E: List item 0 has incompatible type "int"; expected "str"
    await a.update(add__tags={"x"})  # E: update(add__tags=...): not valid for AUser.tags ("list[str]"); lists take append__, prepend__ and remove__
    await AUser.find(name="a").update(price="x")  # E: Argument "price" to "update" of "AsyncQuerySet" has incompatible type "str"; expected "float"
    await AViews.increment(url="/", hits=1.5)  # E: Argument "hits" to "increment" of "CounterDocument" has incompatible type "float"; expected "int"
    await a.delete(if_conditions={"tags__contains": 1})  # E: if_conditions["tags__contains"]: expected "str", got "int"

c = Customer(id=UUID(int=3))
c.update(home__zip="x")  # E: update(home__zip=...): expected "int", got "str"
c.update(tags__add={1})  # E: Argument 1 to <set> has incompatible type "int"; expected "str"
Customer.find().order_by_ann(Customer.home, [1.0])  # E: Argument 1 to "order_by_ann" of "QuerySetCore" has incompatible type
Customer.home.city.set(3)  # E: Argument 1 to "set" of "FieldColumn" has incompatible type "int"; expected "str"
Customer.home.zip == "x"  # E: Unsupported operand types for == ("FieldColumn[int]" and "str")
Customer.home.town  # E: "Column[Address | None]" has no field "town"; fields are: city, zip
Customer.tags.city  # E: "Column[set[str]]" has no attribute "city"
Customer.find(Customer.home.city == "Oslo")  # E: home.city: CQL cannot restrict one field of a user-defined type in WHERE
u.update(name="b", consistency=1.5)  # E: No overload variant of "update" of "Document" matches argument types "str", "float"
