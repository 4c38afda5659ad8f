"""Kwargs lookups mypy rejects: unknown columns and lookups, values of the wrong type."""

from __future__ import annotations

from uuid import UUID

from .models import AUser, Event, Item, User

uid = UUID(int=1)
User.find(nme="x")  # E: find(nme=...): User has no column "nme"
User.find(price__gtt=3)  # E: find(price__gtt=...): unknown lookup "gtt" on User.price
User.find(price__gt="x")  # E: Argument "price__gt" to "find" of "Document" has incompatible type "str"; expected "float"
User.find(id="not-a-uuid")  # E: Argument "id" to "find" of "Document" has incompatible type "str"; expected "UUID"
User.find(tags__contains=1)  # E: Argument "tags__contains" to "find" of "Document" has incompatible type "int"; expected "str"
User.find(id__in=["a"])  # E: List item 0 has incompatible type "str"; expected "UUID"
User.find(name=None)  # E: Argument "name" to "find" of "Document" has incompatible type "None"; expected "str"
User.find(note=None)  # E: Argument "note" to "find" of "Document" has incompatible type "None"; expected "str"
User.find(price__contains=1.0)  # E: find(price__contains=...): CONTAINS needs a list, set or map column; User.price is "float"
User.find(tags__contains_key="a")  # E: find(tags__contains_key=...): CONTAINS KEY needs a map column; User.tags is "set[str]"
User.find(age__like="1%")  # E: find(age__like=...): LIKE needs a text column; User.age is "int"
User.find(name__like=3)  # E: Argument "name__like" to "find" of "Document" has incompatible type "int"; expected "str"
User.find(meta__contains_key=1)  # E: Argument "meta__contains_key" to "find" of "Document" has incompatible type "int"; expected "str"
User.find(meta__contains=1)  # E: Argument "meta__contains" to "find" of "Document" has incompatible type "int"; expected "str"
User.find(scores__contains="1")  # E: Argument "scores__contains" to "find" of "Document" has incompatible type "str"; expected "int"
User.find(age__in=[1.5])  # E: List item 0 has incompatible type "float"; expected "int"
User.find(age__lte="3")  # E: Argument "age__lte" to "find" of "Document" has incompatible type "str"; expected "int"
User.find(price__gte=None)  # E: Argument "price__gte" to "find" of "Document" has incompatible type "None"; expected "float"
User.find(id__token__gt="0")  # E: Argument "id__token__gt" to "find" of "Document" has incompatible type "str"; expected "int"
User.find(id__token__gtt=0)  # E: find(id__token__gtt=...): unknown token lookup "gtt"
User.find(price__eq="1")  # E: Argument "price__eq" to "find" of "Document" has incompatible type "str"; expected "float"
User.find(name="a").filter(agee=3)  # E: filter(agee=...): User has no column "agee"
User.find(name="a").filter(age="3")  # E: Argument "age" to "filter" of "QuerySetCore" has incompatible type "str"; expected "int"
User.get(nme="x")  # E: get(nme=...): User has no column "nme"
User.get(id=1)  # E: Argument "id" to "get" of "Document" has incompatible type "int"; expected "UUID"
User.find_one(price__lt="x")  # E: Argument "price__lt" to "find_one" of "Document" has incompatible type "str"; expected "float"
User.find_one(name__startswith="a")  # E: find_one(name__startswith=...): unknown lookup "startswith" on User.name
Event.find(day="2024-01-01")  # E: Argument "day" to "find" of "Document" has incompatible type "str"; expected "date"
Event.find(tenant="t", kind__in="abc")  # E: Argument "kind__in" to "find" of "Document" has incompatible type "str"
Item.find(labels__contains=1)  # E: Argument "labels__contains" to "find" of "Document" has incompatible type "int"; expected "str"
Item.find(attrs__contains_key=1)  # E: Argument "attrs__contains_key" to "find" of "Document" has incompatible type "int"; expected "str"


async def main() -> None:
    AUser.find(nme="x")  # E: find(nme=...): AUser has no column "nme"
    await AUser.get(price="x")  # E: Argument "price" to "get" of "Document" has incompatible type "str"; expected "float"
    await AUser.find_one(tags__contains=3)  # E: Argument "tags__contains" to "find_one" of "Document" has incompatible type "int"; expected "str"
    await AUser.find().filter(name__gt=1).all()  # E: Argument "name__gt" to "filter" of "QuerySetCore" has incompatible type "int"; expected "str"
    AUser.find(id=uid, namee="a")  # E: find(namee=...): AUser has no column "namee"
