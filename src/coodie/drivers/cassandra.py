"""The scylla-driver / cassandra-driver adapter (both install the `cassandra` module).

Statements are prepared once per CQL text and per driver; values are always bound.
Async execution bridges the driver's `ResponseFuture` callbacks (run on the driver's I/O
thread) to asyncio futures with `loop.call_soon_threadsafe`: no thread per request.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cassandra import (
    AuthenticationFailed,
    ConsistencyLevel,
    DriverException,
    ReadTimeout,
    RequestExecutionException,
    RequestValidationException,
    UnresolvableContactPoints,
    WriteTimeout,
)
from cassandra import OperationTimedOut as DriverTimedOut
from cassandra import Unavailable as DriverUnavailable
from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    NoHostAvailable,
    ResponseFuture,
    Session,
)
from cassandra.connection import ConnectionException
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.protocol import ErrorMessage
from cassandra.protocol import RequestValidationException as ProtocolValidationError
from cassandra.query import BatchStatement, BatchType, PreparedStatement, tuple_factory

from coodie import drivers as base
from coodie import exceptions as err
from coodie.idempotence import idempotent
from coodie.requests import BatchRequest, Compiled, Page, RawRequest, Request

__all__ = ["CassandraDriver"]

_BATCH_TYPES = {
    "logged": BatchType.LOGGED,
    "unlogged": BatchType.UNLOGGED,
    "counter": BatchType.COUNTER,
}


def _consistency(name: str) -> int:
    try:
        return int(ConsistencyLevel.name_to_value[name])
    except KeyError:
        raise err.InvalidQueryError(
            f"unknown consistency level {name!r}; use one of {', '.join(ConsistencyLevel.name_to_value)}"
        ) from None


_ERRORS: base.ErrorKinds = (
    (err.InvalidQueryError, (RequestValidationException, ProtocolValidationError)),
    (err.OperationTimedOut, (ReadTimeout, WriteTimeout, DriverTimedOut)),
    # (ConnectionException: a connection closed under the request, e.g. by shutdown())
    (
        err.Unavailable,
        (DriverUnavailable, NoHostAvailable, UnresolvableContactPoints, ConnectionException),
    ),
    (err.ExecutionError, (RequestExecutionException, DriverException, ErrorMessage)),
)
_REFUSED: base.ErrorKinds = ((err.AuthenticationError, (BaseException,)),)


def translate_error(e: BaseException, cql: str | None) -> Exception:
    """A driver exception -> the coodie error a user catches (the driver's is `__cause__`)."""
    return base.translate(e, cql, _REFUSED if _refused_credentials(e) else _ERRORS)


def _refused_credentials(e: BaseException) -> bool:
    """Authentication failed (on every host tried, when connecting)."""
    if isinstance(e, AuthenticationFailed):
        return True
    if isinstance(e, NoHostAvailable) and e.errors:
        return all(isinstance(x, AuthenticationFailed) for x in e.errors.values())
    return False


def _rows(rows: Sequence[Any], columns: Sequence[str] | None) -> list[Any]:
    first = rows[0]
    if isinstance(first, dict):  # a user session with dict_factory
        names = list(columns or first.keys())
        return [tuple(r[n] for n in names) for r in rows]
    return list(rows)


class CassandraDriver(base.DriverSettings):
    """Executes coodie requests on a `cassandra.cluster.Session`."""

    def __init__(
        self,
        session: Session | None,
        keyspace: str | None = None,
        *,
        cluster: Cluster | None = None,
        owns_cluster: bool = False,
        profile: Any = EXEC_PROFILE_DEFAULT,
    ) -> None:
        super().__init__(keyspace or (session.keyspace if session is not None else None))
        self._session = session
        self.cluster: Cluster | None = cluster or (session.cluster if session is not None else None)
        self._owns_cluster = owns_cluster
        self._profile = profile
        self._prepared: dict[str, PreparedStatement] = {}
        self._lock = threading.Lock()
        self._new_cluster: Any = None  # builds the Cluster (again, after a failed connect)
        # seconds per request unless a query says otherwise (init_coodie(request_timeout=))
        self.default_timeout: float = session.default_timeout if session is not None else 20.0
        self._forked_from: int | None = None  # the parent's pid, for a given session lost to a fork
        self._loop: Any = None  # the event loop an async call last ran in (see _running_loop)
        base.fork_safe(self)

    def _after_fork(self) -> None:
        """In a forked child: drop the parent's cluster and session (their threads did not
        survive the fork; their sockets are the parent's) and connect again on first use.
        A session the user gave cannot be rebuilt: using it raises ConfigurationError."""
        base.forget_in_child(self._session, self.cluster, self._prepared)
        if self._session is not None or self.cluster is not None:
            if self._new_cluster is None:
                self._forked_from = os.getppid()
            self._session = self.cluster = None
        self._prepared = {}
        self._lock = threading.Lock()
        self._loop = None
        _forget_reactor_in_child()

    @property
    def session(self) -> Session:
        """The driver session; the connection opens on first use."""
        session = self._session
        if session is None:
            session = self.connect()
        return session

    @property
    def connected(self) -> bool:
        """Whether the driver holds an open session now."""
        return self._session is not None and not self._session.is_shutdown

    def connect(self) -> Session:
        """Open the connection now (it otherwise opens on first use)."""
        with self._lock:
            if self._session is None:
                if self._forked_from is not None:
                    raise err.ConfigurationError(
                        f"this driver was given a session in the parent process (pid "
                        f"{self._forked_from}), which a forked child cannot use: call "
                        "init_coodie() again in the child (e.g. in a post-fork hook)"
                    )
                tls = False
                try:
                    if self.cluster is None:
                        self.cluster = self._new_cluster()
                    assert self.cluster is not None
                    tls = bool(self.cluster.ssl_context or self.cluster.ssl_options)
                    self._session = self.cluster.connect()
                    if self._new_cluster is not None:
                        # Session.prepare() waits Session.default_timeout (10 s), which cannot
                        # be set once profiles are used: a statement's first run on a frozen
                        # node would wait that long rather than init_coodie(request_timeout=)
                        self._session._default_timeout = self.default_timeout
                except Exception as e:
                    if self.cluster is not None and self._new_cluster is not None:
                        self.cluster.shutdown()  # a Cluster that failed is shut down for good
                        self.cluster = None
                    raise base.connect_failure(translate_error(e, None), tls) from e
            return self._session

    async def connect_async(self) -> None:
        """Open the connection without blocking the event loop."""
        if self._session is None:
            await asyncio.get_running_loop().run_in_executor(None, self.connect)

    @classmethod
    def create(
        cls,
        hosts: Sequence[str] | None = None,
        keyspace: str | None = None,
        *,
        port: int = 9042,
        **cluster_options: Any,
    ) -> CassandraDriver:
        """A driver for a new Cluster to `hosts` (not connected yet). Extra options go to
        `Cluster(...)`: auth_provider, ssl_context, load_balancing_policy, protocol_version..."""
        lbp = cluster_options.pop("load_balancing_policy", None)
        request_timeout = cluster_options.pop("request_timeout", 20.0)
        # `execution_profiles=`: coodie runs on the default one (the user's, if given: its
        # consistency, policies and timeout apply); the others serve the user's own calls
        profiles = dict(cluster_options.pop("execution_profiles", None) or {})
        given = profiles.get(EXEC_PROFILE_DEFAULT)
        if given is not None:
            if lbp is not None:
                raise err.ConfigurationError(
                    "init_coodie(): give load_balancing_policy= in the default execution "
                    "profile, not beside execution_profiles="
                )
            request_timeout = given.request_timeout

        def new_cluster() -> Cluster:
            profile = given or ExecutionProfile(
                load_balancing_policy=lbp or TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                row_factory=tuple_factory,
                request_timeout=request_timeout,
            )
            try:
                return Cluster(
                    contact_points=list(hosts or ["127.0.0.1"]),
                    port=port,
                    execution_profiles={**profiles, EXEC_PROFILE_DEFAULT: profile},
                    **cluster_options,
                )
            except TypeError as e:
                raise err.ConfigurationError(f"bad Cluster option: {e}") from e

        try:  # bad options fail here; host names are resolved when connecting
            cluster: Cluster | None = new_cluster()
        except UnresolvableContactPoints:
            cluster = None
        driver = cls(None, keyspace, cluster=cluster, owns_cluster=True)
        driver._new_cluster = new_cluster
        driver.default_timeout = request_timeout
        return driver

    # ------------------------------------------------------------- preparing

    def _prepare(self, compiled: Compiled) -> PreparedStatement:
        cql = compiled.cql
        ps = self._prepared.get(cql)
        if ps is None:
            session = self.session  # connecting raises coodie's error, the driver's as cause
            try:
                ps = session.prepare(cql)
            except Exception as e:
                raise translate_error(e, cql) from e
            # retries and speculative executions apply to statements marked idempotent
            # only: decided once per statement, each statement bound from it inherits it
            ps.is_idempotent = idempotent(compiled)  # type: ignore[attr-defined]
            base.keep(self._prepared, cql, ps)
        return ps

    def _start(self, request: Request) -> ResponseFuture:
        """Bind `request` with its options and send it."""
        compiled = request.compiled
        cql = compiled.cql
        ps = self._prepared.get(cql) or self._prepare(compiled)
        try:
            bound = ps.bind(compiled.params)
        except Exception as e:
            raise translate_error(e, cql) from e
        level = request.consistency or self.default_consistency
        if level:
            bound.consistency_level = _consistency(level)
        if compiled.lwt:
            serial = request.serial_consistency or self.default_serial_consistency
            if serial:
                bound.serial_consistency_level = _consistency(serial)
        if request.fetch_size is not None:
            bound.fetch_size = request.fetch_size or None
        if request.retry_policy is not None:
            bound.retry_policy = request.retry_policy
        session = self._session or self.connect()
        try:
            if request.paging_state is None and not request.trace and request.timeout is None:
                # (the common case: the fewest arguments to parse)
                return session.execute_async(
                    bound, timeout=self.default_timeout, execution_profile=self._profile
                )
            return session.execute_async(
                bound,
                timeout=request.timeout if request.timeout is not None else self.default_timeout,
                paging_state=request.paging_state,
                execution_profile=self._profile,
                trace=request.trace,
            )
        except Exception as e:
            raise translate_error(e, cql) from e

    def _start_batch(self, batch: BatchRequest) -> ResponseFuture:
        stmt = BatchStatement(batch_type=_BATCH_TYPES[batch.kind])
        add, prepared, prepare = stmt.add, self._prepared.get, self._prepare
        lwt, marked = False, True
        cql: str | None = None
        ps: Any = None
        for item in batch.items:
            if item.cql is not cql:  # (the rows of one shape share their text: once per run)
                cql = item.cql
                ps = prepared(cql) or prepare(item)
                lwt = lwt or item.lwt
                marked = marked and idempotent(item)
            try:  # (the batch binds: a bound statement added to it costs more)
                add(ps, item.params)
            except Exception as e:
                raise translate_error(e, item.cql) from e
        level = batch.consistency or self.default_consistency
        if level:
            stmt.consistency_level = _consistency(level)
        serial = batch.serial_consistency or self.default_serial_consistency
        if serial and lwt:
            stmt.serial_consistency_level = _consistency(serial)
        stmt.is_idempotent = marked
        try:
            return self.session.execute_async(
                stmt,
                timeout=batch.timeout if batch.timeout is not None else self.default_timeout,
                execution_profile=self._profile,
            )
        except Exception as e:
            raise translate_error(e, batch.text()) from e

    @staticmethod
    def _page(rf: ResponseFuture, rows: Any) -> Page:
        names = rf._col_names
        columns = tuple(names) if names else ()
        # (a list of tuples, the common case, is taken as it is)
        if rows and (type(rows) is not list or isinstance(rows[0], dict)):
            rows = _rows(rows, columns)
        page = Page(rows or [], columns, rf._paging_state)
        if rf._query_traces:  # a traced request (Request.trace): the server's session id
            page.trace_id = rf._query_traces[-1].trace_id
        return page

    # ------------------------------------------------------------- sync

    def _wait(self, rf: ResponseFuture, cql: str | BatchRequest) -> Page:
        """The first page of `rf`, once it came (its failure as coodie's error, naming
        `cql`: a batch's text is made only then)."""
        try:
            rows = rf.result().current_rows
        except Exception as e:
            raise translate_error(e, _text(cql)) from e
        return self._page(rf, rows)

    def execute(self, request: Request) -> Page:
        return self._wait(self._start(request), request.compiled.cql)

    def execute_concurrent(self, requests: list[Request]) -> list[Page]:
        futures = [self._start(r) for r in requests]
        pages = []
        error: Exception | None = None
        for r, rf in zip(requests, futures):
            try:  # wait for every request, then raise the first failure
                pages.append(self._wait(rf, r.compiled.cql))
            except Exception as e:
                error = error or e
        if error is not None:
            raise error
        return pages

    def execute_batch(self, batch: BatchRequest) -> Page:
        return self._wait(self._start_batch(batch), batch)

    def _start_raw(self, raw: RawRequest) -> ResponseFuture:
        session = self.session
        try:
            # The driver formats values into the text with `%`: only the text around the
            # values is escaped, and a statement without values is sent as written.
            cql = raw.text("%s", _percent_escaped)
            return session.execute_async(
                cql, raw.params or None, timeout=raw.timeout, execution_profile=self._profile
            )
        except Exception as e:
            raise translate_error(e, raw.cql) from e

    def execute_raw(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        """DDL and metadata queries (not prepared); given CQL text (coodie 1.9's
        `get_driver().execute_raw(cql, params)`), a prepared statement, values bound,
        and every row as a dict."""
        if isinstance(raw, str):
            return base.rows_of_cql(self, raw, params)
        return self._wait(self._start_raw(raw), raw.cql)

    def shutdown(self) -> None:
        if self._owns_cluster and self.cluster is not None:
            self.cluster.shutdown()
        self._prepared.clear()

    # ------------------------------------------------------------- async

    def _await(
        self, loop: asyncio.AbstractEventLoop, rf: ResponseFuture, cql: str | BatchRequest
    ) -> asyncio.Future[Page]:
        """An asyncio future of `rf`'s first page. The driver calls back on its I/O
        thread, which only hands the rows over; the Page is made on the event loop."""
        fut: asyncio.Future[Page] = loop.create_future()
        # The ResponseFuture keeps its callbacks: were they to hold it, each request would
        # leave a reference cycle for the cyclic GC, so they get a weak reference (the
        # driver keeps `rf` alive while it calls them). Module functions with argument
        # tuples, rather than closures, keep the objects alive per request few: a burst
        # of async requests otherwise promotes enough of them to force full collections.
        # (one argument tuple serves both callbacks: an object less per request)
        args = (loop.call_soon_threadsafe, fut, weakref.ref(rf), cql)
        rf.add_callbacks(_on_rows, _on_error, callback_args=args, errback_args=args)
        return fut

    # The async methods return the future itself (awaitable), without a coroutine around it.

    # Each asks for the running loop before sending anything: outside a loop, nothing runs.

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The running event loop: that of the last call, while this thread runs it."""
        loop = self._loop
        if not base.runs_here(loop):
            loop = self._loop = asyncio.get_running_loop()
        return loop  # type: ignore[no-any-return]

    def execute_async(self, request: Request) -> asyncio.Future[Page]:
        loop = self._running_loop()
        return self._await(loop, self._start(request), request.compiled.cql)

    async def execute_concurrent_async(self, requests: list[Request]) -> list[Page]:
        loop = self._running_loop()
        futures = [self._await(loop, self._start(r), r.compiled.cql) for r in requests]
        return list(await asyncio.gather(*futures))

    def execute_batch_async(self, batch: BatchRequest) -> asyncio.Future[Page]:
        loop = self._running_loop()
        return self._await(loop, self._start_batch(batch), batch)

    def execute_raw_async(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        if isinstance(raw, str):
            return base.rows_of_cql_async(self, raw, params)
        loop = self._running_loop()
        return self._await(loop, self._start_raw(raw), raw.cql)

    async def shutdown_async(self) -> None:
        """Shut down without blocking the event loop (the driver joins its threads)."""
        await asyncio.get_running_loop().run_in_executor(None, self.shutdown)


def _on_rows(rows: Any, call: Any, fut: asyncio.Future[Page], ref: Any, cql: Any) -> None:
    """Runs on the driver's I/O thread: hand the rows to the event loop."""
    call(_resolve_rows, fut, ref(), rows)


def _on_error(
    exc: BaseException, call: Any, fut: asyncio.Future[Page], ref: Any, cql: str | BatchRequest
) -> None:
    call(_resolve_error, fut, exc, cql)


def _resolve_rows(fut: asyncio.Future[Page], rf: ResponseFuture, rows: Any) -> None:
    if not fut.cancelled():
        fut.set_result(CassandraDriver._page(rf, rows))


def _resolve_error(fut: asyncio.Future[Page], exc: BaseException, cql: str | BatchRequest) -> None:
    if not fut.cancelled():
        fut.set_exception(translate_error(exc, _text(cql)))


def _forget_reactor_in_child() -> None:
    """The driver's I/O reactors are per process: libev and asyncore keep a global loop
    that the driver, seeing another pid, would clean up by closing the parent's
    connections from the child. Drop it instead, so a new one starts."""
    for module in ("cassandra.io.libevreactor", "cassandra.io.asyncorereactor"):
        reactor: Any = sys.modules.get(module)
        if reactor is not None and getattr(reactor, "_global_loop", None) is not None:
            base.forget_in_child(reactor._global_loop)
            reactor._global_loop = None


def _percent_escaped(text: str) -> str:
    return text.replace("%", "%%")


def _text(cql: str | BatchRequest) -> str:
    """The CQL an error names: a batch's text is made only for an error (100 rows' texts
    joined would cost microseconds on every batch)."""
    return cql if isinstance(cql, str) else cql.text()


if TYPE_CHECKING:  # mypy --strict checks that the driver serves both APIs

    def _serves_both(driver: CassandraDriver) -> base.Driver:
        return driver
