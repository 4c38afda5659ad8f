"""Blocking Document classes: each method runs a core flow on the model's driver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

from typing_extensions import Self

from coodie import ddl, flows, raw
from coodie.document import (
    DocumentCore,
    IfConditions,
    LWTResult,
    class_or_instance_method,
    conditions_from,
)
from coodie.expr.nodes import Expr
from coodie.flows import BatchCore
from coodie.sync._run import operation, run, single
from coodie.sync.query import QuerySet
from coodie.views import ViewMixin

__all__ = ["CounterDocument", "Document", "MaterializedView"]


class Document(DocumentCore):
    """A Cassandra table as a pydantic model, with blocking methods."""

    __coodie_abstract__ = True

    # Methods made from the core flows (pydantic ignores functions; its plugin does not).
    save = single(flows.save, queue=BatchCore._queue_save, quick=flows.quick_save)  # type: ignore[pydantic-field]
    """Write every column (an upsert); `ttl=`, `timestamp=`, `batch=`."""
    insert = single(flows.insert)  # type: ignore[pydantic-field]
    """`INSERT ... IF NOT EXISTS`; returns an `LWTResult`. `ttl=`, `batch=`."""
    if TYPE_CHECKING:
        # update() and delete() as checkers see them: a conditional write outside a batch
        # returns its LWTResult, an unconditional one None (overloads on the conditions).
        @overload
        def update(
            self,
            *,
            ttl: int | None = None,
            timestamp: int | None = None,
            if_exists: Literal[True],
            if_conditions: None = None,
            batch: None = None,
            consistency: str | None = None,
            serial_consistency: str | None = None,
            **values: Any,
        ) -> LWTResult: ...
        @overload
        def update(
            self,
            *,
            ttl: int | None = None,
            timestamp: int | None = None,
            if_exists: Literal[False] = False,
            if_conditions: IfConditions,
            batch: None = None,
            consistency: str | None = None,
            serial_consistency: str | None = None,
            **values: Any,
        ) -> LWTResult: ...
        @overload
        def update(
            self,
            *,
            ttl: int | None = None,
            timestamp: int | None = None,
            if_exists: bool = False,
            if_conditions: IfConditions | None = None,
            batch: BatchCore | None = None,
            consistency: str | None = None,
            serial_consistency: str | None = None,
            **values: Any,
        ) -> LWTResult | None: ...
        def update(self, **kwargs: Any) -> LWTResult | None: ...
        @overload
        def delete(
            self,
            *,
            if_exists: Literal[True],
            if_conditions: None = None,
            timestamp: int | None = None,
            batch: None = None,
            consistency: str | None = None,
            serial_consistency: str | None = None,
        ) -> LWTResult: ...
        @overload
        def delete(
            self,
            *,
            if_exists: Literal[False] = False,
            if_conditions: IfConditions,
            timestamp: int | None = None,
            batch: None = None,
            consistency: str | None = None,
            serial_consistency: str | None = None,
        ) -> LWTResult: ...
        @overload
        def delete(
            self,
            *,
            if_exists: bool = False,
            if_conditions: IfConditions | None = None,
            timestamp: int | None = None,
            batch: BatchCore | None = None,
            consistency: str | None = None,
            serial_consistency: str | None = None,
        ) -> LWTResult | None: ...
        def delete(self, **kwargs: Any) -> LWTResult | None: ...
    else:
        update = single(flows.update, quick=flows.quick_update)
        """Update the given columns by primary key; `add__`/`remove__`/... collection operations, `ttl=`, `if_exists=`, `if_conditions=`."""
        delete = single(flows.delete, quick=flows.quick_delete)
        """Delete the row by primary key; `if_exists=True` makes it conditional (returns an `LWTResult`)."""
    delete_columns = single(flows.delete_columns)  # type: ignore[pydantic-field]
    save_changes = single(flows.save_changes)  # type: ignore[pydantic-field]
    update_changed = save_changes  # type: ignore[pydantic-field]  # (cqlengine, coodie 1.9)

    @classmethod
    def find(cls, *conditions: Expr, **lookups: Any) -> QuerySet[Self]:
        """A lazy QuerySet: expressions (`User.age > 3`) and lookups (`age__gt=3`), ANDed."""
        return QuerySet(cls, conditions_from(cls._schema(), conditions, lookups, cls))

    if TYPE_CHECKING:

        @classmethod
        def get(cls, *conditions: Expr, **lookups: Any) -> Self: ...
        @classmethod
        def find_one(cls, *conditions: Expr, **lookups: Any) -> Self | None: ...
    else:
        get = classmethod(operation(flows.get_required, "get", quick=flows.quick_get))
        """The one matching document; `DocumentNotFound` or `MultipleDocumentsFound` otherwise."""
        find_one = classmethod(operation(flows.find_one, quick=flows.quick_find_one))
        """The matching document or None; `MultipleDocumentsFound` if several match."""

    @classmethod
    def execute_raw(cls, cql: str, params: Sequence[Any] | None = None) -> list[Self]:
        """Run a SELECT of this model's table written in CQL (values bound); rows as documents."""
        return run(cls._driver_name(), raw.documents_flow(cls, cql, params))

    @classmethod
    def sync_table(
        cls, *, dry_run: bool = False, drop_removed_indexes: bool = False
    ) -> ddl.SyncResult:
        """Create the table (and keyspace), add new columns and indexes, apply changed
        table options; returns the DDL run (with `dry_run=True`, the DDL it would run)."""
        flow = ddl.model_sync_flow(cls, dry_run=dry_run, drop_removed_indexes=drop_removed_indexes)
        return run(cls._driver_name(), flow)

    @classmethod
    def drop_table(cls) -> None:
        """`DROP TABLE IF EXISTS`: the table and its data."""
        run(cls._driver_name(), ddl.drop_table_flow(cls))

    @classmethod
    def truncate(cls) -> None:
        """`TRUNCATE`: delete every row, keep the table."""
        run(cls._driver_name(), ddl.truncate_flow(cls))


class CounterDocument(Document):
    """A counter table: key columns plus `Counter()` columns, changed by increment/decrement."""

    __coodie_abstract__ = True
    __coodie_counter__: ClassVar[bool] = True

    if TYPE_CHECKING:
        # as checkers (and coodie's mypy plugin) see them: classmethods, callable on a
        # document too

        @classmethod
        def increment(cls, *, batch: BatchCore | None = None, **values: Any) -> None: ...
        @classmethod
        def decrement(cls, *, batch: BatchCore | None = None, **values: Any) -> None: ...
    else:
        increment = class_or_instance_method(single(flows.increment))
        decrement = class_or_instance_method(single(flows.decrement))


class MaterializedView(ViewMixin, Document):
    """A read-only materialized view over a base Document (`Settings.base`)."""

    __coodie_abstract__ = True
    __coodie_view__: ClassVar[bool] = True

    @classmethod
    def sync_view(cls, *, dry_run: bool = False) -> ddl.SyncResult:
        """Create the view if it does not exist; returns the DDL run."""
        return run(cls._driver_name(), cls._sync_view_flow(dry_run))

    @classmethod
    def sync_table(
        cls, *, dry_run: bool = False, drop_removed_indexes: bool = False
    ) -> ddl.SyncResult:
        return cls.sync_view(dry_run=dry_run)

    @classmethod
    def drop_view(cls) -> None:
        """DROP MATERIALIZED VIEW IF EXISTS."""
        run(cls._driver_name(), ddl.drop_table_flow(cls))
