"""The blocking runner: drive core flows to completion on a `SyncDriver`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, TypeVar

from typing_extensions import ParamSpec

from coodie.registry import get_driver
from coodie.requests import BatchRequest, Flow, HasDriver, RawRequest, Request

if TYPE_CHECKING:
    from coodie.drivers import Driver, SyncDriver

__all__ = ["blocking", "drive", "execute", "run"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound=HasDriver)


def execute(driver: SyncDriver, request: Any, other: Callable[[Any], Any] | None = None) -> Any:
    """Run one thing a flow yielded on `driver`; `other` answers what is not a request."""
    kind = type(request)
    if kind is Request:  # the common case first
        return driver.execute(request)
    if kind is list:
        return driver.execute_concurrent(request)
    if kind is BatchRequest:
        return driver.execute_batch(request)
    if kind is RawRequest:
        return driver.execute_raw(request)
    if other is not None:
        return other(request)
    raise TypeError(f"a flow yielded {request!r}")


def drive(
    flow: Flow[T],
    driver: Driver | None = None,
    driver_name: str | None = None,
    other: Callable[[Any], Any] | None = None,
) -> T:
    """Run `flow` to its result on `driver` (None: the one registered as `driver_name`,
    looked up when the flow first yields: a flow that sends nothing needs none). A failure
    is thrown into the flow, so that its `finally` can clean up. The one blocking loop
    over flows."""
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
            answer, error = execute(driver, request, other), None
        except Exception as e:
            answer, error = None, e


def run(driver_name: str | None, flow: Flow[T]) -> T:
    """Run `flow` on the driver registered as `driver_name` (None: the default one)."""
    return drive(flow, None, driver_name)


def blocking(
    flow: Callable[Concatenate[S, P], Flow[T]],
    queued: Callable[Concatenate[S, P], T] | None = None,
) -> Callable[Concatenate[S, P], T]:
    """A method that runs `flow` on the owner's driver (or, given `batch=`, calls
    `queued`, the flow's batch case, directly: nothing runs until the batch does)."""

    @functools.wraps(flow)
    def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        if queued is not None and kwargs.get("batch") is not None:
            return queued(self, *args, **kwargs)
        return drive(flow(self, *args, **kwargs), None, self._driver_name())

    return method
