"""Consistency levels per model (`Settings.consistency`, `Settings.serial_consistency`),
per write (`save/insert/update/delete(consistency=..., serial_consistency=...)`), per
batch and per query, read back from what the server recorded of each request
(system_traces), on both drivers, sync and async (issue 18 item 1)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import pytest

from coodie import flows
from coodie.exceptions import InvalidQueryError, SchemaError, Unavailable
from coodie.fields import PrimaryKey
from coodie.registry import get_driver
from coodie.tracing import read_trace_flow


def _model(f: Any, name: str, **settings: str) -> Any:
    class Settings:
        pass

    Settings.name = name  # type: ignore[attr-defined]
    for k, v in settings.items():
        setattr(Settings, k, v)

    class Levelled(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        n: int = 0

    Levelled.Settings = Settings  # type: ignore[attr-defined]
    Levelled.__coodie_build__()
    return Levelled


def _served(f: Any, op: Any, model: Any) -> dict[str, str]:
    """Run a one-statement write of `model` traced, on its driver, and give the trace
    session's parameters as the server recorded them (consistency_level, ...)."""
    op.request.trace = True
    driver = get_driver(model._driver_name())
    if f.is_async:
        trace = f(_aio_traced(driver, op.request))
    else:
        from coodie.sync._run import run

        page = driver.execute(op.request)
        trace = run(model._driver_name(), read_trace_flow(page.trace_id))
    return {k: str(v) for k, v in trace["parameters"].items()}


async def _aio_traced(driver: Any, request: Any) -> Any:
    from coodie.aio._run import adrive

    page = await driver.execute_async(request)
    return await adrive(read_trace_flow(page.trace_id), driver)


def test_a_models_levels_apply_to_its_reads_and_writes(f: Any) -> None:
    Levelled = _model(f, "it_levels_model", consistency="ALL", serial_consistency="LOCAL_SERIAL")
    f(Levelled.sync_table())
    doc = Levelled(id=1, n=1)
    assert _served(f, flows.save(doc), type(doc))["consistency_level"] == "ALL"
    served = _served(f, flows.update(doc, if_exists=True, n=2), type(doc))
    assert served["serial_consistency_level"] == "LOCAL_SERIAL"
    assert f(Levelled.find(id=1).trace()).consistency == "ALL"
    # the query's own level wins over the model's
    assert f(Levelled.find(id=1).consistency("ONE").trace()).consistency == "ONE"
    # on a resolved driver (as the methods call them), the later calls of a shape are made
    # from the recipe the first one left: at the model's levels too
    driver = get_driver(Levelled._driver_name())
    for n in (3, 4):
        again = Levelled(id=n, n=n)
        assert _served(f, flows.save(again, driver), Levelled)["consistency_level"] == "ALL"
        served = _served(f, flows.update(again, driver, if_exists=True, n=5), Levelled)
        assert served["serial_consistency_level"] == "LOCAL_SERIAL"
        read = flows.get(Levelled, driver, (), {"id": n}, required=True)
        assert _served(f, read, Levelled)["consistency_level"] == "ALL"


def test_a_writes_own_levels_win(f: Any) -> None:
    Levelled = _model(f, "it_levels_write", consistency="ALL")
    f(Levelled.sync_table())
    doc = Levelled(id=2)
    assert _served(f, flows.save(doc, consistency="ONE"), type(doc))["consistency_level"] == "ONE"
    assert (
        _served(f, flows.delete(doc, consistency="QUORUM"), type(doc))["consistency_level"]
        == "QUORUM"
    )
    served = _served(f, flows.insert(doc, serial_consistency="LOCAL_SERIAL"), type(doc))
    assert served["serial_consistency_level"] == "LOCAL_SERIAL"
    assert served["consistency_level"] == "ALL"  # (the model's, for the commit)
    # through the public methods: the same options, the write happens
    f(doc.save(consistency="ONE"))
    f(doc.update(n=5, consistency="QUORUM", serial_consistency="SERIAL"))
    assert f(Levelled.get(id=2)).n == 5
    assert f(doc.update(if_exists=True, n=6, serial_consistency="LOCAL_SERIAL")).applied
    f(doc.delete(consistency="ONE"))
    assert f(Levelled.find_one(id=2)) is None


def test_bad_levels_are_refused_before_anything_is_sent(f: Any) -> None:
    Levelled = _model(f, "it_levels_bad")
    doc = Levelled(id=3)
    with pytest.raises(InvalidQueryError, match="consistency='MOSTLY'"):
        f(doc.save(consistency="MOSTLY"))
    with pytest.raises(InvalidQueryError, match="not a serial consistency level"):
        f(doc.update(n=1, serial_consistency="QUORUM"))
    with pytest.raises(InvalidQueryError, match="not a consistency level"):
        Levelled.find(id=3).consistency("SOMETIMES")
    with pytest.raises(InvalidQueryError, match="BatchQuery\\(serial_consistency='ONE'\\)"):
        f.module.BatchQuery(serial_consistency="ONE") if not f.is_async else (
            f.module.AsyncBatchQuery(serial_consistency="ONE")
        )
    with pytest.raises(SchemaError, match=r"Settings\(consistency='LOTS'\)"):
        _model(f, "it_levels_bad_settings", consistency="LOTS")


def test_a_batch_runs_at_its_own_level_or_its_models(f: Any, session: Any) -> None:
    """The server refuses THREE on a keyspace of one replica (on a node or a cluster):
    which batches it refuses shows the level each was sent at."""
    ks = f"it_levels_{uuid.uuid4().hex[:12]}"
    session.execute(
        f"CREATE KEYSPACE {ks} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    try:
        Plain = _model(f, "it_levels_plain", keyspace=ks)
        Three = _model(f, "it_levels_three", keyspace=ks, consistency="THREE")
        f(Plain.sync_table())
        f(Three.sync_table())
        with f.batch() as b:
            f(Plain(id=1).save(batch=b))
        with pytest.raises(Unavailable, match="THREE"), f.batch(consistency="THREE") as b:
            f(Plain(id=2).save(batch=b))
        with pytest.raises(Unavailable, match="THREE"), f.batch() as b:
            f(Three(id=3).save(batch=b))
        with f.batch(consistency="ONE") as b:  # the batch's own level wins
            f(Three(id=4).save(batch=b))
        with pytest.raises(Unavailable, match="THREE"):
            f(Plain(id=5).save(consistency="THREE"))
        # a write's own level holds in a batch too; two different ones cannot share it
        with pytest.raises(Unavailable, match="THREE"), f.batch() as b:
            f(Plain(id=6).save(batch=b, consistency="THREE"))
        with (
            pytest.raises(InvalidQueryError, match="its writes ask for ONE, THREE"),
            f.batch() as b,
        ):
            f(Plain(id=7).save(batch=b, consistency="THREE"))
            f(Plain(id=8).save(batch=b, consistency="ONE"))
        # a model's raw reads run at its level too
        with pytest.raises(Unavailable, match="THREE"):
            f(Three.execute_raw(f"SELECT * FROM {ks}.it_levels_three"))
        assert sorted(d.id for d in f.list(Plain.find())) == [1]
        assert [d.id for d in f.list(Three.find().consistency("ONE"))] == [4]
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {ks}")
