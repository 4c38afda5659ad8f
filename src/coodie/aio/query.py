"""The asyncio QuerySet: each terminal method awaits a core flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

from coodie.aio._run import awaiting
from coodie.document import DocumentCore
from coodie.query import QuerySetCore
from coodie.registry import get_driver
from coodie.requests import Request

__all__ = ["AsyncQuerySet", "QuerySet"]

D = TypeVar("D", bound=DocumentCore)


class AsyncQuerySet(QuerySetCore[D]):
    """A lazy, immutable query; `await qs.all()`, `async for doc in qs` run it."""

    __slots__ = ()

    all = awaiting(QuerySetCore._flow_all)
    first = awaiting(QuerySetCore._flow_first)
    get = awaiting(QuerySetCore._flow_get)
    count = awaiting(QuerySetCore._flow_count)
    exists = awaiting(QuerySetCore._flow_exists)
    values_list = awaiting(QuerySetCore._flow_values_list)
    paged_all = awaiting(QuerySetCore._flow_paged)
    page = awaiting(QuerySetCore._flow_page)
    create = awaiting(QuerySetCore._flow_create)
    update = awaiting(QuerySetCore._flow_update)
    delete = awaiting(QuerySetCore._flow_delete)

    async def __aiter__(self) -> AsyncIterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        driver = get_driver(self._driver_name())
        request: Request | None = self._select_request()
        while request is not None:
            page = await driver.execute_async(request)
            for doc in self._model._from_rows(request.compiled.columns, page.rows):
                yield doc
            request = request.next_page(page.paging_state)


QuerySet = AsyncQuerySet  # the name `coodie.aio.query` had in coodie 1.9
