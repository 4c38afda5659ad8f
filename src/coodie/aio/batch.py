"""`async with AsyncBatchQuery() as batch:` — queued writes run as one BATCH on exit."""

from __future__ import annotations

from types import TracebackType

from coodie.aio._run import awaiting
from coodie.flows import BatchCore

__all__ = ["AsyncBatchQuery"]


class AsyncBatchQuery(BatchCore):
    """A logged (default), unlogged or counter batch. Nothing is sent if the block raises."""

    execute = awaiting(BatchCore._flow)

    async def __aenter__(self) -> AsyncBatchQuery:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            await self.execute()
        else:
            self._discard()
