from __future__ import annotations

from typing import Annotated

from coodie.fields import PrimaryKey
from coodie.sync import Document


class Probe(Document):
    id: Annotated[int, PrimaryKey()]
    v: int = 0

    class Settings:
        name = "it_probe"
