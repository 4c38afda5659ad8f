"""See what runs (issue 18 item 3): init_coodie(echo=...) logs each statement to the
`coodie.cql` logger, and hooks see each request before and after, on both drivers and
both APIs; a driver opened without them is not wrapped."""

from __future__ import annotations

import logging
import os
from typing import Annotated, Any

import pytest

from coodie.exceptions import ConfigurationError, InvalidQueryError
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.observe import RequestInfo
from coodie.registry import get_driver
from tests.integration.named import close_named, open_named

SECRET = "s3cret-value-7781"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, RequestInfo]] = []

    def before_request(self, info: RequestInfo) -> None:
        assert info.duration is None and info.rows is None  # not run yet
        self.events.append(("before", info))

    def after_request(self, info: RequestInfo) -> None:
        self.events.append(("after", info))

    def finished(self) -> list[RequestInfo]:
        return [i for when, i in self.events if when == "after"]


def note_model(module: Any, driver_name: str) -> Any:
    class Note(module.Document):  # type: ignore[name-defined,misc]
        owner: Annotated[str, PrimaryKey()]
        n: Annotated[int, ClusteringKey()]
        text: str = ""

        class Settings:
            name = "it_observed_notes"
            driver = driver_name

    return Note


def test_echo_logs_statements_with_driver_duration_rows_and_redacted_values(
    f: Any, keyspace: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = f"echo_{f.name}"
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    open_named(f, name, keyspace, echo=True)
    try:
        Note = note_model(f.module, name)
        f(Note.sync_table())
        with caplog.at_level(logging.INFO, logger="coodie.cql"):
            caplog.clear()
            f(Note(owner="ann", n=1, text=SECRET).save())
            f(Note(owner="ann", n=2, text="other").save())
            assert len(f.list(Note.find(owner="ann"))) == 2
        lines = [r.getMessage() for r in caplog.records if r.name == "coodie.cql"]
        inserts = [line for line in lines if line.startswith("INSERT INTO")]
        selects = [line for line in lines if line.startswith("SELECT")]
        assert len(inserts) == 2 and len(selects) == 1, lines
        assert f"[{name} {driver_type}]" in inserts[0] and " ms, 0 rows;" in inserts[0]
        assert " ms, 2 rows;" in selects[0]  # the rows the server returned
        assert all(SECRET not in line for line in lines)
        assert "[3 values redacted]" in inserts[0]
    finally:
        close_named(f, name)

    open_named(f, name, keyspace, echo="values")
    try:
        Note = note_model(f.module, name)
        with caplog.at_level(logging.INFO, logger="coodie.cql"):
            caplog.clear()
            f(Note(owner="bob", n=1, text=SECRET).save())
        assert any(SECRET in r.getMessage() for r in caplog.records if r.name == "coodie.cql")
    finally:
        close_named(f, name)


def test_hooks_see_each_request_before_and_after(f: Any, keyspace: str) -> None:
    name = f"hooks_{f.name}"
    recorder = Recorder()
    open_named(f, name, keyspace, hooks=[recorder])
    try:
        Note = note_model(f.module, name)
        f(Note.sync_table())
        f(Note.find(owner="cy").delete())
        recorder.events.clear()
        for n in range(3):
            f(Note(owner="cy", n=n, text="t").save())
        with f.batch() as b:
            f(Note(owner="cy", n=10).save(batch=b))
            f(Note(owner="cy", n=11).save(batch=b))
        found = f.list(Note.find(owner="cy"))
        with pytest.raises(InvalidQueryError):
            f(f.module.execute_raw("SELECT no_such_column FROM it_observed_notes", driver=name))

        whens = [when for when, _ in recorder.events]
        assert whens == ["before", "after"] * (len(whens) // 2)  # each request: one, then the other
        done = recorder.finished()
        kinds = [i.kind for i in done]
        # (execute_raw prepares its statement: a statement too; DDL is a "raw" request)
        assert kinds == ["statement"] * 3 + ["batch", "statement", "statement"], kinds
        assert all(i.duration is not None and i.duration > 0 for i in done)
        assert [i.params[:2] for i in done[:3]] == [("cy", 0), ("cy", 1), ("cy", 2)]
        assert done[3].statements == 2 and done[3].cql.startswith("BEGIN LOGGED BATCH")
        assert done[4].rows == len(found) == 5  # what the server returned
        assert isinstance(done[5].error, InvalidQueryError) and done[5].rows is None
        assert {i.driver for i in done} == {name} and {i.keyspace for i in done} == {keyspace}
    finally:
        close_named(f, name)


def test_unobserved_driver_is_not_wrapped_and_bad_options_are_refused(
    f: Any, keyspace: str
) -> None:
    from coodie.observe import Observed

    assert not isinstance(get_driver(), Observed)  # the suite's driver: no echo, no hooks
    with pytest.raises(ConfigurationError, match="echo="):
        open_named(f, "bad_echo", keyspace, echo="loud")
    with pytest.raises(ConfigurationError, match="neither before_request"):
        open_named(f, "bad_hook", keyspace, hooks=[object()])


def test_opentelemetry_hook_makes_a_client_span_per_request(f: Any, keyspace: str) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind, StatusCode

    from coodie.otel import OpenTelemetryHook

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    name = f"otel_{f.name}"
    open_named(f, name, keyspace, hooks=[OpenTelemetryHook(provider)])
    try:
        Note = note_model(f.module, name)
        f(Note.sync_table())
        exporter.clear()
        f(Note(owner="dee", n=1, text=SECRET).save())
        f(Note.find(owner="dee").consistency("ONE").first())
        with pytest.raises(InvalidQueryError):
            f(f.module.execute_raw(f"SELECT nope FROM {keyspace}.it_observed_notes", driver=name))
        insert, select, failed = exporter.get_finished_spans()
        assert insert.name == f"INSERT {keyspace}.it_observed_notes"
        assert insert.kind == SpanKind.CLIENT
        assert insert.attributes is not None and select.attributes is not None
        assert insert.attributes["db.system.name"] == "cassandra"
        assert insert.attributes["db.namespace"] == keyspace
        assert insert.attributes["db.collection.name"] == "it_observed_notes"
        assert insert.attributes["db.operation.name"] == "INSERT"
        assert "?" in str(insert.attributes["db.query.text"])
        assert all(SECRET not in str(v) for v in insert.attributes.values())
        assert select.attributes["db.cassandra.consistency_level"] == "one"
        assert select.attributes["db.response.returned_rows"] == 1
        assert failed.status.status_code == StatusCode.ERROR
        assert failed.attributes is not None
        assert failed.attributes["error.type"] == "InvalidQueryError"
    finally:
        close_named(f, name)
