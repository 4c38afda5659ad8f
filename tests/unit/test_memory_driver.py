"""The in-memory driver's own behaviour: what the integration suite (run on it by
`make test`) does not show: its clock, its plain-CQL session, its refusals, its
answers to metadata queries, and the pytest plugin's switches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any

import pytest

from coodie import registry
from coodie.exceptions import ConfigurationError, InvalidQueryError, UnsupportedOperation
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.sync import Document, init_coodie
from coodie.testing.driver import MemoryCluster
from coodie.testing.session import MemorySession

pytest_plugins = ["pytester"]


class Note(Document):
    owner: Annotated[str, PrimaryKey()]
    n: Annotated[int, ClusteringKey(order="DESC")]
    text: str = ""
    tags: list[str] = []

    class Settings:
        name = "notes"
        keyspace = "unit_mem"


@pytest.fixture
def driver() -> Iterator[Any]:
    saved, saved_default = dict(registry._drivers), list(registry._default)
    d = init_coodie(keyspace="unit_mem", driver_type="memory", session=MemoryCluster())
    Note.sync_table()
    yield d
    registry._drivers.clear()
    registry._drivers.update(saved)
    registry._default[:] = saved_default


def test_rows_come_back_in_clustering_order(driver: Any) -> None:
    for n in (2, 7, 4):
        Note(owner="ann", n=n, text=f"t{n}").save()
    assert [x.n for x in Note.find(owner="ann").all()] == [7, 4, 2]
    assert [x.n for x in Note.find(owner="ann").order_by("n").limit(2).all()] == [2, 4]


def test_ttl_expires_on_the_clusters_clock(driver: Any) -> None:
    Note(owner="bo", n=1, text="short").save(ttl=60)
    Note(owner="bo", n=2, text="long").save(ttl=120)
    driver.advance(59)
    assert [x.n for x in Note.find(owner="bo").all()] == [2, 1]
    driver.advance(1)
    assert [x.n for x in Note.find(owner="bo").all()] == [2]
    session = driver.cluster.connect("unit_mem")
    assert session.execute("SELECT TTL(text) FROM notes WHERE owner = %s", ("bo",)).one()[0] == 60


def test_the_clock_only_moves_forward(driver: Any) -> None:
    with pytest.raises(ValueError, match="only moves forward"):
        driver.advance(-1)


def test_what_it_does_not_model_is_refused_by_name(driver: Any) -> None:
    with pytest.raises(UnsupportedOperation, match="USING TIMESTAMP"):
        Note(owner="cy", n=1).save(timestamp=1_700_000_000_000_000)
    session = driver.cluster.connect("unit_mem")
    with pytest.raises(UnsupportedOperation, match="GROUP BY"):
        session.execute("SELECT owner FROM notes GROUP BY owner")
    with pytest.raises(UnsupportedOperation, match="USING TIMESTAMP"):  # on a whole batch too
        session.execute(
            "BEGIN BATCH USING TIMESTAMP 1700000000000000 "
            "INSERT INTO notes (owner, n) VALUES ('cy', 2); APPLY BATCH"
        )
    assert Note.find(owner="cy").all() == []  # (nothing of the refused batch was written)


def test_unknown_tables_and_columns_are_server_errors(driver: Any) -> None:
    session = driver.cluster.connect("unit_mem")
    with pytest.raises(InvalidQueryError, match="unconfigured table nope"):
        session.execute("SELECT * FROM nope")
    with pytest.raises(InvalidQueryError, match="Undefined column name colour"):
        session.execute("SELECT colour FROM notes")


def test_a_plain_session_sees_coodies_rows_and_writes_its_own(driver: Any) -> None:
    Note(owner="di", n=1, text="from coodie", tags=["a"]).save()
    session = MemorySession(driver, "unit_mem")
    row = session.execute("SELECT text, tags FROM notes WHERE owner = ? AND n = ?", ("di", 1)).one()
    assert (row.text, row.tags) == ("from coodie", ["a"])
    session.execute("INSERT INTO notes (owner, n, text) VALUES ('di', 2, 'it''s raw')")
    assert Note.get(owner="di", n=2).text == "it's raw"
    applied = session.execute("UPDATE notes SET text = 'x' WHERE owner = 'di' AND n = 9 IF EXISTS")
    assert not applied.was_applied


def test_sync_table_reads_back_what_it_created(driver: Any) -> None:
    assert Note.sync_table() == []  # in step: nothing to run
    session = driver.cluster.connect()
    cols = session.execute(
        "SELECT column_name, kind, clustering_order, type FROM system_schema.columns "
        "WHERE keyspace_name = 'unit_mem' AND table_name = 'notes'"
    )
    assert sorted((r.column_name, r.kind, r.clustering_order, r.type) for r in cols) == [
        ("n", "clustering", "desc", "int"),
        ("owner", "partition_key", "none", "text"),
        ("tags", "regular", "none", "list<text>"),
        ("text", "regular", "none", "text"),
    ]


def test_drivers_of_one_cluster_share_its_data() -> None:
    cluster = MemoryCluster()
    a = init_coodie(keyspace="k", driver_type="memory", session=cluster, name="a", default=False)
    b = init_coodie(keyspace="k", driver_type="memory", session=cluster, name="b", default=False)
    try:
        a.execute_raw(
            "CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        a.execute_raw("CREATE TABLE k.t (id int PRIMARY KEY, v text)")
        a.execute_raw("INSERT INTO k.t (id, v) VALUES (?, ?)", [1, "one"])
        assert b.execute_raw("SELECT v FROM k.t WHERE id = ?", [1]) == [{"v": "one"}]
        other = init_coodie(keyspace="k", driver_type="memory", session=MemoryCluster(), name="c")
        with pytest.raises(InvalidQueryError, match="Keyspace 'k' does not exist"):
            other.execute_raw("SELECT v FROM k.t")
    finally:
        for name in ("a", "b", "c"):
            registry.unregister_driver(name)


def test_session_must_be_a_memory_one() -> None:
    with pytest.raises(ConfigurationError, match="MemoryCluster or MemorySession"):
        init_coodie(driver_type="memory", session=object(), name=f"x{uuid.uuid4().hex}")


PLUGIN_TEST = """
from typing import Annotated
from coodie.fields import PrimaryKey
from coodie.sync import Document


