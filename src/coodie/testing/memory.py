"""An in-memory table store that evaluates coodie statements the way Cassandra does.

It is the reference the differential tests compare the real server with
(tests/property/test_differential.py), and a base for running unit tests without a node:
`MemoryStore().write(stmt, schema)` and `.select(stmt, schema)` take statements as the
compiler's nodes (`coodie.testing.driver` builds them from the CQL it runs).

What it models: partitions ordered by their Murmur3 token (tuple and frozen-UDT keys
too), rows ordered by clustering columns (declared direction), static columns, WHERE
conditions (=, ranges, IN, CONTAINS, CONTAINS KEY, token ranges; a frozen UDT compares
field by field), ORDER BY, LIMIT, PER PARTITION LIMIT, COUNT, DISTINCT, column
selection, `ORDER BY v ANN OF ?` (exact ranking by the index's similarity function;
among equal scores the rows keep their scan order, where the server's order is its own),
INSERT/UPDATE/DELETE with collection and counter operations, list index and UDT field
sets, collection element deletes (an out-of-range list index is refused with the
server's message, as an InvalidQueryError), IF EXISTS / IF NOT EXISTS / IF conditions
(on UDT fields too), and batches. A UDT value is stored as a dict by field name; a
non-frozen one whose fields are all null reads as null. What it does not: TTL expiry
(the driver's), write timestamps (last write wins in call order), LIKE, secondary-index semantics
beyond filtering. Statements are validated by the compiler before they get here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import itertools
import math
import operator
import struct
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from coodie.document import LWTResult
from coodie.exceptions import InvalidQueryError, UnsupportedOperation
from coodie.expr import nodes
from coodie.expr.restrictions import analyse
from coodie.schema import ColumnKind, ColumnSchema, TableSchema
from coodie.types import CqlType

__all__ = ["MemoryStore", "murmur3_token", "partition_token", "serialize", "similarity"]

# ------------------------------------------------------------------ tokens

_M64 = (1 << 64) - 1
_MIN_TOKEN = -(1 << 63)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _fmix(k: int) -> int:
    k ^= k >> 33
    k = (k * 0xFF51AFD7ED558CCD) & _M64
    k ^= k >> 33
    k = (k * 0xC4CEB9FE1A85EC53) & _M64
    k ^= k >> 33
    return k


def _mix(k: int, ca: int, cb: int, r: int) -> int:
    """A key block's scramble: multiply, rotate, multiply."""
    return (_rotl((k * ca) & _M64, r) * cb) & _M64


def _signed(x: int) -> int:
    return x - (1 << 64) if x >= 1 << 63 else x


def murmur3_token(data: bytes) -> int:
    """Cassandra's Murmur3Partitioner token: the first half of MurmurHash3_x64_128 (seed
    0), with the tail bytes read as *signed* bytes as Java does."""
    c1, c2 = 0x87C37B91114253D5, 0x4CF5AD432745937F
    h1 = h2 = 0
    n = len(data)
    nblocks = n // 16
    for i in range(nblocks):
        k1, k2 = struct.unpack_from("<QQ", data, i * 16)
        h1 = _rotl(h1 ^ _mix(k1, c1, c2, 31), 27)
        h1 = ((h1 + h2) * 5 + 0x52DCE729) & _M64
        h2 = _rotl(h2 ^ _mix(k2, c2, c1, 33), 31)
        h2 = ((h2 + h1) * 5 + 0x38495AB5) & _M64
    tail = data[nblocks * 16 :]
    k1 = k2 = 0
    for i in range(len(tail) - 1, -1, -1):
        b = tail[i] - 256 if tail[i] >= 128 else tail[i]  # Java's signed byte
        if i >= 8:
            k2 ^= (b << ((i - 8) * 8)) & _M64
        else:
            k1 ^= (b << (i * 8)) & _M64
    if len(tail) > 8:
        h2 ^= _mix(k2, c2, c1, 33)
    if tail:
        h1 ^= _mix(k1, c1, c2, 31)
    h1 ^= n
    h2 ^= n
    h1 = (h1 + h2) & _M64
    h2 = (h2 + h1) & _M64
    h1 = _fmix(h1)
    h2 = _fmix(h2)
    h1 = (h1 + h2) & _M64
    token = _signed(h1)
    return (1 << 63) - 1 if token == -(1 << 63) else token


def _varint_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True)


