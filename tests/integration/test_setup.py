"""One-call setup: init_coodie(..., documents=[...], sync=True) and sync_all() create the
keyspace, types, tables, indexes and views in dependency order (issue 18 item 4)."""

from __future__ import annotations

import os
import uuid
from typing import Annotated, Any, Optional

import pytest

from coodie.exceptions import ConfigurationError
from coodie.fields import ClusteringKey, Indexed, PrimaryKey
from coodie.registry import unregister_driver
from coodie.usertype import UserType
from tests.integration.conftest import _contact_points, driver_options


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
    hosts, port = _contact_points()
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    try:
        # the view first, its base after: coodie orders them (types, tables, indexes, views)
        f(
            f.module.init_coodie(
                hosts=hosts,
                port=port,
                keyspace=keyspace,
                driver_type=driver_type,
                name=name,
                documents=[ShopsByCity, Shop, Visit],
                sync=True,
                **driver_options(driver_type),
            )
        )
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
        driver = unregister_driver(name)
        if driver is not None:
            f(driver.shutdown_async()) if f.is_async else driver.shutdown()


def test_sync_all_later_and_bad_documents(f: Any, session: Any) -> None:
    keyspace = f"coodie_setup_{uuid.uuid4().hex[:10]}"
    name = f"setup_later_{f.name}"
    Shop, ShopsByCity, Visit = models(f.module, name)
    hosts, port = _contact_points()
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
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
        f(
            init(
                hosts=hosts,
                port=port,
                keyspace=keyspace,
                driver_type=driver_type,
                name=name,
                documents=[Visit, ShopsByCity, Shop],  # registered, nothing created yet
                **driver_options(driver_type),
            )
        )
        assert not any(schema_of(session, keyspace).values())
        ran = f(f.module.sync_all())  # every registered model (of every init_coodie call)
        assert any("CREATE MATERIALIZED VIEW" in cql for cql in ran)
        created = schema_of(session, keyspace)
        assert created["tables"] == {"setup_shops", "setup_visits"}
        assert created["views"] == {"setup_shops_by_city"}
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
        driver = unregister_driver(name)
        if driver is not None:
            f(driver.shutdown_async()) if f.is_async else driver.shutdown()
