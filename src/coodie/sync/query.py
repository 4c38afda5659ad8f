"""The blocking QuerySet: each terminal method drives a core flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from coodie.document import DocumentCore
from coodie.query import QuerySetCore
from coodie.registry import get_driver
from coodie.requests import PagedResult, Request
from coodie.sync._run import run

__all__ = ["QuerySet"]

D = TypeVar("D", bound=DocumentCore)


class QuerySet(QuerySetCore[D]):
    """A lazy, immutable query; `all()`, `first()`, `count()`... run it."""

    __slots__ = ()

    def _run(self, flow: Any) -> Any:
        return run(self._model._schema().driver_name, flow)

    def all(self) -> list[D]:
        return self._run(self._flow_all())  # type: ignore[no-any-return]

    def first(self) -> D | None:
        return self._run(self._flow_first())  # type: ignore[no-any-return]

    def get(self) -> D:
        """The one matching document: `DocumentNotFound` / `MultipleDocumentsFound` otherwise."""
        return self._run(self._flow_one(required=True))  # type: ignore[no-any-return]

    def count(self) -> int:
        return self._run(self._flow_count())  # type: ignore[no-any-return]

    def paged_all(
        self, paging_state: bytes | None = None, page_size: int | None = None
    ) -> PagedResult:
        """One page of documents and the state for the next page (None after the last)."""
        return self._run(self._flow_paged(paging_state, page_size))  # type: ignore[no-any-return]

    def create(self, **values: Any) -> D:
        return self._run(self._flow_create(values))  # type: ignore[no-any-return]

    def update(self, **values: Any) -> int:
        """UPDATE every matching row (by primary key); returns how many rows were written."""
        return self._run(self._flow_update(values))  # type: ignore[no-any-return]

    def delete(self) -> int:
        """DELETE every matching row (by primary key); returns how many rows were deleted."""
        return self._run(self._flow_delete())  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        driver = get_driver(self._model._schema().driver_name)
        request: Request | None = self._select_request()
        while request is not None:
            page = driver.execute(request)
            yield from self._model._from_rows(request.compiled.columns, page.rows)
            request = request.next_page(page.paging_state)
