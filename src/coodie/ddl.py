"""Schema synchronisation as a flow: read what the table has, add what the model adds.

Never drops or rewrites anything: a column whose type changed, or a primary key that
changed, is an error to resolve by hand. A second run with no model change issues no DDL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coodie.exceptions import SchemaError
from coodie.query import Flow, resolve_keyspace
from coodie.registry import get_driver
from coodie.requests import Page, RawRequest
from coodie.schema import ColumnKind, ColumnSchema, IndexSchema, TableSchema, quote
from coodie.types import normalize_cql_type
from coodie.usertype import create_type_cql, live_types_flow, table_udts, type_changes

if TYPE_CHECKING:
    from coodie.document import DocumentCore

__all__ = [
    "SchemaChange",
    "drop_table_flow",
    "live_columns_flow",
    "live_indexes_flow",
    "model_sync_flow",
    "table_changes",
    "truncate_flow",
]

SASI_CLASS = "org.apache.cassandra.index.sasi.SASIIndex"

log = logging.getLogger("coodie.schema")
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


def _column_cql(c: ColumnSchema) -> str:
    return f"{c.quoted} {c.cql_type.cql}{' static' if c.kind is ColumnKind.STATIC else ''}"


def create_table_cql(schema: TableSchema, keyspace: str) -> str:
    cols = ", ".join(map(_column_cql, schema.columns))
    return (
        f"CREATE TABLE IF NOT EXISTS {schema.qualified_name(keyspace)} "
        f"({cols}, {primary_key_clause(schema)}){with_clause(schema)}"
    )


def drop_cql(model: type[DocumentCore], keyspace: str) -> str:
    """DROP TABLE (or MATERIALIZED VIEW) IF EXISTS of `model`."""
    kind = "MATERIALIZED VIEW" if model.__coodie_view__ else "TABLE"
    return f"DROP {kind} IF EXISTS {model._schema().qualified_name(keyspace)}"


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
    target = col.quoted
    if col.cql_type.is_collection and col.cql_type.frozen:
        target = f"full({target})"
    custom = " CUSTOM" if idx.using == "sasi" else ""
    using = {"sasi": f" USING '{SASI_CLASS}'", "sai": " USING 'sai'"}.get(idx.using or "", "")
    options = f" WITH OPTIONS = {literal(dict(idx.options))}" if idx.options and using else ""
    return (
        f"CREATE{custom} INDEX IF NOT EXISTS {quote(idx.name)} "
        f"ON {schema.qualified_name(keyspace)} ({target}){using}{options}"
    )


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


def _of_table(keyspace: str, table: str | None) -> dict[str, str]:
    """The system_schema WHERE of one table, or of every table of the keyspace."""
    return {"keyspace_name": keyspace, **({} if table is None else {"table_name": table})}


def live_columns_flow(
    keyspace: str, table: str | None = None
) -> Flow[dict[str, dict[str, tuple[Any, ...]]]]:
    """The columns of one table (or of every table and view of the keyspace) as
    system_schema.columns has them: {table: {column: (type, kind, position, order)}}."""
    page: Page = yield RawRequest.where(
        "SELECT table_name, column_name, type, kind, position, clustering_order "
        "FROM system_schema.columns",
        **_of_table(keyspace, table),
    )
    found: dict[str, dict[str, tuple[Any, ...]]] = {}
    for r in page.rows:
        found.setdefault(r[0], {})[r[1]] = (r[2], r[3], r[4], r[5])
    return found


def live_indexes_flow(keyspace: str, table: str | None = None) -> Flow[dict[str, frozenset[str]]]:
    """The index names of one table (or of every table of the keyspace): {table: names}."""
    page: Page = yield RawRequest.where(
        "SELECT table_name, index_name FROM system_schema.indexes", **_of_table(keyspace, table)
    )
    found: dict[str, set[str]] = {}
    for r in page.rows:
        found.setdefault(r[0], set()).add(r[1])
    return {t: frozenset(names) for t, names in found.items()}


class SyncResult(list[str]):
    """What `sync_table()` did: the list of the DDL it ran (empty when the table was in
    step: `== []` still tells), and `.planned`, the whole DDL of the model (its types,
    table and indexes, as `CREATE ... IF NOT EXISTS`), so a caller can see what the
    table is made of whether or not anything had to change."""

    planned: list[str]

    def __init__(self, ran: list[str], planned: list[str]) -> None:
        super().__init__(ran)
        self.planned = planned

    @property
    def changed(self) -> bool:
        return bool(self)


def model_ddl(model: type[DocumentCore], keyspace: str) -> list[str]:
    """The DDL that creates `model`'s types, table and indexes from nothing."""
    schema = model._schema()
    return [
        *(create_type_cql(t, keyspace) for t in table_udts(schema)),
        create_table_cql(schema, keyspace),
        *(
            create_index_cql(schema, keyspace, c, c.index)
            for c in schema.columns
            if c.index is not None
        ),
    ]


