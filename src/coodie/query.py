"""The immutable QuerySet core: chain methods build a `Select`; flows turn it into requests.

Every chain method returns a new QuerySet; nothing mutates. Terminal operations are
written once here as generator *flows* that yield `Request`s (or lists of them, to run
concurrently) and receive `Page`s; `coodie.sync` and `coodie.aio` only drive them.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from typing_extensions import Self

import coodie.explain as _cost
from coodie import cursors
from coodie.exceptions import ConfigurationError, ExecutionError, InvalidQueryError
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
from coodie.expr.restrictions import Restrictions, analyse
from coodie.registry import get_driver
from coodie.requests import Flow, Page, PagedResult, Request, level_name
from coodie.schema import ColumnKind, TableSchema

if TYPE_CHECKING:
    from coodie.document import DocumentCore, IfConditions, LWTResult
    from coodie.tracing import Trace

__all__ = [
    "BULK_CONCURRENCY",
    "DEFAULT_PAGE_SIZE",
    "PAGED_ALL_PAGE_SIZE",
    "Flow",
    "QuerySetCore",
    "check_page_size",
    "check_timeout",
    "keyspace_of",
    "one_document",
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


def keyspace_of(schema: TableSchema, model: type[DocumentCore]) -> str:
    """The keyspace of `schema`'s statements: the model's own, else its driver's (the one
    place that reads the driver for it)."""
    ks = schema.keyspace or get_driver(schema.driver_name).keyspace
    if not ks:
        raise InvalidQueryError(
            f"{model.__name__}: no keyspace: set Settings.keyspace or pass keyspace= to init_coodie()"
        )
    return ks


def one_document(
    model: type[D], request: Request, rows: Sequence[Any], *, required: bool
) -> D | None:
    """The document of a LIMIT 2 read that must match at most one row."""
    from coodie.exceptions import DocumentNotFound, MultipleDocumentsFound

    if len(rows) > 1:
        raise MultipleDocumentsFound(
            f"{model.__name__}: more than one row matches {request.compiled.cql}"
        )
    if not rows:
        if required:
            raise DocumentNotFound(
                f"{model.__name__}: no row matches {request.compiled.cql} "
                f"with {list(request.compiled.params)!r}"
            )
        return None
    doc: D = model._from_rows(request.compiled.columns, rows)[0]
    return doc


class QuerySetCore(Generic[D]):
    """A lazy, immutable query over one Document class."""

    __slots__ = (
        "_allow_filtering",
        "_ann",
        "_consistency",
        "_counted",
        "_distinct",
        "_if_exists",
        "_if_not_exists",
        "_limit",
        "_model",
        "_only",
        "_order_by",
        "_page_size",
        "_per_partition_limit",
        "_retry_policy",
        "_scan_allowed",
        "_serial_consistency",
        "_table",
        "_timeout",
        "_timestamp",
        "_ttl",
        "_where",
    )

    def __init__(self, model: type[D], where: tuple[Condition, ...] = ()) -> None:
        self._model = model
        self._table = model._schema()  # read once: compiling and the runner use it
        if "__coodie_poly_value__" in model.__dict__:  # a polymorphic subclass: its rows only
            from coodie.polymorphic import condition, is_condition

            disc = condition(model)
            if disc is not None and not any(is_condition(c, disc) for c in where):
                where = (disc, *where)
        self._where = where
        self._order_by: tuple[Ordering, ...] = ()
        self._ann: Ann | None = None
        self._limit: int | None = None
        self._per_partition_limit: int | None = None
        self._allow_filtering = False
        self._scan_allowed = False
        self._only: tuple[str, ...] | None = None
        self._ttl: int | None = None
        self._timestamp: int | None = None
        self._consistency: str | None = None
        self._serial_consistency: str | None = None
        self._retry_policy: Any = None
        self._timeout: float | None = None
        self._page_size: int | None = None
        self._distinct = False
        self._if_exists = False
        self._if_not_exists = False
        self._counted: list[D] | None = None  # what len(qs) read, for the next iteration

    def _copy(self, **changes: Any) -> Self:
        new = object.__new__(type(self))
        new._model = self._model
        new._table = self._table
        new._where = self._where
        new._order_by = self._order_by
        new._ann = self._ann
        new._limit = self._limit
        new._per_partition_limit = self._per_partition_limit
        new._allow_filtering = self._allow_filtering
        new._scan_allowed = self._scan_allowed
        new._only = self._only
        new._ttl = self._ttl
        new._timestamp = self._timestamp
        new._consistency = self._consistency
        new._serial_consistency = self._serial_consistency
        new._retry_policy = self._retry_policy
        new._timeout = self._timeout
        new._page_size = self._page_size
        new._distinct = self._distinct
        new._if_exists = self._if_exists
        new._if_not_exists = self._if_not_exists
        new._counted = None
        for name, value in changes.items():
            setattr(new, name, value)
        return new

    def __repr__(self) -> str:
        try:
            cql, params = self.to_cql()
        except Exception as e:  # repr must not raise
            return f"<{type(self).__name__} {self._model.__name__}: {e}>"
        return f"<{type(self).__name__} {cql} {list(params)!r}>"

    # ------------------------------------------------------------- chain methods

    def filter(self, *exprs: Expr, **lookups: Any) -> Self:
        from coodie.document import conditions_from

        more = conditions_from(self._table, exprs, lookups, self._model)
        return self._copy(_where=self._where + more)

    def limit(self, n: int) -> Self:
        return self._copy(_limit=n)

    def per_partition_limit(self, n: int) -> Self:
        return self._copy(_per_partition_limit=n)

    def order_by(self, *keys: str | Ordering | Column[Any]) -> Self:
        from coodie.document import check_owner

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

    def only(self, *names: str | Column[Any]) -> Self:
        from coodie.document import check_owner

        for n in names:
            if isinstance(n, Column):
                check_owner(self._model, n.model, n.name)
        cols = tuple(n.name if isinstance(n, Column) else n for n in names)
        schema = self._table
        for n in cols:
            schema.column(n)
        return self._copy(_only=cols or None)

    def defer(self, *names: str | Column[Any]) -> Self:
        """Read every column but these (the inverse of `only()`)."""
        cols = {n.name if isinstance(n, Column) else n for n in names}
        schema = self._table
        for n in cols:
            schema.column(n)
        keep = tuple(c.name for c in schema.columns if c.name not in cols)
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

    def _select(self, *, count: bool = False, columns: tuple[str, ...] | None = None) -> Select:
        return Select(
            where=self._where,
            columns=columns if columns is not None else self._only,
            order_by=() if count else self._order_by,
            ann=self._ann,
            limit=None if count else self._limit,
            per_partition_limit=self._per_partition_limit,
            allow_filtering=self._allow_filtering,
            count=count,
            distinct=self._distinct,
        )

    def _compile(self, stmt: Any) -> Compiled:
        table = self._table
        compiled = compile_statement(stmt, table, keyspace_of(table, self._model))
        if _cost.guarded and type(stmt) is Select and not self._scan_allowed:
            policy = self._scan_policy()
            if policy != "allow":
                check_scan(self._model, stmt, table, policy)
        return compiled

    def _scan_policy(self) -> str:
        """The model's Settings.scan_policy, else its driver's (init_coodie), else "allow"."""
        model = self._model
        policy = getattr(getattr(model, "Settings", None), "scan_policy", None)
        if policy is not None:
            return check_scan_policy(policy, f"{model.__name__}.Settings") or "allow"
        try:
            driver = get_driver(self._table.driver_name)
        except ConfigurationError:
            return "allow"
        return getattr(driver, "scan_policy", "allow")

    def to_cql(self) -> tuple[str, tuple[Any, ...]]:
        """The SELECT this QuerySet runs, as `(cql, params)`, validated but not executed."""
        schema = self._table  # (not _compile(): the scan policy guards sending)
        c = compile_statement(self._select(), schema, keyspace_of(self._table, self._model))
        return c.cql, c.params

    def _flow_explain(self, analyze: bool = False) -> Flow[Explanation]:
        """How the server runs this query and what it costs (see coodie.explain); with
        `analyze=True` it runs the query (its first page) with the server's tracing."""
        schema = self._table
        s = self._select()
        if analyze:
            keyspace: str | None = keyspace_of(self._table, self._model)
        else:  # (no server needed: a keyspace the driver would supply may be unknown)
            try:
                keyspace = keyspace_of(self._table, self._model)
            except ConfigurationError:
                keyspace = None
        # (with analyze the query runs: the scan policy guards it as any other)
        c = self._compile(s) if analyze else compile_statement(s, schema, keyspace)
        page_size = self._page_size or DEFAULT_PAGE_SIZE
        e = explain_select(self._model.__name__, s, schema, c.cql, c.params, c.paging, page_size)
        if not analyze:
            return e
        request = self._request(c, fetch_size=page_size if c.paging else 0)
        request.trace = True
        trace = yield from run_traced(request)
        return dataclasses.replace(e, trace=trace)

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

    def _select_request(self) -> Request:
        c = self._compile(self._select())
        if not c.paging:
            return self._request(c, fetch_size=0)
        return self._request(c, fetch_size=self._page_size or DEFAULT_PAGE_SIZE)

    def _driver_name(self) -> str | None:
        return self._table.driver_name

    # ------------------------------------------------------------- flows
    # The flavour shells expose these as all(), first(), get(), count(), paged_all(),
    # create(), update() and delete().

    def _flow_all(self) -> Flow[list[D]]:
        """Every matching document (all pages)."""
        req: Request | None = self._select_request()
        out: list[D] = []
        while req is not None:
            page: Page = yield req
            out.extend(self._model._from_rows(req.compiled.columns, page.rows))
            req = req.next_page(page.paging_state)
        return out

    def _flow_trace(self) -> Flow[Trace[D]]:
        """Run the query (its first page) with tracing on: a `Trace` of the documents read
        and of what the server recorded (coordinator, consistency level, events)."""
        from coodie.tracing import Trace, read_trace_flow

        req = self._select_request()
        req.trace = True
        page: Page = yield req
        if page.trace_id is None:
            raise ExecutionError("the driver returned no trace id for a traced request")
        docs = self._model._from_rows(req.compiled.columns, page.rows)
        return Trace(docs, **(yield from read_trace_flow(page.trace_id)))

    def _flow_first(self) -> Flow[D | None]:
        """The first matching document, or None."""
        qs = self._copy(_limit=1)
        req = qs._select_request()
        page: Page = yield req
        docs = self._model._from_rows(req.compiled.columns, page.rows[:1])
        return docs[0] if docs else None

    def _flow_get(self) -> Flow[D]:
        """The one matching document: `DocumentNotFound` / `MultipleDocumentsFound` otherwise."""
        doc = yield from self._flow_one(required=True)
        assert doc is not None
        return doc

    def _flow_one(self, *, required: bool) -> Flow[D | None]:
        req = self._copy(_limit=2)._select_request()
        page: Page = yield req
        return one_document(self._model, req, page.rows, required=required)

    def _flow_len(self) -> Flow[int]:
        """`len(qs)` (blocking API): the number of matching documents, read whole. They
        are kept for the iteration that follows (`list(qs)` calls len() first), which
        takes them, so that `list(qs)` reads the rows once; a later iteration reads anew."""
        docs = yield from self._flow_all()
        self._counted = docs
        return len(docs)

    def _take_counted(self) -> list[D] | None:
        docs, self._counted = self._counted, None
        return docs

    def _flow_exists(self) -> Flow[bool]:
        """Whether any row matches (reads at most one row's key)."""
        keys = tuple(c.name for c in self._table.primary_key)
        qs = self._copy(_limit=1, _only=None if self._distinct else keys)
        page: Page = yield qs._select_request()
        return bool(page.rows)

    def _flow_values_list(self, *names: str | Column[Any], flat: bool = False) -> Flow[list[Any]]:
        """The values of `names` (every column if none) for each matching row: tuples, or
        with `flat=True` and one column, the values themselves."""
        cols = tuple(n.name if isinstance(n, Column) else n for n in names)
        schema = self._table
        for n in cols:
            schema.column(n)
        if flat and len(cols) != 1:
            raise InvalidQueryError(
                f"{self._model.__name__}: values_list(flat=True) takes exactly one column, got {len(cols)}"
            )
        c = self._compile(self._select(columns=cols or None))
        req: Request | None = self._request(c) if c.paging else self._request(c, fetch_size=0)
        convs = [schema.by_name[n].from_db for n in c.columns]
        out: list[Any] = []
        while req is not None:
            page: Page = yield req
            for row in page.rows:
                values = tuple(v if f is None or v is None else f(v) for f, v in zip(convs, row))
                out.append(values[0] if flat else values)
            req = req.next_page(page.paging_state)
        return out

    def _flow_count(self) -> Flow[int]:
        """SELECT COUNT(*) of the matching rows."""
        req: Request | None = self._request(
            self._compile(self._select(count=True)),
            fetch_size=self._page_size or DEFAULT_PAGE_SIZE,
        )
        total = 0
        while req is not None:  # COUNT(*) over several partitions may come in pages
            page: Page = yield req
            total += sum(int(r[0]) for r in page.rows)
            req = req.next_page(page.paging_state)
        if self._limit is not None:
            total = min(total, self._limit)
        return total

    def _flow_paged(
        self, paging_state: str | None = None, page_size: int | None = None
    ) -> Flow[PagedResult[D]]:
        """One page of documents and the cursor that fetches the next (None after the last).

        The cursor is an opaque URL-safe string signed for this query (its CQL and its
        values): a cursor that was altered, made by another query or not made by coodie
        is an `InvalidQueryError` before anything is sent."""
        if page_size is not None:
            check_page_size(page_size, "paged_all(page_size=...)")
        c = self._compile(self._select())
        if not c.paging:
            why = (
                "an ANN (top-k) query: it returns its LIMIT rows at once"
                if self._ann is not None
                else "a query with both ORDER BY and IN on the partition key; drop one of them"
            )
            raise InvalidQueryError(
                f"{self._model.__name__}: the server cannot page {why}, or use .all()"
            )
        key: bytes = getattr(get_driver(self._driver_name()), "cursor_key", cursors.PROCESS_KEY)
        state = (
            None
            if paging_state is None
            else cursors.decode(key, c.cql, c.params, paging_state, self._model.__name__)
        )
        req = self._request(
            c, fetch_size=page_size or self._page_size or PAGED_ALL_PAGE_SIZE, paging_state=state
        )
        page: Page = yield req
        cursor = (
            cursors.encode(key, c.cql, c.params, page.paging_state) if page.paging_state else None
        )
        return PagedResult(self._model._from_rows(c.columns, page.rows), cursor)

    def _flow_page(self, paging_state: str | None = None) -> Flow[PagedResult[D]]:
        """`paged_all(paging_state=...)` under coodie 1.9's name: `qs.page(state)`."""
        return (yield from self._flow_paged(paging_state))

    def _flow_create(self, /, **kwargs: Any) -> Flow[D]:
        """Insert a document made of the QuerySet's equality filters plus `kwargs`; returns
        it, or after `if_not_exists()` the LWTResult of INSERT ... IF NOT EXISTS."""
        if self._if_exists:
            raise InvalidQueryError(
                f"{self._model.__name__}: create() takes if_not_exists(), not if_exists()"
            )
        values: dict[str, Any] = {}
        for c in self._where:
            if isinstance(c, Compare) and c.op is Op.EQ:
                values[c.column] = c.value
        values.update(kwargs)
        doc = self._model(**values)
        stmt = doc._insert_statement(
            if_not_exists=self._if_not_exists, ttl=self._ttl, timestamp=self._timestamp
        )
        page: Page = yield self._request(self._compile(stmt))
        if self._if_not_exists:
            from coodie.flows import lwt_result

            result: Any = lwt_result(page, self._model)  # (after if_not_exists())
            return result  # type: ignore[no-any-return]
        return doc

    def _key_rows_flow(self) -> Flow[list[dict[str, Any]]]:
        """Read the primary keys of the matching rows."""
        schema = self._table
        names = tuple(c.name for c in schema.primary_key)
        c = self._compile(self._select(columns=names))  # the same rows: order and limits kept
        req: Request | None = self._request(c, fetch_size=self._page_size or 1000)
        # key values as the model holds them (the driver's Date, SortedSet, ... are not)
        convs = [schema.by_name[n].from_db for n in names]
        keys: list[dict[str, Any]] = []
        while req is not None:
            page: Page = yield req
            keys.extend(
                {n: v if f is None or v is None else f(v) for n, f, v in zip(names, convs, row)}
                for row in page.rows
            )
            req = req.next_page(page.paging_state)
        return keys

    def _restrictions(self) -> Restrictions:
        return analyse(self._table, self._where)

    def _full_key_combinations(self) -> list[dict[str, Any]] | None:
        """If the filter names every primary-key column by = or IN and nothing else, the
        rows it designates (without reading); else None."""
        if (
            not self._restrictions().full_key
            or self._limit is not None
            or self._per_partition_limit is not None
        ):
            return None
        per_col: dict[str, list[Any]] = {}
        for c in self._where:
            assert isinstance(c, Compare)
            per_col[c.column] = list(dict.fromkeys(c.value)) if c.op is Op.IN else [c.value]
        pk = [c.name for c in self._table.primary_key]
        return [dict(zip(pk, combo)) for combo in itertools.product(*(per_col[n] for n in pk))]

    def _keys(self) -> Flow[list[dict[str, Any]]]:
        keys = self._full_key_combinations()
        if keys is None:
            keys = yield from self._key_rows_flow()
        return keys

    def _flow_bulk(self, make: Any, key_columns: Sequence[str]) -> Flow[int]:
        """Write `make(where)` for each matching key, projected on `key_columns`
        (the partition key alone for static columns), in concurrent groups."""
        keys = yield from self._keys()
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
                reqs.append(self._request(self._compile(make(where))))
            yield reqs
        return len(keys)

    @overload
    def _flow_update(self, /, *, if_conditions: None = None, **kwargs: Any) -> Flow[int]: ...
    @overload
    def _flow_update(self, /, *, if_conditions: IfConditions, **kwargs: Any) -> Flow[LWTResult]: ...
    def _flow_update(self, /, *, if_conditions: Any = None, **kwargs: Any) -> Flow[Any]:
        """UPDATE every matching row (by primary key); returns how many rows were written.
        A filter on other columns reads the matching keys first. After `if_exists()`, or
        given `if_conditions` (`{"name__ne": "x"}` or `[Model.name != "x"]`), it is one
        conditional UPDATE of the row the filter names, and returns its LWTResult."""
        if self._model.__coodie_view__:
            self._model._check_writable("update")
        if self._if_not_exists:
            raise InvalidQueryError(
                f"{self._model.__name__}: update() takes if_exists(), not if_not_exists()"
            )
        if self._if_exists or if_conditions:
            return (yield from self._conditional_update(kwargs, if_conditions))
        assignments = tuple(parse_assignments(self._table, kwargs))
        if not assignments:
            raise InvalidQueryError(
                f"{self._model.__name__}: update() needs at least one column to set"
            )
        # every write validates its values with the model, as Document.update() does
        sets = {a.column: a.value for a in assignments if a.op is AssignOp.SET}
        valid = self._model._validated_values(sets)
        assignments = tuple(
            Assignment(a.column, a.op, valid[a.column]) if a.op is AssignOp.SET else a
            for a in assignments
        )

        def make(where: tuple[Condition, ...]) -> Update:
            return Update(assignments, where, ttl=self._ttl, timestamp=self._timestamp)

        schema = self._table
        statics = all(schema.by_name[a.column].kind is ColumnKind.STATIC for a in assignments)
        keys = schema.partition_key if statics else schema.primary_key
        self._probe_write(make, keys)  # validate the write before reading anything
        return (yield from self._flow_bulk(make, [c.name for c in keys]))

    def _conditional_target(
        self, if_conditions: tuple[Compare, ...]
    ) -> tuple[tuple[Condition, ...], bool, tuple[Compare, ...]]:
        """(WHERE, IF EXISTS, IF conditions) of a conditional write. A polymorphic
        subclass's `discriminator = value` cannot be in the WHERE of a write (it is not
        a key column): it becomes an IF condition, which also keeps the write off
        another subclass's row (and implies that the row exists)."""
        from coodie.polymorphic import condition, is_condition

        disc = condition(self._model)
        if disc is None or not any(is_condition(c, disc) for c in self._where):
            return self._where, self._if_exists, if_conditions
        where = tuple(c for c in self._where if not is_condition(c, disc))
        return where, False, (disc, *if_conditions)  # type: ignore[arg-type]

    def _conditional_write(self, stmt: Any) -> Flow[Any]:
        from coodie.flows import lwt_result

        if self._limit is not None or self._per_partition_limit is not None:
            raise InvalidQueryError(
                f"{self._model.__name__}: a conditional write names one row by its key; "
                "drop limit()/per_partition_limit()"
            )
        page: Page = yield self._request(self._compile(stmt))
        return lwt_result(page, self._model)

    def _conditional_update(self, kwargs: dict[str, Any], if_conditions: Any) -> Flow[Any]:
        from coodie.document import _if_conditions

        schema = self._table
        assignments = tuple(parse_assignments(schema, kwargs))
        sets = {a.column: a.value for a in assignments if a.op is AssignOp.SET}
        valid = self._model._validated_values(sets)
        assignments = tuple(
            Assignment(a.column, a.op, valid[a.column]) if a.op is AssignOp.SET else a
            for a in assignments
        )
        where, if_exists, ifs = self._conditional_target(_if_conditions(schema, if_conditions))
        stmt = Update(
            assignments,
            where,
            ttl=self._ttl,
            timestamp=self._timestamp,
            if_exists=if_exists,
            if_conditions=ifs,
        )
        return (yield from self._conditional_write(stmt))

    @overload
    def _flow_delete(self, /, *, if_conditions: None = None) -> Flow[int | None]: ...
    @overload
    def _flow_delete(self, /, *, if_conditions: IfConditions) -> Flow[LWTResult]: ...
    def _flow_delete(self, /, *, if_conditions: Any = None) -> Flow[Any]:
        """DELETE every matching row (by primary key).

        A filter that is a partition, or a clustering range in one, is sent as one DELETE
        without reading anything; Cassandra does not say how many rows that removed, so
        the result is None. Otherwise coodie finds the rows' keys (named in the filter, or
        read first) and deletes them by key: the result is how many keys it deleted."""
        self._model._check_writable("delete")
        if self._if_not_exists:
            raise InvalidQueryError(
                f"{self._model.__name__}: delete() takes if_exists(), not if_not_exists()"
            )
        if self._if_exists or if_conditions:
            from coodie.document import _if_conditions

            where, if_exists, ifs = self._conditional_target(
                _if_conditions(self._table, if_conditions)
            )
            stmt = Delete(where, timestamp=self._timestamp, if_exists=if_exists, if_conditions=ifs)
            return (yield from self._conditional_write(stmt))

        def make(where: tuple[Condition, ...]) -> Delete:
            return Delete(where, timestamp=self._timestamp)

        if self._whole_rows_by_key():  # (compiling validates it, once per shape)
            yield self._request(self._compile(make(self._where)))
            return None
        keys = self._table.primary_key
        self._probe_write(make, keys)  # validate the write before reading anything
        return (yield from self._flow_bulk(make, [c.name for c in keys]))

    def _whole_rows_by_key(self) -> bool:
        """Whether the filter is one a DELETE can take as it is: the partition key by =,
        a clustering prefix by = (the last may be a range), and nothing else."""
        if self._limit is not None or self._per_partition_limit is not None:
            return False
        return self._restrictions().whole_rows

    def _probe_write(self, make: Any, keys: Sequence[Any]) -> None:
        from coodie.expr.validate import validate

        validate(make(tuple(Compare(c.name, Op.EQ, 0) for c in keys)), self._table)
