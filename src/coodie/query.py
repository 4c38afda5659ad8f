"""The immutable QuerySet core: chain methods build a `Select`; flows turn it into requests.

Every chain method returns a new QuerySet; nothing mutates. Terminal operations are
written once here as generator *flows* that yield `Request`s (or lists of them, to run
concurrently) and receive `Page`s; `coodie.sync` and `coodie.aio` only drive them.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from typing_extensions import Self

import coodie.explain as _cost
from coodie import cursors
from coodie.document import _if_conditions, check_owner, conditions_from
from coodie.exceptions import (
    ConfigurationError,
    DocumentNotFound,
    ExecutionError,
    InvalidQueryError,
    MultipleDocumentsFound,
)
from coodie.explain import Explanation, check_scan, check_scan_policy, explain_select, run_traced
from coodie.expr.columns import Column
from coodie.expr.compiler import Compiled, compile_statement
from coodie.expr.lookups import parse_assignments
from coodie.expr.nodes import (
    Ann,
    Assignment,
    AssignOp,
    Compare,
    Condition,
    Delete,
    Expr,
    Op,
    Ordering,
    Select,
    Update,
)
from coodie.expr.restrictions import Access, Restrictions, analyse
from coodie.expr.validate import validate
from coodie.polymorphic import condition, is_condition
from coodie.registry import find_driver, get_driver
from coodie.requests import Flow, Page, PagedResult, Request, level_name
from coodie.schema import ColumnKind, TableSchema
from coodie.tracing import Trace, read_trace_flow

if TYPE_CHECKING:
    from coodie.document import DocumentCore, LWTResult
    from coodie.drivers import Driver
    from coodie.flows import Single

__all__ = [
    "BULK_CONCURRENCY",
    "DEFAULT_PAGE_SIZE",
    "PAGED_ALL_PAGE_SIZE",
    "TERMINALS",
    "Flow",
    "OneDocument",
    "QuerySetCore",
    "check_page_size",
    "check_timeout",
    "keyspace_of",
    "read_page_size",
    "read_pages",
    "resolve_keyspace",
]

D = TypeVar("D", bound="DocumentCore")
R = TypeVar("R")

BULK_CONCURRENCY = 64  # key-by-key writes of QuerySet.update()/.delete() run in groups of this size
DEFAULT_PAGE_SIZE = 5000  # rows per round trip of all(), count() and iteration, on every driver
PAGED_ALL_PAGE_SIZE = 100  # rows per paged_all() page unless page_size is given
MAX_PAGE_SIZE = 2**31 - 1  # the protocol's page size is a 32-bit int
MAX_TIMEOUT = 2_147_483.0  # seconds: 2**31 - 1 milliseconds, which every driver can carry
_UNSET: Any = object()


def check_page_size(n: object, option: str) -> int:
    """A page size as given to `option`: a whole number of rows, at least 1.

    0 and negative sizes would turn paging off (one unbounded response): refused."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PAGE_SIZE:
        raise InvalidQueryError(
            f"{option}: a page size is a whole number of rows from 1 to {MAX_PAGE_SIZE}, got {n!r}"
        )
    return n


def check_timeout(seconds: object, option: str) -> float | None:
    """A timeout as given to `option`: seconds > 0, finite (None: the driver's default).

    Refused here, before anything is sent: a zero or negative timeout would send the
    statement and then report a timeout (a write may still apply)."""
    if seconds is None:
        return None
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or not 0 < seconds <= MAX_TIMEOUT
    ):
        raise InvalidQueryError(
            f"{option}: a timeout is a number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
            f"got {seconds!r}"
        )
    return float(seconds)


def resolve_keyspace(model: type[DocumentCore]) -> str:
    """The keyspace `model`'s statements name: its own, else its driver's."""
    return keyspace_of(model._schema(), model)


def read_page_size(paging: bool, page_size: int | None = None) -> int:
    """The fetch size of a read: `page_size`, else the default; 0 (none) where the server
    does not page the statement (`paging`: `Compiled.paging`)."""
    return (page_size or DEFAULT_PAGE_SIZE) if paging else 0


