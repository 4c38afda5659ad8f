"""The in-memory driver: `init_coodie(driver_type="memory")`.

It runs the CQL text coodie sends (parsed once per text, values bound per call, as a
server prepares statements) on a `MemoryStore`, with a catalog of keyspaces, tables,
types, indexes and views built from the DDL it receives, and answers the metadata
queries (`system_schema.*`, `system.local`) that `sync_table()` and the migrations read.
TTLs expire on the driver's clock (`driver.clock`, which a test moves with
`driver.advance(seconds)`). What it does not model raises `UnsupportedOperation`
naming it; the list is in docs/testing-your-app.md.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import datetime as dt
import ipaddress
import itertools
import math
import struct
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from coodie.drivers import DriverSettings, keep
from coodie.exceptions import InvalidQueryError, UnsupportedOperation
from coodie.expr import nodes
from coodie.requests import BatchRequest, Page, RawRequest, Request
from coodie.schema import ColumnKind, ColumnSchema, TableSchema
from coodie.testing import cql as q
from coodie.testing.memory import MemoryStore, key_combinations, serialize
from coodie.types import CqlType

if TYPE_CHECKING:
    from coodie.drivers import AsyncDriver, SyncDriver

__all__ = ["MemoryCluster", "MemoryDriver"]

_OPS = {op.value: op for op in nodes.Op}  # CQL operator text -> Op
_EPOCH = dt.datetime(1970, 1, 1)
_PAGE = 5000  # rows per page when a request does not say


def _replication(body: Mapping[str, Any]) -> dict[str, str]:
    """A keyspace's replication as the server keeps it: the strategy's full class name,
    however it was given."""
    rep = {str(k): str(v) for k, v in body.get("replication", {}).items()}
    if "." not in rep.get("class", ""):
        rep["class"] = f"org.apache.cassandra.locator.{rep.get('class', '')}"
    return rep


@dataclass
class _TableDef:
    schema: TableSchema
    options: dict[str, Any] = field(default_factory=dict)
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    view: dict[str, Any] | None = None  # a materialized view: its base and WHERE


@dataclass
class _Keyspace:
    name: str
    replication: dict[str, str]
    durable_writes: bool = True
    tables: dict[str, _TableDef] = field(default_factory=dict)
    types: dict[str, CqlType] = field(default_factory=dict)


@dataclass
class _Prepared:
    tree: Any
    markers: int


class MemoryCluster:
    """The data: keyspaces, tables and their rows, the schema version, the clock. Every
    `MemoryDriver` made with the same cluster sees the same data, as drivers connected
    to one real cluster do. `init_coodie(driver_type="memory", hosts=...)` connects to
    the process's memory cluster of those hosts (made on first use; `forget()` drops
    it); `session=` takes a `MemoryCluster` (or a `MemorySession`) to use that one."""

    _by_hosts: dict[tuple[tuple[str, ...], int], MemoryCluster] = {}

    def __init__(self) -> None:
        self.store = MemoryStore()
        self.keyspaces: dict[str, _Keyspace] = {}
        self.schema_version = uuid.uuid4()
        # (keyspace, table) -> {(partition key, clustering key or None, column or ""): expiry}
        self.expiry: dict[tuple[str, str], dict[tuple[Any, Any, str], float]] = {}
        self.lock = threading.RLock()
        self.offset = 0.0

    @classmethod
    def of_hosts(cls, hosts: Sequence[str] | None, port: int = 9042) -> MemoryCluster:
        key = (tuple(hosts or ("127.0.0.1",)), port)
        cluster = cls._by_hosts.get(key)
        if cluster is None:
            cluster = cls._by_hosts[key] = cls()
        return cluster

    @classmethod
    def forget(cls, hosts: Sequence[str] | None = None, port: int = 9042) -> None:
        """Drop the memory cluster of `hosts` (of every host list, given none)."""
        if hosts is None:
            cls._by_hosts.clear()
        else:
            cls._by_hosts.pop((tuple(hosts), port), None)

    def clock(self) -> float:
        """Seconds since the epoch on this cluster's clock (TTLs expire by it)."""
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the clock forward: TTLs expire as if `seconds` had passed."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def connect(self, keyspace: str | None = None) -> Any:
        """A plain-CQL session (`coodie.testing.session.MemorySession`) on this cluster."""
        from coodie.testing.session import MemorySession

        return MemorySession(MemoryDriver(keyspace, cluster=self), keyspace)

    def shutdown(self) -> None:
        """Nothing to close."""


