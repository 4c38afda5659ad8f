"""What the core asks a driver to run, and what it gets back. No I/O."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from coodie.expr.compiler import Compiled

T = TypeVar("T")

__all__ = ["BatchRequest", "Page", "PagedResult", "RawRequest", "Request", "driver_method"]


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class Request:
    """One statement to execute with its options."""

    compiled: Compiled
    consistency: str | None = None  # a consistency level name: "ONE", "QUORUM", ...
    timeout: float | None = None  # seconds; None: the driver's default
    fetch_size: int | None = None  # rows per page; None: the driver's default
    paging_state: bytes | None = None
    serial_consistency: str | None = None

    def next_page(self, paging_state: bytes | None) -> Request | None:
        return replace(self, paging_state=paging_state) if paging_state else None


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class BatchRequest:
    kind: str  # "logged", "unlogged", "counter"
    items: tuple[Compiled, ...]
    consistency: str | None = None
    timeout: float | None = None


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class Page:
    """One page of a result: rows as tuples, their column names, and where to resume."""

    rows: list[Any]
    columns: tuple[str, ...] = ()
    paging_state: bytes | None = None


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class PagedResult(Generic[T]):
    """`paged_all()`: a page of documents and the state that fetches the next page
    (None after the last page)."""

    documents: list[T]
    paging_state: bytes | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    @property
    def data(self) -> list[T]:
        """The page's documents (the name coodie 1.9 used for `documents`)."""
        return self.documents


@dataclass(frozen=True, slots=True)
class RawRequest:
    """DDL or a metadata query: not prepared; `%s` placeholders."""

    cql: str
    params: tuple[Any, ...] = ()
    timeout: float = 120.0


def driver_method(request: object) -> str:
    """The driver method that runs what a flow yielded (async drivers add `_async`)."""
    kind = type(request)
    if kind is Request:
        return "execute"
    if kind is list:
        return "execute_concurrent"
    if kind is BatchRequest:
        return "execute_batch"
    if kind is RawRequest:
        return "execute_raw"
    raise TypeError(f"a flow yielded {request!r}")
