"""Driver set-up errors that need no node: they fail at init_coodie(), before any I/O."""

from __future__ import annotations

import importlib.abc
import sys
from typing import Any

import pytest
from cassandra import DependencyException

from coodie.exceptions import ConfigurationError
from coodie.sync import init_coodie


def test_acsylla_refuses_options_it_does_not_take_at_init() -> None:
    """acsylla given auth_provider= once failed only at first use, as "a value does not
    fit its column"; it now fails at init_coodie() and lists the options it takes."""
    with pytest.raises(ConfigurationError) as e:
        init_coodie(driver_type="acsylla", name="unit_acsylla", auth_provider=object())
    message = str(e.value)
    assert "does not take auth_provider (credentials are username= and password=)" in message
    for option in ("username", "password", "request_timeout", "ssl_enabled", "num_threads_io"):
        assert option in message
    with pytest.raises(ConfigurationError, match="does not take bogus_option, ssl_context"):
        init_coodie(driver_type="acsylla", name="unit_acsylla", ssl_context=1, bogus_option=2)


class _NoConnectionClass(importlib.abc.MetaPathFinder):
    """Importing cassandra.cluster fails as it does with a cassandra-driver built without
    libev on a Python without asyncore (its module-level DependencyException)."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "cassandra.cluster":
            raise DependencyException(
                "Exception loading connection class dependencies",
                [DependencyException("libevreactor: libev not found")],
            )


@pytest.mark.parametrize("driver_type", ["cassandra", "scylla"])
def test_a_cassandra_driver_without_libev_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, driver_type: str
) -> None:
    """The raw DependencyException of cassandra-driver without libev becomes a
    ConfigurationError that says how to fix it. (cassandra-driver is not installed here:
    scylla-driver is, and it falls back to asyncio, so the failure is forced.)"""
    for module in ("cassandra.cluster", "coodie.drivers.cassandra"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoConnectionClass(), *sys.meta_path])
    with pytest.raises(ConfigurationError, match="built without libev") as e:
        init_coodie(driver_type=driver_type, name="unit_nolibev")
    assert "libev-dev" in str(e.value) and "pip install scylla-driver" in str(e.value)
    assert isinstance(e.value.__cause__, DependencyException)


def test_a_full_shape_cache_survives_another_thread_evicting_the_same_entry() -> None:
    # Two threads that find the cache full both pick its oldest entry; the one that
    # deletes it second must not fail (it saw the key before the other thread took it).
    from coodie import drivers

    class Raced(dict[str, int]):
        def __iter__(self) -> Any:
            yield "gone"  # what this thread saw as oldest, already evicted by another

    cache = Raced({f"k{i}": i for i in range(drivers.MAX_SHAPES)})
    assert drivers.keep(cache, "new", 1) == 1
    assert cache["new"] == 1
