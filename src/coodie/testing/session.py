"""A plain-CQL session over an in-memory driver, shaped like the scylla/cassandra driver's
`Session` for what a test does with one: `execute(cql, params)` with `%s` or `?`
markers (values bound, never formatted in), rows with attribute access, `.one()`,
`.all()`, `.was_applied`, and `prepare(cql)` then `bind(values)`."""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from coodie.testing.driver import MemoryDriver

__all__ = ["MemoryResult", "MemorySession"]


@lru_cache(maxsize=256)
def _row_type(columns: tuple[str, ...]) -> Any:
    """Row names as the Python driver makes them: `[applied]` -> `applied`,
    `ttl(name)` -> `ttl_name`."""
    names = [re.sub(r"\W+", "_", c).strip("_").lower() or "_" for c in columns]
    return namedtuple("Row", names, rename=True)


class MemoryResult:
    """Every row of a result (a memory driver has no network round trips to save)."""

    def __init__(self, columns: tuple[str, ...], rows: list[Any]) -> None:
        self.column_names = list(columns)
        row = _row_type(columns) if columns else None
        self.current_rows: list[Any] = [row(*r) for r in rows] if row else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.current_rows)

    def __len__(self) -> int:
        return len(self.current_rows)

    def __getitem__(self, i: int) -> Any:
        return self.current_rows[i]

    def one(self) -> Any:
        return self.current_rows[0] if self.current_rows else None

    def all(self) -> list[Any]:
        return list(self.current_rows)

    @property
    def was_applied(self) -> bool:
        first = self.one()
        return True if first is None or self.column_names[:1] != ["[applied]"] else bool(first[0])


class MemoryPrepared:
    """A prepared statement, and bound to values (`bind()`)."""

    def __init__(self, cql: str, values: tuple[Any, ...] = ()) -> None:
        self.query_string = cql
        self.values = values
        self.fetch_size: int | None = None

    def bind(self, values: Sequence[Any] = ()) -> MemoryPrepared:
        return MemoryPrepared(self.query_string, tuple(values))


class MemorySession:
    """`session.execute(...)` on a `MemoryDriver`."""

    def __init__(self, driver: MemoryDriver, keyspace: str | None = None) -> None:
        self.driver = driver
        self.cluster = driver.cluster
        self.keyspace = keyspace if keyspace is not None else driver.keyspace

    def prepare(self, cql: str) -> MemoryPrepared:
        from coodie.raw import _markers

        cql = _markers(cql)
        self.driver._prepare(cql)  # a statement it cannot run fails here, as on a server
        return MemoryPrepared(cql)

    def execute(
        self, query: Any, parameters: Sequence[Any] | None = None, **_: Any
    ) -> MemoryResult:
        from coodie.raw import _markers

        if isinstance(query, MemoryPrepared):
            cql, params = query.query_string, query.values
            if parameters is not None:
                params = tuple(parameters)
        else:
            cql, params = _markers(str(query)), tuple(parameters or ())
        tree = self.driver._prepare(cql).tree
        if getattr(tree, "verb", None) == "use":
            self.driver._ks(tree.name)
            self.keyspace = tree.name
            return MemoryResult((), [])
        with self.driver._lock:
            before, self.driver._session_keyspace = self.driver._session_keyspace, self.keyspace
            try:
                page = self.driver._run(cql, params, 0, None, False)
            finally:
                self.driver._session_keyspace = before
        return MemoryResult(page.columns, page.rows)

    def execute_async(self, query: Any, parameters: Sequence[Any] | None = None, **_: Any) -> Any:
        return _Done(self.execute(query, parameters))

    def set_keyspace(self, keyspace: str) -> None:
        self.keyspace = keyspace

    def shutdown(self) -> None:
        """Nothing to close."""


class _Done:
    """A finished `ResponseFuture`, for helpers that take one (execute_concurrent...)."""

    has_more_pages = False

    def __init__(self, result: MemoryResult) -> None:
        self._result = result
        self._col_names = result.column_names
        self._col_types = None
        self._paging_state = None

    def result(self) -> MemoryResult:
        return self._result

    def clear_callbacks(self) -> None:
        """Callbacks ran when they were added."""

    def add_callbacks(
        self,
        callback: Any,
        errback: Any,
        callback_args: tuple[Any, ...] = (),
        callback_kwargs: dict[str, Any] | None = None,
        errback_args: tuple[Any, ...] = (),
        errback_kwargs: dict[str, Any] | None = None,
    ) -> None:
        callback(self._result.current_rows, *callback_args, **(callback_kwargs or {}))
