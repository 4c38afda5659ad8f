"""Statements -> CQL text with `?` markers, plus the bound values in marker order.

One pass over a statement yields its *shape* (structure, no values) and its parameters.
The CQL for a shape is rendered and validated once and cached; compiling a known shape
with new values only collects the values. LIMIT, TTL, TIMESTAMP and whole IN lists are
bound (`IN ?`), so the number of shapes stays small. Values never enter the CQL text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import (
    Assignment,
    AssignOp,
    Compare,
    Condition,
    Delete,
    Insert,
    Op,
    Select,
    Statement,
    TokenCompare,
    Update,
)
from coodie.expr.validate import ANN_MAX_LIMIT, validate
from coodie.requests import Compiled, StatementTypes  # (re-exported: the wire types)
from coodie.schema import TableSchema, quote
from coodie.types import CqlType, plain, to_db_converter, value_check

__all__ = [
    "Compiled",
    "StatementTypes",
    "cache_info",
    "check_using",
    "clear_cache",
    "compile_statement",
]


@dataclass(frozen=True, slots=True)
class _Template:
    cql: str
    columns: tuple[str, ...]
    lwt: bool
    paging: bool
    types: StatementTypes | None = None


_MAX_SHAPES = 4096
_cache: dict[tuple[Any, ...], _Template] = {}
_stats = {"hits": 0, "misses": 0}


def clear_cache() -> None:
    _cache.clear()


def cache_info() -> dict[str, int]:
    return {"size": len(_cache), **_stats}


def compile_statement(
    stmt: Statement, schema: TableSchema, keyspace: str | None = None
) -> Compiled:
    """Validate (once per shape) and compile `stmt` against `schema`."""
    shape, params = _SHAPERS[type(stmt)](stmt, schema)
    key = (schema, keyspace, *shape)
    tpl = _cache.get(key)
    if tpl is None:
        _stats["misses"] += 1
        validate(stmt, schema)
        tpl = _RENDERERS[type(stmt)](stmt, schema, keyspace)
        tpl = _Template(tpl.cql, tpl.columns, tpl.lwt, tpl.paging, _types_of(stmt, schema, tpl))
        if len(_cache) >= _MAX_SHAPES:
            with contextlib.suppress(KeyError, StopIteration, RuntimeError):
                del _cache[next(iter(_cache))]  # (another thread may have evicted it first)
        _cache[key] = tpl
    else:
        _stats["hits"] += 1
    if tpl.types is not None:
        tpl.types.check(params)
    return Compiled(tpl.cql, tuple(params), tpl.columns, tpl.lwt, tpl.paging, tpl.types)


# ------------------------------------------------------------------ values


def _where_values(
    where: tuple[Condition, ...], schema: TableSchema, out: list[Any]
) -> tuple[Any, ...]:
    shape: list[tuple[Any, Op]] = []
    by_name = schema.by_name
    for c in where:
        if type(c) is TokenCompare:
            shape.append((c.columns, c.op))
            if c.value is None:
                raise InvalidQueryError(f"{schema.name}: token() compared with None")
            out.append(c.value)
            continue
        assert type(c) is Compare
        shape.append((c.column, c.op))
        v = c.value
        if v is None:
            raise InvalidQueryError(
                f"{schema.name}: invalid null value in condition for column {c.column}; "
                "CQL cannot match null in WHERE"
            )
        col = by_name.get(c.column)
        conv = col.to_db if col is not None else None
        op = c.op
        if op is Op.IN:
            if any(x is None for x in v):
                raise InvalidQueryError(
                    f"{schema.name}: invalid null value in IN list for column {c.column}"
                )
            out.append([conv(x) for x in v] if conv else list(v))
        elif op is Op.CONTAINS or op is Op.CONTAINS_KEY:
            if col is None:
                out.append(plain(v))
            else:
                out.append((col.element_to_db if op is Op.CONTAINS else col.key_to_db)(v))
        else:
            out.append(conv(v) if conv else v)
    return tuple(shape)


def _condition_values(
    conds: tuple[Compare, ...], schema: TableSchema, out: list[Any]
) -> tuple[Any, ...]:
    shape = []
    for c in conds:
        shape.append((c.column, c.op))
        col = schema.by_name.get(c.column)
        conv = col.to_db if col is not None else None
        v = c.value
        if c.op is Op.IN:
            out.append([conv(x) if conv and x is not None else x for x in v])
        else:
            out.append(conv(v) if conv and v is not None else v)
    return tuple(shape)


# ------------------------------------------------------------------ shapes


def _positive(schema: TableSchema, what: str, v: Any) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
        raise InvalidQueryError(f"{schema.name}: {what}() takes a positive integer, got {v!r}")


def check_using(schema: TableSchema, ttl: Any, timestamp: Any) -> None:
    """Value checks that cannot wait for the (once per shape) validator."""
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0):
        raise InvalidQueryError(
            f"{schema.name}: ttl must be a non-negative integer of seconds, got {ttl!r}"
        )
    if timestamp is not None and (not isinstance(timestamp, int) or isinstance(timestamp, bool)):
        raise InvalidQueryError(
            f"{schema.name}: timestamp must be an integer of microseconds since the epoch, got {timestamp!r}"
        )


def _shape_select(s: Select, schema: TableSchema) -> tuple[tuple[Any, ...], list[Any]]:
    params: list[Any] = []
    where = _where_values(s.where, schema, params)
    if s.ann is not None:
        col = schema.by_name.get(s.ann.column)
        v = s.ann.vector
        params.append(col.to_db(v) if col is not None and col.to_db and v is not None else v)
    if s.limit is not None:
        _positive(schema, "limit", s.limit)
        if s.ann is not None and s.limit > ANN_MAX_LIMIT:  # (a value: checked every call)
            raise InvalidQueryError(
                f"{schema.name}: an ANN query needs limit(k) with k at most {ANN_MAX_LIMIT} "
                f"(got {s.limit})"
            )
    if s.per_partition_limit is not None:
        _positive(schema, "per_partition_limit", s.per_partition_limit)
    if s.per_partition_limit is not None:
        params.append(s.per_partition_limit)
    if s.limit is not None:
        params.append(s.limit)
    return (
        (
            Select,
            where,
            s.columns,
            s.order_by,
            s.ann.column if s.ann is not None else None,
            s.limit is not None,
            s.per_partition_limit is not None,
            s.allow_filtering,
            s.count,
            s.distinct,
        ),
        params,
    )


def _shape_insert(s: Insert, schema: TableSchema) -> tuple[tuple[Any, ...], list[Any]]:
    by_name = schema.by_name
    params: list[Any] = []
    names = []
    for name, v in s.values:
        names.append(name)
        col = by_name.get(name)
        if v is None:
            if col is not None and col.is_primary_key:
                raise InvalidQueryError(
                    f"{schema.name}: primary key column {name} is None; every key column needs a value"
                )
            params.append(None)
            continue
        conv = col.to_db if col is not None else None
        params.append(conv(v) if conv is not None else v)
    check_using(schema, s.ttl, s.timestamp)
    if s.ttl is not None:
        params.append(s.ttl)
    if s.timestamp is not None:
        params.append(s.timestamp)
    return (
        Insert,
        tuple(names),
        s.if_not_exists,
        s.ttl is not None,
        s.timestamp is not None,
    ), params


def _assignment_value(a: Assignment, schema: TableSchema) -> Any:
    """The bound value of an assignment: collections in the shape the operator needs.
    A value that does not fit is left as is for the validator to report."""
    col = schema.by_name.get(a.column)
    v = a.value
    if v is None or col is None:
        return v
    op, kind = a.op, col.cql_type.name
    if op is AssignOp.SET:
        return col.to_db(v) if col.to_db else v
    iterable = not isinstance(v, (str, bytes)) and hasattr(v, "__iter__")
    key, element = col.key_to_db, col.element_to_db
    if kind == "map" and op is AssignOp.REMOVE:
        return {key(k) for k in v} if iterable else {key(v)}
    if kind == "map" and op is AssignOp.PUT:
        if not isinstance(v, dict):
            raise InvalidQueryError(f"{schema.name}: put__{a.column} takes a dict, got {v!r}")
        return {key(k): element(x) for k, x in v.items()}
    if kind == "set" and op in (AssignOp.ADD, AssignOp.REMOVE):
        if not iterable:
            raise InvalidQueryError(
                f"{schema.name}: {op.value}__{a.column} takes a set of values, got {v!r}"
            )
        return {element(x) for x in v}
    if kind == "list" and op in (AssignOp.APPEND, AssignOp.PREPEND, AssignOp.REMOVE):
        if not iterable:
            raise InvalidQueryError(
                f"{schema.name}: {op.value}__{a.column} takes a list of values, got {v!r}"
            )
        return [element(x) for x in v]
    return v


def _shape_update(s: Update, schema: TableSchema) -> tuple[tuple[Any, ...], list[Any]]:
    check_using(schema, s.ttl, s.timestamp)
    params: list[Any] = []
    if s.ttl is not None:
        params.append(s.ttl)
    if s.timestamp is not None:
        params.append(s.timestamp)
    # (a UDT field's name is in the CQL text, so it is part of the shape)
    assigns = tuple(
        (a.column, a.op, a.value[0] if a.op is AssignOp.SETFIELD else None) for a in s.assignments
    )
    for a in s.assignments:
        if a.op is AssignOp.SETINDEX:  # c[?] = ?: the index, then the element
            index, element = a.value
            col = schema.by_name.get(a.column)
            params += [index, col.element_to_db(element) if col is not None else element]
        elif a.op is AssignOp.SETFIELD:  # c.field = ?: the field's value
            field, v = a.value
            conv = _udt_field_converter(schema, a.column, field)
            params.append(conv(v) if conv is not None and v is not None else v)
        else:
            params.append(_assignment_value(a, schema))
    where = _where_values(s.where, schema, params)
    conds = _condition_values(s.if_conditions, schema, params)
    return (
        Update,
        assigns,
        where,
        conds,
        s.if_exists,
        s.ttl is not None,
        s.timestamp is not None,
    ), params


def _shape_delete(s: Delete, schema: TableSchema) -> tuple[tuple[Any, ...], list[Any]]:
    check_using(schema, None, s.timestamp)
    params: list[Any] = [plain(key) for _, key in s.elements]  # DELETE c[?]: first in the text
    if s.timestamp is not None:
        params.append(s.timestamp)
    where = _where_values(s.where, schema, params)
    conds = _condition_values(s.if_conditions, schema, params)
    elements = tuple(name for name, _ in s.elements)
    return (
        Delete,
        s.columns,
        elements,
        where,
        conds,
        s.if_exists,
        s.timestamp is not None,
    ), params


_SHAPERS: dict[type, Callable[[Any, TableSchema], tuple[tuple[Any, ...], list[Any]]]] = {
    Select: _shape_select,
    Insert: _shape_insert,
    Update: _shape_update,
    Delete: _shape_delete,
}


# ------------------------------------------------------------------ marker types

_INT = CqlType("int")
_BIGINT = CqlType("bigint")
_TEXT = CqlType("text")


def _condition_type(c: Condition, schema: TableSchema) -> CqlType:
    if isinstance(c, TokenCompare):
        return _BIGINT
    t = schema.by_name[c.column].cql_type
    if c.op is Op.IN:
        return CqlType("list", (t,))
    if c.op is Op.CONTAINS:
        return t.args[-1] if t.args else t
    if c.op is Op.CONTAINS_KEY:
        return t.args[0] if t.args else t
    if c.op is Op.LIKE:
        return _TEXT
    return t


def _udt_field_type(schema: TableSchema, column: str, field: str) -> CqlType:
    t = schema.by_name[column].cql_type
    return t.args[t.fields.index(field)]


def _udt_field_converter(schema: TableSchema, column: str, field: str) -> Any:
    col = schema.by_name.get(column)
    if col is None or not col.cql_type.is_udt or field not in col.cql_type.fields:
        return None  # (the validator says what is wrong)
    return to_db_converter(_udt_field_type(schema, column, field))


def _assignment_type(a: Assignment, schema: TableSchema) -> CqlType:
    t = schema.by_name[a.column].cql_type
    if a.op is AssignOp.SETFIELD:
        return _udt_field_type(schema, a.column, a.value[0])
    if a.op in (AssignOp.INCR, AssignOp.DECR):
        return _BIGINT
    if a.op is AssignOp.REMOVE and t.name == "map":
        return CqlType("set", (t.args[0],))
    if a.op is AssignOp.SETINDEX:
        return t.args[0]
    return t


def _types_of(stmt: Statement, schema: TableSchema, tpl: _Template) -> StatementTypes:
    """Marker types and labels in the order the shapers emit values (validated statements only)."""
    marks: list[tuple[CqlType, str]] = []

    def using(ttl: bool, timestamp: bool) -> None:
        marks.extend([(_INT, "ttl")] * ttl + [(_BIGINT, "timestamp")] * timestamp)

    def conditions(conds: tuple[Condition, ...]) -> None:
        marks.extend((_condition_type(c, schema), _condition_label(c)) for c in conds)

    columns: tuple[CqlType, ...] = ()
    if isinstance(stmt, Select):
        conditions(stmt.where)
        if stmt.ann is not None:
            marks.append((schema.by_name[stmt.ann.column].cql_type, stmt.ann.column))
        marks.extend([(_INT, "per_partition_limit")] * (stmt.per_partition_limit is not None))
        marks.extend([(_INT, "limit")] * (stmt.limit is not None))
        columns = tuple(schema.by_name[n].cql_type for n in tpl.columns)
    elif isinstance(stmt, Insert):
        marks.extend((schema.by_name[n].cql_type, n) for n, _ in stmt.values)
        using(stmt.ttl is not None, stmt.timestamp is not None)
    elif isinstance(stmt, Update):
        using(stmt.ttl is not None, stmt.timestamp is not None)
        for a in stmt.assignments:
            if a.op is AssignOp.SETINDEX:
                marks.append((_INT, f"{a.column}[index]"))
            label = f"{a.column}.{a.value[0]}" if a.op is AssignOp.SETFIELD else a.column
            marks.append((_assignment_type(a, schema), label))
        conditions(stmt.where)
        conditions(stmt.if_conditions)
    else:
        for name, _ in stmt.elements:
            t = schema.by_name[name].cql_type
            marks.append((t.args[0] if t.name == "map" else _INT, f"{name}[key]"))
        using(False, stmt.timestamp is not None)
        conditions(stmt.where)
        conditions(stmt.if_conditions)
    types = tuple(t for t, _ in marks)
    checks = tuple((i, *value_check(t)) for i, t in enumerate(types))
    # a conditional write answers with the row as it was: its columns by name
    by_column = {c.name: c.cql_type for c in schema.columns} if tpl.lwt else None
    return StatementTypes(
        types, columns, tuple(label for _, label in marks), checks, schema.name, by_column
    )


def _condition_label(c: Condition) -> str:
    if isinstance(c, TokenCompare):
        return f"token({', '.join(c.columns)})"
    return c.column


# ------------------------------------------------------------------ rendering


def visit_condition(c: Condition) -> str:
    if isinstance(c, TokenCompare):
        return f"token({', '.join(quote(n) for n in c.columns)}) {c.op.value} ?"
    return f"{quote(c.column)} {c.op.value} ?"


def _where(where: tuple[Condition, ...]) -> str:
    return " WHERE " + " AND ".join(visit_condition(c) for c in where) if where else ""


def _using(ttl: bool, timestamp: bool) -> str:
    parts = (["TTL ?"] if ttl else []) + (["TIMESTAMP ?"] if timestamp else [])
    return " USING " + " AND ".join(parts) if parts else ""


def _if(if_exists: bool, conds: tuple[Compare, ...]) -> str:
    if if_exists:
        return " IF EXISTS"
    if conds:
        return " IF " + " AND ".join(f"{quote(c.column)} {c.op.value} ?" for c in conds)
    return ""


def visit_select(s: Select, schema: TableSchema, keyspace: str | None) -> _Template:
    columns = s.columns if s.columns else tuple(c.name for c in schema.columns)
    what = "COUNT(*)" if s.count else ", ".join(quote(n) for n in columns)
    if s.distinct:
        what = "DISTINCT " + what
    cql = f"SELECT {what} FROM {schema.qualified_name(keyspace)}{_where(s.where)}"
    if s.ann is not None:
        cql += f" ORDER BY {quote(s.ann.column)} ANN OF ?"
    elif s.order_by:
        cql += " ORDER BY " + ", ".join(
            f"{quote(o.column)} {'DESC' if o.descending else 'ASC'}" for o in s.order_by
        )
    if s.per_partition_limit is not None:
        cql += " PER PARTITION LIMIT ?"
    if s.limit is not None:
        cql += " LIMIT ?"
    if s.allow_filtering:
        cql += " ALLOW FILTERING"
    pk = {c.name for c in schema.partition_key}
    in_on_pk = any(isinstance(c, Compare) and c.op is Op.IN and c.column in pk for c in s.where)
    # the server pages neither ORDER BY with IN on the partition key nor a top-k (ANN)
    # query, which returns at most its LIMIT rows at once
    pageable = not (in_on_pk and s.order_by) and s.ann is None
    return _Template(cql, () if s.count else columns, False, pageable)


def visit_insert(s: Insert, schema: TableSchema, keyspace: str | None) -> _Template:
    names = ", ".join(quote(n) for n, _ in s.values)
    marks = ", ".join("?" for _ in s.values)
    cql = f"INSERT INTO {schema.qualified_name(keyspace)} ({names}) VALUES ({marks})"
    if s.if_not_exists:
        cql += " IF NOT EXISTS"
    cql += _using(s.ttl is not None, s.timestamp is not None)
    return _Template(cql, (), s.if_not_exists, True)


_ASSIGN_TEXT = {
    AssignOp.SET: "{c} = ?",
    AssignOp.ADD: "{c} = {c} + ?",
    AssignOp.APPEND: "{c} = {c} + ?",
    AssignOp.PUT: "{c} = {c} + ?",
    AssignOp.INCR: "{c} = {c} + ?",
    AssignOp.REMOVE: "{c} = {c} - ?",
    AssignOp.DECR: "{c} = {c} - ?",
    AssignOp.PREPEND: "{c} = ? + {c}",
    AssignOp.SETINDEX: "{c}[?] = ?",
}


def _assign_text(a: Assignment) -> str:
    if a.op is AssignOp.SETFIELD:
        return f"{quote(a.column)}.{quote(a.value[0])} = ?"
    return _ASSIGN_TEXT[a.op].format(c=quote(a.column))


def visit_update(s: Update, schema: TableSchema, keyspace: str | None) -> _Template:
    sets = ", ".join(_assign_text(a) for a in s.assignments)
    cql = (
        f"UPDATE {schema.qualified_name(keyspace)}{_using(s.ttl is not None, s.timestamp is not None)}"
        f" SET {sets}{_where(s.where)}{_if(s.if_exists, s.if_conditions)}"
    )
    return _Template(cql, (), s.if_exists or bool(s.if_conditions), True)


def visit_delete(s: Delete, schema: TableSchema, keyspace: str | None) -> _Template:
    targets = [quote(n) for n in s.columns] + [f"{quote(n)}[?]" for n, _ in s.elements]
    cols = " " + ", ".join(targets) if targets else ""
    cql = (
        f"DELETE{cols} FROM {schema.qualified_name(keyspace)}{_using(False, s.timestamp is not None)}"
        f"{_where(s.where)}{_if(s.if_exists, s.if_conditions)}"
    )
    return _Template(cql, (), s.if_exists or bool(s.if_conditions), True)


_RENDERERS: dict[type, Callable[[Any, TableSchema, str | None], _Template]] = {
    Select: visit_select,
    Insert: visit_insert,
    Update: visit_update,
    Delete: visit_delete,
}
