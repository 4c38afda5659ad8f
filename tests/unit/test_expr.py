"""Columns, nodes and kwargs lookups build the same trees."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import pytest

from coodie.exceptions import InvalidQueryError
from coodie.expr.columns import col, token
from coodie.expr.lookups import LOOKUPS, parse_assignments, parse_condition
from coodie.expr.nodes import And, AssignOp, Compare, Op, Ordering, TokenCompare
from coodie.fields import PrimaryKey
from coodie.sync import Document
from tests.unit.models import Event, Product

S = Product.__coodie_schema__


def _key(c: object) -> tuple[object, ...]:
    if isinstance(c, TokenCompare):
        return ("token", c.columns, c.op, c.value)
    assert isinstance(c, Compare)
    return (c.column, c.op, c.value)


@pytest.mark.parametrize(
    ("expr", "kwarg"),
    [
        (Product.price == 10, ("price", 10)),
        (Product.price > 10, ("price__gt", 10)),
        (Product.price >= 10, ("price__gte", 10)),
        (Product.price < 10, ("price__lt", 10)),
        (Product.price <= 10, ("price__lte", 10)),
        (Product.brand.in_(["a", "b"]), ("brand__in", ["a", "b"])),
        (Product.tags.contains("vip"), ("tags__contains", "vip")),
        (Product.meta.contains_key("env"), ("meta__contains_key", "env")),
        (Product.name.like("Al%"), ("name__like", "Al%")),
        (token(Product.id) > 5, ("id__token__gt", 5)),
        (token(Product.id) <= 5, ("id__token__lte", 5)),
    ],
)
def test_expression_and_kwargs_forms_build_the_same_node(
    expr: object, kwarg: tuple[str, object]
) -> None:
    assert _key(expr) == _key(parse_condition(S, *kwarg))


def test_every_lookup_name_maps_to_an_operator_the_columns_use() -> None:
    assert set(LOOKUPS.values()) == set(Op)


def test_token_lookup_on_a_composite_key_covers_the_whole_partition_key() -> None:
    c = parse_condition(Event.__coodie_schema__, "tenant__token__gt", 3)
    assert isinstance(c, TokenCompare)
    assert c.columns == ("tenant", "region")


def test_and_flattens() -> None:
    e = (Product.price > 1) & (Product.price < 5) & (Product.brand == "x")
    assert isinstance(e, And)
    assert [(_key(c)[0], _key(c)[1]) for c in e.items] == [
        ("price", Op.GT),
        ("price", Op.LT),
        ("brand", Op.EQ),
    ]


def test_or_and_not_raise_saying_cql_has_none() -> None:
    with pytest.raises(InvalidQueryError, match="CQL has no OR"):
        _ = (Product.price > 1) | (Product.price < 0)
    with pytest.raises(InvalidQueryError, match="CQL has no NOT"):
        _ = ~(Product.price > 1)


def test_not_equal_is_refused_in_filters_with_a_fix() -> None:
    # `!=` builds a condition (for IF conditions); a filter with it is refused
    with pytest.raises(InvalidQueryError, match="does not support the != relation in WHERE"):
        Product.find(Product.price != 3)
    with pytest.raises(InvalidQueryError, match="does not support the != relation in WHERE"):
        Product.find(price__ne=3)


def test_conditions_have_no_truth_value() -> None:
    with pytest.raises(TypeError, match="no truth value"):
        bool(Product.price > 3)
    with pytest.raises(TypeError, match="no truth value"):
        _ = 1 < Product.price < 5  # type: ignore[operator]


def test_comparing_two_columns_is_refused() -> None:
    with pytest.raises(InvalidQueryError, match="compares columns with values only"):
        _ = Product.price > Product.price  # type: ignore[operator]


def test_in_rejects_a_string() -> None:
    with pytest.raises(InvalidQueryError, match="takes a collection"):
        Product.brand.in_("abc")


def test_ordering_forms() -> None:
    assert Product.category.desc() == Ordering("category", True)
    assert Product.category.asc() == Ordering("category", False)


def test_columns_are_hashable_and_usable_as_dict_keys() -> None:
    d = {Product.price: 1}
    assert d[Product.price] == 1


def test_col_helper() -> None:
    assert col(Product, "price") is Product.price
    with pytest.raises(InvalidQueryError, match="no column 'nope'; columns are: id, category"):
        col(Product, "nope")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("nope", "products has no column 'nope'; columns are: id, category, name"),
        (
            "price__between",
            "unknown lookup 'between'; valid lookups: __eq, __gt, __gte, __lt, __lte, __in",
        ),
        (
            "price__token__gt",
            "token\\(\\) ranges apply to the partition key \\(id\\), not to 'price'",
        ),
        ("id__token__in", "unknown token lookup 'in'"),
    ],
)
def test_bad_lookups_name_what_is_valid(key: str, message: str) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        parse_condition(S, key, 1)


def test_in_lookup_requires_a_collection() -> None:
    with pytest.raises(InvalidQueryError, match="takes a list of values"):
        parse_condition(S, "brand__in", "abc")


@pytest.mark.parametrize(
    ("key", "op", "column"),
    [
        ("name", AssignOp.SET, "name"),
        ("add__tags", AssignOp.ADD, "tags"),
        ("remove__tags", AssignOp.REMOVE, "tags"),
        ("append__scores", AssignOp.APPEND, "scores"),
        ("prepend__scores", AssignOp.PREPEND, "scores"),
        ("put__meta", AssignOp.PUT, "meta"),
        ("remove__meta", AssignOp.REMOVE, "meta"),
    ],
)
def test_update_prefixes(key: str, op: AssignOp, column: str) -> None:
    [a] = parse_assignments(S, {key: 1})
    assert (a.column, a.op) == (column, op)


def test_unknown_update_prefix() -> None:
    with pytest.raises(
        InvalidQueryError, match=r"unknown update prefix .push.; valid: set__, add__, remove__"
    ):
        parse_assignments(S, {"push__tags": {"x"}})
    with pytest.raises(InvalidQueryError, match="no column 'tagz'"):
        parse_assignments(S, {"add__tagz": {"x"}})


def test_find_rejects_a_bool_positional_argument() -> None:
    with pytest.raises(InvalidQueryError, match="a bool"):
        Product.find(True)  # type: ignore[arg-type]


def test_find_rejects_columns_of_another_model() -> None:
    with pytest.raises(
        InvalidQueryError, match=r"Event\.tenant is a column of Event, not of Product"
    ):
        Product.find(Event.tenant == "x")  # type: ignore[arg-type]


class Shelf(Document):
    """Shares the column names `name` and `price` with Product."""

    id: Annotated[UUID, PrimaryKey()]
    name: str = ""
    price: float = 0.0

    class Settings:
        keyspace = "shop"


class Discounted(Product):
    class Settings:
        name = "discounted"
        keyspace = "shop"


def test_a_column_of_another_model_with_the_same_name_is_refused_not_used() -> None:
    # Shelf.name == "x" would otherwise filter products.name silently
    wrong = r"Shelf\.name is a column of Shelf, not of Product: use Product\.name"
    with pytest.raises(InvalidQueryError, match=wrong):
        Product.find(Shelf.name == "x")
    with pytest.raises(InvalidQueryError, match=wrong):
        Product.find(Product.price > 1).filter(Shelf.name == "x")
    with pytest.raises(InvalidQueryError, match=r"Shelf\.price is a column of Shelf"):
        Product.find((Product.name == "a") & (Shelf.price > 1))
    with pytest.raises(InvalidQueryError, match=wrong):
        Product.get(Shelf.name == "x")  # refused before any request is sent
    with pytest.raises(InvalidQueryError, match=wrong):
        Product.find_one(Shelf.name == "x")


def test_token_order_by_and_only_refuse_columns_of_another_model() -> None:
    # Shelf's id, name and price share their names with Product's columns
    with pytest.raises(InvalidQueryError, match=r"Shelf\.id is a column of Shelf, not of Product"):
        Product.find(token(Shelf.id) > 3)
    with pytest.raises(InvalidQueryError, match=r"Shelf\.price is a column of Shelf"):
        Product.find().order_by(Shelf.price.desc())
    with pytest.raises(InvalidQueryError, match=r"Shelf\.price is a column of Shelf"):
        Product.find().order_by(Shelf.price)
    with pytest.raises(InvalidQueryError, match=r"Shelf\.name is a column of Shelf"):
        Product.find().only(Shelf.name)
    # the columns of a base model are the subclass's too
    cql, _ = (
        Discounted.find(Product.id == UUID(int=1))
        .order_by(Product.category.desc())
        .only(Product.name, Product.id, Product.category)
        .to_cql()
    )
    assert cql == (
        "SELECT name, id, category FROM shop.discounted WHERE id = ? ORDER BY category DESC"
    )
    cql, _ = Discounted.find(token(Product.id) > 3).to_cql()
    assert cql.endswith("FROM shop.discounted WHERE token(id) > ?")


async def test_async_find_refuses_a_column_of_another_model() -> None:
    from coodie import aio

    class AShelf(aio.Document):
        id: Annotated[UUID, PrimaryKey()]
        name: str = ""

        class Settings:
            keyspace = "shop"

    with pytest.raises(
        InvalidQueryError, match=r"Product\.name is a column of Product, not of AShelf"
    ):
        AShelf.find(Product.name == "x")
    with pytest.raises(InvalidQueryError, match=r"Product\.name is a column of Product"):
        await AShelf.get(Product.name == "x")


def test_a_column_of_a_base_model_is_accepted_by_its_subclass() -> None:
    cql, params = Discounted.find(Product.price > 1).allow_filtering().to_cql()
    assert cql.endswith("FROM shop.discounted WHERE price > ? ALLOW FILTERING")
    assert params == (1,)


def test_find_combines_positional_and_kwargs() -> None:
    pid = UUID(int=7)
    cql, params = Product.find(Product.id == pid, category="c").to_cql()
    assert cql.endswith("WHERE id = ? AND category = ?")
    assert params == (pid, "c")


def test_lookups_on_column_names_with_underscores() -> None:
    """Found by make fuzz: a column `a_` made `a___lt` parse as column `a`, lookup `_lt`."""

    class Under(Document):
        a: int = 0
        a_: Annotated[int, PrimaryKey()]
        b__c: int = 0

        class Settings:
            keyspace = "ks"

    s = Under.__coodie_schema__
    assert _key(parse_condition(s, "a___lt", 1)) == ("a_", Op.LT, 1)
    assert _key(parse_condition(s, "a_", 1)) == ("a_", Op.EQ, 1)
    assert _key(parse_condition(s, "b__c__gte", 2)) == ("b__c", Op.GE, 2)
    assert _key(parse_condition(s, "b__c", 2)) == ("b__c", Op.EQ, 2)


def test_a_column_named_like_a_class_attribute_is_reached_by_name() -> None:
    class Odd(Document):
        id: Annotated[int, PrimaryKey()]
        mro: int = 0

        class Settings:
            keyspace = "ks"

    assert Odd.find(mro=3).allow_filtering().to_cql()[0].endswith("WHERE mro = ? ALLOW FILTERING")
    assert col(Odd, "mro").name == "mro"