_STRUCT = {
    "int": ">i", "bigint": ">q", "counter": ">q", "smallint": ">h", "tinyint": ">b",
    "boolean": ">?", "double": ">d", "float": ">f",
}  # fmt: skip


def serialize(t: CqlType, v: Any) -> bytes:
    """The native-protocol bytes of a scalar value (what partition keys hash)."""
    name = t.name
    if name in _STRUCT:
        return struct.pack(_STRUCT[name], v)
    if name in ("text", "ascii", "varchar"):
        return str(v).encode()
    if name in ("uuid", "timeuuid"):
        return uuid.UUID(str(v)).bytes
    if name == "date":
        return struct.pack(">I", (v - dt.date(1970, 1, 1)).days + (1 << 31))
    if name == "timestamp":
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc if v.tzinfo else None)
        return struct.pack(">q", (v - epoch) // dt.timedelta(milliseconds=1))
    if name == "time":
        return struct.pack(
            ">q", ((v.hour * 60 + v.minute) * 60 + v.second) * 10**9 + v.microsecond * 1000
        )
    if name == "blob":
        return bytes(v)
    if name == "varint":
        return _varint_bytes(v)
    if name == "decimal":
        sign, digits, exp = Decimal(v).as_tuple()
        unscaled = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        return struct.pack(">i", -int(exp)) + _varint_bytes(unscaled)
    if name == "inet":
        return ipaddress.ip_address(v).packed
    if name == "tuple" or t.is_udt:
        return _serialize_fields(t, v)
    raise NotImplementedError(f"no serialization for {t} partition keys in the memory store")


def _serialize_fields(t: CqlType, v: Any) -> bytes:
    """A tuple or a frozen UDT: each element as [int32 length][bytes], -1 for null."""
    if t.is_udt:
        items = [v.get(n) if isinstance(v, dict) else getattr(v, n, None) for n in t.fields]
    else:
        items = list(v)
    out = b""
    for a, x in zip(t.args, items):
        if x is None:
            out += struct.pack(">i", -1)
        else:
            b = serialize(a, x)
            out += struct.pack(">i", len(b)) + b
    return out


def partition_token(schema: TableSchema, key: Sequence[Any]) -> int:
    cols = schema.partition_key
    if len(cols) == 1:
        return murmur3_token(serialize(cols[0].cql_type, key[0]))
    out = b""
    for c, v in zip(cols, key):
        b = serialize(c.cql_type, v)
        out += struct.pack(">H", len(b)) + b + b"\x00"
    return murmur3_token(out)


def _token_in_range(token: int, conds: Sequence[nodes.TokenCompare], lookup: bool) -> bool:
    """token() bounds as the server reads them. In a range scan an end bound at the
    minimum token means the end of the ring, and a start above the end selects nothing;
    for partitions named by key the bounds form a ring range, which may wrap."""
    lower = [c for c in conds if c.op in (nodes.Op.GT, nodes.Op.GE)]
    upper = [
        c for c in conds if c.op in (nodes.Op.LT, nodes.Op.LE) and (lookup or c.value != _MIN_TOKEN)
    ]
    if any(c.op is nodes.Op.EQ and token != c.value for c in conds):
        return False
    if lower and upper and lower[0].value > upper[0].value:
        if not lookup:
            return False
        return _matches(lower[0].op, token, lower[0].value) or _matches(
            upper[0].op, token, upper[0].value
        )
    return all(_matches(c.op, token, c.value) for c in (*lower, *upper))


# ------------------------------------------------------------------ storage


@dataclass
class _Partition:
    key: tuple[Any, ...]
    token: int
    static: dict[str, Any] = field(default_factory=dict)
    rows: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    # Rows written by INSERT carry a row marker and live on with every column null; rows
    # that only UPDATE made exist while one of their cells does.
    markers: set[tuple[Any, ...]] = field(default_factory=set)

    def live(self, ck: tuple[Any, ...]) -> bool:
        row = self.rows.get(ck)
        return row is not None and (ck in self.markers or any(v is not None for v in row.values()))


@dataclass
class _Table:
    schema: TableSchema
    partitions: dict[tuple[Any, ...], _Partition] = field(default_factory=dict)

    def partition(self, key: tuple[Any, ...], create: bool) -> _Partition | None:
        p = self.partitions.get(key)
        if p is None and create:
            p = self.partitions[key] = _Partition(key, partition_token(self.schema, key))
        return p

    def clustered(self, part: _Partition) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        """A partition's live rows in clustering order (each column ASC or DESC)."""
        items = [(ck, r) for ck, r in part.rows.items() if part.live(ck)]
        for i in reversed(range(len(self.schema.clustering_key))):  # stable: last column first
            desc = self.schema.clustering_key[i].order == "DESC"
            items.sort(key=lambda kv: kv[0][i], reverse=desc)
        return items


def _collection(value: Any, t: CqlType) -> Any:
    """Stored form: empty collections are null, as in Cassandra; a user-defined type's
    value is a dict by field name (see `_udt_stored`)."""
    if value is None:
        return None
    if t.is_udt:
        return _udt_stored(value, t)
    if t.is_collection and not t.frozen and len(value) == 0:
        return None
    if t.name == "set":
        return set(value)
    if t.name == "list":
        return list(value)
    if t.name == "map":
        return dict(value)
    return value


_OPS: dict[nodes.Op, Callable[[Any, Any], Any]] = {
    nodes.Op.EQ: operator.eq,
    nodes.Op.IN: lambda have, want: have in want,
    nodes.Op.LT: operator.lt,
    nodes.Op.LE: operator.le,
    nodes.Op.GT: operator.gt,
    nodes.Op.GE: operator.ge,
    nodes.Op.CONTAINS: lambda have, want: (
        want in (have.values() if isinstance(have, dict) else have)
    ),
    nodes.Op.CONTAINS_KEY: lambda have, want: want in have,
}


def _matches(op: nodes.Op, have: Any, want: Any) -> bool:
    if op not in _OPS:
        raise NotImplementedError(f"{op.value} is not evaluated by the memory store")
    return have is not None and bool(_OPS[op](have, want))


class MemoryStore:
    """Tables in memory, keyed by (keyspace, table name)."""

    def __init__(self) -> None:
        self.tables: dict[tuple[str | None, str], _Table] = {}

    def table(self, schema: TableSchema, keyspace: str | None = None) -> _Table:
        key = (schema.keyspace or keyspace, schema.name)
        t = self.tables.get(key)
        if t is None:
            t = self.tables[key] = _Table(schema)
        return t

    # ------------------------------------------------------------- reads

    def select(
        self, stmt: nodes.Select, schema: TableSchema, keyspace: str | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows a SELECT returns (tuples in `stmt.columns` order), or [(count,)]."""
        if stmt.ann is not None:
            return _select_ann(self, stmt, schema, keyspace)
        if stmt.distinct:  # one row per partition with live data: its key and static cells
            keys = tuple(c.name for c in schema.partition_key)
            stmt = dataclasses.replace(
                stmt, distinct=False, per_partition_limit=1, columns=stmt.columns or keys
            )
        table = self.table(schema, keyspace)
        pk_names = [c.name for c in schema.partition_key]
        ck_names = [c.name for c in schema.clustering_key]
        conds = list(stmt.where)
        rows: list[tuple[_Partition, dict[str, Any]]] = []
        # A range scan walks the ring (token order); partitions named by IN come in the
        # order of their key values, as the server reads them.
        r = analyse(schema, stmt.where)
        lookup = r.by_key
        order: Any = (lambda p: p.key) if r.by_key and r.pk_in else (lambda p: p.token)
        for part in sorted(table.partitions.values(), key=order):
            if not self._partition_matches(part, conds, pk_names, lookup):
                continue
            key = dict(zip(pk_names, part.key))
            candidates = [
                {**key, **part.static, **dict(zip(ck_names, ck)), **regular}
                for ck, regular in table.clustered(part)
            ]
            static_live = any(v is not None for v in part.static.values())
            if not candidates and static_live and not r.clustering and not r.regular:
                candidates = [{**key, **part.static}]  # a partition of static cells alone
            chosen = [row for row in candidates if self._row_matches(row, conds, schema)]
            if stmt.order_by:
                declared = schema.by_name[stmt.order_by[0].column]
                if stmt.order_by[0].descending != (declared.order == "DESC"):
                    chosen.reverse()
            if stmt.per_partition_limit is not None:
                chosen = chosen[: stmt.per_partition_limit]
            rows.extend((part, r) for r in chosen)
        if stmt.order_by and len({id(p) for p, _ in rows}) > 1:
            # IN on the partition key with ORDER BY: the server sorts the rows it read
            # (partitions in key order) by the ORDER BY columns alone, stably
            for o in reversed(stmt.order_by):
                rows.sort(key=lambda pr: pr[1][o.column], reverse=o.descending)
        if stmt.count:
            return [(len(rows),)]
        if stmt.limit is not None:
            rows = rows[: stmt.limit]
        names = stmt.columns or tuple(c.name for c in schema.columns)
        return [tuple(r.get(n) for n in names) for _, r in rows]

    @staticmethod
    def _partition_matches(
        part: _Partition, conds: Sequence[nodes.Condition], pk_names: list[str], lookup: bool
    ) -> bool:
        for c in conds:
            if (
                isinstance(c, nodes.Compare)
                and c.column in pk_names
                and not _matches(c.op, part.key[pk_names.index(c.column)], c.value)
            ):
                return False
        return _token_in_range(
            part.token, [c for c in conds if isinstance(c, nodes.TokenCompare)], lookup
        )

    @staticmethod
    def _row_matches(
        row: dict[str, Any], conds: Iterable[nodes.Condition], schema: TableSchema
    ) -> bool:
        return all(
            isinstance(c, nodes.TokenCompare) or _matches(c.op, *_operands(row, c, schema))
            for c in conds
        )

    # ------------------------------------------------------------- writes

    def write(
        self, stmt: nodes.Statement, schema: TableSchema, keyspace: str | None = None
    ) -> LWTResult | None:
        """Apply an INSERT, UPDATE or DELETE; conditional writes return their LWTResult."""
        table = self.table(schema, keyspace)
        if isinstance(stmt, nodes.Insert):
            return self._insert(table, stmt)
        if not isinstance(stmt, (nodes.Update, nodes.Delete)):
            raise TypeError(stmt)
        keys, rest = self._keys(schema, stmt.where)
        if isinstance(stmt, nodes.Update):
            ckey = key_combinations(schema.clustering_key, stmt.where)[0]
        else:
            ckey = tuple(c.value for c in rest)
        conditional = stmt.if_exists or bool(stmt.if_conditions)
        if conditional and (refused := self._refused(table, stmt, keys[0], ckey)) is not None:
            return refused
        if isinstance(stmt, nodes.Update):
            self._update(table, stmt, keys)
        elif stmt.elements:
            _delete_elements(table, stmt, keys, ckey)
        else:
            self._delete(table, stmt, keys, rest)
        return LWTResult(True) if conditional else None

    def _keys(
        self, schema: TableSchema, where: Sequence[nodes.Condition]
    ) -> tuple[list[tuple[Any, ...]], list[nodes.Compare]]:
        """Partition keys named by = / IN, and the clustering conditions."""
        pk = {c.name for c in schema.partition_key}
        rest = [c for c in where if isinstance(c, nodes.Compare) and c.column not in pk]
        return key_combinations(schema.partition_key, where), rest

    def _insert(self, table: _Table, stmt: nodes.Insert) -> LWTResult | None:
        schema = table.schema
        values = dict(stmt.values)
        pkey = tuple(values[c.name] for c in schema.partition_key)
        ckey = tuple(values[c.name] for c in schema.clustering_key)
        if stmt.if_not_exists and (existing := self._existing_row(table, pkey, ckey)) is not None:
            return LWTResult(False, existing)
        part = table.partition(pkey, create=True)
        assert part is not None
        row = part.rows.setdefault(ckey, {})
        part.markers.add(ckey)
        for c in schema.columns:
            if c.name not in values or c.is_primary_key:
                continue
            v = _collection(values[c.name], c.cql_type)
            (part.static if c.kind is ColumnKind.STATIC else row)[c.name] = v
        return LWTResult(True) if stmt.if_not_exists else None

    def _existing_row(
        self, table: _Table, pkey: tuple[Any, ...], ckey: tuple[Any, ...]
    ) -> dict[str, Any] | None:
        part = table.partition(pkey, create=False)
        if part is None or not part.live(ckey):
            return None
        schema = table.schema
        row = {
            **dict(zip([c.name for c in schema.partition_key], pkey)),
            **dict(zip([c.name for c in schema.clustering_key], ckey)),
            **part.static,
            **part.rows[ckey],
        }
        return {c.name: row.get(c.name) for c in schema.columns}

    def _update(self, table: _Table, stmt: nodes.Update, keys: list[tuple[Any, ...]]) -> None:
        schema = table.schema
        cks = key_combinations(schema.clustering_key, stmt.where)
        changes = [
            (a.column, partial(_apply, op=a.op, value=a.value, col=schema.by_name[a.column]))
            for a in stmt.assignments
        ]
        _write_cells(table, keys, cks, changes, create=True)

    def _delete(
        self,
        table: _Table,
        stmt: nodes.Delete,
        keys: list[tuple[Any, ...]],
        rest: list[nodes.Compare],
    ) -> None:
        schema = table.schema
        ck_names = [c.name for c in schema.clustering_key]
        static = [n for n in stmt.columns if schema.by_name[n].kind is ColumnKind.STATIC]
        for pkey in keys:
            part = table.partition(pkey, create=False)
            if part is None:
                continue
            for ck in list(part.rows):
                row = dict(zip(ck_names, ck))
                if not all(_matches(c.op, row[c.column], c.value) for c in rest):
                    continue
                if not stmt.columns:
                    del part.rows[ck]
                    part.markers.discard(ck)
                for n in stmt.columns:
                    if n not in static:
                        part.rows[ck].pop(n, None)
            for n in static if stmt.columns or rest else list(part.static):
                part.static.pop(n, None)  # the named static cells, or all of a whole partition's
            if not part.rows and not part.static:
                del table.partitions[pkey]

    def _refused(
        self,
        table: _Table,
        stmt: nodes.Update | nodes.Delete,
        pkey: tuple[Any, ...],
        ckey: tuple[Any, ...],
    ) -> LWTResult | None:
        """A conditional UPDATE's or DELETE's answer when it does not apply (IF EXISTS and
        no row, or an IF condition fails: on a missing row, `IF v = null` holds), else
        None. A write of static cells alone reads the partition's static cells."""
        if None in ckey:
            part = table.partition(pkey, create=False)
            existing = dict(part.static) if part is not None and part.static else None
        else:
            existing = self._existing_row(table, pkey, ckey)
        if stmt.if_exists and existing is None:
            return LWTResult(False)
        current = existing or {}
        if all(_condition_holds(current, c, table.schema) for c in stmt.if_conditions):
            return None
        if existing is None:  # (a missing row answers [applied] alone)
            return LWTResult(False)
        return LWTResult(False, {c.column: current.get(c.column) for c in stmt.if_conditions})


def key_combinations(
    columns: Sequence[ColumnSchema], where: Sequence[nodes.Condition]
) -> list[tuple[Any, ...]]:
    """Every key of `columns` that `= / IN` conditions name (None for a column they
    leave out)."""
    per = {
        c.column: list(c.value) if c.op is nodes.Op.IN else [c.value]
        for c in where
        if isinstance(c, nodes.Compare)
    }
    return list(itertools.product(*(per.get(c.name, [None]) for c in columns)))


def _condition_holds(row: dict[str, Any], c: nodes.Compare, schema: TableSchema) -> bool:
    """An IF condition; an empty collection is null, as the server stores it."""
    if c.column not in schema.by_name:  # home.city: a field of a UDT column
        return _field_condition_holds(row, c, schema)
    want = _condition_value(c.value, schema.by_name[c.column].cql_type)
    return _holds(c.op, row.get(c.column), want)


def _holds(op: nodes.Op, have: Any, want: Any) -> bool:
    if op is nodes.Op.NE:
        return bool(have != want)
    if want is None:
        return have is None if op is nodes.Op.EQ else False
    return _matches(op, have, want)


def _apply(current: Any, op: nodes.AssignOp, value: Any, col: ColumnSchema) -> Any:
    t = col.cql_type
    if op is nodes.AssignOp.SETFIELD:
        return _set_field(current, value, t)
    if op is nodes.AssignOp.SETINDEX:
        return _set_index(current, value, t)
    if op is nodes.AssignOp.SET:
        return _collection(value, t)
    if op in (nodes.AssignOp.INCR, nodes.AssignOp.DECR):
        return (current or 0) + (value if op is nodes.AssignOp.INCR else -value)
    if op is nodes.AssignOp.ADD:
        return _collection(set(current or ()) | set(value), t)
    if op is nodes.AssignOp.APPEND:
        return _collection([*(current or []), *value], t)
    if op is nodes.AssignOp.PREPEND:
        return _collection([*value, *(current or [])], t)
    if op is nodes.AssignOp.PUT:
        return _collection({**(current or {}), **value}, t)
    if op is nodes.AssignOp.REMOVE:
        if t.name == "map":
            keys = set(value)
            return _collection({k: v for k, v in (current or {}).items() if k not in keys}, t)
        if t.name == "set":
            return _collection(set(current or ()) - set(value), t)
        drop = list(value)
        return _collection([x for x in (current or []) if x not in drop], t)
    raise UnsupportedOperation(f"the in-memory store does not apply {op.value} ({col.name})")


# ------------------------------------------------------------------ writes of parts


# (partition key, clustering key or None for a static cell, column, new value)
_Staged = list[tuple[tuple[Any, ...], tuple[Any, ...] | None, str, Any]]


def _write_cells(
    table: _Table,
    keys: list[tuple[Any, ...]],
    cks: list[tuple[Any, ...]],
    changes: Sequence[tuple[str, Callable[[Any], Any]]],
    create: bool,
) -> None:
    """Each change (a column, and its new value from its current one) on every row named:
    all or nothing, since the server refuses a whole statement whose list index is out of
    bound. `create`: an UPDATE writes cells of rows that do not exist yet; a DELETE of
    elements does not."""
    schema = table.schema
    staged: _Staged = []
    for pkey in keys:
        part = table.partition(pkey, create=False)
        for ckey in cks:
            for name, change in changes:
                where = None if schema.by_name[name].kind is ColumnKind.STATIC else ckey
                current = _staged_cell(staged, part, pkey, where, name)
                staged.append((pkey, where, name, change(current)))
    for pkey, where, name, value in staged:
        part = table.partition(pkey, create=create)
        if part is None:
            continue
        cells = part.static if where is None else part.rows.get(where)
        if cells is None and create and where is not None:
            cells = part.rows[where] = {}
        if cells is not None and (create or name in cells):
            cells[name] = value


def _staged_cell(
    staged: _Staged,
    part: _Partition | None,
    pkey: tuple[Any, ...],
    ckey: tuple[Any, ...] | None,
    name: str,
) -> Any:
    """A cell's value as an earlier part of the same statement left it, else as stored."""
    for p, w, n, v in reversed(staged):
        if (p, w, n) == (pkey, ckey, name):
            return v
    if part is None:
        return None
    return (part.static if ckey is None else part.rows.get(ckey, {})).get(name)


def _udt_stored(value: Any, t: CqlType) -> dict[str, Any] | None:
    """A user-defined type's value as stored: a dict with every field (null where unset),
    nested values in their stored form. A non-frozen UDT keeps one cell per field, so
    one whose fields are all null reads back as null, as on the server."""
    out = {
        n: _collection(value.get(n) if isinstance(value, dict) else getattr(value, n, None), ft)
        for n, ft in zip(t.fields, t.args)
    }
    if not t.frozen and all(v is None for v in out.values()):
        return None
    return out


def _set_field(current: Any, value: tuple[str, Any], t: CqlType) -> Any:
    """`SET c.field = ?` on a non-frozen UDT: the other fields keep their cells."""
    name, v = value
    fields = dict(current) if current is not None else dict.fromkeys(t.fields)
    fields[name] = _collection(v, t.args[t.fields.index(name)])
    return _udt_stored(fields, t)


def _list_index(current: Any, index: int, action: str) -> None:
    if current is None:
        raise InvalidQueryError(f"Attempted to {action} a list which is null")
    if index >= len(current):
        raise InvalidQueryError(f"List index {index} out of bound, list has size {len(current)}")


def _set_index(current: Any, value: tuple[int, Any], t: CqlType) -> Any:
    """`SET c[i] = ?`: the index must exist (the server says so otherwise); a null
    element deletes the one at i."""
    index, v = value
    _list_index(current, index, "set an element on")
    out = list(current)
    if v is None:
        del out[index]
    else:
        out[index] = v
    return _collection(out, t)


def _without(current: Any, key: Any, t: CqlType) -> Any:
    """A list without its element at index `key` (which must exist), a map without `key`."""
    if t.name == "list":
        _list_index(current, key, "delete an element from")
        return _collection([x for i, x in enumerate(current) if i != key], t)
    return _collection({k: x for k, x in (current or {}).items() if k != key}, t)


def _delete_elements(
    table: _Table, stmt: nodes.Delete, keys: list[tuple[Any, ...]], ckey: tuple[Any, ...]
) -> None:
    """`DELETE c[k], ... FROM t WHERE <full key>`: a map's entry or a list's element
    (whose index must exist), and the whole columns named beside them."""
    schema = table.schema
    changes: list[tuple[str, Callable[[Any], Any]]] = [
        (name, partial(_without, key=key, t=schema.by_name[name].cql_type))
        for name, key in stmt.elements
    ]
    changes += [(name, lambda current: None) for name in stmt.columns]
    _write_cells(table, keys, [ckey], changes, create=False)


# ------------------------------------------------------------------ reads of other shapes


def similarity(function: str, a: Sequence[float], b: Sequence[float]) -> float:
    """Cassandra's vector similarity scores (higher is nearer), computed on the values
    rounded to float32 as the server stores them: COSINE (1 + cos) / 2, DOT_PRODUCT
    (1 + a.b) / 2, EUCLIDEAN 1 / (1 + squared distance)."""
    fa: list[float] = [struct.unpack("f", struct.pack("f", x))[0] for x in a]
    fb: list[float] = [struct.unpack("f", struct.pack("f", x))[0] for x in b]
    if function == "EUCLIDEAN":
        return 1.0 / (1.0 + sum((x - y) ** 2 for x, y in zip(fa, fb)))
    dot = sum(x * y for x, y in zip(fa, fb))
    if function == "DOT_PRODUCT":
        return (1.0 + dot) / 2.0
    norms = math.sqrt(sum(x * x for x in fa)) * math.sqrt(sum(y * y for y in fb))
    return (1.0 + dot / norms) / 2.0 if norms else 0.0


def _select_ann(
    store: MemoryStore, stmt: nodes.Select, schema: TableSchema, keyspace: str | None
) -> list[tuple[Any, ...]]:
    """`ORDER BY v ANN OF ? LIMIT k`, exactly: the rows the WHERE clause selects, ranked
    by the index's similarity to the query vector, best first; rows without a vector are
    left out. Ties keep the order a plain SELECT reads the rows in (the server's order
    among equal scores is its own: compare scores, not positions, across a tie)."""
    col = schema.by_name[stmt.ann.column] if stmt.ann is not None else None
    assert col is not None and stmt.ann is not None
    options = dict(col.index.options) if col.index is not None else {}
    function = str(options.get("similarity_function", "COSINE")).upper()
    names = [c.name for c in schema.columns]
    scan = dataclasses.replace(stmt, ann=None, limit=None, columns=None)
    rows = [dict(zip(names, r)) for r in store.select(scan, schema, keyspace)]
    ranked = sorted(
        (r for r in rows if r.get(col.name) is not None),
        key=lambda r: -similarity(function, r[col.name], stmt.ann.vector),  # type: ignore[union-attr]
    )
    chosen = ranked[: stmt.limit] if stmt.limit is not None else ranked
    return [tuple(r.get(n) for n in stmt.columns or names) for r in chosen]


def _operands(row: dict[str, Any], c: nodes.Compare, schema: TableSchema) -> tuple[Any, Any]:
    """The stored value and the condition's, comparable: a frozen UDT's value compares
    field by field, as a tuple whose null fields sort first."""
    have = row.get(c.column)
    col = schema.by_name.get(c.column)
    if col is None or not col.cql_type.is_udt:
        return have, c.value
    t = col.cql_type

    def key(v: Any) -> Any:
        stored = _collection(v, t)
        if stored is None:
            return None
        return tuple((x is not None, x) for x in stored.values())

    want = [key(v) for v in c.value] if c.op is nodes.Op.IN else key(c.value)
    return key(have), want


def _condition_value(value: Any, t: CqlType) -> Any:
    """An IF condition's value as stored, except that a UDT value whose fields are all
    null stays a value (the server finds it equal to no stored one, null included)."""
    if t.is_udt and value is not None:
        return _udt_stored(value, dataclasses.replace(t, frozen=True))
    return _collection(value, t)


def _field_condition_holds(row: dict[str, Any], c: nodes.Compare, schema: TableSchema) -> bool:
    """`IF home.city = ?`: the field of the stored value (null when the UDT is)."""
    base, _, field = c.column.partition(".")
    t = schema.by_name[base].cql_type
    ft = t.args[t.fields.index(field)]
    value = row.get(base)
    have = value.get(field) if value is not None else None
    if c.op is nodes.Op.IN:
        return have is not None and have in [_condition_value(v, ft) for v in c.value]
    return _holds(c.op, have, _condition_value(c.value, ft))
