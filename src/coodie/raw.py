"""Raw CQL and keyspaces, as flows the sync and async shells drive.

`execute_raw(cql, params)` prepares the statement and binds `params` (never formats
them into the text): `?` markers, or `%s` ones (rewritten to `?`). Rows come back as
dicts, every page of them. Keyspace names are validated and quoted; replication
settings are the developer's, written as CQL literals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from coodie.ddl import DEFAULT_REPLICATION, literal
from coodie.exceptions import InvalidQueryError, SchemaError
from coodie.query import read_pages
from coodie.requests import Compiled, Page, RawRequest, Request, StatementTypes
from coodie.schema import check_identifier, quote

if TYPE_CHECKING:
    from coodie.document import DocumentCore
    from coodie.requests import Flow

__all__ = [
    "create_keyspace_flow",
    "dict_rows",
    "documents_flow",
    "drop_keyspace_flow",
    "raw_flow",
    "raw_request",
]

D = TypeVar("D", bound="DocumentCore")

_STRATEGIES = {
    name: s
    for s in ("SimpleStrategy", "NetworkTopologyStrategy")
    for name in (s, f"org.apache.cassandra.locator.{s}")
}
# a quoted string or identifier (kept as it is, to its end or the text's), or a `%s`
_MARKER = re.compile(r"""('[^']*(?:'|\Z)|"[^"]*(?:"|\Z))|%s""")


def _markers(cql: str) -> str:
    """`%s` markers -> `?` (outside quoted strings and identifiers)."""
    if "%s" not in cql:
        return cql
    return _MARKER.sub(lambda m: m.group(1) or "?", cql)


def raw_request(cql: str, params: Sequence[Any] | None) -> Request:
    if not isinstance(cql, str) or not cql.strip():
        raise InvalidQueryError(f"execute_raw() takes a CQL statement, got {cql!r}")
    if params is None:
        values: tuple[Any, ...] = ()
    elif isinstance(params, (str, bytes, Mapping)) or not isinstance(params, Sequence):
        raise InvalidQueryError(
            f"execute_raw() binds params from a list or tuple (one value per marker), got {params!r}"
        )
    else:
        values = tuple(params)
    return Request(Compiled(_markers(cql), values))


def dict_rows(page: Page) -> list[dict[str, Any]]:
    """A page's rows as dicts by column name."""
    return [dict(zip(page.columns, r)) for r in page.rows]


def raw_flow(cql: str, params: Sequence[Any] | None = None) -> Flow[list[dict[str, Any]]]:
    """Run one CQL statement with bound values; every row, as a dict."""
    return read_pages(raw_request(cql, params), dict_rows)


def documents_flow(model: type[D], cql: str, params: Sequence[Any] | None = None) -> Flow[list[D]]:
    """`Model.execute_raw(...)`: a SELECT of the model's table, rows as documents."""
    schema = model._schema()
    request = schema.request(raw_request(cql, params).compiled)  # (at the model's levels)
    by_column = {c.name: c.cql_type for c in schema.columns}  # (drivers that convert by type)
    request.compiled.types = StatementTypes((), table=schema.name, by_column=by_column)

    def documents(page: Page) -> list[D]:
        unknown = [c for c in page.columns if c not in schema.by_name]
        if unknown:
            raise InvalidQueryError(
                f"{model.__name__}.execute_raw(): the result has columns the model lacks "
                f"({', '.join(unknown)}); select {model.__name__}'s columns, or use "
                "execute_raw() from coodie.sync / coodie.aio for rows as dicts"
            )
        docs: list[D] = model._from_rows(page.columns, page.rows)
        return docs

    return read_pages(request, documents)


# ------------------------------------------------------------------ keyspaces


def _replication(replication: Mapping[str, Any] | None) -> dict[str, Any]:
    if replication is None:
        return dict(DEFAULT_REPLICATION)
    if not isinstance(replication, Mapping):
        raise SchemaError(
            "replication is a dict: {'class': 'SimpleStrategy', 'replication_factor': 1} "
            f"or {{'class': 'NetworkTopologyStrategy', 'dc1': 3}}, got {replication!r}"
        )
    options = dict(replication)
    strategy = _STRATEGIES.get(str(options.pop("class", "")))
    if strategy is None:
        raise SchemaError(
            f"replication class {replication.get('class')!r}: use 'SimpleStrategy' or "
            "'NetworkTopologyStrategy'"
        )
    if strategy == "SimpleStrategy" and set(options) != {"replication_factor"}:
        raise SchemaError(
            f"SimpleStrategy takes replication_factor only, got {', '.join(options) or 'nothing'}"
        )
    if strategy == "NetworkTopologyStrategy" and not options:
        raise SchemaError("NetworkTopologyStrategy takes a replication factor per data center")
    for key, factor in options.items():
        if key != "replication_factor":
            check_identifier(key, "data center name")
        ok = isinstance(factor, int) and not isinstance(factor, bool) and factor >= 0
        if not ok and not (isinstance(factor, str) and factor.isdigit()):
            raise SchemaError(f"replication factor of {key!r} must be an integer, got {factor!r}")
    return {"class": strategy, **{k: str(v) for k, v in options.items()}}


def create_keyspace_flow(
    name: str, replication: Mapping[str, Any] | None = None, durable_writes: bool = True
) -> Flow[str]:
    """CREATE KEYSPACE IF NOT EXISTS; returns the CQL it ran."""
    check_identifier(name, "keyspace name")
    if not isinstance(durable_writes, bool):
        raise SchemaError(f"durable_writes is True or False, got {durable_writes!r}")
    cql = (
        f"CREATE KEYSPACE IF NOT EXISTS {quote(name)} WITH replication = "
        f"{literal(_replication(replication))} AND durable_writes = {literal(durable_writes)}"
    )
    yield RawRequest(cql)
    return cql


def drop_keyspace_flow(name: str) -> Flow[str]:
    """DROP KEYSPACE IF EXISTS; returns the CQL it ran."""
    check_identifier(name, "keyspace name")
    cql = f"DROP KEYSPACE IF EXISTS {quote(name)}"
    yield RawRequest(cql)
    return cql
