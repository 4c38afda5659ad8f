"""coodie's asyncio API: `from coodie.aio import Document, init_coodie` (or `from coodie`).
`BatchQuery` and `QuerySet` are the async classes under their sync names too."""

from __future__ import annotations

from coodie.aio.batch import AsyncBatchQuery as AsyncBatchQuery
from coodie.aio.connection import init_coodie as init_coodie
from coodie.aio.document import CounterDocument as CounterDocument
from coodie.aio.document import Document as Document
from coodie.aio.document import MaterializedView as MaterializedView
from coodie.aio.query import AsyncQuerySet as AsyncQuerySet
from coodie.aio.raw import create_keyspace as create_keyspace
from coodie.aio.raw import drop_keyspace as drop_keyspace
from coodie.aio.raw import execute_raw as execute_raw
from coodie.aio.raw import sync_all as sync_all
from coodie.document import LWTResult as LWTResult
from coodie.expr.columns import Column as Column
from coodie.expr.columns import col as col
from coodie.expr.columns import token as token
from coodie.requests import PagedResult as PagedResult

BatchQuery = AsyncBatchQuery
QuerySet = AsyncQuerySet
