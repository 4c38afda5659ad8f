"""The asyncio runner: drive core flows to completion on an `AsyncDriver`."""

from __future__ import annotations

import functools
import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any, Concatenate, TypeVar

from typing_extensions import ParamSpec

from coodie.flows import (
    DONE,
    FLOW,
    QuickFinder,
    Single,
    begin,
    shell_signature,
    steps,
)
from coodie.requests import Flow, HasDriver

if TYPE_CHECKING:
    from coodie.drivers import AsyncDriver, Driver

__all__ = ["adrive", "arun", "awaiting", "operation", "single"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound=HasDriver)


def _methods(driver: AsyncDriver) -> tuple[Callable[[Any], Awaitable[Any]], ...]:
    return (
        driver.execute_async,
        driver.execute_concurrent_async,
        driver.execute_batch_async,
        driver.execute_raw_async,
    )


@types.coroutine
def _steps(*args: Any) -> Generator[Any, Any, Any]:
    """`flows.steps` as a coroutine (it awaits each answer)."""
    return (yield from steps(*args))


async def adrive(
    flow: Flow[T],
    driver: Driver | None = None,
    driver_name: str | None = None,
    other: Callable[[Any], Awaitable[Any]] | None = None,
) -> T:
    """`coodie.sync._run.drive`, awaiting each request."""
    result: T = await _steps(flow, driver, driver_name, _methods, other, True)
    return result


async def arun(driver_name: str | None, flow: Flow[T]) -> T:
    """Run `flow` on the driver registered as `driver_name` (None: the default one)."""
    return await adrive(flow, None, driver_name)


def awaiting(
    flow: Callable[Concatenate[S, P], Flow[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """A coroutine method that runs `flow` on the owner's driver."""

    @functools.wraps(flow)
    async def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await adrive(flow(self, *args, **kwargs), None, self._driver_name())

    return method


def operation(
    build: Callable[Concatenate[S, Driver | None, P], Single[T] | Flow[T]],
    name: str | None = None,
    queue: Callable[[Any, S], bool] | None = None,
    writes: bool = False,
    quick: QuickFinder | None = None,
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """`coodie.sync._run.operation`, awaiting the requests."""

    @functools.wraps(build)
    async def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        request, way, state, driver = begin(self, args, kwargs, build, writes, queue, quick)
        if request is DONE:
            done: T = state
        elif request is FLOW:
            done = await adrive(state, driver, self._driver_name())
        else:
            done = way.answer(self, state, await driver.execute_async(request))
        return done

    shell_signature(method, build, name)
    return method


def single(
    build: Callable[Concatenate[S, Driver | None, P], Single[T] | Flow[T]],
    name: str | None = None,
    queue: Callable[[Any, S], bool] | None = None,
    quick: QuickFinder | None = None,
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """`operation()` for a write, which may be given `batch=`."""
    return operation(build, name, queue, True, quick)
