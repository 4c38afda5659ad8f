"""Drivers: what executes `Request`s against a cluster.

`CassandraDriver` serves both the scylla-driver and cassandra-driver packages (each
installs the `cassandra` module). Drivers are registered by name in `coodie.registry`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from coodie.exceptions import ConfigurationError
from coodie.registry import get_driver
from coodie.requests import BatchRequest, Page, Request

if TYPE_CHECKING:
    from coodie.connection import init_coodie

__all__ = ["AsyncDriver", "SyncDriver", "create_driver", "get_driver", "init_coodie"]


def __getattr__(name: str) -> Any:
    # `from coodie.drivers import init_coodie` (coodie 1.9's path): imported on use,
    # since coodie.connection imports this module
    if name == "init_coodie":
        from coodie.connection import init_coodie

        return init_coodie
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SyncDriver(Protocol):
    keyspace: str | None

    def execute(self, request: Request) -> Page: ...
    def execute_concurrent(self, requests: list[Request]) -> list[Page]: ...
    def execute_batch(self, batch: BatchRequest) -> Page: ...
    def shutdown(self) -> None: ...


class AsyncDriver(Protocol):
    """Each method returns an awaitable: a coroutine, or a future the driver resolves."""

    keyspace: str | None

    def execute_async(self, request: Request) -> Awaitable[Page]: ...
    def execute_concurrent_async(self, requests: list[Request]) -> Awaitable[list[Page]]: ...
    def execute_batch_async(self, batch: BatchRequest) -> Awaitable[Page]: ...
    async def shutdown_async(self) -> None: ...


def create_driver(
    hosts: Sequence[str] | None,
    keyspace: str | None,
    driver_type: str,
    session: Any,
    port: int,
    replication: Mapping[str, Any] | None,
    cluster_options: dict[str, Any],
) -> Any:
    driver: Any
    if driver_type in ("scylla", "cassandra"):
        try:
            from coodie.drivers.cassandra import CassandraDriver
        except ImportError as e:
            extra = "scylla" if driver_type == "scylla" else "cassandra"
            raise ConfigurationError(
                f"driver_type={driver_type!r} needs the driver package: pip install 'coodie[{extra}]'"
            ) from e
        if session is not None:
            driver = CassandraDriver(session, keyspace)
        else:
            driver = CassandraDriver.create(hosts, keyspace, port=port, **cluster_options)
    elif driver_type == "acsylla":
        if session is not None:
            raise ConfigurationError(
                "driver_type='acsylla' opens its own session: pass hosts, not session="
            )
        try:
            from coodie.drivers.acsylla import AcsyllaDriver
        except ImportError as e:
            raise ConfigurationError(
                "driver_type='acsylla' needs the acsylla package: pip install 'coodie[acsylla]'"
            ) from e
        driver = AcsyllaDriver(hosts, keyspace, port=port, **cluster_options)
    else:
        raise ConfigurationError(
            f"unknown driver_type {driver_type!r}: use 'scylla', 'cassandra' or 'acsylla'"
        )
    driver.replication = dict(replication) if replication else None
    return driver
