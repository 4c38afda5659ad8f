"""The asyncio runner: drive core flows to completion on an `AsyncDriver`."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, TypeVar

from typing_extensions import ParamSpec

from coodie.flows import NO_PAGE, Single
from coodie.registry import get_driver
from coodie.requests import BatchRequest, Flow, HasDriver, Page, RawRequest, Request

if TYPE_CHECKING:
    from coodie.drivers import AsyncDriver, Driver

__all__ = ["adrive", "arun", "arun_single", "awaiting", "single", "submit"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound=HasDriver)


def submit(
    driver: AsyncDriver, request: Any, other: Callable[[Any], Awaitable[Any]] | None = None
) -> Awaitable[Any]:
    """The awaitable that runs one thing a flow yielded; `other` answers what is not a
    request."""
    kind = type(request)
    if kind is Request:  # the common case first
        return driver.execute_async(request)
    if kind is list:
        return driver.execute_concurrent_async(request)
    if kind is BatchRequest:
        return driver.execute_batch_async(request)
    if kind is RawRequest:
        return driver.execute_raw_async(request)
    if other is not None:
        return other(request)
    raise TypeError(f"a flow yielded {request!r}")


async def adrive(
    flow: Flow[T],
    driver: Driver | None = None,
    driver_name: str | None = None,
    other: Callable[[Any], Awaitable[Any]] | None = None,
) -> T:
    """`coodie.sync._run.drive`, awaiting each request. The one asyncio loop over flows."""
    answer: Any = None
    error: Exception | None = None
    while True:
        try:
            request = flow.send(answer) if error is None else flow.throw(error)
        except StopIteration as done:
            result: T = done.value
            return result
        if driver is None:
            driver = get_driver(driver_name)
        try:
            answer, error = await submit(driver, request, other), None
        except Exception as e:
            answer, error = None, e


async def arun(driver_name: str | None, flow: Flow[T]) -> T:
    """Run `flow` on the driver registered as `driver_name` (None: the default one)."""
    return await adrive(flow, None, driver_name)


async def arun_single(driver_name: str | None, op: Single[T]) -> T:
    """Run a one-statement operation and give its answer."""
    answer, sent = _send(driver_name, op)
    del op  # (only the answer waits: fewer objects live while many requests are in flight)
    return answer(NO_PAGE if sent is None else await sent)


def _send(driver_name: str | None, op: Single[T]) -> tuple[Callable[[Page], T], Any]:
    """Send `op`'s request: its answer, and the awaitable of its page (None: nothing to
    send). The Single, its Request and Compiled are not needed once sent."""
    request = op.request
    if request is None:
        return op.answer, None
    return op.answer, get_driver(driver_name).execute_async(request)


def awaiting(
    flow: Callable[Concatenate[S, P], Flow[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """A coroutine method that runs `flow` on the owner's driver."""

    @functools.wraps(flow)
    async def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await adrive(flow(self, *args, **kwargs), None, self._driver_name())

    return method


def single(
    build: Callable[Concatenate[S, P], Single[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """A coroutine method that runs the operation `build` makes on the owner's driver,
    or queues it in the batch given as `batch=` (nothing runs until the batch does)."""

    @functools.wraps(build)
    async def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        op = build(self, *args, **kwargs)
        batch: Any = kwargs.get("batch")
        if batch is not None:
            return batch._queue(op)  # type: ignore[no-any-return]
        # (arun_single's body, not a call: one coroutine less per operation)
        answer, sent = _send(self._driver_name(), op)
        del op
        return answer(NO_PAGE if sent is None else await sent)

    return method
