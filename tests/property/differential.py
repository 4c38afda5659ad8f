"""Random schemas, rows and statements shared by the differential tests.

A pool of random tables is created on the real node and mirrored in a MemoryStore; the
tests then draw random queries and writes over them with hypothesis. Schemas come from
a seeded `random.Random` (fixed in `make test`, random in `make fuzz`).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Optional

from hypothesis import strategies as st

from coodie.ddl import create_index_cql, create_table_cql
from coodie.expr.compiler import _SHAPERS, OPTIONS, Template, _render
from coodie.fields import (
    BigInt,
    ClusteringKey,
    Frozen,
    Indexed,
    PrimaryKey,
    Static,
    Vector,
    VectorIndex,
)
from coodie.sync import Document
from coodie.testing.memory import MemoryStore
from coodie.usertype import UserType, create_type_cql, table_udts


class Spot(UserType):
    """The differential tables' user-defined type (frozen and not)."""

    city: Optional[str] = None
    zip: Optional[int] = None

    class Settings:
        name = "diff_spot"


SPOTS = [Spot(city="a", zip=1), Spot(city="b"), Spot(zip=2), Spot(city="a", zip=2), Spot()]
# 2-d vectors, none zero (cosine cannot rank a zero vector); [1, 1] and [2, 2] tie under
# cosine, [1, 0] and [0, 1] under a dot product with [1, 1].
VECTORS = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 2.0], [0.5, -1.0], [-1.0, 0.25]]
SIMILARITIES = ["cosine", "dot_product", "euclidean"]

# Small value domains, so that conditions match rows often.
DOMAINS: dict[str, tuple[Any, list[Any]]] = {
    "text": (str, ["a", "b", "c", "ab", "é"]),
    "int": (int, [-2, -1, 0, 1, 2, 3]),
    "bigint": (Annotated[int, BigInt()], [-(2**40), -1, 0, 7, 2**40]),
    "uuid": (uuid.UUID, [uuid.UUID(int=i * 7919) for i in range(1, 6)]),
    "date": (dt.date, [dt.date(2024, 1, d) for d in (1, 2, 3, 15)]),
    "boolean": (bool, [False, True]),
    # tuples of several arities, one nested; tuples are frozen, so keys can be tuples
    "tuple<int, text>": (tuple[int, str], [(0, "a"), (1, "a"), (1, "b"), (-1, "c")]),
    "tuple<int, text, boolean>": (
        tuple[int, str, bool],
        [(0, "a", True), (0, "a", False), (2, "b", True)],
    ),
    "tuple<int, tuple<text, int>>": (
        tuple[int, tuple[str, int]],
        [(0, ("a", 1)), (0, ("b", 0)), (1, ("a", 1))],
    ),
    # a user-defined type, non-frozen (one cell per field) and frozen (one value)
    "udt": (Optional[Spot], SPOTS),
    "frozen<udt>": (Annotated[Optional[Spot], Frozen()], SPOTS),
    "vector<float, 2>": (Annotated[list[float], Vector(dimensions=2)], VECTORS),
}
KEY_TYPES = ["text", "int", "bigint", "uuid", "date", "tuple<int, text>"]
REGULAR_TYPES = [
    "text",
    "int",
    "bigint",
    "boolean",
    "set<text>",
    "list<int>",
    "map<text, int>",
    "tuple<int, text>",
    "tuple<int, text, boolean>",
    "tuple<int, tuple<text, int>>",
    "udt",
    "frozen<udt>",
]
# types that take no secondary index here (a UDT's or tuple's index is another test's)
NOT_INDEXED = {"boolean", "udt", "frozen<udt>", "vector<float, 2>"}
COLLECTIONS: dict[str, tuple[Any, Any]] = {
    "set<text>": (set[str], lambda r: set(r.sample(["a", "b", "c", "d"], r.randint(0, 3)))),
    "list<int>": (list[int], lambda r: [r.randint(-2, 2) for _ in range(r.randint(0, 3))]),
    "map<text, int>": (
        dict[str, int],
        lambda r: {k: r.randint(-2, 2) for k in r.sample(["a", "b", "c"], r.randint(0, 3))},
    ),
}


