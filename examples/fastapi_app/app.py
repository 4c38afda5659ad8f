"""A FastAPI app on coodie's asyncio API.

Async CRUD on one table, a filtered list (by an indexed column and a price range), and
cursor paging. The coodie document is the request and the response model: FastAPI
validates request bodies with the document's own pydantic rules and documents it in the
OpenAPI schema.

Run it (the node on 127.0.0.1:9042, see the repository README):

    .venv/bin/pip install uvicorn
    .venv/bin/uvicorn app:app --app-dir examples/fastapi_app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import FastAPI, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from coodie.aio import Document, init_coodie
from coodie.exceptions import DocumentNotFound, InvalidQueryError
from coodie.fields import Indexed, PrimaryKey


class Item(Document):
    """An item for sale; `id` is made by the server when a request leaves it out."""

    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: str = Field(min_length=1, max_length=100)
    category: Annotated[str, Indexed()]
    price: float = Field(ge=0)
    tags: set[str] = set()

    class Settings:
        name = "items"


class ItemPatch(BaseModel):
    """The fields a PATCH may change; those left out stay as they are."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    price: float | None = Field(default=None, ge=0)
    tags: set[str] | None = None


class ItemPage(BaseModel):
    items: list[Item]
    next_cursor: str | None = Field(
        description="pass as `cursor` to get the next page; null on the last page"
    )


def create_app(
    hosts: Sequence[str] = ("127.0.0.1",),
    keyspace: str = "items_app",
    driver_type: str = "scylla",
    cursor_key: str | None = None,
) -> FastAPI:
    """The app; `cursor_key` signs the paging cursors (every process serving the same
    clients needs the same key; without one, a cursor is good only in this process)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        driver = await init_coodie(
            hosts=list(hosts), keyspace=keyspace, driver_type=driver_type, cursor_key=cursor_key
        )
        await Item.sync_table()
        yield
        await driver.shutdown_async()

    app = FastAPI(title="coodie items", version="1.0", lifespan=lifespan)

    @app.post("/items", status_code=status.HTTP_201_CREATED)
    async def create_item(item: Item) -> Item:
        result = await item.insert()  # IF NOT EXISTS: a client-given id never overwrites
        if not result.applied:
            raise HTTPException(status.HTTP_409_CONFLICT, f"item {item.id} exists")
        return item

    @app.get("/items/{item_id}")
    async def read_item(item_id: UUID) -> Item:
        try:
            return await Item.get(id=item_id)
        except DocumentNotFound:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no item {item_id}") from None

    @app.patch("/items/{item_id}")
    async def update_item(item_id: UUID, patch: ItemPatch) -> Item:
        item = await read_item(item_id)
        changes = patch.model_dump(exclude_unset=True, exclude_none=True)
        if changes:
            await item.update(**changes)
        return item

    @app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_item(item_id: UUID) -> Response:
        item = await read_item(item_id)
        await item.delete()
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @app.get("/items")
    async def list_items(
        category: str,
        min_price: Annotated[float | None, Query(ge=0)] = None,
        max_price: Annotated[float | None, Query(ge=0)] = None,
        page_size: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: str | None = None,
    ) -> ItemPage:
        """Items of one category (an indexed column), optionally in a price range."""
        qs = Item.find(category=category)
        if min_price is not None:
            qs = qs.filter(Item.price >= min_price)
        if max_price is not None:
            qs = qs.filter(Item.price <= max_price)
        if min_price is not None or max_price is not None:
            qs = qs.allow_filtering()  # price is not indexed: filtered within the category
        try:
            # coodie's cursors are signed for this query: a forged, foreign or truncated
            # one is an InvalidQueryError before the server sees it.
            page = await qs.paged_all(paging_state=cursor, page_size=page_size)
        except InvalidQueryError as e:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, str(e)) from None
        return ItemPage(items=page.documents, next_cursor=page.paging_state)

    return app


app = create_app(
    hosts=os.environ.get("COODIE_HOSTS", "127.0.0.1").split(","),
    keyspace=os.environ.get("COODIE_KEYSPACE", "items_app"),
    driver_type=os.environ.get("COODIE_DRIVER", "scylla"),
    cursor_key=os.environ.get("COODIE_CURSOR_KEY"),
)
