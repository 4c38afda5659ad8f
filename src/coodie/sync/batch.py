"""`with BatchQuery() as batch:` — writes given `batch=batch` run as one BATCH on exit."""

from __future__ import annotations

from coodie.flows import BatchCore
from coodie.sync._run import blocking

__all__ = ["BatchQuery"]


class BatchQuery(BatchCore):
    """A logged (default), unlogged or counter batch. Nothing is sent if the block raises."""

    execute = blocking(BatchCore._flow)
    __exit__ = blocking(BatchCore._exit)

    def __enter__(self) -> BatchQuery:
        return self
