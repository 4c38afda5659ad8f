from __future__ import annotations

from uuid import UUID

from .models import AUser


async def main() -> None:
    u = AUser(id=UUID(int=1), name="a")
    AUser.find(AUser.price == "x")  # E: Unsupported operand types for == ("Column[float]" and "str")
    AUser.tags.contains(1)  # E: Argument 1 to "contains" of "Column" has incompatible type "int"; expected "str"
    x: AUser = AUser.get(id=u.id)  # E: Incompatible types in assignment (expression has type "Coroutine[Any, Any, AUser]", variable has type "AUser")
    docs: list[AUser] = AUser.find().all()  # E: Incompatible types in assignment (expression has type "Coroutine[Any, Any, list[AUser]]"
    u.save()  # E: Value of type "Coroutine[Any, Any, None]" must be used
    for d in AUser.find():  # E: "AsyncQuerySet[AUser]" has no attribute "__iter__"
        pass
