"""`async with AsyncBatchQuery() as batch:` — queued writes run as one BATCH on exit."""

from __future__ import annotations

from coodie.aio._run import awaiting
from coodie.flows import BatchCore

__all__ = ["AsyncBatchQuery"]


class AsyncBatchQuery(BatchCore):
    """A logged (default), unlogged or counter batch. Nothing is sent if the block raises."""

    execute = awaiting(BatchCore._flow)
    __aexit__ = awaiting(BatchCore._exit)

    async def __aenter__(self) -> AsyncBatchQuery:
        return self
