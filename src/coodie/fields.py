"""Field markers for `Annotated[...]`: keys, indexes, statics, counters and CQL types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from coodie.types import (
    Ascii,
    BigInt,
    CustomCql,
    Double,
    Frozen,
    Json,
    SmallInt,
    Time,
    TimeUUID,
    TinyInt,
    VarInt,
    Vector,
)

__all__ = [
    "Ascii",
    "BigInt",
    "ClusteringKey",
    "Counter",
    "CqlType",
    "Discriminator",
    "Double",
    "Frozen",
    "Indexed",
    "Json",
    "PrimaryKey",
    "SmallInt",
    "Static",
    "Time",
    "TimeUUID",
    "TinyInt",
    "VarInt",
    "Vector",
    "VectorIndex",
]


CqlType = CustomCql  # the escape hatch: Annotated[X, CqlType("duration")]


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    """A partition-key column; `partition_key_index` orders a composite partition key."""

    partition_key_index: int = 0


@dataclass(frozen=True, slots=True)
class ClusteringKey:
    """A clustering column, sorted `order` ("ASC" or "DESC") within the partition."""

    order: Literal["ASC", "DESC"] = "ASC"
    clustering_key_index: int = 0


@dataclass(frozen=True, slots=True)
class Indexed:
    """A secondary index on the column.

    `index_name` defaults to `<table>_<column>_idx`. `using` picks a custom index class:
    "sai" for Storage-Attached Indexing, "sasi" for SASI (needed for LIKE on Cassandra).
    """

    index_name: str | None = None
    using: Literal["sai", "sasi"] | None = None
    sasi_mode: Literal["PREFIX", "CONTAINS", "SPARSE"] | None = None


@dataclass(frozen=True, slots=True)
class VectorIndex:
    """A Storage-Attached index on a vector column, for `order_by_ann()` (Cassandra 5.0).

    `similarity` is the function the nearest neighbours are ranked by."""

    similarity: Literal["cosine", "dot_product", "euclidean"] = "cosine"
    index_name: str | None = None


@dataclass(frozen=True, slots=True)
class Discriminator:
    """The column that tells which subclass a row belongs to (polymorphic documents).

    Subclasses of the document share its table and set `__discriminator_value__`; the
    column is indexed so that `Subclass.find()` can filter by it."""


@dataclass(frozen=True, slots=True)
class Counter:
    """A counter column (only in a `CounterDocument`)."""


@dataclass(frozen=True, slots=True)
class Static:
    """A static column: one value per partition."""
