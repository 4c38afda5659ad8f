"""The statements a Document class remembers give what the general path gives.

`doc.save()`, `insert()`, `update()`, `delete()`, `Model.get()` and `increment()` bind a
template remembered per call shape (`compiler.compile_fixed`). For random tables and
documents, the first call of a shape teaches the template; every later call must produce
the same `Compiled` (CQL, bound values, columns, flags, types) as building the statement
nodes and compiling them, or the same error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from coodie import flows
from coodie.document import DocumentCore, conditions_from
from coodie.exceptions import InvalidQueryError
from coodie.expr import compiler
from coodie.expr.compiler import Compiled, Template, compile_statement
from coodie.query import QuerySetCore
from coodie.schema import ColumnKind
from tests.property.strategies import models
from tests.unit.models import PageViews, Product

KS = "prop_ks"


@st.composite
def documents(draw: st.DrawFn, model: type[DocumentCore]) -> DocumentCore:
    values = {n: draw(s) for n, s in model.__coodie_values__.items()}  # type: ignore[attr-defined]
    return model(**values)


@st.composite
def model_and_docs(draw: st.DrawFn) -> tuple[type[DocumentCore], list[DocumentCore]]:
    model = draw(models())
    docs = draw(st.lists(documents(model), min_size=2, max_size=4))
    return model, docs


def regular(model: type[DocumentCore]) -> list[str]:
    return [c.name for c in model._schema().columns if not c.is_primary_key]


def remembered(model: type[DocumentCore]) -> list[Template]:
    """The templates remembered for `model`'s fixed-shape calls."""
    return [
        t
        for (_, _, key), t in list(compiler._cache.items())
        if isinstance(key, tuple) and key and key[0] is model and isinstance(t, Template)
    ]


def same(fixed: Compiled, general: Compiled) -> None:
    assert (fixed.cql, fixed.params) == (general.cql, general.params)
    assert fixed.columns == general.columns
    assert (fixed.lwt, fixed.paging) == (general.lwt, general.paging)
    assert fixed.types is not None and general.types is not None
    assert fixed.types.params == general.types.params
    assert fixed.types.labels == general.types.labels


def outcome(run: Callable[[], Compiled]) -> tuple[str, Any]:
    try:
        return "ok", run()
    except InvalidQueryError as e:
        return "refused", str(e)


def agree(fixed: Callable[[], Compiled], general: Callable[[], Compiled]) -> None:
    """Both paths give the same Compiled, or the same error."""
    f, g = outcome(fixed), outcome(general)
    assert f[0] == g[0], (f, g)
    if f[0] == "refused":
        assert f[1] == g[1]
    else:
        same(f[1], g[1])


def compiled(op: flows.Single[Any]) -> Compiled:
    assert op.request is not None
    return op.request.compiled


def fixed_path(build: Callable[..., flows.Single[Any]], *args: Any, **kwargs: Any) -> Compiled:
    return compiled(build(*args, **kwargs))


def general_update(doc: DocumentCore, values: dict[str, Any], options: dict[str, Any]) -> Compiled:
    stmt, _ = doc._update_statement(values, **options)
    return compile_statement(stmt, type(doc)._schema(), KS)


def general_delete(doc: DocumentCore, options: dict[str, Any]) -> Compiled:
    return compile_statement(doc._delete_statement(**options), type(doc)._schema(), KS)


def general_insert(doc: DocumentCore, ine: bool, opts: dict[str, Any]) -> Compiled:
    stmt = doc._insert_statement(if_not_exists=ine, **opts)
    return compile_statement(stmt, type(doc)._schema(), KS)


options = st.fixed_dictionaries(
    {
        "ttl": st.none() | st.integers(0, 10**6),
        "timestamp": st.none() | st.integers(0, 2**62),
    }
)


@given(model_and_docs(), st.booleans(), options)
def test_save_and_insert_match_the_general_path(
    md: tuple[type[DocumentCore], list[DocumentCore]], ine: bool, opts: dict[str, Any]
) -> None:
    model, docs = md
    write = flows.insert if ine else flows.save
    for doc in docs:
        agree(partial(fixed_path, write, doc, **opts), partial(general_insert, doc, ine, opts))
    statics = [c.name for c in model._schema().columns if c.kind is ColumnKind.STATIC]
    if not statics and not (ine and opts["timestamp"] is not None):
        # (IF NOT EXISTS with a timestamp is refused; a None static makes another shape)
        assert remembered(model)


