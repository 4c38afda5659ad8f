"""One test body, both APIs: `f(x)` returns `x` for coodie.sync and awaits it for coodie.aio."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import coodie.aio
import coodie.sync
from tests.integration import models


class Flavour:
    def __init__(self, module: ModuleType, loop: asyncio.AbstractEventLoop | None) -> None:
        self.module = module
        self.name = module.__name__.rsplit(".", 1)[-1]
        self.loop = loop
        self.m = models.build(module)

    def __repr__(self) -> str:
        return self.name

    @property
    def is_async(self) -> bool:
        return self.loop is not None

    def __call__(self, value: Any) -> Any:
        """The result of a coodie call: as is (sync), or awaited (aio)."""
        if self.loop is None:
            return value
        return self.loop.run_until_complete(value)

    def list(self, qs: Any) -> list[Any]:
        """Iterate a QuerySet the flavour's way (for / async for)."""
        if self.loop is None:
            return list(qs)

        async def collect() -> list[Any]:
            return [doc async for doc in qs]

        return self.loop.run_until_complete(collect())

    @contextlib.contextmanager
    def batch(self, **options: Any) -> Iterator[Any]:
        """`with BatchQuery()` / `async with AsyncBatchQuery()`."""
        if self.loop is None:
            with coodie.sync.BatchQuery(**options) as b:
                yield b
            return
        b = coodie.aio.AsyncBatchQuery(**options)
        self.loop.run_until_complete(b.__aenter__())
        try:
            yield b
        except BaseException as e:
            self.loop.run_until_complete(b.__aexit__(type(e), e, e.__traceback__))
            raise
        self.loop.run_until_complete(b.__aexit__(None, None, None))
