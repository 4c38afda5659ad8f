"""The compiler pass that checks a statement against the table before CQL is emitted.

What Cassandra 5.0 would reject, this rejects first, naming the column, the rule and the
fix; what the server accepts, it lets through. Where the server's behaviour depends on
details coodie does not model, the rule is left to the server (its error still arrives
as an `InvalidQueryError`). Rules and the server's messages: CQL-RULES.md; the rules of
a SELECT below follow its order. Every rule reads the one restrictions analysis of the
WHERE clause (expr/restrictions.py) instead of re-deriving it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import (
    AssignOp,
    BatchKind,
    Compare,
    Delete,
    Insert,
    Op,
    Select,
    Statement,
    Update,
)
from coodie.expr.restrictions import Restrictions, analyse
from coodie.schema import ColumnKind, ColumnSchema, TableSchema
from coodie.types import CqlType

__all__ = ["validate", "validate_batch"]

_FILTERING_FIX = "add .allow_filtering() (a scan: slow on big tables) or index the column"


def _err(schema: TableSchema, msg: str) -> InvalidQueryError:
    return InvalidQueryError(f"{schema.name}: {msg}")


def validate(stmt: Statement, schema: TableSchema) -> None:
    if isinstance(stmt, Select):
        r = analyse(schema, stmt.where, stmt.ann.column if stmt.ann is not None else None)
        for rule in _SELECT_RULES:
            rule(stmt, schema, r)
    elif isinstance(stmt, Insert):
        _validate_insert(stmt, schema)
    elif isinstance(stmt, Update):
        _validate_update(stmt, schema, analyse(schema, stmt.where))
    elif isinstance(stmt, Delete):
        _validate_delete(stmt, schema, analyse(schema, stmt.where))
    else:  # pragma: no cover - the union is closed
        raise TypeError(stmt)


# ---------------------------------------------------------------- shared checks


def _may_filter(s: Select) -> bool:
    """ALLOW FILTERING, or an ANN query: `_ann` has already refused whatever an ANN query
    would need filtering for, so the rules after it judge the rest as filtered."""
    return s.allow_filtering or s.ann is not None


def _column(schema: TableSchema, name: str, where: str) -> ColumnSchema:
    col = schema.by_name.get(name)
    if col is None:
        raise _err(
            schema, f"unknown column {name!r} in {where}; columns are: {', '.join(schema.by_name)}"
        )
    return col


_NE_IN_WHERE = (
    "{0} != ...: Cassandra does not support the != relation in WHERE; restate it with <, > "
    "or IN (!= is allowed in IF conditions: if_conditions={{'{0}__ne': ...}})"
)


def udt_field(schema: TableSchema, path: str, where: str) -> tuple[ColumnSchema, CqlType]:
    """`home.city` -> (the UDT column home, the field's type); a clear error when `home`
    is no user-defined type or has no field `city`."""
    name, _, field = path.partition(".")
    col = _column(schema, name, where)
    t = col.cql_type
    if not t.is_udt:
        raise _err(schema, f"{path}: {name} is {t}, not a user-defined type with fields")
    if field not in t.fields:
        raise _err(
            schema, f"{path}: {t.name} has no field {field!r}; fields are: {', '.join(t.fields)}"
        )
    return col, t.args[t.fields.index(field)]


# the operators that take only some column types: (those type names, what the error says)
_OPERAND = {
    Op.CONTAINS: (("list", "set", "map"), "a list, set or map column"),
    Op.CONTAINS_KEY: (("map",), "a map column"),
    Op.LIKE: (("text", "ascii", "varchar"), "a text or ascii column"),
}


def _check_relation(schema: TableSchema, c: Compare) -> None:
    """Operator against column type."""
    if c.column not in schema.by_name and "." in c.column:
        udt_field(schema, c.column, "WHERE")
        base = c.column.partition(".")[0]
        raise _err(
            schema,
            f"{c.column} {c.op.value}: CQL cannot restrict one field of a user-defined type in "
            f"WHERE; compare the whole value of a frozen UDT ({base} == ...) with "
            "allow_filtering(), or test the field in if_conditions of a conditional write",
        )
    col = _column(schema, c.column, "WHERE")
    t = col.cql_type
    if c.op is Op.NE:
        raise _err(schema, _NE_IN_WHERE.format(c.column))
    if t.size and col.index is not None and col.index.using == "sai":
        raise _err(
            schema,
            f"{c.column} {c.op.value}: a vector column with an SAI (vector) index answers ANN "
            "queries only: order_by_ann() by it instead of filtering on it",
        )
    if t.is_udt and not t.frozen:
        raise _err(
            schema,
            f"{c.column} {c.op.value}: a non-frozen user-defined type ({t}) cannot be restricted "
            "by any relation; declare it Annotated[..., Frozen()] to filter on it",
        )
    needs = _OPERAND.get(c.op)
    if needs is not None and t.name not in needs[0]:
        raise _err(
            schema, f"{c.column} {c.op.value}: {c.op.value} needs {needs[1]}, {c.column} is {t}"
        )
    if t.is_collection and not t.frozen and c.op not in (Op.CONTAINS, Op.CONTAINS_KEY):
        raise _err(
            schema,
            f"{c.column} {c.op.value}: a non-frozen collection column can only be restricted "
            "with contains/contains_key",
        )


def _relations(s: Select | Update | Delete, schema: TableSchema, r: Restrictions) -> None:
    """Each relation against its column, then duplicate and conflicting restrictions."""
    for c in s.where:
        if isinstance(c, Compare):
            _check_relation(schema, c)
    for name, ops in r.ops.items():
        if len(ops) > 1 and (Op.EQ in ops or Op.IN in ops):
            raise _err(
                schema,
                f"{name} is restricted more than once including an equality or IN "
                f"({', '.join(o.value for o in ops)}); keep one",
            )
        lower = sum(o in (Op.GT, Op.GE) for o in ops)
        upper = sum(o in (Op.LT, Op.LE) for o in ops)
        if lower > 1 or upper > 1:
            bound = "lower" if lower > 1 else "upper"
            raise _err(schema, f"{name} has more than one {bound} bound; keep one")


def _check_write_key(schema: TableSchema, r: Restrictions, kind: str) -> None:
    """UPDATE/DELETE: the whole partition key by = or IN, no token(), no other columns."""
    if r.token_ops:
        raise _err(
            schema,
            f"token() cannot be used in the WHERE clause of {kind} statements; "
            "restrict the partition key with = or IN",
        )
    missing = [n for n in r.pk if n not in r.ops]
    if missing:
        raise _err(
            schema,
            f"{kind} needs every partition key column: missing {', '.join(missing)} "
            "(CQL writes by primary key)",
        )
    for n in r.pk:
        if any(not o.is_eq_or_in for o in r.ops[n]):
            raise _err(
                schema,
                f"partition key column {n} can only be restricted with = or IN in {kind} statements",
            )
    if r.non_key:
        raise _err(
            schema,
            f"{kind} can only filter on primary key columns, not {', '.join(r.non_key)}: "
            "select the keys first (QuerySet.update()/.delete() do this for you)",
        )


def _check_if(schema: TableSchema, s: Update | Delete, what: str) -> bool:
    """An UPDATE's or a DELETE's IF clause (one of if_exists and if_conditions, each
    condition valid); whether the write is conditional."""
    if s.if_exists and s.if_conditions:
        raise _err(schema, "use either if_exists or if_conditions, not both")
    conditional = s.if_exists or bool(s.if_conditions)
    if conditional:
        _check_conditions(schema, s.if_conditions, what)
    return conditional


def _check_conditions(schema: TableSchema, conds: Sequence[Compare], kind: str) -> None:
    if schema.is_counter:
        raise _err(schema, "conditional (IF) writes are not supported on counter tables")
    for c in conds:
        if c.column not in schema.by_name and "." in c.column:
            udt_field(schema, c.column, "IF")  # IF home.city = ?: frozen or not
            if c.op in (Op.LIKE, Op.CONTAINS, Op.CONTAINS_KEY):
                raise _err(schema, f"IF {c.column} {c.op.value}: not supported on a UDT field")
            continue
        col = _column(schema, c.column, "IF")
        if col.is_primary_key:
            raise _err(
                schema,
                f"primary key column {c.column} cannot have IF conditions; it is in the WHERE clause already",
            )
        if c.op is Op.LIKE:
            raise _err(schema, f"IF {c.column} LIKE: not supported in conditions")


def _check_lwt_key(schema: TableSchema, r: Restrictions, kind: str, full: bool) -> None:
    if r.pk_in:
        raise _err(
            schema,
            f"IN on the partition key ({r.pk_in[0]}) is not supported with conditional {kind}s; "
            "write each partition separately",
        )
    for c in schema.clustering_key:
        ops = r.ops.get(c.name, ())
        if Op.IN in ops:
            raise _err(
                schema,
                f"IN on the clustering key ({c.name}) is not supported with conditional {kind}s",
            )
        if full and (not ops or any(o is not Op.EQ for o in ops)):
            raise _err(
                schema,
                "a conditional DELETE must restrict every primary key column with =; "
                f"{c.name} is not",
            )


# ---------------------------------------------------------------- SELECT


ANN_MAX_LIMIT = 1000  # Cassandra 5.0: "requires a LIMIT that is not greater than 1000"


def _ann(s: Select, schema: TableSchema, r: Restrictions) -> None:
    """The rules of `ORDER BY v ANN OF ?` (Cassandra 5.0 SAI vector search)."""
    if s.ann is None:
        return
    col = _column(schema, s.ann.column, "ORDER BY ... ANN OF")
    if not col.cql_type.size:
        raise _err(schema, f"ANN OF orders by a vector column; {col.name} is {col.cql_type}")
    if col.index is None or col.index.using != "sai":
        raise _err(
            schema,
            f"ANN ordering by {col.name} needs an SAI index on it: declare it "
            "Annotated[list[float], Vector(dimensions=n), VectorIndex()]",
        )
    if s.count:
        raise _err(schema, "an ANN (top-k) query cannot be counted")
    if s.distinct:
        raise _err(schema, "an ANN (top-k) query cannot be combined with distinct()")
    if s.order_by:
        raise _err(schema, "ANN ordering does not support any other ORDER BY")
    if s.per_partition_limit is not None:
        raise _err(schema, "an ANN (top-k) query does not support per_partition_limit()")
    if s.limit is None or s.limit > ANN_MAX_LIMIT:
        raise _err(
            schema,
            f"an ANN query needs limit(k) with k at most {ANN_MAX_LIMIT} (got "
            f"{'none' if s.limit is None else s.limit}): it returns the k nearest rows",
        )
    if r.pk_in:
        raise _err(schema, f"an ANN query cannot restrict the partition key {r.pk_in[0]} with IN")
    _check_ann_keys(schema, r)
    for name in r.non_key:
        c = schema.by_name[name]
        if c.index is None:
            raise _err(
                schema,
                f"ANN ordering needs every restricted column to be SAI-indexed; {name} is not "
                "(ALLOW FILTERING does not help)",
            )
        if c.index.using != "sai":
            # Cassandra 5.0 accepts it with ALLOW FILTERING, then fails on the data
            # (NullPointerException) or returns wrong rows: refused whatever it says
            raise _err(
                schema,
                f"ANN ordering needs every restricted column to be SAI-indexed; {name} has a "
                "legacy index, with which Cassandra 5.0 fails or returns wrong rows",
            )


def _check_ann_keys(schema: TableSchema, r: Restrictions) -> None:
    """Key columns in an ANN query: the partition key whole by = (or not at all), and
    clustering columns as a prefix within the partition or token range the key names;
    any other key restriction is filtering, which an ANN query refuses even with
    ALLOW FILTERING ("requires all restricted column(s) to be indexed")."""
    named = r.pk_restricted
    if named and (len(named) < len(r.pk) or any(o is not Op.EQ for n in named for o in r.ops[n])):
        raise _err(
            schema,
            "ANN ordering needs the partition key restricted whole with = or not at all "
            f"(got {', '.join(named)}); other key restrictions would be filtering",
        )
    ranged = bool(named) or bool(r.token_ops)
    previous: tuple[Op, ...] | None = None
    for c in schema.clustering_key:
        ops = r.ops.get(c.name)
        if ops is not None and (
            not ranged or (previous is not None and not all(o.is_eq_or_in for o in previous))
        ):
            raise _err(
                schema,
                f"ANN ordering cannot filter on clustering column {c.name}: restrict the "
                "partition key (or its token) and the clustering columns before it first",
            )
        if ops is None:
            ranged = False  # a gap: nothing after it is a prefix
        previous = ops


def _partition_key(s: Select, schema: TableSchema, r: Restrictions) -> None:
    """All of the partition key by = / IN, or a token() range over all of it, or nothing
    (else ALLOW FILTERING); IN on it does not mix with an index."""
    af = _may_filter(s)
    pk_names = list(r.pk)
    for columns, op in zip(r.token_columns, r.token_ops):
        if list(columns) != pk_names:
            raise _err(
                schema,
                f"token({', '.join(columns)}): token() must list the whole partition key "
                f"in order: token({', '.join(pk_names)})",
            )
        if op is Op.IN:
            raise _err(schema, "token() IN is not supported; use token ranges")
    if r.token_ops and not af and not r.by_key and r.pk_restricted:
        raise _err(
            schema,
            f"{', '.join(r.pk_restricted)} restricted both by a relation and by a token() relation "
            f"needs ALLOW FILTERING; {_FILTERING_FIX}",
        )
    t_ops = r.token_ops
    if t_ops.count(Op.EQ) and len(t_ops) > 1:
        raise _err(schema, "token() is restricted more than once including an equality; keep one")
    if sum(o in (Op.GT, Op.GE) for o in t_ops) > 1 or sum(o in (Op.LT, Op.LE) for o in t_ops) > 1:
        raise _err(schema, "token() has more than one lower or upper bound; keep one")
    # (a token range where the key is not looked up makes that IN a filter: allowed)
    if r.indexed and r.pk_in and not (r.token_ops and not r.by_key):
        raise _err(
            schema,
            f"IN on the partition key cannot be combined with a secondary-index restriction "
            f"({', '.join(r.indexed)}); run one query per key, or drop the index condition",
        )
    if not af and r.pk_restricted and not r.by_key:
        missing = [n for n in pk_names if n not in r.ops]
        what = (
            f"partition key column(s) {', '.join(missing)} are not restricted"
            if missing
            else "a partition key column is restricted by a range"
        )
        raise _err(
            schema,
            f"{what}: this may scan the table; restrict the whole partition key with = or IN, or {_FILTERING_FIX}",
        )


def _clustering(s: Select, schema: TableSchema, r: Restrictions) -> None:
    """A prefix, nothing after a range, no CONTAINS, inside the partitions a query names
    (relaxed by ALLOW FILTERING)."""
    if _may_filter(s) or not r.clustering:
        return
    # Clustering columns narrow a partition read; an index query may also narrow a
    # token range. Anything else filters.
    within = (r.pk_restricted or r.token_ops) if r.indexed else r.by_key
    if not within:
        raise _err(
            schema,
            f"restricting clustering column {r.clustering[0]} without the whole partition key "
            f"needs ALLOW FILTERING; restrict {', '.join(r.pk)} with = or IN, or {_FILTERING_FIX}",
        )
    outside = [n for n in r.clustering if n not in r.ck_prefix]
    if not outside:
        return
    name = outside[0]
    if r.ck_gap is not None:
        raise _err(
            schema,
            f"clustering column {name} cannot be restricted because the preceding "
            f"column {r.ck_gap} is not restricted; restrict {r.ck_gap} too, or {_FILTERING_FIX}",
        )
    if Op.CONTAINS in r.ops[name] or Op.CONTAINS_KEY in r.ops[name]:
        raise _err(
            schema,
            f"clustering column {name} can only be restricted with CONTAINS with an index or "
            f"filtering; {_FILTERING_FIX}",
        )
    raise _err(
        schema,
        f"clustering column {name} cannot be restricted because the preceding column "
        f"{r.ck_slice} is restricted by a range; use = on {r.ck_slice}, or {_FILTERING_FIX}",
    )


def _other_columns(s: Select, schema: TableSchema, r: Restrictions) -> None:
    """Static and regular columns: each answered by its index, or ALLOW FILTERING."""
    # LIKE needs an index that supports it, whatever ALLOW FILTERING says (Cassandra).
    for name, ops in r.ops.items():
        col = schema.by_name[name]
        if Op.LIKE in ops and not (col.index is not None and col.index.is_sasi):
            raise _err(
                schema,
                f"{name} LIKE: Cassandra supports LIKE only on a SASI-indexed column; "
                f"declare it Annotated[str, Indexed(using='sasi')]",
            )
    if _may_filter(s):
        return
    for name in r.non_key:
        ops = r.ops[name]
        col = schema.by_name[name]
        if name not in r.indexed:
            op_text = ", ".join(o.value for o in ops)
            reason = (
                "is not indexed"
                if col.index is None
                else f"has an index that cannot answer {op_text}"
            )
            raise _err(
                schema,
                f"filtering on {name} ({op_text}) needs ALLOW FILTERING: {name} {reason}; {_FILTERING_FIX}",
            )
        if ops.count(Op.CONTAINS) > 1 or ops.count(Op.CONTAINS_KEY) > 1:
            raise _err(
                schema,
                f"several CONTAINS on {name} need ALLOW FILTERING; {_FILTERING_FIX}",
            )
    legacy = [n for n in r.indexed if schema.by_name[n].index.using != "sai"]  # type: ignore[union-attr]
    if len(r.indexed) > 1 and legacy:
        raise _err(
            schema,
            f"restrictions on several indexed columns ({', '.join(r.indexed)}) need ALLOW FILTERING; "
            "add .allow_filtering() or use SAI indexes (Indexed(using='sai'))",
        )


def _order_by(s: Select, schema: TableSchema, r: Restrictions) -> None:
    if not s.order_by:
        return
    if not r.by_key:
        raise _err(
            schema,
            "ORDER BY needs the partition key restricted by = or IN "
            f"({', '.join(r.pk)}); rows are only ordered within a partition",
        )
    reversed_: bool | None = None
    last = -1
    for o in s.order_by:
        col = _column(schema, o.column, "ORDER BY")
        if col.kind is not ColumnKind.CLUSTERING:
            ck = ", ".join(c.name for c in schema.clustering_key) or "none"
            raise _err(
                schema,
                f"ORDER BY {o.column}: only clustering columns can order rows (clustering columns: {ck})",
            )
        if col.position <= last:
            raise _err(
                schema,
                "ORDER BY must list clustering columns in their declared order: "
                + ", ".join(c.name for c in schema.clustering_key),
            )
        for skipped in schema.clustering_key[last + 1 : col.position]:
            if r.ops.get(skipped.name) != (Op.EQ,):
                raise _err(
                    schema,
                    f"ORDER BY {o.column}: clustering columns must be ordered in their declared "
                    f"order ({', '.join(c.name for c in schema.clustering_key)}); {skipped.name} "
                    f"comes first: order by it too, or restrict it with =",
                )
        last = col.position
        rev = o.descending != (col.order == "DESC")
        if reversed_ is None:
            reversed_ = rev
        elif rev != reversed_:
            raise _err(
                schema,
                "ORDER BY must follow the declared clustering order or its exact reverse; "
                "mixing directions is not supported",
            )
    if r.indexed:
        raise _err(
            schema,
            f"ORDER BY cannot be combined with a secondary-index restriction ({', '.join(r.indexed)}); "
            "sort client side",
        )


def _projection(s: Select, schema: TableSchema, r: Restrictions) -> None:
    """Selected columns, static-only selections, DISTINCT, counts and limits."""
    if s.columns is not None:
        for name in s.columns:
            _column(schema, name, "only()")
        if s.count is False and s.columns:
            kinds = {schema.by_name[n].kind for n in s.columns}
            static_only = kinds <= {ColumnKind.STATIC, ColumnKind.PARTITION_KEY}
            if ColumnKind.STATIC in kinds and static_only and r.clustering:
                raise _err(
                    schema,
                    f"cannot restrict clustering column(s) {', '.join(r.clustering)} when selecting only static columns",
                )
    if s.distinct:
        _check_distinct(s, schema, r)
    if s.count and s.per_partition_limit is not None:
        raise _err(
            schema,
            "count() cannot be combined with per_partition_limit(): the server refuses PER PARTITION LIMIT with aggregates",
        )
    for v, what in ((s.limit, "limit"), (s.per_partition_limit, "per_partition_limit")):
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v <= 0):
            raise _err(schema, f"{what}() takes a positive integer, got {v!r}")


def _check_distinct(s: Select, schema: TableSchema, r: Restrictions) -> None:
    """SELECT DISTINCT: partition key and static columns only, filtered on the partition key."""
    if s.count:
        raise _err(schema, "count() cannot be combined with distinct()")
    if s.per_partition_limit is not None:
        raise _err(schema, "per_partition_limit() cannot be combined with distinct()")
    cols = s.columns or ()
    wrong = [
        n
        for n in cols
        if schema.by_name[n].kind not in (ColumnKind.PARTITION_KEY, ColumnKind.STATIC)
    ]
    if wrong:
        raise _err(
            schema,
            f"distinct() selects partition key and static columns only, not {', '.join(wrong)}",
        )
    if not all(c.name in cols for c in schema.partition_key):
        raise _err(schema, "distinct() must select every partition key column")
    others = [n for n in r.ops if schema.by_name[n].kind is not ColumnKind.PARTITION_KEY]
    if others:
        raise _err(
            schema,
            f"distinct() can only filter on the partition key, not {', '.join(others)}",
        )
    if s.order_by:
        raise _err(schema, "distinct() cannot be combined with order_by()")


# in the order of CQL-RULES.md (the relations themselves and ANN first)
_SELECT_RULES: tuple[Callable[[Select, TableSchema, Restrictions], None], ...] = (
    _relations,
    _ann,
    _partition_key,
    _clustering,
    _other_columns,
    _order_by,
    _projection,
)


# ---------------------------------------------------------------- writes


def _check_using(schema: TableSchema, ttl: Any, timestamp: Any, conditional: bool) -> None:
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0):
        raise _err(schema, f"ttl must be a non-negative integer of seconds, got {ttl!r}")
    if timestamp is not None and (not isinstance(timestamp, int) or isinstance(timestamp, bool)):
        raise _err(
            schema,
            f"timestamp must be an integer of microseconds since the epoch, got {timestamp!r}",
        )
    if timestamp is not None and conditional:
        raise _err(schema, "a custom timestamp cannot be used with conditional (IF) writes")
    if schema.is_counter and ttl is not None:
        raise _err(schema, "counter updates cannot have a TTL")
    if schema.is_counter and timestamp is not None:
        raise _err(schema, "counter updates cannot have a custom timestamp")


def _validate_insert(s: Insert, schema: TableSchema) -> None:
    if schema.is_counter:
        raise _err(schema, "INSERT is not allowed on counter tables; use increment()/decrement()")
    names = [n for n, _ in s.values]
    for n in names:
        _column(schema, n, "INSERT")
    if len(set(names)) != len(names):
        raise _err(schema, "a column is given twice in INSERT")
    missing = [c.name for c in schema.primary_key if c.name not in names]
    if missing:
        raise _err(schema, f"INSERT needs every primary key column: missing {', '.join(missing)}")
    _check_using(schema, s.ttl, s.timestamp, s.if_not_exists)


def _validate_update(s: Update, schema: TableSchema, r: Restrictions) -> None:
    _relations(s, schema, r)
    _check_write_key(schema, r, "UPDATE")
    if not s.assignments:
        raise _err(schema, "UPDATE needs at least one column to set")
    only_static = all(
        schema.by_name.get(a.column) is not None
        and schema.by_name[a.column].kind is ColumnKind.STATIC
        for a in s.assignments
    )
    missing_ck = [c.name for c in schema.clustering_key if c.name not in r.ops]
    if only_static and len(missing_ck) < len(schema.clustering_key):
        raise _err(
            schema,
            "an UPDATE of static columns only applies to the whole partition: "
            "do not restrict clustering columns",
        )
    if not only_static and missing_ck:
        raise _err(schema, f"UPDATE needs every clustering column: missing {', '.join(missing_ck)}")
    for c in schema.clustering_key:
        if any(o.is_slice for o in r.ops.get(c.name, ())):
            raise _err(
                schema, f"UPDATE cannot restrict clustering column {c.name} by a range; use = or IN"
            )
    seen: set[str] = set()
    set_cols: set[str] = set()
    for a in s.assignments:
        col = _column(schema, a.column, "SET")
        if col.is_primary_key:
            raise _err(
                schema,
                f"primary key column {a.column} cannot be updated; delete and re-insert the row",
            )
        _check_assignment(schema, col, a.op, a.value)
        if a.column in seen and (a.op is AssignOp.SET or a.column in set_cols):
            raise _err(
                schema,
                f"{a.column} is both set and changed in one UPDATE; give it one assignment",
            )
        seen.add(a.column)
        if a.op is AssignOp.SET:
            set_cols.add(a.column)
    conditional = _check_if(schema, s, "update")
    if conditional:
        if missing_ck and schema.clustering_key:
            regular = [
                c.column
                for c in s.if_conditions
                if schema.by_name[c.column].kind is not ColumnKind.STATIC
            ]
            if regular:
                raise _err(
                    schema,
                    f"an update of static columns by partition can only have IF conditions on static "
                    f"columns, not {', '.join(regular)}: conditions on rows need every clustering column",
                )
        _check_lwt_key(schema, r, "update", full=False)
    _check_using(schema, s.ttl, s.timestamp, conditional)


_OPS_FOR = {
    "set": (AssignOp.SET, AssignOp.ADD, AssignOp.REMOVE),
    "list": (AssignOp.SET, AssignOp.APPEND, AssignOp.PREPEND, AssignOp.REMOVE, AssignOp.SETINDEX),
    "map": (AssignOp.SET, AssignOp.PUT, AssignOp.REMOVE),
    "counter": (AssignOp.INCR, AssignOp.DECR),
    "udt": (AssignOp.SET, AssignOp.SETFIELD),
}
_HINT = {
    "set": "sets take add__ and remove__",
    "list": "lists take append__, prepend__, remove__ and <column>__setindex=(i, v)",
    "map": "maps take put__ and remove__ (of keys)",
    "counter": "counters take increment()/decrement() (incr__/decr__)",
    "udt": "a non-frozen user-defined type takes <column>__<field>=value for one field",
}


def _check_assignment(schema: TableSchema, col: ColumnSchema, op: AssignOp, value: Any) -> None:
    t = col.cql_type
    kind = t.name if (t.is_collection and not t.frozen) or t.name == "counter" else "scalar"
    if t.is_udt and not t.frozen:
        kind = "udt"
    allowed = _OPS_FOR.get(kind, (AssignOp.SET,))
    if op not in allowed:
        hint = _HINT.get(kind, f"{col.name} is {t}: only plain assignment applies")
        raise _err(schema, f"{op.value}__{col.name}: not valid for {t} column {col.name}; {hint}")
    if op in (AssignOp.INCR, AssignOp.DECR) and (
        not isinstance(value, int) or isinstance(value, bool)
    ):
        raise _err(schema, f"counter {col.name} changes by an integer, got {value!r}")
    if op is AssignOp.SETFIELD and value[0] not in t.fields:
        raise _err(schema, f"{col.name}: the type {t.name} has no field {value[0]!r}")
    if op is AssignOp.SETINDEX and not (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and value[0] >= 0
    ):
        raise _err(schema, f"{col.name}__setindex takes an (index, value) pair, got {value!r}")


def _validate_delete(s: Delete, schema: TableSchema, r: Restrictions) -> None:
    _relations(s, schema, r)
    _check_write_key(schema, r, "DELETE")
    for n in s.columns:
        col = _column(schema, n, "DELETE")
        if col.is_primary_key:
            raise _err(
                schema, f"primary key column {n} cannot be deleted on its own; delete the row"
            )
    # Clustering: a prefix by = / IN, optionally ending with a range (whole rows only).
    outside = [n for n in r.clustering if n not in r.ck_prefix]
    if outside and r.ck_gap is not None:
        raise _err(
            schema,
            f"clustering column {outside[0]} cannot be restricted because the preceding column {r.ck_gap} is not",
        )
    if outside and r.ck_slice is not None:
        raise _err(
            schema,
            f"clustering column {outside[0]} cannot be restricted because {r.ck_slice} is restricted by a range",
        )
    every_ck = len(r.clustering) == len(schema.clustering_key)
    for n, _key in s.elements:
        t = _column(schema, n, "DELETE").cql_type
        if t.frozen or t.name not in ("map", "list"):
            raise _err(
                schema,
                f"delete of an element of {n}: only a map (by key) or a list (by index) column "
                f"has elements to delete; {n} is {t}",
            )
        # (the key or index is a value: the compiler checks it on every call)
    targets = (*s.columns, *(n for n, _ in s.elements))
    non_static = [n for n in targets if schema.by_name[n].kind is not ColumnKind.STATIC]
    if targets and not non_static and r.clustering:
        raise _err(
            schema,
            "deleting static columns only applies to the whole partition: "
            "do not restrict clustering columns",
        )
    if targets and non_static and (r.ck_slice is not None or not every_ck):
        raise _err(
            schema,
            f"deleting specific columns ({', '.join(non_static)}) needs every clustering column by =; "
            "range deletions are only for whole rows",
        )
    conditional = _check_if(schema, s, "deletion")
    if conditional:
        _check_lwt_key(schema, r, "deletion", full=True)
    _check_using(schema, None, s.timestamp, conditional)


# ---------------------------------------------------------------- BATCH


def validate_batch(kind: BatchKind, entries: Sequence[tuple[TableSchema, bool, Hashable]]) -> None:
    """Batch-level rules; each statement is validated on its own by the compiler.

    `entries` has one `(schema, conditional, partition)` per statement: its table, whether
    it has an IF, and a hashable identity of the partition it writes (unique per
    statement when it may write several).
    """
    counters = [sch.is_counter for sch, _, _ in entries]
    if kind is BatchKind.COUNTER and not all(counters):
        raise InvalidQueryError("a counter batch can only hold counter updates")
    if any(counters) and not all(counters):
        raise InvalidQueryError("counter and non-counter writes cannot share a batch")
    if kind is BatchKind.LOGGED and any(counters):
        raise InvalidQueryError(
            "counter updates cannot go in a logged batch: use BatchQuery(batch_type='counter')"
        )
    if any(conditional for _, conditional, _ in entries):
        tables = {(sch.keyspace, sch.name) for sch, _, _ in entries}
        if len(tables) > 1:
            raise InvalidQueryError("a batch with conditions cannot span several tables")
        if len({part for _, _, part in entries}) > 1:
            raise InvalidQueryError("a batch with conditions cannot span several partitions")
