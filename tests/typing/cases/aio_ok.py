from __future__ import annotations

from uuid import UUID

from typing_extensions import reveal_type

from coodie.aio import AsyncBatchQuery

from .models import AUser


async def main() -> None:
    u = AUser(id=UUID(int=1), name="a")
    reveal_type(AUser.price)  # R: coodie.expr.columns.Column[float]
    reveal_type(u.price)  # R: float
    reveal_type(AUser.find(AUser.price > 2))  # R: coodie.aio.query.AsyncQuerySet[tests.typing.cases.models.AUser]
    reveal_type(await AUser.find(name="a").all())  # R: list[tests.typing.cases.models.AUser]
    reveal_type(await AUser.find(AUser.tags.contains("x")).first())  # R: tests.typing.cases.models.AUser | None
    reveal_type(await AUser.get(id=u.id))  # R: tests.typing.cases.models.AUser
    pending = AUser.get(id=u.id)
    _ = reveal_type(pending)  # R: typing.Coroutine[Any, Any, tests.typing.cases.models.AUser]
    pending.close()
    reveal_type(await u.insert())  # R: coodie.document.LWTResult
    reveal_type(await u.update(name="b"))  # R: coodie.document.LWTResult | None
    reveal_type(await AUser.find().count())  # R: int
    reveal_type([d async for d in AUser.find(name="a")])  # R: list[tests.typing.cases.models.AUser]
    async with AsyncBatchQuery() as b:
        await u.save(batch=b)
