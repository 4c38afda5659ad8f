"""What a WHERE clause restricts, and how: one analysis per (table, clause shape).

Which key columns are restricted and by which operators, the token() range, IN, the
clustering prefix and its slice, which conditions an index answers and which the server
filters, and whether the query orders by ANN. The validator's rules, the compiler (paging),
bulk-write planning, the batch partition check, the memory store and `explain()` all read
this one analysis instead of re-deriving it. It depends on the shape of the clause only
(columns and operators, never values), so it is computed once per shape and cached.

The analysis does not judge: it describes. A column the table does not have is listed in
`unknown`; the validator says what is wrong.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coodie.expr.nodes import Compare, Condition, Op
from coodie.schema import ColumnKind, ColumnSchema, TableSchema

__all__ = ["Access", "Restrictions", "analyse", "index_kind", "uses_index"]


class Access(enum.Enum):
    """How the server finds the partitions a query reads."""

    PARTITION = "single partition"  # every partition key column by =
    PARTITIONS = "several partitions (IN)"  # every partition key column by = or IN, some IN
    TOKEN_RANGE = "token range"  # token(pk) bounds and no key lookup
    ALL = "all partitions"  # no usable partition key restriction: every node is read


_SAI_RANGE_TYPES = frozenset(
    "int bigint smallint tinyint varint float double decimal date time timestamp".split()
)


def index_kind(col: ColumnSchema) -> str | None:
    """ "sai", "sasi", "vector" (an SAI index on a vector), "legacy", or None."""
    idx = col.index
    if idx is None:
        return None
    if idx.using == "sai":
        return "vector" if col.cql_type.size else "sai"
    return idx.using or "legacy"


def uses_index(col: ColumnSchema, op: Op) -> bool:
    """Whether the server can answer `col op ?` with the column's index."""
    idx = col.index
    if idx is None:
        return False
    if op is Op.LIKE:
        return idx.is_sasi
    t = col.cql_type
    if t.is_collection and t.frozen:
        return op is Op.EQ  # coodie indexes frozen collections with full()
    if op is Op.CONTAINS_KEY:
        return False  # coodie's map indexes are on values, not keys
    if op.is_slice:  # SAI answers ranges on numbers and times, not on text
        return idx.using == "sasi" or (idx.using == "sai" and t.name in _SAI_RANGE_TYPES)
    return op is not Op.IN  # the server filters IN on indexed columns


@dataclass(frozen=True, slots=True, eq=False)
class Restrictions:
    """The restrictions of one WHERE clause shape on one table (see the module doc)."""

    ops: Mapping[str, tuple[Op, ...]]  # restricted column -> its operators, in WHERE order
    token_columns: tuple[tuple[str, ...], ...]  # the column list of each token() relation
    token_ops: tuple[Op, ...]  # the operator of each token() relation
    pk: tuple[str, ...]  # the partition key, declared order
    pk_restricted: tuple[str, ...]  # partition key columns restricted by a relation
    pk_in: tuple[str, ...]  # partition key columns restricted by IN
    by_key: bool  # every partition key column by = or IN alone: the partitions are named
    clustering: tuple[str, ...]  # restricted clustering columns, declared order
    ck_prefix: tuple[str, ...]  # those forming a prefix (= ..., then at most one slice)
    ck_slice: str | None  # the prefix column restricted by a range, if any
    ck_gap: str | None  # the first unrestricted clustering column before a restricted one
    non_key: tuple[str, ...]  # restricted static and regular columns
    regular: tuple[str, ...]  # restricted regular columns (not static)
    indexed: tuple[str, ...]  # non-key columns whose every operator an index answers
    unindexed: tuple[str, ...]  # non-key columns that only filtering can answer
    unknown: tuple[str, ...]  # columns the table does not have
    ann: str | None  # ORDER BY <ann> ANN OF ?
    # every condition a Compare on a primary key column (no token(), nothing else)
    key_only: bool
    # every primary key column once by = or IN and nothing else: the rows are named
    full_key: bool

    @property
    def access(self) -> Access:
        if self.by_key:
            return Access.PARTITIONS if self.pk_in else Access.PARTITION
        if self.token_ops:
            return Access.TOKEN_RANGE
        return Access.ALL

    @property
    def whole_rows(self) -> bool:
        """A DELETE can take the clause as it is: the partition key by =, a clustering
        prefix by = whose last column may be a range, nothing else, and not the full
        key named by = / IN (that is a write per row)."""
        return (
            self.key_only
            and self.by_key
            and not self.pk_in
            and self.ck_gap is None
            and self.clustering == self.ck_prefix
            and all(o is Op.EQ or o.is_slice for n in self.clustering for o in self.ops[n])
            and not self.full_key
        )

    @property
    def filtered(self) -> tuple[str, ...]:
        """The columns whose conditions the server checks row by row (ALLOW FILTERING)."""
        out = list(self.unindexed)
        if not self.by_key:
            out[:0] = self.pk_restricted
        out += [n for n in self.clustering if n not in self.ck_prefix]
        return tuple(out)


