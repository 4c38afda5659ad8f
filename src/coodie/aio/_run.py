"""Drive core flows to completion with an asyncio driver."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Protocol, TypeVar

from typing_extensions import ParamSpec

from coodie.flows import NO_PAGE, Single
from coodie.query import Flow
from coodie.registry import get_driver
from coodie.requests import Request, driver_method

__all__ = ["arun", "arun_single", "awaiting", "single"]

P = ParamSpec("P")
T = TypeVar("T")


class _HasDriver(Protocol):
    def _driver_name(self) -> str | None: ...


S = TypeVar("S", bound=_HasDriver)


def submit(driver: Any, request: Any) -> Any:
    """The awaitable that runs one thing a flow yielded."""
    if type(request) is Request:  # the common case, without a lookup by name
        return driver.execute_async(request)
    return getattr(driver, driver_method(request) + "_async")(request)


async def arun(driver_name: str | None, flow: Flow[T]) -> T:
    """`coodie.query.drive`, awaiting each request."""
    answer: Any = None
    driver: Any = None
    while True:
        try:
            request = flow.send(answer)
        except StopIteration as done:
            result: T = done.value
            return result
        if driver is None:
            driver = get_driver(driver_name)
        answer = await submit(driver, request)


async def arun_single(driver_name: str | None, op: Single[T]) -> T:
    """Run a one-statement operation and give its answer."""
    if op.request is None:
        return op.answer(NO_PAGE)
    return op.answer(await get_driver(driver_name).execute_async(op.request))


def awaiting(
    flow: Callable[Concatenate[S, P], Flow[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """A coroutine method that runs `flow` on the owner's driver."""

    @functools.wraps(flow)
    async def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await arun(self._driver_name(), flow(self, *args, **kwargs))

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
        return await arun_single(self._driver_name(), op)

    return method
