"""The quick ways (flows.Quick): a get, find_one or save of a call shape already made the
general way takes a few steps of its own. Each test repeats a call until its shape has
a Quick (asserted, so that the test cannot pass on the general way alone), then checks
what a user sees against what the general way did."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest
from pydantic import ValidationError

from coodie import flows
from coodie.exceptions import DocumentNotFound, MultipleDocumentsFound
from coodie.fields import ClusteringKey, Discriminator, PrimaryKey
from coodie.registry import find_driver
from tests.integration.named import close_named, open_named


def _quick(model: Any, *, required: bool = True, **lookups: Any) -> flows.Started | None:
    """The call `model.get(**lookups)` (`find_one`: not `required`) started the quick way,
    or None: it would take the general way (nothing is sent)."""
    driver = find_driver(model._driver_name())
    how = flows.quick_get if required else flows.quick_find_one
    return how(model, driver, (), lookups)


def _quick_save(doc: Any) -> flows.Started | None:
    return flows.quick_save(doc, find_driver(type(doc)._driver_name()), (), {})


def _quick_delete(doc: Any) -> flows.Started | None:
    return flows.quick_delete(doc, find_driver(type(doc)._driver_name()), (), {})


def _quick_update(doc: Any, **values: Any) -> flows.Started | None:
    driver = find_driver(type(doc)._driver_name())
    return flows.quick_update(doc, driver, (), values)


def _log(module: Any, table: str, driver_name: str | None = None) -> Any:
    class Log(module.Document):  # type: ignore[name-defined,misc]
        source: Annotated[str, PrimaryKey()]
        seq: Annotated[int, ClusteringKey()]
        text: str
        n: int = 0

        class Settings:
            name = table
            if driver_name is not None:
                driver = driver_name

    return Log


def test_a_learned_get_and_find_one_answer_none_one_or_several_as_before(f: Any) -> None:
    Log = _log(f.module, "it_quick_logs")
    f(Log.sync_table())
    src = f"s-{uuid.uuid4()}"
    for _ in range(3):  # (made the general way until the shape is learned)
        assert f(Log.find_one(source=src)) is None
        with pytest.raises(DocumentNotFound, match=r"no row matches SELECT .* with \['s-"):
            f(Log.get(source=src, seq=1))
    assert _quick(Log, source=src) is not None and _quick(Log, source=src, seq=1) is not None
    assert _quick(Log, source=src, required=False) is not None
    f(Log(source=src, seq=1, text="one").save())
    got = f(Log.get(source=src, seq=1))
    assert (type(got), got.text) == (Log, "one")
    assert f(Log.get(source=src)) == got
    assert f(Log.find_one(source=src)) == got
    f(Log(source=src, seq=2, text="two").save())
    with pytest.raises(MultipleDocumentsFound, match="more than one row matches"):
        f(Log.get(source=src))
    with pytest.raises(MultipleDocumentsFound):
        f(Log.find_one(source=src))
    # a positional value, and a condition, take the general way: the same answers
    assert f(Log.get(Log.source == src, seq=2)).text == "two"


def test_a_learned_save_writes_every_field_and_leaves_a_missing_one_alone(f: Any) -> None:
    Log = _log(f.module, "it_quick_saves")
    f(Log.sync_table())
    src = f"s-{uuid.uuid4()}"
    for i in range(3):
        f(Log(source=src, seq=i, text=f"t{i}").save())
    doc = Log(source=src, seq=9, text="nine")
    assert _quick_save(doc) is not None
    f(doc.save())
    assert not doc._changed_fields()  # written: nothing left to save
    doc.text = "changed"
    assert doc._changed_fields() == {"text"}
    f(doc.save())
    assert not doc._changed_fields()
    assert f(Log.get(source=src, seq=9)).text == "changed"
    # a document made without a field leaves its column out, on the quick way's model too
    bare = Log.model_construct(source=src, seq=9)
    f(bare.save())
    assert f(Log.get(source=src, seq=9)).text == "changed"


def test_a_learned_get_of_a_root_reads_a_subclass_defined_after_it(f: Any) -> None:
    """Defining a subclass rebuilds its root's schema (the table gains its columns): a
    Quick made before reads the root's old columns, and is not used again."""

    class Shape(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        kind: Annotated[str, Discriminator()] = "shape"

        class Settings:
            name = f"it_quick_shapes_{f.name}"

    f(Shape.sync_table())
    plain = Shape(id=uuid.uuid4())
    f(plain.save())
    for _ in range(3):
        assert f(Shape.get(id=plain.id)) == plain
    assert _quick(Shape, id=plain.id) is not None

    class Circle(Shape):
        __discriminator_value__ = "circle"
        radius: float = 1.0

    f(Circle.sync_table())  # (the shared table gains radius)
    c = Circle(id=uuid.uuid4(), radius=2.5)
    f(c.save())
    for _ in range(3):
        got = f(Shape.get(id=c.id))
        assert (type(got), got.radius) == (Circle, 2.5)
    assert f(Shape.get(id=plain.id)) == plain


def test_a_learned_get_and_save_follow_their_driver_to_another_keyspace(
    f: Any, keyspace: str
) -> None:
    name = f"quick_{f.name}"
    other = f"{keyspace}_quick_{f.name}"
    open_named(f, name, keyspace)
    try:
        Log = _log(f.module, "it_quick_moving", name)
        f(Log.sync_table())
        for _ in range(3):
            f(Log(source="a", seq=1, text="first").save())
            assert f(Log.get(source="a", seq=1)).text == "first"
        assert _quick(Log, source="a", seq=1) is not None
        # the same name, another keyspace (created with the table)
        open_named(f, name, other, documents=[Log], sync=True)
        for _ in range(3):
            assert f(Log.find_one(source="a", seq=1)) is None
        for _ in range(3):
            f(Log(source="a", seq=1, text="second").save())
            assert f(Log.get(source="a", seq=1)).text == "second"
        open_named(f, name, keyspace)
        assert f(Log.get(source="a", seq=1)).text == "first"
    finally:
        close_named(f, name)


def test_a_learned_update_validates_writes_and_applies_as_before(f: Any) -> None:
    Log = _log(f.module, "it_quick_updates")
    f(Log.sync_table())
    src = f"s-{uuid.uuid4()}"
    doc = Log(source=src, seq=1, text="t")
    f(doc.save())
    for n in range(3):
        f(doc.update(n=n))
    assert _quick_update(doc, n=5) is not None
    f(doc.update(n="7"))  # (validated as the model validates: lax, "7" is 7)
    assert doc.n == 7 and f(Log.get(source=src, seq=1)).n == 7
    with pytest.raises(ValidationError):
        f(doc.update(n="seven"))
    assert doc.n == 7 and f(Log.get(source=src, seq=1)).n == 7
    # a field assigned locally stays to be written; the updated one is written
    doc.text = "local"
    f(doc.update(n=8))
    assert doc._changed_fields() == {"text"}
    got = f(Log.get(source=src, seq=1))
    assert (got.n, got.text) == (8, "t")
    # a partial document takes the general way, and writes only what it names
    [part] = f(Log.find(source=src, seq=1).only("source", "seq", "n").all())
    f(part.update(n=9))
    got = f(Log.get(source=src, seq=1))
    assert (got.n, got.text) == (9, "t")
    # an option beside the values: the general way (ttl, on the server)
    f(doc.update(n=10, ttl=3600))
    assert f(Log.get(source=src, seq=1)).n == 10
    assert _quick_update(doc, n=11, ttl=3600) is None  # (kept as "no quick way")


def test_a_learned_delete_removes_its_row_only(f: Any) -> None:
    Log = _log(f.module, "it_quick_deletes")
    f(Log.sync_table())
    src = f"s-{uuid.uuid4()}"
    docs = [Log(source=src, seq=i, text=f"t{i}") for i in range(6)]
    for d in docs:
        f(d.save())
    for d in docs[:3]:
        f(d.delete())
    assert _quick_delete(docs[3]) is not None
    f(docs[3].delete())
    assert [d.seq for d in f(Log.find(source=src).all())] == [4, 5]
    # a partial document, and an option, take the general way: the same rows go
    [part] = f(Log.find(source=src, seq=4).only("source", "seq").all())
    f(part.delete())
    f(docs[5].delete(if_exists=True))
    assert f(Log.find(source=src).all()) == []


def test_two_updates_of_a_field_in_a_batch_leave_the_document_as_the_table(f: Any) -> None:
    """The answers of two writes of one field both apply, in order: the first one's
    answer is not an assignment that would make the second one's skip the field."""
    Log = _log(f.module, "it_quick_updates_twice")
    f(Log.sync_table())
    doc = Log(source=f"s-{uuid.uuid4()}", seq=1, text="t")
    f(doc.save())
    with f.batch() as b:
        f(doc.update(n=1, batch=b))
        f(doc.update(n=2, batch=b))
    assert doc.n == 2 == f(Log.get(source=doc.source, seq=1)).n
    assert not doc._changed_fields()
