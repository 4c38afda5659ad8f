"""Blocking Document classes: every method builds with the core, then runs the flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from typing_extensions import Self

from coodie import ddl, flows
from coodie.document import DocumentCore, LWTResult, conditions_from
from coodie.expr.nodes import Expr
from coodie.flows import BatchCore
from coodie.registry import get_driver
from coodie.sync._run import run
from coodie.sync.query import QuerySet
from coodie.views import ViewMixin

__all__ = ["CounterDocument", "Document", "MaterializedView"]


class Document(DocumentCore):
    """A Cassandra table as a pydantic model, with blocking methods."""

    __coodie_abstract__ = True

    # ------------------------------------------------------------- queries

    @classmethod
    def find(cls, *conditions: Expr, **lookups: Any) -> QuerySet[Self]:
        return QuerySet(cls, conditions_from(cls._schema(), conditions, lookups))

    @classmethod
    def get(cls, *conditions: Expr, **lookups: Any) -> Self:
        """The one matching document; `DocumentNotFound` or `MultipleDocumentsFound` otherwise."""
        return cls.find(*conditions, **lookups).get()

    @classmethod
    def find_one(cls, *conditions: Expr, **lookups: Any) -> Self | None:
        """The matching document or None; `MultipleDocumentsFound` if several match."""
        qs = cls.find(*conditions, **lookups)
        return run(cls._schema().driver_name, qs._flow_one(required=False))

    # ------------------------------------------------------------- schema

    @classmethod
    def sync_table(cls) -> list[str]:
        """Create the table (and keyspace), add new columns and indexes; returns the DDL run."""
        name = cls._schema().driver_name
        return run(name, ddl.sync_table_flow(cls, get_driver(name).replication))

    @classmethod
    def drop_table(cls) -> None:
        run(cls._schema().driver_name, ddl.drop_table_flow(cls))

    @classmethod
    def truncate(cls) -> None:
        run(cls._schema().driver_name, ddl.truncate_flow(cls))

    # ------------------------------------------------------------- writes

    def save(
        self,
        *,
        ttl: int | None = None,
        timestamp: int | None = None,
        batch: BatchCore | None = None,
    ) -> None:
        """Upsert every column (INSERT)."""
        run(self._schema().driver_name, flows.save_flow(self, ttl, timestamp, batch))

    def insert(
        self,
        *,
        ttl: int | None = None,
        timestamp: int | None = None,
        batch: BatchCore | None = None,
    ) -> LWTResult:
        """INSERT ... IF NOT EXISTS."""
        result = run(self._schema().driver_name, flows.insert_flow(self, ttl, timestamp, batch))
        return result if result is not None else LWTResult(True)

    def update(
        self,
        *,
        ttl: int | None = None,
        timestamp: int | None = None,
        if_exists: bool = False,
        if_conditions: Mapping[str, Any] | None = None,
        batch: BatchCore | None = None,
        **values: Any,
    ) -> LWTResult | None:
        """UPDATE this row: `name=value` sets, `add__`/`remove__`/`append__`/`prepend__`/`put__`
        change collections. Conditional updates return an `LWTResult`."""
        return run(
            self._schema().driver_name,
            flows.update_flow(
                self,
                values,
                ttl=ttl,
                timestamp=timestamp,
                if_exists=if_exists,
                if_conditions=if_conditions,
                batch=batch,
            ),
        )

    def delete(
        self,
        *,
        if_exists: bool = False,
        if_conditions: Mapping[str, Any] | None = None,
        timestamp: int | None = None,
        batch: BatchCore | None = None,
    ) -> LWTResult | None:
        return run(
            self._schema().driver_name,
            flows.delete_flow(
                self,
                if_exists=if_exists,
                timestamp=timestamp,
                if_conditions=if_conditions,
                batch=batch,
            ),
        )


class CounterDocument(Document):
    """A counter table: key columns plus `Counter()` columns, changed by increment/decrement."""

    __coodie_abstract__ = True
    __coodie_counter__: ClassVar[bool] = True

    @classmethod
    def increment(cls, *, batch: BatchCore | None = None, **values: Any) -> None:
        """`PageViews.increment(url="/home", views=1)`: keys by value, counters by delta."""
        run(cls._schema().driver_name, flows.counter_flow(cls, values, 1, batch))

    @classmethod
    def decrement(cls, *, batch: BatchCore | None = None, **values: Any) -> None:
        run(cls._schema().driver_name, flows.counter_flow(cls, values, -1, batch))


class MaterializedView(ViewMixin, Document):
    """A read-only materialized view over a base Document (`Settings.base`)."""

    __coodie_abstract__ = True
    __coodie_view__: ClassVar[bool] = True

    @classmethod
    def sync_view(cls) -> list[str]:
        """Create the view if it does not exist; returns the DDL run."""
        return run(cls._schema().driver_name, cls._sync_view_flow())

    @classmethod
    def sync_table(cls) -> list[str]:
        return cls.sync_view()
