"""Drive a core flow to completion with a blocking driver."""

from __future__ import annotations

from typing import Any, TypeVar

from coodie.query import Flow
from coodie.registry import get_driver
from coodie.requests import BatchRequest, RawRequest, Request

T = TypeVar("T")


def execute(driver: Any, request: Any) -> Any:
    kind = type(request)
    if kind is Request:
        return driver.execute(request)
    if kind is list:
        return driver.execute_concurrent(request)
    if kind is BatchRequest:
        return driver.execute_batch(request)
    if kind is RawRequest:
        return driver.execute_raw(request.cql, request.params, request.timeout)
    raise TypeError(f"a flow yielded {request!r}")


def run(driver_name: str | None, flow: Flow[T]) -> T:
    try:
        request = next(flow)
    except StopIteration as done:  # nothing to execute (a write added to a batch)
        return done.value  # type: ignore[no-any-return]
    driver = get_driver(driver_name)
    try:
        while True:
            request = flow.send(execute(driver, request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