_MAX_SHAPES = 4096
_cache: dict[tuple[Any, ...], Restrictions] = {}


def analyse(
    schema: TableSchema, where: Sequence[Condition], ann: str | None = None
) -> Restrictions:
    """The restrictions of `where` (and an ANN ordering) on `schema`, cached per shape."""
    key = (
        schema,
        ann,
        *[(c.column if isinstance(c, Compare) else c.columns, c.op) for c in where],
    )
    r = _cache.get(key)
    if r is None:
        if len(_cache) >= _MAX_SHAPES:
            _cache.clear()
        r = _cache[key] = _analyse(schema, where, ann)
    return r


def _analyse(schema: TableSchema, where: Sequence[Condition], ann: str | None) -> Restrictions:
    ops: dict[str, list[Op]] = {}
    token_columns: list[tuple[str, ...]] = []
    token_ops: list[Op] = []
    for c in where:
        if isinstance(c, Compare):
            ops.setdefault(c.column, []).append(c.op)
        else:
            token_columns.append(c.columns)
            token_ops.append(c.op)
    by_name = schema.by_name
    unknown = tuple(n for n in ops if n not in by_name)
    pk = tuple(c.name for c in schema.partition_key)
    pk_restricted = tuple(n for n in pk if n in ops)
    pk_in = tuple(n for n in pk_restricted if Op.IN in ops[n])
    by_key = len(pk_restricted) == len(pk) and all(o.is_eq_or_in for n in pk for o in ops[n])
    clustering = tuple(c.name for c in schema.clustering_key if c.name in ops)
    prefix: list[str] = []
    ck_slice: str | None = None
    ck_gap: str | None = None
    for ck in schema.clustering_key:
        c_ops = ops.get(ck.name)
        if c_ops is None:
            if any(n in ops for n in (x.name for x in schema.clustering_key[ck.position :])):
                ck_gap = ck.name
            break
        if ck_slice is not None or Op.CONTAINS in c_ops or Op.CONTAINS_KEY in c_ops:
            break
        prefix.append(ck.name)
        if any(o.is_slice for o in c_ops):
            ck_slice = ck.name
    non_key = tuple(n for n in ops if n in by_name and not by_name[n].is_primary_key)
    indexed = tuple(n for n in non_key if all(uses_index(by_name[n], o) for o in ops[n]))
    key_only = not token_ops and not unknown and not non_key
    full_key = (
        key_only
        and len(ops) == len(schema.primary_key)
        and all(len(o) == 1 and o[0].is_eq_or_in for o in ops.values())
    )
    return Restrictions(
        ops={n: tuple(o) for n, o in ops.items()},
        token_columns=tuple(token_columns),
        token_ops=tuple(token_ops),
        pk=pk,
        pk_restricted=pk_restricted,
        pk_in=pk_in,
        by_key=by_key,
        clustering=clustering,
        ck_prefix=tuple(prefix),
        ck_slice=ck_slice,
        ck_gap=ck_gap,
        non_key=non_key,
        regular=tuple(n for n in non_key if by_name[n].kind is ColumnKind.REGULAR),
        indexed=indexed,
        unindexed=tuple(n for n in non_key if n not in indexed),
        unknown=unknown,
        ann=ann,
        key_only=key_only,
        full_key=full_key,
    )
