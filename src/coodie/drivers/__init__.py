"""Drivers: what executes `Request`s against a cluster.

`CassandraDriver` serves both the scylla-driver and cassandra-driver packages (each
installs the `cassandra` module). Drivers are registered by name in `coodie.registry`.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Awaitable, Mapping, Sequence
from threading import get_ident
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from coodie.cursors import PROCESS_KEY, check_cursor_key
from coodie.exceptions import (
    AuthenticationError,
    ConfigurationError,
    CoodieError,
    ExecutionError,
    InvalidQueryError,
)
from coodie.registry import get_driver
from coodie.requests import (
    CONSISTENCY_LEVELS,
    SERIAL_LEVELS,
    BatchRequest,
    Page,
    RawRequest,
    Request,
    level_name,
)

if TYPE_CHECKING:
    from coodie.connection import init_coodie

V = TypeVar("V")

__all__ = [
    "CONSISTENCY_LEVELS",
    "SERIAL_LEVELS",
    "AsyncDriver",
    "Driver",
    "DriverSettings",
    "ErrorKinds",
    "SyncDriver",
    "connect_failure",
    "create_driver",
    "forget_in_child",
    "fork_safe",
    "get_driver",
    "init_coodie",
    "rows_of_cql",
    "rows_of_cql_async",
    "translate",
]


def __getattr__(name: str) -> Any:
    # `from coodie.drivers import init_coodie` (coodie 1.9's path): imported on use,
    # since coodie.connection imports this module
    if name == "init_coodie":
        from coodie.connection import init_coodie

        return init_coodie
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------ forks
#
# A forked child inherits the driver objects but not the threads that run them, and their
# sockets and event-loop wake-up pipes are shared with the parent. In the child, each
# driver drops its references to the parent's cluster, session, loop and threads (it
# never closes or shuts them down: that would reach into the parent's connections or
# wake the parent's loop) and connects again on first use. What it drops is kept here,
# never freed in the child: freeing an acsylla session waits for its I/O threads, which
# do not exist in the child.

_drivers: weakref.WeakSet[Any] = weakref.WeakSet()
_kept: list[Any] = []


def fork_safe(driver: Any) -> None:
    """Have `driver._after_fork()` called in every child forked from now on."""
    _drivers.add(driver)


MAX_SHAPES = 2048  # per driver: prepared statements (one per CQL text), shape converters


def keep(cache: dict[Any, V], key: Any, value: V) -> V:
    """Put `value` in one of a driver's per-shape caches, forgetting the oldest entry once
    it holds MAX_SHAPES: a program that makes new statement shapes without end (CQL text
    built per call) holds a bounded number of them."""
    if len(cache) >= MAX_SHAPES:
        # (another thread may evict the same entry between these two steps: no KeyError;
        # or add one between iter() and next(): the dict then refuses the iteration)
        with contextlib.suppress(RuntimeError):
            cache.pop(next(iter(cache), None), None)
    cache[key] = value
    return value


def runs_here(loop: Any) -> bool:
    """Whether this thread is running `loop` now: a check cheaper than
    `asyncio.get_running_loop()`, which calls getpid() on Python 3.11. (asyncio's own
    loops note the thread that runs them; another loop answers False: ask asyncio.)"""
    return getattr(loop, "_thread_id", None) == get_ident()


def forget_in_child(*objects: Any) -> None:
    """Keep the parent's objects alive and untouched in a forked child."""
    _kept.extend(o for o in objects if o is not None)


def _after_fork_in_child() -> None:
    for driver in list(_drivers):
        driver._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


# ------------------------------------------------------------------ errors

# (coodie error, the driver's exception classes it stands for), first match wins
ErrorKinds = Sequence[tuple[type[CoodieError], tuple[type[BaseException], ...]]]


