"""Polymorphic documents (issue 15, item 3): subclasses share their base's table."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest

from coodie.exceptions import InvalidQueryError, SchemaError
from coodie.fields import Discriminator, PrimaryKey


def _models(flavour: Any) -> Any:
    class Pet(flavour.Document):  # type: ignore[name-defined,misc]
        owner: Annotated[str, PrimaryKey()]
        id: Annotated[uuid.UUID, PrimaryKey(partition_key_index=1)]
        kind: Annotated[str, Discriminator()] = "pet"
        name: str = ""

        class Settings:
            name = "it_pets"

    class Dog(Pet):
        __discriminator_value__ = "dog"
        barks: bool = True

    class Cat(Pet):
        __discriminator_value__ = "cat"
        lives: int = 9

    return Pet, Dog, Cat


@pytest.fixture
def m(f: Any) -> Any:
    models = f.__dict__.get("_poly_models") or f.__dict__.setdefault(
        "_poly_models", _models(f.module)
    )
    f(models[1].sync_table())  # a subclass syncs the shared table
    return models


def test_subclasses_share_the_table_and_read_back_as_themselves(
    f: Any, m: Any, session: Any
) -> None:
    Pet, Dog, Cat = m
    owner = f"o-{uuid.uuid4()}"
    rex = Dog(owner=owner, id=uuid.uuid4(), name="Rex", barks=False)
    tom = Cat(owner=owner, id=uuid.uuid4(), name="Tom", lives=7)
    blob = Pet(owner=owner, id=uuid.uuid4(), name="Blob")
    assert (rex.kind, tom.kind, blob.kind) == ("dog", "cat", "pet")
    for doc in (rex, tom, blob):
        f(doc.save())
    columns = {
        r.column_name
        for r in session.execute(
            "SELECT column_name FROM system_schema.columns WHERE keyspace_name = %s "
            "AND table_name = 'it_pets'",
            (session.keyspace,),
        )
    }
    assert columns == {"owner", "id", "kind", "name", "barks", "lives"}
    rows = {
        r.name: (r.kind, r.barks, r.lives)
        for r in session.execute(
            "SELECT name, kind, barks, lives FROM it_pets WHERE owner = %s ALLOW FILTERING",
            (owner,),
        )
    }
    assert rows == {
        "Rex": ("dog", False, None),
        "Tom": ("cat", None, 7),
        "Blob": ("pet", None, None),
    }

    got = {p.name: p for p in f(Pet.find(owner=owner).allow_filtering().all())}
    assert type(got["Rex"]) is Dog and got["Rex"] == rex
    assert type(got["Tom"]) is Cat and got["Tom"] == tom
    assert type(got["Blob"]) is Pet and got["Blob"] == blob

    assert [d.name for d in f(Dog.find(owner=owner).allow_filtering().all())] == ["Rex"]
    assert [c.name for c in f(Cat.find(owner=owner).allow_filtering().all())] == ["Tom"]
    assert f(Cat.find(owner=owner).allow_filtering().count()) == 1
    assert f(Dog.get(owner=owner, id=rex.id)) == rex
    assert f(Dog.find_one(owner=owner, id=tom.id)) is None  # Tom's key, but not a dog
    assert type(f(Pet.get(owner=owner, id=tom.id))) is Cat


def test_a_subclass_without_a_value_or_with_a_taken_one_is_refused(f: Any, m: Any) -> None:
    Pet, _, _ = m
    with pytest.raises(SchemaError, match="__discriminator_value__"):

        class Fish(Pet):
            fins: int = 2

    with pytest.raises(SchemaError, match="'dog' is Dog's already"):

        class Wolf(Pet):
            __discriminator_value__ = "dog"


def test_conditional_writes_of_a_subclass_touch_only_its_rows(f: Any, m: Any) -> None:
    """The discriminator cannot be in a write's WHERE (not a key): it becomes an IF
    condition, so a subclass's conditional write leaves another subclass's row alone."""
    Pet, Dog, Cat = m
    owner = f"o-{uuid.uuid4()}"
    rex = Dog(owner=owner, id=uuid.uuid4(), name="Rex")
    f(rex.save())
    missed = f(Cat.find(owner=owner, id=rex.id).if_exists().update(name="Tom"))
    assert not missed.applied
    assert f(Pet.get(owner=owner, id=rex.id)).name == "Rex"
    hit = f(Dog.find(owner=owner, id=rex.id).if_exists().update(name="Max"))
    assert hit.applied and f(Dog.get(owner=owner, id=rex.id)).name == "Max"
    assert not f(Cat.find(owner=owner, id=rex.id).if_exists().delete()).applied
    assert f(Dog.find(owner=owner, id=rex.id).if_exists().delete()).applied
    assert f(Pet.find_one(owner=owner, id=rex.id)) is None


def test_a_conditional_batch_may_hold_several_subclasses_of_one_partition(f: Any) -> None:
    """Subclasses share their base's table, so a batch with conditions may hold writes of
    several of them to one partition (a batch of one table and one partition, to the
    server), and is refused only when they span partitions."""
    from coodie.exceptions import InvalidQueryError
    from coodie.fields import ClusteringKey

    class Entry(f.module.Document):  # type: ignore[name-defined,misc]
        owner: Annotated[str, PrimaryKey()]
        seq: Annotated[int, ClusteringKey()]
        kind: Annotated[str, Discriminator()] = "entry"
        text: str = ""

        class Settings:
            name = "it_poly_entries"

    class Post(Entry):
        __discriminator_value__ = "post"

    class Like(Entry):
        __discriminator_value__ = "like"

    f(Entry.sync_table())
    owner = f"o-{uuid.uuid4()}"
    with f.batch() as batch:
        f(Post(owner=owner, seq=1, text="hello").insert(batch=batch))  # IF NOT EXISTS
        f(Like(owner=owner, seq=2).save(batch=batch))
    assert batch.result is not None and batch.result.applied
    got = f(Entry.find(owner=owner).all())
    assert [(type(e), e.seq, e.text) for e in got] == [(Post, 1, "hello"), (Like, 2, "")]

    with (
        pytest.raises(InvalidQueryError, match="cannot span several partitions"),
        f.batch() as batch,
    ):
        f(Post(owner=owner, seq=3).insert(batch=batch))
        f(Like(owner=f"{owner}-other", seq=1).save(batch=batch))
    assert [e.seq for e in f(Entry.find(owner=owner).all())] == [1, 2]


def test_a_subclass_looked_up_by_another_subclass_discriminator_is_refused(f: Any, m: Any) -> None:
    """`Dog.get(..., kind="cat")` names no dog: refused every time, also once
    `Dog.get(..., kind="dog")` has been made (its shape is not remembered)."""
    _, Dog, Cat = m
    owner = f"o-{uuid.uuid4()}"
    rex, tom = Dog(owner=owner, id=uuid.uuid4()), Cat(owner=owner, id=uuid.uuid4())
    f(rex.save())
    f(tom.save())
    for _ in range(3):
        assert f(Dog.get(owner=owner, id=rex.id, kind="dog")) == rex
        with pytest.raises(InvalidQueryError, match="kind is restricted more than once"):
            f(Dog.get(owner=owner, id=tom.id, kind="cat"))
