"""What a user writes is what is stored and read back (issue 12, items 2-5).

Each test runs once per API flavour (sync, aio) and, in `make test`, once per driver.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any, Literal, Optional
from uuid import UUID, uuid4

import pytest
from pydantic import AwareDatetime, ConfigDict, Field, ValidationError, field_validator

from coodie.exceptions import InvalidQueryError
from coodie.fields import Indexed, PrimaryKey


class Status(str, enum.Enum):
    active = "active"
    banned = "banned"


class Shape(enum.Enum):
    round = 1
    square = 2


def _models(flavour: Any) -> Any:
    class Item(flavour.Document):  # type: ignore[name-defined,misc]
        id: Annotated[UUID, PrimaryKey()]
        qty: int = 0
        name: Annotated[str, Indexed()] = ""
        price: float = Field(default=0.0, ge=0)
        code: str = ""
        status: Annotated[Status, Indexed()] = Status.active
        shape: Shape = Shape.round
        size: Literal["S", "M", "L"] = "M"
        seen: Optional[AwareDatetime] = None
        tags: set[str] = set()

        @field_validator("code")
        @classmethod
        def upper_code(cls, v: str) -> str:
            if v != v.upper():
                raise ValueError("codes are upper case")
            return v

        class Settings:
            name = "it_values_items"

    class StrictItem(flavour.Document):  # type: ignore[name-defined,misc]
        model_config = ConfigDict(strict=True)
        id: Annotated[UUID, PrimaryKey()]
        qty: int = 0

        class Settings:
            name = "it_values_strict"

    return Item, StrictItem


@pytest.fixture
def m(f: Any) -> Any:
    cache = f.__dict__.get("_values_models") or f.__dict__.setdefault(
        "_values_models", _models(f.module)
    )
    for model in cache:
        f(model.sync_table())
    return cache


def _stored(f: Any, Item: Any, key: UUID) -> Any:
    return f(Item.get(id=key))


@pytest.mark.parametrize(
    ("column", "value"),
    [("qty", 1.9), ("qty", "7"), ("name", 123), ("status", "nope"), ("size", "XL"), ("id", "x")],
)
def test_filters_with_values_that_do_not_fit_the_column_are_refused(
    f: Any, m: Any, column: str, value: Any
) -> None:
    """Item 2: `find(qty=1.5)` matched rows with qty=1 on acsylla; a str for a uuid key
    raised a raw driver error. Now the same InvalidQueryError on both drivers, naming the
    column, before anything is sent."""
    Item, _ = m
    with pytest.raises(InvalidQueryError, match=rf"it_values_items\.{column}: .* does not fit"):
        f(Item.find(**{column: value}).allow_filtering().all())


def test_wrongly_typed_write_values_never_reach_the_table(f: Any, m: Any) -> None:
    """Items 2 and 3: QuerySet.update() validates like Document.update(); what pydantic
    would not accept is refused, and a collection operation's elements are checked."""
    Item, _ = m
    key = uuid4()
    f(Item(id=key, qty=3, name="a").save())
    for bad in ({"qty": 1.9}, {"name": 123}, {"price": -1}, {"code": "lower"}, {"size": "XL"}):
        with pytest.raises(ValidationError):
            f(Item.find(id=key).update(**bad))
    with pytest.raises(InvalidQueryError, match=r"it_values_items\.tags: .* does not fit"):
        f(Item.find(id=key).update(add__tags={1, 2}))
    got = _stored(f, Item, key)
    assert (got.qty, got.name, got.price, got.code, got.size, got.tags) == (
        3,
        "a",
        0.0,
        "",
        "M",
        set(),
    )


def test_queryset_update_stores_what_the_model_validates(f: Any, m: Any) -> None:
    """Item 3: the values written are the validated ones (coerced as the model coerces)."""
    Item, StrictItem = m
    key = uuid4()
    f(Item(id=key).save())
    f(Item.find(id=key).update(qty="7", code="OK", status="banned", shape=2))
    got = _stored(f, Item, key)
    assert (got.qty, got.code, got.status, got.shape) == (7, "OK", Status.banned, Shape.square)
    assert got.status is Status.banned and got.shape is Shape.square
    # a strict model coerces nothing
    f(StrictItem(id=key, qty=1).save())
    with pytest.raises(ValidationError):
        f(StrictItem.find(id=key).update(qty="7"))
    assert f(StrictItem.get(id=key)).qty == 1


def test_enums_literals_and_aware_datetimes_read_back_as_saved(f: Any, m: Any) -> None:
    """Item 4: enum fields read back as members, AwareDatetime aware in UTC."""
    Item, _ = m
    seen = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    doc = Item(id=uuid4(), status=Status.banned, shape=Shape.square, size="L", seen=seen)
    f(doc.save())
    got = _stored(f, Item, doc.id)
    assert got == doc
    assert got.status is Status.banned and got.shape is Shape.square and got.size == "L"
    assert got.seen == seen and got.seen.tzinfo == dt.timezone.utc
    assert got.seen.hour == 10
    # enum members and their values both filter; the dump has no serializer warning
    assert [d.id for d in f(Item.find(status=Status.banned, id=doc.id).all())] == [doc.id]
    assert [d.id for d in f(Item.find(status="banned", id=doc.id).all())] == [doc.id]
    with _no_warnings():
        assert got.model_dump(mode="json")["status"] == "banned"


class _no_warnings:
    def __enter__(self) -> None:
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)
