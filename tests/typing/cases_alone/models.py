from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Optional
from uuid import UUID

import coodie.aio as aio
from pydantic import BaseModel
from coodie.fields import ClusteringKey, Counter, PrimaryKey
from coodie.sync import CounterDocument, Document


class User(Document):
    id: Annotated[UUID, PrimaryKey()]
    name: str
    price: float = 0.0
    age: int = 0
    tags: set[str] = set()
    scores: list[int] = []
    meta: dict[str, str] = {}
    note: Optional[str] = None
    LIMIT: ClassVar[int] = 10


class Admin(User):
    level: int = 0


class Event(Document):
    tenant: Annotated[str, PrimaryKey()]
    day: Annotated[dt.date, ClusteringKey()]
    kind: str = ""


class Views(CounterDocument):
    url: Annotated[str, PrimaryKey()]
    hits: Annotated[int, Counter()]


class AUser(aio.Document):
    id: Annotated[UUID, PrimaryKey()]
    name: str
    price: float = 0.0
    tags: list[str] = []


class Item(Document):
    sku: Annotated[str, PrimaryKey()]
    labels: Optional[frozenset[str]] = None
    sizes: Optional[list[int]] = None
    attrs: Optional[dict[str, int]] = None
    stock: int = 0


class AViews(aio.CounterDocument):
    url: Annotated[str, PrimaryKey()]
    hits: Annotated[int, Counter()]


class Spot(BaseModel):
    city: str = ""
    zip: int = 0


class Place(Document):
    id: Annotated[UUID, PrimaryKey()]
    spot: Optional[Spot] = None
