"""`init_coodie()` for the blocking API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from coodie.exceptions import ConfigurationError
from coodie.registry import register_driver

__all__ = ["init_coodie"]


def make_driver(
    hosts: Sequence[str] | None,
    keyspace: str | None,
    driver_type: str,
    session: Any,
    port: int,
    replication: Mapping[str, Any] | None,
    cluster_options: dict[str, Any],
) -> Any:
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
        raise ConfigurationError(
            "driver_type='acsylla' is not available yet: use 'scylla' or 'cassandra'"
        )
    else:
        raise ConfigurationError(
            f"unknown driver_type {driver_type!r}: use 'scylla', 'cassandra' or 'acsylla'"
        )
    driver.replication = dict(replication) if replication else None
    return driver


def init_coodie(
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
    """Register a driver for a cluster; returns it. The connection opens on first use
    (`driver.connect()` opens it now and raises if the cluster cannot be reached).

    `hosts`/`port` and extra `Cluster` options (auth_provider, ssl_context,
    load_balancing_policy, protocol_version, ...) open a new cluster; `session=` reuses
    one. `name=` registers a named driver for another cluster (models pick it with
    `Settings.driver`). `replication` is used when `sync_table()` creates the keyspace
    (default: SimpleStrategy, replication_factor 1).
    """
    if hosts is None and session is None:
        hosts = ["127.0.0.1"]
    driver = make_driver(hosts, keyspace, driver_type, session, port, replication, cluster_options)
    register_driver(name, driver, default=default if default is not None else name == "default")
    return driver
