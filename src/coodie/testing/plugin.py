"""coodie's pytest plugin: active when coodie is installed (the `pytest11` entry point
`coodie`), off with `-p no:coodie`.

Fixtures:

- `coodie_memory`: a fresh in-memory cluster per test, registered as coodie's default
  driver (and under every driver name a model names), its keyspace created and the
  test module's models synced (its own, and those of the modules it imports, two levels
  deep; `sync_models([...])` syncs others). It is the `MemoryDriver`: `coodie_memory.advance(60)` moves the
  clock TTLs expire by.
- `cassandra_node`: the real cluster of the run (session scope): `--coodie-hosts` /
  COODIE_TEST_HOSTS when given, else the node answering on 127.0.0.1:9042, else one the
  plugin starts with `coodie.testing.node` (a JDK 17 and, once, Maven) and stops after.
- `coodie_keyspace`: a fresh keyspace on that cluster, models synced, coodie's default
  driver on it (`--coodie-driver` / COODIE_TEST_DRIVER: scylla, acsylla or cassandra),
  dropped after; per test, or per module with `--coodie-keyspace-scope=module` (ini
  `coodie_keyspace_scope`). An `async def` test gets a driver connected in its own event
  loop, whatever the loop's scope (acsylla's connections belong to one loop).
"""

from __future__ import annotations

import inspect
import os
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

__all__ = ["Node", "sync_models"]

_DEFAULT_KEYSPACE = "coodie_test"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("coodie", "coodie's test fixtures")
    group.addoption(
        "--coodie-hosts",
        default=None,
        help="the cluster of cassandra_node / coodie_keyspace, host[:port],... "
        "(default: COODIE_TEST_HOSTS, else a local node, started if none answers)",
    )
    group.addoption(
        "--coodie-driver",
        default=None,
        help="the driver coodie_keyspace registers: scylla, acsylla, cassandra "
        "(default: COODIE_TEST_DRIVER, else scylla)",
    )
    group.addoption(
        "--coodie-keyspace-scope",
        default=None,
        choices=("function", "module"),
        help="a fresh coodie_keyspace per test (function, the default) or per module",
    )
    parser.addini("coodie_keyspace_scope", "function or module", default="function")


# ------------------------------------------------------------------ models


def _models(module: Any = None) -> list[type[Any]]:
    """The concrete model classes a test's module names: its own, and those of the modules
    it imports (two levels deep: `import app` finds app's models, and app's imports');
    tables before views. Without a module: every model of every module imported so far."""
    from coodie.document import DocumentCore

    def concrete(obj: Any) -> bool:
        return (
            isinstance(obj, type)
            and issubclass(obj, DocumentCore)
            and not obj.__dict__.get("__coodie_abstract__")
            and not getattr(obj.__dict__.get("Settings"), "abstract", False)
            and not obj.__module__.startswith("coodie.")
            and "<locals>" not in obj.__qualname__  # (a test syncs its own local classes)
        )

    found: dict[type[Any], None] = {}
    if module is None:
        todo: list[type[Any]] = [DocumentCore]
        while todo:
            for sub in todo.pop().__subclasses__():
                todo.append(sub)
                if concrete(sub):
                    found[sub] = None
    else:
        seen: set[int] = set()
        modules: list[tuple[Any, int]] = [(module, 2)]
        while modules:
            mod, depth = modules.pop()
            if id(mod) in seen:
                continue
            seen.add(id(mod))
            for value in list(vars(mod).values()):
                if concrete(value):
                    found[value] = None
                elif depth and isinstance(value, types.ModuleType) and _app_module(value):
                    modules.append((value, depth - 1))
    return sorted(found, key=lambda m: bool(getattr(m, "__coodie_view__", False)))


def _app_module(module: types.ModuleType) -> bool:
    """Not coodie's, the standard library's or an installed package's."""
    top = module.__name__.split(".")[0]
    path = str(getattr(module, "__file__", "") or "")
    outside = top in ("coodie", "pytest", "_pytest") or top in sys.stdlib_module_names
    return not (outside or "site-packages" in path or not path)


def sync_models(models: list[type[Any]] | None = None) -> None:
    """Create (or bring up to date) the tables, types, indexes and views of `models`
    (default: every model of every module imported so far) on the drivers they name."""
    from coodie import ddl
    from coodie.sync._run import run

    for model in _models() if models is None else models:
        name = model._driver_name()
        if getattr(model, "__coodie_view__", False):
            run(name, model._sync_view_flow())
        else:
            run(name, ddl.model_sync_flow(model))


def _driver_names(models: list[type[Any]]) -> set[str]:
    return {name for model in models if (name := model._driver_name())}


