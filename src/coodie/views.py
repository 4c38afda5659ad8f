"""Materialized views: checked against their base table at class definition."""

from __future__ import annotations

import dataclasses
from typing import Any

from coodie.ddl import SyncResult, primary_key_clause, with_clause
from coodie.document import DocumentCore
from coodie.exceptions import SchemaError
from coodie.query import Flow, resolve_keyspace
from coodie.requests import Page, RawRequest
from coodie.schema import ColumnKind

__all__ = ["ViewMixin", "create_view_cql"]


class ViewMixin:
    """Core of `MaterializedView`: `Settings.base` names the base Document class."""

    @classmethod
    def _view_base(cls) -> type[DocumentCore]:
        settings = getattr(cls, "Settings", None)
        base = getattr(settings, "base", None)
        if base is None and getattr(settings, "__base_table__", None) is not None:
            base = _base_by_table_name(cls, settings.__base_table__)  # type: ignore[union-attr]
        if base is None or not hasattr(base, "_schema"):
            raise SchemaError(
                f"{cls.__name__}: a MaterializedView needs Settings.base = <the base Document class>"
            )
        return base  # type: ignore[no-any-return]

    @classmethod
    def __coodie_init_class__(cls) -> None:
        model: Any = cls
        base = cls._view_base()
        bschema = base._schema()
        vschema = model._schema()
        if bschema.is_counter:
            raise SchemaError(
                f"{cls.__name__}: materialized views cannot be built on counter tables"
            )
        if vschema.keyspace and bschema.keyspace and vschema.keyspace != bschema.keyspace:
            raise SchemaError(
                f"{cls.__name__}: a view lives in its base table's keyspace ({bschema.keyspace})"
            )
        if bschema.keyspace and not vschema.keyspace:  # it is created there: query it there
            vschema = dataclasses.replace(vschema, keyspace=bschema.keyspace)
            type.__setattr__(cls, "__coodie_schema__", vschema)
            type.__setattr__(cls, "__coodie_owned_schema__", (cls, vschema))
        for c in vschema.columns:
            b = bschema.by_name.get(c.name)
            if b is None:
                raise SchemaError(
                    f"{cls.__name__}.{c.name}: the base table {bschema.name} has no such column"
                )
            if b.cql_type != c.cql_type:
                raise SchemaError(
                    f"{cls.__name__}.{c.name}: the base column is {b.cql_type}, the view says {c.cql_type}"
                )
            if b.kind is ColumnKind.STATIC:
                raise SchemaError(
                    f"{cls.__name__}.{c.name}: static columns cannot be in a materialized view"
                )
            if c.index is not None:
                raise SchemaError(
                    f"{cls.__name__}.{c.name}: declare indexes on the base table, not the view"
                )
        vpk = {c.name for c in vschema.primary_key}
        missing = [c.name for c in bschema.primary_key if c.name not in vpk]
        if missing:
            raise SchemaError(
                f"{cls.__name__}: a view's primary key must include every primary key column of "
                f"{bschema.name}; missing {', '.join(missing)}"
            )
        extra = [n for n in vpk if not bschema.by_name[n].is_primary_key]
        if len(extra) > 1:
            raise SchemaError(
                f"{cls.__name__}: at most one non-primary-key column of the base table can join the "
                f"view's primary key; got {', '.join(extra)}"
            )

    @classmethod
    def _sync_view_flow(cls, dry_run: bool = False) -> Flow[SyncResult]:
        model: Any = cls
        base = cls._view_base()
        keyspace = resolve_keyspace(base)
        cql = create_view_cql(model, base, keyspace)
        page: Page = yield RawRequest.where(
            "SELECT view_name FROM system_schema.views",
            keyspace_name=keyspace,
            view_name=model._schema().name,
        )
        if page.rows:
            return SyncResult([], [cql])
        if not dry_run:
            yield RawRequest(cql)
        return SyncResult([cql], [cql])


def _base_by_table_name(view: type, table: object) -> type[DocumentCore]:
    """coodie 1.9's `Settings.__base_table__ = "table"`: the Document class of that table
    (defined before the view; among several, one of the view's flavour and keyspace)."""
    if not isinstance(table, str):
        raise SchemaError(
            f"{view.__name__}: Settings.__base_table__ is a table name, got {table!r}; "
            "or set Settings.base = <the base Document class>"
        )
    keyspace = getattr(getattr(view, "Settings", None), "keyspace", None)
    found: list[type[DocumentCore]] = []
    todo: list[type] = [DocumentCore]
    while todo:
        sub: type
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if (
                sub is not view
                and not sub.__dict__.get("__coodie_abstract__")
                and not getattr(sub, "__coodie_view__", False)
                and "__coodie_schema__" in sub.__dict__
            ):
                schema = sub.__dict__["__coodie_schema__"]
                if schema.name == table and (
                    keyspace is None or schema.keyspace in (None, keyspace)
                ):
                    found.append(sub)
    if not found:
        raise SchemaError(
            f"{view.__name__}: Settings.__base_table__ = {table!r} names no Document class "
            "defined so far; define the base Document first, or set Settings.base = <its class>"
        )
    # the flavour (sync or aio) whose methods the view has
    same_flavour = [c for c in found if getattr(c, "save", None) is getattr(view, "save", None)]
    return (same_flavour or found)[-1]


def create_view_cql(view: Any, base: type[DocumentCore], keyspace: str) -> str:
    v = view._schema()
    b = base._schema()
    cols = ", ".join(c.quoted for c in v.columns)
    not_null = " AND ".join(f"{c.quoted} IS NOT NULL" for c in v.primary_key)
    return (
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {v.qualified_name(keyspace)} AS SELECT {cols} "
        f"FROM {b.qualified_name(keyspace)} WHERE {not_null} {primary_key_clause(v)}{with_clause(v)}"
    )