def keyspace_of(
    schema: TableSchema, model: type[DocumentCore], driver: Driver | None = None
) -> str:
    """The keyspace of `schema`'s statements: the model's own, else that of its driver
    (`driver`, resolved by the caller; None: looked up here, the one place that reads the
    driver for it)."""
    ks = (
        schema.keyspace
        or (driver if driver is not None else get_driver(schema.driver_name)).keyspace
    )
    if not ks:
        raise InvalidQueryError(
            f"{model.__name__}: no keyspace: set Settings.keyspace or pass keyspace= to init_coodie()"
        )
    return ks


class OneDocument(Generic[D]):
    """The answer of a LIMIT 2 read that must match at most one row (`get()`,
    `find_one()`): the document of its page (None, or DocumentNotFound where `required`)."""

    __slots__ = ("model", "request", "required")

    def __init__(self, model: type[D], request: Request, required: bool) -> None:
        self.model, self.request, self.required = model, request, required

    def __call__(self, page: Page) -> D | None:
        rows, compiled = page.rows, self.request.compiled
        if len(rows) > 1:
            raise MultipleDocumentsFound(
                f"{self.model.__name__}: more than one row matches {compiled.cql}"
            )
        if not rows:
            if self.required:
                raise DocumentNotFound(
                    f"{self.model.__name__}: no row matches {compiled.cql} "
                    f"with {list(compiled.params)!r}"
                )
            return None
        doc: D = self.model._from_rows(compiled.columns, rows)[0]
        return doc