@given(model_and_docs(), st.data(), options)
def test_update_matches_the_general_path(
    md: tuple[type[DocumentCore], list[DocumentCore]], data: st.DataObject, opts: dict[str, Any]
) -> None:
    model, docs = md
    names = regular(model)
    assume(names)
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True))
    cond_names = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
    if_exists = not cond_names and data.draw(st.booleans())
    source = data.draw(documents(model))
    for doc in docs:
        values = {n: getattr(source, n) for n in chosen}
        conds = {n: getattr(doc, n) for n in cond_names} or None
        options = {**opts, "if_exists": if_exists, "if_conditions": conds}
        agree(
            partial(fixed_path, flows.update, doc, **options, **values),
            partial(general_update, doc, values, options),
        )


@given(model_and_docs(), st.data(), st.none() | st.integers(0, 2**62))
def test_delete_matches_the_general_path(
    md: tuple[type[DocumentCore], list[DocumentCore]], data: st.DataObject, ts: int | None
) -> None:
    model, docs = md
    cond_names = data.draw(st.lists(st.sampled_from(regular(model) or ["-"]), max_size=2))
    cond_names = [n for n in dict.fromkeys(cond_names) if n != "-"]
    if_exists = not cond_names and data.draw(st.booleans())
    for doc in docs:
        options = {
            "if_exists": if_exists,
            "if_conditions": {n: getattr(doc, n) for n in cond_names} or None,
            "timestamp": ts,
        }

        agree(
            partial(fixed_path, flows.delete, doc, **options),
            partial(general_delete, doc, options),
        )


@given(model_and_docs())
def test_get_matches_the_general_path(md: tuple[type[DocumentCore], list[DocumentCore]]) -> None:
    model, docs = md
    for doc in docs:
        lookups = {c.name: getattr(doc, c.name) for c in model._schema().primary_key}
        fixed = flows.get(model, None, (), lookups, required=True).request
        where = conditions_from(model._schema(), (), lookups)
        general = QuerySetCore(model, where)._copy(_limit=2)._select_request()
        assert fixed is not None
        same(fixed.compiled, general.compiled)
        assert fixed.fetch_size == general.fetch_size
    assert remembered(model)


@given(st.lists(st.tuples(st.text(max_size=5), st.integers(-5, 5), st.integers(-5, 5)), min_size=2))
def test_counter_changes_match_the_general_path(changes: list[tuple[str, int, int]]) -> None:
    from coodie.flows import _counter_statement

    for url, views, visitors in changes:
        for sign in (1, -1):
            values = {"url": url, "views": views, "visitors": visitors}
            fixed = compiled(flows.counter(PageViews, values, sign))
            general = _counter_statement(PageViews, values, sign)
            same(fixed, compile_statement(general, PageViews._schema(), "shop"))


def test_a_remembered_shape_still_refuses_what_the_general_path_refuses() -> None:
    doc = Product(id=uuid4(), category="c", name="n")
    for _ in range(2):  # the first call teaches the template, the second binds it
        flows.save(doc)
        flows.update(doc, price=2.0)
        flows.delete(doc)
        flows.get(Product, None, (), {"id": doc.id, "category": "c"}, required=True)
        flows.counter(PageViews, {"url": "/", "views": 1, "visitors": 1}, 1)
    assert len(remembered(Product)) == 4 and remembered(PageViews)
    keyless = Product.model_construct(id=None, category="c", name="n")
    with pytest.raises(InvalidQueryError, match="primary key column id is None"):
        flows.save(keyless)
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        flows.update(keyless, price=2.0)
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        flows.delete(keyless)
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        flows.get(Product, None, (), {"id": None, "category": "c"}, required=True)
    with pytest.raises(InvalidQueryError, match="ttl must be a non-negative integer"):
        flows.save(doc, ttl=-1)
    with pytest.raises(InvalidQueryError, match="a counter changes by an integer"):
        flows.counter(PageViews, {"url": "/", "views": 1.5, "visitors": 1}, 1)
