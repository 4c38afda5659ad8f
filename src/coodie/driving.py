"""What the sync and async runners share: a flow, and the state of one being driven.

A *flow* is a generator that yields what a driver runs (a `Request`, a list of them to
run concurrently, a `BatchRequest`, a `RawRequest`) and receives the answers (`Page`s).
`coodie.sync._run.drive` and `coodie.aio._run.adrive` are the only loops that drive
flows: each iterates over `Steps`, runs what it yields on the driver (blocking or
awaited), and hands back the answer or the error. No I/O here.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from coodie.registry import get_driver

if TYPE_CHECKING:
    from coodie.drivers import Driver

__all__ = ["Flow", "HasDriver", "Steps"]

R = TypeVar("R")
Flow = Generator[
    Any, Any, R
]  # yields Request | list[Request] | BatchRequest | RawRequest; receives Page(s)


class HasDriver(Protocol):
    """What a shell method runs a flow for: it names its driver (None: the default)."""

    def _driver_name(self) -> str | None: ...


class Steps(Generic[R]):
    """Iterating yields each thing the flow asks to run; set `answer` (or `error`, which
    is thrown into the flow so that its `finally` can clean up) before the next one.
    After the loop, `result` is the flow's result."""

    __slots__ = ("_driver", "_flow", "_name", "answer", "error", "result")

    def __init__(self, flow: Flow[R], driver: Driver | None, driver_name: str | None) -> None:
        self._flow = flow
        self._driver = driver
        self._name = driver_name
        self.answer: Any = None
        self.error: Exception | None = None

    def driver(self) -> Driver:
        """The driver, looked up when first needed: a flow that sends nothing needs none."""
        driver = self._driver
        if driver is None:
            driver = self._driver = get_driver(self._name)
        return driver

    def __iter__(self) -> Iterator[Any]:
        flow = self._flow
        while True:
            error = self.error
            try:
                request = flow.send(self.answer) if error is None else flow.throw(error)
            except StopIteration as done:
                self.result: R = done.value
                return
            self.answer = self.error = None
            yield request
