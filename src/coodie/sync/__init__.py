"""coodie's blocking API: `from coodie.sync import Document, init_coodie`."""

from __future__ import annotations

from coodie.document import LWTResult as LWTResult
from coodie.expr.columns import Column as Column
from coodie.expr.columns import col as col
from coodie.expr.columns import token as token
from coodie.requests import PagedResult as PagedResult
from coodie.sync.batch import BatchQuery as BatchQuery
from coodie.sync.connection import init_coodie as init_coodie
from coodie.sync.document import CounterDocument as CounterDocument
from coodie.sync.document import Document as Document
from coodie.sync.document import MaterializedView as MaterializedView
from coodie.sync.query import QuerySet as QuerySet
from coodie.sync.raw import create_keyspace as create_keyspace
from coodie.sync.raw import drop_keyspace as drop_keyspace
from coodie.sync.raw import execute_raw as execute_raw
from coodie.sync.raw import sync_all as sync_all
