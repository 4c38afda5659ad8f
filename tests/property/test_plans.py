"""The remembered statements of `coodie.plans` give what the general path gives.

For random tables and documents, the first call of a shape builds its plan; every later
call must produce the same `Compiled` (CQL, bound values, columns, flags, types) as
building the statement nodes and compiling them, or the same error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from coodie import plans
from coodie.document import DocumentCore, conditions_from
from coodie.exceptions import InvalidQueryError
from coodie.expr.compiler import Compiled, compile_statement
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


def same(planned: Compiled, general: Compiled) -> None:
    assert (planned.cql, planned.params) == (general.cql, general.params)
    assert planned.columns == general.columns
    assert (planned.lwt, planned.paging) == (general.lwt, general.paging)
    assert planned.types is general.types


def outcome(run: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", run()
    except InvalidQueryError as e:
        return "refused", str(e)


def agree(planned: Callable[[], Any], general: Callable[[], Any]) -> None:
    """Both paths give the same Compiled (and the same extra results), or the same error."""
    p, g = outcome(planned), outcome(general)
    assert p[0] == g[0], (p, g)
    if p[0] == "refused":
        assert p[1] == g[1]
        return
    pv, gv = (p[1], g[1]) if isinstance(p[1], tuple) else ((p[1],), (g[1],))
    same(pv[0], gv[0])
    assert pv[1:] == gv[1:]


def general_insert(doc: DocumentCore, ine: bool, opts: dict[str, Any]) -> Compiled:
    stmt = doc._insert_statement(if_not_exists=ine, **opts)
    return compile_statement(stmt, type(doc)._schema(), KS)


def general_update(
    doc: DocumentCore,
    values: dict[str, Any],
    if_exists: bool,
    conds: dict[str, Any] | None,
    opts: dict[str, Any],
) -> tuple[Compiled, dict[str, Any]]:
    stmt, new_values = doc._update_statement(
        values, if_exists=if_exists, if_conditions=conds, **opts
    )
    return compile_statement(stmt, type(doc)._schema(), KS), new_values


def general_delete(
    doc: DocumentCore, if_exists: bool, conds: dict[str, Any] | None, ts: int | None
) -> Compiled:
    stmt = doc._delete_statement(if_exists=if_exists, timestamp=ts, if_conditions=conds)
    return compile_statement(stmt, type(doc)._schema(), KS)


options = st.fixed_dictionaries(
    {
        "ttl": st.none() | st.integers(0, 10**6),
        "timestamp": st.none() | st.integers(0, 2**62),
    }
)


@given(model_and_docs(), st.booleans(), options)
def test_insert_plans_match_the_general_path(
    md: tuple[type[DocumentCore], list[DocumentCore]], ine: bool, opts: dict[str, Any]
) -> None:
    model, docs = md
    for doc in docs:
        agree(
            partial(plans.insert, doc, ine, opts["ttl"], opts["timestamp"]),
            partial(general_insert, doc, ine, opts),
        )
    statics = [c.name for c in model._schema().columns if c.kind is ColumnKind.STATIC]
    if not statics and not (ine and opts["timestamp"] is not None):
        # (a None static makes another shape, taken the general way; IF with a timestamp
        # is refused)
        assert any(p is not None for p in model.__coodie_plans__.values())


@given(model_and_docs(), st.data(), options)
def test_update_plans_match_the_general_path(
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
        agree(
            partial(plans.update, doc, values, opts["ttl"], opts["timestamp"], if_exists, conds),
            partial(general_update, doc, values, if_exists, conds, opts),
        )


@given(model_and_docs(), st.data(), st.none() | st.integers(0, 2**62))
def test_delete_plans_match_the_general_path(
    md: tuple[type[DocumentCore], list[DocumentCore]], data: st.DataObject, ts: int | None
) -> None:
    model, docs = md
    cond_names = data.draw(st.lists(st.sampled_from(regular(model) or ["-"]), max_size=2))
    cond_names = [n for n in dict.fromkeys(cond_names) if n != "-"]
    if_exists = not cond_names and data.draw(st.booleans())
    for doc in docs:
        conds = {n: getattr(doc, n) for n in cond_names} or None
        agree(
            partial(plans.delete, doc, if_exists, conds, ts),
            partial(general_delete, doc, if_exists, conds, ts),
        )


@given(model_and_docs())
def test_get_plans_match_the_general_path(
    md: tuple[type[DocumentCore], list[DocumentCore]],
) -> None:
    model, docs = md
    for doc in docs:
        lookups = {c.name: getattr(doc, c.name) for c in model._schema().primary_key}
        planned = plans.get_request(model, (), lookups)
        where = conditions_from(model._schema(), (), lookups)
        general = QuerySetCore(model, where)._copy(_limit=2)._select_request()
        same(planned.compiled, general.compiled)
        assert planned.fetch_size == general.fetch_size


@given(st.lists(st.tuples(st.text(max_size=5), st.integers(-5, 5), st.integers(-5, 5)), min_size=2))
def test_counter_plans_match_the_general_path(changes: list[tuple[str, int, int]]) -> None:
    from coodie.flows import _counter_statement

    for url, views, visitors in changes:
        for sign in (1, -1):
            values = {"url": url, "views": views, "visitors": visitors}
            planned = plans.counter(
                PageViews, values, sign, partial(_counter_statement, PageViews, values, sign)
            )
            general = _counter_statement(PageViews, values, sign)
            same(planned, compile_statement(general, PageViews._schema(), "shop"))


def test_a_planned_shape_still_refuses_what_the_general_path_refuses() -> None:
    from uuid import uuid4

    doc = Product(id=uuid4(), category="c", name="n")
    plans.insert(doc, False, None, None)
    plans.update(doc, {"price": 2.0}, None, None, False, None)
    plans.delete(doc, False, None, None)
    plans.get_request(Product, (), {"id": doc.id, "category": "c"})
    keyless = Product.model_construct(id=None, category="c", name="n")
    with pytest.raises(InvalidQueryError, match="primary key column id is None"):
        plans.insert(keyless, False, None, None)
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        plans.update(keyless, {"price": 2.0}, None, None, False, None)
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        plans.delete(keyless, False, None, None)
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        plans.get_request(Product, (), {"id": None, "category": "c"})
    with pytest.raises(InvalidQueryError, match="ttl must be a non-negative integer"):
        plans.insert(doc, False, -1, None)
    with pytest.raises(InvalidQueryError, match="a counter changes by an integer"):
        values = {"url": "/", "views": 1.5, "visitors": 1}
        plans.counter(PageViews, values, 1, lambda: _general_counter(values))


def _general_counter(values: dict[str, Any]) -> Any:
    from coodie.flows import _counter_statement

    return _counter_statement(PageViews, values, 1)
