from __future__ import annotations

from typing import Annotated, ClassVar, Optional
from uuid import UUID

import coodie.aio as aio
from pydantic import BaseModel
from coodie.fields import Counter, PrimaryKey
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
    labels: Optional[frozenset[str]] = None
    LIMIT: ClassVar[int] = 10


class Admin(User):
    level: int = 0


class Views(CounterDocument):
    url: Annotated[str, PrimaryKey()]
    hits: Annotated[int, Counter()]


class AUser(aio.Document):
    id: Annotated[UUID, PrimaryKey()]
    name: str
    price: float = 0.0


class Spot(BaseModel):
    city: str = ""
    zip: int = 0


class Place(Document):
    id: Annotated[UUID, PrimaryKey()]
    spot: Spot = Spot()  # a UDT column (not Optional: pyright reaches its fields)
    maybe: Optional[Spot] = None