@dataclass
class Table:
    model: type[Document]
    types: dict[str, str]  # column -> type name

    @property
    def schema(self) -> Any:
        return self.model.__coodie_schema__

    def is_collection(self, col: str) -> bool:
        return self.types[col] in COLLECTIONS

    @property
    def vector(self) -> str | None:
        """The vector column (at most one per table), with its SAI index."""
        return next((n for n, t in self.types.items() if t.startswith("vector")), None)

    def value(self, r: random.Random, col: str) -> Any:
        t = self.types[col]
        if t in COLLECTIONS:
            return COLLECTIONS[t][1](r)
        return r.choice(DOMAINS[t][1])

    def values(self, col: str) -> st.SearchStrategy[Any]:
        t = self.types[col]
        if t == "set<text>":
            return st.sets(st.sampled_from(["a", "b", "c", "d"]), max_size=3)
        if t == "list<int>":
            return st.lists(st.integers(-2, 2), max_size=3)
        if t == "map<text, int>":
            return st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(-2, 2), max_size=3)
        return st.sampled_from(DOMAINS[t][1])

    def element(self, col: str, key: bool = False) -> st.SearchStrategy[Any]:
        """An element of a list or set, a map value, or (key=True) a map key."""
        t = self.types[col]
        if t == "set<text>" or (t == "map<text, int>" and key):
            return st.sampled_from(["a", "b", "c", "d"])
        if t in ("list<int>", "map<text, int>"):
            return st.integers(-2, 2)
        return self.values(col)


def unchecked(stmt: Any, schema: Any, keyspace: str | None) -> tuple[Template, list[Any]]:
    """The CQL and values of `stmt` as written, for the server to judge: no validation,
    and the options (LIMIT, TTL, TIMESTAMP) bound as given, without coodie's value
    checks; column values get their converters."""
    template = _render(stmt, schema, keyspace)
    _, sources = _SHAPERS[type(stmt)](stmt)
    params = []
    for b in template.binds:
        v = sources[b.source][b.key]
        if b.source != OPTIONS and b.convert is not None and v is not None:
            v = b.convert(v)
        params.append(v)
    return template, params


def seed() -> int:
    return int(os.environ.get("COODIE_FUZZ_SEED", "20261127"))


def make_table(r: random.Random, n: int, keyspace: str) -> Table:
    n_pk, n_ck, n_reg = r.randint(1, 3), r.randint(0, 3), r.randint(1, 4)
    ann: dict[str, Any] = {}
    types: dict[str, str] = {}
    for i in range(n_pk):
        t = r.choice(KEY_TYPES)
        types[f"p{i}"] = t
        ann[f"p{i}"] = Annotated[DOMAINS[t][0], PrimaryKey(partition_key_index=i)]
    for i in range(n_ck):
        t = r.choice(KEY_TYPES)
        types[f"c{i}"] = t
        ann[f"c{i}"] = Annotated[
            DOMAINS[t][0], ClusteringKey(order=r.choice(["ASC", "DESC"]), clustering_key_index=i)
        ]
    for i in range(n_reg):
        t = r.choice(REGULAR_TYPES)
        name = f"v{i}"
        types[name] = t
        py = COLLECTIONS[t][0] if t in COLLECTIONS else DOMAINS[t][0]
        markers: list[Any] = []
        if n_ck and t not in COLLECTIONS and t != "udt" and r.random() < 0.25:
            markers.append(Static())
        elif t not in COLLECTIONS and t not in NOT_INDEXED and r.random() < 0.3:
            markers.append(Indexed(using=r.choice([None, "sai"])))
        ann[name] = Annotated[(py, *markers)] if markers else py  # type: ignore[valid-type]
    if n % 2 == 0:  # every other table: a vector column with its SAI index, for ANN queries
        types["vec"] = "vector<float, 2>"
        ann["vec"] = Annotated[
            Optional[list[float]],
            Vector(dimensions=2),
            VectorIndex(similarity=r.choice(SIMILARITIES)),  # type: ignore[arg-type]
        ]
    ns: dict[str, Any] = {"__annotations__": ann, "__module__": __name__, "__qualname__": f"D{n}"}
    ns["Settings"] = type(
        "Settings",
        (),
        {"name": f"diff_{n}", "keyspace": keyspace, "__qualname__": f"D{n}.Settings"},
    )
    model: type[Document] = type(Document)(f"D{n}", (Document,), ns)
    return Table(model, types)


def create(session: Any, table: Table, keyspace: str) -> None:
    schema = table.schema
    for udt in table_udts(schema):
        session.execute(create_type_cql(udt, keyspace), timeout=60)
    session.execute(create_table_cql(schema, keyspace), timeout=60)
    for c in schema.columns:
        if c.index is not None:
            session.execute(create_index_cql(schema, keyspace, c, c.index), timeout=60)


def pool(session: Any, keyspace: str, size: int, rows: int) -> tuple[list[Table], MemoryStore]:
    """`size` random tables with `rows` random rows each, on the server and in memory."""
    from coodie.expr.compiler import compile_statement

    r = random.Random(seed())
    memory = MemoryStore()
    tables = []
    for n in range(size):
        t = make_table(r, n, keyspace)
        create(session, t, keyspace)
        for _ in range(rows):
            doc = t.model(**{c: t.value(r, c) for c in t.types})
            stmt = doc._insert_statement()
            compiled = compile_statement(stmt, t.schema)
            session.execute(session.prepare(compiled.cql), compiled.params, timeout=60)
            memory.write(stmt, t.schema)
        tables.append(t)
    return tables, memory
