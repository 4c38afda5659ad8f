"""Properties of the compiler over random schemas and random conditions."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from coodie.exceptions import InvalidQueryError
from coodie.expr import compiler
from coodie.sync import Document
from tests.property.strategies import as_expressions, as_kwargs, conditions, models


def _compile(qs: Any) -> tuple[str, tuple[Any, ...]] | str:
    """(cql, params), or the validator's error message."""
    try:
        return qs.to_cql()  # type: ignore[no-any-return]
    except InvalidQueryError as e:
        return f"error: {e}"


def _with_kwargs(model: type[Document], conds: Any, af: bool) -> Any:
    qs = model.find()
    for kw in as_kwargs(model, conds):
        qs = qs.filter(**kw)
    return qs.allow_filtering() if af else qs


def _with_exprs(model: type[Document], conds: Any, af: bool) -> Any:
    qs = model.find(*as_expressions(model, conds))
    return qs.allow_filtering() if af else qs


@st.composite
def model_and_conditions(draw: st.DrawFn) -> tuple[type[Document], Any, bool]:
    model = draw(models())
    return model, draw(conditions(model)), draw(st.booleans())


@given(model_and_conditions())
def test_expression_and_kwargs_forms_compile_identically(case: Any) -> None:
    model, conds, af = case
    assert _compile(_with_exprs(model, conds, af)) == _compile(_with_kwargs(model, conds, af))


@given(model_and_conditions())
def test_bind_markers_match_parameters(case: Any) -> None:
    model, conds, af = case
    out = _compile(_with_exprs(model, conds, af).limit(5))
    if isinstance(out, str):
        return
    cql, params = out
    assert cql.count("?") == len(params)
    assert len(params) == len(conds) + 1  # one per condition (IN binds a whole list) + LIMIT


@given(model_and_conditions())
def test_compilation_is_deterministic_and_cache_transparent(case: Any) -> None:
    model, conds, af = case
    first = _compile(_with_exprs(model, conds, af))
    again = _compile(_with_exprs(model, conds, af))
    compiler.clear_cache()
    fresh = _compile(_with_exprs(model, conds, af))
    assert first == again == fresh


HOSTILE = st.one_of(
    st.text(min_size=1),
    st.sampled_from(["'", "''", "';", "; DROP TABLE x; --", '"', "?", "%s", "\\", "\x00", "é😀"]),
)


@given(model_and_conditions(), st.data())
def test_values_never_reach_the_cql_text(case: Any, data: st.DataObject) -> None:
    model, conds, af = case
    out = _compile(_with_exprs(model, conds, af))
    if isinstance(out, str):
        return
    cql, _ = out
    # The same shape with other values gives the very same text: values are not in it.
    text_cols = [i for i, (n, op, v, tok) in enumerate(conds) if isinstance(v, str)]
    for i in text_cols:
        n, op, _, tok = conds[i]
        conds[i] = (n, op, data.draw(HOSTILE), tok)
    out2 = _compile(_with_exprs(model, conds, af))
    assert not isinstance(out2, str)
    assert out2[0] == cql
    assert all(out2[1][i] == conds[i][2] for i in text_cols)
    # Only identifiers, keywords, operators and markers remain outside quoted identifiers.
    bare = re.sub(r'"(?:[^"]|"")*"', "", cql)
    assert "'" not in bare and ";" not in bare


@given(model_and_conditions(), st.randoms(use_true_random=False))
def test_verdict_does_not_depend_on_condition_order(case: Any, rnd: Any) -> None:
    model, conds, af = case
    shuffled = list(conds)
    rnd.shuffle(shuffled)
    a = _compile(_with_exprs(model, conds, af))
    b = _compile(_with_exprs(model, shuffled, af))
    assert isinstance(a, str) == isinstance(b, str), (a, b)
    if not isinstance(a, str) and not isinstance(b, str):
        assert sorted(map(repr, a[1])) == sorted(map(repr, b[1]))
