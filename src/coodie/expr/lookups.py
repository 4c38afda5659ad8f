"""Django-style kwargs -> the same nodes the column operators build.

price__gt=10          -> Compare("price", Op.GT, 10)      (like User.price > 10)
id__token__gt=t       -> TokenCompare(<partition key>, Op.GT, t)
add__tags={"vip"}     -> Assignment("tags", AssignOp.ADD, {"vip"})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import Assignment, AssignOp, Compare, Condition, Op, TokenCompare
from coodie.schema import TableSchema

__all__ = ["LOOKUPS", "UPDATE_PREFIXES", "parse_assignments", "parse_conditions"]

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
}
TOKEN_LOOKUPS: Mapping[str, Op] = {k: LOOKUPS[k] for k in ("eq", "gt", "gte", "lt", "lte")}

UPDATE_PREFIXES: Mapping[str, AssignOp] = {
    "set": AssignOp.SET,  # set__ttl=...: a column whose name is also an update() option
    "add": AssignOp.ADD,
    "remove": AssignOp.REMOVE,
    "append": AssignOp.APPEND,
    "prepend": AssignOp.PREPEND,
    "put": AssignOp.PUT,
    "incr": AssignOp.INCR,
    "decr": AssignOp.DECR,
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
    `decr__` prefixes apply collection and counter operations."""
    out: list[Assignment] = []
    for key, value in kwargs.items():
        prefix, sep, name = key.partition("__")
        if sep and prefix in UPDATE_PREFIXES:
            op = UPDATE_PREFIXES[prefix]
        elif sep:
            raise InvalidQueryError(
                f"{key}=: unknown update prefix {prefix!r}; valid: "
                + ", ".join(f"{p}__" for p in UPDATE_PREFIXES)
            )
        else:
            op, name = AssignOp.SET, key
        if name not in schema.by_name:
            raise _unknown_column(schema, name, key)
        out.append(Assignment(name, op, value))
    return out
