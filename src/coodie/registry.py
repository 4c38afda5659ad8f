"""Named drivers registered by `init_coodie()`. No I/O: just the table of who is who."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from coodie.exceptions import ConfigurationError

if TYPE_CHECKING:
    from coodie.drivers import Driver

__all__ = [
    "find_driver",
    "get_driver",
    "register_driver",
    "registered",
    "rollback",
    "unregister_driver",
]

_drivers: dict[str, Driver] = {}
_default: list[str] = []


def register_driver(name: str, driver: Driver, *, default: bool = False) -> None:
    _drivers[name] = driver
    if default or not _default:
        _default[:] = [name]


def unregister_driver(name: str) -> Driver | None:
    driver = _drivers.pop(name, None)
    if _default and _default[0] == name:
        _default[:] = [next(iter(_drivers))] if _drivers else []
    return driver


@contextlib.contextmanager
def rollback(always: bool = False) -> Iterator[None]:
    """Restore the registered drivers if the block raises (with `always`, however it ends:
    the pytest plugin's fixtures register theirs for one test)."""
    saved, saved_default = dict(_drivers), list(_default)
    try:
        yield
    except BaseException:
        always = True
        raise
    finally:
        if always:
            _drivers.clear()
            _drivers.update(saved)
            _default[:] = saved_default


def registered() -> dict[str, Driver]:
    return dict(_drivers)


def get_driver(name: str | None = None) -> Driver:
    """The driver called `name`, or the default one."""
    if name is None:
        if not _default:
            raise ConfigurationError(
                "no driver registered: call init_coodie(hosts=[...], keyspace=...) "
                "(from coodie.sync or coodie.aio) before using a Document"
            )
        name = _default[0]
    try:
        return _drivers[name]
    except KeyError:
        raise ConfigurationError(
            f"no driver named {name!r}: call init_coodie(..., name={name!r}) first; "
            f"registered: {', '.join(_drivers) or 'none'}"
        ) from None


def find_driver(name: str | None = None) -> Driver | None:
    """The driver called `name` (None: the default one), or None when there is none:
    a call resolves its driver once, and says what is missing only where it needs it."""
    if name is None:
        return _drivers[_default[0]] if _default else None
    return _drivers.get(name)
