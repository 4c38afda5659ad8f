"""Statements -> CQL text with `?` markers, and the values bound to them.

The *shape* of a statement (its structure, without values) is rendered once, clause by
clause: each clause gives its CQL text and, for each marker it writes, one bind entry
(where the value comes from, its converter, what a None does, its CQL type). That bind
list is the one place marker order is decided. A statement of a known shape only
collects its values, by node, and binds them through the entries: values never enter
the CQL text. LIMIT, TTL, TIMESTAMP and whole IN lists are bound (`IN ?`), so the number
of shapes stays small.

A node may hold a named parameter (`Param`) instead of a value: bound when the statement
runs, from sources its caller gives. A Document class remembers the templates of its
fixed-shape statements (`doc.save()`, `Model.get(id=...)`, ...) in this module's cache
(`compile_fixed`) and binds them from the document's own values: no nodes, no shape pass.
The cache keeps the shapes used most recently (LRU).
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import (
    Assignment,
    AssignOp,
    Compare,
    Condition,
    Delete,
    Insert,
    Op,
    Param,
    Select,
    Statement,
    TokenCompare,
    Update,
)
from coodie.expr.restrictions import analyse
from coodie.expr.validate import ANN_MAX_LIMIT, validate
from coodie.requests import Compiled, StatementTypes  # (re-exported: the wire types)
from coodie.schema import ColumnSchema, TableSchema, quote
from coodie.types import (
    CHECK_SOURCE,
    Check,
    CqlType,
    describe,
    plain,
    to_db_converter,
    value_check,
)

__all__ = [
    "CHANGES",
    "CONDITIONS",
    "FIELDS",
    "Bind",
    "Compiled",
    "Fallback",
    "StatementTypes",
    "Template",
    "cache_info",
    "clear_cache",
    "compile_fixed",
    "compile_statement",
    "fixed_sources",
    "learned",
]


# Where a bind entry reads its value: `sources[source][key]`. A statement's own values,
# collected by node: its WHERE values, its IF values, its inserted or assigned values,
# the keys of the collection elements it deletes, and its options ...
WHERE, IF, VALUES, ELEMENTS, OPTIONS = range(5)
# ... (ttl, timestamp, ann vector, per_partition_limit, limit) at these indexes of OPTIONS
_TTL, _TIMESTAMP, _VECTOR, _PPL, _LIMIT = range(5)
# What a `Param(key, source)` names: a document's fields (or the call's lookups), the
# new values of an update, the values of its IF conditions (see compile_fixed).
FIELDS, CHANGES, CONDITIONS = 5, 6, 7


class Bind(NamedTuple):
    """One marker: where its value comes from and how it is bound."""

    source: int
    key: Any
    convert: Callable[[Any], Any] | None  # applied to a value that is not None
    null: Any  # None: a None binds null; a message: a None is refused with it; _FALLBACK
    cls: Any  # what the converted value must be an instance of ...
    extra: Check | None  # ... and pass
    label: str  # what the marker binds (a column, "ttl", "limit", ...), for messages
    type: CqlType


class Fallback(Exception):  # (not an error: a signal to compile_fixed)
    """A remembered statement cannot take this call: it goes the general way."""


_FALLBACK: Any = object()  # Bind.null of a Param(..., fallback=True)
_UNMADE: Any = object()  # Template._bind_fields before fields_binder() first made it


@dataclass(frozen=True, slots=True)
class Template:
    """A rendered shape: its CQL text and bind list, and what running it needs to know."""

    cql: str
    binds: tuple[Bind, ...]
    columns: tuple[str, ...]
    lwt: bool
    paging: bool
    types: StatementTypes
    # sources -> Compiled: the bind list made into one function, once per shape (_binder)
    _bind: Callable[[Sequence[Any]], Compiled] = dataclasses.field(
        init=False, repr=False, compare=False
    )
    # see fields_binder (made on its first use)
    _bind_fields: Any = dataclasses.field(init=False, repr=False, compare=False, default=_UNMADE)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bind", _binder(self))

    def fields_binder(self) -> Callable[[Mapping[str, Any]], Compiled] | None:
        """Where every marker reads FIELDS (a whole row's INSERT): the bind taking that
        mapping itself, not the sources (the batch's short way calls it per row); else
        None."""
        made = self._bind_fields
        if made is _UNMADE:
            by_fields = bool(self.binds) and all(b.source == FIELDS for b in self.binds)
            made = _binder(self, FIELDS) if by_fields else None
            object.__setattr__(self, "_bind_fields", made)
        return made  # type: ignore[no-any-return]

    def bind(self, sources: Sequence[Any]) -> Compiled:
        """The statement with each marker's value taken from `sources`, converted and
        checked (InvalidQueryError names the column of a value that does not fit)."""
        return self._bind(sources)

    def refuse(self, i: int, v: Any) -> InvalidQueryError:
        """The error of a value that does not fit marker `i`'s column."""
        b = self.binds[i]
        return InvalidQueryError(
            f"{self.types.table}.{b.label}: {v!r} ({type(v).__name__}) does not fit "
            f"CQL type {describe(b.type)}"
        )


def _binder(t: Template, only: int | None = None) -> Callable[[Any], Compiled]:
    """`t.bind` as one function generated for its bind list: per marker, only the steps
    its entry needs (its null rule, converter and check), in straight-line code. Only
    marker numbers and source indexes enter the generated source; keys, converters,
    classes, checks and messages are passed in as names. Given `only` (the one source
    every marker reads), the function takes that source itself, not the sources. A
    value missing from its source raises Fallback."""
    env: dict[str, Any] = {
        "Compiled": Compiled,
        "InvalidQueryError": InvalidQueryError,
        "Fallback": Fallback,
        "t": t,
        "cql": t.cql,
        "columns": t.columns,
        "lwt": t.lwt,
        "paging": t.paging,
        "types": t.types,
    }
    # the values first, each from its source: one the source does not hold (a document
    # made by model_construct() without a field) sends the call the general way, which
    # leaves its column out as the first call of the shape did
    lines = ["def bind(sources):", "    try:"]
    for source in sorted({b.source for b in t.binds}):
        lines.append(
            f"        s{source} = sources" + ("" if only is not None else f"[{int(source)}]")
        )
    for i, b in enumerate(t.binds):
        lines.append(f"        v{i} = s{int(b.source)}[k{i}]")
    if not t.binds:
        lines.append("        pass")
    lines.append("    except KeyError:\n        raise Fallback from None")
    for i, (_source, key, convert, null, cls, extra, _label, _type) in enumerate(t.binds):
        env[f"k{i}"], env[f"cls{i}"] = key, cls
        if null is _FALLBACK:
            lines.append(f"    if v{i} is None:\n        raise Fallback")
            lines.append("    else:")
        elif null is not None:
            env[f"null{i}"] = null
            lines.append(f"    if v{i} is None:\n        raise InvalidQueryError(null{i})")
            lines.append("    else:")
        else:
            lines.append(f"    if v{i} is not None:")
        check = f"isinstance(v{i}, cls{i})"
        inline = CHECK_SOURCE.get(extra) if extra is not None else None
        if inline is not None:  # (the common checks written out: no call per value)
            check = f"({check} and {inline.format(v=f'v{i}')})"
        elif extra is not None:
            env[f"extra{i}"] = extra
            check = f"({check} and extra{i}(v{i}))"
        if convert is not None:
            env[f"convert{i}"] = convert
            lines.append(f"        v{i} = convert{i}(v{i})")
            lines.append(f"        if v{i} is not None and not {check}:")
        else:
            lines.append(f"        if not {check}:")
        lines.append(f"            raise t.refuse({i}, v{i})")
    values = "".join(f"v{i}, " for i in range(len(t.binds)))
    lines.append(f"    return Compiled(cql, ({values}), columns, lwt, paging, types)")
    exec(compile("\n".join(lines) + "\n", "<coodie binder>", "exec"), env)
    bind: Callable[[Any], Compiled] = env["bind"]
    return bind


# ------------------------------------------------------------------ the cache

_MAX_SHAPES = 4096
_GENERAL: Any = object()  # a fixed key whose calls take the general path
_cache: OrderedDict[Hashable, Any] = OrderedDict()  # least recently used first
_stats = {"hits": 0, "misses": 0}


def clear_cache() -> None:
    _cache.clear()


def cache_info() -> dict[str, int]:
    return {"size": len(_cache), **_stats}


def _lookup(key: Hashable) -> Any:
    found = _cache.get(key)
    if found is None:
        _stats["misses"] += 1
        return None
    _stats["hits"] += 1
    try:  # (not contextlib.suppress: this runs on every call)  # noqa: SIM105
        _cache.move_to_end(key)
    except KeyError:  # (another thread evicted it meanwhile)
        pass
    return found


def _store(key: Hashable, value: Any) -> None:
    _cache[key] = value
    while len(_cache) > _MAX_SHAPES:
        try:
            _cache.popitem(last=False)
        except KeyError:  # (another thread emptied it meanwhile)
            break


def compile_statement(
    stmt: Statement, schema: TableSchema, keyspace: str | None = None
) -> Compiled:
    """Validate (once per shape) and compile `stmt` against `schema`."""
    template, sources = _template(stmt, schema, keyspace)
    return template.bind(sources)


def _template(
    stmt: Statement, schema: TableSchema, keyspace: str | None
) -> tuple[Template, tuple[Any, ...]]:
    shape, sources = _SHAPERS[type(stmt)](stmt)
    key = (schema, keyspace, shape)
    template: Template | None = _lookup(key)
    if template is None:
        validate(stmt, schema)
        template = _render(stmt, schema, keyspace)
        _store(key, template)
    return template, sources


Sources = Sequence[Any] | None  # what a fixed template binds from (None: this call cannot)


def compile_fixed(
    key: Hashable,
    schema: TableSchema,
    keyspace: str | None,
    sources: Sources | Callable[[], Sources],
    general: Callable[..., Statement],
    fixed: Callable[[Statement, TableSchema, Sequence[Any]], Statement | None],
    *args: Any,
) -> Compiled:
    """A statement of a fixed shape, remembered under `key` (which names the model and
    the options that change the shape): its template bound from `sources` (see
    fixed_sources; a function, where they cost work to make; None when this call cannot
    use the template).

    The first call of a key builds its statement the general way (`general(*args)`:
    nodes holding values, validated; given with its arguments rather than as a closure,
    which would cost a function and its cells on every call) and compiles it. `fixed(statement, schema, sources)` is
    that statement with a `Param` where each value goes; it is remembered if, bound from
    this call's sources, it gives exactly the CQL and values of the general way.
    Otherwise the key takes the general path from then on (unless `fixed` raised
    Fallback: this call's statement is not the shape's, and a later call teaches it)."""
    full = (schema, keyspace, key)
    template = _lookup(full)
    if type(template) is Template:
        given = sources() if callable(sources) else sources
        if given is not None:
            try:
                return template._bind(given)
            except Fallback:
                pass
    stmt = general(*args)
    made, values = _template(stmt, schema, keyspace)
    compiled = made.bind(values)
    if template is None:
        _learn(full, fixed, stmt, made, compiled, sources, schema, keyspace)
    return compiled


def learned(key: Hashable, schema: TableSchema, keyspace: str | None) -> Template | None:
    """The template compile_fixed remembered for `key` (None: none yet, or calls of that
    key take the general path). Its `bind` raises `Fallback` for a call it cannot take."""
    found = _lookup((schema, keyspace, key))  # (a use: the template stays recent)
    return found if type(found) is Template else None


def fixed_sources(
    fields: Mapping[str, Any],
    changes: Mapping[str, Any] | None = None,
    conditions: Mapping[str, Any] | None = None,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    limit: int | None = None,
) -> tuple[Any, ...]:
    """What the Params of a fixed statement read: FIELDS, CHANGES and CONDITIONS by
    name, and the options (USING, LIMIT) a statement binds."""
    if ttl is None and timestamp is None and limit is None:
        return (None, None, None, None, _NO_OPTIONS, fields, changes, conditions)
    return (
        None,
        None,
        None,
        None,
        (ttl, timestamp, None, None, limit),
        fields,
        changes,
        conditions,
    )


_NO_OPTIONS = (None, None, None, None, None)


def _learn(
    key: Hashable,
    fixed: Callable[[Statement, TableSchema, Sequence[Any]], Statement | None],
    stmt: Statement,
    general: Template,
    compiled: Compiled,
    sources: Sources | Callable[[], Sources],
    schema: TableSchema,
    keyspace: str | None,
) -> None:
    learned = _GENERAL
    try:
        given = sources() if callable(sources) else sources
        if given is None:  # a call that cannot use a template teaches nothing
            return
        try:
            params = fixed(stmt, schema, given)
        except Fallback:  # nor does a call whose statement is not its shape's
            return
        rendered = _render(params, schema, keyspace) if params is not None else None
        if rendered is not None and rendered.cql == general.cql:
            template = dataclasses.replace(general, binds=rendered.binds)  # (its types: one object)
            if template.bind(given).params == compiled.params:
                learned = template
    except Exception:  # whatever differs, the general path stays the reference
        pass
    _store(key, learned)


# ------------------------------------------------------------------ shapes and values


def _conditions(conds: tuple[Condition, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    shape = tuple([(c.columns if type(c) is TokenCompare else c.column, c.op) for c in conds])  # type: ignore[union-attr]
    return shape, tuple([c.value for c in conds])


def _shape_select(s: Select) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    where, values = _conditions(s.where)
    ann = s.ann
    shape = (
        Select,
        where,
        s.columns,
        s.order_by,
        ann.column if ann is not None else None,
        s.limit is not None,
        s.per_partition_limit is not None,
        s.allow_filtering,
        s.count,
        s.distinct,
    )
    options = (None, None, ann.vector if ann is not None else None, s.per_partition_limit, s.limit)
    return shape, (values, (), (), (), options)


def _shape_insert(s: Insert) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    names = tuple([n for n, _ in s.values])
    shape = (Insert, names, s.if_not_exists, s.ttl is not None, s.timestamp is not None)
    values = tuple([v for _, v in s.values])
    return shape, ((), (), values, (), (s.ttl, s.timestamp, None, None, None))


def _shape_update(s: Update) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    where, where_values = _conditions(s.where)
    ifs, if_values = _conditions(s.if_conditions)
    # (a UDT field's name is in the CQL text, so it is part of the shape)
    assigns = tuple(
        [(a.column, a.op, a.value[0] if a.op is AssignOp.SETFIELD else None) for a in s.assignments]
    )
    shape = (
        Update,
        assigns,
        where,
        ifs,
        s.if_exists,
        s.ttl is not None,
        s.timestamp is not None,
    )
    values = tuple([a.value for a in s.assignments])
    return shape, (where_values, if_values, values, (), (s.ttl, s.timestamp, None, None, None))


def _shape_delete(s: Delete) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    where, where_values = _conditions(s.where)
    ifs, if_values = _conditions(s.if_conditions)
    shape = (
        Delete,
        s.columns,
        tuple([name for name, _ in s.elements]),
        where,
        ifs,
        s.if_exists,
        s.timestamp is not None,
    )
    keys = tuple([key for _, key in s.elements])
    return shape, (where_values, if_values, (), keys, (None, s.timestamp, None, None, None))


_SHAPERS: dict[type, Callable[[Any], tuple[tuple[Any, ...], tuple[Any, ...]]]] = {
    Select: _shape_select,
    Insert: _shape_insert,
    Update: _shape_update,
    Delete: _shape_delete,
}


# ------------------------------------------------------------------ rendering
# Each clause appends its text and, marker by marker, its bind entries.

_INT = CqlType("int")
_BIGINT = CqlType("bigint")
_TEXT = CqlType("text")
_UNKNOWN = CqlType("blob")


class _Out:
    """The statement being rendered: its bind entries, in marker order."""

    def __init__(self, schema: TableSchema) -> None:
        self.schema = schema
        self.binds: list[Bind] = []

    def column(self, name: str) -> ColumnSchema:
        """A column by name, or one field of a UDT column (`home.city`, in IF conditions).
        A statement rendered unvalidated, for the server to judge, may name one the table
        lacks: it binds its value as given."""
        col = self.schema.by_name.get(name)
        if col is not None:
            return col
        base, dot, field = name.partition(".")
        parent = self.schema.by_name.get(base) if dot else None
        if parent is not None and field in parent.cql_type.fields:
            t = parent.cql_type.args[parent.cql_type.fields.index(field)]
            return ColumnSchema(name, t, to_db=to_db_converter(t))
        return ColumnSchema(name, _UNKNOWN)

    def mark(
        self,
        value: Any,
        where: tuple[int, Any],
        t: CqlType,
        label: str,
        convert: Callable[[Any], Any] | None = None,
        null: str | None = None,
    ) -> str:
        """One `?`: its value is `value` (a Param names where it comes from) and is found
        at `where` (source, key) among the statement's own values."""
        source, key = where
        if type(value) is Param:
            source, key = value.source, value.key
            if value.fallback:
                null = _FALLBACK
        cls, extra = value_check(t)
        self.binds.append(Bind(source, key, convert, null, cls, extra, label, t))
        return "?"


def _refuse(schema: TableSchema, message: str) -> str:
    return f"{schema.name}: {message}"


def _condition(out: _Out, c: Condition, source: int, i: int, in_where: bool) -> str:
    schema = out.schema
    if type(c) is TokenCompare:
        refuse = _refuse(schema, "token() compared with None")
        m = out.mark(c.value, (source, i), _BIGINT, f"token({', '.join(c.columns)})", None, refuse)
        return f"token({', '.join(quote(n) for n in c.columns)}) {c.op.value} {m}"
    assert type(c) is Compare
    col = out.column(c.column)
    null: str | None = (
        _refuse(
            schema,
            f"invalid null value in condition for column {c.column}; CQL cannot match null in WHERE",
        )
        if in_where
        else None
    )
    t, convert = _condition_binding(schema, col, c.op, in_where)
    m = out.mark(c.value, (source, i), t, c.column, convert, null)
    return f"{_quote_path(c.column)} {c.op.value} {m}"


def _quote_path(name: str) -> str:
    """A column, or a UDT column's field (`home.city`: IF conditions take one)."""
    base, dot, field = name.partition(".")
    return f"{quote(base)}.{quote(field)}" if dot else quote(name)


def _condition_binding(
    schema: TableSchema, col: ColumnSchema, op: Op, in_where: bool
) -> tuple[CqlType, Callable[[Any], Any] | None]:
    """The marker type and converter of `col <op> ?`."""
    t = col.cql_type
    if op is Op.IN:
        conv = col.to_db
        if in_where:  # CQL cannot match null: a None in the list is refused

            def convert(v: Any) -> Any:
                if any(x is None for x in v):
                    raise InvalidQueryError(
                        _refuse(schema, f"invalid null value in IN list for column {col.name}")
                    )
                return [conv(x) for x in v] if conv else list(v)

        else:

            def convert(v: Any) -> Any:
                return [conv(x) if conv and x is not None else x for x in v]

        return CqlType("list", (t,)), convert
    if op is Op.CONTAINS:
        return (t.args[-1] if t.args else t), col.element_to_db
    if op is Op.CONTAINS_KEY:
        return (t.args[0] if t.args else t), col.key_to_db
    return (_TEXT if op is Op.LIKE else t), col.to_db


def _where(out: _Out, where: tuple[Condition, ...]) -> str:
    if not where:
        return ""
    return " WHERE " + " AND ".join(_condition(out, c, WHERE, i, True) for i, c in enumerate(where))


def _if(out: _Out, if_exists: bool, conds: tuple[Compare, ...]) -> str:
    if if_exists:
        return " IF EXISTS"
    if conds:
        return " IF " + " AND ".join(_condition(out, c, IF, i, False) for i, c in enumerate(conds))
    return ""


def _using(out: _Out, ttl: Any, timestamp: Any) -> str:
    parts = []
    schema = out.schema
    if ttl is not None:

        def check_ttl(v: Any) -> Any:
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise InvalidQueryError(
                    _refuse(schema, f"ttl must be a non-negative integer of seconds, got {v!r}")
                )
            return v

        parts.append("TTL " + out.mark(ttl, (OPTIONS, _TTL), _INT, "ttl", check_ttl))
    if timestamp is not None:

        def check_timestamp(v: Any) -> Any:
            if not isinstance(v, int) or isinstance(v, bool):
                raise InvalidQueryError(
                    _refuse(
                        schema,
                        f"timestamp must be an integer of microseconds since the epoch, got {v!r}",
                    )
                )
            return v

        m = out.mark(timestamp, (OPTIONS, _TIMESTAMP), _BIGINT, "timestamp", check_timestamp)
        parts.append("TIMESTAMP " + m)
    return " USING " + " AND ".join(parts) if parts else ""


def _list_index(schema: TableSchema, name: str) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise InvalidQueryError(
                _refuse(
                    schema,
                    f"delete of an element of list {name}: the index must be an int >= 0, got {v!r}",
                )
            )
        return v

    return check


def _positive(schema: TableSchema, what: str, most: int | None = None) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise InvalidQueryError(
                _refuse(schema, f"{what}() takes a positive integer, got {v!r}")
            )
        if most is not None and v > most:  # (a value: checked every call)
            raise InvalidQueryError(
                _refuse(schema, f"an ANN query needs limit(k) with k at most {most} (got {v})")
            )
        return v

    return check


def _render_select(out: _Out, s: Select, keyspace: str | None) -> Template:
    schema = out.schema
    columns = s.columns if s.columns else tuple(c.name for c in schema.columns)
    what = "COUNT(*)" if s.count else ", ".join(quote(n) for n in columns)
    if s.distinct:
        what = "DISTINCT " + what
    cql = f"SELECT {what} FROM {schema.qualified_name(keyspace)}{_where(out, s.where)}"
    if s.ann is not None:
        col = out.column(s.ann.column)
        vector = out.mark(s.ann.vector, (OPTIONS, _VECTOR), col.cql_type, col.name, col.to_db)
        cql += f" ORDER BY {quote(s.ann.column)} ANN OF {vector}"
    elif s.order_by:
        cql += " ORDER BY " + ", ".join(
            f"{quote(o.column)} {'DESC' if o.descending else 'ASC'}" for o in s.order_by
        )
    if s.per_partition_limit is not None:
        check = _positive(schema, "per_partition_limit")
        ppl = out.mark(s.per_partition_limit, (OPTIONS, _PPL), _INT, "per_partition_limit", check)
        cql += f" PER PARTITION LIMIT {ppl}"
    if s.limit is not None:
        check = _positive(schema, "limit", ANN_MAX_LIMIT if s.ann is not None else None)
        cql += f" LIMIT {out.mark(s.limit, (OPTIONS, _LIMIT), _INT, 'limit', check)}"
    if s.allow_filtering:
        cql += " ALLOW FILTERING"
    # the server pages neither ORDER BY with IN on the partition key nor a top-k (ANN)
    # query, which returns at most its LIMIT rows at once
    pageable = not (analyse(schema, s.where).pk_in and s.order_by) and s.ann is None
    selected = () if s.count else columns
    types = tuple(out.column(n).cql_type for n in selected)
    return _made(out, cql, selected, False, pageable, types)


def _render_insert(out: _Out, s: Insert, keyspace: str | None) -> Template:
    schema = out.schema
    marks = []
    for i, (name, v) in enumerate(s.values):
        col = out.column(name)
        null = (
            _refuse(schema, f"primary key column {name} is None; every key column needs a value")
            if col.is_primary_key
            else None
        )
        marks.append(out.mark(v, (VALUES, i), col.cql_type, name, col.to_db, null))
    names = ", ".join(quote(n) for n, _ in s.values)
    cql = f"INSERT INTO {schema.qualified_name(keyspace)} ({names}) VALUES ({', '.join(marks)})"
    if s.if_not_exists:
        cql += " IF NOT EXISTS"
    cql += _using(out, s.ttl, s.timestamp)
    return _made(out, cql, (), s.if_not_exists, True)


_ASSIGN_TEXT = {
    AssignOp.SET: "{c} = {m}",
    AssignOp.ADD: "{c} = {c} + {m}",
    AssignOp.APPEND: "{c} = {c} + {m}",
    AssignOp.PUT: "{c} = {c} + {m}",
    AssignOp.INCR: "{c} = {c} + {m}",
    AssignOp.REMOVE: "{c} = {c} - {m}",
    AssignOp.DECR: "{c} = {c} - {m}",
    AssignOp.PREPEND: "{c} = {m} + {c}",
}


def _assignment(out: _Out, a: Assignment, i: int) -> str:
    schema = out.schema
    col = out.column(a.column)
    c = quote(a.column)
    t = col.cql_type
    if a.op is AssignOp.SETINDEX:  # c[?] = ?: the index, then the element
        element = col.element_to_db
        index = out.mark(a.value, (VALUES, i), _INT, f"{a.column}[index]", _first)
        et = t.args[0] if t.args else t
        value = out.mark(a.value, (VALUES, i), et, a.column, lambda p: _second(p, element))
        return f"{c}[{index}] = {value}"
    if a.op is AssignOp.SETFIELD:  # c.field = ?: the field's value
        field = a.value[0]
        ft = t.args[t.fields.index(field)] if field in t.fields else t
        conv = to_db_converter(ft) if field in t.fields else None
        m = out.mark(a.value, (VALUES, i), ft, f"{a.column}.{field}", lambda p: _second(p, conv))
        return f"{c}.{quote(field)} = {m}"
    convert: Callable[[Any], Any] | None = abs
    if a.op in (AssignOp.INCR, AssignOp.DECR):
        # the direction is the operator's: a counter's delta binds as its magnitude
        t = _BIGINT
    else:
        if a.op is AssignOp.REMOVE and t.name == "map":
            t = CqlType("set", (t.args[0],))
        convert = _assignment_converter(schema, col, a.op)
    m = out.mark(a.value, (VALUES, i), t, a.column, convert)
    return _ASSIGN_TEXT[a.op].format(c=c, m=m)


def _first(pair: Any) -> Any:
    return pair[0]


def _second(pair: Any, convert: Callable[[Any], Any] | None) -> Any:
    v = pair[1]
    return convert(v) if convert is not None and v is not None else v


def _assignment_converter(
    schema: TableSchema, col: ColumnSchema, op: AssignOp
) -> Callable[[Any], Any] | None:
    """The bound value of an assignment: collections in the shape the operator needs."""
    if op is AssignOp.SET:
        return col.to_db
    kind = col.cql_type.name
    key, element = col.key_to_db, col.element_to_db

    def iterable(v: Any) -> bool:
        return not isinstance(v, (str, bytes)) and hasattr(v, "__iter__")

    def many(v: Any, what: str) -> Any:
        if not iterable(v):
            raise InvalidQueryError(
                _refuse(schema, f"{op.value}__{col.name} takes a {what} of values, got {v!r}")
            )
        return v

    if kind == "map" and op is AssignOp.REMOVE:
        return lambda v: {key(k) for k in v} if iterable(v) else {key(v)}
    if kind == "map" and op is AssignOp.PUT:

        def put(v: Any) -> Any:
            if not isinstance(v, dict):
                raise InvalidQueryError(_refuse(schema, f"put__{col.name} takes a dict, got {v!r}"))
            return {key(k): element(x) for k, x in v.items()}

        return put
    if kind == "set" and op in (AssignOp.ADD, AssignOp.REMOVE):
        return lambda v: {element(x) for x in many(v, "set")}
    if kind == "list" and op in (AssignOp.APPEND, AssignOp.PREPEND, AssignOp.REMOVE):
        return lambda v: [element(x) for x in many(v, "list")]
    return None


def _render_update(out: _Out, s: Update, keyspace: str | None) -> Template:
    using = _using(out, s.ttl, s.timestamp)
    sets = ", ".join(_assignment(out, a, i) for i, a in enumerate(s.assignments))
    cql = (
        f"UPDATE {out.schema.qualified_name(keyspace)}{using}"
        f" SET {sets}{_where(out, s.where)}{_if(out, s.if_exists, s.if_conditions)}"
    )
    return _made(out, cql, (), s.if_exists or bool(s.if_conditions), True)


def _render_delete(out: _Out, s: Delete, keyspace: str | None) -> Template:
    schema = out.schema
    targets = [quote(n) for n in s.columns]
    for i, (name, key) in enumerate(s.elements):  # DELETE c[?]: a map key or a list index
        t = out.column(name).cql_type
        # (values: checked every call, not once per shape)
        null = _refuse(schema, f"delete of an element of {name}: the key is None")
        if t.name == "map":
            m = out.mark(key, (ELEMENTS, i), t.args[0], f"{name}[key]", plain, null)
        else:
            m = out.mark(key, (ELEMENTS, i), _INT, f"{name}[key]", _list_index(schema, name), null)
        targets.append(f"{quote(name)}[{m}]")
    cols = " " + ", ".join(targets) if targets else ""
    cql = (
        f"DELETE{cols} FROM {schema.qualified_name(keyspace)}{_using(out, None, s.timestamp)}"
        f"{_where(out, s.where)}{_if(out, s.if_exists, s.if_conditions)}"
    )
    return _made(out, cql, (), s.if_exists or bool(s.if_conditions), True)


def _made(
    out: _Out,
    cql: str,
    columns: tuple[str, ...],
    lwt: bool,
    paging: bool,
    column_types: tuple[CqlType, ...] = (),
) -> Template:
    schema = out.schema
    # a conditional write answers with the row as it was: its columns by name
    by_column = {c.name: c.cql_type for c in schema.columns} if lwt else None
    types = StatementTypes(
        tuple(b.type for b in out.binds),
        column_types,
        tuple(b.label for b in out.binds),
        schema.name,
        by_column,
    )
    return Template(cql, tuple(out.binds), columns, lwt, paging, types)


_RENDERERS: dict[type, Callable[[_Out, Any, str | None], Template]] = {
    Select: _render_select,
    Insert: _render_insert,
    Update: _render_update,
    Delete: _render_delete,
}


def _render(stmt: Statement, schema: TableSchema, keyspace: str | None) -> Template:
    return _RENDERERS[type(stmt)](_Out(schema), stmt, keyspace)
