"""Drive core flows to completion with a blocking driver."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, Protocol, TypeVar

from typing_extensions import ParamSpec

from coodie.flows import NO_PAGE, Single
from coodie.query import Flow, drive
from coodie.registry import get_driver
from coodie.requests import Request, driver_method

__all__ = ["blocking", "run", "run_single", "single"]

P = ParamSpec("P")
T = TypeVar("T")


class _HasDriver(Protocol):
    def _driver_name(self) -> str | None: ...


S = TypeVar("S", bound=_HasDriver)


def execute(driver: Any, request: Any) -> Any:
    if type(request) is Request:  # the common case, without a lookup by name
        return driver.execute(request)
    return getattr(driver, driver_method(request))(request)


def run(driver_name: str | None, flow: Flow[T]) -> T:
    return drive(flow, driver_name, execute)


def run_single(driver_name: str | None, op: Single[T]) -> T:
    """Run a one-statement operation and give its answer."""
    if op.request is None:
        return op.answer(NO_PAGE)
    return op.answer(get_driver(driver_name).execute(op.request))


def blocking(flow: Callable[Concatenate[S, P], Flow[T]]) -> Callable[Concatenate[S, P], T]:
    """A method that runs `flow` on the owner's driver."""

    @functools.wraps(flow)
    def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return drive(flow(self, *args, **kwargs), self._driver_name(), execute)

    return method


def single(build: Callable[Concatenate[S, P], Single[T]]) -> Callable[Concatenate[S, P], T]:
    """A method that runs the operation `build` makes on the owner's driver, or queues
    it in the batch given as `batch=` (nothing runs until the batch does)."""

    @functools.wraps(build)
    def method(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        op = build(self, *args, **kwargs)
        batch: Any = kwargs.get("batch")
        if batch is not None:
            return batch._queue(op)  # type: ignore[no-any-return]
        return run_single(self._driver_name(), op)

    return method
