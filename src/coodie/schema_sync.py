"""What `sync_table()` does beyond adding columns and indexes (coodie 1.9's options):
ALTER TABLE ... WITH for changed `Settings.options`, DROP INDEX for indexes the model no
longer declares (`drop_removed_indexes=True`), and a warning for live columns the model
lacks. Never drops a column."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from coodie.ddl import option_equal
from coodie.requests import Page, RawRequest
from coodie.schema import quote

if TYPE_CHECKING:
    from coodie.document import DocumentCore
    from coodie.query import Flow

__all__ = ["more_ddl"]

log = logging.getLogger("coodie.schema")


def more_ddl(
    model: type[DocumentCore],
    keyspace: str,
    existing: Mapping[str, tuple[Any, ...]],
    indexes: frozenset[str],
    drop_removed_indexes: bool,
) -> Flow[list[str]]:
    from coodie.ddl import literal

    schema = model._schema()
    table = schema.qualified_name(keyspace)
    lacking = sorted(n for n in existing if n not in schema.by_name)
    if lacking:
        log.warning(
            "%s: the table %s has columns the model lacks: %s (left as they are)",
            model.__name__,
            table,
            ", ".join(lacking),
        )
    ddl: list[str] = []
    if schema.options:
        names = [k for k, _ in schema.options]
        page: Page = yield RawRequest.where(
            f"SELECT {', '.join(quote(n) for n in names)} FROM system_schema.tables",
            keyspace_name=keyspace,
            table_name=schema.name,
        )
        if page.rows:
            have = dict(zip(names, page.rows[0]))
            changed = [(k, v) for k, v in schema.options if not option_equal(v, have[k])]
            if changed:
                withs = " AND ".join(f"{k} = {literal(v)}" for k, v in changed)
                ddl.append(f"ALTER TABLE {table} WITH {withs}")
    if drop_removed_indexes:
        declared = {c.index.name for c in schema.columns if c.index is not None}
        for name in sorted(indexes - declared):
            ddl.append(f"DROP INDEX IF EXISTS {quote(keyspace)}.{quote(name)}")
    return ddl
