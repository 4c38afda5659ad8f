"""The FastAPI example, over HTTP (httpx, in process) against the real node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest
from app import create_app
from cassandra.cluster import Session


@pytest.fixture
async def client(
    hosts: list[str], keyspace: str, driver_type: str
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(hosts, keyspace, driver_type)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_crud(client: httpx.AsyncClient, cql: Session, keyspace: str) -> None:
    r = await client.post("/items", json={"name": "hammer", "category": "tools", "price": 9.5})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["name"] == "hammer" and item["tags"] == []
    row = cql.execute(f"SELECT name, price FROM {keyspace}.items WHERE id = {item['id']}").one()
    assert (row.name, row.price) == ("hammer", 9.5)

    r = await client.get(f"/items/{item['id']}")
    assert r.status_code == 200 and r.json() == item

    r = await client.patch(f"/items/{item['id']}", json={"price": 12.0, "tags": ["sale"]})
    assert r.status_code == 200 and r.json()["price"] == 12.0 and r.json()["tags"] == ["sale"]
    assert (await client.get(f"/items/{item['id']}")).json()["tags"] == ["sale"]

    r = await client.post("/items", json={**item, "name": "other"})
    assert r.status_code == 409  # the same id is not overwritten
    assert (await client.get(f"/items/{item['id']}")).json()["name"] == "hammer"

    assert (await client.delete(f"/items/{item['id']}")).status_code == 204
    assert (await client.get(f"/items/{item['id']}")).status_code == 404
    assert (await client.delete(f"/items/{item['id']}")).status_code == 404


async def test_bodies_are_validated_by_the_document(client: httpx.AsyncClient) -> None:
    r = await client.post("/items", json={"name": "", "category": "tools", "price": -1})
    assert r.status_code == 422
    bad = {tuple(e["loc"]) for e in r.json()["detail"]}
    assert bad == {("body", "name"), ("body", "price")}
    r = await client.post("/items", json={"name": "x", "category": "tools", "price": 1})
    r = await client.patch(f"/items/{r.json()['id']}", json={"price": -3})
    assert r.status_code == 422
    assert (await client.get(f"/items/{uuid4()}")).status_code == 404
    assert (await client.get("/items/not-a-uuid")).status_code == 422


async def test_filtered_list_and_cursor_paging(client: httpx.AsyncClient) -> None:
    prices = [float(p) for p in range(23)]
    for p in prices:
        r = await client.post("/items", json={"name": f"n{p}", "category": "paged", "price": p})
        assert r.status_code == 201
    await client.post("/items", json={"name": "elsewhere", "category": "other", "price": 5})

    seen: list[float] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"category": "paged", "page_size": 10}
        if cursor is not None:
            params["cursor"] = cursor
        r = await client.get("/items", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= 10
        seen += [i["price"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == prices and pages >= 3  # every item once, over several pages

    r = await client.get("/items", params={"category": "paged", "min_price": 5, "max_price": 7})
    assert sorted(i["price"] for i in r.json()["items"]) == [5.0, 6.0, 7.0]
    r = await client.get("/items", params={"category": "paged", "cursor": "***"})
    assert r.status_code == 400
    first = await client.get("/items", params={"category": "paged", "page_size": 5})
    cursor = first.json()["next_cursor"]
    assert cursor is not None
    r = await client.get("/items", params={"category": "other", "cursor": cursor})
    assert r.status_code == 400  # a cursor of another query
    r = await client.get("/items", params={"category": "paged", "cursor": cursor[:-4]})
    assert r.status_code == 400  # a truncated one


async def test_openapi_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert set(schema["paths"]) == {"/items", "/items/{item_id}"}
    assert set(schema["paths"]["/items"]) == {"get", "post"}
    assert set(schema["paths"]["/items/{item_id}"]) == {"get", "patch", "delete"}
    items = {s: v for s, v in schema["components"]["schemas"].items() if s.startswith("Item")}
    item = items.get("Item") or items["Item-Input"]
    props = item["properties"]
    assert set(props) == {"id", "name", "category", "price", "tags"}
    assert props["id"]["format"] == "uuid"
    assert props["price"]["minimum"] == 0
    assert props["name"]["minLength"] == 1 and props["name"]["maxLength"] == 100
    assert props["tags"]["uniqueItems"] is True
    assert set(item["required"]) == {"name", "category", "price"}
    listing = schema["paths"]["/items"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "category",
        "min_price",
        "max_price",
        "page_size",
        "cursor",
    }
