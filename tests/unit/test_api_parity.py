"""coodie.aio mirrors coodie.sync: same names, same methods, same parameters."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

import coodie
import coodie.aio
import coodie.sync

PAIRS = [
    ("Document", "Document"),
    ("CounterDocument", "CounterDocument"),
    ("MaterializedView", "MaterializedView"),
    ("QuerySet", "AsyncQuerySet"),
    ("BatchQuery", "AsyncBatchQuery"),
]


def _public(cls: type) -> dict[str, Any]:
    from pydantic import BaseModel

    out = {}
    for name in dir(cls):
        if name.startswith("_") or hasattr(BaseModel, name):  # pydantic's API is not ours
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, (classmethod, staticmethod)) or callable(attr):
            out[name] = getattr(cls, name)
    return out


def _names(module: Any) -> set[str]:
    submodules = {"batch", "connection", "document", "query", "annotations"}
    return {n for n in vars(module) if not n.startswith("_") and n not in submodules}


def test_every_sync_name_has_an_async_twin() -> None:
    assert _names(coodie.sync) <= _names(coodie.aio)
    assert _names(coodie.aio) - _names(coodie.sync) == {"AsyncBatchQuery", "AsyncQuerySet"}
    assert {"Document", "init_coodie", "AsyncBatchQuery", "CounterDocument"} <= set(coodie.__all__)
    assert coodie.Document is coodie.aio.Document


@pytest.mark.parametrize(("sync_name", "aio_name"), PAIRS)
def test_methods_and_parameters_match(sync_name: str, aio_name: str) -> None:
    s = _public(getattr(coodie.sync, sync_name))
    a = _public(getattr(coodie.aio, aio_name))
    assert sorted(s) == sorted(a)
    for name in s:
        ps = inspect.signature(s[name]).parameters
        pa = inspect.signature(a[name]).parameters
        assert [(p.name, p.kind, p.default) for p in ps.values()] == [
            (p.name, p.kind, p.default) for p in pa.values()
        ], name


@pytest.mark.parametrize(("sync_name", "aio_name"), PAIRS)
def test_async_methods_are_coroutines_where_sync_ones_do_io(sync_name: str, aio_name: str) -> None:
    lazy = {
        "find",
        "filter",
        "limit",
        "order_by",
        "order_by_ann",
        "only",
        "allow_filtering",
        "allow_scan",
        "ttl",
        "timestamp",
        "consistency",
        "serial_consistency",
        "retry_policy",
        "timeout",
        "per_partition_limit",
        "page_size",
        "fetch_size",
        "add",
        "defer",
        "distinct",
        "if_exists",
        "if_not_exists",
        "to_cql",
    }
    a = _public(getattr(coodie.aio, aio_name))
    for name, fn in a.items():
        assert inspect.iscoroutinefunction(fn) == (name not in lazy), name


def test_init_coodie_signatures_match() -> None:
    ps = inspect.signature(coodie.sync.init_coodie).parameters
    pa = inspect.signature(coodie.aio.init_coodie).parameters
    assert list(ps) == list(pa)
    assert inspect.iscoroutinefunction(coodie.aio.init_coodie)


@pytest.mark.parametrize("module", [coodie.sync, coodie.aio], ids=["sync", "aio"])
def test_methods_show_their_public_names_and_parameters(module: Any) -> None:
    """help() and signatures show what a user calls: the QuerySet's terminals under their
    own names, and no internal `driver` parameter (the shells resolve the driver)."""
    qs = module.QuerySet
    assert qs.first.__name__ == "first"
    assert str(inspect.signature(qs.first)) == "(self)"
    assert str(inspect.signature(qs.update)).startswith("(self, /, *, if_conditions")
    for method in (module.Document.save, module.Document.delete, module.Document.save_changes):
        assert "driver" not in inspect.signature(method).parameters, method


def test_save_changes_refuses_a_keyword_that_is_not_an_option() -> None:
    """save_changes() writes the fields assigned since the read; any other keyword is a
    mistake (a column's new value goes through assignment, or update()), refused before
    anything is sent: it is never taken for a column to write."""
    from typing import Annotated

    from coodie.fields import PrimaryKey

    def model(module: Any) -> Any:
        class Changing(module.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]
            name: str = ""

            class Settings:
                name = "changing"
                keyspace = "nowhere"

        return Changing

    Changing, AioChanging = model(coodie.sync), model(coodie.aio)
    with pytest.raises(TypeError, match="unexpected keyword argument 'name'"):
        Changing(id=1).save_changes(name="x")
    with pytest.raises(TypeError, match="unexpected keyword argument 'tll'"):
        asyncio.run(AioChanging(id=1).save_changes(tll=5))