@pytest.fixture
def coodie_memory(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh in-memory cluster as coodie's driver, the test module's models synced."""
    from coodie import registry
    from coodie.testing.driver import MemoryCluster, MemoryDriver

    driver = MemoryDriver(_DEFAULT_KEYSPACE, cluster=MemoryCluster())
    models = _models(request.module)
    with registry.rollback(always=True):
        registry.register_driver("default", driver, default=True)
        for name in _driver_names(models):
            registry.register_driver(name, driver)
        driver.execute_raw(
            f"CREATE KEYSPACE IF NOT EXISTS {_DEFAULT_KEYSPACE} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        sync_models(models)
        yield driver


# ------------------------------------------------------------------ a real node


@dataclass(frozen=True)
class Node:
    """The cluster the real-node fixtures use."""

    hosts: tuple[str, ...]
    port: int
    started: bool  # started by this run (and stopped at its end)


@pytest.fixture(scope="session")
def cassandra_node(pytestconfig: pytest.Config) -> Iterator[Node]:
    """The real cluster: given, answering locally, or started for this run."""
    from coodie.hosts import parse_hosts

    given = pytestconfig.getoption("--coodie-hosts") or os.environ.get("COODIE_TEST_HOSTS")
    if given:
        hosts, port = parse_hosts(given, 9042)
        yield Node(tuple(hosts), port, started=False)
        return
    from coodie.testing import node

    if node.cql_answers(node.HOST, node.PORT):
        yield Node((node.HOST,), node.PORT, started=False)
        return
    try:
        node.up()
    except node.NodeError as e:
        pytest.fail(f"coodie: could not start a Cassandra node: {e}", pytrace=False)
    try:
        yield Node((node.HOST,), node.PORT, started=True)
    finally:
        node.down()


def _driver_type(config: pytest.Config) -> str:
    return str(
        config.getoption("--coodie-driver") or os.environ.get("COODIE_TEST_DRIVER") or "scylla"
    )


def _keyspace_scope(fixture_name: str, config: pytest.Config) -> Any:
    return config.getoption("--coodie-keyspace-scope") or config.getini("coodie_keyspace_scope")


@pytest.fixture(scope="session")
def _coodie_admin(cassandra_node: Node, pytestconfig: pytest.Config) -> Iterator[Any]:
    """The driver that creates and drops the test keyspaces and syncs the models."""
    from coodie.sync import init_coodie

    driver = init_coodie(
        hosts=list(cassandra_node.hosts),
        port=cassandra_node.port,
        name="coodie-testing-admin",
        default=False,
        driver_type=_driver_type(pytestconfig),
    )
    yield driver
    from coodie.registry import unregister_driver

    unregister_driver("coodie-testing-admin")
    driver.shutdown()


@pytest.fixture(scope=_keyspace_scope)
def _coodie_keyspace_name(_coodie_admin: Any) -> Iterator[str]:
    name = f"coodie_test_{uuid.uuid4().hex[:12]}"
    _coodie_admin.execute_raw(
        f"CREATE KEYSPACE {name} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    try:
        yield name
    finally:
        _coodie_admin.execute_raw(f"DROP KEYSPACE IF EXISTS {name}")


@pytest.fixture
def coodie_keyspace(
    request: pytest.FixtureRequest,
    cassandra_node: Node,
    _coodie_admin: Any,
    _coodie_keyspace_name: str,
    pytestconfig: pytest.Config,
) -> Iterator[str]:
    """A fresh keyspace on the real cluster, coodie's default driver on it, models synced."""
    from coodie import connection, registry

    driver_type = _driver_type(pytestconfig)
    models = _models(request.module)
    own = driver_type == "acsylla" and inspect.iscoroutinefunction(
        getattr(request.node, "obj", None)
    )
    with registry.rollback(always=True):
        if own:  # a driver of the test's own, connected in its loop (pytest_runtest_call)
            driver, _ = connection.register_new_driver(
                {
                    "hosts": list(cassandra_node.hosts),
                    "keyspace": _coodie_keyspace_name,
                    "driver_type": driver_type,
                    "port": cassandra_node.port,
                    "default": True,
                }
            )
            request.node.stash[_ASYNC_DRIVER] = driver
        else:  # the run's driver (scylla's serves any thread and loop), on this keyspace
            driver = _coodie_admin
            registry.register_driver("default", driver, default=True)
        for name in _driver_names(models) - {"default"}:
            registry.register_driver(name, driver)
        keyspace, driver.keyspace = driver.keyspace, _coodie_keyspace_name
        try:
            sync_models(models)
            yield _coodie_keyspace_name
        finally:
            if not own:
                driver.keyspace = keyspace


_ASYNC_DRIVER = pytest.StashKey[Any]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """An async test with `coodie_keyspace` connects its driver in the test's own event
    loop before its body runs, and shuts it down in that loop after."""
    driver = item.stash.get(_ASYNC_DRIVER, None)
    original: Callable[..., Any] | None = getattr(item, "obj", None)
    if driver is None or original is None:
        yield
        return

    async def in_the_tests_loop(*args: Any, **kwargs: Any) -> Any:
        await driver.connect_async()
        try:
            return await original(*args, **kwargs)
        finally:
            await driver.shutdown_async()

    item.obj = in_the_tests_loop  # type: ignore[attr-defined]
    try:
        yield
    finally:
        item.obj = original  # type: ignore[attr-defined]
