"""explain() and the scan policy (issue 23), on the node, with both APIs.

The explanation is coodie's reading of the query (no server involved); the tests check
it against what the server's own tracing reports for the same query (which index it
read, whether it scanned token ranges, how many partitions it read), and check that the
scan policy warns or refuses before anything is sent.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import pytest

from coodie import token
from coodie.exceptions import ConfigurationError, InvalidQueryError
from coodie.explain import Cost
from coodie.expr.restrictions import Access
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.registry import unregister_driver


def _models(flavour: Any) -> Any:
    class Reading(flavour.Document):  # type: ignore[name-defined,misc]
        sensor: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey()]
        level: Annotated[int, Indexed()] = 0  # a legacy index
        room: Annotated[str, Indexed(using="sai")] = ""
        note: str = ""

        class Settings:
            name = "it_explain_readings"

    return Reading


@pytest.fixture
def Reading(f: Any) -> Any:
    model = f.__dict__.get("_explain_model")
    if model is None:
        model = f.__dict__["_explain_model"] = _models(f.module)
        f(model.sync_table())
        for sensor in range(4):
            for at in range(3):
                f(model(sensor=sensor, at=at, level=at, room=f"r{at}", note=f"n{sensor}").save())
    return model


def test_explain_names_access_path_index_filtering_and_cost(f: Any, Reading: Any) -> None:
    e = f(Reading.find(sensor=1, at__gte=1).explain())
    assert (e.access, e.cost, e.partitions) == (Access.PARTITION, Cost.ONE_REPLICA_SET, 1)
    assert e.clustering == ("at >= 1",)
    assert e.indexes == () and e.filtered == () and e.fix is None
    assert "WHERE sensor = ? AND at >= ?" in e.cql and e.params == (1, 1)

    e = f(Reading.find(sensor__in=[1, 2, 2, 3]).explain())
    assert (e.access, e.cost, e.partitions) == (Access.PARTITIONS, Cost.REPLICA_SETS, 3)
    assert "several partitions (IN): 3 partitions" in str(e)
    assert "cost:       3 replica sets" in str(e)

    e = f(Reading.find(room="r1").explain())
    assert (e.access, e.cost) == (Access.ALL, Cost.EVERY_NODE)
    assert [(i.column, i.kind, i.index) for i in e.indexes] == [
        ("room", "sai", "it_explain_readings_room_idx")
    ]
    assert "restrict the partition key (sensor)" in (e.fix or "")

    e = f(Reading.find(note="n1").allow_filtering().explain())
    assert (e.access, e.cost, e.filtered) == (Access.ALL, Cost.EVERY_NODE, ("note = 'n1'",))
    assert "index note" in (e.fix or "")
    assert "filtered:   note = 'n1'" in str(e)

    e = f(Reading.find(token(Reading.sensor) > 0).explain())
    assert (e.access, e.cost) == (Access.TOKEN_RANGE, Cost.TOKEN_RANGE)

    e = f(Reading.find(sensor__in=[1, 2]).order_by("-at").explain())
    assert e.paging == "not paged: all rows in one response"


def _tagged(f: Any, **settings: Any) -> Any:
    """A model of a table that is never created, with these Settings."""

    given = type("Given", (), settings)

    class Tagged(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        tag: str = ""

        class Settings(given):  # type: ignore[valid-type,misc]
            pass

    return Tagged


def test_explain_needs_no_server(f: Any) -> None:
    Offline = _tagged(f, name="never_created", keyspace="nowhere_ks", driver="never_registered")
    e = f(Offline.find(tag="x").allow_filtering().explain())
    assert e.cql.startswith("SELECT id, tag FROM nowhere_ks.never_created WHERE tag = ?")
    assert e.cost is Cost.EVERY_NODE
    with pytest.raises(ConfigurationError, match="never_registered"):
        f(Offline.find(tag="x").allow_filtering().all())


# (query, what the server's tracing must show: a range scan, the indexes it read, and
# the single-partition reads of the table)
TRACED = [
    (lambda R: R.find(sensor=1), False, set(), 1),
    (lambda R: R.find(sensor__in=[1, 2, 3]), False, set(), 3),
    (lambda R: R.find(sensor=2, at__gt=0), False, set(), 1),
    (lambda R: R.find(), True, set(), 0),
    (lambda R: R.find(note="n2").allow_filtering(), True, set(), 0),
    (lambda R: R.find(level=1), True, {"it_explain_readings_level_idx"}, None),
    (lambda R: R.find(room="r2"), True, {"it_explain_readings_room_idx"}, None),
    (lambda R: R.find(sensor=3, level=2), False, {"it_explain_readings_level_idx"}, None),
    (lambda R: R.find(token(R.sensor) > 0), True, set(), 0),
]


@pytest.mark.parametrize("case", range(len(TRACED)))
def test_explanations_agree_with_the_servers_tracing(f: Any, Reading: Any, case: int) -> None:
    build, range_scan, indexes, partition_reads = TRACED[case]
    qs = build(Reading)
    e = f(qs.explain(analyze=True))
    t = e.trace
    assert t is not None
    # what coodie says, against what the server did
    assert t.range_scan is (e.access in (Access.ALL, Access.TOKEN_RANGE)) is range_scan
    assert set(t.indexes) == {i.index for i in e.indexes} == indexes
    if partition_reads is not None:
        assert t.partition_reads == partition_reads
        if e.partitions is not None:
            assert t.partition_reads == e.partitions
    assert t.replicas == ("127.0.0.1",) and t.duration_us > 0
    assert t.rows_returned == len(f(qs.all()))
    assert "server:" in str(e)


def test_scan_policy_warns_once_per_shape(
    f: Any, Reading: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Warned(f.module.Document):  # type: ignore[name-defined,misc]
        sensor: Annotated[int, PrimaryKey()]
        at: Annotated[int, ClusteringKey()]
        level: Annotated[int, Indexed()] = 0
        room: Annotated[str, Indexed(using="sai")] = ""
        note: str = ""

        class Settings:
            name = "it_explain_readings"  # the same table, under a "warn" policy
            scan_policy = "warn"

    with caplog.at_level(logging.WARNING, logger="coodie.scan"):
        assert len(f(Warned.find(note="n1").allow_filtering().all())) == 3
        assert len(f(Warned.find(note="n2").allow_filtering().all())) == 3  # the same shape
        f(Warned.find(sensor=1).all())  # one partition: no warning
        f(Warned.find(room="r1").allow_scan().all())  # opted in
    warnings = [r.getMessage() for r in caplog.records if r.name == "coodie.scan"]
    assert len(warnings) == 1
    assert "Warned: this query reads every node" in warnings[0]
    assert "note = ?" in warnings[0] and "index note" in warnings[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="coodie.scan"):
        f(Warned.find(room="r1").all())  # another shape
    assert [r.name for r in caplog.records] == ["coodie.scan"]


def test_scan_policy_refuses_before_sending(f: Any, Reading: Any) -> None:
    from coodie.sync import init_coodie

    init_coodie(hosts=["127.0.0.1"], name="it_refusing", scan_policy="refuse")
    try:
        # never created: a query sent would fail on the server
        where = {"name": "it_explain_no_such_table", "keyspace": "it_explain_no_such_keyspace"}
        Refused = _tagged(f, **where, driver="it_refusing")
        with pytest.raises(InvalidQueryError, match=r"reads every node.*allow_scan"):
            f(Refused.find(tag="x").allow_filtering().all())
        with pytest.raises(InvalidQueryError, match="reads every node"):
            f(Refused.find().count())
        with pytest.raises(InvalidQueryError, match="reads every node"):
            f(Refused.find(tag="x").allow_filtering().update(tag="y"))
        # explain() itself sends nothing; with analyze=True the query runs, so it is guarded
        assert f(Refused.find().explain()).cost.value == "every node"
        with pytest.raises(InvalidQueryError, match="reads every node"):
            f(Refused.find().explain(analyze=True))
        # opted in, or one partition: sent, and the server says the table is missing
        with pytest.raises(InvalidQueryError, match="it_explain_no_such"):
            f(Refused.find(tag="x").allow_filtering().allow_scan().all())
        with pytest.raises(InvalidQueryError, match="it_explain_no_such"):
            f(Refused.find(id=1).all())
        # the model's own policy wins over the driver's
        Allowed = _tagged(f, **where, driver="it_refusing", scan_policy="allow")
        with pytest.raises(InvalidQueryError, match="it_explain_no_such"):
            f(Allowed.find().all())
    finally:
        unregister_driver("it_refusing").shutdown()


def test_a_scan_policy_that_is_not_one_is_refused(f: Any) -> None:
    from coodie.sync import init_coodie

    with pytest.raises(ConfigurationError, match="scan_policy='sometimes'"):
        init_coodie(hosts=["127.0.0.1"], name="it_never", scan_policy="sometimes")

    with pytest.raises(ConfigurationError, match=r"Odd.Settings: scan_policy='never'"):

        class Odd(f.module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]

            class Settings:
                name = "it_explain_odd"
                scan_policy = "never"


def test_each_analysis_reads_its_own_trace(f: Any, Reading: Any) -> None:
    # the same CQL, other values: each run's trace is its own, not the last one of that CQL
    assert f(Reading.find(sensor=1).explain(analyze=True)).trace.rows_read == 3
    assert f(Reading.find(sensor=99).explain(analyze=True)).trace.rows_read == 0
    assert f(Reading.find(sensor=2, at__gte=1).explain(analyze=True)).trace.rows_read == 2
    # an empty token range: the server reads nothing, and the trace says so
    empty = Reading.find(token(Reading.sensor) > 10, token(Reading.sensor) < -10)
    t = f(empty.explain(analyze=True)).trace
    assert (t.rows_read, t.rows_returned, t.partition_reads) == (0, 0, 0)


def test_explain_of_a_vector_search_names_its_index(f: Any) -> None:
    from coodie.fields import Vector, VectorIndex

    class Near(f.module.Document):  # type: ignore[name-defined,misc]
        region: Annotated[str, PrimaryKey()]
        name: Annotated[str, ClusteringKey()]
        at: Annotated[list[float], Vector(dimensions=2), VectorIndex()]

        class Settings:
            name = "never_created_near"
            keyspace = "nowhere_ks"

    e = f(Near.find(region="r1").order_by_ann(Near.at, [0.0, 1.0]).limit(3).explain())
    assert (e.access, e.cost) == (Access.PARTITION, Cost.ONE_REPLICA_SET)
    assert [(i.column, i.kind) for i in e.indexes] == [("at", "vector")]
    assert e.order == "the 3 rows nearest the vector by at (ANN)"
    assert e.paging == "not paged: all rows in one response"
    e = f(Near.find().order_by_ann(Near.at, [0.0, 1.0]).limit(3).explain())
    assert e.cost is Cost.EVERY_NODE
