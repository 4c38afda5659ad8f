"""Raw CQL and keyspaces, blocking: `from coodie.sync import execute_raw, create_keyspace`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coodie import raw
from coodie.schema_all import sync_all_flows
from coodie.sync._run import run

__all__ = ["create_keyspace", "drop_keyspace", "execute_raw", "sync_all"]


def execute_raw(
    cql: str, params: Sequence[Any] | None = None, *, driver: str | None = None
) -> list[dict[str, Any]]:
    """Run one CQL statement, values bound (`?` or `%s` markers); every row as a dict."""
    return run(driver, raw.raw_flow(cql, params))


def create_keyspace(
    name: str,
    replication: Mapping[str, Any] | None = None,
    durable_writes: bool = True,
    *,
    driver: str | None = None,
) -> str:
    """CREATE KEYSPACE IF NOT EXISTS (SimpleStrategy or NetworkTopologyStrategy)."""
    return run(driver, raw.create_keyspace_flow(name, replication, durable_writes))


def drop_keyspace(name: str, *, driver: str | None = None) -> str:
    """DROP KEYSPACE IF EXISTS."""
    return run(driver, raw.drop_keyspace_flow(name))


def sync_all(documents: Sequence[type[Any]] | None = None) -> list[str]:
    """Create the keyspaces, types, tables, indexes and views of `documents` (default: every
    model given to `init_coodie(documents=...)` for a driver registered now) in
    dependency order, each on its own driver, and bring existing tables up to date as
    `sync_table()` does; the DDL run."""
    ran: list[str] = []
    for name, flow in sync_all_flows(documents):
        ran += run(name, flow)
    return ran
