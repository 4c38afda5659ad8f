"""What the core asks a driver to run, and what it gets back. No I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    trace: bool = False  # ask the server to trace it (`explain(analyze=True)`)

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
    """`paged_all()`: a page of documents and the cursor that fetches the next page
    (None after the last page): an opaque URL-safe string, signed for the query that
    made it, to pass back as `paged_all(paging_state=...)`."""

    documents: list[T]
    paging_state: str | None

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
    """DDL or a metadata query, not prepared. `cql` goes to the server exactly as written
    (a `%s` or `?` in it is text, not a marker). A query with values is built by
    `RawRequest.where()`, which records the text around each value in `parts`: each driver
    joins them with its own marker, so only real value positions ever become markers."""

    cql: str
    params: tuple[Any, ...] = ()
    timeout: float = 120.0
    parts: tuple[str, ...] = ()  # with params: the text before, between and after the values

    def __post_init__(self) -> None:
        if len(self.parts) != (len(self.params) + 1 if self.params else 0):
            raise ValueError("a RawRequest with values is built by RawRequest.where()")

    @classmethod
    def where(cls, select: str, **equal: Any) -> RawRequest:
        """`<select> WHERE <name> = <value> AND ...`, the values bound by the driver. The
        names are coodie's own column names, never user input."""
        names = list(equal)
        parts = (
            f"{select} WHERE {names[0]} = ",
            *(f" AND {n} = " for n in names[1:]),
            "",
        )
        return cls("?".join(parts), tuple(equal.values()), parts=parts)

    def text(self, marker: str, escape: Callable[[str], str] | None = None) -> str:
        """The statement with `marker` at each value (and `escape` applied to the text
        around them, for a driver that formats values into the text)."""
        if not self.params:
            return self.cql
        parts = self.parts if escape is None else tuple(escape(p) for p in self.parts)
        return marker.join(parts)


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
