"""Schema synchronisation as a flow: read what the table has, add what the model adds.

Never drops or rewrites anything: a column whose type changed, or a primary key that
changed, is an error to resolve by hand. A second run with no model change issues no DDL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from coodie.exceptions import SchemaError
from coodie.query import Flow, resolve_keyspace
from coodie.requests import Page, RawRequest
from coodie.schema import ColumnKind, ColumnSchema, IndexSchema, TableSchema, quote
from coodie.types import normalize_cql_type

if TYPE_CHECKING:
    from coodie.document import DocumentCore

__all__ = ["drop_table_flow", "sync_table_flow", "truncate_flow"]

SASI_CLASS = "org.apache.cassandra.index.sasi.SASIIndex"

DEFAULT_REPLICATION: Mapping[str, Any] = {"class": "SimpleStrategy", "replication_factor": 1}


def literal(v: Any) -> str:
    """A CQL literal for DDL options (developer-supplied settings, never user data)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{literal(str(k))}: {literal(x)}" for k, x in v.items()) + "}"
    raise SchemaError(f"cannot write {v!r} as a CQL option value")


def create_table_cql(schema: TableSchema, keyspace: str) -> str:
    cols = [
        f"{c.quoted} {c.cql_type.cql}{' static' if c.kind is ColumnKind.STATIC else ''}"
        for c in schema.columns
    ]
    return (
        f"CREATE TABLE IF NOT EXISTS {schema.qualified_name(keyspace)} "
        f"({', '.join(cols)}, {primary_key_clause(schema)}){with_clause(schema)}"
    )


def primary_key_clause(schema: TableSchema) -> str:
    """`PRIMARY KEY ((a, b), c, d)` for a table or a view."""
    pk = ", ".join(c.quoted for c in schema.partition_key)
    if len(schema.partition_key) > 1:
        pk = f"({pk})"
    return f"PRIMARY KEY ({', '.join([pk, *(c.quoted for c in schema.clustering_key)])})"


def with_clause(schema: TableSchema) -> str:
    """` WITH CLUSTERING ORDER BY (...) AND option = value ...`, or nothing."""
    withs = []
    if schema.clustering_key:
        order = ", ".join(f"{c.quoted} {c.order}" for c in schema.clustering_key)
        withs.append(f"CLUSTERING ORDER BY ({order})")
    withs += [f"{k} = {literal(v)}" for k, v in schema.options]
    return " WITH " + " AND ".join(withs) if withs else ""


def create_index_cql(
    schema: TableSchema, keyspace: str, col: ColumnSchema, idx: IndexSchema
) -> str:
    table = schema.qualified_name(keyspace)
    target = col.quoted
    if col.cql_type.is_collection and col.cql_type.frozen:
        target = f"full({target})"
    if idx.using == "sasi":
        opts = dict(idx.options)
        cql = f"CREATE CUSTOM INDEX IF NOT EXISTS {quote(idx.name)} ON {table} ({target}) USING '{SASI_CLASS}'"
        if opts:
            cql += f" WITH OPTIONS = {literal(opts)}"
        return cql
    cql = f"CREATE INDEX IF NOT EXISTS {quote(idx.name)} ON {table} ({target})"
    if idx.using == "sai":
        cql += " USING 'sai'"
        if idx.options:
            cql += f" WITH OPTIONS = {literal(dict(idx.options))}"
    return cql


def ensure_keyspace_flow(
    keyspace: str, replication: Mapping[str, Any] | None, dry_run: bool = False
) -> Flow[list[str]]:
    page: Page = yield RawRequest.where(
        "SELECT keyspace_name FROM system_schema.keyspaces", keyspace_name=keyspace
    )
    if page.rows:
        return []
    cql = (
        f"CREATE KEYSPACE IF NOT EXISTS {quote(keyspace)} WITH replication = "
        f"{literal(replication or DEFAULT_REPLICATION)}"
    )
    if not dry_run:
        yield RawRequest(cql)
    return [cql]


