"""The blocking QuerySet: each terminal method drives a core flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from coodie.document import DocumentCore
from coodie.query import QuerySetCore
from coodie.registry import get_driver
from coodie.requests import Request
from coodie.sync._run import blocking

__all__ = ["QuerySet"]

D = TypeVar("D", bound=DocumentCore)


class QuerySet(QuerySetCore[D]):
    """A lazy, immutable query; `all()`, `first()`, `count()`... run it."""

    __slots__ = ()

    all = blocking(QuerySetCore._flow_all)
    first = blocking(QuerySetCore._flow_first)
    get = blocking(QuerySetCore._flow_get)
    count = blocking(QuerySetCore._flow_count)
    exists = blocking(QuerySetCore._flow_exists)
    values_list = blocking(QuerySetCore._flow_values_list)
    __len__ = blocking(QuerySetCore._flow_len)  # len(qs): the rows, read once with list(qs)
    paged_all = blocking(QuerySetCore._flow_paged)
    page = blocking(QuerySetCore._flow_page)
    create = blocking(QuerySetCore._flow_create)
    update = blocking(QuerySetCore._flow_update)
    delete = blocking(QuerySetCore._flow_delete)

    def __iter__(self) -> Iterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        counted = self._take_counted()
        if counted is not None:  # read by the len() that list(qs) called first
            yield from counted
            return
        driver = get_driver(self._driver_name())
        request: Request | None = self._select_request()
        while request is not None:
            page = driver.execute(request)
            yield from self._model._from_rows(request.compiled.columns, page.rows)
            request = request.next_page(page.paging_state)
