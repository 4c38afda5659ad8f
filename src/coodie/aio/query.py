"""The asyncio QuerySet: each terminal method awaits a core flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeVar

from coodie.aio._run import operation
from coodie.document import DocumentCore, IfConditions
from coodie.explain import Explanation
from coodie.expr.columns import Column
from coodie.query import QuerySetCore
from coodie.registry import get_driver
from coodie.requests import PagedResult, Request
from coodie.tracing import Trace

__all__ = ["AsyncQuerySet", "QuerySet"]

D = TypeVar("D", bound=DocumentCore)


class AsyncQuerySet(QuerySetCore[D]):
    """A lazy, immutable query; `await qs.all()`, `async for doc in qs` run it."""

    __slots__ = ()

    if TYPE_CHECKING:
        # The same methods as declared to checkers: pyright does not bind the QuerySet's
        # type parameter through awaiting() (mypy does), and results would be Unknown.
        async def all(self) -> list[D]: ...
        async def first(self) -> D | None: ...
        async def trace(self) -> Trace[D]: ...
        async def get(self) -> D: ...
        async def count(self) -> int: ...
        async def paged_all(
            self, paging_state: str | None = None, page_size: int | None = None
        ) -> PagedResult[D]: ...
        async def create(self, /, **kwargs: Any) -> D: ...
        # (with if_conditions, or after if_exists(), the result is an LWTResult: see
        # docs/coming-from-1.9.md; declared int here so coodie's mypy plugin checks the values)
        async def update(
            self, /, *, if_conditions: IfConditions | None = None, **kwargs: Any
        ) -> int: ...
        async def delete(self, /, *, if_conditions: IfConditions | None = None) -> int | None: ...
        async def exists(self) -> bool: ...
        async def values_list(self, *names: str | Column[Any], flat: bool = False) -> list[Any]: ...
        async def page(self, paging_state: str | None = None) -> PagedResult[D]: ...
        async def explain(self, analyze: bool = False) -> Explanation: ...
    else:
        all = operation(QuerySetCore._all)
        """Run the query; a list of documents."""
        first = operation(QuerySetCore._first)
        """The first matching document, or None."""
        trace = operation(QuerySetCore._trace)
        """Run the query (one page) traced: a `Trace` of its documents and of what the
        server recorded (coordinator, consistency level, duration, events)."""
        get = operation(QuerySetCore._get)
        """The one matching document; `DocumentNotFound` or `MultipleDocumentsFound` otherwise."""
        count = operation(QuerySetCore._count)
        """`SELECT COUNT(*)` of the matching rows."""
        paged_all = operation(QuerySetCore._paged)
        """One page: a `PagedResult` with `.documents` and `.paging_state` (None on the last page)."""
        create = operation(QuerySetCore._create)
        """Insert a document built from the query's equalities and `values`."""
        update = operation(QuerySetCore._update)
        """Update the matching rows by primary key; returns how many rows were written."""
        delete = operation(QuerySetCore._delete)
        """Delete the matching rows; how many (None for a single partition or range DELETE)."""
        exists = operation(QuerySetCore._exists)
        values_list = operation(QuerySetCore._values_list)
        page = operation(QuerySetCore._page)
        explain = operation(QuerySetCore._explain)
        """How the server runs this query and what it costs (no server needed);
        `explain(analyze=True)` runs it with the server's tracing and adds what it reports."""

    async def __aiter__(self) -> AsyncIterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        driver = get_driver(self._driver_name())
        request: Request | None = self._select_request(driver)
        while request is not None:
            page = await driver.execute_async(request)
            for doc in self._model._from_rows(request.compiled.columns, page.rows):
                yield doc
            request = request.next_page(page.paging_state)


QuerySet = AsyncQuerySet  # the name `coodie.aio.query` had in coodie 1.9
