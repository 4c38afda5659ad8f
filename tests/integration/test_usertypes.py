"""User-defined types and vectors (issue 15): nested pydantic models as CQL types."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Optional

import pytest
from pydantic import BaseModel, ValidationError

from coodie.exceptions import SchemaError
from coodie.fields import Frozen, PrimaryKey, Vector
from coodie.usertype import UserType


class Geo(UserType):
    lat: float = 0.0
    lon: float = 0.0


class Address(UserType):
    street: str
    city: str = ""
    zip: int = 0
    geo: Optional[Geo] = None  # a UDT inside a UDT (frozen, as CQL requires)
    lines: list[str] = []  # a collection inside a UDT (frozen too)

    class Settings:
        name = "it_address"


class Contact(BaseModel):  # a plain nested model works the same way
    kind: str
    value: str


def _models(flavour: Any) -> Any:
    class Customer(flavour.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        home: Optional[Address] = None  # non-frozen: one field can be set alone
        billing: Annotated[Optional[Address], Frozen()] = None
        contacts: list[Contact] = []
        by_kind: dict[str, Contact] = {}
        embedding: Annotated[list[float], Vector(dimensions=3)] = [0.0, 0.0, 0.0]

        class Settings:
            name = "it_customers"

    return Customer


@pytest.fixture
def Customer(f: Any) -> Any:
    model = f.__dict__.get("_udt_model") or f.__dict__.setdefault("_udt_model", _models(f.module))
    f(model.sync_table())
    return model


def test_sync_table_creates_the_types_in_dependency_order(
    f: Any, Customer: Any, session: Any
) -> None:
    types = {
        r.type_name: dict(zip(r.field_names, r.field_types))
        for r in session.execute(
            "SELECT type_name, field_names, field_types FROM system_schema.types "
            "WHERE keyspace_name = %s",
            (session.keyspace,),
        )
    }
    assert types["geo"] == {"lat": "float", "lon": "float"}
    assert types["it_address"] == {
        "street": "text",
        "city": "text",
        "zip": "int",
        "geo": "frozen<geo>",
        "lines": "frozen<list<text>>",
    }
    assert types["contact"] == {"kind": "text", "value": "text"}
    columns = {
        r.column_name: r.type
        for r in session.execute(
            "SELECT column_name, type FROM system_schema.columns "
            "WHERE keyspace_name = %s AND table_name = 'it_customers'",
            (session.keyspace,),
        )
    }
    assert columns["home"] == "it_address"
    assert columns["billing"] == "frozen<it_address>"
    assert columns["contacts"] == "list<frozen<contact>>"
    assert columns["embedding"] == "vector<float, 3>"
    assert f(Customer.sync_table()) == []  # in step: nothing to do


def test_nested_documents_read_back_equal(f: Any, Customer: Any, session: Any) -> None:
    doc = Customer(
        id=uuid.uuid4(),
        home=Address(
            street="1 Main", city="Oslo", zip=150, geo=Geo(lat=59.5, lon=10.75), lines=["a"]
        ),
        billing=Address(street="PO Box 7"),
        contacts=[Contact(kind="mail", value="a@b.c"), Contact(kind="tel", value="1")],
        by_kind={"mail": Contact(kind="mail", value="a@b.c")},
        embedding=[0.5, -0.25, 1.0],
    )
    f(doc.save())
    got = f(Customer.get(id=doc.id))
    assert got == doc
    assert type(got.home) is Address and type(got.home.geo) is Geo
    assert type(got.contacts[0]) is Contact
    # what the server holds, read without coodie
    row = session.execute(
        "SELECT toJson(home), toJson(contacts) FROM it_customers WHERE id = %s", (doc.id,)
    ).one()
    assert row[0] == (
        '{"street": "1 Main", "city": "Oslo", "zip": 150, "geo": {"lat": 59.5, "lon": 10.75}, '
        '"lines": ["a"]}'
    )
    assert row[1] == '[{"kind": "mail", "value": "a@b.c"}, {"kind": "tel", "value": "1"}]'


def test_udt_columns_update_and_filter(f: Any, Customer: Any) -> None:
    doc = Customer(id=uuid.uuid4(), home=Address(street="old"))
    f(doc.save())
    f(Customer.find(id=doc.id).update(home=Address(street="new", zip=9)))
    assert f(Customer.get(id=doc.id)).home == Address(street="new", zip=9)
    f(doc.update(contacts=[Contact(kind="x", value="y")]))
    assert f(Customer.get(id=doc.id)).contacts == [Contact(kind="x", value="y")]
    # a value of the wrong shape never reaches the server
    with pytest.raises(ValidationError):
        f(Customer.find(id=doc.id).update(home={"zip": "not a number"}))


def test_a_vector_of_the_wrong_size_is_refused_before_the_server(f: Any, Customer: Any) -> None:
    with pytest.raises(ValidationError, match="embedding"):
        Customer(id=uuid.uuid4(), embedding=[1.0, 2.0])
    with pytest.raises(ValidationError, match="embedding"):
        f(Customer.find(id=uuid.uuid4()).update(embedding=[1.0] * 4))


def test_a_type_gains_fields_and_old_values_read_their_defaults(f: Any, session: Any) -> None:
    flavour = f.name

    def version(extra: bool) -> Any:
        class Badge(BaseModel):
            label: str
            if extra:
                colour: str = "grey"

            class Settings:
                name = f"it_badge_{flavour}"

        class Holder(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[uuid.UUID, PrimaryKey()]
            badge: Optional[Badge] = None

            class Settings:
                name = f"it_badge_holders_{flavour}"

        return Holder, Badge

    v1, b1 = version(False)
    f(v1.sync_table())
    key = uuid.uuid4()
    f(v1(id=key, badge=b1(label="x")).save())
    v2, b2 = version(True)
    ran = f(v2.sync_table())
    assert any(c.startswith("ALTER TYPE") and "colour" in c for c in ran)
    got = f(v2.get(id=key))
    assert got.badge == b2(label="x", colour="grey")


def test_a_field_whose_type_changed_is_a_schema_error(f: Any) -> None:
    class Tag(BaseModel):
        label: str

        class Settings:
            name = "it_tag_changed"

    class Tag2(BaseModel):
        label: int

        class Settings:
            name = "it_tag_changed"

    class A(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        tag: Optional[Tag] = None

        class Settings:
            name = "it_tag_a"

    class B(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        tag: Optional[Tag2] = None

        class Settings:
            name = "it_tag_b"

    f(A.sync_table())
    with pytest.raises(SchemaError, match=r"Tag2.label: the type it_tag_changed has text"):
        f(B.sync_table())


def test_bad_nested_models_fail_at_class_definition(f: Any) -> None:
    class Loop(BaseModel):
        name: str
        next: Optional[Loop] = None

    with pytest.raises(SchemaError, match="contains itself"):

        class Bad(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[uuid.UUID, PrimaryKey()]
            loop: Optional[Loop] = None

    with pytest.raises(SchemaError, match="non-frozen"):

        class BadKey(f.module.Document):  # type: ignore[name-defined,misc]
            home: Annotated[Address, PrimaryKey()]


def test_one_field_of_a_non_frozen_udt_is_set_alone(f: Any, Customer: Any, session: Any) -> None:
    """`home__city="Bergen"` is `SET home.city = ?`: the other fields stay as stored."""
    doc = Customer(id=uuid.uuid4(), home=Address(street="1 Main", city="Oslo", zip=150))
    f(doc.save())
    f(doc.update(home__city="Bergen"))
    assert doc.home == Address(street="1 Main", city="Bergen", zip=150)
    got = f(Customer.get(id=doc.id))
    assert got.home == Address(street="1 Main", city="Bergen", zip=150)
    f(Customer.find(id=doc.id).update(home__zip=5003))
    row = session.execute(
        "SELECT home.zip, home.city FROM it_customers WHERE id = %s", (doc.id,)
    ).one()
    assert tuple(row) == (5003, "Bergen")
    # a null UDT gains the one field; the others read back as their defaults or null
    bare = Customer(id=uuid.uuid4())
    f(bare.save())
    f(bare.update(home__city="Tromsø"))
    assert f(Customer.get(id=bare.id)).home == bare.home
    assert bare.home is not None and bare.home.city == "Tromsø"
    # a frozen UDT is written whole; a field of the wrong type never reaches the server
    from coodie.exceptions import InvalidQueryError

    with pytest.raises(InvalidQueryError, match="billing"):
        f(doc.update(billing__city="x"))
    with pytest.raises(InvalidQueryError, match=r"home\.zip: 'x' \(str\) does not fit"):
        f(doc.update(home__zip="x"))
    with pytest.raises(InvalidQueryError, match="home__nope"):
        f(doc.update(home__nope=1))


def test_filters_on_udt_columns_follow_the_server(f: Any, Customer: Any, session: Any) -> None:
    """A frozen UDT compares as a whole value (with ALLOW FILTERING); a non-frozen one
    cannot be restricted at all: coodie says so first, and the server agrees."""
    from cassandra.protocol import InvalidRequest

    from coodie.exceptions import InvalidQueryError

    box = f"PO Box {uuid.uuid4()}"
    doc = Customer(id=uuid.uuid4(), billing=Address(street=box, zip=7))
    f(doc.save())
    found = f(Customer.find(billing=Address(street=box, zip=7)).allow_filtering().all())
    assert [d.id for d in found] == [doc.id]
    with pytest.raises(InvalidQueryError, match="non-frozen user-defined type"):
        f(Customer.find(home=Address(street="x")).allow_filtering().all())
    with pytest.raises(InvalidRequest, match="cannot be restricted by any relation"):
        session.execute("SELECT id FROM it_customers WHERE home = {street: 'x'} ALLOW FILTERING")


def test_collection_operations_and_contains_take_udt_elements(f: Any, Customer: Any) -> None:
    """Elements bound alone (append, setindex, put, CONTAINS) get their type's conversion,
    as whole collections do."""
    doc = Customer(id=uuid.uuid4(), contacts=[Contact(kind="a", value="1")])
    f(doc.save())
    f(doc.update(append__contacts=[Contact(kind="b", value="2")]))
    f(doc.update(contacts__setindex=(0, Contact(kind="z", value="0"))))
    f(doc.update(put__by_kind={"k": Contact(kind="k", value="9")}))
    got = f(Customer.get(id=doc.id))
    assert got.contacts == [Contact(kind="z", value="0"), Contact(kind="b", value="2")]
    assert got.by_kind == {"k": Contact(kind="k", value="9")}
    assert got == doc
    found = f(
        Customer.find(Customer.contacts.contains(Contact(kind="b", value="2")), id=doc.id)
        .allow_filtering()
        .all()
    )
    assert [d.id for d in found] == [doc.id]


def test_a_udt_field_is_a_typed_column_for_updates_and_if_conditions(
    f: Any, Customer: Any, session: Any
) -> None:
    """`Customer.home.city` is a column expression: `set(v)` is `SET home.city = ?` for
    update(), its comparisons are IF conditions, and a WHERE on it is refused first."""

    from coodie.exceptions import InvalidQueryError
    from coodie.expr.columns import FieldColumn, col

    city = Customer.home.city
    assert isinstance(city, FieldColumn) and city.name == "home.city"
    assert col(Customer, "home.zip").name == "home.zip"
    doc = Customer(id=uuid.uuid4(), home=Address(street="1 Main", city="Oslo", zip=150))
    f(doc.save())
    f(doc.update(**Customer.home.city.set("Bergen")))
    assert f(Customer.get(id=doc.id)).home == Address(street="1 Main", city="Bergen", zip=150)
    # IF home.city = ?: written only while the field holds the value
    result = f(doc.update(if_conditions=[Customer.home.city == "Oslo"], **city.set("Molde")))
    assert not result.applied
    result = f(doc.update(if_conditions=[Customer.home.city == "Bergen"], **city.set("Molde")))
    assert result.applied
    result = f(Customer.find(id=doc.id).update(if_conditions={"home__zip__ne": 150}, home__zip=1))
    assert not result.applied
    assert f(Customer.get(id=doc.id)).home == Address(street="1 Main", city="Molde", zip=150)
    # a frozen UDT's field: in IF conditions yes, set alone no
    f(doc.update(billing=Address(street="PO", city="Oslo")))
    result = f(doc.update(if_conditions=[Customer.billing.city == "Oslo"], home__zip=2))
    assert result.applied
    with pytest.raises(InvalidQueryError, match="billing"):
        f(doc.update(**Customer.billing.city.set("x")))
    # CQL has no WHERE relation on a field: coodie says so (both spellings), as the server does
    for query in (Customer.find(Customer.home.city == "Molde"), Customer.find(home__city="x")):
        with pytest.raises(InvalidQueryError, match=r"home\.city =: CQL cannot restrict one field"):
            f(query.allow_filtering().all())
    # fields exist on UDT columns only, one level deep
    with pytest.raises(AttributeError, match="has no field 'town'"):
        Customer.home.town  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'kind'"):
        Customer.contacts.kind  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'lat'"):
        Customer.home.geo.lat  # noqa: B018


def test_the_server_has_no_where_relation_on_a_udt_field(Customer: Any, session: Any) -> None:
    """What coodie's refusal above stands for: the server's parser has no such relation."""
    from cassandra.protocol import SyntaxException

    with pytest.raises(SyntaxException):
        session.execute("SELECT id FROM it_customers WHERE home.city = 'x' ALLOW FILTERING")
