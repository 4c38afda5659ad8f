"""One-call schema setup: the models given to `init_coodie(documents=[...])`, and the flows
that create their keyspaces, types, tables, indexes and views in dependency order
(`coodie.sync.sync_all()`, `await coodie.aio.sync_all()`). No I/O: the shells run them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from coodie.ddl import model_sync_flow
from coodie.document import DocumentCore
from coodie.exceptions import ConfigurationError
from coodie.registry import registered

if TYPE_CHECKING:
    from coodie.requests import Flow

__all__ = ["init_documents", "register_documents", "registered_documents", "sync_all_flows"]

# driver name -> its models, in the order given, each once
_documents: dict[str, list[type[DocumentCore]]] = {}


def register_documents(driver_name: str, documents: Iterable[Any]) -> None:
    """Remember `documents` for `sync_all()`. Each must be a coodie Document class of the
    driver `driver_name` (its `Settings.driver`, or none for the default driver)."""
    for model in documents:
        if not (isinstance(model, type) and issubclass(model, DocumentCore)):
            raise ConfigurationError(
                f"init_coodie(documents=...): {model!r} is not a Document class"
            )
        if "__coodie_abstract__" in model.__dict__:
            raise ConfigurationError(
                f"init_coodie(documents=...): {model.__name__} is abstract (it has no table)"
            )
        own = model._driver_name()
        if own is not None and own != driver_name:
            raise ConfigurationError(
                f"init_coodie(name={driver_name!r}, documents=...): {model.__name__} runs on "
                f"the driver {own!r} (its Settings.driver); register it with that driver"
            )
        mine = _documents.setdefault(driver_name, [])
        if model not in mine:
            mine.append(model)


def init_documents(
    driver_name: str, documents: Sequence[Any] | None, sync: bool
) -> Sequence[type[DocumentCore]] | None:
    """init_coodie(documents=..., sync=...): register the models (bad ones fail before
    anything connects); the ones to sync once connected, or None."""
    if documents is None:
        if sync:
            raise ConfigurationError("init_coodie(sync=True) needs documents=[...] to sync")
        return None
    register_documents(driver_name, documents)
    return documents if sync else None


def registered_documents() -> list[type[DocumentCore]]:
    """The models given to init_coodie(documents=...) for the drivers registered now."""
    return [m for name in registered() for m in _documents.get(name, ())]


def _in_order(models: Sequence[type[DocumentCore]]) -> list[type[DocumentCore]]:
    """Tables first (a polymorphic subclass stands for its root, once), then views: a view
    needs its base table. Types come with the first table that uses them."""
    views = [m for m in models if getattr(m, "__coodie_view__", False)]
    tables = [getattr(m, "__coodie_poly_root__", None) or m for m in models if m not in views]
    return list(dict.fromkeys(tables + views))


def sync_all_flows(
    documents: Sequence[type[DocumentCore]] | None,
) -> Iterator[tuple[str | None, Flow[list[str]]]]:
    """(driver name, the flow that syncs its models) per driver, in dependency order."""
    models = _in_order(list(documents) if documents is not None else registered_documents())
    names = list(dict.fromkeys(m._driver_name() for m in models))

    def flow(mine: list[type[DocumentCore]]) -> Flow[list[str]]:
        ran: list[str] = []
        for model in mine:
            if getattr(model, "__coodie_view__", False):
                done = yield from model._sync_view_flow()  # type: ignore[attr-defined]
            else:
                done = yield from model_sync_flow(model)
            ran += done
        return ran

    for name in names:
        yield name, flow([m for m in models if m._driver_name() == name])
