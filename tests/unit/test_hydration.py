"""Documents hydrated from rows behave as pydantic models built any other way."""

from __future__ import annotations

import copy
import pickle
from typing import Annotated, Any
from uuid import UUID, uuid4

import pytest
from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from coodie import tracking
from coodie.fields import PrimaryKey
from coodie.sync import Document
from tests.unit.models import Product

ROW = (UUID(int=7), "c", "n", "b", 1.5, {"a"}, [1, 2], {"k": "v"}, None)


def hydrated(model: type[Any], row: tuple[Any, ...]) -> Any:
    docs = model._from_rows(tuple(model.model_fields), [row])
    assert len(docs) == 1
    return docs[0]


def test_a_hydrated_document_equals_the_validated_one() -> None:
    doc = hydrated(Product, ROW)
    built = Product(**dict(zip(Product.model_fields, ROW)))
    assert doc == built
    assert doc.model_dump() == built.model_dump()
    assert doc.model_fields_set == set(Product.model_fields)  # a row sets every field
    assert doc.model_dump(exclude_unset=True) == built.model_dump()
    assert doc.model_extra is None
    assert repr(doc) == repr(built)


def test_assigning_copying_and_pickling_a_hydrated_document() -> None:
    doc = hydrated(Product, ROW)
    doc.price = 2.5
    assert doc.price == 2.5 and "price" in doc.model_fields_set
    twin = doc.model_copy(update={"name": "z"})
    assert twin.name == "z" and doc.name == "n"
    assert copy.deepcopy(doc) == doc
    assert pickle.loads(pickle.dumps(doc)) == doc
    # a model built by pydantic keeps only the fields it was given
    assert Product(id=uuid4(), category="c", name="n").model_fields_set == {
        "id",
        "category",
        "name",
    }


