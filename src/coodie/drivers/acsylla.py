"""The acsylla adapter: natively asyncio (the ScyllaDB C++ driver underneath).

An acsylla cluster belongs to the event loop it was created in. `await init_coodie(...,
driver_type="acsylla")` connects in the caller's loop and runs requests there directly.
The blocking API (`coodie.sync.init_coodie(..., driver_type="acsylla")`) connects on
first use in an event loop owned by the driver, which each blocking call runs in its own
thread while its request takes (several threads at once take turns: see `_run`);
coroutines from any other loop are seen through by a thread of the driver's.

acsylla converts some values differently from the Python driver (uuid and timeuuid read
as str, varint as bytes, timestamps as aware datetimes; varint binds from bytes and
decimal from plain-notation strings). The compiler gives the CQL type of every marker
and selected column, so the conversions are chosen once per statement shape, and rows
are converted a column at a time, once per page.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import inspect
import operator
import re
import struct
import threading
import uuid
from asyncio.events import _get_running_loop
from collections.abc import Awaitable, Callable, Coroutine, Sequence
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
    keep,
    rows_of_cql,
    rows_of_cql_async,
    runs_here,
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
RowsConv = Callable[[list[Any]], list[Any]]
_UNKNOWN: Any = object()  # a shape whose converters are not made yet


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


_new_uuid = uuid.UUID.__new__
_set_int = uuid.UUID.__dict__["int"].__set__  # (the slots' own setters: UUID refuses setattr)
_set_safe = uuid.UUID.__dict__["is_safe"].__set__
_SAFETY_UNKNOWN = uuid.SafeUUID.unknown


def _uuid(v: Any) -> Any:
    if type(v) is str:
        # acsylla's text is always the canonical 8-4-4-4-12 form: built as UUID(v) builds
        # it, without UUID()'s parsing of the forms it accepts (a third of the cost)
        u = _new_uuid(uuid.UUID)
        _set_int(u, int(v.replace("-", ""), 16))
        _set_safe(u, _SAFETY_UNKNOWN)
        return u
    return v


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


try:  # (a page's rows as tuples in one C-level loop: a sixth less than a comprehension)
    from acsylla._cython.cyacsylla import Row as _Row  # type: ignore[import-untyped]

    _as_tuple: Conv = _Row.as_tuple
except ImportError:  # pragma: no cover  (another layout of acsylla's compiled module)
    _as_tuple = operator.methodcaller("as_tuple")

_BIND_LEAF = by_name(_BIND)
_READ_LEAF = by_name(_READ)


def _apply(convs: Sequence[Conv | None], values: Sequence[Any]) -> list[Any]:
    return [c(v) if c is not None and v is not None else v for c, v in zip(convs, values)]


def _rows_converter(convs: Sequence[Conv | None]) -> RowsConv | None:
    """Rows (tuples) -> the rows with each column that has a converter converted (None:
    no column has one). A page of several rows is converted a column at a time: the page
    is transposed, the columns that need it are mapped, and the rows rebuilt once."""
    pairs = [(i, c) for i, c in enumerate(convs) if c is not None]
    if not pairs:
        return None

    def convert(rows: list[Any]) -> list[Any]:
        if len(rows) == 1:
            row = list(rows[0])
            for i, c in pairs:
                v = row[i]
                if v is not None:
                    row[i] = c(v)
            return [tuple(row)]
        columns: list[Any] = list(zip(*rows))
        for i, c in pairs:
            columns[i] = [v if v is None else c(v) for v in columns[i]]
        return list(zip(*columns))

    return convert


def cluster_options() -> list[str]:
    """The init_coodie() options the acsylla driver takes: those of
    `acsylla.create_cluster()`, but the hosts and port that init_coodie() sets itself."""
    names = inspect.signature(acsylla.create_cluster).parameters
    return [n for n in names if n not in ("contact_points", "port")]


def _shut_down() -> ConfigurationError:
    return ConfigurationError("this acsylla driver was shut down while the call waited")


def _queue(
    loop: asyncio.AbstractEventLoop, fn: Callable[..., Coroutine[Any, Any, T]], args: Any
) -> concurrent.futures.Future[T]:
    """Queue the coroutine `fn(*args)` in `loop`, which another thread runs or will."""
    coro = fn(*args)
    try:
        return asyncio.run_coroutine_threadsafe(coro, loop)
    except RuntimeError:  # the loop closed meanwhile
        coro.close()
        raise _shut_down() from None


def _outcome(done: concurrent.futures.Future[T]) -> T:
    """The result of a call queued in the driver's loop, once nobody will run the loop
    for it any more (cancelled or not done: shut down)."""
    if done.cancelled() or not done.done():
        raise _shut_down()
    return done.result()


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close the driver's own loop; calls still queued in it are cancelled first."""
    if loop.is_closed():
        return
    if _get_running_loop() is not None:  # this thread runs another loop: one that does not
        closing = threading.Thread(target=_close_loop, args=(loop,), name="coodie-acsylla")
        closing.start()
        closing.join()
        return
    loop.run_until_complete(asyncio.sleep(0))  # (what was queued becomes a task)
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()


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
        self._own_loop = False  # that loop is the driver's own (the blocking API's)
        self._closing: asyncio.AbstractEventLoop | None = None  # the own loop shutdown() closes
        self._session: Any = None
        self._cluster: Any = None  # the acsylla Cluster of the session
        # per statement text: its prepared statement and whether it is idempotent
        self._prepared: dict[str, tuple[Any, bool]] = {}
        # per statement shape: the converters of its values and of its rows (None: none)
        self._binders: dict[StatementTypes, list[Conv | None] | None] = {}
        self._readers: dict[StatementTypes, RowsConv | None] = {}
        self._lock = threading.Lock()  # connecting
        self._new_drive()
        fork_safe(self)

    def _new_drive(self) -> None:
        """The state of who drives the driver's own loop (see `_run`)."""
        self._drive = threading.Lock()  # held by the thread that runs the loop now
        self._mutex = threading.Lock()  # guards the followers, the remote calls, the pump
        # threads waiting, oldest first, and what each waits for
        self._followers: dict[threading.Event, concurrent.futures.Future[Any]] = {}
        self._remote_calls: set[concurrent.futures.Future[Any]] = (
            set()
        )  # what the pump sees through
        self._work = threading.Condition(self._mutex)  # a remote call came
        self._pump: threading.Thread | None = None

    def _after_fork(self) -> None:
        """In a forked child: drop the parent's session, cluster and loop, untouched (the
        C++ driver's threads did not survive the fork, and freeing the session would wait
        for them), and connect again on first use, in a loop of the child's own."""
        forget_in_child(self._session, self._cluster, self._loop, self._pump, self._prepared)
        self._session = self._cluster = None
        self._loop = None
        self._own_loop = False
        self._prepared = {}
        self._lock = threading.Lock()
        self._new_drive()  # a lock held by a thread of the parent stays held in the child

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
        """Connect in an event loop of the driver's own (for the blocking API)."""
        with self._lock:
            if self._session is not None:
                return
            if self._loop is not None and self._closing is self._loop:
                # shutdown() is closing this loop's session: a call that came meanwhile
                # does not open another (shutdown() would then leave it open, its loop
                # driven by nobody); once shutdown() has ended, a call connects again
                raise _shut_down()
            loop = asyncio.new_event_loop()
            self._loop, self._own_loop = loop, True
            try:
                self._run(self._open)
            except BaseException:
                self._loop, self._own_loop = None, False
                self._stop_pump()
                with self._drive:
                    loop.close()
                raise

    # ------------------------------------------------------------- the driver's own loop
    #
    # No thread of the driver's runs its loop. A blocking call runs the loop itself, in
    # the calling thread, as long as its request takes (`loop.run_until_complete`, as
    # raw acsylla does: no hop to another thread and back), holding `_drive`. A call
    # that finds another thread driving queues its coroutine in the loop (the driving
    # thread runs it too) and waits as a follower; a thread that stops driving wakes the
    # oldest follower, which drives on if its own request is not done yet. A thread that
    # runs an event loop of its own (an async caller in another loop, a blocking call
    # made inside a coroutine) cannot drive this one: its calls are seen through by the
    # pump, a thread that follows them (started on the first such call, idle between).

    def _run(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """Run the coroutine `fn(*args)` in the driver's own loop; its result."""
        loop = self._loop
        if loop is None or loop.is_closed():
            raise _shut_down()
        if _get_running_loop() is not None:  # this thread runs another loop
            done = self._remote(loop, fn, args)
            concurrent.futures.wait((done,))  # (the pump runs it, or shutdown() cancels it)
            return _outcome(done)
        if self._drive.acquire(False):  # the common case: nobody else drives
            try:
                if loop.is_closed():  # (shut down since the check above)
                    raise _shut_down()
                return loop.run_until_complete(fn(*args))
            finally:
                self._drive.release()
                if self._followers:
                    self._hand_over()
        return self._follow(loop, _queue(loop, fn, args))

    def _follow(self, loop: asyncio.AbstractEventLoop, done: concurrent.futures.Future[T]) -> T:
        """Wait for `done`, a coroutine queued in `loop`, driving the loop whenever no
        other thread does."""
        wake = threading.Event()
        done.add_done_callback(lambda _: wake.set())
        with self._mutex:
            self._followers[wake] = done  # before trying to drive: see _hand_over
        try:
            while not done.done():
                if self._drive.acquire(False):
                    try:
                        if not done.done() and not loop.is_closed():
                            loop.run_until_complete(asyncio.wrap_future(done, loop=loop))
                    finally:
                        self._drive.release()
                    break
                wake.wait()
                wake.clear()
        finally:
            with self._mutex:
                del self._followers[wake]
            if self._followers and not self._drive.locked():
                self._hand_over()  # it may have been this one's turn: pass it on
        return _outcome(done)

    def _hand_over(self) -> None:
        """Wake the oldest follower: it drives, or passes the turn on as it leaves. (A
        follower registers before it tries to drive, so a thread that stops driving sees
        every follower that found the loop taken.)"""
        with self._mutex:
            wake = next(iter(self._followers), None)
        if wake is not None:
            wake.set()

    def _remote(
        self, loop: asyncio.AbstractEventLoop, fn: Callable[..., Coroutine[Any, Any, T]], args: Any
    ) -> concurrent.futures.Future[T]:
        """Queue `fn(*args)` in `loop` for a caller that cannot drive it; the pump sees it
        through."""
        done = _queue(loop, fn, args)
        with self._mutex:
            self._remote_calls.add(done)
            if self._pump is None:
                self._pump = threading.Thread(
                    target=self._pumping, args=(loop,), name="coodie-acsylla", daemon=True
                )
                self._pump.start()
            self._work.notify()
        done.add_done_callback(self._remote_done)
        return done

    def _remote_done(self, done: concurrent.futures.Future[Any]) -> None:
        with self._mutex:
            self._remote_calls.discard(done)

    def _pumping(self, loop: asyncio.AbstractEventLoop) -> None:
        me = threading.current_thread()
        while True:
            with self._mutex:
                while not self._remote_calls and self._pump is me:
                    self._work.wait()
                if self._pump is not me:  # stopped
                    return
                done = next(iter(self._remote_calls))
            with contextlib.suppress(BaseException):  # its caller gets its error
                self._follow(loop, done)

    def _stop_pump(self) -> None:
        with self._mutex:
            pump, self._pump = self._pump, None
            self._work.notify_all()
        if pump is not None and pump is not threading.current_thread():
            pump.join(10)

    def _end_waits(self) -> None:
        """After the loop closed: every call still waiting for it ends (shut down)."""
        with self._mutex:
            waiting = [*self._remote_calls, *self._followers.values()]
            wakes = list(self._followers)
        for done in waiting:
            done.cancel()  # (a call that ended meanwhile keeps its outcome)
        for wake in wakes:
            wake.set()

    def _blocking(self, fn: Callable[[Any], Coroutine[Any, Any, T]], arg: Any) -> T:
        if self._session is None:
            self.connect()
        if not self._own_loop:
            raise ConfigurationError(
                "this acsylla driver was connected by `await init_coodie()` and belongs to that "
                "event loop: use the coodie.aio API with it (or connect with coodie.sync.init_coodie)"
            )
        return self._run(fn, arg)

    def _async(self, fn: Callable[[Any], Coroutine[Any, Any, T]], arg: Any) -> Awaitable[T]:
        # The common case: connected by `await init_coodie()` in the loop that runs here.
        if runs_here(self._loop):
            return fn(arg)
        return self._awaiting(fn, arg)

    async def _awaiting(self, fn: Callable[[Any], Coroutine[Any, Any, T]], arg: Any) -> T:
        if self._session is None:
            # Not connected by `await init_coodie()`: this driver came from the blocking
            # init, so it connects in its own loop, which outlives the caller's.
            await asyncio.get_running_loop().run_in_executor(None, self.connect)
        if asyncio.get_running_loop() is self._loop:  # (a loop that has no _thread_id)
            return await fn(arg)
        loop = self._loop
        if self._own_loop and loop is not None:
            done = self._remote(loop, fn, (arg,))
            try:
                return await asyncio.wrap_future(done)
            except asyncio.CancelledError:
                if self._closing is loop:  # by shutdown(), not this task's own cancel
                    raise _shut_down() from None
                raise
        raise ConfigurationError(
            "this acsylla driver belongs to the event loop it connected in; "
            "call init_coodie() again in this loop"
        )

    # ------------------------------------------------------------- statements

    def _live(self) -> Any:
        """The open session (None: shut down while the call waited)."""
        session = self._session
        if session is None:
            raise _shut_down()
        return session

    async def _prepare(self, compiled: Compiled) -> tuple[Any, bool]:
        cql = compiled.cql
        session = self._live()
        try:
            ps = await session.create_prepared(cql)
        except Exception as e:
            raise translate_error(e, cql) from e
        return keep(self._prepared, cql, (ps, idempotent(compiled)))

    def _binder(self, compiled: Compiled, types: StatementTypes) -> list[Conv | None] | None:
        """The converters of a shape's values (None: none needed), made once per shape,
        before the first request of it is sent."""
        named = [*zip(types.params, types.labels), *zip(types.columns, compiled.columns)]
        for t, column in named:
            if _has_decimal(t):
                raise _refuse_decimal(t, compiled.cql, column)
        convs = [converter_for(t, _BIND_LEAF) for t in types.params]
        return keep(self._binders, types, convs if any(convs) else None)

    def _values(self, compiled: Compiled) -> Sequence[Any]:
        """The values bind() takes: the params tuple as it is, where no value needs a
        converter (acsylla binds a tuple as fast as a list: no copy)."""
        types = compiled.types
        if types is None:
            return compiled.params
        convs = self._binders.get(types, _UNKNOWN)
        if convs is _UNKNOWN:
            convs = self._binder(compiled, types)
        if convs is None:
            return compiled.params
        return _apply(convs, compiled.params)

    def _page(self, result: Any, types: StatementTypes | None) -> Page:
        columns = tuple(result.columns_names())
        # (iterating a result costs about 0.4-0.5 µs more than its rows: a write's empty
        # result and a get's one row are taken without)
        n = result.count()
        rows = [result.first().as_tuple()] if n == 1 else list(map(_as_tuple, result)) if n else []
        if rows and types is not None:
            reader = self._readers.get(types, _UNKNOWN)
            if reader is _UNKNOWN:
                reader = self._reader(types, columns)
            if reader is not None:
                rows = reader(rows)
        state = result.page_state() if result.has_more_pages() else None
        return Page(rows, columns, state)

    def _reader(self, types: StatementTypes, columns: tuple[str, ...]) -> RowsConv | None:
        """The converter of a shape's rows (None: none needed): made once for a shape that
        says its columns; for raw CQL over a model's table (`by_column`), by the names of
        the columns of each result."""
        if types.columns and len(types.columns) == len(columns):
            converters = [converter_for(t, _READ_LEAF) for t in types.columns]
            return keep(self._readers, types, _rows_converter(converters))
        known = [types.by_column.get(c) for c in columns] if types.by_column is not None else []
        return _rows_converter(
            [converter_for(t, _READ_LEAF) if t is not None else None for t in known]
        )

    async def _execute(self, request: Request) -> Page:
        compiled = request.compiled
        ps, idem = self._prepared.get(compiled.cql) or await self._prepare(compiled)
        level = request.consistency or self.default_consistency
        serial = compiled.lwt and (request.serial_consistency or self.default_serial_consistency)
        try:  # the statement, its options given to bind (one call)
            st = ps.bind(
                self._values(compiled),
                request.fetch_size or None,
                request.paging_state or None,
                None,
                _consistency(level) if level else None,
                _consistency(serial) if serial else None,
            )
            if request.timeout is not None:
                # acsylla counts whole milliseconds, and 0 means no timeout at all
                st.set_timeout(max(request.timeout, 0.001))
        except Exception as e:
            raise translate_error(e, compiled.cql) from e
        # retries and speculative executions apply to statements marked idempotent only
        if idem:
            st.set_is_idempotent(True)
        if request.trace:
            st.set_tracing(True)
        if request.retry_policy is not None:
            st.set_retry_policy(_retry_policy(request.retry_policy))
        session = self._session or self._live()
        try:
            result = await session.execute(st)
        except Exception as e:
            raise translate_error(e, compiled.cql, level) from e
        page = self._page(result, compiled.types)
        if request.trace:  # the server's session id in system_traces
            page.trace_id = _uuid(result.tracing_id)
        return page

    async def _execute_concurrent(self, requests: list[Request]) -> list[Page]:
        return list(await asyncio.gather(*(self._execute(r) for r in requests)))

    async def _execute_batch(self, batch: BatchRequest) -> Page:
        b = _BATCHES[batch.kind]()
        add, idem, lwt = b.add_statement, True, False
        cql: str | None = None
        types: Any = _UNKNOWN
        for item in batch.items:
            if item.cql is not cql or item.types is not types:
                # the rows of one shape share their text and types: looked up once per run
                cql, types = item.cql, item.types
                prepared = self._prepared.get(cql) or await self._prepare(item)
                idem, lwt, bind = idem and prepared[1], lwt or item.lwt, prepared[0].bind
                convs = self._binders.get(types, _UNKNOWN) if types is not None else None
            try:  # its values only: the batch carries the options
                if convs is _UNKNOWN:  # (not made yet: _values makes them)
                    values = self._values(item)
                else:
                    values = item.params if convs is None else _apply(convs, item.params)
                add(bind(values))
            except Exception as e:
                raise translate_error(e, item.cql) from e
        level = batch.consistency or self.default_consistency
        if level:
            b.set_consistency(_consistency(level))
        serial = batch.serial_consistency or self.default_serial_consistency
        if serial and lwt:
            b.set_serial_consistency(_consistency(serial))
        b.set_is_idempotent(idem)
        if batch.timeout is not None:
            # whole milliseconds, and 0 means no timeout at all (as for statements)
            b.set_request_timeout(max(int(batch.timeout * 1000), 1))
        session = self._live()
        try:
            result = await session.execute_batch(b)
        except Exception as e:
            text = "BATCH: " + "; ".join(i.cql for i in batch.items)
            raise translate_error(e, text, level) from e
        return self._page(result, None)

    async def _execute_raw(self, raw: RawRequest) -> Page:
        session = self._live()
        try:
            st = acsylla.create_statement(
                raw.text("?"), parameters=list(raw.params) or None, timeout=raw.timeout
            )
            result = await session.execute(st)
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
        return self._blocking(self._execute, request)

    def execute_concurrent(self, requests: list[Request]) -> list[Page]:
        return self._blocking(self._execute_concurrent, requests)

    def execute_batch(self, batch: BatchRequest) -> Page:
        return self._blocking(self._execute_batch, batch)

    def execute_raw(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        """DDL and metadata queries; given CQL text (coodie 1.9's
        `get_driver().execute_raw(cql, params)`), values bound and rows as dicts."""
        if isinstance(raw, str):
            return rows_of_cql(self, raw, params)
        return self._blocking(self._execute_raw, raw)

    def execute_async(self, request: Request) -> Awaitable[Page]:
        return self._async(self._execute, request)

    def execute_concurrent_async(self, requests: list[Request]) -> Awaitable[list[Page]]:
        return self._async(self._execute_concurrent, requests)

    def execute_batch_async(self, batch: BatchRequest) -> Awaitable[Page]:
        return self._async(self._execute_batch, batch)

    def execute_raw_async(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        if isinstance(raw, str):
            return rows_of_cql_async(self, raw, params)
        return self._async(self._execute_raw, raw)

    def shutdown(self) -> None:
        """Close the session; the driver's own loop, if any, closes too."""
        loop = self._loop
        if loop is None:
            return
        if self._own_loop:
            self._closing = loop  # (no call connects again, and what waiting calls end by)
            try:
                if self._session is not None:
                    self._run(self._close)
            finally:
                self._stop_pump()
                with self._drive:  # once no thread runs it
                    _close_loop(loop)
                self._end_waits()
        elif self._session is not None and not loop.is_closed():
            if loop.is_running():
                loop.create_task(self._close())
            else:
                loop.run_until_complete(self._close())
        with self._lock:  # (a call may connect again once this is done: not before)
            self._loop, self._own_loop = None, False
            self._session = self._cluster = None
            self._prepared.clear()

    async def shutdown_async(self) -> None:
        if self._own_loop:
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


_LEVELS: dict[str, Any] = dict(acsylla.Consistency.__members__)
_BATCHES: dict[str, Callable[[], Any]] = {
    "logged": acsylla.create_batch_logged,
    "unlogged": acsylla.create_batch_unlogged,
    "counter": acsylla.create_batch_counter,
}


def _consistency(name: str) -> Any:
    level = _LEVELS.get(name)
    if level is None:
        raise InvalidQueryError(
            f"unknown consistency level {name!r}; use one of {', '.join(_LEVELS)}"
        )
    return level


if TYPE_CHECKING:  # mypy --strict checks that the driver serves both APIs

    def _serves_both(driver: AcsyllaDriver) -> Driver:
        return driver
