"""Document classes -> TableSchema, and the model errors caught at class definition."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import pytest

from coodie.exceptions import SchemaError
from coodie.fields import ClusteringKey, Counter, Frozen, Indexed, PrimaryKey, Static
from coodie.schema import ColumnKind, quote
from coodie.sync import CounterDocument, Document
from tests.unit.models import Event, PageViews, Product


def test_schema_of_a_model() -> None:
    s = Product.__coodie_schema__
    assert (s.name, s.keyspace) == ("products", "shop")
    assert [c.name for c in s.partition_key] == ["id"]
    assert [c.name for c in s.clustering_key] == ["category"]
    assert s.by_name["brand"].index is not None
    assert s.by_name["brand"].index.name == "products_brand_idx"
    assert s.by_name["tags"].cql_type.cql == "set<text>"


def test_composite_keys_follow_their_indexes_not_declaration_order() -> None:
    s = Event.__coodie_schema__
    assert s.name == "event"  # snake_case of the class name when Settings.name is absent
    assert [c.name for c in s.partition_key] == ["tenant", "region"]
    assert [(c.name, c.order) for c in s.clustering_key] == [("day", "ASC"), ("seq", "DESC")]
    assert s.by_name["owner"].kind is ColumnKind.STATIC


def test_counter_schema() -> None:
    s = PageViews.__coodie_schema__
    assert s.is_counter
    assert s.by_name["views"].cql_type.cql == "counter"


def test_table_name_defaults_to_snake_case() -> None:
    class HTTPRequestLog(Document):
        id: Annotated[int, PrimaryKey()]

    assert HTTPRequestLog.__coodie_schema__.name == "http_request_log"


def test_subclass_gets_its_own_table_and_columns() -> None:
    class SpecialProduct(Product):
        extra: int = 0

    s = SpecialProduct.__coodie_schema__
    assert s.name == "special_product"
    assert s.keyspace == "shop"  # inherited Settings.keyspace
    assert "extra" in s.by_name and "extra" not in Product.__coodie_schema__.by_name
    assert SpecialProduct.extra.name == "extra"
    assert SpecialProduct(id=UUID(int=1), category="c", name="n").extra == 0


def test_abstract_base_classes_have_no_table() -> None:
    class Base(Document):
        created: int = 0

        class Settings:
            abstract = True

    class Concrete(Base):
        id: Annotated[int, PrimaryKey()]

    assert "__coodie_schema__" not in Base.__dict__
    assert [c.name for c in Concrete.__coodie_schema__.columns] == ["created", "id"]


def _define(fields: dict[str, object], base: type = Document) -> type:
    ns: dict[str, object] = {"__annotations__": fields, "__module__": __name__}
    return type(base)("Bad", (base,), ns)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": str}, "Bad: no partition key"),
        (
            {"a": Annotated[int, PrimaryKey()], "b": Annotated[int, PrimaryKey()]},
            "Bad.b: partition_key_index=0 is also used by 'a'",
        ),
        (
            {
                "a": Annotated[int, PrimaryKey()],
                "b": Annotated[int, PrimaryKey(partition_key_index=2)],
            },
            "partition_key_index values must be 0..1 without gaps",
        ),
        (
            {
                "a": Annotated[int, PrimaryKey()],
                "c": Annotated[int, ClusteringKey()],
                "d": Annotated[int, ClusteringKey()],
            },
            "Bad.d: clustering_key_index=0 is also used by 'c'",
        ),
        (
            {"a": Annotated[int, PrimaryKey(), ClusteringKey()]},
            "Bad.a: a column is either a PrimaryKey or a ClusteringKey",
        ),
        (
            {"a": Annotated[list[int], PrimaryKey()]},
            "Bad.a: a primary key column cannot be a non-frozen collection",
        ),
        (
            {"a": Annotated[int, PrimaryKey()], "s": Annotated[int, Static()]},
            "static column\\(s\\) s need a clustering key",
        ),
        (
            {"a": Annotated[int, PrimaryKey(), Indexed()]},
            "Bad.a: cannot index the only partition key column",
        ),
        (
            {"a": Annotated[int, PrimaryKey()], "c": Annotated[int, Counter()]},
            "Bad.c: Counter\\(\\) columns belong in a CounterDocument",
        ),
        (
            {"a": Annotated[int, PrimaryKey()], "Bad-Name": int},
            "not a valid CQL identifier",
        ),
    ],
)
def test_bad_models_fail_at_class_definition(fields: dict[str, object], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        _define(fields)


def test_frozen_collection_can_be_a_key() -> None:
    cls = _define({"a": Annotated[list[int], PrimaryKey(), Frozen()]})
    assert cls.__coodie_schema__.by_name["a"].cql_type.cql == "frozen<list<int>>"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"a": Annotated[str, PrimaryKey()], "n": int},
            "Bad.n: every non-key column of a CounterDocument must be a Counter",
        ),
        (
            {"a": Annotated[str, PrimaryKey()], "c": Annotated[int, Counter(), Indexed()]},
            "Bad.c: a counter column cannot have a secondary index",
        ),
        (
            {"a": Annotated[str, PrimaryKey()], "c": Annotated[str, Counter()]},
            "Bad.c: a Counter\\(\\) column must be annotated int",
        ),
        ({"a": Annotated[str, PrimaryKey()]}, "needs at least one Counter"),
    ],
)
def test_bad_counter_models(fields: dict[str, object], message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        _define(fields, CounterDocument)


def test_unknown_table_option_is_rejected() -> None:
    with pytest.raises(SchemaError, match="unknown table option 'colour'"):

        class Opt(Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                options = {"colour": "red"}


def test_identifiers_are_quoted_only_where_cql_needs_it() -> None:
    assert quote("price") == "price"
    assert quote("userName") == '"userName"'
    assert quote("order") == '"order"'
    assert quote("token") == '"token"'


def test_instances_keep_plain_values_while_the_class_answers_columns() -> None:
    p = Product(id=UUID(int=1), category="c", name="n", price=2.5)
    assert p.price == 2.5
    assert Product.price.name == "price"
    with pytest.raises(AttributeError):
        _ = Product.pricee  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            Indexed(using="bogus"),  # type: ignore[arg-type]
            r"Bad\.e: Indexed\(using='bogus'\) is not a choice: use one of 'sai', 'sasi', None",
        ),
        (
            Indexed(using="sasi", sasi_mode="prefix"),  # type: ignore[arg-type]
            r"Bad\.e: Indexed\(sasi_mode='prefix'\) is not a choice: "
            r"use one of 'PREFIX', 'CONTAINS', 'SPARSE', None",
        ),
    ],
)
def test_an_index_option_outside_its_literal_is_refused(marker: Indexed, message: str) -> None:
    """Indexed(using="bogus") once created a default index without a word."""
    with pytest.raises(SchemaError, match=message):
        _define({"a": Annotated[int, PrimaryKey()], "e": Annotated[str, marker]})


def test_the_index_choices_are_accepted() -> None:
    cls = _define(
        {
            "a": Annotated[int, PrimaryKey()],
            "b": Annotated[str, Indexed(using="sai")],
            "c": Annotated[str, Indexed(using="sasi", sasi_mode="CONTAINS")],
            "d": Annotated[str, Indexed()],
        }
    )
    by_name = cls.__coodie_schema__.by_name
    assert [by_name[n].index.using for n in "bcd"] == ["sai", "sasi", None]
