"""One-call setup: init_coodie(..., documents=[...], sync=True) and sync_all() create the
keyspace, types, tables, indexes and views in dependency order (issue 18 item 4)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Optional

import pytest

from coodie.exceptions import ConfigurationError
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.usertype import UserType
from tests.integration.conftest import _contact_points
from tests.integration.named import close_named, open_named


class Point(UserType):
    x: int = 0
    y: int = 0

    class Settings:
        name = "setup_point"


class Place(UserType):
    name: str = ""
    at: Optional[Point] = None  # a type inside a type: Point must exist first

    class Settings:
        name = "setup_place"


def models(module: Any, driver_name: str) -> tuple[Any, Any, Any]:
    class Shop(module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        city: Annotated[str, Indexed()] = ""
        place: Optional[Place] = None

        class Settings:
            name = "setup_shops"
            driver = driver_name

    class ShopsByCity(module.MaterializedView):  # type: ignore[name-defined,misc]
        city: Annotated[str, PrimaryKey()]
        id: Annotated[uuid.UUID, ClusteringKey()]

        class Settings:
            name = "setup_shops_by_city"
            base = Shop
            driver = driver_name

    class Visit(module.Document):  # type: ignore[name-defined,misc]
        shop: Annotated[uuid.UUID, PrimaryKey()]
        n: Annotated[int, ClusteringKey()]

        class Settings:
            name = "setup_visits"
            driver = driver_name

    return Shop, ShopsByCity, Visit


def schema_of(session: Any, keyspace: str) -> dict[str, set[str]]:
    """What the server's schema tables hold for `keyspace`."""
    where = "WHERE keyspace_name = %s"
    return {
        kind: {
            r[0]
            for r in session.execute(f"SELECT {col} FROM system_schema.{kind} {where}", [keyspace])
        }
        for kind, col in (
            ("types", "type_name"),
            ("tables", "table_name"),
            ("indexes", "index_name"),
            ("views", "view_name"),
        )
    }


def test_init_coodie_documents_sync_creates_everything_in_order(f: Any, session: Any) -> None:
    keyspace = f"coodie_setup_{uuid.uuid4().hex[:10]}"
    name = f"setup_{f.name}"
    Shop, ShopsByCity, Visit = models(f.module, name)
    try:
        # the view first, its base after: coodie orders them (types, tables, indexes, views)
        open_named(f, name, keyspace, documents=[ShopsByCity, Shop, Visit], sync=True)
        assert schema_of(session, keyspace) == {
            "types": {"setup_point", "setup_place"},
            "tables": {"setup_shops", "setup_visits"},
            "indexes": {"setup_shops_city_idx"},
            "views": {"setup_shops_by_city"},
        }
        shop = Shop(id=uuid.uuid4(), city="Lyon", place=Place(name="old town", at=Point(x=1, y=2)))
        f(shop.save())
        assert f(Shop.get(id=shop.id)).place.at == Point(x=1, y=2)
        # everything is there: sync_all() has nothing to do, and says so
        assert f(f.module.sync_all([Shop, ShopsByCity, Visit])) == []
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
        close_named(f, name)


def test_sync_all_later_and_bad_documents(f: Any, session: Any) -> None:
    keyspace = f"coodie_setup_{uuid.uuid4().hex[:10]}"
    name = f"setup_later_{f.name}"
    Shop, ShopsByCity, Visit = models(f.module, name)
    hosts, port = _contact_points()
    init = f.module.init_coodie
    # refused before anything connects: not a Document, an abstract one, another driver's
    for documents, message in (
        ([object], "is not a Document class"),
        ([f.module.Document], "is abstract"),
    ):
        with pytest.raises(ConfigurationError, match=message):
            f(init(hosts=hosts, port=port, keyspace=keyspace, name=name, documents=documents))
    with pytest.raises(ConfigurationError, match="runs on the driver"):
        f(init(hosts=hosts, port=port, keyspace=keyspace, name="other", documents=[Visit]))
    with pytest.raises(ConfigurationError, match="needs documents"):
        f(init(hosts=hosts, port=port, keyspace=keyspace, name=name, sync=True))
    try:
        open_named(f, name, keyspace, documents=[Visit, ShopsByCity, Shop])  # nothing created yet
        assert not any(schema_of(session, keyspace).values())
        ran = f(f.module.sync_all())  # every registered model (of every init_coodie call)
        assert any("CREATE MATERIALIZED VIEW" in cql for cql in ran)
        created = schema_of(session, keyspace)
        assert created["tables"] == {"setup_shops", "setup_visits"}
        assert created["views"] == {"setup_shops_by_city"}
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
        close_named(f, name)
