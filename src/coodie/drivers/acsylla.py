"""The acsylla adapter: natively asyncio (the ScyllaDB C++ driver underneath).

An acsylla cluster belongs to the event loop it was created in. `await init_coodie(...,
driver_type="acsylla")` connects in the caller's loop and runs requests there directly.
The blocking API (`coodie.sync.init_coodie(..., driver_type="acsylla")`) connects on
first use in one long-lived background loop owned by the driver; blocking calls wait
for it, and coroutines from any other loop hop to it.

acsylla converts some values differently from the Python driver (uuid and timeuuid read
as str, varint as bytes, timestamps as aware datetimes; varint binds from bytes and
decimal from plain-notation strings). The compiler gives the CQL type of every marker
and selected column, so the conversions are chosen once per statement shape.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import re
import struct
import threading
import uuid
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import acsylla
from acsylla import errors as acs_errors

from coodie.drivers import (
    Driver,
    DriverSettings,
    ErrorKinds,
    connect_failure,
    forget_in_child,
    fork_safe,
    rows_of_cql,
    rows_of_cql_async,
    translate,
)
from coodie.exceptions import (
    AuthenticationError,
    ConfigurationError,
    ExecutionError,
    InvalidQueryError,
    OperationTimedOut,
    Unavailable,
)
from coodie.idempotence import idempotent
from coodie.requests import BatchRequest, Compiled, Page, RawRequest, Request, StatementTypes
from coodie.types import CqlType, Duration, by_name, converter_for

__all__ = ["AcsyllaDriver"]

T = TypeVar("T")
Conv = Callable[[Any], Any]
_MAX_PREPARED = 2048


_ERRORS: ErrorKinds = (
    (AuthenticationError, (acs_errors.CassErrorServerBadCredentials,)),
    (
        InvalidQueryError,
        (
            acs_errors.CassErrorServerInvalidQuery,
            acs_errors.CassErrorServerSyntaxError,
            acs_errors.CassErrorServerAlreadyExists,
            acs_errors.CassErrorServerConfigError,
            acs_errors.CassErrorServerUnauthorized,
        ),
    ),
    (
        OperationTimedOut,
        (
            acs_errors.CassErrorLibRequestTimedOut,
            acs_errors.CassErrorServerReadTimeout,
            acs_errors.CassErrorServerWriteTimeout,
        ),
    ),
    (
        Unavailable,
        (
            acs_errors.CassErrorLibNoHostsAvailable,
            acs_errors.CassErrorServerUnavailable,
            acs_errors.CassErrorLibUnableToConnect,
            acs_errors.CassErrorLibHostResolution,
            # a TLS handshake refused: no host could be reached (as on the scylla driver)
            acs_errors.CassErrorSslInvalidCert,
            acs_errors.CassErrorSslInvalidPeerCert,
            acs_errors.CassErrorSslIdentityMismatch,
            acs_errors.CassErrorSslProtocolError,
        ),
    ),
    (ExecutionError, (acs_errors.CassException,)),
)


def translate_error(e: BaseException, cql: str | None, consistency: str | None = None) -> Exception:
    """A driver exception -> the coodie error a user catches (the driver's is `__cause__`)."""
    msg = f"{type(e).__name__}: {e}"
    if consistency and isinstance(e, acs_errors.CassErrorLibNoHostsAvailable):
        # The C++ driver retries a server's Unavailable on the next host; with no host left
        # it reports only "no hosts available" and the server's message (the level it could
        # not reach) is lost: say which level the statement asked for.
        msg += f" (the statement asked for consistency {consistency})"
    return translate(e, cql, _ERRORS, msg)


# ------------------------------------------------------------------ value conversion


def _varint_to_bytes(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool):
        return v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)
    return v


def _ascii_without_nul(v: Any) -> Any:
    if isinstance(v, str) and "\x00" in v:
        # acsylla passes ascii values as C strings: it would silently cut at the NUL.
        raise ValueError(
            f"{v!r}: acsylla cannot store a NUL character in an ascii column (it would be cut "
            "off); use a text column or another driver"
        )
    return v


def _uuid(v: Any) -> Any:
    return uuid.UUID(v) if isinstance(v, str) else v


