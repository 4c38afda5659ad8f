"""Hypothesis strategies: random Document schemas and random conditions over them."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from hypothesis import strategies as st

from coodie.expr.columns import token
from coodie.expr.nodes import Condition, Op
from coodie.fields import BigInt, ClusteringKey, Double, Indexed, PrimaryKey, Static
from coodie.sync import Document

_counter = itertools.count()

# (annotation factory, value strategy) per scalar type usable in keys.
SCALARS: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "text": (str, st.text(max_size=20)),
    "int": (int, st.integers(-(2**31), 2**31 - 1)),
    "bigint": (Annotated[int, BigInt()], st.integers(-(2**63), 2**63 - 1)),
    "double": (Annotated[float, Double()], st.floats(allow_nan=False)),
    "uuid": (UUID, st.uuids()),
    "date": (dt.date, st.dates()),
    "decimal": (Decimal, st.decimals(allow_nan=False, allow_infinity=False, places=4)),
    "boolean": (bool, st.booleans()),
}
COLLECTIONS: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "set<text>": (set[str], st.sets(st.text(max_size=5), max_size=3)),
    "list<int>": (list[int], st.lists(st.integers(-100, 100), max_size=3)),
    "map<text, int>": (
        dict[str, int],
        st.dictionaries(st.text(max_size=5), st.integers(-9, 9), max_size=3),
    ),
}

NAMES = (
    st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
    | st.sampled_from(["order", "key", "token", "userName", "Select", "limit", "value"])
).filter(
    # Names every class already has (`mro`) or a Document method has (`save`) are columns
    # too, but `Model.name` reaches the class attribute: such columns are for the kwargs
    # form and col(Model, "name"), which other tests cover.
    lambda n: not hasattr(type, n) and not hasattr(Document, n)
)


@st.composite
def models(draw: st.DrawFn) -> type[Document]:
    """A Document class: 1-3 partition-key columns, 0-3 clustering columns, regular,
    static and collection columns, some indexed."""
    n_pk = draw(st.integers(1, 3))
    n_ck = draw(st.integers(0, 3))
    n_reg = draw(st.integers(0, 4))
    names = draw(
        st.lists(
            NAMES, min_size=n_pk + n_ck + n_reg, max_size=n_pk + n_ck + n_reg, unique_by=str.lower
        )
    )
    annotations: dict[str, Any] = {}
    values: dict[str, st.SearchStrategy[Any]] = {}
    for i, name in enumerate(names):
        if i < n_pk:
            tname = draw(st.sampled_from(sorted(SCALARS)))
            ann, vals = SCALARS[tname]
            annotations[name] = Annotated[ann, PrimaryKey(partition_key_index=i)]
        elif i < n_pk + n_ck:
            tname = draw(st.sampled_from(sorted(SCALARS)))
            ann, vals = SCALARS[tname]
            order = draw(st.sampled_from(["ASC", "DESC"]))
            annotations[name] = Annotated[
                ann, ClusteringKey(order=order, clustering_key_index=i - n_pk)
            ]
        else:
            pool = {**SCALARS, **COLLECTIONS}
            tname = draw(st.sampled_from(sorted(pool)))
            ann, vals = pool[tname]
            markers: list[Any] = []
            if n_ck and tname in SCALARS and draw(st.booleans()) and draw(st.booleans()):
                markers.append(Static())
            elif draw(st.integers(0, 3)) == 0:
                markers.append(Indexed(using=draw(st.sampled_from([None, "sai"]))))
            annotations[name] = Annotated[(ann, *markers)] if markers else ann  # type: ignore[valid-type]
        values[name] = vals
    ns: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    n = next(_counter)
    ns["__qualname__"] = f"M{n}"
    ns["Settings"] = type(
        "Settings", (), {"keyspace": "prop_ks", "name": f"t{n}", "__qualname__": f"M{n}.Settings"}
    )
    cls: type[Document] = type(Document)(f"M{n}", (Document,), ns)
    cls.__coodie_values__ = values  # type: ignore[attr-defined]
    return cls


OPS = [Op.EQ, Op.LT, Op.LE, Op.GT, Op.GE, Op.IN, Op.CONTAINS, Op.CONTAINS_KEY]
KW = {
    Op.EQ: "",
    Op.LT: "__lt",
    Op.LE: "__lte",
    Op.GT: "__gt",
    Op.GE: "__gte",
    Op.IN: "__in",
    Op.CONTAINS: "__contains",
    Op.CONTAINS_KEY: "__contains_key",
    Op.LIKE: "__like",
}


@st.composite
def conditions(draw: st.DrawFn, model: type[Document]) -> list[tuple[str, Op, Any, bool]]:
    """(column, op, value, is_token) tuples; values fit the column where the op compares
    whole values, and are arbitrary elements for CONTAINS."""
    schema = model.__coodie_schema__
    values: dict[str, st.SearchStrategy[Any]] = model.__coodie_values__  # type: ignore[attr-defined]
    out = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 6)) == 0:
            op = draw(st.sampled_from([Op.GT, Op.GE, Op.LT, Op.LE, Op.EQ]))
            out.append(
                (schema.partition_key[0].name, op, draw(st.integers(-(2**63), 2**63 - 1)), True)
            )
            continue
        c = draw(st.sampled_from(schema.columns))
        op = draw(st.sampled_from(OPS))
        if op is Op.IN:
            v: Any = draw(st.lists(values[c.name], min_size=1, max_size=3))
        elif op in (Op.CONTAINS, Op.CONTAINS_KEY):
            v = draw(st.text(max_size=5) | st.integers(-5, 5))
        else:
            v = draw(values[c.name])
        out.append((c.name, op, v, False))
    return out


def as_expressions(
    model: type[Document], conds: list[tuple[str, Op, Any, bool]]
) -> list[Condition]:
    schema = model.__coodie_schema__
    out: list[Condition] = []
    for name, op, v, is_token in conds:
        if is_token:
            t = token(*(getattr(model, c.name) for c in schema.partition_key))
            out.append(
                {
                    Op.GT: t.__gt__,
                    Op.GE: t.__ge__,
                    Op.LT: t.__lt__,
                    Op.LE: t.__le__,
                    Op.EQ: t.__eq__,
                }[op](v)
            )
            continue
        col = getattr(model, name)
        method = {
            Op.EQ: col.__eq__,
            Op.LT: col.__lt__,
            Op.LE: col.__le__,
            Op.GT: col.__gt__,
            Op.GE: col.__ge__,
            Op.IN: col.in_,
            Op.CONTAINS: col.contains,
            Op.CONTAINS_KEY: col.contains_key,
        }[op]
        out.append(method(v))
    return out


def as_kwargs(
    model: type[Document], conds: list[tuple[str, Op, Any, bool]]
) -> list[dict[str, Any]]:
    """One dict per condition (kwargs cannot repeat a key, so filter() is chained)."""
    out = []
    for name, op, v, is_token in conds:
        key = f"{name}__token{KW[op] if op is not Op.EQ else ''}" if is_token else f"{name}{KW[op]}"
        out.append({key: v})
    return out
