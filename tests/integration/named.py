"""A named driver of a test's own, opened the flavour's way on the suite's node and driver
(COODIE_TEST_DRIVER) with init_coodie's extra options, and closed again."""

from __future__ import annotations

import os
from typing import Any

from coodie.registry import unregister_driver
from tests.integration.conftest import _contact_points, driver_options


def open_named(f: Any, name: str, keyspace: str | None, **options: Any) -> Any:
    hosts, port = _contact_points()
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    settings = {"driver_type": driver_type, **driver_options(driver_type), **options}
    return f(f.module.init_coodie(hosts=hosts, port=port, keyspace=keyspace, name=name, **settings))


def close_named(f: Any, name: str) -> None:
    driver = unregister_driver(name)
    if driver is not None:
        f(driver.shutdown_async()) if f.is_async else driver.shutdown()
