"""Kwargs lookups mypy accepts (no message on these lines)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from typing_extensions import reveal_type

from .models import Admin, AUser, Event, Item, User

uid = UUID(int=1)
ids: list[UUID] = [uid]
User.find(name="a")  # OK
User.find(price__gt=3)  # OK: an int where a float is expected
User.find(price__gt=3.5, price__lte=10)  # OK
User.find(id=uid)  # OK
User.find(id__in=ids)  # OK
User.find(id__in=(uid,))  # OK
User.find(id__in={uid})  # OK
User.find(tags__contains="vip")  # OK
User.find(scores__contains=3)  # OK
User.find(meta__contains_key="env", meta__contains="prod")  # OK
User.find(name__like="Al%")  # OK
User.find(note="x")  # OK: an Optional column matched by a value
User.find(note__like="x%")  # OK
User.find(id__token__gt=0, id__token__lte=100)  # OK
User.find(id__token=5)  # OK
User.find(name__eq="a")  # OK
User.find(User.price > 1, name="a")  # OK
Admin.find(level__gte=2, name="a")  # OK: inherited and own fields
Event.find(tenant="t", day__gte=dt.date(2024, 1, 1))  # OK
Item.find(labels__contains="a", sizes__contains=3, attrs__contains_key="k")  # OK
Item.find(attrs__contains=1)  # OK
filters: dict[str, object] = {"name": "a"}
User.find(**filters)  # OK: an unpacked mapping is left unchecked
User.find(User.age > 1, **{"name": "a"})  # OK
User.find(name__in=["a", "b"], age__in=[1, 2])  # OK
reveal_type(User.find(name="a").filter(age__lt=3).all())  # R: list[tests.typing.cases.models.User]
reveal_type(User.get(id=uid))  # R: tests.typing.cases.models.User
reveal_type(User.find_one(name="a"))  # R: tests.typing.cases.models.User | None
reveal_type(Admin.find(level=3).first())  # R: tests.typing.cases.models.Admin | None


async def main() -> None:
    reveal_type(await AUser.get(id=uid))  # R: tests.typing.cases.models.AUser
    reveal_type(await AUser.find(tags__contains="x").all())  # R: list[tests.typing.cases.models.AUser]
    reveal_type(await AUser.find_one(price__gt=1))  # R: tests.typing.cases.models.AUser | None
