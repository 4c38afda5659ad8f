"""Models for the integration tests, built once per flavour (coodie.sync, coodie.aio).

They name no keyspace, so they use the driver's: the fresh keyspace of the test run.
Both flavours map the same tables.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType, SimpleNamespace
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import Field

from coodie.fields import ClusteringKey, Counter, Indexed, PrimaryKey, Static


def build(flavour: ModuleType) -> Any:
    class User(flavour.Document):  # type: ignore[name-defined,misc]
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

    class Reading(flavour.Document):  # type: ignore[name-defined,misc]
        sensor: Annotated[str, PrimaryKey()]
        day: Annotated[dt.date, ClusteringKey()]
        seq: Annotated[int, ClusteringKey(clustering_key_index=1, order="DESC")]
        value: float = 0.0
        site: Annotated[str, Static()] = ""

        class Settings:
            name = "it_readings"

    class Hits(flavour.CounterDocument):  # type: ignore[name-defined,misc]
        url: Annotated[str, PrimaryKey()]
        views: Annotated[int, Counter()]
        visitors: Annotated[int, Counter()]

        class Settings:
            name = "it_hits"

    class UsersByStatus(flavour.MaterializedView):  # type: ignore[name-defined,misc]
        status: Annotated[str, PrimaryKey()]
        id: Annotated[UUID, ClusteringKey()]
        name: str
        email: str

        class Settings:
            name = "it_users_by_status"
            base = User

    return SimpleNamespace(User=User, Reading=Reading, Hits=Hits, UsersByStatus=UsersByStatus)
