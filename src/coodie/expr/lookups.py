"""Django-style kwargs -> the same nodes the column operators build.

price__gt=10          -> Compare("price", Op.GT, 10)      (like User.price > 10)
id__token__gt=t       -> TokenCompare(<partition key>, Op.GT, t)
add__tags={"vip"}     -> Assignment("tags", AssignOp.ADD, {"vip"})
tags__add={"vip"}     -> the same (coodie 1.9's column-first spelling)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import Assignment, AssignOp, Compare, Condition, Op, TokenCompare
from coodie.schema import TableSchema

__all__ = [
    "LOOKUPS",
    "UPDATE_PREFIXES",
    "UPDATE_SUFFIXES",
    "parse_assignments",
    "parse_conditions",
]

# The one table of lookup names; Column's dunders use the same Op members.
LOOKUPS: Mapping[str, Op] = {
    "eq": Op.EQ,
    "gt": Op.GT,
    "gte": Op.GE,
    "lt": Op.LT,
    "lte": Op.LE,
    "in": Op.IN,
    "contains": Op.CONTAINS,
    "contains_key": Op.CONTAINS_KEY,
    "like": Op.LIKE,
    "ne": Op.NE,  # IF conditions only
}
TOKEN_LOOKUPS: Mapping[str, Op] = {k: LOOKUPS[k] for k in ("eq", "gt", "gte", "lt", "lte")}

# (`set__ttl=...`: a column whose name is also an update() option)
UPDATE_PREFIXES: Mapping[str, AssignOp] = {
    p: AssignOp(p) for p in ("set", "add", "remove", "append", "prepend", "put", "incr", "decr")
}

# coodie 1.9's column-first spellings (`tags__add`): the same operations, plus
# `meta__update` (= put), `meta__put=(k, v)` (one entry) and `items__setindex=(i, v)`.
UPDATE_SUFFIXES: Mapping[str, AssignOp] = {
    s: AssignOp.PUT if s == "update" else AssignOp(s)
    for s in ("add", "remove", "append", "prepend", "put", "update", "setindex", "incr", "decr")
}


def _unknown_column(schema: TableSchema, name: str, key: str) -> InvalidQueryError:
    return InvalidQueryError(
        f"{key}=: {schema.name} has no column {name!r}; columns are: {', '.join(schema.by_name)}"
    )


def _split(schema: TableSchema, key: str) -> tuple[str, str]:
    """`price__gt` -> ("price", "gt"). Column names may hold underscores themselves
    (`a_` + `__lt`), so among the splits at a `__` that leave a column name, the one whose
    rest is a lookup wins."""
    if key in schema.by_name:
        return key, ""
    splits = []
    start = 0
    while (p := key.find("__", start)) != -1:
        if key[:p] in schema.by_name:
            splits.append((key[:p], key[p + 2 :]))
        start = p + 1
    for name, rest in splits:
        if rest in LOOKUPS or rest == "token" or rest.startswith("token__"):
            return name, rest
    return splits[0] if splits else (key.partition("__")[0], "")


def parse_condition(schema: TableSchema, key: str, value: Any) -> Condition:
    name, lookup = _split(schema, key)
    if name not in schema.by_name:
        raise _unknown_column(schema, name, key)
    if not lookup:
        return Compare(name, Op.EQ, value)
    if lookup == "token" or lookup.startswith("token__"):
        op_name = lookup[7:] or "eq"
        op = TOKEN_LOOKUPS.get(op_name)
        if op is None:
            raise InvalidQueryError(
                f"{key}=: unknown token lookup {op_name!r}; valid: "
                + ", ".join(f"__token__{k}" for k in TOKEN_LOOKUPS)
            )
        if name not in {c.name for c in schema.partition_key}:
            raise InvalidQueryError(
                f"{key}=: token() ranges apply to the partition key "
                f"({', '.join(c.name for c in schema.partition_key)}), not to {name!r}"
            )
        return TokenCompare(tuple(c.name for c in schema.partition_key), op, value)
    field, _, rest = lookup.partition("__")
    udt = schema.by_name[name].cql_type
    if udt.is_udt and field in udt.fields and (not rest or rest in LOOKUPS):
        # home__city=, home__city__ne=: a field of a UDT (IF conditions take it, WHERE not)
        name, lookup = f"{name}.{field}", rest or "eq"
    op = LOOKUPS.get(lookup)
    if op is None:
        raise InvalidQueryError(
            f"{key}=: unknown lookup {lookup!r}; valid lookups: "
            + ", ".join(f"__{k}" for k in LOOKUPS)
            + ", __token__gt/gte/lt/lte"
        )
    if op is Op.IN:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise InvalidQueryError(f"{key}= takes a list of values, got {value!r}")
        value = list(value)
    return Compare(name, op, value)


def parse_conditions(schema: TableSchema, kwargs: Mapping[str, Any]) -> list[Condition]:
    return [parse_condition(schema, k, v) for k, v in kwargs.items()]


def parse_assignments(schema: TableSchema, kwargs: Mapping[str, Any]) -> list[Assignment]:
    """`name=v` sets; `add__`, `remove__`, `append__`, `prepend__`, `put__`, `incr__`,
    `decr__` prefixes apply collection and counter operations. The column-first forms
    (`tags__add`, `items__append`, `meta__update`, `meta__put=(k, v)`,
    `items__setindex=(i, v)`, ...) build the same assignments."""
    out: list[Assignment] = []
    by_name = schema.by_name
    for key, value in kwargs.items():
        if key in by_name:
            out.append(Assignment(key, AssignOp.SET, value))
            continue
        prefix, sep, name = key.partition("__")
        if sep and prefix in UPDATE_PREFIXES:
            if name not in by_name:
                raise _unknown_column(schema, name, key)
            out.append(Assignment(name, UPDATE_PREFIXES[prefix], value))
            continue
        column, sep, suffix = key.rpartition("__")
        if sep and suffix in UPDATE_SUFFIXES:
            if column not in by_name:
                raise _unknown_column(schema, column, key)
            out.append(_suffixed(key, column, UPDATE_SUFFIXES[suffix], suffix, value))
            continue
        udt = by_name[column].cql_type if sep and column in by_name else None
        if udt is not None and udt.is_udt and suffix in udt.fields:
            out.append(Assignment(column, AssignOp.SETFIELD, (suffix, value)))  # c.field = ?
            continue
        if sep:
            raise InvalidQueryError(
                f"{key}=: unknown update prefix {prefix!r}; valid: "
                + ", ".join(f"{p}__" for p in UPDATE_PREFIXES)
                + " (or column first: "
                + ", ".join(f"<column>__{x}" for x in UPDATE_SUFFIXES)
                + ")"
            )
        raise _unknown_column(schema, key, key)
    return out


def _suffixed(key: str, column: str, op: AssignOp, suffix: str, value: Any) -> Assignment:
    """A column-first assignment; `put=(k, v)` and `setindex=(i, v)` take a pair."""
    if op is AssignOp.PUT and suffix == "put" and not isinstance(value, Mapping):
        if not (isinstance(value, tuple) and len(value) == 2):
            raise InvalidQueryError(f"{key}= takes a (key, value) pair or a dict, got {value!r}")
        value = {value[0]: value[1]}
    if op is AssignOp.SETINDEX:
        if not (isinstance(value, (tuple, list)) and len(value) == 2):
            raise InvalidQueryError(f"{key}= takes an (index, value) pair, got {value!r}")
        index = value[0]
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise InvalidQueryError(f"{key}=: the index must be a non-negative int, got {index!r}")
        value = (index, value[1])
    return Assignment(column, op, value)
