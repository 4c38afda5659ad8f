"""Remembered statements for the common single-row calls.

`doc.save()`, `doc.update(price=...)`, `doc.delete()`, `Model.get(id=...)` and
`increment(...)` run thousands of times with the same shape. The first call of a shape
goes the general way (statement nodes, validation, compiling); when the statement it
built is a plain one (each bound value is one column's value), the compiled template is
kept on the class with the column converter of each value. Later calls of that shape
convert and bind the values directly, with no nodes and no shape pass.

Anything unusual (a document read with only(...), a None where the general path has a
rule about None, a collection operator, an IN) takes the general path, which stays the
reference: `tests/property/test_plans.py` checks that both give the same `Compiled`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coodie.document import IfConditions, conditions_from
from coodie.expr.compiler import Compiled, check_using, compile_statement
from coodie.expr.nodes import AssignOp, Compare, Condition, Delete, Insert, Op, Update
from coodie.query import DEFAULT_PAGE_SIZE, QuerySetCore, resolve_keyspace
from coodie.requests import Request
from coodie.schema import ColumnKind, TableSchema
from coodie.tracking import PARTIAL as _PARTIAL

if TYPE_CHECKING:
    from coodie.document import DocumentCore

__all__ = ["counter", "delete", "get_request", "insert", "update"]

Converter = Callable[[Any], Any] | None
_MAX_PLANS = 256  # shapes remembered per class; more shapes take the general path
_NONE = 0  # what a None value does: bound as null
_REFUSE = 1  # ... or sends the call the general way (which raises or omits the column)


@dataclass(frozen=True, slots=True)
class _Values:
    """Where a run of bound values comes from: names in a mapping, each with its
    converter and what a None does."""

    items: tuple[tuple[str, Converter, int], ...]

    def bind(self, source: Mapping[str, Any], out: list[Any]) -> bool:
        for name, conv, on_none in self.items:
            v = source[name]
            if v is None:
                if on_none:
                    return False
                out.append(None)
            else:
                out.append(conv(v) if conv is not None else v)
        return True


@dataclass(frozen=True, slots=True)
class _Plan:
    template: Compiled
    runs: tuple[_Values, ...]

    def compiled(self, params: list[Any]) -> Compiled:
        t = self.template
        if t.types is not None:
            t.types.check(params)
        return Compiled(t.cql, tuple(params), t.columns, t.lwt, t.paging, t.types)


def _values(
    schema: TableSchema, names: Sequence[str], on_none: int | Callable[[str], int]
) -> _Values:
    by_name = schema.by_name
    return _Values(
        tuple((n, by_name[n].to_db, on_none(n) if callable(on_none) else on_none) for n in names)
    )


def _plans(model: type[DocumentCore]) -> dict[tuple[Any, ...], _Plan | None]:
    plans: dict[tuple[Any, ...], _Plan | None] = model.__coodie_plans__
    return plans


def _remember(model: type[DocumentCore], key: tuple[Any, ...], plan: _Plan | None) -> None:
    plans = _plans(model)
    if len(plans) < _MAX_PLANS:
        plans[key] = plan  # None: this shape always takes the general path


def _eq_names(conds: Sequence[Condition]) -> tuple[str, ...] | None:
    """The column names of `name = ?` conditions; None if any is something else."""
    names = []
    for c in conds:
        if type(c) is not Compare or c.op is not Op.EQ:
            return None
        names.append(c.column)
    return tuple(names)


def _using(params: list[Any], ttl: int | None, timestamp: int | None) -> None:
    if ttl is not None:
        params.append(ttl)
    if timestamp is not None:
        params.append(timestamp)


# ------------------------------------------------------------------ writes


def insert(
    doc: DocumentCore, if_not_exists: bool, ttl: int | None, timestamp: int | None
) -> Compiled:
    """The INSERT of every column of `doc` (`save()`, or `insert()` with IF NOT EXISTS)."""
    model = type(doc)
    schema = model._schema()
    ks = resolve_keyspace(model)
    key = (ks, Insert, if_not_exists, ttl is not None, timestamp is not None)
    plan: _Plan | None = model.__coodie_plans__.get(key)
    if plan and id(doc) not in _PARTIAL:
        params: list[Any] = []
        if plan.runs[0].bind(doc.__dict__, params):
            if ttl is not None or timestamp is not None:
                check_using(schema, ttl, timestamp)
                _using(params, ttl, timestamp)
            return plan.compiled(params)
    stmt = doc._insert_statement(if_not_exists=if_not_exists, ttl=ttl, timestamp=timestamp)
    compiled = compile_statement(stmt, schema, ks)
    if key not in _plans(model):
        names = tuple(n for n, _ in stmt.values)
        if names == tuple(c.name for c in schema.columns):
            # key columns refuse None (the general path says which); a None static is
            # left out of the INSERT, so it is another shape
            def on_none(name: str) -> int:
                col = schema.by_name[name]
                return _REFUSE if col.is_primary_key or col.kind is ColumnKind.STATIC else _NONE

            _remember(model, key, _Plan(compiled, (_values(schema, names, on_none),)))
    return compiled


def update(
    doc: DocumentCore,
    values: Mapping[str, Any],
    ttl: int | None,
    timestamp: int | None,
    if_exists: bool,
    if_conditions: IfConditions | None,
) -> tuple[Compiled, dict[str, Any]]:
    """The UPDATE of `doc.update(...)`, and the values the instance takes once applied."""
    model = type(doc)
    schema = model._schema()
    ks = resolve_keyspace(model)
    if if_conditions is not None and not isinstance(if_conditions, Mapping):
        # conditions given as expressions: the general path, every time
        stmt, new_values = doc._update_statement(
            values, ttl=ttl, timestamp=timestamp, if_exists=if_exists, if_conditions=if_conditions
        )
        return compile_statement(stmt, schema, ks), new_values
    conds = if_conditions or {}
    key = (
        ks,
        Update,
        tuple(values),
        ttl is not None,
        timestamp is not None,
        if_exists,
        tuple(conds),
    )
    plan: _Plan | None = model.__coodie_plans__.get(key)
    if plan and id(doc) not in _PARTIAL:
        sets, where, ifs = plan.runs
        key_values: list[Any] = []
        if where.bind(doc.__dict__, key_values):  # (else the general path says what is wrong)
            new_values = doc._validated_changes(values)
            params: list[Any] = []
            _using(params, ttl, timestamp)
            sets.bind(new_values, params)  # (a SET value may be None: always binds)
            params += key_values
            ifs.bind(conds, params)
            check_using(schema, ttl, timestamp)
            return plan.compiled(params), new_values
    stmt, new_values = doc._update_statement(
        values, ttl=ttl, timestamp=timestamp, if_exists=if_exists, if_conditions=if_conditions
    )
    compiled = compile_statement(stmt, schema, ks)
    if key not in _plans(model):
        sets_ok = all(a.op is AssignOp.SET for a in stmt.assignments) and tuple(
            a.column for a in stmt.assignments
        ) == tuple(values)
        key_names = tuple(c.name for c in schema.primary_key)
        if (
            sets_ok
            and _eq_names(stmt.where) == key_names
            and _eq_names(stmt.if_conditions) == tuple(conds)
        ):
            runs = (
                _values(schema, tuple(values), _NONE),
                _values(schema, key_names, _REFUSE),
                _values(schema, tuple(conds), _NONE),
            )
            _remember(model, key, _Plan(compiled, runs))
        else:
            _remember(model, key, None)
    return compiled, new_values


def delete(
    doc: DocumentCore,
    if_exists: bool,
    if_conditions: IfConditions | None,
    timestamp: int | None,
) -> Compiled:
    """The DELETE of `doc.delete(...)`."""
    model = type(doc)
    schema = model._schema()
    ks = resolve_keyspace(model)
    if if_conditions is not None and not isinstance(if_conditions, Mapping):
        stmt = doc._delete_statement(
            if_exists=if_exists, timestamp=timestamp, if_conditions=if_conditions
        )
        return compile_statement(stmt, schema, ks)
    conds = if_conditions or {}
    key = (ks, Delete, timestamp is not None, if_exists, tuple(conds))
    plan: _Plan | None = model.__coodie_plans__.get(key)
    if plan and id(doc) not in _PARTIAL:
        params: list[Any] = []
        _using(params, None, timestamp)
        where, ifs = plan.runs
        if where.bind(doc.__dict__, params) and ifs.bind(conds, params):
            check_using(schema, None, timestamp)
            return plan.compiled(params)
    stmt = doc._delete_statement(
        if_exists=if_exists, timestamp=timestamp, if_conditions=if_conditions
    )
    compiled = compile_statement(stmt, schema, ks)
    if key not in _plans(model):
        key_names = tuple(c.name for c in schema.primary_key)
        if _eq_names(stmt.where) == key_names and _eq_names(stmt.if_conditions) == tuple(conds):
            runs = (_values(schema, key_names, _REFUSE), _values(schema, tuple(conds), _NONE))
            _remember(model, key, _Plan(compiled, runs))
        else:
            _remember(model, key, None)
    return compiled


def counter(
    model: type[DocumentCore],
    values: Mapping[str, Any],
    sign: int,
    general: Callable[[], Update],
) -> Compiled:
    """The UPDATE of `increment(...)` / `decrement(...)`; `general()` builds it the general
    way (and raises for bad input)."""
    schema = model._schema()
    ks = resolve_keyspace(model)
    # the direction of each counter is part of the shape (`+ ?` or `- ?`)
    signs = tuple(type(v) is int and v * sign < 0 for v in values.values())
    key = (ks, "counter", tuple(values), signs)
    plan: _Plan | None = model.__coodie_plans__.get(key)
    if plan:
        counters, where = plan.runs
        params: list[Any] = []
        for name, _, _ in counters.items:
            v = values[name]
            if type(v) is not int:
                break
            params.append(abs(v))
        else:
            if where.bind(values, params):
                return plan.compiled(params)
    stmt = general()
    compiled = compile_statement(stmt, schema, ks)
    if key not in _plans(model):
        names = tuple(a.column for a in stmt.assignments)
        keys = _eq_names(stmt.where)
        if keys is not None and len(names) + len(keys) == len(values):
            runs = (_values(schema, names, _REFUSE), _values(schema, keys, _REFUSE))
            _remember(model, key, _Plan(compiled, runs))
        else:
            _remember(model, key, None)
    return compiled


# ------------------------------------------------------------------ reads


def get_request(
    model: type[DocumentCore], conditions: Sequence[Any], lookups: Mapping[str, Any]
) -> Request:
    """The SELECT of `Model.get(...)` / `find_one(...)`: LIMIT 2, to tell one row from several."""
    key = (resolve_keyspace(model), "get", tuple(lookups))
    plan: _Plan | None = model.__coodie_plans__.get(key) if not conditions else None
    if plan:
        params: list[Any] = []
        if plan.runs[0].bind(lookups, params):
            params.append(2)
            # the general path's request, page size included
            return Request(plan.compiled(params), fetch_size=DEFAULT_PAGE_SIZE)
    qs = QuerySetCore(model, conditions_from(model._schema(), conditions, lookups, model))
    where = qs._where  # (with what the QuerySet adds: a polymorphic subclass's filter)
    request = qs._copy(_limit=2)._select_request()
    if not conditions and key not in _plans(model):
        names = _eq_names(where)
        if names == tuple(lookups) and request.compiled.paging:
            runs = (_values(model._schema(), names, _REFUSE),)
            _remember(model, key, _Plan(request.compiled, runs))
        else:
            _remember(model, key, None)
    return request
