"""`await init_coodie()` for the asyncio API: the core's, then connect without blocking."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from typing_extensions import ParamSpec

from coodie import connection, registry

__all__ = ["init_coodie"]

P = ParamSpec("P")


def _connecting(init: Callable[P, Any]) -> Callable[P, Coroutine[Any, Any, Any]]:
    @functools.wraps(init)
    async def init_coodie(*args: P.args, **kwargs: P.kwargs) -> Any:
        """Connect and register a driver (same options as `coodie.sync.init_coodie`).
        Awaiting it opens the connection: an unreachable cluster fails here and leaves
        the registered drivers as they were."""
        with registry.rollback():
            driver = init(*args, **kwargs)
            await driver.connect_async()
        return driver

    return init_coodie


init_coodie = _connecting(connection.init_coodie)
