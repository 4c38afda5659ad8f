"""The asyncio QuerySet: each terminal method awaits a core flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, TypeVar

from coodie.aio._run import operation
from coodie.document import DocumentCore, IfConditions
from coodie.explain import Explanation
from coodie.expr.columns import Column
from coodie.query import TERMINALS, QuerySetCore
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
        # type parameter through operation() (mypy does), and results would be Unknown.
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

    async def __aiter__(self) -> AsyncIterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        driver = get_driver(self._driver_name())
        request: Request | None = self._select_request(driver)
        while request is not None:
            page = await driver.execute_async(request)
            for doc in self._model._from_rows(request.compiled.columns, page.rows):
                yield doc
            request = request.next_page(page.paging_state)


for _name, _core in TERMINALS.items():  # all(), first(), ...: the core's pieces
    setattr(AsyncQuerySet, _name, operation(_core, _name))

QuerySet = AsyncQuerySet  # the name `coodie.aio.query` had in coodie 1.9
