"""Models for the integration tests: no keyspace of their own, so they use the driver's
(the fresh keyspace of the test run)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import Field

from coodie.fields import ClusteringKey, Counter, Indexed, PrimaryKey, Static
from coodie.sync import CounterDocument, Document, MaterializedView


class User(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str
    email: Annotated[str, Indexed()] = ""
    status: str = "active"
    age: int = 0
    tags: set[str] = set()
    scores: list[int] = []
    metadata: dict[str, str] = {}
    verified: bool = False

    class Settings:
        name = "it_users"


class Reading(Document):
    sensor: Annotated[str, PrimaryKey()]
    day: Annotated[dt.date, ClusteringKey()]
    seq: Annotated[int, ClusteringKey(clustering_key_index=1, order="DESC")]
    value: float = 0.0
    site: Annotated[str, Static()] = ""

    class Settings:
        name = "it_readings"


class Hits(CounterDocument):
    url: Annotated[str, PrimaryKey()]
    views: Annotated[int, Counter()]
    visitors: Annotated[int, Counter()]

    class Settings:
        name = "it_hits"


class UsersByStatus(MaterializedView):
    status: Annotated[str, PrimaryKey()]
    id: Annotated[UUID, ClusteringKey()]
    name: str
    email: str

    class Settings:
        name = "it_users_by_status"
        base = User