class QuerySetCore(Generic[D]):
    """A lazy, immutable query over one Document class."""

    # What the chain methods set (each on a copy): the defaults, read from the class
    # until a copy sets its own.
    _order_by: tuple[Ordering, ...] = ()
    _ann: Ann | None = None
    _limit: int | None = None
    _per_partition_limit: int | None = None
    _allow_filtering = False
    _scan_allowed = False
    _only: tuple[str, ...] | None = None
    _ttl: int | None = None
    _timestamp: int | None = None
    _consistency: str | None = None
    _serial_consistency: str | None = None
    _retry_policy: Any = None
    _timeout: float | None = None
    _page_size: int | None = None
    _distinct = False
    _if_exists = False
    _if_not_exists = False
    _counted: list[D] | None = None  # what len(qs) read, for the next iteration

    def __init__(self, model: type[D], where: tuple[Condition, ...] = ()) -> None:
        self._model = model
        self._table = model._schema()  # read once: compiling and the runner use it
        if "__coodie_poly_value__" in model.__dict__:  # a polymorphic subclass: its rows only
            disc = condition(model)
            if disc is not None and not any(is_condition(c, disc) for c in where):
                where = (disc, *where)
        self._where = where

    def _copy(self, **changes: Any) -> Self:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__, _counted=None, **changes)
        return new

    def __repr__(self) -> str:
        try:
            cql, params = self.to_cql()
        except Exception as e:  # repr must not raise
            return f"<{type(self).__name__} {self._model.__name__}: {e}>"
        return f"<{type(self).__name__} {cql} {list(params)!r}>"

    # ------------------------------------------------------------- chain methods

    def filter(self, *exprs: Expr, **lookups: Any) -> Self:
        more = conditions_from(self._table, exprs, lookups, self._model)
        return self._copy(_where=self._where + more)

    def limit(self, n: int) -> Self:
        return self._copy(_limit=n)

    def per_partition_limit(self, n: int) -> Self:
        return self._copy(_per_partition_limit=n)

    def order_by(self, *keys: str | Ordering | Column[Any]) -> Self:
        out = []
        for k in keys:
            if isinstance(k, Ordering):
                check_owner(self._model, k.model, k.column)
                out.append(k)
            elif isinstance(k, Column):
                check_owner(self._model, k.model, k.name)
                out.append(Ordering(k.name))
            elif isinstance(k, str):
                desc = k.startswith("-")
                out.append(Ordering(k.lstrip("-+"), desc))
            else:
                raise InvalidQueryError(
                    f"order_by() takes column names ('price', '-price') or Model.price.desc(), got {k!r}"
                )
        return self._copy(_order_by=tuple(out))

    def order_by_ann(self, column: str | Column[list[float]], vector: Sequence[float]) -> Self:
        """The rows whose `column` vectors are nearest `vector` (Cassandra 5.0 vector
        search): `ORDER BY column ANN OF ?`, ranked by the similarity function of the
        column's `VectorIndex()`. Needs `limit(k)`, k <= 1000."""
        name = column.name if isinstance(column, Column) else column
        return self._copy(_ann=Ann(name, vector))

    def _names(self, names: Iterable[str | Column[Any]]) -> tuple[str, ...]:
        """Column names as given (a name, or a column of this model), each checked."""
        out = []
        for n in names:
            if isinstance(n, Column):
                check_owner(self._model, n.model, n.name)
                n = n.name
            self._table.column(n)
            out.append(n)
        return tuple(out)

    def only(self, *names: str | Column[Any]) -> Self:
        return self._copy(_only=self._names(names) or None)

    def defer(self, *names: str | Column[Any]) -> Self:
        """Read every column but these (the inverse of `only()`)."""
        cols = set(self._names(names))
        keep = tuple(c.name for c in self._table.columns if c.name not in cols)
        if not keep:
            raise InvalidQueryError(f"{self._model.__name__}: defer() left no column to read")
        return self._copy(_only=keep if cols else None)

    def distinct(self) -> Self:
        """SELECT DISTINCT the partition keys (and the static columns `only()` names):
        one partial document per partition."""
        schema = self._table
        keys = tuple(c.name for c in schema.partition_key)
        extra = tuple(n for n in (self._only or ()) if n not in keys)
        return self._copy(_distinct=True, _only=keys + extra)

    def if_exists(self) -> Any:
        """Make `update()` / `delete()` conditional (IF EXISTS): they return an LWTResult.
        (Typed Any: the result of the writes after it is not what the plain ones return.)"""
        return self._copy(_if_exists=True)

    def if_not_exists(self) -> Any:
        """Make `create()` conditional (INSERT ... IF NOT EXISTS): it returns an LWTResult.
        (Typed Any, as `if_exists()`.)"""
        return self._copy(_if_not_exists=True)

    def allow_filtering(self) -> Self:
        return self._copy(_allow_filtering=True)

    def allow_scan(self) -> Self:
        """Let this query read every node under scan_policy "warn" or "refuse" (see
        explain()): a scan you mean. It adds nothing to the CQL (ALLOW FILTERING is
        separate: the server's rule, not a cost guard)."""
        return self._copy(_scan_allowed=True)

    def ttl(self, seconds: int) -> Self:
        return self._copy(_ttl=seconds)

    def timestamp(self, microseconds: int) -> Self:
        return self._copy(_timestamp=microseconds)

    def consistency(self, level: Any) -> Self:
        """The consistency level of this query's requests (a name such as "QUORUM", or the
        driver's `ConsistencyLevel`); else the model's `Settings.consistency`, else the
        driver's default."""
        return self._copy(_consistency=level_name(level, ".consistency(level"))

    def serial_consistency(self, level: Any) -> Self:
        """The serial level ("SERIAL" or "LOCAL_SERIAL") of this query's conditional
        writes (`if_exists()`, `if_not_exists()`, IF conditions)."""
        return self._copy(
            _serial_consistency=level_name(level, ".serial_consistency(level", serial=True)
        )

    def retry_policy(self, policy: Any) -> Self:
        """The driver's retry policy for this query's requests, passed through: a
        `cassandra.policies.RetryPolicy` on the scylla driver, "default" or "fallthrough"
        on acsylla. Retries apply to idempotent statements (reads, plain writes) only."""
        return self._copy(_retry_policy=policy)

    def timeout(self, seconds: float | None) -> Self:
        """Seconds each request of this query may take (None: the driver's default)."""
        return self._copy(_timeout=check_timeout(seconds, "timeout()"))

    def page_size(self, n: int) -> Self:
        """Rows per round trip (default 5,000; paged_all(): rows per page, default 100)."""
        return self._copy(_page_size=check_page_size(n, "page_size()"))

    def fetch_size(self, n: int) -> Self:
        """`page_size(n)` under the name coodie 1.9 used."""
        return self.page_size(n)

    # ------------------------------------------------------------- compiling

    def _select(
        self,
        *,
        count: bool = False,
        columns: tuple[str, ...] | None = None,
        limit: int | None = None,
    ) -> Select:
        return Select(
            where=self._where,
            columns=columns if columns is not None else self._only,
            order_by=() if count else self._order_by,
            ann=self._ann,
            limit=None if count else limit or self._limit,
            per_partition_limit=self._per_partition_limit,
            allow_filtering=self._allow_filtering,
            count=count,
            distinct=self._distinct,
        )

    def _compile(self, stmt: Any, driver: Driver | None = None) -> Compiled:
        """`stmt` compiled for the keyspace of `driver` (the one the call resolved; None:
        looked up here), guarded by the scan policy."""
        table = self._table
        compiled = compile_statement(stmt, table, keyspace_of(table, self._model, driver))
        if _cost.guarded and type(stmt) is Select and not self._scan_allowed:
            policy = self._scan_policy(driver)
            if policy != "allow":
                check_scan(self._model, stmt, table, policy)
        return compiled

    def _scan_policy(self, driver: Driver | None = None) -> str:
        """The model's Settings.scan_policy, else its driver's (init_coodie), else "allow"."""
        model = self._model
        policy = getattr(getattr(model, "Settings", None), "scan_policy", None)
        if policy is not None:
            return check_scan_policy(policy, f"{model.__name__}.Settings") or "allow"
        if driver is None:
            driver = find_driver(self._table.driver_name)
        return getattr(driver, "scan_policy", "allow")

    def to_cql(self) -> tuple[str, tuple[Any, ...]]:
        """The SELECT this QuerySet runs, as `(cql, params)`, validated but not executed."""
        schema = self._table  # (not _compile(): the scan policy guards sending)
        c = compile_statement(self._select(), schema, keyspace_of(self._table, self._model))
        return c.cql, c.params

    def _request(
        self,
        compiled: Compiled,
        *,
        fetch_size: int | None = None,
        paging_state: bytes | None = None,
    ) -> Request:
        return self._table.request(
            compiled,
            self._consistency,
            self._serial_consistency,
            timeout=self._timeout,
            fetch_size=fetch_size if fetch_size is not None else self._page_size,
            paging_state=paging_state,
            retry_policy=self._retry_policy,
        )

    def _select_request(self, driver: Driver | None = None, stmt: Select | None = None) -> Request:
        """The request of `stmt` (else the QuerySet's SELECT), paged as all() reads."""
        c = self._compile(stmt or self._select(), driver)
        return self._request(c, fetch_size=read_page_size(c.paging, self._page_size))

    def _driver_name(self) -> str | None:
        return self._table.driver_name

    # ------------------------------------------------------------- terminal operations
    # The flavour shells bind these to their runner as all(), first(), get(), count(),
    # paged_all(), create(), update(), delete(), ...: each takes the driver the call
    # resolved (None: none is registered yet: where the call needs one, the look-up here
    # says so) and makes a `Single` (one statement: its request and the function from the
    # page to the answer) or, for work of several steps, a flow.

    def _documents(self, request: Request) -> Callable[[Page], list[D]]:
        """The function from a page of `request` to its documents."""
        model, columns = self._model, request.compiled.columns
        return lambda page: model._from_rows(columns, page.rows)

    def _all(self, driver: Driver | None) -> Flow[list[D]]:
        """Every matching document (all pages)."""
        req = self._select_request(driver)
        return read_pages(req, self._documents(req))

    def _trace(self, driver: Driver | None) -> Flow[Trace[D]]:
        """Run the query (its first page) with tracing on: a `Trace` of the documents read
        and of what the server recorded (coordinator, consistency level, events)."""
        req = self._select_request(driver)
        req.trace = True
        page: Page = yield req
        if page.trace_id is None:
            raise ExecutionError("the driver returned no trace id for a traced request")
        docs = self._documents(req)(page)
        return Trace(docs, **(yield from read_trace_flow(page.trace_id)))

    def _first(self, driver: Driver | None) -> Single[D | None]:
        """The first matching document, or None."""
        req = self._select_request(driver, self._select(limit=1))
        documents = self._documents(req)
        return _flows.Single(req, lambda page: next(iter(documents(page)), None))

    def _get(self, driver: Driver | None) -> Single[D]:
        """The one matching document: `DocumentNotFound` / `MultipleDocumentsFound` otherwise."""
        req = self._select_request(driver, self._select(limit=2))
        # (required: never None)
        return _flows.Single(req, cast("Callable[[Page], D]", OneDocument(self._model, req, True)))

    def _len(self, driver: Driver | None) -> Flow[int]:
        """`len(qs)` (blocking API): the number of matching documents, read whole. They
        are kept for the iteration that follows (`list(qs)` calls len() first), which
        takes them, so that `list(qs)` reads the rows once; a later iteration reads anew."""
        docs = yield from self._all(driver)
        self._counted = docs
        return len(docs)

    def _take_counted(self) -> list[D] | None:
        docs, self._counted = self._counted, None
        return docs

    def _exists(self, driver: Driver | None) -> Single[bool]:
        """Whether any row matches (reads at most one row's key)."""
        keys = tuple(c.name for c in self._table.primary_key)
        qs = self._copy(_limit=1, _only=None if self._distinct else keys)
        return _flows.Single(qs._select_request(driver), _any_row)

    def _values_list(
        self, driver: Driver | None, *names: str | Column[Any], flat: bool = False
    ) -> Single[list[Any]] | Flow[list[Any]]:
        """The values of `names` (every column if none) for each matching row: tuples, or
        with `flat=True` and one column, the values themselves. One statement where the
        server sends the result in one page; else page by page."""
        cols = self._names(names)
        if flat and len(cols) != 1:
            raise InvalidQueryError(
                f"{self._model.__name__}: values_list(flat=True) takes exactly one column, got {len(cols)}"
            )
        c = self._compile(self._select(columns=cols or None), driver)
        rows = self._values(c.columns)

        def values(page: Page) -> list[Any]:
            return [v[0] for v in rows(page)] if flat else rows(page)

        if not c.paging:  # one page
            return _flows.Single(self._request(c, fetch_size=0), values)
        return read_pages(self._request(c), values)

    def _count(self, driver: Driver | None) -> Single[int] | Flow[int]:
        """SELECT COUNT(*) of the matching rows: one statement over one partition; over
        several, the count may come in pages (a server that pages aggregates)."""
        req = self._request(
            self._compile(self._select(count=True), driver),
            fetch_size=self._page_size or DEFAULT_PAGE_SIZE,
        )
        if self._restrictions().access is Access.PARTITION:
            return _flows.Single(req, lambda page: self._at_most_limit(_count_of(page)))
        return self._count_pages(req)

    def _count_pages(self, req: Request) -> Flow[int]:
        counts = yield from read_pages(req, lambda page: (_count_of(page),))
        return self._at_most_limit(sum(counts))

    def _at_most_limit(self, n: int) -> int:
        return n if self._limit is None else min(n, self._limit)

    def _paged(
        self, driver: Driver | None, paging_state: str | None = None, page_size: int | None = None
    ) -> Single[PagedResult[D]]:
        """One page of documents and the cursor that fetches the next (None after the last).

        The cursor is an opaque URL-safe string signed for this query (its CQL and its
        values): a cursor that was altered, made by another query or not made by coodie
        is an `InvalidQueryError` before anything is sent."""
        if page_size is not None:
            check_page_size(page_size, "paged_all(page_size=...)")
        c = self._compile(self._select(), driver)
        if not c.paging:
            why = (
                "an ANN (top-k) query: it returns its LIMIT rows at once"
                if self._ann is not None
                else "a query with both ORDER BY and IN on the partition key; drop one of them"
            )
            raise InvalidQueryError(
                f"{self._model.__name__}: the server cannot page {why}, or use .all()"
            )
        if driver is None:
            driver = get_driver(self._driver_name())
        key: bytes = getattr(driver, "cursor_key", cursors.PROCESS_KEY)
        state = (
            None
            if paging_state is None
            else cursors.decode(key, c.cql, c.params, paging_state, self._model.__name__)
        )
        req = self._request(
            c, fetch_size=page_size or self._page_size or PAGED_ALL_PAGE_SIZE, paging_state=state
        )
        documents = self._documents(req)

        def answer(page: Page) -> PagedResult[D]:
            after = page.paging_state
            cursor = cursors.encode(key, c.cql, c.params, after) if after else None
            return PagedResult(documents(page), cursor)

        return _flows.Single(req, answer)

    def _explain(
        self, driver: Driver | None, analyze: bool = False
    ) -> Single[Explanation] | Flow[Explanation]:
        """How the server runs this query and what it costs (see coodie.explain); with
        `analyze=True` it runs the query (its first page) with the server's tracing."""
        schema = self._table
        s = self._select()
        if analyze:
            keyspace: str | None = keyspace_of(schema, self._model, driver)
        else:  # (no server needed: a keyspace the driver would supply may be unknown)
            try:
                keyspace = keyspace_of(schema, self._model, driver)
            except ConfigurationError:
                keyspace = None
        # (with analyze the query runs: the scan policy guards it as any other)
        c = self._compile(s, driver) if analyze else compile_statement(s, schema, keyspace)
        page_size = self._page_size or DEFAULT_PAGE_SIZE
        e = explain_select(self._model.__name__, s, schema, c.cql, c.params, c.paging, page_size)
        if not analyze:
            return _flows.Single(None, lambda page: e)
        request = self._request(c, fetch_size=page_size if c.paging else 0)
        request.trace = True
        return _analyzed(e, request)

    def _create(self, driver: Driver | None, /, **kwargs: Any) -> Single[D]:
        """Insert a document made of the QuerySet's equality filters plus `kwargs`; returns
        it, or after `if_not_exists()` the LWTResult of INSERT ... IF NOT EXISTS."""
        if self._if_exists:
            raise InvalidQueryError(
                f"{self._model.__name__}: create() takes if_not_exists(), not if_exists()"
            )
        eq = {c.column: c.value for c in self._where if isinstance(c, Compare) and c.op is Op.EQ}
        doc = self._model(**{**eq, **kwargs})
        stmt = doc._insert_statement(
            if_not_exists=self._if_not_exists, ttl=self._ttl, timestamp=self._timestamp
        )
        req = self._request(self._compile(stmt, driver))
        if self._if_not_exists:  # (typed D: the LWTResult is the if_not_exists() case)
            return _flows.Single(req, self._lwt_result)
        return _flows.Single(req, lambda page: doc)

    def _lwt_result(self, page: Page) -> Any:
        return _flows.lwt_result(page, self._model)

    @property
    def _limited(self) -> bool:
        return self._limit is not None or self._per_partition_limit is not None

    def _restrictions(self) -> Restrictions:
        return analyse(self._table, self._where)

    def _full_key_combinations(self) -> list[dict[str, Any]] | None:
        """If the filter names every primary-key column by = or IN and nothing else, the
        rows it designates (without reading); else None."""
        if self._limited or not self._restrictions().full_key:
            return None
        per_col: dict[str, list[Any]] = {}
        for c in self._where:
            assert isinstance(c, Compare)
            per_col[c.column] = list(dict.fromkeys(c.value)) if c.op is Op.IN else [c.value]
        pk = [c.name for c in self._table.primary_key]
        return [dict(zip(pk, combo)) for combo in itertools.product(*(per_col[n] for n in pk))]

    def _keys(self, driver: Driver | None) -> Flow[list[dict[str, Any]]]:
        """The primary keys of the matching rows: named by the filter, else read (as the
        model holds them: the driver's Date, SortedSet, ... are not)."""
        keys = self._full_key_combinations()
        if keys is not None:
            return keys
        names = tuple(c.name for c in self._table.primary_key)
        c = self._compile(self._select(columns=names), driver)  # the same rows: order, limits
        req = self._request(c, fetch_size=self._page_size or 1000)
        rows = yield from read_pages(req, self._values(names))
        return [dict(zip(names, row)) for row in rows]

    def _values(self, columns: Sequence[str]) -> Callable[[Page], list[tuple[Any, ...]]]:
        """The function from a page of `columns` to their values, as the model holds them."""
        convs = [self._table.by_name[n].from_db for n in columns]

        def values(page: Page) -> list[tuple[Any, ...]]:
            return [
                tuple(v if f is None or v is None else f(v) for f, v in zip(convs, row))
                for row in page.rows
            ]

        return values

    def _bulk(self, driver: Driver | None, make: Any, key_columns: Sequence[str]) -> Flow[int]:
        """Write `make(where)` for each matching key, projected on `key_columns`
        (the partition key alone for static columns), in concurrent groups."""
        keys = yield from self._keys(driver)
        if len(key_columns) < len(self._table.primary_key):
            keys = list(
                {
                    tuple(k[n] for n in key_columns): {n: k[n] for n in key_columns} for k in keys
                }.values()
            )
        for start in range(0, len(keys), BULK_CONCURRENCY):
            group = keys[start : start + BULK_CONCURRENCY]
            reqs = []
            for key in group:
                where = tuple(Compare(n, Op.EQ, v) for n, v in key.items())
                reqs.append(self._request(self._compile(make(where), driver)))
            yield reqs
        return len(keys)

    def _update(
        self, driver: Driver | None, /, *, if_conditions: Any = None, **kwargs: Any
    ) -> Single[LWTResult] | Flow[int]:
        """UPDATE every matching row (by primary key); returns how many rows were written.
        A filter on other columns reads the matching keys first. After `if_exists()`, or
        given `if_conditions` (`{"name__ne": "x"}` or `[Model.name != "x"]`), it is one
        conditional UPDATE of the row the filter names, and returns its LWTResult."""
        if self._model.__coodie_view__:
            self._model._check_writable("update")
        self._check_conditional("update")
        schema = self._table
        parsed = tuple(parse_assignments(schema, kwargs))
        conditional = self._if_exists or if_conditions
        if not parsed and not conditional:
            raise InvalidQueryError(
                f"{self._model.__name__}: update() needs at least one column to set"
            )
        # every write validates its values with the model, as Document.update() does
        valid = self._model._validated_values(
            {a.column: a.value for a in parsed if a.op is AssignOp.SET}
        )
        assignments = tuple(
            Assignment(a.column, a.op, valid[a.column]) if a.op is AssignOp.SET else a
            for a in parsed
        )
        if conditional:
            where, if_exists, ifs = self._conditional_target(if_conditions)
            ttl, ts = self._ttl, self._timestamp
            return self._conditional(driver, Update(assignments, where, ttl, ts, if_exists, ifs))

        def make(where: tuple[Condition, ...]) -> Update:
            return Update(assignments, where, ttl=self._ttl, timestamp=self._timestamp)

        statics = all(schema.by_name[a.column].kind is ColumnKind.STATIC for a in assignments)
        keys = schema.partition_key if statics else schema.primary_key
        self._probe_write(make, keys)  # validate the write before reading anything
        return self._bulk(driver, make, [c.name for c in keys])

    def _check_conditional(self, write: str) -> None:
        if self._if_not_exists:
            raise InvalidQueryError(
                f"{self._model.__name__}: {write}() takes if_exists(), not if_not_exists()"
            )

    def _conditional_target(
        self, if_conditions: Any
    ) -> tuple[tuple[Condition, ...], bool, tuple[Compare, ...]]:
        """(WHERE, IF EXISTS, IF conditions) of a conditional write. A polymorphic
        subclass's `discriminator = value` cannot be in the WHERE of a write (it is not
        a key column): it becomes an IF condition, which also keeps the write off
        another subclass's row (and implies that the row exists)."""
        ifs = _if_conditions(self._table, if_conditions)
        disc = condition(self._model)
        if disc is None or not any(is_condition(c, disc) for c in self._where):
            return self._where, self._if_exists, ifs
        where = tuple(c for c in self._where if not is_condition(c, disc))
        return where, False, (disc, *ifs)  # type: ignore[arg-type]

    def _conditional(self, driver: Driver | None, stmt: Any) -> Single[LWTResult]:
        """The one conditional write `stmt` of the row the filter names: its LWTResult."""
        if self._limited:
            raise InvalidQueryError(
                f"{self._model.__name__}: a conditional write names one row by its key; "
                "drop limit()/per_partition_limit()"
            )
        return _flows.Single(self._request(self._compile(stmt, driver)), self._lwt_result)

    def _delete(
        self, driver: Driver | None, /, *, if_conditions: Any = None
    ) -> Single[LWTResult] | Single[None] | Flow[int]:
        """DELETE every matching row (by primary key).

        A filter that is a partition, or a clustering range in one, is sent as one DELETE
        without reading anything; Cassandra does not say how many rows that removed, so
        the result is None. Otherwise coodie finds the rows' keys (named in the filter, or
        read first) and deletes them by key: the result is how many keys it deleted."""
        self._model._check_writable("delete")
        self._check_conditional("delete")
        if self._if_exists or if_conditions:
            where, if_exists, ifs = self._conditional_target(if_conditions)
            stmt = Delete(where, timestamp=self._timestamp, if_exists=if_exists, if_conditions=ifs)
            return self._conditional(driver, stmt)

        def make(where: tuple[Condition, ...]) -> Delete:
            return Delete(where, timestamp=self._timestamp)

        if self._whole_rows_by_key():  # (compiling validates it, once per shape)
            return _flows.Single(self._request(self._compile(make(self._where), driver)), _none)
        keys = self._table.primary_key
        self._probe_write(make, keys)  # validate the write before reading anything
        return self._bulk(driver, make, [c.name for c in keys])

    def _whole_rows_by_key(self) -> bool:
        """Whether the filter is one a DELETE can take as it is: the partition key by =,
        a clustering prefix by = (the last may be a range), and nothing else."""
        return not self._limited and self._restrictions().whole_rows

    def _probe_write(self, make: Any, keys: Sequence[Any]) -> None:
        validate(make(tuple(Compare(c.name, Op.EQ, 0) for c in keys)), self._table)


