"""Drivers: what executes `Request`s against a cluster.

`CassandraDriver` serves both the scylla-driver and cassandra-driver packages (each
installs the `cassandra` module). Drivers are registered by name in `coodie.registry`.
"""

from __future__ import annotations

from typing import Any, Protocol

from coodie.requests import BatchRequest, Page, Request

__all__ = ["AsyncDriver", "SyncDriver"]


class SyncDriver(Protocol):
    keyspace: str | None

    def execute(self, request: Request) -> Page: ...
    def execute_concurrent(self, requests: list[Request]) -> list[Page]: ...
    def execute_batch(self, batch: BatchRequest) -> Page: ...
    def shutdown(self) -> None: ...


class AsyncDriver(Protocol):
    keyspace: str | None

    async def execute_async(self, request: Request) -> Page: ...
    async def execute_concurrent_async(self, requests: list[Request]) -> list[Page]: ...
    async def execute_batch_async(self, batch: BatchRequest) -> Page: ...
    async def shutdown_async(self) -> None: ...


def driver_types() -> dict[str, Any]:
    from coodie.drivers.cassandra import CassandraDriver

    return {"scylla": CassandraDriver, "cassandra": CassandraDriver}
