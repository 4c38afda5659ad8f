"""coodie's uses of pydantic internals (coodie/_pydantic.py), held to the pydantic range
pyproject.toml declares. A pydantic release that moves one of them fails here, by name,
before a user's model misbehaves."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import pydantic
import pytest
import tomllib
from pydantic import BaseModel, ValidationError, field_validator, model_validator

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
