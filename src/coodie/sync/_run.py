"""The blocking runner: drive core flows to completion on a `SyncDriver`."""

from __future__ import annotations

import functools
from collections.abc import Callable
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
    from coodie.drivers import Driver, SyncDriver

__all__ = ["blocking", "drive", "operation", "run", "single"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound=HasDriver)


def _methods(driver: SyncDriver) -> tuple[Callable[[Any], Any], ...]:
    return driver.execute, driver.execute_concurrent, driver.execute_batch, driver.execute_raw


def drive(
    flow: Flow[T],
    driver: Driver | None = None,
    driver_name: str | None = None,
    other: Callable[[Any], Any] | None = None,
) -> T:
    """Run `flow` to its result on `driver` (None: the one registered as `driver_name`);
    `other` answers what is not a request. (The loop is `coodie.flows.steps`.)"""
    try:
        next(steps(flow, driver, driver_name, _methods, other, False))
    except StopIteration as done:
        result: T = done.value
        return result
    raise AssertionError("a blocking flow waits on nothing")  # pragma: no cover


def run(driver_name: str | None, flow: Flow[T]) -> T:
    """Run `flow` on the driver registered as `driver_name` (None: the default one)."""
    return drive(flow, None, driver_name)


def blocking(flow: Callable[Concatenate[S, P], Flow[T]]) -> Callable[Concatenate[S, P], T]:
    """A method that runs `flow` on the owner's driver."""

    @functools.wraps(flow)
    def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return drive(flow(self, *args, **kwargs), None, self._driver_name())

    return method


def operation(
    build: Callable[Concatenate[S, Driver | None, P], Single[T] | Flow[T]],
    name: str | None = None,
    queue: Callable[[Any, S], bool] | None = None,
    writes: bool = False,
    quick: QuickFinder | None = None,
) -> Callable[Concatenate[S, P], T]:
    """A method that resolves the owner's driver once, makes the operation `build` makes
    for it (a `Single`: a request and the function from its page to the answer; or a
    flow, for work of several steps) and runs it there. A write (`writes`) given `batch=`
    is queued in that batch instead (nothing runs until the batch does); `queue` is its
    short way (see flows.begin). `quick` finds the call's quick way, where it has
    one (see flows.Quick): its request is sent, and its answer made, with no operation."""

    @functools.wraps(build)
    def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        request, way, state, driver = begin(self, args, kwargs, build, writes, queue, quick)
        if request is DONE:
            done: T = state
        elif request is FLOW:
            done = drive(state, driver, self._driver_name())
        else:
            done = way.answer(self, state, driver.execute(request))
        return done

    shell_signature(method, build, name)
    return method


def single(
    build: Callable[Concatenate[S, Driver | None, P], Single[T] | Flow[T]],
    name: str | None = None,
    queue: Callable[[Any, S], bool] | None = None,
    quick: QuickFinder | None = None,
) -> Callable[Concatenate[S, P], T]:
    """`operation()` for a write, which may be given `batch=`."""
    return operation(build, name, queue, True, quick)
