"""coodie's blocking API: `from coodie.sync import Document, init_coodie`."""

from __future__ import annotations

from coodie.document import LWTResult
from coodie.expr.columns import Column, col, token
from coodie.requests import PagedResult
from coodie.sync.batch import BatchQuery
from coodie.sync.connection import init_coodie
from coodie.sync.document import CounterDocument, Document, MaterializedView
from coodie.sync.query import QuerySet

__all__ = [
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
