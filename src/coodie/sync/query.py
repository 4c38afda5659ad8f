"""The blocking QuerySet: each terminal method drives a core flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from coodie.document import DocumentCore, IfConditions
from coodie.explain import Explanation
from coodie.expr.columns import Column
from coodie.query import TERMINALS, QuerySetCore
from coodie.registry import get_driver
from coodie.requests import PagedResult, Request
from coodie.sync._run import operation
from coodie.tracing import Trace

__all__ = ["QuerySet"]

D = TypeVar("D", bound=DocumentCore)


class QuerySet(QuerySetCore[D]):
    """A lazy, immutable query; `all()`, `first()`, `count()`... run it."""

    __slots__ = ()

    if TYPE_CHECKING:
        # The same methods as declared to checkers: pyright does not bind the QuerySet's
        # type parameter through operation() (mypy does), and results would be Unknown.
        def all(self) -> list[D]: ...
        def first(self) -> D | None: ...
        def trace(self) -> Trace[D]: ...
        def get(self) -> D: ...
        def count(self) -> int: ...
        def paged_all(
            self, paging_state: str | None = None, page_size: int | None = None
        ) -> PagedResult[D]: ...
        def create(self, /, **kwargs: Any) -> D: ...
        # (with if_conditions, or after if_exists(), the result is an LWTResult: see
        # docs/coming-from-1.9.md; declared int here so coodie's mypy plugin checks the values)
        def update(self, /, *, if_conditions: IfConditions | None = None, **kwargs: Any) -> int: ...
        def delete(self, /, *, if_conditions: IfConditions | None = None) -> int | None: ...
        def __len__(self) -> int: ...
        def exists(self) -> bool: ...
        def values_list(self, *names: str | Column[Any], flat: bool = False) -> list[Any]: ...
        def page(self, paging_state: str | None = None) -> PagedResult[D]: ...
        def explain(self, analyze: bool = False) -> Explanation: ...
    else:
        __len__ = operation(QuerySetCore._len)  # len(qs): the rows, read once with list(qs)

    def __iter__(self) -> Iterator[D]:
        """Stream the rows page by page (`page_size()` sets the page length)."""
        counted = self._take_counted()
        if counted is not None:  # read by the len() that list(qs) called first
            yield from counted
            return
        driver = get_driver(self._driver_name())
        request: Request | None = self._select_request(driver)
        while request is not None:
            page = driver.execute(request)
            yield from self._model._from_rows(request.compiled.columns, page.rows)
            request = request.next_page(page.paging_state)


for _name, _core in TERMINALS.items():  # all(), first(), ...: the core's pieces
    setattr(QuerySet, _name, operation(_core, _name))