def model_sync_flow(
    model: type[DocumentCore], *, dry_run: bool = False, drop_removed_indexes: bool = False
) -> Flow[SyncResult]:
    """`Model.sync_table()`: create the table, add new columns, create declared indexes
    (and a missing keyspace, at the replication of the model's driver:
    `init_coodie(replication=...)`). Returns the DDL it ran (a `SyncResult`, whose
    `.planned` is the model's whole DDL).

    A table this process has found in step with the model is not read again while the
    cluster's schema version (system.local) stays the same: any DDL, from any client,
    changes that version. (The driver's own schema metadata, which cqlengine answers
    from, can lag DDL from other clients by the driver's refresh window.)

    `dry_run=True` returns the DDL without running it; `drop_removed_indexes=True` also
    drops the table's indexes the model no longer declares (coodie 1.9's option). Changed
    `Settings.options` are applied with ALTER TABLE ... WITH, one statement per option;
    live columns the model lacks are logged (logger `coodie.schema`), never dropped."""

    replication = get_driver(model._driver_name()).replication
    # a polymorphic subclass's table is its root's, with every subclass's columns
    model = getattr(model, "__coodie_poly_root__", None) or model
    schema = model._schema()
    keyspace = resolve_keyspace(model)
    page: Page = yield RawRequest("SELECT schema_version FROM system.local")
    version = page.rows[0][0] if page.rows else None
    cached = model.__dict__.get("__coodie_in_step__") == (keyspace, version)
    if version is not None and cached and not drop_removed_indexes:
        return SyncResult([], model_ddl(model, keyspace))
    ran = yield from ensure_keyspace_flow(keyspace, replication, dry_run)
    changes: list[SchemaChange] = []  # the types' (those the types use first), the table's
    if udts := table_udts(schema):
        live_types = yield from live_types_flow(keyspace)
        changes = type_changes(udts, keyspace, live_types)
    columns = yield from live_columns_flow(keyspace, schema.name)
    existing = columns.get(schema.name, {})
    indexes: frozenset[str] = frozenset()
    if existing and (drop_removed_indexes or any(c.index is not None for c in schema.columns)):
        found = yield from live_indexes_flow(keyspace, schema.name)
        indexes = found.get(schema.name, frozenset())
    live_options = None
    if existing and schema.options:
        names = [k for k, _ in schema.options]
        page = yield RawRequest.where(
            f"SELECT {', '.join(quote(n) for n in names)} FROM system_schema.tables",
            keyspace_name=keyspace,
            table_name=schema.name,
        )
        live_options = dict(zip(names, page.rows[0])) if page.rows else None
    lacking = sorted(n for n in existing if n not in schema.by_name)
    if lacking:  # (never dropped: a warning)
        log.warning(
            "%s: the table %s has columns the model lacks: %s (left as they are)",
            model.__name__,
            schema.qualified_name(keyspace),
            ", ".join(lacking),
        )
    planned: list[str] = []
    changes += table_changes(
        model, keyspace, existing, indexes, live_options=live_options, drops=True
    )
    for c in changes:
        if not c.warning or (c.kind == "drop_index" and drop_removed_indexes):
            planned.append(c.cql)
        elif c.kind not in ("drop_column", "drop_index"):  # a type or key change: by hand
            raise SchemaError(c.warning)
    for cql in planned:
        if not dry_run:
            yield RawRequest(cql)
        ran.append(cql)
    if not ran and version is not None:
        # the schema version under which this table was last found to match the model
        type.__setattr__(model, "__coodie_in_step__", (keyspace, version))
    return SyncResult(ran, model_ddl(model, keyspace))


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One difference between a model and the live schema.

    `cql` brings the live schema to the model; `undo` reverses it ("" when nothing
    can). A change with a `warning` (a drop, a type or key change) is not run as such:
    sync_table() raises a type or key change, logs a column the model lacks and drops a
    removed index only when asked (drop_removed_indexes); autogenerate writes each
    commented out."""

    kind: str  # create_table, add_column, create_index, create_view, alter_options,
    # drop_table, drop_view, drop_column, drop_index, type_change, key_change
    table: str
    cql: str
    undo: str = ""
    warning: str = ""


def table_changes(
    model: type[DocumentCore],
    keyspace: str,
    existing: Mapping[str, tuple[Any, ...]],
    indexes: frozenset[str],
    *,
    live_options: Mapping[str, Any] | None = None,
    drops: bool = False,
) -> list[SchemaChange]:
    """The differences between a model's table and the live one (columns `existing` as
    system_schema.columns has them, empty if there is no table; index names `indexes`).

    A key change stops the comparison (nothing else can be compared safely). With
    `live_options` (the system_schema.tables row) the options the model declares are
    compared too; with `drops`, what the table has and the model does not is listed."""
    schema = model._schema()
    table = schema.qualified_name(keyspace)
    out: list[SchemaChange] = []

    def change(kind: str, cql: str, undo: str = "", warning: str = "") -> None:
        out.append(SchemaChange(kind, schema.name, cql, undo, warning))

    if not existing:
        change("create_table", create_table_cql(schema, keyspace), f"DROP TABLE IF EXISTS {table}")
    else:
        problem = _key_change(schema, existing)
        if problem:
            return [SchemaChange("key_change", schema.name, "", warning=problem)]
        for c in schema.columns:
            have = existing[c.name][0] if c.name in existing else None
            if have is None:
                add = f"ALTER TABLE {table} ADD {_column_cql(c)}"
                change("add_column", add, f"ALTER TABLE {table} DROP {c.quoted}")
            elif normalize_cql_type(have) != normalize_cql_type(c.cql_type.cql):
                change(
                    "type_change",
                    "",
                    warning=f"{model.__name__}.{c.name}: the table has {have}, the model "
                    f"says {c.cql_type}; coodie never rewrites a column: migrate it by hand",
                )
        for name in [n for n in existing if n not in schema.by_name] if drops else []:
            change(
                "drop_column",
                f"ALTER TABLE {table} DROP {quote(name)}",
                warning=f"{schema.name}.{name} is not in the model {model.__name__}; "
                "dropping it loses its data",
            )
        if live_options is not None:  # each declared option the table does not have
            for name, want in schema.options:
                live = live_options.get(name)
                if option_equal(want, live):
                    continue
                undo = ""
                if live is not None:
                    was = dict(live) if isinstance(live, Mapping) else live
                    undo = f"ALTER TABLE {table} WITH {name} = {literal(was)}"
                change("alter_options", f"ALTER TABLE {table} WITH {name} = {literal(want)}", undo)
    ks = quote(schema.keyspace or keyspace)
    declared = set()
    for col in schema.columns:
        if col.index is not None:
            declared.add(col.index.name)
            if col.index.name not in indexes:
                change(
                    "create_index",
                    create_index_cql(schema, keyspace, col, col.index),
                    f"DROP INDEX IF EXISTS {ks}.{quote(col.index.name)}",
                )
    for name in sorted(indexes - declared) if drops and existing else []:
        change(
            "drop_index",
            f"DROP INDEX IF EXISTS {ks}.{quote(name)}",
            warning=f"index {name} on {schema.name} is not declared by {model.__name__}",
        )
    return out


def option_equal(want: Any, have: Any) -> bool:
    """Whether the live option value `have` already is what the model declares: for a map,
    each declared key (a class name matches by its last part)."""
    if have is None:
        return False
    if isinstance(want, Mapping):
        if not isinstance(have, Mapping):
            return False
        for k, v in want.items():
            got = have.get(str(k))
            if got is None:
                return False
            v, got = str(v).lower(), str(got).lower()
            if k == "class":
                v, got = v.rsplit(".", 1)[-1], got.rsplit(".", 1)[-1]
            if v != got and (_number(v) is None or _number(v) != _number(got)):
                return False
        return True
    if isinstance(want, bool) or isinstance(have, bool):
        return bool(want) == bool(have) and type(have) is not str
    if isinstance(want, (int, float)):
        return _number(str(have)) == float(want)
    return str(want) == str(have)


def _number(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def _key_change(schema: TableSchema, existing: Mapping[str, tuple[Any, ...]]) -> str:
    """Why the table's key layout (which columns, partition or clustering, in what position
    and clustering order) is not the model's, or "": a key cannot be altered."""

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
        return (
            f"{schema.name}: the clustering order of {', '.join(orders)} differs from the table's; "
            "a clustering order cannot be altered: create a new table and copy the data"
        )
    if have_pk != want_pk or have != want:
        return (
            f"{schema.name}: the table's primary key is ({', '.join(sorted(have_pk))}) but the model "
            f"declares ({', '.join(sorted(want_pk))}); a primary key cannot be altered: "
            "create a new table and copy the data"
        )
    return ""


def drop_table_flow(model: type[DocumentCore]) -> Flow[None]:
    yield RawRequest(drop_cql(model, resolve_keyspace(model)))


def truncate_flow(model: type[DocumentCore]) -> Flow[None]:
    schema = model._schema()
    yield RawRequest(f"TRUNCATE {schema.qualified_name(resolve_keyspace(model))}")
