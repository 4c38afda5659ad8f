"""Request tracing on demand: `QuerySet.trace()` runs the query with tracing on and reads
what the server recorded of it from system_traces (the coordinator, the consistency level
it served, its duration and every event), the same on both drivers. No I/O: flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from coodie.exceptions import OperationTimedOut
from coodie.requests import Compiled, Flow, Page, Request

__all__ = ["Trace", "TraceEvent", "read_trace_flow"]

T = TypeVar("T")
# The coordinator writes a trace after it answers: how many times to look for it being
# complete (its `duration` set) before giving up. Each look is one small read.
TRACE_READS = 400


@dataclass(frozen=True, slots=True)
class TraceEvent:
    activity: str
    source: str  # the node's address
    source_elapsed: int  # microseconds since the request reached the coordinator
    thread: str


@dataclass(slots=True)
class Trace(Generic[T]):
    """What `.trace()` returns: the documents the query read, and the server's trace of it."""

    documents: list[T]
    session_id: Any  # a UUID: system_traces.sessions' key
    coordinator: str
    duration: int  # microseconds, as the coordinator measured
    request: str  # e.g. "Execute CQL3 prepared query"
    parameters: dict[str, str] = field(default_factory=dict)  # consistency_level, query, ...
    events: list[TraceEvent] = field(default_factory=list)

    @property
    def consistency(self) -> str | None:
        """The consistency level the server served the request at."""
        return self.parameters.get("consistency_level")


def at_one(cql: str, session_id: Any) -> Request:
    """A read of system_traces at ONE, whatever the driver's level: the coordinator wrote
    the trace locally, and system_traces has a replication of its own (2)."""
    return Request(Compiled(cql, (session_id,)), consistency="ONE")


def _text(value: Any) -> str:
    return str(value) if value is not None else ""


def read_trace_flow(session_id: Any) -> Flow[dict[str, Any]]:
    """The trace session `session_id` and its events, once the coordinator has finished
    writing it (bounded: TRACE_READS reads, then OperationTimedOut)."""
    for _ in range(TRACE_READS):
        page: Page = yield at_one(
            "SELECT coordinator, duration, request, parameters FROM system_traces.sessions"
            " WHERE session_id = ?",
            session_id,
        )
        if page.rows and page.rows[0][1] is not None:
            break
    else:
        raise OperationTimedOut(f"the server did not finish the trace {session_id} in time")
    coordinator, duration, request, parameters = page.rows[0]
    page = yield at_one(
        "SELECT activity, source, source_elapsed, thread FROM system_traces.events"
        " WHERE session_id = ?",
        session_id,
    )
    events = [TraceEvent(_text(a), _text(s), int(e or 0), _text(t)) for a, s, e, t in page.rows]
    return {
        "session_id": session_id,
        "coordinator": _text(coordinator),
        "duration": int(duration),
        "request": _text(request),
        "parameters": dict(parameters or {}),
        "events": events,
    }
