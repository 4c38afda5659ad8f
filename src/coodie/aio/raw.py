"""Raw CQL and keyspaces, awaitable: `from coodie.aio import execute_raw, create_keyspace`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coodie import raw
from coodie.aio._run import arun
from coodie.schema_all import sync_all_flows

__all__ = ["create_keyspace", "drop_keyspace", "execute_raw", "sync_all"]


async def execute_raw(
    cql: str, params: Sequence[Any] | None = None, *, driver: str | None = None
) -> list[dict[str, Any]]:
    """Run one CQL statement, values bound (`?` or `%s` markers); every row as a dict."""
    return await arun(driver, raw.raw_flow(cql, params))


async def create_keyspace(
    name: str,
    replication: Mapping[str, Any] | None = None,
    durable_writes: bool = True,
    *,
    driver: str | None = None,
) -> str:
    """CREATE KEYSPACE IF NOT EXISTS (SimpleStrategy or NetworkTopologyStrategy)."""
    return await arun(driver, raw.create_keyspace_flow(name, replication, durable_writes))


async def drop_keyspace(name: str, *, driver: str | None = None) -> str:
    """DROP KEYSPACE IF EXISTS."""
    return await arun(driver, raw.drop_keyspace_flow(name))


async def sync_all(documents: Sequence[type[Any]] | None = None) -> list[str]:
    """`coodie.sync.sync_all()`, awaitable."""
    ran: list[str] = []
    for name, flow in sync_all_flows(documents):
        ran += await arun(name, flow)
    return ran