class MemoryDriver(DriverSettings):
    """A coodie driver whose cluster is in this process's memory."""

    def __init__(
        self, keyspace: str | None = None, *, cluster: MemoryCluster | None = None
    ) -> None:
        super().__init__(keyspace)
        self.cluster = cluster = cluster if cluster is not None else MemoryCluster()
        self.store = cluster.store
        self.keyspaces = cluster.keyspaces
        self._expiry = cluster.expiry
        self._lock = cluster.lock
        self.clock: Callable[[], float] = cluster.clock
        self._prepared: dict[str, _Prepared] = {}
        self._session_keyspace: str | None = None  # a MemorySession's, while it runs

    @property
    def schema_version(self) -> uuid.UUID:
        return self.cluster.schema_version

    def advance(self, seconds: float) -> None:
        """Move the cluster's clock forward: TTLs expire as if `seconds` had passed."""
        self.cluster.advance(seconds)

    # ------------------------------------------------------------- driver protocol

    def connect(self) -> None:
        """Nothing to connect to."""

    async def connect_async(self) -> None:
        """Nothing to connect to."""

    def _after_fork(self) -> None:
        """A forked child keeps a copy of the data, as any process memory."""

    def execute(self, request: Request) -> Page:
        if request.trace:
            raise UnsupportedOperation(
                "the memory driver keeps no server trace: explain(analyze=True) and "
                ".trace() need a Cassandra node"
            )
        c = request.compiled
        with self._lock:
            return self._run(c.cql, c.params, request.fetch_size, request.paging_state, c.paging)

    def execute_concurrent(self, requests: list[Request]) -> list[Page]:
        return [self.execute(r) for r in requests]

    def execute_batch(self, batch: BatchRequest) -> Page:
        with self._lock:
            try:
                return self._batch(
                    [(self._prepare(c.cql), c.params) for c in batch.items], batch.kind
                )
            except _BatchRefused as e:  # (as the drivers say it: with the batch's statements)
                raise InvalidQueryError(f"{e}\n  CQL: {batch.text()}") from None

    def execute_raw(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        if isinstance(raw, str):
            from coodie.drivers import rows_of_cql

            return rows_of_cql(self, raw, params)
        with self._lock:
            return self._run(raw.text("?"), raw.params, None, None, True)

    def shutdown(self) -> None:
        """Nothing to close: the data stays until the driver is dropped."""

    async def execute_async(self, request: Request) -> Page:
        await asyncio.sleep(0)  # a request takes a turn of the loop, and can be cancelled
        return self.execute(request)

    async def execute_concurrent_async(self, requests: list[Request]) -> list[Page]:
        await asyncio.sleep(0)  # a request takes a turn of the loop, and can be cancelled
        return self.execute_concurrent(requests)

    async def execute_batch_async(self, batch: BatchRequest) -> Page:
        await asyncio.sleep(0)  # a request takes a turn of the loop, and can be cancelled
        return self.execute_batch(batch)

    async def execute_raw_async(
        self, raw: RawRequest | str, params: Sequence[Any] | None = None
    ) -> Any:
        if isinstance(raw, str):
            from coodie.drivers import rows_of_cql_async

            return await rows_of_cql_async(self, raw, params)
        await asyncio.sleep(0)
        return self.execute_raw(raw)

    async def shutdown_async(self) -> None:
        self.shutdown()

    # ------------------------------------------------------------- statements

    def _prepare(self, cql: str) -> _Prepared:
        p = self._prepared.get(cql)
        if p is None:
            tree, markers = q.parse(cql)
            p = keep(self._prepared, cql, _Prepared(tree, markers))
        return p

    def _run(
        self,
        cql: str,
        params: Sequence[Any],
        fetch_size: int | None,
        paging_state: bytes | None,
        paging: bool,
    ) -> Page:
        p = self._prepare(cql)
        if len(params) != p.markers:
            raise InvalidQueryError(
                f"there are {p.markers} markers in the statement and {len(params)} values: {cql}"
            )
        tree = p.tree
        if isinstance(tree, q.SelectAst):
            columns, rows = self._select(tree, params)
            size = _PAGE if fetch_size is None else fetch_size
            if not paging or not size:
                return Page(rows, columns)
            start = int(paging_state.decode()) if paging_state else 0
            end = start + size
            return Page(rows[start:end], columns, str(end).encode() if end < len(rows) else None)
        if isinstance(tree, q.BatchAst):
            if tree.timestamp is not None:
                raise UnsupportedOperation(
                    "BATCH: the in-memory driver does not keep write times (USING TIMESTAMP)"
                )
            return self._batch([(_Prepared(s, 0), params) for s in tree.statements], tree.kind)
        if isinstance(tree, q.DdlAst):
            self._ddl(tree)
            return Page([], ())
        return self._write(tree, params)

    # ------------------------------------------------------------- catalog

    def _ks(self, name: str | None) -> _Keyspace:
        name = name or self._session_keyspace or self.keyspace
        if name is None:
            raise InvalidQueryError(
                "No keyspace has been specified. USE a keyspace, or qualify the table"
            )
        ks = self.keyspaces.get(name)
        if ks is None:
            if name == "system_traces":
                raise UnsupportedOperation(
                    "the memory driver keeps no server trace (system_traces): "
                    "explain(analyze=True) and request tracing need a Cassandra node"
                )
            raise InvalidQueryError(f"Keyspace '{name}' does not exist")
        return ks

    def _table(self, keyspace: str | None, name: str) -> tuple[_Keyspace, _TableDef]:
        ks = self._ks(keyspace)
        t = ks.tables.get(name)
        if t is None:
            raise InvalidQueryError(f"table {name} does not exist (unconfigured table {name})")
        return ks, t

    def _type(self, ks: _Keyspace, t: q.TypeRef) -> CqlType:
        if t.name in ("list", "set", "map", "tuple"):
            args = tuple(self._type(ks, a) for a in t.args)
            return CqlType(t.name, args, t.frozen or t.name == "tuple")  # a tuple always is
        if t.name == "vector":
            return CqlType("vector", (self._type(ks, t.args[0]),), t.frozen, size=int(t.args[1]))
        if t.name in q._NATIVE:
            return CqlType("text" if t.name == "varchar" else t.name)
        udts = self._ks(t.keyspace or ks.name).types
        udt = udts.get(t.name)
        if udt is None:
            raise InvalidQueryError(f"Unknown type {ks.name}.{t.name}")
        return CqlType(udt.name, udt.args, t.frozen, fields=udt.fields)

    def _changed(self) -> None:
        self.cluster.schema_version = uuid.uuid4()

    def _ddl(self, d: q.DdlAst) -> None:
        if d.verb == "use":
            self._ks(d.name)
            self.keyspace = d.name
            return
        if d.what == "keyspace":
            return self._ddl_keyspace(d)
        if d.what in ("index", "custom index"):
            return self._ddl_index(d)
        if d.verb == "truncate":
            ks, _ = self._table(d.keyspace, d.name)
            return self._drop_data(ks.name, d.name)
        ks = self._ks(d.keyspace)
        if d.what == "type":
            return self._ddl_type(ks, d)
        exists = d.name in ks.tables
        if not _acts(
            d, exists, f"Object {ks.name}.{d.name}", f"table {ks.name}.{d.name} does not exist"
        ):
            return None
        if d.verb == "create":
            ks.tables[d.name] = self._new_table(ks, d)
        elif d.verb == "drop":
            del ks.tables[d.name]
            self._drop_data(ks.name, d.name)
        else:
            return self._alter_table(ks, ks.tables[d.name], d)
        self._changed()
        return None

    def _drop_data(self, keyspace: str, table: str) -> None:
        self.store.tables.pop((keyspace, table), None)
        self._expiry.pop((keyspace, table), None)

    def _ddl_keyspace(self, d: q.DdlAst) -> None:
        if not _acts(
            d, d.name in self.keyspaces, f"Keyspace {d.name}", f"Keyspace {d.name} doesn't exist"
        ):
            return
        if d.verb == "create":
            self.keyspaces[d.name] = _Keyspace(
                d.name, _replication(d.body), bool(d.body.get("durable_writes", True))
            )
        elif d.verb == "drop":
            for ks_name, table in list(self.store.tables):
                if ks_name == d.name:
                    self._drop_data(ks_name, table)
            del self.keyspaces[d.name]
        elif "replication" in d.body:
            self.keyspaces[d.name].replication = _replication(d.body)
        self._changed()

    def _ddl_type(self, ks: _Keyspace, d: q.DdlAst) -> None:
        if not _acts(
            d,
            d.name in ks.types,
            f"A user type with name '{d.name}'",
            f"No user type named '{d.name}' exists",
        ):
            return
        if d.verb == "create":
            names = tuple(n for n, _ in d.body["fields"])
            types = tuple(self._type(ks, t) for _, t in d.body["fields"])
            ks.types[d.name] = CqlType(d.name, types, fields=names)
        elif d.verb == "drop":
            del ks.types[d.name]
        else:
            udt = ks.types[d.name]
            field_names, field_types = list(udt.fields), list(udt.args)
            for n, tr in d.body.get("add", []):
                field_names.append(n)
                field_types.append(self._type(ks, tr))
            for old, new in d.body.get("rename", []):
                field_names[field_names.index(old)] = new
            ks.types[d.name] = CqlType(d.name, tuple(field_types), fields=tuple(field_names))
        self._changed()

    def _new_table(self, ks: _Keyspace, d: q.DdlAst) -> _TableDef:
        b = d.body
        view = None
        if d.what == "view":
            _, base = self._table(b["base_keyspace"] or ks.name, b["base"])
            names = b["columns"] or [c.name for c in base.schema.columns]
            for extra in (*b["pk"], *b["ck"]):
                if extra not in names:
                    names.append(extra)
            cols = [(n, base.schema.by_name[n].cql_type, False) for n in names]
            view = {"base": b["base"], "where": b["where"], "where_text": b["where_text"]}
        else:
            cols = [(n, self._type(ks, t), static) for n, t, static in b["columns"]]
        pk, ck = b["pk"], b["ck"]
        columns = []
        for name, t, static in cols:
            if name in pk:
                kind, pos = ColumnKind.PARTITION_KEY, pk.index(name)
            elif name in ck:
                kind, pos = ColumnKind.CLUSTERING, ck.index(name)
            else:
                kind, pos = (ColumnKind.STATIC if static else ColumnKind.REGULAR), 0
            columns.append(
                ColumnSchema(
                    name, t, kind, pos, b["order"].get(name, "ASC"), is_counter=t.name == "counter"
                )
            )
        for name in (*pk, *ck):
            if all(name != n for n, _, _ in cols):
                raise InvalidQueryError(f"Unknown definition {name} referenced in PRIMARY KEY")
        schema = TableSchema(
            d.name, ks.name, tuple(columns), is_counter=any(c.is_counter for c in columns)
        )
        return _TableDef(schema, dict(b["options"]), view=view)

    def _alter_table(self, ks: _Keyspace, t: _TableDef, d: q.DdlAst) -> None:
        columns = list(t.schema.columns)
        table = self.store.tables.get((ks.name, d.name))
        for name, tr, static in d.body.get("add", []):
            if any(c.name == name for c in columns):
                raise InvalidQueryError(f"Column with name '{name}' already exists")
            ct = self._type(ks, tr)
            kind = ColumnKind.STATIC if static else ColumnKind.REGULAR
            columns.append(ColumnSchema(name, ct, kind, is_counter=ct.name == "counter"))
        for name in d.body.get("drop", []):
            col = t.schema.by_name.get(name)
            if col is None:
                raise InvalidQueryError(f"Column {name} was not found in table {d.name}")
            if col.is_primary_key:
                raise InvalidQueryError(f"Cannot drop PRIMARY KEY column {name}")
            columns.remove(col)
            for part in table.partitions.values() if table else ():
                part.static.pop(name, None)
                for row in part.rows.values():
                    row.pop(name, None)
        if "rename" in d.body:
            raise UnsupportedOperation("the in-memory driver does not rename columns")
        t.options.update(d.body.get("with", {}))
        t.schema = TableSchema(d.name, ks.name, tuple(columns), is_counter=t.schema.is_counter)
        if table is not None:
            table.schema = t.schema
        self._changed()

    def _ddl_index(self, d: q.DdlAst) -> None:
        if d.verb == "drop":
            named = d.keyspace or self._session_keyspace or self.keyspace
            for ks in [self._ks(named)] if named else list(self.keyspaces.values()):
                for t in ks.tables.values():
                    if t.indexes.pop(d.name, None) is not None:
                        self._changed()
                        return
            _acts(d, False, "", f"Index '{d.name}' could not be found in any of the tables")
            return
        b = d.body
        ks, t = self._table(d.keyspace, b["table"])
        name = d.name or f"{b['table']}_{b['column']}_idx"
        if b["column"] not in t.schema.by_name:
            raise InvalidQueryError(f"Column {b['column']} was not found in table {b['table']}")
        if not _acts(d, any(name in o.indexes for o in ks.tables.values()), f"Index {name}", ""):
            return
        using = b["using"]
        target = b["column"] if b["kind"] == "values" else f"{b['kind']}({b['column']})"
        options = {"target": target, **{str(k): str(v) for k, v in b["options"].items()}}
        if using:
            options["class_name"] = (
                "org.apache.cassandra.index.sai.StorageAttachedIndex"
                if using.lower() in ("sai", "storageattachedindex")
                else using
            )
        t.indexes[name] = {"kind": "CUSTOM" if using else "COMPOSITES", "options": options}
        self._changed()

    # ------------------------------------------------------------- values

    def _value(self, term: Any, params: Sequence[Any], t: CqlType | None) -> Any:
        if isinstance(term, q.Marker):
            v = params[term.index]
        elif isinstance(term, q.Lit):
            v = term.value
        elif isinstance(term, q.Coll):
            v = self._coll(term, params, t)
        elif isinstance(term, q.Func):
            v = _function(term, [self._value(a, params, None) for a in term.args])
        else:
            raise InvalidQueryError(f"not a value: {term!r}")
        return _norm(t, v)

    def _coll(self, c: q.Coll, params: Sequence[Any], t: CqlType | None) -> Any:
        """A collection literal's Python value (`_norm` then types its elements)."""
        if c.kind in ("map", "udt"):
            return {
                k if c.kind == "udt" else self._value(k, params, None): self._value(v, params, None)
                for k, v in c.items
            }
        if not c.items and t is not None and (t.is_udt or t.name == "map"):
            return {}  # `{}`: an empty map or UDT (parsed as a set)
        items = [self._value(i, params, None) for i in c.items]
        return set(items) if c.kind == "set" else tuple(items) if c.kind == "tuple" else items

    def _where(
        self, conds: list[q.Cond], params: Sequence[Any], schema: TableSchema
    ) -> tuple[nodes.Condition, ...]:
        out: list[nodes.Condition] = []
        for c in conds:
            if c.op == "IS NOT NULL":
                continue
            if c.token:
                value = self._value(c.term, params, None)
                out.append(nodes.TokenCompare(c.columns, _OPS[c.op], value))
                continue
            base, dot, field = c.columns[0].partition(".")
            col = _column(schema, base)
            name, t = col.name, col.cql_type
            if c.op == "LIKE":
                raise UnsupportedOperation(f"the in-memory driver does not run LIKE ({name})")
            if dot:  # IF home.city = ?: one field of a UDT column
                if field not in t.fields:
                    raise InvalidQueryError(f"{name} has no field {field}")
                name, t = f"{name}.{field}", t.args[t.fields.index(field)]
            elif c.op in ("CONTAINS", "CONTAINS KEY"):  # an element, a value or a key
                t = t.args[-1 if c.op == "CONTAINS" else 0] if t.args else t
            if c.op == "IN" and isinstance(c.term, q.Coll):  # IN (?, ?): each value typed
                value = [self._value(i, params, t) for i in c.term.items]
            elif c.op == "IN":  # IN ?: a list of values
                value = [_norm(t, x) for x in self._value(c.term, params, None)]
            else:
                value = self._value(c.term, params, t)
            out.append(nodes.Compare(name, _OPS[c.op], value))
        return tuple(out)

    def _int(self, term: Any, params: Sequence[Any]) -> int | None:
        return None if term is None else int(self._value(term, params, None))

    # ------------------------------------------------------------- reads

    def _select(self, s: q.SelectAst, params: Sequence[Any]) -> tuple[tuple[str, ...], list[Any]]:
        ks_name = s.keyspace or self._session_keyspace or self.keyspace
        if ks_name in ("system_schema", "system", "system_views", "system_virtual_schema"):
            return self._system(s, params)
        ks, t = self._table(s.keyspace, s.table)
        self._expire(ks.name, t)
        schema = t.schema
        where = self._where(s.where, params, schema)
        if s.ann is not None:
            raise UnsupportedOperation(
                f"{s.table}: the in-memory driver does not run ANN (vector) queries"
            )
        if s.json:
            raise UnsupportedOperation(f"{s.table}: the in-memory driver does not run SELECT JSON")
        names = (
            _star(schema)
            if s.selectors is None
            else [_column(schema, n).name for _, n in s.selectors]
        )
        functions = s.selectors is not None and any(fn for fn, _ in s.selectors)
        keys = [c.name for c in schema.primary_key] if functions else []
        stmt = nodes.Select(
            where=where,
            columns=(*names, *keys),
            order_by=tuple(nodes.Ordering(_column(schema, c).name, d) for c, d in s.order_by),
            limit=self._int(s.limit, params),
            per_partition_limit=self._int(s.per_partition_limit, params),
            allow_filtering=s.allow_filtering,
            count=s.count,
            distinct=s.distinct,
        )
        store = self.store if t.view is None else self._view_store(ks, t)
        rows = store.select(stmt, schema, ks.name)
        if s.count:
            return (s.count_alias,), rows
        if functions:
            assert s.selectors is not None
            rows = self._functions(ks.name, t, s.selectors, [*names, *keys], rows)
            return tuple(f"{fn}({n})" if fn else n for fn, n in s.selectors), rows
        return tuple(names), rows

    def _functions(
        self,
        keyspace: str,
        t: _TableDef,
        selectors: list[tuple[str, str]],
        names: list[str],
        rows: list[Any],
    ) -> list[Any]:
        """TTL(c): the seconds left of the cell's TTL, or null."""
        if any(fn == "writetime" for fn, _ in selectors):
            raise UnsupportedOperation("the in-memory driver does not keep write times (WRITETIME)")
        schema = t.schema
        expiry = self._expiry.get((keyspace, t.schema.name), {})
        now = self.clock()
        out = []
        for row in rows:
            values = dict(zip(names, row))
            key = tuple(values.get(c.name) for c in schema.partition_key)
            ck = tuple(values.get(c.name) for c in schema.clustering_key)
            new = []
            for (fn, n), v in zip(selectors, row):
                if fn == "ttl":
                    col = schema.by_name[n]
                    cell = (key, None if col.kind is ColumnKind.STATIC else ck, n)
                    when = expiry.get(cell)
                    v = None if when is None or values.get(n) is None else math.ceil(when - now)
                new.append(v)
            out.append(tuple(new[: len(selectors)]))
        return out

    def _view_store(self, ks: _Keyspace, view: _TableDef) -> MemoryStore:
        """A view read now: the base table's rows that the view's WHERE keeps, under the
        view's primary key."""
        assert view.view is not None
        _, base = self._table(ks.name, view.view["base"])
        self._expire(ks.name, base)
        names = [c.name for c in base.schema.columns]
        rows = self.store.select(nodes.Select(columns=tuple(names)), base.schema, ks.name)
        where = self._where(view.view["where"], (), base.schema)
        out = MemoryStore()
        keys = [c.name for c in view.schema.primary_key]
        for row in rows:
            values = dict(zip(names, row))
            if any(values.get(k) is None for k in keys):
                continue
            if not MemoryStore._row_matches(values, where, base.schema):
                continue
            stmt = nodes.Insert(tuple((c.name, values.get(c.name)) for c in view.schema.columns))
            out.write(stmt, view.schema, ks.name)
        return out

    def _system(self, s: q.SelectAst, params: Sequence[Any]) -> tuple[tuple[str, ...], list[Any]]:
        table = f"{s.keyspace or self._session_keyspace or self.keyspace}.{s.table}"
        source = _SYSTEM.get(table)
        if source is None:
            raise UnsupportedOperation(f"the in-memory driver does not answer {table}")
        rows = source(self)
        for c in s.where:
            want = self._value(c.term, params, None)
            if c.op == "=":
                rows = [r for r in rows if r.get(c.columns[0]) == want]
            elif c.op == "IN":
                rows = [r for r in rows if r.get(c.columns[0]) in want]
            else:
                raise UnsupportedOperation(f"the in-memory driver filters {table} by = and IN only")
        if s.count:
            return (s.count_alias,), [(len(rows),)]
        names: list[str] = list(rows[0]) if rows else []
        if s.selectors is not None:
            names = [n for _, n in s.selectors]
        return tuple(names), [tuple(r.get(n) for n in names) for r in rows]

    # ------------------------------------------------------------- writes

    def _statement(self, tree: Any, params: Sequence[Any]) -> tuple[_Keyspace, _TableDef, Any]:
        ks, t = self._table(tree.keyspace, tree.table)
        if t.view is not None:
            raise InvalidQueryError(f"Cannot directly modify a materialized view ({tree.table})")
        schema = t.schema
        if tree.timestamp is not None:
            raise UnsupportedOperation(
                f"{tree.table}: the in-memory driver does not keep write times (USING TIMESTAMP)"
            )
        if isinstance(tree, q.InsertAst):
            values = tuple(
                (_column(schema, n).name, self._value(v, params, _column(schema, n).cql_type))
                for n, v in zip(tree.columns, tree.values)
            )
            for c in schema.primary_key:
                if dict(values).get(c.name) is None:
                    raise InvalidQueryError(f"Invalid null value for primary key column {c.name}")
            return ks, t, nodes.Insert(values, tree.if_not_exists, self._int(tree.ttl, params))
        where = self._where(tree.where, params, schema)
        conds = tuple(
            c
            for c in self._where(tree.if_conditions, params, schema)
            if isinstance(c, nodes.Compare)
        )
        if isinstance(tree, q.UpdateAst):
            assigns = tuple(self._assignment(schema, a, params) for a in tree.assignments)
            ttl = self._int(tree.ttl, params)
            return ks, t, nodes.Update(assigns, where, ttl, None, tree.if_exists, conds)
        columns = []
        elements = []  # DELETE m[key], l[index]: the store deletes them as the server does
        for name, elem in tree.targets:
            col = _column(schema, name)
            ct = col.cql_type
            if elem is None:
                columns.append(col.name)
            elif ct.name in ("list", "map"):  # a map's key, or a list's index
                key_type = ct.args[0] if ct.name == "map" else None
                elements.append((col.name, self._value(elem, params, key_type)))
            else:
                raise InvalidQueryError(f"Invalid element deletion on {ct.name} column {col.name}")
        delete = nodes.Delete(where, tuple(columns), None, tree.if_exists, conds, tuple(elements))
        return ks, t, delete

    def _assignment(
        self, schema: TableSchema, a: tuple[str, str, Any, Any], params: Sequence[Any]
    ) -> nodes.Assignment:
        name, kind, term, extra = a
        col = _column(schema, name)
        t = col.cql_type
        op, vt = _ASSIGN.get(kind), t  # the operation, and the type of its value
        if kind == "setfield":
            ft = dict(zip(t.fields, t.args))
            value: Any = (extra, self._value(term, params, ft.get(extra)))
        elif kind == "setindex" and t.name == "map":  # m[k] = v
            op, value = (
                nodes.AssignOp.PUT,
                {self._value(extra, params, t.args[0]): self._value(term, params, t.args[1])},
            )
        elif kind == "setindex":  # l[i] = v
            value = (self._value(extra, params, None), self._value(term, params, t.args[0]))
        else:
            if t.name == "counter" and kind in ("add", "sub"):
                op, vt = nodes.AssignOp.INCR if kind == "add" else nodes.AssignOp.DECR, _BIGINT
            elif kind == "sub":  # a map's keys, or a set's or a list's elements
                vt = CqlType("set", (t.args[0],)) if t.name == "map" else t
            elif kind == "add":
                op = _PLUS.get(t.name)
                if op is None:
                    raise InvalidQueryError(
                        f"Invalid operation ({name} = {name} + ?) for non collection column {name}"
                    )
            value = self._value(term, params, vt)
        assert op is not None
        return nodes.Assignment(col.name, op, value)

    def _write(self, tree: Any, params: Sequence[Any]) -> Page:
        ks, t, stmt = self._statement(tree, params)
        self._expire(ks.name, t)
        result = self.store.write(stmt, t.schema, ks.name)
        if result is not None and not result.applied:
            return _lwt_page(result)
        self._written(ks, t, stmt)
        return _lwt_page(result) if result is not None else Page([], ())

    def _batch(self, items: list[tuple[_Prepared, Sequence[Any]]], kind: str) -> Page:
        stmts = []
        for p, params in items:
            if not isinstance(p.tree, (q.InsertAst, q.UpdateAst, q.DeleteAst)):
                raise InvalidQueryError("a batch holds INSERT, UPDATE and DELETE statements only")
            stmts.append(self._statement(p.tree, params))
        conditional = [s for s in stmts if _conditional(s[2])]
        if conditional:
            _one_partition(stmts)
            # every condition is read before any write of the batch applies
            keys = {(ks.name, t.schema.name) for ks, t, _ in stmts}
            saved = {k: _copy_table(self.store.tables.get(k)) for k in keys}
            for ks, t, stmt in conditional:
                self._expire(ks.name, t)
                result = self.store.write(stmt, t.schema, ks.name)
                if result is not None and not result.applied:
                    self._restore(saved)
                    return _lwt_page(result)
            self._restore(saved)
        for ks, t, stmt in stmts:
            self._expire(ks.name, t)
            self.store.write(_unconditional(stmt), t.schema, ks.name)
            self._written(ks, t, stmt)
        return Page([(True,)], ("[applied]",)) if conditional else Page([], ())

    def _restore(self, saved: dict[tuple[str, str], Any]) -> None:
        for k, table in saved.items():
            if table is None:
                self.store.tables.pop(k, None)
            else:
                self.store.tables[k] = table

    # ------------------------------------------------------------- TTL

    def _written(self, ks: _Keyspace, t: _TableDef, stmt: Any) -> None:
        """Record (or clear) the expiry of the cells a write set."""
        ttl = getattr(stmt, "ttl", None)
        if ttl is None:
            ttl = int(t.options.get("default_time_to_live", 0) or 0)
        expiry = self._expiry.setdefault((ks.name, t.schema.name), {})
        if not ttl and not expiry:
            return
        schema = t.schema
        when = self.clock() + ttl if ttl else None
        where = _where_of(stmt)
        if isinstance(stmt, nodes.Insert):
            cells = ["", *(n for n, _ in stmt.values if not schema.by_name[n].is_primary_key)]
        elif isinstance(stmt, nodes.Update):
            cells = [a.column for a in stmt.assignments]
        else:
            return
        keys = itertools.product(
            key_combinations(schema.partition_key, where),
            key_combinations(schema.clustering_key, where),
        )
        for pk, ck in keys:
            for n in cells:
                static = n and schema.by_name[n].kind is ColumnKind.STATIC
                cell = (pk, None if static else ck, n)
                if when is None:
                    expiry.pop(cell, None)
                else:
                    expiry[cell] = when

    def _expire(self, keyspace: str, t: _TableDef) -> None:
        expiry = self._expiry.get((keyspace, t.schema.name))
        if not expiry:
            return
        now = self.clock()
        gone = [cell for cell, when in expiry.items() if when <= now]
        if not gone:
            return
        table = self.store.tables.get((keyspace, t.schema.name))
        partitions = table.partitions if table is not None else {}
        for cell in gone:
            del expiry[cell]
            pk, ck, n = cell
            part = partitions.get(pk)
            if part is None:
                continue
            if ck is None:
                part.static.pop(n, None)
            elif n == "":
                part.markers.discard(ck)
            elif ck in part.rows:
                part.rows[ck].pop(n, None)
            if ck is not None and ck in part.rows and not part.live(ck):
                del part.rows[ck]
                part.markers.discard(ck)
            if not part.rows and not any(v is not None for v in part.static.values()):
                del partitions[pk]


# ------------------------------------------------------------------ helpers

# an assignment's kind as the parser names it -> its operation (`add` by the column's type)
_ASSIGN = {
    "set": nodes.AssignOp.SET,
    "prepend": nodes.AssignOp.PREPEND,
    "sub": nodes.AssignOp.REMOVE,
    "setfield": nodes.AssignOp.SETFIELD,
    "setindex": nodes.AssignOp.SETINDEX,
}
_PLUS = {"set": nodes.AssignOp.ADD, "list": nodes.AssignOp.APPEND, "map": nodes.AssignOp.PUT}
_BIGINT = CqlType("bigint")


def _acts(d: q.DdlAst, exists: bool, what: str, missing: str) -> bool:
    """Whether a DDL statement acts: a CREATE of what exists (`what`), or an ALTER or a
    DROP of what does not (`missing` says it), is refused as the server refuses it, or
    does nothing under IF NOT EXISTS / IF EXISTS."""
    if exists == (d.verb == "create") and not d.if_exists:
        raise InvalidQueryError(f"{what} already exists" if exists else missing)
    return exists != (d.verb == "create")


def _copy_table(table: Any) -> Any:
    if table is None:
        return None
    return type(table)(table.schema, copy.deepcopy(table.partitions))


def _conditional(stmt: Any) -> bool:
    if isinstance(stmt, nodes.Insert):
        return stmt.if_not_exists
    return bool(stmt.if_exists or stmt.if_conditions)


def _unconditional(stmt: Any) -> Any:
    if isinstance(stmt, nodes.Insert):
        return dataclasses.replace(stmt, if_not_exists=False)
    return dataclasses.replace(stmt, if_exists=False, if_conditions=())


def _lwt_page(result: Any) -> Page:
    existing = result.existing or {}
    return Page([(result.applied, *existing.values())], ("[applied]", *existing))


def _column(schema: TableSchema, name: str) -> ColumnSchema:
    col = schema.by_name.get(name) or schema.by_name.get(name.lower())
    if col is None:
        raise InvalidQueryError(
            f"Undefined column name {name} in table {schema.keyspace}.{schema.name}"
        )
    return col


def _star(schema: TableSchema) -> list[str]:
    """SELECT *: partition key, clustering key, then the other columns by name."""
    rest = sorted(c.name for c in schema.columns if not c.is_primary_key)
    return [c.name for c in schema.primary_key] + rest


def _function(f: q.Func, args: list[Any]) -> Any:
    if f.name == "now":
        return uuid.uuid1()
    if f.name == "uuid":
        return uuid.uuid4()
    if f.name in ("totimestamp", "currenttimestamp"):
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    raise UnsupportedOperation(f"the in-memory driver does not run {f.name}()")


def _norm(t: CqlType | None, v: Any) -> Any:
    """A value as the server stores and returns it."""
    if v is None or t is None:
        return v
    name = t.name
    if t.fields:
        get = v.get if isinstance(v, dict) else (lambda k, d=None: getattr(v, k, d))
        return {f: _norm(ft, get(f)) for f, ft in zip(t.fields, t.args)}
    if name == "list" or name == "vector":
        return [_norm(t.args[0], x) for x in v]
    if name == "set":
        return {_norm(t.args[0], x) for x in v}
    if name == "map":
        return {_norm(t.args[0], k): _norm(t.args[1], x) for k, x in dict(v).items()}
    if name == "tuple":
        return tuple(_norm(a, x) for a, x in zip(t.args, v))
    if name == "timestamp":
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return _EPOCH + dt.timedelta(milliseconds=int(v))
        if isinstance(v, str):
            v = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        if isinstance(v, dt.datetime):
            if v.tzinfo is not None:
                v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return v.replace(microsecond=v.microsecond // 1000 * 1000)
        if isinstance(v, dt.date):
            return dt.datetime(v.year, v.month, v.day)
        return v
    if name == "date":
        if isinstance(v, str):
            return dt.date.fromisoformat(v)
        if isinstance(v, dt.datetime):
            return v.date()
        if hasattr(v, "date") and not isinstance(v, dt.date):
            return v.date()
        return v
    if name == "time":
        if isinstance(v, str):
            return dt.time.fromisoformat(v)
        if isinstance(v, int):
            secs, ns = divmod(v, 10**9)
            return dt.time(secs // 3600, secs // 60 % 60, secs % 60, ns // 1000)
        if hasattr(v, "time") and not isinstance(v, dt.time):
            return v.time()
        return v
    if name == "float":
        return struct.unpack(">f", struct.pack(">f", v))[0]
    if name == "double" and isinstance(v, int):
        return float(v)
    if name in ("uuid", "timeuuid") and not isinstance(v, uuid.UUID):
        return uuid.UUID(str(v))
    if name == "inet":
        return str(ipaddress.ip_address(v))
    if name == "blob":
        return bytes(v)
    if name == "decimal" and not isinstance(v, Decimal):
        return Decimal(str(v))
    return v


# ------------------------------------------------------------------ system tables


def _keyspaces(d: MemoryDriver) -> list[dict[str, Any]]:
    return [
        {
            "keyspace_name": k.name,
            "durable_writes": k.durable_writes,
            "replication": dict(k.replication),
        }
        for k in d.keyspaces.values()
    ]


_TABLE_DEFAULTS: dict[str, Any] = {
    "comment": "",
    "default_time_to_live": 0,
    "gc_grace_seconds": 864000,
    "bloom_filter_fp_chance": 0.01,
    "crc_check_chance": 1.0,
    "speculative_retry": "99p",
    "additional_write_policy": "99p",
    "memtable_flush_period_in_ms": 0,
    "min_index_interval": 128,
    "max_index_interval": 2048,
    "read_repair": "BLOCKING",
    "caching": {"keys": "ALL", "rows_per_partition": "NONE"},
    "compaction": {
        "class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
        "max_threshold": "32",
        "min_threshold": "4",
    },
    "compression": {
        "chunk_length_in_kb": "16",
        "class": "org.apache.cassandra.io.compress.LZ4Compressor",
    },
}


def _tables(d: MemoryDriver, views: bool = False) -> list[dict[str, Any]]:
    out = []
    for k in d.keyspaces.values():
        for t in k.tables.values():
            if (t.view is not None) != views:
                continue
            row = {"keyspace_name": k.name, **_TABLE_DEFAULTS}
            row.update({o: (dict(v) if isinstance(v, dict) else v) for o, v in t.options.items()})
            if views:
                assert t.view is not None
                row.update(
                    view_name=t.schema.name,
                    base_table_name=t.view["base"],
                    where_clause=t.view["where_text"],
                    include_all_columns=False,
                )
            else:
                row["table_name"] = t.schema.name
                row["flags"] = {"compound"} if not t.schema.is_counter else {"compound", "counter"}
            out.append(row)
    return out


def _columns(d: MemoryDriver) -> list[dict[str, Any]]:
    out = []
    for k in d.keyspaces.values():
        for t in k.tables.values():
            for c in t.schema.columns:
                clustering = c.kind is ColumnKind.CLUSTERING
                out.append(
                    {
                        "keyspace_name": k.name,
                        "table_name": t.schema.name,
                        "column_name": c.name,
                        "clustering_order": c.order.lower() if clustering else "none",
                        "column_name_bytes": c.name.encode(),
                        "kind": c.kind.value,
                        "position": c.position if c.is_primary_key else -1,
                        "type": c.cql_type.cql,
                    }
                )
    return out


def _indexes(d: MemoryDriver) -> list[dict[str, Any]]:
    return [
        {
            "keyspace_name": k.name,
            "table_name": t.schema.name,
            "index_name": name,
            "kind": ix["kind"],
            "options": dict(ix["options"]),
        }
        for k in d.keyspaces.values()
        for t in k.tables.values()
        for name, ix in t.indexes.items()
    ]


def _types(d: MemoryDriver) -> list[dict[str, Any]]:
    return [
        {
            "keyspace_name": k.name,
            "type_name": u.name,
            "field_names": list(u.fields),
            "field_types": [a.cql for a in u.args],
        }
        for k in d.keyspaces.values()
        for u in k.types.values()
    ]


def _local(d: MemoryDriver) -> list[dict[str, Any]]:
    return [
        {
            "key": "local",
            "schema_version": d.schema_version,
            "release_version": "5.0-memory",
            "cluster_name": "coodie memory",
            "data_center": "datacenter1",
            "rack": "rack1",
            "cql_version": "3.4.7",
        }
    ]


_SYSTEM: dict[str, Callable[[MemoryDriver], list[dict[str, Any]]]] = {
    "system_schema.keyspaces": _keyspaces,
    "system_schema.tables": _tables,
    "system_schema.views": lambda d: _tables(d, views=True),
    "system_schema.columns": _columns,
    "system_schema.indexes": _indexes,
    "system_schema.types": _types,
    "system.local": _local,
    "system.peers": lambda d: [],
    "system.peers_v2": lambda d: [],
}


if TYPE_CHECKING:

    def _is_a_driver(d: MemoryDriver) -> tuple[SyncDriver, AsyncDriver]:
        """mypy checks that the memory driver serves both flavours' driver protocols."""
        return d, d


def _where_of(stmt: Any) -> Sequence[nodes.Condition]:
    """The key conditions of a write: an INSERT's values, as `=`."""
    if isinstance(stmt, nodes.Insert):
        return [nodes.Compare(n, nodes.Op.EQ, v) for n, v in stmt.values]
    return tuple(getattr(stmt, "where", ()))


class _BatchRefused(InvalidQueryError):
    """A batch the server would refuse as a whole (execute_batch names its statements;
    a raw BEGIN BATCH raises it as it is)."""


def _one_partition(stmts: Sequence[tuple[Any, _TableDef, Any]]) -> None:
    """The server's rule for a batch with conditions: one table, one partition."""
    if len({(ks.name, t.schema.name) for ks, t, _ in stmts}) > 1:
        raise _BatchRefused("Batch with conditions cannot span multiple tables")
    partitions = set()
    for _, t, stmt in stmts:
        columns = t.schema.partition_key
        for key in key_combinations(columns, _where_of(stmt)):
            # as the server tells partitions apart: by their keys' bytes (two NaNs are one
            # partition; 1.0 and 1.00, 0.0 and -0.0 are two)
            partitions.add(tuple(_key_bytes(c.cql_type, v) for c, v in zip(columns, key)))
    if len(partitions) > 1:
        raise _BatchRefused("Batch with conditions cannot span multiple partitions")


def _key_bytes(t: CqlType, v: Any) -> Any:
    """A partition key value as the server compares it: its bytes (a frozen collection,
    which the memory store does not serialize: its value, order-free for a set or map)."""
    try:
        return serialize(t, v)
    except NotImplementedError:
        return _hashable(v)


def _hashable(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return tuple(map(_hashable, v))
    if isinstance(v, (set, frozenset)):
        return frozenset(map(_hashable, v))
    if isinstance(v, dict):
        return frozenset((_hashable(k), _hashable(x)) for k, x in v.items())
    return v
