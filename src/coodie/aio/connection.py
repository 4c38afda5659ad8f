"""`await init_coodie()` for the asyncio API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coodie.drivers import create_driver
from coodie.registry import register_driver

__all__ = ["init_coodie"]


async def init_coodie(
    hosts: Sequence[str] | None = None,
    keyspace: str | None = None,
    *,
    driver_type: str = "scylla",
    session: Any = None,
    name: str = "default",
    port: int = 9042,
    replication: Mapping[str, Any] | None = None,
    default: bool | None = None,
    **cluster_options: Any,
) -> Any:
    """Connect and register a driver; returns it (same options as `coodie.sync.init_coodie`).

    Awaiting it opens the connection, so an unreachable cluster fails here.
    """
    if hosts is None and session is None:
        hosts = ["127.0.0.1"]
    driver = create_driver(
        hosts, keyspace, driver_type, session, port, replication, cluster_options
    )
    await driver.connect_async()
    register_driver(name, driver, default=default if default is not None else name == "default")
    return driver
