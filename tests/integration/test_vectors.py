"""Vector search on Cassandra 5.0 (issue 15): vector<float, n> columns, SAI vector indexes
and ORDER BY ... ANN OF, on a small fixed data set whose neighbours are known."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from coodie.exceptions import InvalidQueryError
from coodie.fields import ClusteringKey, Indexed, PrimaryKey, Vector, VectorIndex

# Points on a plane, 2-d: their Euclidean distances to (0, 0) are 1, 2, 3, 4, 5.
POINTS = {"a": [1.0, 0.0], "b": [0.0, 2.0], "c": [-3.0, 0.0], "d": [0.0, -4.0], "e": [3.0, 4.0]}


def _models(flavour: Any) -> Any:
    class Place(flavour.Document):  # type: ignore[name-defined,misc]
        region: Annotated[str, PrimaryKey()]
        name: Annotated[str, ClusteringKey()]
        kind: Annotated[str, Indexed(using="sai")] = "shop"
        colour: str = ""
        at: Annotated[list[float], Vector(dimensions=2), VectorIndex(similarity="euclidean")]

        class Settings:
            name = "it_places"

    class Doc(flavour.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        emb: Annotated[list[float], Vector(dimensions=3), VectorIndex(similarity="cosine")]
        raw: Annotated[list[float], Vector(dimensions=3)] = [1.0, 1.0, 1.0]

        class Settings:
            name = "it_vector_docs"

    return Place, Doc


@pytest.fixture
def m(f: Any) -> Any:
    models = f.__dict__.get("_vector_models")
    if models is None:
        models = f.__dict__["_vector_models"] = _models(f.module)
        Place, Doc = models
        f(Place.sync_table())
        f(Doc.sync_table())
        for name, at in POINTS.items():
            f(Place(region="r1", name=name, at=at, kind="cafe" if name in "ace" else "shop").save())
        f(Place(region="r2", name="z", at=[0.0, 0.0]).save())
        # cosine: the angle alone counts, not the length
        f(Doc(id=1, emb=[1.0, 0.0, 0.0]).save())
        f(Doc(id=2, emb=[10.0, 1.0, 0.0]).save())
        f(Doc(id=3, emb=[0.0, 1.0, 0.0]).save())
        f(Doc(id=4, emb=[0.0, 0.0, -5.0]).save())
    return models


def test_nearest_neighbours_in_order(f: Any, m: Any) -> None:
    Place, Doc = m
    got = f(Place.find(region="r1").order_by_ann(Place.at, [0.0, 0.0]).limit(3).all())
    assert [p.name for p in got] == ["a", "b", "c"]
    got = f(Place.find(region="r1").order_by_ann("at", [3.0, 3.9]).limit(2).all())
    assert [p.name for p in got] == ["e", "b"]
    # across partitions
    got = f(Place.find().order_by_ann(Place.at, [0.1, 0.0]).limit(2).all())
    assert [p.name for p in got] == ["z", "a"]
    # with an SAI-indexed filter
    got = f(Place.find(kind="cafe").order_by_ann(Place.at, [0.0, 0.0]).limit(5).all())
    assert [p.name for p in got] == ["a", "c", "e"]
    # cosine similarity ranks by angle
    got = f(Doc.find().order_by_ann(Doc.emb, [2.0, 0.1, 0.0]).limit(2).all())
    assert [d.id for d in got] == [2, 1]


@pytest.mark.parametrize(
    ("build", "rule"),
    [
        (lambda P: P.find().order_by_ann(P.at, [0.0, 0.0]), "needs limit"),
        (lambda P: P.find().order_by_ann(P.at, [0.0, 0.0]).limit(1001), "at most 1000"),
        (
            lambda P: P.find(region="r1").order_by("name").order_by_ann(P.at, [0.0, 0.0]).limit(1),
            "other ORDER BY",
        ),
        (
            lambda P: P.find(colour="x").order_by_ann(P.at, [0.0, 0.0]).limit(1).allow_filtering(),
            "SAI-indexed",
        ),
        (
            lambda P: P.find(name="a").order_by_ann(P.at, [0.0, 0.0]).limit(1),
            "cannot filter on clustering column name",
        ),
        (
            lambda P: P.find(at=[0.0, 0.0]).allow_filtering(),
            "answers ANN queries only",
        ),
        (
            lambda P: P.find(region__in=["r1", "r2"]).order_by_ann(P.at, [0.0, 0.0]).limit(1),
            "with IN",
        ),
        (lambda P: P.find().order_by_ann(P.kind, [0.0, 0.0]).limit(1), "vector column"),
        (
            lambda P: P.find().order_by_ann(P.at, [0.0, 0.0]).per_partition_limit(1).limit(1),
            "per_partition_limit",
        ),
    ],
)
def test_ann_rules_are_checked_before_the_server(f: Any, m: Any, build: Any, rule: str) -> None:
    Place, _ = m
    with pytest.raises(InvalidQueryError, match=rule):
        f(build(Place).all())


def test_ann_needs_a_vector_index_and_a_vector_of_the_right_size(f: Any, m: Any) -> None:
    _, Doc = m
    with pytest.raises(InvalidQueryError, match="needs an SAI index"):
        f(Doc.find().order_by_ann(Doc.raw, [1.0, 0.0, 0.0]).limit(1).all())
    with pytest.raises(InvalidQueryError, match=r"emb: .* does not fit CQL type vector<float, 3>"):
        f(Doc.find().order_by_ann(Doc.emb, [1.0, 0.0]).limit(1).all())
    with pytest.raises(InvalidQueryError, match="cannot page"):
        f(Doc.find().order_by_ann(Doc.emb, [1.0, 0.0, 0.0]).limit(1).paged_all())


def test_the_server_agrees_with_the_ann_rules(m: Any, session: Any) -> None:
    """Each rule coodie checks is one the server has (the CQL coodie would send fails)."""
    from cassandra.protocol import InvalidRequest

    for cql, says in (
        (
            "SELECT name FROM it_places ORDER BY at ANN OF [0.0, 0.0]",
            "must have a limit",
        ),
        (
            "SELECT name FROM it_places ORDER BY at ANN OF [0.0, 0.0] LIMIT 1001",
            "not greater than 1000",
        ),
        (
            "SELECT name FROM it_places WHERE colour = 'x' ORDER BY at ANN OF [0.0, 0.0] "
            "LIMIT 1 ALLOW FILTERING",
            "requires all restricted column",
        ),
        (
            "SELECT name FROM it_places WHERE region IN ('r1', 'r2') ORDER BY at ANN OF "
            "[0.0, 0.0] LIMIT 1",
            "IN clause",
        ),
        (
            "SELECT name FROM it_places WHERE region = 'r1' ORDER BY name ASC, at ANN OF "
            "[0.0, 0.0] LIMIT 1",
            "does not support any other ordering",
        ),
        (
            "SELECT name FROM it_places ORDER BY at ANN OF [0.0, 0.0] PER PARTITION LIMIT 1 LIMIT 1",
            "per-partition limits",
        ),
        (
            "SELECT id FROM it_vector_docs ORDER BY raw ANN OF [1.0, 0.0, 0.0] LIMIT 1",
            "requires the column to be indexed",
        ),
    ):
        with pytest.raises(InvalidRequest, match=says):
            session.execute(cql)
