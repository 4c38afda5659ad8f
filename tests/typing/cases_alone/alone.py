"""coodie.mypy without pydantic.mypy: inherited fields stay columns, kwargs are checked."""

from __future__ import annotations

from uuid import UUID

from typing_extensions import reveal_type

from .models import Admin, AUser, Event, Place, User

u = User(id=UUID(int=1), name="a")
reveal_type(User.price)  # R: coodie.expr.columns.Column[float]
reveal_type(Admin.price)  # R: coodie.expr.columns.Column[float]
reveal_type(Admin.name)  # R: coodie.expr.columns.Column[str]
reveal_type(Admin.level)  # R: coodie.expr.columns.Column[int]
reveal_type(Admin.tags)  # R: coodie.expr.columns.Column[set[str]]
reveal_type(Event.day)  # R: coodie.expr.columns.Column[datetime.date]
reveal_type(u.price)  # R: float
reveal_type(Admin.find(Admin.price > 2, level=3).all())  # R: list[tests.typing.cases_alone.models.Admin]
reveal_type(u.update(if_exists=True, name="b"))  # R: coodie.document.LWTResult
Admin.find(Admin.price > 2)  # OK
Admin.find(price__gt=2, name="a", level__in=[1])  # OK
Admin.find(price__gt="x")  # E: Argument "price__gt" to "find" of "Document" has incompatible type "str"; expected "float"
Admin.find(nme="a")  # E: find(nme=...): Admin has no column "nme"
Admin.price > "x"  # E: Unsupported operand types for > ("Column[float]" and "str")
User.find(Admin.level > 1)  # E: Admin.level is a column of Admin, not of User
u.update(add__tags="x")  # E: update(add__tags=...): expected
Admin.pricee  # E: "type[Admin]" has no attribute "pricee"


# a field of a UDT column, without pydantic's plugin too
reveal_type(Place.spot.city)  # R: coodie.expr.columns.FieldColumn[str]
Place(id=u.id).update(**Place.spot.zip.set(3))  # OK
Place.spot.zip.set("x")  # E: Argument 1 to "set" of "FieldColumn" has incompatible type "str"; expected "int"
Place.spot.town  # E: has no field "town"; fields are: city, zip
Place.find(Place.spot.zip == 3)  # E: spot.zip: CQL cannot restrict one field of a user-defined type in WHERE

async def main() -> None:
    reveal_type(await AUser.get(id=u.id))  # R: tests.typing.cases_alone.models.AUser
    AUser.find(tags__contains=1)  # E: Argument "tags__contains" to "find" of "Document" has incompatible type "int"; expected "str"
