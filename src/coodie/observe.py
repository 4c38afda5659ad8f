"""See what runs: the `coodie.cql` logger (`init_coodie(echo=True)`) and request hooks
(`init_coodie(hooks=[...])`, for metrics and tracing spans).

A driver opened with `echo` or `hooks` is wrapped in an `Observed` driver: the one place
every request passes through, whichever the driver (scylla, acsylla) and the API (sync,
aio). A driver opened without them is not wrapped, and costs nothing more per call.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from coodie.exceptions import ConfigurationError
from coodie.requests import BatchRequest, Page, RawRequest, Request

if TYPE_CHECKING:
    from coodie.drivers import Driver

__all__ = ["Observed", "RequestHook", "RequestInfo", "log"]

log = logging.getLogger("coodie.cql")
T = TypeVar("T")


@dataclass(slots=True)
class RequestInfo:
    """One request, as hooks see it: `before_request` gets it before it is sent,
    `after_request` once it ended, with `duration`, `rows` and `error` filled in."""

    driver: str  # the name it was registered under (init_coodie(name=...))
    driver_type: str  # "scylla", "cassandra" or "acsylla"
    keyspace: str | None
    kind: str  # "statement", "concurrent", "batch" or "raw"
    cql: str
    params: tuple[Any, ...]  # the values bound (hooks see them; the log redacts them)
    consistency: str | None  # the level asked for (None: the driver's default)
    statements: int = 1  # a batch's or a concurrent group's statements
    duration: float | None = None  # seconds
    rows: int | None = None  # rows in the (first page of the) result
    error: BaseException | None = None
    context: dict[str, Any] = field(default_factory=dict)  # for a hook's own state (a span)


class RequestHook(Protocol):
    """What `init_coodie(hooks=[...])` takes: an object with either method or both."""

    def before_request(self, info: RequestInfo) -> None: ...
    def after_request(self, info: RequestInfo) -> None: ...


def _describe(request: Any) -> tuple[str, str, tuple[Any, ...], str | None, int]:
    """(kind, cql, values, consistency, statements) of what a flow yielded."""
    kind = type(request)
    if kind is Request:
        c = request.compiled
        return "statement", c.cql, tuple(c.params), request.consistency, 1
    if kind is BatchRequest:
        cql = request.text()
        values = tuple(v for i in request.items for v in i.params)
        return "batch", cql, values, request.consistency, len(request.items)
    if kind is RawRequest:
        return "raw", request.cql, tuple(request.params), None, 1
    if kind is list and request:
        first = request[0].compiled
        values = tuple(v for r in request for v in r.compiled.params)
        return "concurrent", first.cql, values, request[0].consistency, len(request)
    return "other", repr(request), (), None, 1


def _rows(result: Any) -> int | None:
    if isinstance(result, Page):
        return len(result.rows)
    if isinstance(result, list):
        return sum(len(p.rows) for p in result if isinstance(p, Page))
    return None


def check_echo(echo: Any) -> bool | str:
    if echo in (False, None, True, "values"):
        return bool(echo) if echo != "values" else "values"
    raise ConfigurationError(
        f"init_coodie(echo={echo!r}): use True (statements, values redacted), "
        "'values' (statements and their values) or False"
    )


def _echo_handler() -> None:
    """echo=True prints the log, as SQLAlchemy's does, unless logging is set up for it."""
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
        log.addHandler(handler)
    if log.level == logging.NOTSET:  # a level set on coodie.cql is kept
        log.setLevel(logging.INFO)


class Observed:
    """A driver whose every request is logged (echo) and shown to hooks. Everything else
    (connect, shutdown, settings) is the wrapped driver's."""

    _driver: Driver

    def __init__(
        self,
        driver: Any,
        name: str,
        driver_type: str,
        echo: bool | str,
        hooks: Sequence[Any],
    ) -> None:
        for hook in hooks:
            if not (hasattr(hook, "before_request") or hasattr(hook, "after_request")):
                raise ConfigurationError(
                    f"init_coodie(hooks=...): {hook!r} has neither before_request() nor "
                    "after_request()"
                )
        # (in the instance's own dict: setting an attribute sets the wrapped driver's)
        self.__dict__.update(
            _driver=driver,
            _name=name,
            _driver_type=driver_type,
            _echo=echo,
            _before=[h.before_request for h in hooks if hasattr(h, "before_request")],
            _after=[h.after_request for h in hooks if hasattr(h, "after_request")],
        )
        if echo:
            _echo_handler()

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._driver, attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(self._driver, attr, value)

    def __repr__(self) -> str:
        return f"Observed({self._driver!r})"

    # ------------------------------------------------------------- around each request

    def _start(self, request: Any) -> tuple[RequestInfo, float]:
        kind, cql, params, consistency, n = _describe(request)
        info = RequestInfo(
            self._name, self._driver_type, self._driver.keyspace, kind, cql, params, consistency, n
        )
        for before in self._before:
            before(info)
        return info, time.perf_counter()

    def _end(
        self, info: RequestInfo, started: float, result: Any, error: BaseException | None
    ) -> None:
        info.duration = time.perf_counter() - started
        info.rows = _rows(result)
        info.error = error
        if self._echo and log.isEnabledFor(logging.INFO):
            values = (
                repr(list(info.params))
                if self._echo == "values"
                else f"[{len(info.params)} values redacted]"
            )
            outcome = f"{info.rows} rows" if error is None else f"failed: {type(error).__name__}"
            log.info(
                "%s [%s %s] %.1f ms, %s; %s",
                info.cql,
                info.driver,
                info.driver_type,
                info.duration * 1000,
                outcome,
                values,
            )
        for after in self._after:
            after(info)

    def _run(self, call: Callable[[Any], T], request: Any) -> T:
        info, started = self._start(request)
        try:
            result = call(request)
        except BaseException as e:
            self._end(info, started, None, e)
            raise
        self._end(info, started, result, None)
        return result

    async def _await(self, call: Callable[[Any], Awaitable[T]], request: Any) -> T:
        info, started = self._start(request)
        try:
            result = await call(request)
        except BaseException as e:
            self._end(info, started, None, e)
            raise
        self._end(info, started, result, None)
        return result

    # ------------------------------------------------------------- the driver protocol

    def execute(self, request: Request) -> Page:
        return self._run(self._driver.execute, request)

    def execute_concurrent(self, requests: list[Request]) -> list[Page]:
        return self._run(self._driver.execute_concurrent, requests)

    def execute_batch(self, batch: BatchRequest) -> Page:
        return self._run(self._driver.execute_batch, batch)

    def execute_raw(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        if isinstance(raw, str):  # coodie 1.9's form: back through here as a RawRequest
            from coodie.drivers import rows_of_cql

            return rows_of_cql(self, raw, params)
        return self._run(self._driver.execute_raw, raw)

    def execute_async(self, request: Request) -> Awaitable[Page]:
        return self._await(self._driver.execute_async, request)

    def execute_concurrent_async(self, requests: list[Request]) -> Awaitable[list[Page]]:
        return self._await(self._driver.execute_concurrent_async, requests)

    def execute_batch_async(self, batch: BatchRequest) -> Awaitable[Page]:
        return self._await(self._driver.execute_batch_async, batch)

    def execute_raw_async(self, raw: RawRequest | str, params: Sequence[Any] | None = None) -> Any:
        if isinstance(raw, str):
            from coodie.drivers import rows_of_cql_async

            return rows_of_cql_async(self, raw, params)
        return self._await(self._driver.execute_raw_async, raw)
