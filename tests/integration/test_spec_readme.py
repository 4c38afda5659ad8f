"""Every Python block of the spec README (docs/spec/coodie-README.md) runs as written.

Blocks that use a model or a value defined elsewhere get it supplied *around* them (a
setup before, checks after); the block's own text is never changed. Fragments of class
bodies (`id: Annotated[UUID, PrimaryKey()]`) run inside a class statement. The one block
that shows the sync and the async call side by side runs as its two commented halves.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cassandra.cluster import Session

from coodie import registry

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "spec" / "coodie-README.md"
VENDORED = ROOT / "docs" / "spec" / "coodie-README.md"
SPEC = SHARED if SHARED.exists() else VENDORED
BLOCKS = re.findall(r"```python\n(.*?)```", SPEC.read_text(), re.S)

IMPORTS = """
import datetime as _dt
from datetime import datetime
from typing import Annotated
from uuid import UUID, uuid4
from pydantic import Field
from coodie.fields import (PrimaryKey, ClusteringKey, Indexed, Counter, Frozen, Static,
    BigInt, SmallInt, TinyInt, VarInt, Double, Ascii, TimeUUID, Time)
"""

SYNC_USER = """
from coodie.sync import Document
class User(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    name: Annotated[str, Indexed()]
    email: str = ""
    status: Annotated[str, Indexed()] = "active"
    tags: set[str] = set()
    scores: list[int] = []
    verified: bool = False
    class Settings:
        name = "spec_users"
User.sync_table()
"""


def run_block(code: str, ns: dict[str, Any]) -> None:
    """Run a block; a block with top-level `await`/`async with` runs on an event loop."""
    compiled = compile(
        code, "<spec block>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    result = eval(compiled, ns)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def block(n: int) -> str:
    return BLOCKS[n]


@pytest.fixture
def ns(keyspace: str) -> Iterator[dict[str, Any]]:
    """A namespace for blocks, with the registry restored afterwards (the quick start
    registers its own default driver)."""
    saved = (dict(registry._drivers), list(registry._default))
    namespace: dict[str, Any] = {"__name__": "spec_readme"}
    exec(IMPORTS, namespace)
    yield namespace
    for name, drv in registry._drivers.items():
        if name not in saved[0] or saved[0][name] is not drv:
            with contextlib.suppress(Exception):
                drv.shutdown()
    registry._drivers.clear()
    registry._drivers.update(saved[0])
    registry._default[:] = saved[1]


@pytest.fixture
def program_start(ns: dict[str, Any]) -> None:
    """For a block that starts a program with init_coodie(): no driver registered yet.
    (Under the name of a registered driver, init_coodie() shuts that one down: it would
    be the test run's own.) `ns` restores the registry afterwards."""
    registry._drivers.clear()
    registry._default.clear()


@pytest.fixture
def spare_keyspaces(session: Session) -> Iterator[None]:
    """The spec's blocks name keyspaces my_ks and my_keyspace: drop them if this test made them."""
    before = {
        r.keyspace_name
        for r in session.execute("SELECT keyspace_name FROM system_schema.keyspaces")
    }
    yield
    for ks in ("my_ks", "my_keyspace"):
        if ks not in before:
            session.execute(f"DROP KEYSPACE IF EXISTS {ks}", timeout=120)


def test_spec_has_the_blocks_this_test_knows() -> None:
    assert len(BLOCKS) == 24
    if SHARED.exists():
        assert VENDORED.read_text() == SHARED.read_text(), "refresh docs/spec from shared/spec"


def test_quick_start(
    ns: dict[str, Any],
    program_start: None,
    spare_keyspaces: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_block(block(0), ns)
    out = capsys.readouterr().out
    assert "name='Alice'" in out and "alice@example.com" in out
    assert ns["User"].get(id=ns["user"].id).email == "alice@example.com"


def test_defining_documents(ns: dict[str, Any], spare_keyspaces: None) -> None:
    run_block(block(1), ns)
    Product = ns["Product"]
    assert Product.__coodie_schema__.keyspace == "my_keyspace"
    Product.sync_table()
    p = Product(id=ns["uuid4"](), category="tools", name="hammer")
    p.save()
    assert Product.get(id=p.id, category="tools").brand == "Unknown"


@pytest.mark.parametrize(
    ("n", "before", "row"),
    [
        (2, "", {"id": "uuid4()"}),
        (3, "", {"tenant_id": "'t'", "region": "'eu'"}),
        (4, "id: Annotated[int, PrimaryKey()]", {"id": "1", "created_at": "datetime(2024, 5, 1)"}),
        (5, "id: Annotated[int, PrimaryKey()]", {"id": "1", "category": "'a'", "priority": "3"}),
        (6, "id: Annotated[int, PrimaryKey()]", {"id": "1", "email": "'e@x'"}),
        (14, "id: Annotated[int, PrimaryKey()]", {"id": "1", "data": "[3, 1, 2]"}),
    ],
)
def test_field_fragments_in_a_model(
    n: int, before: str, row: dict[str, str], ns: dict[str, Any]
) -> None:
    body = textwrap.indent(before + "\n" + block(n), "    ")
    cls = f"Fragment{n}"
    run_block(
        f"from coodie.sync import Document\nclass {cls}(Document):\n{body}\n"
        f"    class Settings:\n        name = 'spec_fragment_{n}'\n",
        ns,
    )
    model = ns[cls]
    model.sync_table()
    doc = eval(f"{cls}({', '.join(f'{k}={v}' for k, v in row.items())})", ns)
    doc.save()
    key = {c.name: getattr(doc, c.name) for c in model.__coodie_schema__.primary_key}
    assert model.get(**key) == doc


def test_crud_ttl_and_lwt_blocks_in_order(ns: dict[str, Any]) -> None:
    run_block(SYNC_USER, ns)
    User = ns["User"]
    run_block(block(7), ns)  # save + insert
    ns["some_id"] = ns["user"].id
    run_block(block(8), ns)  # get / find_one / find
    assert ns["user"].id == ns["some_id"] and [u.id for u in ns["users"]] == [ns["some_id"]]
    run_block(block(9), ns)  # update, with ttl
    assert User.get(id=ns["some_id"]).email == "new@example.com"
    ns["user"].update(tags={"old"})
    run_block(block(10), ns)  # collections
    got = User.get(id=ns["some_id"])
    assert (got.tags, got.scores) == ({"vip"}, [0, 100])
    gone = [User(name=f"in{i}", status="inactive") for i in range(3)]
    for u in gone:
        u.save()
    run_block(block(11), ns)  # delete, bulk delete
    assert User.find_one(id=ns["some_id"]) is None
    assert User.find(status="inactive").count() == 0

    temp = [User(name=f"t{i}", status="temp") for i in range(3)]
    for u in temp:
        u.save()
    run_block(block(16), ns)  # ttl on save, insert, update
    run_block(block(17), ns)  # bulk ttl update
    assert all(u.verified for u in User.find(status="temp").all())
    run_block(block(18), ns)  # LWT: insert, delete if exists, then two updates of a gone row
    result = ns["result"]
    assert result.applied is False and result.existing == {}
    assert User.find_one(id=ns["some_id"]) is None


def test_querysets_order_and_limit(ns: dict[str, Any]) -> None:
    run_block(
        """
from coodie.sync import Document
class Product(Document):
    brand: Annotated[str, PrimaryKey()]
    price: Annotated[float, ClusteringKey()]
    name: str = ""
    class Settings:
        name = "spec_products_by_brand"
Product.sync_table()
for i, price in enumerate([5.0, 50.0, 12.5, 30.0, 11.0]):
    Product(brand="Acme", price=price, name=f"p{i}").save()
Product(brand="Other", price=99.0).save()
""",
        ns,
    )
    run_block(block(12), ns)
    assert [p.price for p in ns["products"]] == [11.0, 12.5, 30.0, 50.0]


def test_collections_model(ns: dict[str, Any]) -> None:
    run_block("from coodie.sync import Document", ns)
    run_block(block(13) + "\n    class Settings:\n        name = 'spec_profiles'\n", ns)
    P = ns["UserProfile"]
    P.sync_table()
    p = P(id=ns["uuid4"](), tags={"a"}, metadata={"k": "v"})
    p.save()
    assert P.get(id=p.id) == p


def test_counters(ns: dict[str, Any]) -> None:
    run_block(block(15), ns)
    assert (ns["page"].views, ns["page"].unique_visitors) == (0, 1)


def test_batch(ns: dict[str, Any]) -> None:
    run_block(SYNC_USER, ns)
    User = ns["User"]
    ns.update(user1=User(name="b1"), user2=User(name="b2"), user3=User(name="b3"))
    ns["user3"].save()
    run_block(block(19), ns)
    assert User.get(id=ns["user1"].id).name == "b1" and User.get(id=ns["user2"].id).name == "b2"
    assert User.find_one(id=ns["user3"].id) is None


def _aio_user(ns: dict[str, Any]) -> None:
    run_block(
        SYNC_USER.replace("coodie.sync", "coodie.aio").replace(
            "User.sync_table()", "await User.sync_table()"
        ),
        ns,
    )


def test_async_batch(ns: dict[str, Any]) -> None:
    _aio_user(ns)
    User = ns["User"]
    ns.update(user1=User(name="a1"), user2=User(name="a2"))
    run_block(block(20), ns)
    got = asyncio.run(User.get(id=ns["user1"].id))
    assert got.name == "a1"


def test_sync_vs_async_halves(ns: dict[str, Any]) -> None:
    sync_half, async_half = block(21).split("# Async")
    run_block(SYNC_USER, ns)
    u = ns["User"](name="sva")
    u.save()
    ns["some_id"] = u.id
    run_block(sync_half, ns)
    assert ns["user"] == u
    _aio_user(ns)
    ns["user"] = None
    run_block("# Async" + async_half, ns)
    assert ns["user"].id == u.id and ns["user"].name == "sva"


def test_drivers_and_initialization(
    ns: dict[str, Any], session: Session, program_start: None, spare_keyspaces: None
) -> None:
    ns["existing_session"] = session
    run_block(block(22), ns)
    assert set(registry._drivers) >= {"default", "analytics"}


def test_exceptions(ns: dict[str, Any]) -> None:
    run_block(SYNC_USER, ns)
    ns["unknown_id"] = ns["uuid4"]()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run_block(block(23), ns)
    assert out.getvalue() == "User not found\n"