def sync_table_flow(
    model: type[DocumentCore],
    replication: Mapping[str, Any] | None = None,
    *,
    dry_run: bool = False,
    drop_removed_indexes: bool = False,
) -> Flow[list[str]]:
    """Create the table, add new columns, create declared indexes. Returns the DDL it ran.

    A table this process has found in step with the model is not read again while the
    cluster's schema version (system.local) stays the same: any DDL, from any client,
    changes that version. (The driver's own schema metadata, which cqlengine answers
    from, can lag DDL from other clients by the driver's refresh window.)

    `dry_run=True` returns the DDL without running it; `drop_removed_indexes=True` also
    drops the table's indexes the model no longer declares. Changed `Settings.options`
    are applied with ALTER TABLE ... WITH; live columns the model lacks are logged
    (logger `coodie.schema`), never dropped."""

    # a polymorphic subclass's table is its root's, with every subclass's columns
    model = getattr(model, "__coodie_poly_root__", None) or model
    schema = model._schema()
    keyspace = resolve_keyspace(model)
    page: Page = yield RawRequest("SELECT schema_version FROM system.local")
    version = page.rows[0][0] if page.rows else None
    cached = model.__dict__.get("__coodie_in_step__") == (keyspace, version)
    if version is not None and cached and not drop_removed_indexes:
        return []
    ran = yield from ensure_keyspace_flow(keyspace, replication, dry_run)
    from coodie.usertype import sync_types_flow, table_udts

    ran += yield from sync_types_flow(table_udts(schema), keyspace, dry_run)
    page = yield RawRequest.where(
        "SELECT column_name, type, kind, position, clustering_order FROM system_schema.columns",
        keyspace_name=keyspace,
        table_name=schema.name,
    )
    existing = {r[0]: (r[1], r[2], r[3], r[4]) for r in page.rows}
    indexes: frozenset[str] = frozenset()
    if existing and (drop_removed_indexes or any(c.index is not None for c in schema.columns)):
        page = yield RawRequest.where(
            "SELECT index_name FROM system_schema.indexes",
            keyspace_name=keyspace,
            table_name=schema.name,
        )
        indexes = frozenset(r[0] for r in page.rows)
    planned = table_ddl(model, keyspace, existing, indexes)
    if existing:
        from coodie.schema_sync import more_ddl  # (options, removed indexes, warnings)

        more = yield from more_ddl(model, keyspace, existing, indexes, drop_removed_indexes)
        planned += more
    for cql in planned:
        if not dry_run:
            yield RawRequest(cql)
        ran.append(cql)
    if not ran and version is not None:
        # the schema version under which this table was last found to match the model
        type.__setattr__(model, "__coodie_in_step__", (keyspace, version))
    return ran


def table_ddl(
    model: type[DocumentCore],
    keyspace: str,
    existing: Mapping[str, tuple[Any, ...]],
    indexes: frozenset[str],
) -> list[str]:
    """The DDL that brings a table with columns `existing` (as system_schema.columns has
    them; empty if there is no table) and indexes `indexes` to the model. Raises
    `SchemaError` for what coodie never changes: a column's type, the key layout."""
    schema = model._schema()
    ddl: list[str] = []
    if not existing:
        ddl.append(create_table_cql(schema, keyspace))
    else:
        _check_key_unchanged(schema, existing)
        for c in schema.columns:
            if c.name in existing:
                have = existing[c.name][0]
                if normalize_cql_type(have) != normalize_cql_type(c.cql_type.cql):
                    raise SchemaError(
                        f"{model.__name__}.{c.name}: the table has {have}, the model says {c.cql_type}; "
                        "coodie never rewrites a column: migrate it by hand"
                    )
                continue
            static = " static" if c.kind is ColumnKind.STATIC else ""
            ddl.append(
                f"ALTER TABLE {schema.qualified_name(keyspace)} ADD {c.quoted} {c.cql_type.cql}{static}"
            )
    for col in schema.columns:
        if col.index is not None and col.index.name not in indexes:
            ddl.append(create_index_cql(schema, keyspace, col, col.index))
    return ddl


def _check_key_unchanged(schema: TableSchema, existing: Mapping[str, tuple[Any, ...]]) -> None:
    """The table's key layout (which columns, partition or clustering, in what position
    and clustering order) must be the model's: a key cannot be altered."""

    def layout(kind: str, position: int, order: str) -> tuple[str, int, str]:
        return (kind, position, order.upper() if kind == "clustering" else "")

    have = {
        n: layout(kind, pos, order)
        for n, (_, kind, pos, order) in existing.items()
        if kind in ("partition_key", "clustering")
    }
    want = {c.name: layout(c.kind.value, c.position, c.order) for c in schema.primary_key}
    have_pk, want_pk = set(have), set(want)
    orders = [
        n for n in want if n in have and have[n][2] != want[n][2] and have[n][:2] == want[n][:2]
    ]
    if have_pk == want_pk and orders:
        raise SchemaError(
            f"{schema.name}: the clustering order of {', '.join(orders)} differs from the table's; "
            "a clustering order cannot be altered: create a new table and copy the data"
        )
    if have_pk != want_pk or have != want:
        raise SchemaError(
            f"{schema.name}: the table's primary key is ({', '.join(sorted(have_pk))}) but the model "
            f"declares ({', '.join(sorted(want_pk))}); a primary key cannot be altered: "
            "create a new table and copy the data"
        )


def drop_table_flow(model: type[DocumentCore]) -> Flow[None]:
    schema = model._schema()
    kind = "MATERIALIZED VIEW" if model.__coodie_view__ else "TABLE"
    yield RawRequest(f"DROP {kind} IF EXISTS {schema.qualified_name(resolve_keyspace(model))}")


def truncate_flow(model: type[DocumentCore]) -> Flow[None]:
    schema = model._schema()
    yield RawRequest(f"TRUNCATE {schema.qualified_name(resolve_keyspace(model))}")