# The QuerySet's terminal operations: the name each shell gives it, and the core piece
# (a `Single`, or a flow for work of several steps) it binds to its runner.
TERMINALS: dict[str, Callable[..., Any]] = {
    "all": QuerySetCore._all,
    "first": QuerySetCore._first,
    "trace": QuerySetCore._trace,
    "get": QuerySetCore._get,
    "count": QuerySetCore._count,
    "paged_all": QuerySetCore._paged,
    "page": QuerySetCore._paged,  # (coodie 1.9's name for paged_all)
    "create": QuerySetCore._create,
    "update": QuerySetCore._update,
    "delete": QuerySetCore._delete,
    "exists": QuerySetCore._exists,
    "values_list": QuerySetCore._values_list,
    "explain": QuerySetCore._explain,
}


def read_pages(request: Request | None, each: Callable[[Page], Iterable[R]]) -> Flow[list[R]]:
    """What `each` makes of every page of `request`, the pages read one after another."""
    out: list[R] = []
    while request is not None:
        page: Page = yield request
        got = each(page)
        if out or type(got) is not list:
            out.extend(got)
        else:  # (the first page's own list, not a copy of it)
            out = got
        request = request.next_page(page.paging_state)
    return out


def _analyzed(e: Explanation, request: Request) -> Flow[Explanation]:
    """`e` with what the server's tracing reports of running `request`."""
    trace = yield from run_traced(request)
    return dataclasses.replace(e, trace=trace)


def _count_of(page: Page) -> int:
    """The count of a page of SELECT COUNT(*)."""
    return sum(int(row[0]) for row in page.rows)


def _any_row(page: Page) -> bool:
    return bool(page.rows)


def _none(page: Page) -> None:
    return None


import coodie.flows as _flows  # noqa: E402  (flows imports this module: bound once both exist)
