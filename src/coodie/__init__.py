"""coodie: a Pydantic v2 ODM for Apache Cassandra and ScyllaDB.

`import coodie` gives the asyncio flavour (as `coodie.aio`); `coodie.sync` is the
blocking one. Both share one core: the same models, fields and queries.
"""

from __future__ import annotations

from coodie.aio import (
    AsyncBatchQuery,
    AsyncQuerySet,
    BatchQuery,
    Column,
    CounterDocument,
    Document,
    LWTResult,
    MaterializedView,
    PagedResult,
    QuerySet,
    col,
    init_coodie,
    token,
)
from coodie.exceptions import (
    ConfigurationError,
    CoodieError,
    DocumentNotFound,
    InvalidQueryError,
    MultipleDocumentsFound,
)

__version__ = "0.1.0"

__all__ = [
    "AsyncBatchQuery",
    "AsyncQuerySet",
    "BatchQuery",
    "Column",
    "ConfigurationError",
    "CoodieError",
    "CounterDocument",
    "Document",
    "DocumentNotFound",
    "InvalidQueryError",
    "LWTResult",
    "MaterializedView",
    "MultipleDocumentsFound",
    "PagedResult",
    "QuerySet",
    "col",
    "init_coodie",
    "token",
]