class Thing(Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""


def test_fresh_store_each_time_1(coodie_memory):
    assert Thing.find().count() == 0
    Thing(id=1, name="a").save()
    assert Thing.get(id=1).name == "a"


def test_fresh_store_each_time_2(coodie_memory):
    assert Thing.find().count() == 0


async def test_async_tests_get_it_too(coodie_memory):
    import coodie.aio
    assert coodie_memory.keyspace == "coodie_test"
"""


def test_the_plugin_gives_a_fresh_store_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLUGIN_TEST)
    pytester.makeini("[pytest]\nasyncio_mode = auto\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_the_plugin_is_off_with_p_no_coodie(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PLUGIN_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:coodie", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*fixture 'coodie_memory' not found*"])


def test_an_unqualified_drop_index_drops_it_in_the_sessions_keyspace(driver: Any) -> None:
    session = driver.cluster.connect("unit_mem")
    session.execute(
        "CREATE KEYSPACE other WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    for ks in ("unit_mem", "other"):
        session.execute(f"CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)")
        session.execute(f"CREATE INDEX t_v_idx ON {ks}.t (v)")
    session.execute("USE other")
    session.execute("DROP INDEX t_v_idx")
    left = session.execute(
        "SELECT keyspace_name FROM system_schema.indexes WHERE index_name = 't_v_idx' ALLOW FILTERING"
    )
    assert [r[0] for r in left] == ["unit_mem"]


def test_a_batch_filled_from_several_threads_writes_every_row(driver: Any) -> None:
    # Rows of one model queued the batch's short way bind each its own fields, even when
    # threads queue into one batch at once (a shared buffer lost rows to each other).
    import sys
    import threading

    from coodie.sync import BatchQuery

    Note(owner="first", n=0).save()  # the INSERT's template, learned
    batch = BatchQuery(batch_type="unlogged")

    def queue(owner: str) -> None:
        for n in range(2_000):
            Note(owner=owner, n=n).save(batch=batch)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can
    try:
        threads = [threading.Thread(target=queue, args=(f"t{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    batch.execute()
    for i in range(4):
        assert Note.find(owner=f"t{i}").count() == 2_000
