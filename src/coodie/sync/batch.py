"""`with BatchQuery() as batch:` — writes given `batch=batch` run as one BATCH on exit."""

from __future__ import annotations

from types import TracebackType

from coodie.flows import BatchCore
from coodie.sync._run import blocking

__all__ = ["BatchQuery"]


class BatchQuery(BatchCore):
    """A logged (default), unlogged or counter batch. Nothing is sent if the block raises."""

    execute = blocking(BatchCore._flow)

    def __enter__(self) -> BatchQuery:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.execute()
        else:
            self._discard()