class WithPrivate(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""
    _seen: list[str] = PrivateAttr(default_factory=list)
    _flag: bool = PrivateAttr(default=True)

    class Settings:
        keyspace = "shop"


class AllowsExtra(Document):
    model_config = ConfigDict(extra="allow")
    id: Annotated[int, PrimaryKey()]

    class Settings:
        keyspace = "shop"


def test_private_attributes_start_at_their_defaults_per_document() -> None:
    a, b = WithPrivate._from_rows(("id", "name"), [(1, "a"), (2, "b")])
    assert a._flag is True and a._seen == [] and a._seen is not b._seen
    a._seen.append("x")
    assert b._seen == [] and a._seen == ["x"]
    built = WithPrivate(id=1, name="a")
    assert built._seen == [] and built._flag is True
    assert hydrated(WithPrivate, (1, "a")) == built


class Derived(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""
    _upper: str = PrivateAttr(default="")

    class Settings:
        keyspace = "shop"

    def model_post_init(self, context: Any, /) -> None:
        self._upper = self.name.upper()


def test_model_post_init_runs_for_hydrated_documents_as_for_model_construct() -> None:
    assert hydrated(Derived, (1, "ab"))._upper == "AB"
    assert Derived.model_construct(id=1, name="ab")._upper == "AB"
    assert Derived(id=1, name="ab")._upper == "AB"


def test_a_model_that_allows_extra_fields_gets_an_empty_extra() -> None:
    doc = hydrated(AllowsExtra, (3,))
    assert doc.model_extra == {}
    doc.anything = 1
    assert doc.model_extra == {"anything": 1}
    assert doc.model_dump() == {"id": 3, "anything": 1}


class Guarded(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""
    _limit: int = PrivateAttr(default=3)

    class Settings:
        keyspace = "shop"

    @model_validator(mode="after")
    def short_name(self) -> Guarded:
        if len(self.name) > self._limit:
            raise ValueError(f"name longer than {self._limit}")
        return self


def test_update_validation_of_a_hydrated_document_sees_its_private_attributes() -> None:
    doc = hydrated(Guarded, (1, "ab"))
    assert doc._validated_changes({"name": "abc"}) == {"name": "abc"}
    assert doc.name == "ab"  # validated on a copy: the document changes once written
    with pytest.raises(ValidationError, match="name longer than 3"):
        doc._validated_changes({"name": "abcd"})
    doc._limit = 5
    assert doc._validated_changes({"name": "abcd"}) == {"name": "abcd"}


def _written(doc: Any) -> list[str]:
    return [name for name, _ in doc._insert_statement().values]


def test_a_partial_document_writes_what_it_read_and_what_was_set_since() -> None:
    [doc] = Product._from_rows(("id", "category", "name"), [(UUID(int=1), "c", "n")])
    assert _written(doc) == ["id", "category", "name"]
    doc.price = 9.5  # given a value: written too
    assert _written(doc) == ["id", "category", "name", "price"]


def test_copies_and_pickles_of_a_partial_document_stay_partial() -> None:
    [doc] = Product._from_rows(("id", "category", "name"), [(UUID(int=2), "c", "n")])
    for twin in (
        doc.model_copy(),
        copy.copy(doc),
        copy.deepcopy(doc),
        pickle.loads(pickle.dumps(doc)),
    ):
        assert twin == doc
        # a whole document would write the defaults of brand, price, tags... over the row
        assert _written(twin) == ["id", "category", "name"]
    changed = doc.model_copy(update={"brand": "b"})
    assert _written(changed) == ["id", "category", "name", "brand"]
    whole = hydrated(Product, ROW)
    assert pickle.loads(pickle.dumps(whole))._loaded() is None


def test_copies_and_pickles_keep_the_fields_still_to_be_written() -> None:
    doc = hydrated(Product, ROW)
    doc.price = 2.5
    for twin in (
        doc.model_copy(),
        copy.copy(doc),
        copy.deepcopy(doc),
        pickle.loads(pickle.dumps(doc)),
    ):
        assert twin._changed_fields() == {"price"}
        assert twin.price == 2.5
    assert doc.model_copy(update={"name": "z"})._changed_fields() == {"price", "name"}
    assert hydrated(Product, ROW).model_copy()._changed_fields() == set()
    assert pickle.loads(pickle.dumps(hydrated(Product, ROW)))._changed_fields() == set()


def test_a_copy_updated_on_a_frozen_field_has_it_to_write_by_save_only() -> None:
    class Frozen(Document):
        model_config = ConfigDict(frozen=True)
        id: Annotated[int, PrimaryKey()]
        name: str = ""

        class Settings:
            keyspace = "shop"

    class Pinned(Document):
        id: Annotated[int, PrimaryKey()]
        code: str = Field(default="", frozen=True)
        name: str = ""

        class Settings:
            keyspace = "shop"

    # (save_changes() could not write them: a frozen field takes no update)
    assert Frozen(id=1).model_copy(update={"name": "b"})._changed_fields() == set()
    twin = Pinned(id=1).model_copy(update={"code": "c", "name": "n"})
    assert twin._changed_fields() == {"name"}


def test_an_assignment_after_a_write_counts_though_an_older_stamp_is_stored_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two threads: A takes its stamp, a write is made, B assigns, and A's store lands
    last. B's field was assigned after the write: it keeps its value, still to write."""
    doc = hydrated(Product, ROW)
    early = tracking.stamp()  # (thread A's tick, stored below, after B's)
    before = tracking.stamp()  # (the write is made)
    doc.name = "b"  # (thread B)
    with monkeypatch.context() as m:
        m.setattr(tracking, "stamp", lambda: early)
        doc.category = "z"  # (thread A's assignment, its tick stored last)
    assert tracking.applied_unless_assigned(doc, before, ["name", "price"]) == ["price"]
    assert "name" in doc._changed_fields()
    tracking.written_unless_assigned(doc, before)
    assert "name" in doc._changed_fields()
