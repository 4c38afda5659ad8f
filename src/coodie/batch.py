"""The batch classes under the import path coodie 1.9 code uses: `from coodie.batch import BatchQuery`.

`BatchQuery` here is the blocking one (as in `coodie.sync`); `AsyncBatchQuery` the asyncio one.
"""

from __future__ import annotations

from coodie.aio.batch import AsyncBatchQuery
from coodie.flows import BatchCore
from coodie.sync.batch import BatchQuery

__all__ = ["AsyncBatchQuery", "BatchCore", "BatchQuery"]