def translate(
    e: BaseException, cql: str | None, kinds: ErrorKinds, msg: str | None = None
) -> Exception:
    """A driver's exception -> the coodie error a user catches (the driver's is
    `__cause__`): the kind of the first row of `kinds` that matches; a TypeError,
    ValueError, ... (raised while binding, the driver naming the column) is a value that
    does not fit; anything else passes through."""
    msg = msg or f"{type(e).__name__}: {e}"
    err: Exception
    for kind, classes in kinds:
        if isinstance(e, classes):
            if kind is AuthenticationError:
                err = AuthenticationError(f"the cluster refused the credentials: {msg}", cql)
            elif issubclass(kind, ExecutionError):
                err = kind(msg, cql)
            else:
                err = kind(f"the server rejected the statement: {msg}\n  CQL: {cql}")
            break
    else:
        if not isinstance(e, (TypeError, ValueError, OverflowError, KeyError)):
            return e if isinstance(e, Exception) else ExecutionError(msg, cql)
        err = InvalidQueryError(f"a value does not fit its column: {e}\n  CQL: {cql}")
    err.__cause__ = e
    return err


_UNTRUSTED = ("CERTIFICATE_VERIFY_FAILED", "InvalidPeerCert")
_CLOSED_AT_ONCE = ("Connection reset by peer", "closed prematurely", "ConnectionShutdown")


def connect_failure(err: Exception, tls: bool) -> Exception:
    """`err` (translated) from opening a connection, with what to do when its cause is a
    TLS mismatch: a certificate this client does not trust, or plaintext sent to a port
    that speaks only TLS (the server just closes the connection: the drivers cannot tell)."""
    text = str(err)
    if any(s in text for s in _UNTRUSTED):
        hint = (
            "the node's TLS certificate is not signed by a CA this client trusts "
            "(the CA in ssl_context= on scylla, ssl_trusted_cert= on acsylla)"
        )
    elif not tls and any(s in text for s in _CLOSED_AT_ONCE):
        hint = (
            "the node closed the connection at once: if its CQL port requires TLS "
            "(client_encryption_options), connect with ssl_context= (scylla) or "
            "ssl_enabled=True and ssl_trusted_cert= (acsylla)"
        )
    else:
        return err
    if not isinstance(err, ExecutionError):
        return err
    better = type(err)(f"{text}\n  {hint}")
    better.__cause__ = err.__cause__
    return better


def rows_of_cql(driver: Driver, cql: str, params: Sequence[Any] | None) -> list[dict[str, Any]]:
    """`driver.execute_raw(cql, params)` (coodie 1.9's form): every row, as a dict."""
    from coodie.raw import raw_flow
    from coodie.sync._run import drive

    return drive(raw_flow(cql, params), driver)


async def rows_of_cql_async(
    driver: Driver, cql: str, params: Sequence[Any] | None
) -> list[dict[str, Any]]:
    """`await driver.execute_raw_async(cql, params)` (coodie 1.9's form)."""
    from coodie.aio._run import adrive
    from coodie.raw import raw_flow

    return await adrive(raw_flow(cql, params), driver)


class _Configured(Protocol):
    """What `init_coodie()` sets on every driver, and what the core reads back."""

    keyspace: str | None  # the default keyspace of models that name none
    replication: dict[str, Any] | None  # for the keyspaces sync_table() creates
    cursor_key: bytes  # signs paged_all() cursors
    default_consistency: str | None  # of statements that set none
    default_serial_consistency: str | None


class DriverSettings:
    """The `_Configured` attributes, for a driver class to inherit: their defaults until
    `init_coodie()` sets them."""

    def __init__(self, keyspace: str | None) -> None:
        self.keyspace = keyspace
        self.replication: dict[str, Any] | None = None
        self.cursor_key: bytes = PROCESS_KEY
        self.default_consistency: str | None = None
        self.default_serial_consistency: str | None = None


class SyncDriver(_Configured, Protocol):
    """A blocking driver: what `coodie.sync` runs requests on."""

    def execute(self, request: Request) -> Page: ...
    def execute_concurrent(self, requests: list[Request]) -> list[Page]: ...
    def execute_batch(self, batch: BatchRequest) -> Page: ...
    def execute_raw(self, raw: RawRequest) -> Page: ...
    def shutdown(self) -> None: ...


