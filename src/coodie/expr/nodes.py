"""The expression tree: conditions, orderings, assignments and statements.

Frozen, slotted dataclasses that model only what CQL allows: AND-joined comparisons,
IN, CONTAINS, CONTAINS KEY, LIKE and token ranges. CQL has no OR and no NOT, so `|`
and `~` raise. Nodes name columns by their CQL name; the validator checks them against
the table's schema, the compiler renders them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from coodie.exceptions import InvalidQueryError

__all__ = [
    "And",
    "AssignOp",
    "Assignment",
    "BatchKind",
    "Compare",
    "Condition",
    "Delete",
    "Expr",
    "Insert",
    "Op",
    "Ordering",
    "Param",
    "Select",
    "Statement",
    "TokenCompare",
    "Update",
]


class Op(enum.Enum):
    """Relation operators; the value is the CQL text."""

    EQ = "="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "IN"
    CONTAINS = "CONTAINS"
    CONTAINS_KEY = "CONTAINS KEY"
    LIKE = "LIKE"
    NE = "!="  # in IF conditions only: CQL has no != in WHERE

    @property
    def is_slice(self) -> bool:
        return self in _SLICES

    @property
    def is_eq_or_in(self) -> bool:
        return self is Op.EQ or self is Op.IN


_SLICES = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})


class Expr:
    """Base of condition nodes: `&` joins them; CQL has no OR or NOT."""

    __slots__ = ()

    def __and__(self, other: Expr) -> And:
        if not isinstance(other, Expr):
            return NotImplemented
        return And((*_flatten(self), *_flatten(other)))

    def __or__(self, other: object) -> Expr:
        raise InvalidQueryError(
            "CQL has no OR: run one query per alternative, or use .in_([...]) on one column"
        )

    __ror__ = __or__

    def __invert__(self) -> Expr:
        raise InvalidQueryError("CQL has no NOT: restate the condition positively")

    if not TYPE_CHECKING:  # declared to no checker: mypy's truthy-bool flags `if cond:`

        def __bool__(self) -> bool:
            raise TypeError(
                "a coodie condition has no truth value: pass it to find() or filter() "
                "instead of using it in an if, and, or, or chained comparison"
            )


def _flatten(e: Expr) -> tuple[Condition, ...]:
    if isinstance(e, And):
        return e.items
    assert isinstance(e, (Compare, TokenCompare))
    return (e,)


@dataclass(frozen=True, slots=True, eq=False)
class _Relation(Expr):
    """Compare and TokenCompare: `model` is the Document class whose column built the
    relation (None for kwargs lookups and internal conditions): a column of one model
    used in another model's query is refused."""

    model: Any = field(default=None, repr=False, kw_only=True)


def _repr(node: Compare | TokenCompare, lhs: str) -> str:
    return f"{type(node).__name__}({lhs} {node.op.value} {node.value!r})"


@dataclass(frozen=True, slots=True, eq=False)
class Compare(_Relation):
    """`column op value` (value is a list for IN)."""

    column: str
    op: Op
    value: Any

    def __repr__(self) -> str:
        return _repr(self, self.column)


@dataclass(frozen=True, slots=True, eq=False)
class TokenCompare(_Relation):
    """`token(col, ...) op value` over the partition key."""

    columns: tuple[str, ...]
    op: Op
    value: Any

    def __repr__(self) -> str:
        return _repr(self, f"token({', '.join(self.columns)})")


@dataclass(frozen=True, slots=True, eq=False)
class And(Expr):
    items: tuple[Condition, ...]


Condition = Compare | TokenCompare


@dataclass(frozen=True, slots=True)
class Ordering:
    column: str
    descending: bool = False
    # the Document class of the column that built it (`User.price.desc()`), else None
    model: Any = field(default=None, compare=False, repr=False)


class AssignOp(enum.Enum):
    SET = "set"  # c = ?
    ADD = "add"  # set: c = c + ?
    REMOVE = "remove"  # set/list: c = c - ?; map: c = c - {keys}
    APPEND = "append"  # list: c = c + ?
    PREPEND = "prepend"  # list: c = ? + c
    PUT = "put"  # map: c = c + ?
    INCR = "incr"  # counter: c = c + ?
    DECR = "decr"  # counter: c = c - ?
    SETINDEX = "setindex"  # list: c[?] = ? (the value is an (index, element) pair)
    SETFIELD = "setfield"  # a non-frozen UDT: c.field = ? (the value is a (field, value) pair)


@dataclass(frozen=True, slots=True)
class Assignment:
    column: str
    op: AssignOp
    value: Any


@dataclass(frozen=True, slots=True)
class Ann:
    """`ORDER BY column ANN OF vector`: the rows whose vectors are nearest `vector`."""

    column: str
    vector: Any


@dataclass(frozen=True, slots=True)
class Select:
    where: tuple[Condition, ...] = ()
    columns: tuple[str, ...] | None = None  # None: every column of the model
    order_by: tuple[Ordering, ...] = ()
    ann: Ann | None = None
    limit: int | None = None
    per_partition_limit: int | None = None
    allow_filtering: bool = False
    count: bool = False
    distinct: bool = False  # SELECT DISTINCT (partition key and static columns)


@dataclass(frozen=True, slots=True)
class Insert:
    values: tuple[tuple[str, Any], ...]
    if_not_exists: bool = False
    ttl: int | None = None
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class Update:
    assignments: tuple[Assignment, ...]
    where: tuple[Condition, ...]
    ttl: int | None = None
    timestamp: int | None = None
    if_exists: bool = False
    if_conditions: tuple[Compare, ...] = ()


@dataclass(frozen=True, slots=True)
class Delete:
    where: tuple[Condition, ...]
    columns: tuple[str, ...] = ()  # empty (and no elements): the whole row(s)
    timestamp: int | None = None
    if_exists: bool = False
    if_conditions: tuple[Compare, ...] = ()
    # collection elements: (column, map key or list index) -> `DELETE c[?]`
    elements: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Param:
    """A named parameter where a node holds a value: bound when the compiled statement
    runs, from the sources its caller gives (`coodie.expr.compiler.compile_fixed`).
    `fallback`: a None there sends the call the general way (which has a rule for it)."""

    key: str
    source: int
    fallback: bool = False


class BatchKind(enum.Enum):
    LOGGED = "logged"
    UNLOGGED = "unlogged"
    COUNTER = "counter"


Statement = Insert | Select | Update | Delete