def _varint_from_bytes(v: Any) -> Any:
    return int.from_bytes(v, "big", signed=True) if isinstance(v, (bytes, bytearray)) else v


def _naive_utc(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return v


def _refuse_decimal(t: CqlType, cql: str, column: str) -> ConfigurationError:
    return ConfigurationError(
        f"acsylla cannot carry decimal values: column {column!r} ({t.cql}) of the statement "
        f"{cql!r}. acsylla 1.2 binds a decimal's text as its unscaled integer (1.25 is "
        "stored as 8251110.93) and cannot decode the decimals other clients write, so coodie "
        "refuses decimal columns on it rather than store or read wrong numbers: use "
        "driver_type='scylla' for models with decimal columns"
    )


def _has_decimal(t: CqlType) -> bool:
    return t.name == "decimal" or any(_has_decimal(a) for a in t.args)


def _vector_to_bytes(v: Any) -> Any:
    # acsylla 1.2 knows vector<float, n> only as bytes: n big-endian 32-bit floats
    return struct.pack(f">{len(v)}f", *v) if isinstance(v, (list, tuple)) else v


def _vector_from_bytes(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        return list(struct.unpack(f">{len(v) // 4}f", v))
    return v


_DURATION_UNITS = {
    "y": (12, 0, 0),
    "mo": (1, 0, 0),
    "w": (0, 7, 0),
    "d": (0, 1, 0),
    "h": (0, 0, 3_600_000_000_000),
    "m": (0, 0, 60_000_000_000),
    "s": (0, 0, 1_000_000_000),
    "ms": (0, 0, 1_000_000),
    "us": (0, 0, 1_000),
    "µs": (0, 0, 1_000),
    "ns": (0, 0, 1),
}
_DURATION_PART = re.compile(r"(\d+)(y|mo|w|d|h|ms|m|s|us|µs|ns)")


def _duration_from_text(v: Any) -> Any:
    """acsylla reads a duration as its CQL text ('1y2mo3d5s123ns')."""
    if not isinstance(v, str):
        return v
    sign = -1 if v.startswith("-") else 1
    months = days = nanos = 0
    for amount, unit in _DURATION_PART.findall(v):
        mo, d, ns = _DURATION_UNITS[unit]
        months, days, nanos = (
            months + int(amount) * mo,
            days + int(amount) * d,
            nanos + int(amount) * ns,
        )
    return Duration(sign * months, sign * days, sign * nanos)


def _duration_to_timedelta(v: Any) -> Any:
    # acsylla 1.2 binds a duration only from a timedelta, which has no months, counts
    # microseconds, and splits a negative one into days and positive seconds
    if not isinstance(v, Duration):
        return v
    if v.months or v.nanoseconds % 1000 or v.nanoseconds < 0:
        raise ValueError(
            f"{v}: acsylla binds a duration only as days and non-negative microseconds "
            "(no months, no nanosecond remainder, no negative time of day): use the scylla "
            "driver for this value"
        )
    return dt.timedelta(days=v.days, microseconds=v.nanoseconds // 1000)


_BIND: dict[str, Conv] = {
    "duration": _duration_to_timedelta,
    "vector": _vector_to_bytes,
    "varint": _varint_to_bytes,
    "ascii": _ascii_without_nul,
}
_READ: dict[str, Conv] = {
    "duration": _duration_from_text,
    "vector": _vector_from_bytes,
    "uuid": _uuid,
    "timeuuid": _uuid,
    "varint": _varint_from_bytes,
    "timestamp": _naive_utc,
}


_BIND_LEAF = by_name(_BIND)
_READ_LEAF = by_name(_READ)


def _apply(convs: Sequence[Conv | None], values: Sequence[Any]) -> list[Any]:
    return [c(v) if c is not None and v is not None else v for c, v in zip(convs, values)]


def cluster_options() -> list[str]:
    """The init_coodie() options the acsylla driver takes: those of
    `acsylla.create_cluster()`, but the hosts and port that init_coodie() sets itself."""
    names = inspect.signature(acsylla.create_cluster).parameters
    return [n for n in names if n not in ("contact_points", "port")]


class AcsyllaDriver(DriverSettings):
    """Executes coodie requests with acsylla."""

    def __init__(
        self,
        hosts: Sequence[str] | None = None,
        keyspace: str | None = None,
        *,
        port: int = 9042,
        **options: Any,
    ) -> None:
        unknown = sorted(set(options) - set(cluster_options()))
        if unknown:
            hint = (
                " (credentials are username= and password=)"
                if {"auth_provider", "credentials"} & set(unknown)
                else ""
            )
            raise ConfigurationError(
                f"driver_type='acsylla' does not take {', '.join(unknown)}{hint}; "
                f"the options it takes: {', '.join(cluster_options())}"
            )
        super().__init__(keyspace)
        options.setdefault("log_level", "critical")  # it logs shard-awareness noise as ERROR
        self._cluster_args: dict[str, Any] = {
            "contact_points": list(hosts or ["127.0.0.1"]),
            "port": port,
            **options,
        }
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the session belongs to
        self._thread: threading.Thread | None = None  # set when that loop is ours
        self._session: Any = None
        self._cluster: Any = None  # the acsylla Cluster of the session
        self._prepared: dict[str, Any] = {}
        self._bind_convs: dict[StatementTypes, list[Conv | None]] = {}
        self._read_convs: dict[StatementTypes, list[Conv | None]] = {}
        self._lock = threading.Lock()
        fork_safe(self)

    def _after_fork(self) -> None:
        """In a forked child: drop the parent's session, cluster, loop and thread, untouched
        (the C++ driver's threads did not survive the fork, and freeing the session would
        wait for them), and connect again on first use, in a loop of the child's own."""
        forget_in_child(self._session, self._cluster, self._loop, self._thread, self._prepared)
        self._session = self._cluster = None
        self._loop = None
        self._thread = None
        self._prepared = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------- connecting

    @property
    def connected(self) -> bool:
        """Whether the driver holds an open session now."""
        return self._session is not None

    async def _open(self) -> None:
        try:
            cluster = acsylla.create_cluster(**self._cluster_args)
        except Exception as e:
            raise translate_error(e, None) from e
        try:
            self._session = await cluster.create_session()
        except Exception as e:
            cluster.destroy()
            tls = bool(self._cluster_args.get("ssl_enabled"))
            raise connect_failure(translate_error(e, None), tls) from e
        self._cluster = cluster

    async def connect_async(self) -> None:
        """Connect in the running event loop, which then owns the session."""
        if self._session is not None:
            return
        self._loop = asyncio.get_running_loop()
        try:
            await self._open()
        except BaseException:
            self._loop = None
            raise

    def connect(self) -> None:
        """Connect in the driver's own background loop (for the blocking API)."""
        with self._lock:
            if self._session is not None:
                return
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="coodie-acsylla", daemon=True)
            thread.start()
            try:
                asyncio.run_coroutine_threadsafe(self._open(), loop).result()
            except BaseException:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(5)
                loop.close()
                raise
            self._loop, self._thread = loop, thread

    def _blocking(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self._session is None:
            self.connect()
        if self._thread is None:
            raise ConfigurationError(
                "this acsylla driver was connected by `await init_coodie()` and belongs to that "
                "event loop: use the coodie.aio API with it (or connect with coodie.sync.init_coodie)"
            )
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(make(), self._loop).result()

    async def _awaiting(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self._session is None:
            # Not connected by `await init_coodie()`: this driver came from the blocking
            # init, so it connects in its own loop, which outlives the caller's.
            await asyncio.get_running_loop().run_in_executor(None, self.connect)
        running = asyncio.get_running_loop()
        if running is self._loop:
            return await make()
        if self._thread is not None and self._loop is not None:
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(make(), self._loop))
        raise ConfigurationError(
            "this acsylla driver belongs to the event loop it connected in; "
            "call init_coodie() again in this loop"
        )

    # ------------------------------------------------------------- statements

    async def _prepare(self, cql: str) -> Any:
        ps = self._prepared.get(cql)
        if ps is None:
            try:
                ps = await self._session.create_prepared(cql)
            except Exception as e:
                raise translate_error(e, cql) from e
            if len(self._prepared) >= _MAX_PREPARED:
                del self._prepared[next(iter(self._prepared))]
            self._prepared[cql] = ps
        return ps

    def _values(self, compiled: Compiled) -> list[Any]:
        types = compiled.types
        if types is None:
            return list(compiled.params)
        convs = self._bind_convs.get(types)
        if convs is None:
            # (once per shape, before the first request of it is sent)
            named = [*zip(types.params, types.labels), *zip(types.columns, compiled.columns)]
            for t, column in named:
                if _has_decimal(t):
                    raise _refuse_decimal(t, compiled.cql, column)
            convs = self._bind_convs[types] = [converter_for(t, _BIND_LEAF) for t in types.params]
        return _apply(convs, compiled.params) if any(convs) else list(compiled.params)

    async def _bound(self, compiled: Compiled, request: Request | None = None) -> Any:
        ps = await self._prepare(compiled.cql)
        try:
            st = ps.bind(self._values(compiled))
            if request is not None:
                if request.fetch_size:
                    st.set_page_size(request.fetch_size)
                if request.paging_state:
                    st.set_page_state(request.paging_state)
                if request.timeout is not None:
                    # acsylla counts whole milliseconds, and 0 means no timeout at all
                    st.set_timeout(max(request.timeout, 0.001))
                if request.trace:
                    st.set_tracing(True)
            level = (
                request.consistency if request is not None else None
            ) or self.default_consistency
            if level:
                st.set_consistency(_consistency(level))
            serial = (
                request.serial_consistency if request is not None else None
            ) or self.default_serial_consistency
            if serial and compiled.lwt:
                st.set_serial_consistency(_consistency(serial))
        except Exception as e:
            raise translate_error(e, compiled.cql) from e
        # retries and speculative executions apply to statements marked idempotent only
        st.set_is_idempotent(idempotent(compiled))
        if request is not None and request.retry_policy is not None:
            st.set_retry_policy(_retry_policy(request.retry_policy))
        return st

    def _page(self, result: Any, types: StatementTypes | None) -> Page:
        columns = tuple(result.columns_names())
        rows = [row.as_tuple() for row in result]
        if types is not None and types.columns and len(types.columns) == len(columns):
            convs = self._read_convs.get(types)
            if convs is None:
                convs = self._read_convs[types] = [
                    converter_for(t, _READ_LEAF) for t in types.columns
                ]
            if any(convs):
                rows = [tuple(_apply(convs, r)) for r in rows]
        elif types is not None and types.by_column is not None and rows:
            rows = self._convert_by_name(types, columns, rows)
        state = result.page_state() if result.has_more_pages() else None
        return Page(rows, columns, state)

    def _convert_by_name(
        self, types: StatementTypes, columns: tuple[str, ...], rows: list[Any]
    ) -> list[Any]:
        """Rows of raw CQL over a model's table: converted by the columns' names."""
        assert types.by_column is not None
        known = [types.by_column.get(c) for c in columns]
        convs = [converter_for(t, _READ_LEAF) if t is not None else None for t in known]
        return [tuple(_apply(convs, r)) for r in rows] if any(convs) else rows

    async def _execute(self, request: Request) -> Page:
        st = await self._bound(request.compiled, request)
        try:
            result = await self._session.execute(st)
        except Exception as e:
            level = request.consistency or self.default_consistency
            raise translate_error(e, request.compiled.cql, level) from e
        page = self._page(result, request.compiled.types)
        if request.trace:  # the server's session id in system_traces
            page.trace_id = _uuid(result.tracing_id)
        return page

    async def _execute_concurrent(self, requests: list[Request]) -> list[Page]:
        return list(await asyncio.gather(*(self._execute(r) for r in requests)))

    async def _execute_batch(self, batch: BatchRequest) -> Page:
        make = {
            "logged": acsylla.create_batch_logged,
            "unlogged": acsylla.create_batch_unlogged,
            "counter": acsylla.create_batch_counter,
        }[batch.kind]
        b = make()
        for item in batch.items:
            b.add_statement(await self._bound(item))
        level = batch.consistency or self.default_consistency
        if level:
            b.set_consistency(_consistency(level))
        serial = batch.serial_consistency or self.default_serial_consistency
        if serial and any(item.lwt for item in batch.items):
            b.set_serial_consistency(_consistency(serial))
        b.set_is_idempotent(all(idempotent(item) for item in batch.items))
        if batch.timeout is not None:
            # whole milliseconds, and 0 means no timeout at all (as for statements)
            b.set_request_timeout(max(int(batch.timeout * 1000), 1))
        try:
            result = await self._session.execute_batch(b)
        except Exception as e:
            text = "BATCH: " + "; ".join(i.cql for i in batch.items)
            raise translate_error(e, text, level) from e
        return self._page(result, None)

    async def _execute_raw(self, raw: RawRequest) -> Page:
        try:
            st = acsylla.create_statement(
                raw.text("?"), parameters=list(raw.params) or None, timeout=raw.timeout
            )
            result = await self._session.execute(st)
        except Exception as e:
            raise translate_error(e, raw.cql) from e
        return self._page(result, None)

    async def _close(self) -> None:
        """Close the session, then the cluster: an acsylla cluster (and its logger) keeps
        a socket pair registered with the event loop until it is destroyed."""
        session, cluster = self._session, self._cluster
        self._session = self._cluster = None
        try:
            if session is not None:
                await session.close()
        finally:
            if cluster is not None:
                cluster.destroy()

    # ------------------------------------------------------------- the driver API

    def execute(self, request: Request) -> Page:
        return self._blocking(lambda: self._execute(request))

    def execute_concurrent(self, requests: list[Request]) -> list[Page]:
        return self._blocking(lambda: self._execute_concurrent(requests))

    def execute_batch(self, batch: BatchRequest) -> Page:
        return self._blocking(lambda: self._execute_batch(batch))

    def execute_raw(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        """DDL and metadata queries; given CQL text (coodie 1.9's
        `get_driver().execute_raw(cql, params)`), values bound and rows as dicts."""
        if isinstance(raw, str):
            return rows_of_cql(self, raw, params)
        return self._blocking(lambda: self._execute_raw(raw))

    async def execute_async(self, request: Request) -> Page:
        if self._thread is None and self._loop is asyncio.get_running_loop():  # the common case
            return await self._execute(request)
        return await self._awaiting(lambda: self._execute(request))

    async def execute_concurrent_async(self, requests: list[Request]) -> list[Page]:
        return await self._awaiting(lambda: self._execute_concurrent(requests))

    async def execute_batch_async(self, batch: BatchRequest) -> Page:
        return await self._awaiting(lambda: self._execute_batch(batch))

    async def execute_raw_async(
        self, raw: RawRequest | str, params: Sequence[Any] | None = None
    ) -> Any:
        if isinstance(raw, str):
            return await rows_of_cql_async(self, raw, params)
        return await self._awaiting(lambda: self._execute_raw(raw))

    def shutdown(self) -> None:
        """Close the session; a background loop, if any, stops too."""
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        if thread is not None:
            if self._session is not None:
                asyncio.run_coroutine_threadsafe(self._close(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()
        elif self._session is not None and not loop.is_closed():
            if loop.is_running():
                loop.create_task(self._close())
            else:
                loop.run_until_complete(self._close())
        self._loop = self._thread = None
        self._session = self._cluster = None
        self._prepared.clear()

    async def shutdown_async(self) -> None:
        if self._thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.shutdown)
            return
        loop = self._loop
        if loop is asyncio.get_running_loop():
            await self._close()
        elif loop is not None and loop.is_running():  # connected in a loop of another thread
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._close(), loop))
        # else its loop is closed: the session, released below, closes as it is freed
        self._session = self._cluster = None
        self._loop = None
        self._prepared.clear()


def _retry_policy(policy: object) -> str:
    """`.retry_policy(...)` on acsylla: the C++ driver's policies by name."""
    if policy not in ("default", "fallthrough"):
        raise ConfigurationError(
            f".retry_policy({policy!r}): acsylla takes 'default' or 'fallthrough' "
            "(a RetryPolicy object is the scylla driver's)"
        )
    return str(policy)


def _consistency(name: str) -> Any:
    try:
        return acsylla.Consistency[name]
    except KeyError:
        raise InvalidQueryError(
            f"unknown consistency level {name!r}; use one of {', '.join(acsylla.Consistency.__members__)}"
        ) from None


if TYPE_CHECKING:  # mypy --strict checks that the driver serves both APIs

    def _serves_both(driver: AcsyllaDriver) -> Driver:
        return driver
