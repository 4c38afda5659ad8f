"""Drive core flows to completion with a blocking driver."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, Protocol, TypeVar

from typing_extensions import ParamSpec

from coodie.query import Flow, drive
from coodie.requests import Request, driver_method

__all__ = ["blocking", "run"]

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
        return drive(flow(self, *args, **kwargs), self._driver_name(), execute)

    return method
