"""Field markers for `Annotated[...]`: keys, indexes, statics, counters and CQL types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from coodie.types import (
    Ascii,
    BigInt,
    Double,
    Frozen,
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
    "Double",
    "Frozen",
    "Indexed",
    "PrimaryKey",
    "SmallInt",
    "Static",
    "Time",
    "TimeUUID",
    "TinyInt",
    "VarInt",
    "Vector",
]


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
class Counter:
    """A counter column (only in a `CounterDocument`)."""


@dataclass(frozen=True, slots=True)
class Static:
    """A static column: one value per partition."""
