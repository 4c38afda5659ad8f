"""The wire types: what the core asks a driver to run, and what it gets back. No I/O.

Drivers import this module, never the compiler: a compiled statement (`Compiled`, with
its `StatementTypes`) is data here, whoever built it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

from coodie.exceptions import CoodieError, InvalidQueryError
from coodie.types import CqlType

T = TypeVar("T")
R = TypeVar("R")

# A flow: one of the core's operations, written once as a generator that yields what a
# driver runs (a Request, a list of them to run concurrently, a BatchRequest, a
# RawRequest) and receives the answers (Pages). coodie.flows.steps is the one loop that
# drives flows (coodie.sync._run.drive runs it, coodie.aio._run.adrive awaits it).
Flow = Generator[Any, Any, R]


class HasDriver(Protocol):
    """What a shell method runs a flow for: it names its driver (None: the default)."""

    def _driver_name(self) -> str | None: ...


__all__ = [
    "BatchRequest",
    "Compiled",
    "Flow",
    "HasDriver",
    "Page",
    "PagedResult",
    "RawRequest",
    "Request",
    "StatementTypes",
]


# The consistency levels, in the order the native protocol numbers them (ANY = 0 ...).
CONSISTENCY_LEVELS = (
    "ANY", "ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM", "EACH_QUORUM",
    "SERIAL", "LOCAL_SERIAL", "LOCAL_ONE",
)  # fmt: skip
SERIAL_LEVELS = ("SERIAL", "LOCAL_SERIAL")


def level_name(
    value: Any,
    where: str,
    *,
    serial: bool = False,
    error: type[CoodieError] = InvalidQueryError,
) -> str | None:
    """A consistency level given by name (any case), as the drivers' enum member or its
    protocol number -> its CQL name (None: the default applies). `where` names the option
    in the error (`"save(consistency"`: the message adds `=<value>)`)."""
    if value is None:
        return None
    allowed = SERIAL_LEVELS if serial else CONSISTENCY_LEVELS
    name = getattr(value, "name", value)
    if type(name) is int and 0 <= name < len(CONSISTENCY_LEVELS):
        name = CONSISTENCY_LEVELS[name]
    if not isinstance(name, str) or name.upper() not in allowed:
        what = "a serial consistency level" if serial else "a consistency level"
        raise error(f"{where}={value!r}): not {what}; use one of {', '.join(allowed)}")
    return name.upper()


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class Compiled:
    """CQL text, its bound values in order, and what running it needs to know."""

    cql: str
    params: tuple[Any, ...]
    columns: tuple[str, ...] = ()  # SELECT: the selected columns, in row order
    lwt: bool = False  # a conditional write: the result row says whether it applied
    paging: bool = True  # False when the server refuses to page this query
    types: StatementTypes | None = None  # CQL types of the markers and columns, per shape

    def __iter__(self) -> Any:  # `cql, params = compiled`
        return iter((self.cql, self.params))


@dataclass(frozen=True, slots=True, eq=False)
class StatementTypes:
    """The CQL type of each bind marker and of each selected column, for drivers that
    convert values by type (acsylla). Built once per shape; compared by identity."""

    params: tuple[CqlType, ...]
    columns: tuple[CqlType, ...] = ()
    labels: tuple[str, ...] = ()  # what each marker binds (a column, "ttl", ...)
    table: str = ""
    # raw CQL of a model's table (`Model.execute_raw()`): the type of each column by
    # name, for results whose columns are known only once they arrive
    by_column: Mapping[str, CqlType] | None = None


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class Request:
    """One statement to execute with its options."""

    compiled: Compiled
    consistency: str | None = None  # a consistency level name: "ONE", "QUORUM", ...
    timeout: float | None = None  # seconds; None: the driver's default
    fetch_size: int | None = None  # rows per page; None: the driver's default
    paging_state: bytes | None = None
    serial_consistency: str | None = None
    # ask the server to trace it (`.trace()`, `explain(analyze=True)`): the Page has its trace_id
    trace: bool = False
    retry_policy: Any = None  # `.retry_policy(...)`: the driver's own policy, passed through

    def next_page(self, paging_state: bytes | None) -> Request | None:
        return replace(self, paging_state=paging_state) if paging_state else None


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class BatchRequest:
    kind: str  # "logged", "unlogged", "counter"
    items: tuple[Compiled, ...]
    consistency: str | None = None
    timeout: float | None = None
    serial_consistency: str | None = None

    def text(self) -> str:
        """The batch as CQL text (`BEGIN LOGGED BATCH ...; ... APPLY BATCH`), for messages
        and observers: drivers send its statements, not this text."""
        return f"BEGIN {self.kind.upper()} BATCH {'; '.join(i.cql for i in self.items)} APPLY BATCH"


@dataclass(slots=True)  # not frozen: built per request, and frozen costs 0.4 µs each
class Page:
    """One page of a result: rows as tuples, their column names, and where to resume."""

    rows: list[Any]
    columns: tuple[str, ...] = ()
    paging_state: bytes | None = None
    trace_id: Any = None  # a traced request's session id (a UUID) in system_traces


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
