"""Blocking Document classes: each method runs a core flow on the model's driver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

from typing_extensions import Self

from coodie import ddl, flows
from coodie.document import DocumentCore, LWTResult, conditions_from
from coodie.expr.nodes import Expr
from coodie.flows import BatchCore
from coodie.registry import get_driver
from coodie.sync._run import blocking, run
from coodie.sync.query import QuerySet
from coodie.views import ViewMixin

__all__ = ["CounterDocument", "Document", "MaterializedView"]


class Document(DocumentCore):
    """A Cassandra table as a pydantic model, with blocking methods."""

    __coodie_abstract__ = True

    # Methods made from the core flows (pydantic ignores functions; its plugin does not).
    save = blocking(flows.save, flows.queued_save)  # type: ignore[pydantic-field]
    """Write every column (an upsert); `ttl=`, `timestamp=`, `batch=`."""
    insert = blocking(flows.insert, flows.queued_insert)  # type: ignore[pydantic-field]
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
            **values: Any,
        ) -> LWTResult: ...
        @overload
        def update(
            self,
            *,
            ttl: int | None = None,
            timestamp: int | None = None,
            if_exists: Literal[False] = False,
            if_conditions: Mapping[str, Any],
            batch: None = None,
            **values: Any,
        ) -> LWTResult: ...
        @overload
        def update(
            self,
            *,
            ttl: int | None = None,
            timestamp: int | None = None,
            if_exists: bool = False,
            if_conditions: Mapping[str, Any] | None = None,
            batch: BatchCore | None = None,
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
        ) -> LWTResult: ...
        @overload
        def delete(
            self,
            *,
            if_exists: Literal[False] = False,
            if_conditions: Mapping[str, Any],
            timestamp: int | None = None,
            batch: None = None,
        ) -> LWTResult: ...
        @overload
        def delete(
            self,
            *,
            if_exists: bool = False,
            if_conditions: Mapping[str, Any] | None = None,
            timestamp: int | None = None,
            batch: BatchCore | None = None,
        ) -> LWTResult | None: ...
        def delete(self, **kwargs: Any) -> LWTResult | None: ...
    else:
        update = blocking(flows.update, flows.queued_update)
        """Update the given columns by primary key; `add__`/`remove__`/... collection operations, `ttl=`, `if_exists=`, `if_conditions=`."""
        delete = blocking(flows.delete, flows.queued_delete)
        """Delete the row by primary key; `if_exists=True` makes it conditional (returns an `LWTResult`)."""

    @classmethod
    def find(cls, *conditions: Expr, **lookups: Any) -> QuerySet[Self]:
        """A lazy QuerySet: expressions (`User.age > 3`) and lookups (`age__gt=3`), ANDed."""
        return QuerySet(cls, conditions_from(cls._schema(), conditions, lookups, cls))

    @classmethod
    def get(cls, *conditions: Expr, **lookups: Any) -> Self:
        """The one matching document; `DocumentNotFound` or `MultipleDocumentsFound` otherwise."""
        doc = run(cls._driver_name(), flows.get_flow(cls, conditions, lookups, required=True))
        assert doc is not None
        return doc

    @classmethod
    def find_one(cls, *conditions: Expr, **lookups: Any) -> Self | None:
        """The matching document or None; `MultipleDocumentsFound` if several match."""
        return run(cls._driver_name(), flows.get_flow(cls, conditions, lookups, required=False))

    @classmethod
    def sync_table(cls) -> list[str]:
        """Create the table (and keyspace), add new columns and indexes; returns the DDL run."""
        return run(
            cls._driver_name(), ddl.sync_table_flow(cls, get_driver(cls._driver_name()).replication)
        )

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

    @classmethod
    def increment(cls, *, batch: BatchCore | None = None, **values: Any) -> None:
        """`PageViews.increment(url="/home", views=1)`: keys by value, counters by delta."""
        run(cls._driver_name(), flows.counter_flow(cls, values, 1, batch))

    @classmethod
    def decrement(cls, *, batch: BatchCore | None = None, **values: Any) -> None:
        """`PageViews.decrement(url="/home", views=1)`: keys by value, counters by delta."""
        run(cls._driver_name(), flows.counter_flow(cls, values, -1, batch))


class MaterializedView(ViewMixin, Document):
    """A read-only materialized view over a base Document (`Settings.base`)."""

    __coodie_abstract__ = True
    __coodie_view__: ClassVar[bool] = True

    @classmethod
    def sync_view(cls) -> list[str]:
        """Create the view if it does not exist; returns the DDL run."""
        return run(cls._driver_name(), cls._sync_view_flow())

    @classmethod
    def sync_table(cls) -> list[str]:
        return cls.sync_view()
