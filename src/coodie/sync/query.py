"""The blocking QuerySet: each terminal method drives a core flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from coodie.document import DocumentCore
from coodie.query import QuerySetCore
from coodie.registry import get_driver
from coodie.requests import PagedResult, Request
from coodie.sync._run import blocking

__all__ = ["QuerySet"]

D = TypeVar("D", bound=DocumentCore)


class QuerySet(QuerySetCore[D]):
    """A lazy, immutable query; `all()`, `first()`, `count()`... run it."""

    __slots__ = ()

    if TYPE_CHECKING:
        # The same methods as declared to checkers: pyright does not bind the QuerySet's
        # type parameter through blocking() (mypy does), and results would be Unknown.
        def all(self) -> list[D]: ...
        def first(self) -> D | None: ...
        def get(self) -> D: ...
        def count(self) -> int: ...
        def paged_all(
            self, paging_state: str | None = None, page_size: int | None = None
        ) -> PagedResult[D]: ...
        def create(self, /, **kwargs: Any) -> D: ...
        def update(self, /, **kwargs: Any) -> int: ...
        def delete(self) -> int | None: ...
    else:
        all = blocking(QuerySetCore._flow_all)
        """Run the query; a list of documents."""
        first = blocking(QuerySetCore._flow_first)
        """The first matching document, or None."""
        get = blocking(QuerySetCore._flow_get)
        """The one matching document; `DocumentNotFound` or `MultipleDocumentsFound` otherwise."""
        count = blocking(QuerySetCore._flow_count)
        """`SELECT COUNT(*)` of the matching rows."""
        paged_all = blocking(QuerySetCore._flow_paged)
        """One page: a `PagedResult` with `.documents` and `.paging_state` (None on the last page)."""
        create = blocking(QuerySetCore._flow_create)
        """Insert a document built from the query's equalities and `values`."""
        update = blocking(QuerySetCore._flow_update)
        """Update the matching rows by primary key; returns how many rows were written."""
        delete = blocking(QuerySetCore._flow_delete)
        """Delete the matching rows; how many (None for a single partition or range DELETE)."""

    def __iter__(self) -> Iterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        driver = get_driver(self._driver_name())
        request: Request | None = self._select_request()
        while request is not None:
            page = driver.execute(request)
            yield from self._model._from_rows(request.compiled.columns, page.rows)
            request = request.next_page(page.paging_state)
