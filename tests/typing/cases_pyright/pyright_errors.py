"""What pyright --strict catches without a plugin (kwargs lookups are not checked)."""

from __future__ import annotations

from uuid import UUID

from coodie.expr.columns import col

from .models import AUser, Place, User

uid = UUID(int=1)
User(id=uid, nme="a")  # E: No parameter named "nme"
User(id="x", name="a")  # E: "Literal['x']" is not assignable to "UUID"
User(id=uid)  # E: Argument missing for parameter "name"
User(id=uid, name="a", price="x")  # E: "Literal['x']" is not assignable to "float"
User(id=uid, name="a", tags=["x"])  # E: is not assignable to "set[str]"
c1 = col(User.price) > "x"  # E: Operator ">" not supported for types "Column[float]" and "Literal['x']"
c2 = col(User.age) <= 1.5  # E: Operator "<=" not supported for types "Column[int]" and "float"
c3 = col(User.tags).contains(1)  # E: "Literal[1]" is not assignable to "str"
c4 = col(User.meta).contains_key(1)  # E: "Literal[1]" is not assignable to "str"
c5 = col(User.price).like("a%")  # E: Cannot access attribute "like" for class "Column[float]"
c6 = col(User.price).in_(["a"])  # E: is not assignable to
c7 = col(User.price).contains(1.0)  # E: Cannot access attribute "contains" for class "Column[float]"
User.find(User.price > 3)  # E: "bool" is not assignable to "Expr"
User.find(True)  # E: "Literal[True]" is not assignable to "Expr"
n: int = User.find().all()  # E: "list[User]" is not assignable to "int"
s: str = User.get(id=uid).age  # E: "int" is not assignable to "str"
User.find().limit("3")  # E: "Literal['3']" is not assignable to "int"
User(id=uid, name="a").save(ttl="1h")  # E: Argument of type "Literal['1h']" cannot be assigned to parameter "ttl" of type "int | None"
x = User.pricee  # E: Cannot access attribute "pricee" for class "type[User]"
User.find(col(User.name).like(3))  # E: "Literal[3]" is not assignable to "str"


async def main() -> None:
    au = AUser(id=uid, name="a")
    got: AUser = AUser.get(id=uid)  # E: "CoroutineType[Any, Any, AUser]" is not assignable to "AUser"
    au.save()  # E: Result of async function call is not used
    for _ in AUser.find():  # E: "AsyncQuerySet[AUser]" is not iterable
        pass


# kwargs are **Any to pyright: none of these is caught (the runtime refuses each)
User.find(nme="x")  # MISS: unknown column in a lookup
User.find(price__gt="x")  # MISS: a value of the wrong type in a lookup
User.find(price__gtt=3)  # MISS: unknown lookup
User(id=uid, name="a").update(add__tags="x")  # MISS: a str for a set operation
User(id=uid, name="a").update(nme="b")  # MISS: unknown column in an update
User.find(col(AUser.name) == "x")  # MISS: a column of another model
c8 = col(User.price) > 3 and col(User.age) < 2  # MISS: a condition used as a truth value
c9 = col(Place.spot.city) > 3  # E: Operator ">" not supported for types "Column[str]" and "Literal[3]"
c10 = col(Place.spot.zip).set("x")  # E: "Literal['x']" is not assignable to "int"
c11 = col(Place.spot.town)  # E: Cannot access attribute "town" for class "Spot"
