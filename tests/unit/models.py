"""Models shared by the unit tests (they name their keyspace, so nothing needs a node)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Optional
from uuid import UUID

from coodie.fields import ClusteringKey, Counter, Indexed, PrimaryKey, Static
from coodie.sync import CounterDocument, Document


class Product(Document):
    id: Annotated[UUID, PrimaryKey()]
    category: Annotated[str, ClusteringKey()]
    name: str
    brand: Annotated[str, Indexed()] = "Unknown"
    price: float = 0.0
    tags: set[str] = set()
    scores: list[int] = []
    meta: dict[str, str] = {}
    note: Optional[str] = None

    class Settings:
        name = "products"
        keyspace = "shop"


class Event(Document):
    tenant: Annotated[str, PrimaryKey(partition_key_index=0)]
    region: Annotated[str, PrimaryKey(partition_key_index=1)]
    day: Annotated[dt.date, ClusteringKey(clustering_key_index=0)]
    seq: Annotated[int, ClusteringKey(clustering_key_index=1, order="DESC")]
    kind: str = ""
    owner: Annotated[str, Static()] = ""
    label: Annotated[str, Indexed(using="sasi", sasi_mode="CONTAINS")] = ""
    score: Annotated[int, Indexed(using="sai")] = 0
    level: Annotated[int, Indexed(using="sai")] = 0

    class Settings:
        keyspace = "shop"


class PageViews(CounterDocument):
    url: Annotated[str, PrimaryKey()]
    views: Annotated[int, Counter()]
    visitors: Annotated[int, Counter()]

    class Settings:
        keyspace = "shop"
