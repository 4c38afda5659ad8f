"""coodie's asyncio API: `from coodie.aio import Document, init_coodie` (or `from coodie`)."""

from __future__ import annotations

from coodie.aio.batch import AsyncBatchQuery
from coodie.aio.connection import init_coodie
from coodie.aio.document import CounterDocument, Document, MaterializedView
from coodie.aio.query import AsyncQuerySet
from coodie.document import LWTResult
from coodie.expr.columns import Column, col, token
from coodie.requests import PagedResult

BatchQuery = AsyncBatchQuery
QuerySet = AsyncQuerySet

__all__ = [
    "AsyncBatchQuery",
    "AsyncQuerySet",
    "BatchQuery",
    "Column",
    "CounterDocument",
    "Document",
    "LWTResult",
    "MaterializedView",
    "PagedResult",
    "QuerySet",
    "col",
    "init_coodie",
    "token",
]
