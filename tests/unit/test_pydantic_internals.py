"""coodie's uses of pydantic internals (coodie/_pydantic.py), held to the pydantic range
pyproject.toml declares. A pydantic release that moves one of them fails here, by name,
before a user's model misbehaves."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import pydantic
import pytest
import tomllib
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from coodie import _pydantic
from coodie.fields import PrimaryKey
from coodie.sync import Document

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _declared_range() -> tuple[tuple[int, ...], tuple[int, ...]]:
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (spec,) = [d for d in deps if re.match(r"pydantic\b", d)]
    low = re.search(r">=\s*([\d.]+)", spec)
    high = re.search(r"<\s*([\d.]+)", spec)
    assert low and high, f"pyproject.toml: pydantic needs a lower and an upper bound: {spec!r}"
    return tuple(map(int, low[1].split("."))), tuple(map(int, high[1].split(".")))


def test_the_installed_pydantic_is_in_the_declared_range() -> None:
    low, high = _declared_range()
    installed = tuple(int(p) for p in re.findall(r"\d+", version("pydantic"))[:3])
    assert low <= installed < high, f"pydantic {version('pydantic')} outside {low}..{high}"


def test_basemodel_keeps_the_four_slots_coodie_sets() -> None:
    assert set(_pydantic.SLOTS) == {
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    }
    assert set(BaseModel.__slots__) >= set(_pydantic.SLOTS) - {"__dict__"}


def test_the_metaclass_is_pydantics() -> None:
    assert type(BaseModel) is _pydantic.ModelMetaclass
    assert _pydantic.NoInitField is pydantic._internal._model_construction.NoInitField


def test_a_class_in_a_function_resolves_names_of_that_function() -> None:
    def make() -> Any:
        Alias = Annotated[int, "local"]

        class Local(Document):
            id: Annotated[int, PrimaryKey()]
            n: Alias  # type: ignore[valid-type]

        return Local

    model = make()
    assert model(id=1, n=2).n == 2
    with pytest.raises(ValidationError):
        model(id=1, n="two")


def test_a_hydrated_document_fills_pydantics_slots_on_first_use() -> None:
    class Slotted(Document):
        id: Annotated[int, PrimaryKey()]
        name: str = ""

    doc = object.__new__(Slotted)
    _pydantic.SET_DICT(doc, {"id": 1, "name": "a"})
    assert doc.model_fields_set == {"id", "name"}
    assert doc.model_dump() == {"id": 1, "name": "a"}
    assert doc.model_copy(update={"name": "b"}).name == "b"


def test_values_model_runs_field_validators_but_not_model_validators() -> None:
    class Checked(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def upper(cls, v: str) -> str:
            return v.upper()

        @model_validator(mode="after")
        def never(self) -> Checked:
            raise ValueError("model validators do not run on single values")

    values = _pydantic.values_model(Checked)
    probe = values.model_construct()
    values.__pydantic_validator__.validate_assignment(probe, "name", "ab")
    assert probe.name == "AB"


def test_a_shallow_probe_validates_without_touching_the_document() -> None:
    class Probed(Document):
        id: Annotated[int, PrimaryKey()]
        n: int = 0

    doc = Probed(id=1, n=1)
    probe = _pydantic.shallow_probe(doc)
    type(doc).__pydantic_validator__.validate_assignment(probe, "n", "5")
    assert (probe.n, doc.n) == (5, 1)


# ------------------------------------------------ plain fields: update() without a copy


class PlainDoc(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""
    note: str | None = None
    price: float = 0.0
    qty: int = 0
    flag: bool = False
    ref: UUID | None = None
    limited: Annotated[int, Field(gt=0)] = 1
    shouted: str = ""
    fixed: str = Field(default="", frozen=True)
    tags: list[str] = []

    @field_validator("shouted")
    @classmethod
    def upper(cls, v: str) -> str:
        return v.upper()


def test_plain_fields_are_those_pydantic_takes_values_of_as_they_are() -> None:
    assert _pydantic.plain_fields(PlainDoc) == {
        "id": (int,),
        "name": (str,),
        "note": (str, type(None)),
        "price": (float,),
        "qty": (int,),
        "flag": (bool,),
        "ref": (UUID, type(None)),
    }


def test_a_model_validator_or_a_config_that_changes_values_leaves_no_plain_field() -> None:
    class Stripped(Document):
        model_config = ConfigDict(str_strip_whitespace=True)
        id: Annotated[int, PrimaryKey()]
        name: str = ""

    class Whole(Document):
        id: Annotated[int, PrimaryKey()]
        low: int = 0
        high: int = 1

        @model_validator(mode="after")
        def ordered(self) -> Whole:
            if self.low > self.high:
                raise ValueError("low > high")
            return self

    class NoNaN(Document):
        model_config = ConfigDict(allow_inf_nan=False)
        id: Annotated[int, PrimaryKey()]
        price: float = 0.0

    for model in (Stripped, Whole, NoNaN):
        assert _pydantic.plain_fields(model) == {}
    # and update()'s validation still runs what they say
    assert Stripped(id=1)._validated_changes({"name": "  a  "}) == {"name": "a"}
    with pytest.raises(ValidationError, match="low > high"):
        Whole(id=1)._validated_changes({"low": 5})
    with pytest.raises(ValidationError):
        NoNaN(id=1)._validated_changes({"price": float("nan")})


def test_update_still_validates_what_is_not_plain() -> None:
    doc = PlainDoc(id=1)
    assert doc._validated_changes({"shouted": "hi"}) == {"shouted": "HI"}
    assert doc._validated_changes({"price": 3}) == {"price": 3.0}  # an int: converted
    assert type(doc._validated_changes({"qty": True})["qty"]) is int  # a bool is no int here
    for bad in ({"limited": 0}, {"fixed": "x"}, {"qty": "many"}, {"tags": "ab"}):
        with pytest.raises(ValidationError):
            doc._validated_changes(bad)
    assert doc.model_dump() == PlainDoc(id=1).model_dump()  # the document is untouched


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.tuples(st.just("name"), st.text()),
        st.tuples(st.just("note"), st.none() | st.text()),
        st.tuples(st.just("price"), st.floats()),  # (NaN and infinities too)
        st.tuples(st.just("qty"), st.integers()),
        st.tuples(st.just("flag"), st.booleans()),
        st.tuples(st.just("ref"), st.none() | st.uuids()),
    )
)
def test_pydantic_returns_a_plain_fields_value_unchanged(change: tuple[str, Any]) -> None:
    # the claim plain_fields() makes, checked against pydantic's own validation
    name, value = change
    probe = _pydantic.shallow_probe(PlainDoc(id=1))
    PlainDoc.__pydantic_validator__.validate_assignment(probe, name, value)
    assert probe.__dict__[name] is value
    assert PlainDoc(id=1)._validated_changes({name: value})[name] is value
