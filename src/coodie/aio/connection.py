"""`await init_coodie()` for the asyncio API: the core's, then connect without blocking."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from typing_extensions import ParamSpec

from coodie import connection, registry
from coodie.aio.raw import sync_all
from coodie.schema_all import init_documents

__all__ = ["init_coodie"]

P = ParamSpec("P")


def _connecting(init: Callable[P, Any]) -> Callable[P, Coroutine[Any, Any, Any]]:
    signature = inspect.signature(init)

    @functools.wraps(init)
    async def init_coodie(*args: P.args, **kwargs: P.kwargs) -> Any:
        """Connect and register a driver (same options as `coodie.sync.init_coodie`).
        Awaiting it opens the connection: an unreachable cluster fails here and leaves
        the registered drivers as they were. A driver it replaces is shut down once the
        new one is connected."""
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        to_sync = init_documents(a["name"], a["documents"], a["sync"])
        with registry.rollback():
            driver, replaced = connection.register_new_driver(a)
            await driver.connect_async()
        if replaced is not None:
            await replaced.shutdown_async()
        if to_sync:
            await sync_all(to_sync)
        return driver

    return init_coodie


init_coodie = _connecting(connection.init_coodie)
