"""Mistakes mypy with the plugin does not catch (the runtime refuses each of them)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from .models import Item, User

u = User(id=UUID(int=1), name="a")
cond = Item.sku == "x"
User.find(cond)  # MISS: a condition of another model held in a variable (InvalidQueryError at runtime)
User.find(**{"nme": "x"})  # MISS: an unpacked mapping is not checked
User.find(name__token__gt=3)  # MISS: token() on a column outside the partition key (the key is not visible to mypy)
u.update(id=UUID(int=2))  # MISS: a primary-key column updated (refused at runtime)
User.find(User.tags == {"a"})  # MISS: = on a non-frozen collection (only CONTAINS applies)
conds: dict[str, Any] = {"nme": 1}
u.update(if_conditions=conds, age=1)  # MISS: if_conditions held in a variable
