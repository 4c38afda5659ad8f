"""Conditions mypy accepts: no false positives."""

from __future__ import annotations

from typing_extensions import reveal_type

from coodie.expr.columns import col, token

from .models import Admin, Event, Item, User

User.find(3 == User.price)  # OK: reversed, Python asks the column
User.find(10 < User.price)  # OK
User.find(10 >= User.age)  # OK
User.find(2.5 == User.price, "a" == User.name)  # OK
reveal_type(3 == User.price)  # R: coodie.expr.nodes.Compare
reveal_type(10 < User.price)  # R: coodie.expr.nodes.Compare
reveal_type((User.price > 1) & (User.price < 10))  # R: coodie.expr.nodes.And
User.find((User.price > 1) & (User.price < 10))  # OK: the AND of CQL
User.find(User.price > 1, User.price < 10)  # OK
Item.find(Item.labels.contains("a"))  # OK: contains() on Optional[frozenset[str]]
Item.find(Item.sizes.contains(3))  # OK: contains() on Optional[list[int]]
Item.find(Item.labels.contains("a"), Item.sizes.contains(3))  # OK
Item.find(Item.attrs.contains(1), Item.attrs.contains_key("k"))  # OK
Item.find(Item.stock.in_([1, 2]))  # OK
Admin.find(User.price > 1)  # OK: a column of a base model
Admin.find(Admin.level > 1, Admin.name == "a")  # OK
Event.find(token(Event.tenant) > 5)  # OK
User.find(col(User.price) > 3)  # OK
User.find(col(User, "price") > 3)  # OK
User.find().order_by("-price", "+age", "name")  # OK
User.find().order_by(User.price.desc(), User.age.asc())  # OK
User.find().only("name", User.age)  # OK
User.find(User.note == "x")  # OK: an Optional column compared with a value
User.find(User.name.like("a%"), User.note.like("b%"))  # OK
conds = [User.price > 1, User.age < 3]
User.find(*conds)  # OK
ok = User.find(User.name == "a") if conds else None  # OK: the list is the test, not a condition
flag = bool(conds) and len(conds) > 1  # OK
User.find(User.tags.contains("a"), User.meta.contains_key("k"))  # OK
