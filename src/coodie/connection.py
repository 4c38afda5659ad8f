"""`init_coodie()`: create a driver for a cluster and register it by name."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from coodie.drivers import create_driver
from coodie.explain import check_scan_policy
from coodie.observe import Observed, check_echo
from coodie.registry import register_driver, registered
from coodie.schema_all import init_documents

__all__ = ["init_coodie", "register_new_driver"]


def register_new_driver(options: Mapping[str, Any]) -> tuple[Any, Any]:
    """Create a driver from `options` (`init_coodie()`'s arguments by name; those left out
    take its defaults) and register it. Returns it and the driver it replaced, which the
    caller shuts down (None if there was none, or if that driver is still registered
    under another name)."""
    o = {**_DEFAULTS, **options}
    hosts = o["hosts"] if o["hosts"] is not None or o["session"] is not None else ["127.0.0.1"]
    policy = check_scan_policy(o["scan_policy"], "init_coodie()") or "allow"
    before = registered()
    echo = check_echo(o["echo"])
    driver = create_driver(
        hosts,
        o["keyspace"],
        o["driver_type"],
        o["session"],
        o["port"],
        o["replication"],
        dict(o["cluster_options"]),
        o["cursor_key"],
        consistency=o["consistency"],
        serial_consistency=o["serial_consistency"],
    )
    driver.scan_policy = policy
    name, hooks = o["name"], list(o["hooks"])
    if echo or hooks:  # the one place every request passes through; none: no cost
        driver = Observed(driver, name, o["driver_type"], echo, hooks)
    default = o["default"] if o["default"] is not None else name == "default"
    register_driver(name, driver, default=default)
    replaced = before.get(name)
    if replaced is None or replaced is driver or any(d is replaced for d in registered().values()):
        return driver, None
    return driver, replaced


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
    cursor_key: str | bytes | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
    scan_policy: str = "allow",
    documents: Sequence[type[Any]] | None = None,
    sync: bool = False,
    echo: bool | str = False,
    hooks: Sequence[Any] = (),
    **cluster_options: Any,
) -> Any:
    """Register a driver for a cluster; returns it. The connection opens on first use
    (`driver.connect()` opens it now and raises if the cluster cannot be reached).

    `hosts`/`port` and extra `Cluster` options (auth_provider, ssl_context,
    load_balancing_policy, protocol_version, ...) open a new cluster; `session=` reuses
    one. `name=` registers a named driver for another cluster (models pick it with
    `Settings.driver`). `replication` is used when `sync_table()` creates the keyspace
    (default: SimpleStrategy, replication_factor 1). `cursor_key` signs the cursors
    `paged_all()` hands out (default: a random key per process, so set the same secret
    in every process that may receive another's cursor). A driver already registered
    under `name` is replaced and shut down (its connections and threads closed).

    `consistency` ("QUORUM", "LOCAL_QUORUM", ...) is the level of every read and write that
    does not choose its own (`.consistency(...)`, a batch's `consistency=`), and
    `serial_consistency` ("SERIAL" or "LOCAL_SERIAL") the serial level of lightweight
    transactions; unset, the driver's defaults apply (LOCAL_ONE, SERIAL).

    `scan_policy` decides what happens to a query that would read every node (a scan of
    the whole table, see `QuerySet.explain()`): "allow" runs it, "warn" logs a warning
    once per query shape (logger `coodie.scan`), "refuse" raises InvalidQueryError before
    sending it. A model's `Settings.scan_policy` overrides it, `.allow_scan()` lets one
    query through.
    `echo=True` logs every statement to the `coodie.cql` logger (INFO) with its driver,
    duration and row count, values redacted (`echo="values"` shows them); `hooks=[...]`
    are objects whose `before_request(info)` / `after_request(info)` see every request
    (`coodie.observe.RequestInfo`; `coodie.otel.OpenTelemetryHook` makes spans of them).

    `documents=[User, Order, ...]` registers the models for `sync_all()`; with `sync=True`
    their keyspace, types, tables, indexes and views are created (or brought up to date,
    as `sync_table()` does) now, in dependency order, which connects.
    """
    options = dict(locals())  # (first: init_coodie()'s arguments by name, nothing else)
    to_sync = init_documents(name, documents, sync)
    driver, replaced = register_new_driver(options)
    if replaced is not None:
        replaced.shutdown()
    if to_sync:
        from coodie.sync.raw import sync_all

        sync_all(to_sync)
    return driver


_DEFAULTS: dict[str, Any] = {
    n: p.default for n, p in inspect.signature(init_coodie).parameters.items()
}
_DEFAULTS["cluster_options"] = {}
