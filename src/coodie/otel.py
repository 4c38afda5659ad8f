"""OpenTelemetry spans for coodie's requests (the `otel` extra: `pip install ".[otel]"`
from a checkout, or just `pip install opentelemetry-api`):

    from coodie.otel import OpenTelemetryHook
    init_coodie(hosts=[...], keyspace="shop", hooks=[OpenTelemetryHook()])

One CLIENT span per request, named `<operation> <keyspace>.<table>`, with the semantic-
convention attributes for Cassandra: db.system.name, db.namespace, db.collection.name,
db.operation.name, db.query.text (the statement with its `?` markers, never the values),
db.cassandra.consistency_level, db.operation.batch.size, db.response.returned_rows, and
error.type with an ERROR status when the request failed. A span's parent is the span
current where the request was made (sync or async).
"""

from __future__ import annotations

import re
from typing import Any

from coodie.exceptions import ConfigurationError
from coodie.observe import RequestInfo

try:
    from opentelemetry import trace
    from opentelemetry.trace import SpanKind, Status, StatusCode
except ImportError as e:  # pragma: no cover - the extra is not installed
    raise ConfigurationError(
        "coodie.otel needs the OpenTelemetry API (the otel extra): pip install opentelemetry-api"
    ) from e

__all__ = ["OpenTelemetryHook"]

_TARGET = re.compile(
    r'\b(?:FROM|INTO|UPDATE|TABLE|ON)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)', re.I
)


def _target(cql: str, keyspace: str | None) -> tuple[str | None, str | None]:
    """(keyspace, table) a statement names (its own keyspace, or the driver's)."""
    m = _TARGET.search(cql)
    if m is None:
        return keyspace, None
    parts = [p.strip('"') for p in m.group(1).split(".")]
    return (parts[0], parts[1]) if len(parts) == 2 else (keyspace, parts[0])


class OpenTelemetryHook:
    """A request hook that makes a span of each request (see the module's doc)."""

    def __init__(self, tracer_provider: Any = None) -> None:
        self._tracer = trace.get_tracer("coodie", tracer_provider=tracer_provider)

    def before_request(self, info: RequestInfo) -> None:
        keyspace, table = _target(info.cql, info.keyspace)
        operation = "BATCH" if info.kind == "batch" else info.cql.split(None, 1)[0].upper()
        attributes: dict[str, Any] = {
            "db.system.name": "cassandra",
            "db.operation.name": operation,
            "db.query.text": info.cql,
        }
        if keyspace:
            attributes["db.namespace"] = keyspace
        if table:
            attributes["db.collection.name"] = table
        if info.consistency:
            attributes["db.cassandra.consistency_level"] = info.consistency.lower()
        if info.statements > 1:
            attributes["db.operation.batch.size"] = info.statements
        name = f"{operation} {keyspace}.{table}" if keyspace and table else operation
        info.context["otel_span"] = self._tracer.start_span(
            name, kind=SpanKind.CLIENT, attributes=attributes
        )

    def after_request(self, info: RequestInfo) -> None:
        span = info.context.pop("otel_span", None)
        if span is None:
            return
        if info.rows is not None:
            span.set_attribute("db.response.returned_rows", info.rows)
        if info.error is not None:
            span.set_attribute("error.type", type(info.error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, str(info.error).split("\n", 1)[0]))
            span.record_exception(info.error)
        span.end()
