"""pyright --strict on the col() spelling: clean, and results typed."""

from __future__ import annotations

import asyncio
from uuid import UUID

from typing_extensions import reveal_type

from coodie.expr.columns import col, token

from .models import Admin, AUser, Place, User, Views

uid = UUID(int=1)
u = User(id=uid, name="a")  # OK
a = Admin(id=uid, name="a", level=2, price=3)  # OK
reveal_type(col(User.price))  # R: Column[float]
reveal_type(col(User.tags))  # R: Column[set[str]]
reveal_type(col(User.note))  # R: Column[str | None]
reveal_type(col(Admin.level))  # R: Column[int]
reveal_type(col(User.price) > 3)  # R: Compare
reveal_type(3 < col(User.price))  # R: Compare
reveal_type(col(User.price) == 2.5)  # R: Compare
reveal_type((col(User.price) > 1) & (col(User.age) < 3))  # R: And
reveal_type(col(User.tags).contains("x"))  # R: Compare
reveal_type(col(User.labels).contains("x"))  # R: Compare
reveal_type(col(User.meta).contains_key("k"))  # R: Compare
reveal_type(col(User.name).like("a%"))  # R: Compare
reveal_type(col(User.price).desc())  # R: Ordering
reveal_type(col(User, "price"))  # R: Column[Any]
reveal_type(token(col(User.id)) > 3)  # R: TokenCompare
reveal_type(User.find(col(User.price) > 3))  # R: QuerySet[User]
reveal_type(User.find(col(User.price) > 3).all())  # R: list[User]
reveal_type(User.find(name="a").first())  # R: User | None
reveal_type(User.find(name="a").get())  # R: User
reveal_type(User.find().count())  # R: int
reveal_type(User.find().paged_all().documents)  # R: list[User]
reveal_type(User.find(name="a").update(age=3))  # R: int
reveal_type(User.find(name="a").create(id=uid))  # R: User
reveal_type(User.find(name="a").delete())  # R: int | None
reveal_type(User.get(id=uid))  # R: User
reveal_type(User.find_one(col(User.name) == "a"))  # R: User | None
reveal_type(Admin.find().limit(3).all())  # R: list[Admin]
reveal_type([d for d in User.find()])  # R: list[User]
reveal_type(u.insert())  # R: LWTResult
reveal_type(u.update(if_exists=True, name="b"))  # R: LWTResult
reveal_type(u.update(if_conditions={"name": "a"}, age=1))  # R: LWTResult
reveal_type(u.update(name="b"))  # R: LWTResult | None
reveal_type(u.delete(if_exists=True))  # R: LWTResult
reveal_type(u.delete())  # R: LWTResult | None
reveal_type(Views.increment(url="/", hits=1))  # R: None
reveal_type(u.price)  # R: float
User.find().order_by(col(User.price).desc(), "-age").only("name", col(User.age))  # OK
u.save(ttl=5)  # OK


async def main() -> None:
    au = AUser(id=uid, name="a")  # OK
    reveal_type(await AUser.get(id=uid))  # R: AUser
    reveal_type(await AUser.find(col(AUser.price) > 1).all())  # R: list[AUser]
    reveal_type(await AUser.find().first())  # R: AUser | None
    reveal_type(await au.update(if_exists=True, name="b"))  # R: LWTResult
    reveal_type(await au.delete())  # R: LWTResult | None
    got = await asyncio.gather(AUser.get(id=uid), AUser.find().all())  # OK
    reveal_type(got)  # R: tuple[AUser, list[AUser]]
    reveal_type([d async for d in AUser.find()])  # R: list[AUser]

# a field of a UDT column: col() of it is typed by the field; set() is the update keyword
p = Place(id=uid)  # OK
reveal_type(col(Place.spot.city))  # R: Column[str]
reveal_type(col(Place.spot.city) == "Oslo")  # R: Compare
reveal_type(col(Place.spot.city).set("Oslo"))  # R: dict[str, Any]
p.update(**col(Place.spot.zip).set(3))  # OK
p.update(if_conditions=[col(Place.spot.city) == "Oslo"], **col(Place.spot.zip).set(1))  # OK
reveal_type(col(Place, "maybe.city"))  # R: Column[Any]
