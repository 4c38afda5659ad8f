"""Differential tests: coodie's validator and the in-memory evaluator against the server.

Oracle 1: for every random query, coodie's validator accepts it exactly when the server
does. Oracle 2: for every accepted query, the server's rows equal the in-memory
evaluation of the same tree over the same data. Oracle 3: random writes applied to both
leave equal tables. `make test` runs fixed example counts with a fixed seed; `make fuzz`
runs long with random seeds (HYPOTHESIS_PROFILE=fuzz, COODIE_FUZZ_SEED).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from cassandra import InvalidRequest, RequestValidationException
from cassandra.protocol import ErrorMessage
from cassandra.util import Date, OrderedMapSerializedKey, SortedSet
from hypothesis import given, note, settings
from hypothesis import strategies as st

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import Compare, Op, Ordering, Select, TokenCompare
from coodie.expr.validate import validate
from coodie.memory import MemoryStore
from tests.property.differential import Table, pool, unchecked

TABLES = int(os.environ.get("COODIE_FUZZ_TABLES", "5"))
ROWS = int(os.environ.get("COODIE_FUZZ_ROWS", "40"))
SCALAR_OPS = [Op.EQ, Op.LT, Op.LE, Op.GT, Op.GE, Op.IN]


@pytest.fixture(scope="module")
def diff(session: Any, keyspace: str) -> tuple[list[Table], MemoryStore]:
    return pool(session, keyspace, TABLES, ROWS)


@st.composite
def selects(draw: st.DrawFn, t: Table) -> Select:
    schema = t.schema
    conds: list[Any] = []
    for _ in range(draw(st.integers(0, 4))):
        if draw(st.integers(0, 9)) == 0:
            op = draw(st.sampled_from([Op.GT, Op.GE, Op.LT, Op.LE]))
            conds.append(
                TokenCompare(
                    tuple(c.name for c in schema.partition_key),
                    op,
                    draw(st.integers(-(2**63), 2**63 - 1)),
                )
            )
            continue
        col = draw(st.sampled_from(sorted(t.types)))
        typ = t.types[col]
        if "<" in typ:
            ops = [Op.CONTAINS] + ([Op.CONTAINS_KEY] if typ.startswith("map") else [])
            op = draw(st.sampled_from(ops))
            conds.append(Compare(col, op, draw(t.element(col, key=op is Op.CONTAINS_KEY))))
        else:
            op = draw(st.sampled_from(SCALAR_OPS))
            v = (
                draw(st.lists(t.values(col), min_size=1, max_size=3))
                if op is Op.IN
                else draw(t.values(col))
            )
            conds.append(Compare(col, op, v))
    order: tuple[Ordering, ...] = ()
    if schema.clustering_key and draw(st.integers(0, 3)) == 0:
        cols = draw(
            st.lists(
                st.sampled_from([c.name for c in schema.clustering_key]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        order = tuple(Ordering(c, draw(st.booleans())) for c in cols)
    columns = None
    if draw(st.integers(0, 4)) == 0:
        columns = tuple(
            draw(st.lists(st.sampled_from(sorted(t.types)), min_size=1, max_size=3, unique=True))
        )
    return Select(
        where=tuple(conds),
        columns=columns,
        order_by=order,
        limit=draw(st.none() | st.integers(1, 6)),
        per_partition_limit=draw(st.none() | st.integers(1, 3)),
        allow_filtering=draw(st.booleans()),
        count=draw(st.integers(0, 7)) == 0,
    )


def _plain(v: Any) -> Any:
    if isinstance(v, SortedSet):
        return set(v)
    if isinstance(v, OrderedMapSerializedKey):
        return dict(v)
    if isinstance(v, Date):
        return v.date()
    return v


def _run_on_server(
    session: Any, stmt: Any, schema: Any, keyspace: str
) -> tuple[str | None, list[tuple[Any, ...]]]:
    tpl, params = unchecked(stmt, schema, keyspace)
    try:
        bound = session.prepare(tpl.cql).bind(params)
        bound.fetch_size = None
        rows = list(session.execute(bound))
    except (InvalidRequest, RequestValidationException, ErrorMessage) as e:
        return str(e), []
    return None, [tuple(_plain(v) for v in r) for r in rows]


def _ours(stmt: Any, schema: Any) -> str | None:
    try:
        validate(stmt, schema)
    except InvalidQueryError as e:
        return str(e)
    return None


@given(data=st.data())
def test_validator_and_results_agree_with_the_server(
    diff: tuple[list[Table], MemoryStore], session: Any, keyspace: str, data: st.DataObject
) -> None:
    tables, memory = diff
    t = data.draw(st.sampled_from(tables))
    stmt = data.draw(selects(t))
    schema = t.schema
    note(f"table: {schema.name} {t.types} keys {[c.name for c in schema.primary_key]}")
    ours = _ours(stmt, schema)
    theirs, rows = _run_on_server(session, stmt, schema, keyspace)
    note(f"statement: {stmt!r}")
    note(f"coodie: {ours}\nserver: {theirs}")
    assert (ours is None) == (theirs is None), f"coodie: {ours!r}\nserver: {theirs!r}"
    if ours is None:
        expected = memory.select(stmt, schema)
        assert rows == expected


# ------------------------------------------------------------------ writes

from coodie.expr.nodes import Assignment, AssignOp, Delete, Insert, Update  # noqa: E402

COLLECTION_OPS = {
    "set<text>": [AssignOp.SET, AssignOp.ADD, AssignOp.REMOVE],
    "list<int>": [AssignOp.SET, AssignOp.APPEND, AssignOp.PREPEND, AssignOp.REMOVE],
    "map<text, int>": [AssignOp.SET, AssignOp.PUT, AssignOp.REMOVE],
}


@st.composite
def writes(draw: st.DrawFn, t: Table, conditional: bool) -> Any:
    schema = t.schema
    key = {c.name: draw(t.values(c.name)) for c in schema.primary_key}
    pk_where = tuple(Compare(c.name, Op.EQ, key[c.name]) for c in schema.partition_key)
    full_where = tuple(Compare(c.name, Op.EQ, key[c.name]) for c in schema.primary_key)
    regular = [c.name for c in schema.columns if not c.is_primary_key]
    kind = draw(st.sampled_from(["insert", "update", "delete"]))
    if kind == "insert":
        values = {c.name: key[c.name] for c in schema.primary_key}
        for n in regular:
            if draw(st.booleans()):
                values[n] = draw(t.values(n))
        return Insert(tuple(values.items()), if_not_exists=conditional)
    if kind == "update":
        cols = draw(st.lists(st.sampled_from(regular), min_size=1, max_size=3, unique=True))
        assignments = []
        for n in cols:
            typ = t.types[n]
            if typ in COLLECTION_OPS:
                op = draw(st.sampled_from(COLLECTION_OPS[typ]))
                if op is AssignOp.REMOVE and typ.startswith("map"):
                    v: Any = draw(st.sets(st.sampled_from(["a", "b", "c"]), max_size=2))
                elif op in (AssignOp.APPEND, AssignOp.PREPEND, AssignOp.REMOVE) and typ.startswith(
                    "list"
                ):
                    v = draw(st.lists(st.integers(-2, 2), max_size=2))
                else:
                    v = draw(t.values(n))
                assignments.append(Assignment(n, op, v))
            else:
                assignments.append(Assignment(n, AssignOp.SET, draw(t.values(n))))
        statics_only = all(schema.by_name[n].kind.value == "static" for n in cols)
        where = pk_where if statics_only else full_where
        if conditional:
            if draw(st.booleans()):
                return Update(tuple(assignments), where, if_exists=True)
            cond_col = draw(
                st.sampled_from([n for n in regular if "<" not in t.types[n]] or regular)
            )
            return Update(
                tuple(assignments),
                where,
                if_conditions=(Compare(cond_col, Op.EQ, draw(t.values(cond_col))),),
            )
        return Update(tuple(assignments), where)
    if conditional:
        return Delete(full_where, if_exists=True)
    depth = draw(st.integers(0, len(schema.clustering_key)))
    where = pk_where + full_where[len(schema.partition_key) : len(schema.partition_key) + depth]
    columns: tuple[str, ...] = ()
    if depth == len(schema.clustering_key) and regular and draw(st.booleans()):
        columns = tuple(
            draw(st.lists(st.sampled_from(regular), min_size=1, max_size=2, unique=True))
        )
    return Delete(where, columns=columns)


def _table_rows(session: Any, t: Table, keyspace: str) -> list[tuple[Any, ...]]:
    return _run_on_server(session, Select(), t.schema, keyspace)[1]


@pytest.mark.parametrize("conditional", [False, True], ids=["plain", "lwt"])
@settings(max_examples=60 if os.environ.get("HYPOTHESIS_PROFILE") != "fuzz" else 2_000)
@given(data=st.data())
def test_writes_leave_equal_tables(
    diff: tuple[list[Table], MemoryStore],
    session: Any,
    keyspace: str,
    data: st.DataObject,
    conditional: bool,
) -> None:
    from coodie.flows import lwt_result
    from coodie.requests import Page

    tables, memory = diff
    t = data.draw(st.sampled_from(tables))
    schema = t.schema
    # Each example starts from an empty table on both sides, so that it stands alone.
    session.execute(f"TRUNCATE {schema.qualified_name(keyspace)}", timeout=120)
    memory.table(schema).partitions.clear()
    for stmt in data.draw(st.lists(writes(t, conditional), min_size=1, max_size=10)):
        note(f"write: {stmt!r}")
        ours = _ours(stmt, schema)
        tpl, params = unchecked(stmt, schema, keyspace)
        try:
            rs = session.execute(session.prepare(tpl.cql).bind(params))
            theirs = None
        except (InvalidRequest, RequestValidationException, ErrorMessage) as e:
            theirs, rs = str(e), None
        assert (ours is None) == (theirs is None), f"coodie: {ours!r}\nserver: {theirs!r}"
        if ours is not None:
            continue
        expected = memory.write(stmt, schema)
        if tpl.lwt:
            assert rs is not None and expected is not None
            got = lwt_result(
                Page([tuple(r) for r in rs.current_rows], tuple(rs.column_names or ()))
            )
            assert got.applied == expected.applied
    assert _table_rows(session, t, keyspace) == memory.select(Select(), schema)


def _row_key(stmt: Any, schema: Any) -> tuple[Any, ...] | None:
    """The one row a write touches, or None for a range or partition write."""
    values = (
        dict(stmt.values) if isinstance(stmt, Insert) else {c.column: c.value for c in stmt.where}
    )
    if any(c.name not in values for c in schema.primary_key):
        return None
    return tuple(values[c.name] for c in schema.primary_key)


@given(data=st.data())
@settings(max_examples=40 if os.environ.get("HYPOTHESIS_PROFILE") != "fuzz" else 1_000)
def test_batches_leave_equal_tables(
    diff: tuple[list[Table], MemoryStore], session: Any, keyspace: str, data: st.DataObject
) -> None:
    """A logged or unlogged batch of writes to distinct rows (in a batch every write has
    the same timestamp, so two writes to one row would not apply in order)."""
    from cassandra.query import BatchStatement, BatchType

    tables, memory = diff
    t = data.draw(st.sampled_from(tables))
    schema = t.schema
    session.execute(f"TRUNCATE {schema.qualified_name(keyspace)}", timeout=120)
    memory.table(schema).partitions.clear()
    chosen: list[Any] = []
    seen: set[Any] = set()
    for stmt in data.draw(st.lists(writes(t, False), min_size=1, max_size=12)):
        key = _row_key(stmt, schema)
        if key is None or key in seen or _ours(stmt, schema) is not None:
            continue
        # static cells are per partition: one static write per partition too
        statics = {c.name for c in schema.columns if c.kind.value == "static"}
        written = (
            {n for n, _ in stmt.values}
            if isinstance(stmt, Insert)
            else {a.column for a in getattr(stmt, "assignments", ())}
        )
        partition = ("static", key[: len(schema.partition_key)])
        if written & statics:
            if partition in seen:
                continue
            seen.add(partition)
        seen.add(key)
        chosen.append(stmt)
    kind = data.draw(st.sampled_from([BatchType.LOGGED, BatchType.UNLOGGED]))
    batch = BatchStatement(batch_type=kind)
    for stmt in chosen:
        note(f"batched: {stmt!r}")
        tpl, params = unchecked(stmt, schema, keyspace)
        batch.add(session.prepare(tpl.cql).bind(params))
        memory.write(stmt, schema)
    if chosen:
        session.execute(batch)
    assert _table_rows(session, t, keyspace) == memory.select(Select(), schema)