class AsyncDriver(_Configured, Protocol):
    """An asyncio driver: what `coodie.aio` runs requests on. Each method returns an
    awaitable: a coroutine, or a future the driver resolves."""

    def execute_async(self, request: Request) -> Awaitable[Page]: ...
    def execute_concurrent_async(self, requests: list[Request]) -> Awaitable[list[Page]]: ...
    def execute_batch_async(self, batch: BatchRequest) -> Awaitable[Page]: ...
    def execute_raw_async(self, raw: RawRequest) -> Awaitable[Page]: ...
    async def connect_async(self) -> None: ...
    async def shutdown_async(self) -> None: ...


class Driver(SyncDriver, AsyncDriver, Protocol):
    """Both: every registered driver serves the blocking and the asyncio API."""


def _cassandra_driver_class(driver_type: str) -> Any:
    try:
        from coodie.drivers.cassandra import CassandraDriver
    except ImportError as e:
        package = "scylla-driver" if driver_type == "scylla" else "cassandra-driver"
        raise ConfigurationError(
            f"driver_type={driver_type!r} needs the {package} package: "
            f"pip install {package} (or install coodie with its [{driver_type}] extra)"
        ) from e
    except Exception as e:
        # cassandra-driver built without libev, on a Python without asyncore (3.12+), has
        # no connection class: importing cassandra.cluster raises DependencyException.
        # (scylla-driver falls back to its asyncio connection class instead.)
        from cassandra import DependencyException

        if not isinstance(e, DependencyException):
            raise
        raise ConfigurationError(
            f"the installed `cassandra` driver has no connection class ({e}): it was built "
            "without libev. Install libev and rebuild it (apt-get install libev-dev, then "
            "pip install --force-reinstall --no-binary cassandra-driver cassandra-driver), "
            "or use scylla-driver, which falls back to asyncio: pip install scylla-driver"
        ) from e
    return CassandraDriver


def create_driver(
    hosts: Sequence[str] | None,
    keyspace: str | None,
    driver_type: str,
    session: Any,
    port: int,
    replication: Mapping[str, Any] | None,
    cluster_options: dict[str, Any],
    cursor_key: str | bytes | None = None,
    *,
    consistency: Any = None,
    serial_consistency: Any = None,
) -> Any:
    # bad options fail before anything connects
    key = check_cursor_key(cursor_key)
    default_consistency = level_name(
        consistency, "init_coodie(consistency", error=ConfigurationError
    )
    default_serial = level_name(
        serial_consistency, "init_coodie(serial_consistency", serial=True, error=ConfigurationError
    )
    driver: Any
    if driver_type in ("scylla", "cassandra"):
        CassandraDriver = _cassandra_driver_class(driver_type)
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
                "driver_type='acsylla' needs the acsylla package: "
                "pip install acsylla (or install coodie with its [acsylla] extra)"
            ) from e
        driver = AcsyllaDriver(hosts, keyspace, port=port, **cluster_options)
    elif driver_type == "memory":  # coodie.testing: a cluster in this process's memory
        from coodie.testing.driver import MemoryCluster, MemoryDriver
        from coodie.testing.session import MemorySession

        if isinstance(session, MemorySession):
            session = session.cluster
        if session is not None and not isinstance(session, MemoryCluster):
            raise ConfigurationError(
                "driver_type='memory' takes session= of a MemoryCluster or MemorySession"
            )
        driver = MemoryDriver(keyspace, cluster=session or MemoryCluster.of_hosts(hosts, port))
    else:
        raise ConfigurationError(
            f"unknown driver_type {driver_type!r}: use 'scylla', 'cassandra', 'acsylla' or 'memory'"
        )
    driver.replication = dict(replication) if replication else None
    driver.cursor_key = key
    # the levels of every statement that does not set its own (.consistency(...), a batch's):
    # both drivers apply them when they bind
    driver.default_consistency = default_consistency
    driver.default_serial_consistency = default_serial
    return driver
