"""`Json()` columns and the `CqlType(...)` escape hatch (issue 15, item 4)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Optional

import pytest
from pydantic import BaseModel

from coodie.fields import CqlType, Json, PrimaryKey


class Prefs(BaseModel):
    theme: str = "dark"
    sizes: list[int] = []


class Slug:
    """A value type of the application's own, stored as ascii text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Slug) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _model(flavour: Any) -> Any:
    class Profile(flavour.Document):  # type: ignore[name-defined,misc]
        model_config = {"arbitrary_types_allowed": True}
        id: Annotated[uuid.UUID, PrimaryKey()]
        prefs: Annotated[Prefs, Json()] = Prefs()
        extra: Annotated[dict[str, Any], Json()] = {}
        slug: Annotated[Optional[Slug], CqlType("ascii", to_db=lambda s: s.text, from_db=Slug)] = (
            None
        )

        class Settings:
            name = "it_profiles"

    return Profile


@pytest.fixture
def Profile(f: Any) -> Any:
    model = f.__dict__.get("_json_model") or f.__dict__.setdefault("_json_model", _model(f.module))
    f(model.sync_table())
    return model


def test_json_and_custom_columns_round_trip(f: Any, Profile: Any, session: Any) -> None:
    doc = Profile(
        id=uuid.uuid4(),
        prefs=Prefs(theme="light", sizes=[1, 2]),
        extra={"a": [1, {"b": None}], "n": 1.5},
        slug=Slug("hello-world"),
    )
    f(doc.save())
    got = f(Profile.get(id=doc.id))
    assert got == doc
    assert type(got.prefs) is Prefs and type(got.slug) is Slug
    row = session.execute(
        "SELECT prefs, extra, slug FROM it_profiles WHERE id = %s", (doc.id,)
    ).one()
    assert row.prefs == '{"theme":"light","sizes":[1,2]}'
    assert row.extra == '{"a":[1,{"b":null}],"n":1.5}'
    assert row.slug == "hello-world"
    types = {
        r.column_name: r.type
        for r in session.execute(
            "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = %s "
            "AND table_name = 'it_profiles'",
            (session.keyspace,),
        )
    }
    assert (types["prefs"], types["extra"], types["slug"]) == ("text", "text", "ascii")
    # a JSON column filters by its JSON text, and updates through the model's validation
    f(Profile.find(id=doc.id).update(prefs={"theme": "blue"}))
    assert f(Profile.get(id=doc.id)).prefs == Prefs(theme="blue")
