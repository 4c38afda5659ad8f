"""A Document class -> an immutable `TableSchema`, built once per class.

Nothing downstream re-reads type hints: the query compiler, the validator and the row
hydrator all work from the `TableSchema`.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from coodie.exceptions import InvalidQueryError, SchemaError
from coodie.fields import (
    ClusteringKey,
    Counter,
    Discriminator,
    Indexed,
    PrimaryKey,
    Static,
    VectorIndex,
)
from coodie.requests import Compiled, Request, level_name
from coodie.types import (
    IDENTIFIER,
    Converter,
    CqlType,
    UnsupportedType,
    cql_type_of,
    from_db_converter,
    plain,
    quote_name,
    snake_case,
    to_db_converter,
    unwrap,
)

__all__ = ["ColumnKind", "ColumnSchema", "IndexSchema", "TableSchema", "build_schema", "quote"]


class ColumnKind(enum.Enum):
    PARTITION_KEY = "partition_key"
    CLUSTERING = "clustering"
    REGULAR = "regular"
    STATIC = "static"


@dataclass(frozen=True, slots=True)
class IndexSchema:
    name: str
    using: str | None = None  # None: the server's default; "sai"; "sasi"
    options: tuple[tuple[str, str], ...] = ()

    @property
    def is_sasi(self) -> bool:
        return self.using == "sasi"


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    name: str
    cql_type: CqlType
    kind: ColumnKind = ColumnKind.REGULAR
    position: int = 0  # index within the partition key or the clustering key
    order: str = "ASC"  # clustering order
    is_counter: bool = False
    index: IndexSchema | None = None
    to_db: Converter | None = field(default=None, compare=False, repr=False)
    from_db: Converter | None = field(default=None, compare=False, repr=False)
    # a collection's elements (a map's values) and a map's keys, bound alone by
    # collection operations and CONTAINS / CONTAINS KEY
    element_to_db: Converter = field(default=plain, compare=False, repr=False)
    key_to_db: Converter = field(default=plain, compare=False, repr=False)

    @property
    def is_primary_key(self) -> bool:
        return self.kind in (ColumnKind.PARTITION_KEY, ColumnKind.CLUSTERING)

    @property
    def quoted(self) -> str:
        return quote(self.name)


@dataclass(frozen=True, slots=True, eq=False)
class TableSchema:
    """Everything the compiler, validator and hydrator need to know about a table.

    Compared and hashed by identity: one per Document class, used as a cache key.
    """

    name: str
    keyspace: str | None
    columns: tuple[ColumnSchema, ...]
    is_counter: bool = False
    options: tuple[tuple[str, Any], ...] = ()
    driver_name: str | None = None
    # Settings.consistency / serial_consistency: the model's levels (None: the driver's)
    consistency: str | None = None
    serial_consistency: str | None = None
    # derived from `columns` (also by dataclasses.replace)
    by_name: Mapping[str, ColumnSchema] = field(init=False, compare=False, repr=False)
    partition_key: tuple[ColumnSchema, ...] = field(init=False, compare=False, repr=False)
    clustering_key: tuple[ColumnSchema, ...] = field(init=False, compare=False, repr=False)
    partition_names: tuple[str, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        def key(kind: ColumnKind) -> tuple[ColumnSchema, ...]:
            of_kind = (c for c in self.columns if c.kind is kind)
            return tuple(sorted(of_kind, key=lambda c: c.position))

        pk = key(ColumnKind.PARTITION_KEY)
        derived = {
            "by_name": MappingProxyType({c.name: c for c in self.columns}),
            "partition_key": pk,
            "clustering_key": key(ColumnKind.CLUSTERING),
            "partition_names": tuple(c.name for c in pk),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def request(
        self,
        compiled: Compiled,
        consistency: str | None = None,
        serial_consistency: str | None = None,
        *,
        timeout: float | None = None,
        fetch_size: int | None = None,
        paging_state: bytes | None = None,
        retry_policy: Any = None,
    ) -> Request:
        """A request of this table's statement at the levels given (a call's, a query's),
        else the model's `Settings` levels, else (None) the driver's."""
        return Request(
            compiled,
            consistency or self.consistency,
            timeout,
            fetch_size,
            paging_state,
            serial_consistency or self.serial_consistency,
            retry_policy=retry_policy,
        )

    @property
    def primary_key(self) -> tuple[ColumnSchema, ...]:
        return self.partition_key + self.clustering_key

    def qualified_name(self, keyspace: str | None = None) -> str:
        ks = self.keyspace or keyspace
        return f"{quote(ks)}.{quote(self.name)}" if ks else quote(self.name)

    def column(self, name: str) -> ColumnSchema:
        try:
            return self.by_name[name]
        except KeyError:
            raise InvalidQueryError(
                f"{self.name} has no column {name!r}; columns are: {', '.join(self.by_name)}"
            ) from None


# ------------------------------------------------------------------ identifiers


def check_identifier(name: str, what: str = "identifier") -> str:
    if not IDENTIFIER.match(name) or len(name) > 222:
        raise SchemaError(
            f"{what} {name!r} is not a valid CQL identifier: use letters, digits and "
            "underscores, starting with a letter (at most 222 characters)"
        )
    return name


quote = quote_name


# ------------------------------------------------------------------ building

_TABLE_OPTIONS = frozenset(
    """comment default_time_to_live gc_grace_seconds bloom_filter_fp_chance caching
    compaction compression speculative_retry memtable_flush_period_in_ms crc_check_chance
    read_repair additional_write_policy cdc""".split()
)


def build_schema(
    cls_name: str,
    fields: Mapping[str, Any],
    settings: Any,
    *,
    counter_table: bool = False,
    own_settings: Any = None,
) -> TableSchema:
    """Build the schema of a Document class from its pydantic `model_fields`.

    Every error names the class, the field and the rule.
    """

    def fail(msg: str, fname: str | None = None) -> SchemaError:
        where = f"{cls_name}.{fname}" if fname else cls_name
        return SchemaError(f"{where}: {msg}")

    def identifier(name: str, what: str, fname: str | None = None) -> None:
        try:
            check_identifier(name, what)
        except SchemaError as e:
            raise fail(str(e), fname) from None

    def index_of(marker: Any, using: str | None, options: Any) -> IndexSchema:
        wrong = literal_mismatch(marker)
        if wrong is not None:
            raise fail(wrong, fname)
        name = marker.index_name or f"{table}_{fname}_idx"
        return IndexSchema(check_identifier(name, "index name"), using, options)

    table = getattr(own_settings, "name", None) or snake_case(cls_name)
    identifier(table, "table name")
    keyspace = getattr(settings, "keyspace", None)
    if keyspace is not None:
        identifier(keyspace, "keyspace name")
    options = dict(getattr(settings, "options", None) or {})
    # (`__default_ttl__` is coodie 1.9's name for it)
    if ttl := getattr(settings, "default_ttl", None) or getattr(settings, "__default_ttl__", None):
        options["default_time_to_live"] = ttl
    for opt in options:
        if opt not in _TABLE_OPTIONS:
            raise fail(
                f"unknown table option {opt!r} in Settings.options; known: {', '.join(sorted(_TABLE_OPTIONS))}"
            )

    columns: list[ColumnSchema] = []
    pk_seen: dict[int, str] = {}
    ck_seen: dict[int, str] = {}
    for fname, info in fields.items():
        identifier(fname, "column name", fname)
        try:
            metadata = unwrap(info.annotation, tuple(info.metadata))[1]
            cql_type = cql_type_of(info.annotation, tuple(info.metadata))
        except UnsupportedType as e:
            raise fail(str(e), fname) from None

        pk = next((m for m in metadata if isinstance(m, PrimaryKey)), None)
        ck = next((m for m in metadata if isinstance(m, ClusteringKey)), None)
        idx = next((m for m in metadata if isinstance(m, Indexed)), None)
        vidx = next((m for m in metadata if isinstance(m, VectorIndex)), None)
        if any(isinstance(m, Discriminator) for m in metadata):
            if pk or ck or cql_type.name not in ("text", "ascii", "int", "bigint"):
                raise fail(
                    "a Discriminator() column is a regular text or int column "
                    f"(not a key, not {cql_type})",
                    fname,
                )
            idx = idx or Indexed()  # Subclass.find() filters by it
        is_static = any(isinstance(m, Static) for m in metadata)
        is_counter = any(isinstance(m, Counter) for m in metadata)

        if pk and ck:
            raise fail("a column is either a PrimaryKey or a ClusteringKey, not both", fname)
        kind, position, order = ColumnKind.REGULAR, 0, "ASC"
        if pk:
            kind, position = ColumnKind.PARTITION_KEY, pk.partition_key_index
        elif ck:
            kind, position, order = ColumnKind.CLUSTERING, ck.clustering_key_index, ck.order.upper()
            if order not in ("ASC", "DESC"):
                raise fail(f"clustering order must be 'ASC' or 'DESC', not {ck.order!r}", fname)
        if pk or ck:
            seen, attr, what = (
                (pk_seen, "partition_key_index", "partition key")
                if pk
                else (ck_seen, "clustering_key_index", "clustering")
            )
            if position in seen:
                raise fail(
                    f"{attr}={position} is also used by {seen[position]!r}; "
                    f"give each {what} column its own index",
                    fname,
                )
            seen[position] = fname
        if (pk or ck) and (cql_type.is_collection or cql_type.is_udt) and not cql_type.frozen:
            what = "user-defined type" if cql_type.is_udt else "collection"
            raise fail(
                f"a primary key column cannot be a non-frozen {what} ({cql_type}); "
                "add Frozen() to the annotation",
                fname,
            )
        if is_static:
            if pk or ck:
                raise fail("a primary key column cannot be Static()", fname)
            kind = ColumnKind.STATIC
        if is_counter:
            if cql_type.name not in ("int", "bigint"):
                raise fail(f"a Counter() column must be annotated int, not {cql_type}", fname)
            if not counter_table:
                raise fail("Counter() columns belong in a CounterDocument", fname)
            if pk or ck:
                raise fail("a primary key column cannot be a Counter()", fname)
            cql_type = CqlType("counter")
        elif counter_table and not (pk or ck):
            raise fail(
                "every non-key column of a CounterDocument must be a Counter(); "
                "move other columns to a regular Document",
                fname,
            )
        index = None
        if idx is not None and cql_type.is_udt and not cql_type.frozen:
            raise fail(
                f"a non-frozen user-defined type ({cql_type}) cannot be indexed; "
                "add Frozen() to the annotation",
                fname,
            )
        if vidx is not None and idx is not None:
            raise fail("a column takes one index: Indexed() or VectorIndex(), not both", fname)
        if vidx is not None and not cql_type.size:
            raise fail(
                f"VectorIndex() indexes a vector column (Annotated[list[float], "
                f"Vector(dimensions=n)]), not {cql_type}",
                fname,
            )
        if idx is not None and is_counter:
            raise fail("a counter column cannot have a secondary index", fname)
        if vidx is not None:
            similarity = (("similarity_function", vidx.similarity.upper()),)
            index = index_of(vidx, "sai", similarity)
        elif idx is not None:
            index = index_of(idx, idx.using, (("mode", idx.sasi_mode),) if idx.sasi_mode else ())
        converters = _converters(cql_type)
        columns.append(
            ColumnSchema(fname, cql_type, kind, position, order, is_counter, index, **converters)
        )

    if not pk_seen:
        raise fail(
            "no partition key: mark at least one field Annotated[..., PrimaryKey()] "
            "(or set Settings.abstract = True for a base class)"
        )
    for seen, what in ((pk_seen, "partition_key_index"), (ck_seen, "clustering_key_index")):
        if sorted(seen) != list(range(len(seen))):
            raise fail(
                f"{what} values must be 0..{len(seen) - 1} without gaps, got {sorted(seen)} "
                f"({', '.join(seen[i] for i in sorted(seen))})"
            )
    statics = [c.name for c in columns if c.kind is ColumnKind.STATIC]
    if statics and not ck_seen:
        raise fail(
            f"static column(s) {', '.join(statics)} need a clustering key: "
            "static columns are only allowed in tables with clustering columns"
        )
    if len(pk_seen) == 1 and next(c for c in columns if c.name == pk_seen[0]).index is not None:
        raise fail(
            "cannot index the only partition key column: query it by key instead", pk_seen[0]
        )
    if counter_table and not any(c.is_counter for c in columns):
        raise fail("a CounterDocument needs at least one Counter() column")

    return TableSchema(
        table,
        keyspace,
        tuple(columns),
        is_counter=counter_table,
        options=tuple(sorted(options.items())),
        driver_name=getattr(settings, "driver", None) or getattr(settings, "connection", None),
        consistency=level_name(
            getattr(settings, "consistency", None),
            f"{cls_name}.Settings(consistency",
            error=SchemaError,
        ),
        serial_consistency=level_name(
            getattr(settings, "serial_consistency", None),
            f"{cls_name}.Settings(serial_consistency",
            serial=True,
            error=SchemaError,
        ),
    )


_LITERAL_FIELDS: dict[type, tuple[tuple[str, tuple[Any, ...]], ...]] = {}


def _literal_fields(marker: type) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The fields of a marker dataclass typed `Literal[...]` (or optional), with the values
    each allows."""
    known = _LITERAL_FIELDS.get(marker)
    if known is not None:
        return known
    hints = typing.get_type_hints(marker)
    out = []
    for f in dataclasses.fields(marker):
        hint = hints[f.name]
        arms = [hint] if typing.get_origin(hint) is Literal else list(typing.get_args(hint))
        if not any(typing.get_origin(arm) is Literal for arm in arms):
            continue
        allowed: list[Any] = []
        for arm in arms:
            if typing.get_origin(arm) is Literal:
                allowed.extend(typing.get_args(arm))
            elif arm is type(None):
                allowed.append(None)
        out.append((f.name, tuple(allowed)))
    known = _LITERAL_FIELDS[marker] = tuple(out)
    return known


def _converters(t: CqlType) -> dict[str, Any]:
    """A column's converters: its values to and from the driver, and a collection's
    elements (a map's values) and a map's keys as bound alone."""
    out: dict[str, Any] = {"to_db": to_db_converter(t), "from_db": from_db_converter(t)}
    if not t.is_collection:
        return out
    out["element_to_db"] = to_db_converter(t.args[-1]) or plain
    if t.name == "map":
        out["key_to_db"] = to_db_converter(t.args[0]) or plain
    return out


def literal_mismatch(marker: Any) -> str | None:
    """What is wrong with a marker whose `Literal` field has a value it does not allow
    (the annotation is not enforced at runtime), or None."""
    for name, allowed in _literal_fields(type(marker)):
        value = getattr(marker, name)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            return (
                f"{type(marker).__name__}({name}={value!r}) is not a choice: use one of {choices}"
            )
    return None
