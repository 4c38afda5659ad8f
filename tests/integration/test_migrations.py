"""coodie.migrations on the real node: autogenerate, up/down, data migrations, racing
runners, the lock, checksums, dry runs and the `coodie` command's exit codes.

Each test migrates a keyspace of its own (created and dropped here): autogenerate
compares a whole keyspace with the models."""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import pytest
from cassandra.cluster import Session

from coodie.exceptions import MigrationChecksumError, MigrationError, MigrationLockError
from coodie.fields import ClusteringKey, Discriminator, Indexed, PrimaryKey
from coodie.migrations import AsyncMigrator, Migrator
from coodie.sync import Document, MaterializedView
from coodie.usertype import UserType
from tests.integration.conftest import (
    _contact_points,
    driver_options,
    replication,
    replication_cql,
)

COODIE = str(Path(sys.executable).with_name("coodie"))
RUFF = str(Path(sys.executable).with_name("ruff"))


@pytest.fixture
def mks(session: Session) -> Iterator[str]:
    """A fresh keyspace for one test."""
    name = f"coodie_mig_{uuid.uuid4().hex[:10]}"
    session.execute(f"CREATE KEYSPACE {name} WITH replication = {replication_cql(replication())}")
    yield name
    session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


def tables(session: Session, ks: str) -> set[str]:
    rows = session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (ks,)
    )
    return {r.table_name for r in rows}


def columns(session: Session, ks: str, table: str) -> dict[str, str]:
    rows = session.execute(
        "SELECT column_name, type FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = %s",
        (ks, table),
    )
    return {r.column_name: r.type for r in rows}


def indexes(session: Session, ks: str) -> set[str]:
    rows = session.execute(
        "SELECT index_name FROM system_schema.indexes WHERE keyspace_name = %s", (ks,)
    )
    return {r.index_name for r in rows}


def views(session: Session, ks: str) -> set[str]:
    rows = session.execute(
        "SELECT view_name FROM system_schema.views WHERE keyspace_name = %s", (ks,)
    )
    return {r.view_name for r in rows}


def table_option(session: Session, ks: str, table: str, option: str) -> Any:
    row = session.execute(
        f"SELECT {option} FROM system_schema.tables WHERE keyspace_name = %s AND table_name = %s",
        (ks, table),
    ).one()
    return getattr(row, option)


def applied(session: Session, ks: str) -> set[str]:
    return {r.id for r in session.execute(f"SELECT id FROM {ks}.coodie_migrations")} - {"~lock"}


def write(folder: Path, mid: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{mid}.py"
    path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
    return path


def cli(ks: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
    hosts, port = _contact_points()
    full_env = {
        **os.environ,
        "COODIE_HOSTS": ",".join(f"{h}:{port}" for h in hosts),
        "COODIE_KEYSPACE": ks,
        "COODIE_DRIVER": os.environ.get("COODIE_TEST_DRIVER", "scylla"),
        **(env or {}),
    }
    return subprocess.run(
        [COODIE, "migrate", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# ------------------------------------------------------------------ models


class Customer(Document):
    id: Annotated[UUID, PrimaryKey()]
    name: str = ""
    email: Annotated[str, Indexed(index_name="customer_email_idx")] = ""

    class Settings:
        name = "customers"
        options = {"comment": "who buys"}


class CustomersByName(MaterializedView):
    name: Annotated[str, PrimaryKey()]
    id: Annotated[UUID, ClusteringKey()]
    email: str = ""

    class Settings:
        name = "customers_by_name"
        base = Customer


class Customer2(Document):  # one column more, another comment and gc_grace_seconds
    id: Annotated[UUID, PrimaryKey()]
    name: str = ""
    email: Annotated[str, Indexed(index_name="customer_email_idx")] = ""
    city: str = ""

    class Settings:
        name = "customers"
        options = {"comment": "who buys, and where", "gc_grace_seconds": 7200}


class Order(Document):
    id: Annotated[int, PrimaryKey()]
    total: int = 0

    class Settings:
        name = "orders"


# ------------------------------------------------------------------ autogenerate


def test_autogenerate_new_table_index_and_view_then_nothing(
    session: Session, mks: str, tmp_path: Path
) -> None:
    m = Migrator(tmp_path / "migrations", keyspace=mks)
    made = m.make("initial", [Customer, CustomersByName])
    assert made is not None and made.warnings == []
    text = made.path.read_text()
    assert "CREATE TABLE IF NOT EXISTS {keyspace}.customers" in text
    assert "CREATE INDEX IF NOT EXISTS customer_email_idx ON {keyspace}.customers" in text
    assert "CREATE MATERIALIZED VIEW IF NOT EXISTS {keyspace}.customers_by_name" in text
    assert tables(session, mks) == set()  # make only reads

    assert m.upgrade().done == [made.id]
    assert tables(session, mks) == {"customers", "coodie_migrations"}
    assert indexes(session, mks) == {"customer_email_idx"}
    assert views(session, mks) == {"customers_by_name"}
    assert table_option(session, mks, "customers", "comment") == "who buys"
    # the live schema matches the models now: nothing to write
    assert m.make("again", [Customer, CustomersByName]) is None
    assert len(list((tmp_path / "migrations").glob("*.py"))) == 1


def test_autogenerate_new_column_and_option_change_round_trip(
    session: Session, mks: str, tmp_path: Path
) -> None:
    m = Migrator(tmp_path / "migrations", keyspace=mks)
    first = m.make("initial", [Customer])
    assert first is not None
    m.upgrade()
    second = m.make("add city", [Customer2])
    assert second is not None and second.id == "0002_add_city"
    text = second.path.read_text()
    assert "ALTER TABLE {keyspace}.customers ADD city text" in text
    assert "ALTER TABLE {keyspace}.customers WITH comment = 'who buys, and where'" in text
    assert "ALTER TABLE {keyspace}.customers WITH gc_grace_seconds = 7200" in text
    assert 'depends_on = [\n    "0001_initial",\n]' in text

    before_gc = table_option(session, mks, "customers", "gc_grace_seconds")
    assert m.upgrade().done == ["0002_add_city"]
    assert columns(session, mks, "customers")["city"] == "text"
    assert table_option(session, mks, "customers", "comment") == "who buys, and where"
    assert table_option(session, mks, "customers", "gc_grace_seconds") == 7200
    assert m.make("nothing", [Customer2]) is None

    assert m.downgrade("0001_initial").done == ["0002_add_city"]
    assert "city" not in columns(session, mks, "customers")
    assert table_option(session, mks, "customers", "comment") == "who buys"
    assert table_option(session, mks, "customers", "gc_grace_seconds") == before_gc
    assert applied(session, mks) == {"0001_initial"}


def test_drops_and_type_changes_are_only_comments_with_warnings(
    session: Session, mks: str, tmp_path: Path
) -> None:
    session.execute(f"CREATE TABLE {mks}.customers (id uuid PRIMARY KEY, name int, legacy text)")
    session.execute(f"CREATE TABLE {mks}.old_stuff (id int PRIMARY KEY)")
    session.execute(f"CREATE INDEX stray_idx ON {mks}.customers (legacy)")
    m = Migrator(tmp_path / "migrations", keyspace=mks)
    made = m.make("reconcile", [Customer])
    assert made is not None
    warnings = made.warnings
    assert any("the table has int, the model says text" in w for w in warnings)
    assert any("customers.legacy is not in the model" in w for w in warnings)
    assert any("index stray_idx" in w for w in warnings)
    assert any("table old_stuff" in w for w in warnings)
    lines = made.path.read_text().splitlines()
    for needle in ("DROP legacy", "DROP TABLE IF EXISTS {keyspace}.old_stuff", "stray_idx"):
        hits = [line for line in lines if needle in line]
        assert hits and all(line.lstrip().startswith("#") for line in hits), needle
    m.upgrade()
    # nothing was dropped or rewritten; the safe part (email, its index) was applied
    assert columns(session, mks, "customers") == {
        "id": "uuid",
        "name": "int",
        "legacy": "text",
        "email": "text",
    }
    assert {"old_stuff", "customers"} <= tables(session, mks)
    assert indexes(session, mks) == {"stray_idx", "customer_email_idx"}


class Geo(UserType):
    lat: float
    lon: float

    class Settings:
        name = "mig_geo"


class Place(UserType):
    street: str
    geo: Geo

    class Settings:
        name = "mig_place"


class Place2(UserType):  # the same type, one field more
    street: str
    geo: Geo
    zip: str = ""

    class Settings:
        name = "mig_place"


class Shop(Document):
    id: Annotated[int, PrimaryKey()]
    place: Place

    class Settings:
        name = "shops"


class Shop2(Document):
    id: Annotated[int, PrimaryKey()]
    place: Place2

    class Settings:
        name = "shops"


def test_autogenerate_user_defined_types_and_their_new_fields(
    session: Session, mks: str, tmp_path: Path
) -> None:
    session.execute(f"CREATE TYPE {mks}.unused_type (a int)")
    m = Migrator(tmp_path, keyspace=mks)
    made = m.make("shops", [Shop])
    assert made is not None
    text = made.path.read_text()
    # each type before what uses it: geo, place, then the table
    order = [
        text.index("CREATE TYPE IF NOT EXISTS {keyspace}.mig_geo (lat float, lon float)"),
        text.index("CREATE TYPE IF NOT EXISTS {keyspace}.mig_place"),
        text.index("CREATE TABLE IF NOT EXISTS {keyspace}.shops"),
    ]
    assert order == sorted(order)
    assert made.warnings == ["type unused_type is in the keyspace but no model uses it"]
    m.upgrade()
    session.execute(
        f"INSERT INTO {mks}.shops (id, place) "
        "VALUES (1, {street: 'Main St', geo: {lat: 1.5, lon: 2.5}})"
    )

    added = m.make("zip codes", [Shop2])
    assert added is not None and added.warnings == [made.warnings[0]]
    text = added.path.read_text()
    assert "ALTER TYPE {keyspace}.mig_place ADD zip text" in text
    assert "# cannot undo: ALTER TYPE {keyspace}.mig_place ADD zip text" in text
    m.upgrade()
    place = session.execute(f"SELECT place FROM {mks}.shops WHERE id = 1").one().place
    assert (place.street, place.geo.lat, place.zip) == ("Main St", 1.5, None)
    assert m.make("nothing", [Shop2]) is not None  # only the unused type, as a warning
    m.downgrade("base")
    rows = session.execute(
        "SELECT type_name FROM system_schema.types WHERE keyspace_name = %s", (mks,)
    )
    assert {r.type_name for r in rows} == {"unused_type"}
    assert "shops" not in tables(session, mks)


class Pet(Document):
    id: Annotated[int, PrimaryKey()]
    kind: Annotated[str, Discriminator()] = "pet"
    name: str = ""

    class Settings:
        name = "pets"


class Dog(Pet):
    __discriminator_value__ = "dog"
    barks: bool = True


def test_autogenerate_polymorphic_documents_one_table(mks: str, tmp_path: Path) -> None:
    m = Migrator(tmp_path, keyspace=mks)
    made = m.make("pets", [Dog, Pet])  # the subclass stands for the root's whole table
    assert made is not None and made.warnings == []
    text = made.path.read_text()
    assert text.count("CREATE TABLE") == 1
    assert "{keyspace}.pets (id int, kind text, name text, barks boolean" in text
    m.upgrade()
    assert m.make("again", [Dog]) is None
    with pytest.raises(MigrationError, match="Customer and Customer2 both map to the table"):
        m.make("ambiguous", [Customer, Customer2])


def test_generated_file_is_stable_and_ruff_formatted(mks: str, tmp_path: Path) -> None:
    import datetime as dt

    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    a = Migrator(tmp_path / "a", keyspace=mks).make("initial", [Customer, CustomersByName, Order])
    b = Migrator(tmp_path / "b", keyspace=mks).make(
        "initial", [Order, CustomersByName, Customer], rev_id="0001_initial", now=when
    )
    assert a is not None and b is not None
    text_a, text_b = a.path.read_bytes(), b.path.read_bytes()
    assert b"Generated by `coodie migrate make` on 2026-01-02 03:04 UTC." in text_b
    # the same difference, models in another order: the same file apart from the date
    differ = [
        (x, y) for x, y in zip(text_a.splitlines(), text_b.splitlines(), strict=True) if x != y
    ]
    assert len(differ) == 1 and differ[0][0].startswith(b"Generated by")
    c = Migrator(tmp_path / "c", keyspace=mks).make(
        "initial", [Customer, CustomersByName, Order], rev_id="0001_initial", now=when
    )
    assert c is not None and c.path.read_bytes() == text_b
    # ruff (with its defaults, and with this project's settings) leaves it as it is
    for cwd in (tmp_path, Path(__file__).parent):
        done = subprocess.run(
            [RUFF, "format", "--check", "--no-cache", str(b.path)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    compile(text_b, str(b.path), "exec")


# ------------------------------------------------------------------ running


ROUND_TRIP = {
    "0001_items": """
        id = "0001_items"
        description = "items table"
        depends_on = []


        def upgrade(ctx):
            ctx.execute("CREATE TABLE {keyspace}.items (id int PRIMARY KEY, name text)")


        def downgrade(ctx):
            ctx.execute("DROP TABLE {keyspace}.items")
    """,
    "0002_price": """
        id = "0002_price"
        description = "price, as a coroutine"
        depends_on = ["0001_items"]


        async def upgrade(ctx):
            await ctx.execute("ALTER TABLE {keyspace}.items ADD price int")
            await ctx.execute_many(
                "INSERT INTO {keyspace}.items (id, name, price) VALUES (?, ?, ?)",
                [(i, f"item {i}", i * 10) for i in range(5)],
            )


        async def downgrade(ctx):
            await ctx.execute("ALTER TABLE {keyspace}.items DROP price")
    """,
    "0003_stock": """
        id = "0003_stock"
        description = "stock"
        depends_on = ["0002_price"]


        def upgrade(ctx):
            ctx.execute("ALTER TABLE {keyspace}.items ADD stock int")
            ctx.execute("UPDATE {keyspace}.items SET stock = ? WHERE id = ?", (7, 1))


        def downgrade(ctx):
            ctx.execute("ALTER TABLE {keyspace}.items DROP stock")
    """,
}


@pytest.mark.parametrize("flavour", ["sync", "aio"])
async def test_up_down_round_trips(
    session: Session, mks: str, tmp_path: Path, flavour: str
) -> None:
    for mid, body in ROUND_TRIP.items():
        write(tmp_path, mid, body)

    async def call(method: str, *args: Any) -> Any:
        if flavour == "sync":
            return getattr(Migrator(tmp_path, keyspace=mks), method)(*args)
        return await getattr(AsyncMigrator(tmp_path, keyspace=mks), method)(*args)

    assert (await call("upgrade", "0002_price")).done == ["0001_items", "0002_price"]
    assert set(columns(session, mks, "items")) == {"id", "name", "price"}
    assert (await call("upgrade")).done == ["0003_stock"]
    assert session.execute(f"SELECT stock FROM {mks}.items WHERE id = 1").one().stock == 7
    assert (await call("upgrade")).done == []
    assert [s.state for s in await call("status")] == ["applied"] * 3

    assert (await call("downgrade", "0001_items")).done == ["0003_stock", "0002_price"]
    assert set(columns(session, mks, "items")) == {"id", "name"}
    assert applied(session, mks) == {"0001_items"}
    assert (await call("downgrade", "base")).done == ["0001_items"]
    assert "items" not in tables(session, mks)
    assert [s.state for s in await call("status")] == ["pending"] * 3

    assert (await call("upgrade")).done == ["0001_items", "0002_price", "0003_stock"]
    assert set(columns(session, mks, "items")) == {"id", "name", "price", "stock"}
    assert session.execute(f"SELECT count(*) FROM {mks}.items").one()[0] == 5


def test_model_operations_create_and_drop_a_models_table(
    session: Session, mks: str, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "0001_widgets",
        """
        from typing import Annotated

        from coodie.fields import ClusteringKey, Indexed, PrimaryKey
        from coodie.sync import Document, MaterializedView

        id = "0001_widgets"
        depends_on = []


        class Widget(Document):
            id: Annotated[int, PrimaryKey()]
            color: Annotated[str, Indexed()] = ""

            class Settings:
                name = "widgets"


        class WidgetsByColor(MaterializedView):
            color: Annotated[str, PrimaryKey()]
            id: Annotated[int, ClusteringKey()]

            class Settings:
                name = "widgets_by_color"
                base = Widget


        def upgrade(ctx):
            ctx.create_table(Widget)
            ctx.create_table(WidgetsByColor)


        async def downgrade(ctx):
            await ctx.drop_table(WidgetsByColor)
            await ctx.drop_table(Widget)
        """,
    )
    m = Migrator(tmp_path, keyspace=mks)
    m.upgrade()
    assert columns(session, mks, "widgets") == {"id": "int", "color": "text"}
    assert indexes(session, mks) == {"widgets_color_idx"}
    assert views(session, mks) == {"widgets_by_color"}
    m.downgrade("base")
    assert tables(session, mks) == {"coodie_migrations"} and views(session, mks) == set()


def test_data_migration_rewrites_10000_rows_page_by_page(
    session: Session, mks: str, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "0001_people",
        """
        id = "0001_people"
        depends_on = []


        def upgrade(ctx):
            ctx.execute(
                "CREATE TABLE {keyspace}.people "
                "(team int, id int, first text, last text, PRIMARY KEY (team, id))"
            )
            ctx.execute_many(
                "INSERT INTO {keyspace}.people (team, id, first, last) VALUES (?, ?, ?, ?)",
                [(i % 50, i, f"first{i}", f"last{i}") for i in range(10_000)],
            )
        """,
    )
    write(
        tmp_path,
        "0002_full_name",
        """
        id = "0002_full_name"
        depends_on = ["0001_people"]


        def full_name(row):
            if row["id"] % 1000 == 999:
                return None  # left as it is
            return {"full_name": row["first"] + " " + row["last"]}


        def upgrade(ctx):
            ctx.execute("ALTER TABLE {keyspace}.people ADD full_name text")
            ctx.rewrite("people", full_name, columns=["first", "last"], page_size=500)
        """,
    )
    progress = io.StringIO()
    result = Migrator(tmp_path, keyspace=mks, progress=progress).upgrade()
    assert result.done == ["0001_people", "0002_full_name"]
    rows = list(session.execute(f"SELECT id, first, last, full_name FROM {mks}.people"))
    assert len(rows) == 10_000
    for r in rows:
        want = None if r.id % 1000 == 999 else f"first{r.id} last{r.id}"
        assert r.full_name == want, r
    # one progress update per page of 500 rows (the server may end with an empty page),
    # each the running count of rows written
    updates = progress.getvalue().rstrip("\n").split("\r")[1:]
    assert len(updates) in (20, 21), updates
    assert updates[-1] == "people: 9990 rows rewritten"
    counts = [0] + [int(u.split(": ")[1].split()[0]) for u in updates]
    assert all(0 <= b - a <= 500 for a, b in itertools.pairwise(counts)), counts


async def test_async_rewrite_and_pages(session: Session, mks: str, tmp_path: Path) -> None:
    session.execute(f"CREATE TABLE {mks}.nums (id int PRIMARY KEY, n int, double int)")
    for i in range(0, 1200, 100):
        session.execute(
            "BEGIN UNLOGGED BATCH "
            + " ".join(
                f"INSERT INTO {mks}.nums (id, n) VALUES ({j}, {j});" for j in range(i, i + 100)
            )
            + " APPLY BATCH"
        )
    write(
        tmp_path,
        "0001_double",
        """
        id = "0001_double"
        depends_on = []


        async def upgrade(ctx):
            total = 0
            async for page in ctx.pages("SELECT n FROM {keyspace}.nums", page_size=250):
                assert len(page) <= 250
                total += sum(r["n"] for r in page)
            assert total == sum(range(1200))
            await ctx.rewrite("nums", lambda r: {"double": r["n"] * 2}, page_size=300)
        """,
    )
    await AsyncMigrator(tmp_path, keyspace=mks, progress=io.StringIO()).upgrade()
    rows = list(session.execute(f"SELECT n, double FROM {mks}.nums"))
    assert len(rows) == 1200 and all(r.double == 2 * r.n for r in rows)


RACE = {
    "0001_ledger": """
        id = "0001_ledger"
        depends_on = []


        def upgrade(ctx):
            ctx.execute(
                "CREATE TABLE {keyspace}.ledger (migration text, run uuid, PRIMARY KEY (migration, run))"
            )
            ctx.execute("INSERT INTO {keyspace}.ledger (migration, run) VALUES ('0001', uuid())")
    """,
    "0002_slow": """
        import time

        id = "0002_slow"
        depends_on = ["0001_ledger"]


        def upgrade(ctx):
            ctx.execute("INSERT INTO {keyspace}.ledger (migration, run) VALUES ('0002', uuid())")
            time.sleep(1.5)  # long enough that the other runner is surely waiting
    """,
    "0003_slow": """
        import asyncio

        id = "0003_slow"
        depends_on = ["0002_slow"]


        async def upgrade(ctx):
            await ctx.execute("INSERT INTO {keyspace}.ledger (migration, run) VALUES ('0003', uuid())")
            await asyncio.sleep(1.0)
    """,
}


def test_two_runners_racing_in_separate_processes_apply_each_migration_once(
    session: Session, mks: str, tmp_path: Path
) -> None:
    for mid, body in RACE.items():
        write(tmp_path / "migrations", mid, body)
    hosts, port = _contact_points()
    env = {
        **os.environ,
        "COODIE_HOSTS": ",".join(f"{h}:{port}" for h in hosts),
        "COODIE_KEYSPACE": mks,
        "COODIE_DRIVER": os.environ.get("COODIE_TEST_DRIVER", "scylla"),
    }
    procs = [
        subprocess.Popen(
            [COODIE, "migrate", "up", "--lock-timeout", "120"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(out)
    ledger = [r.migration for r in session.execute(f"SELECT migration FROM {mks}.ledger")]
    assert sorted(ledger) == ["0001", "0002", "0003"]  # each ran exactly once
    assert applied(session, mks) == set(RACE)
    # between them the two runners applied each migration once
    said = sorted(line for out in outs for line in out.splitlines() if line.startswith("applied"))
    assert said == [f"applied: {mid}" for mid in sorted(RACE)]
    # and the lock is free again
    assert (
        session.execute(f"SELECT id FROM {mks}.coodie_migrations WHERE id = '~lock'").one() is None
    )


def test_lock_held_by_another_runner_fails_clearly_then_expires(
    session: Session, mks: str, tmp_path: Path
) -> None:
    write(tmp_path, "0001_items", ROUND_TRIP["0001_items"])
    m = Migrator(tmp_path, keyspace=mks, lock_timeout=0)
    m.upgrade(dry_run=True)  # a dry run takes no lock and creates nothing
    session.execute(
        f"CREATE TABLE {mks}.coodie_migrations (id text PRIMARY KEY, checksum text, "
        "description text, applied_at timestamp, applied_by text, owner text)"
    )
    session.execute(
        f"INSERT INTO {mks}.coodie_migrations (id, owner) VALUES ('~lock', 'ghost-deployer') "
        "IF NOT EXISTS USING TTL 20"  # outlives the two refusals below, even on a busy machine
    )
    with pytest.raises(MigrationLockError, match="ghost-deployer"):
        m.upgrade()
    assert "items" not in tables(session, mks)
    done = cli(mks, "up", "--lock-timeout", "0", cwd=tmp_path, env={"COODIE_MIGRATIONS": "."})
    assert done.returncode == 5, done.stderr
    assert "ghost-deployer" in done.stderr
    # the lock's TTL runs out: a runner that waits gets it
    assert Migrator(tmp_path, keyspace=mks, lock_timeout=60).upgrade().done == ["0001_items"]


def test_a_long_run_renews_its_lock_and_a_stalled_one_loses_it(
    session: Session, mks: str, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "0001_steady",
        """
        import time

        id = "0001_steady"
        depends_on = []


        def upgrade(ctx):
            ctx.execute("CREATE TABLE {keyspace}.steps (n int PRIMARY KEY)")
            for n in range(12):  # 6 s in all, past the 4 s TTL: the steps renew the lock
                time.sleep(0.5)
                ctx.execute("INSERT INTO {keyspace}.steps (n) VALUES (?)", (n,))
        """,
    )
    assert Migrator(tmp_path, keyspace=mks, lock_ttl=4).upgrade().done == ["0001_steady"]
    assert session.execute(f"SELECT count(*) FROM {mks}.steps").one()[0] == 12
    write(
        tmp_path,
        "0002_stalled",
        """
        import time

        id = "0002_stalled"
        depends_on = ["0001_steady"]


        def upgrade(ctx):
            time.sleep(3.5)  # longer than the TTL without a statement: the lock expires
            ctx.execute("INSERT INTO {keyspace}.steps (n) VALUES (?)", (99,))
        """,
    )
    with pytest.raises(MigrationLockError, match="lost the migration lock"):
        Migrator(tmp_path, keyspace=mks, lock_ttl=2).upgrade()
    assert session.execute(f"SELECT n FROM {mks}.steps WHERE n = 99").one() is None
    assert applied(session, mks) == {"0001_steady"}


def test_failed_migration_is_not_recorded_and_frees_the_lock(
    session: Session, mks: str, tmp_path: Path
) -> None:
    write(tmp_path, "0001_items", ROUND_TRIP["0001_items"])
    write(
        tmp_path,
        "0002_broken",
        """
        id = "0002_broken"
        depends_on = ["0001_items"]


        def upgrade(ctx):
            ctx.execute("ALTER TABLE {keyspace}.items ADD note text")
            ctx.execute("SELECT id FROM {keyspace}.items")
            ctx.execute("ALTER TABLE {keyspace}.nowhere ADD x int")
        """,
    )
    m = Migrator(tmp_path, keyspace=mks, lock_timeout=0)
    with pytest.raises(MigrationError, match="0002_broken") as e:
        m.upgrade()
    message = str(e.value)
    assert "nowhere" in message  # the server's error
    # what it ran before failing: the ALTER and the SELECT, not the statement that failed
    assert message.endswith(
        f"stays done: ALTER TABLE {mks}.items ADD note text; SELECT id FROM {mks}.items"
    )
    assert applied(session, mks) == {"0001_items"}
    assert "note" in columns(session, mks, "items")
    # the lock was released: a runner that does not wait gets it at once; the migration
    # fails again, at its first statement now
    with pytest.raises(MigrationError, match="already exists") as e:
        m.upgrade()
    assert str(e.value).endswith("stays done: nothing")
    assert applied(session, mks) == {"0001_items"}


def test_checksum_mismatch_is_reported(session: Session, mks: str, tmp_path: Path) -> None:
    path = write(tmp_path, "0001_items", ROUND_TRIP["0001_items"])
    m = Migrator(tmp_path, keyspace=mks)
    m.upgrade()
    path.write_text(path.read_text().replace("name text", "name text, extra int"))
    write(
        tmp_path,
        "0002_stock",
        ROUND_TRIP["0003_stock"]
        .replace("0003_stock", "0002_stock")
        .replace('"0002_price"', '"0001_items"'),
    )
    assert [(s.id, s.state) for s in m.status()] == [
        ("0001_items", "modified"),
        ("0002_stock", "pending"),
    ]
    with pytest.raises(MigrationChecksumError, match="0001_items"):
        m.upgrade()
    assert "stock" not in columns(session, mks, "items")  # nothing ran
    env = {"COODIE_MIGRATIONS": "."}
    assert cli(mks, "status", cwd=tmp_path, env=env).returncode == 4
    up = cli(mks, "up", cwd=tmp_path, env=env)
    assert up.returncode == 4 and "checksum mismatch" in up.stderr


def test_dry_run_sends_no_write_and_no_ddl(session: Session, mks: str, tmp_path: Path) -> None:
    for mid, body in ROUND_TRIP.items():
        write(tmp_path / "migrations", mid, body)

    def schema() -> tuple[Any, ...]:
        # the keyspace's whole schema (the cluster's schema version moves with other
        # keyspaces: other test runs share the node)
        cols = session.execute(
            "SELECT table_name, column_name, type FROM system_schema.columns "
            "WHERE keyspace_name = %s",
            (mks,),
        )
        return tables(session, mks), {tuple(r) for r in cols}, indexes(session, mks)

    before = schema()
    result = Migrator(tmp_path / "migrations", keyspace=mks).upgrade(dry_run=True)
    assert result.done == list(ROUND_TRIP)
    assert result.statements["0001_items"] == [
        f"CREATE TABLE {mks}.items (id int PRIMARY KEY, name text)"
    ]
    done = cli(mks, "up", "--dry-run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"ALTER TABLE {mks}.items ADD stock int;" in done.stdout
    assert "would be applied: 0003_stock" in done.stdout
    assert schema() == before == (set(), set(), set())  # not even coodie_migrations
    assert cli(mks, "status", cwd=tmp_path).returncode == 3  # all still pending


def test_cli_exit_codes_and_commands(session: Session, mks: str, tmp_path: Path) -> None:
    (tmp_path / "shop_models.py").write_text(
        textwrap.dedent(
            """
            from typing import Annotated

            from coodie.fields import PrimaryKey
            from coodie.sync import Document


            class Order(Document):
                id: Annotated[int, PrimaryKey()]
                total: int = 0

                class Settings:
                    name = "orders"
            """
        )
    )
    models = {"COODIE_MODELS": "shop_models"}
    made = cli(mks, "make", "-m", "orders table", cwd=tmp_path, env=models)
    assert made.returncode == 0, made.stderr
    assert "wrote migrations/0001_orders_table.py" in made.stdout
    assert cli(mks, "status", cwd=tmp_path).returncode == 3  # pending
    shown = cli(mks, "show", "0001_orders_table", cwd=tmp_path)
    assert shown.returncode == 0
    assert f"CREATE TABLE IF NOT EXISTS {mks}.orders" in shown.stdout
    assert f"DROP TABLE IF EXISTS {mks}.orders" in shown.stdout
    up = cli(mks, "up", cwd=tmp_path)
    assert up.returncode == 0 and "applied: 0001_orders_table" in up.stdout
    assert "orders" in tables(session, mks)
    status = cli(mks, "status", cwd=tmp_path)
    assert status.returncode == 0 and status.stdout.startswith("applied   0001_orders_table")
    nothing = cli(mks, "make", "-m", "again", cwd=tmp_path, env=models)
    assert nothing.returncode == 0 and "no changes" in nothing.stdout
    down = cli(mks, "down", "base", cwd=tmp_path)
    assert down.returncode == 0 and "reverted: 0001_orders_table" in down.stdout
    assert "orders" not in tables(session, mks)
    empty = cli(mks, "make", "-m", "backfill by hand", "--empty", cwd=tmp_path)
    assert empty.returncode == 0 and "0002_backfill_by_hand.py" in empty.stdout
    assert "    pass" in (tmp_path / "migrations" / "0002_backfill_by_hand.py").read_text()
    up = cli(mks, "up", cwd=tmp_path)
    assert up.returncode == 0, up.stderr
    assert up.stdout.splitlines() == [
        "applied: 0001_orders_table",
        "applied: 0002_backfill_by_hand",
    ]
    # errors: unknown target (1), no keyspace (1), bad command line (2)
    bad = cli(mks, "up", "0009_nope", cwd=tmp_path)
    assert bad.returncode == 1 and "no migration '0009_nope'" in bad.stderr
    assert cli("", "status", cwd=tmp_path).returncode == 1
    assert cli(mks, "down", cwd=tmp_path).returncode == 2


# ------------------------------------------------------------------ the docs page


def test_docs_page_python_blocks_run_as_written(session: Session, capsys: Any) -> None:
    """docs/migrations.md: its ```python blocks, in order in one namespace, on a default
    driver of their own keyspace; the printed output is the page's ```text blocks."""
    import ast
    import asyncio
    import re

    from coodie import registry
    from coodie.sync import init_coodie

    page = (Path(__file__).parents[2] / "docs" / "migrations.md").read_text()
    fence = re.compile(r"^```(python|text)[ \t]*\n(.*?)^```", re.S | re.M)
    blocks = [
        (m.group(1), m.group(2), page.count("\n", 0, m.start(2))) for m in fence.finditer(page)
    ]
    own = f"docs_mig_{uuid.uuid4().hex[:10]}"
    hosts, port = _contact_points()
    saved = (dict(registry._drivers), list(registry._default))
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    driver = init_coodie(
        hosts=hosts,
        keyspace=own,
        port=port,
        driver_type=driver_type,
        name="docs-migrations",
        default=True,
        # (on a cluster: the replication and levels the suite runs at)
        replication=replication(),
        **driver_options(driver_type),
    )
    ns: dict[str, Any] = {"__name__": "docs_migrations"}
    try:
        for n, (kind, code, line) in enumerate(blocks):
            if kind != "python":
                continue
            compiled = compile(
                "\n" * line + code,
                "migrations.md",
                "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                dont_inherit=True,
            )
            capsys.readouterr()
            result = eval(compiled, ns)
            if asyncio.iscoroutine(result):
                asyncio.run(result)
            printed = capsys.readouterr().out
            if n + 1 < len(blocks) and blocks[n + 1][0] == "text":
                want = blocks[n + 1][1]
                if "Generated by" in want:  # the generated file's date is today's
                    printed = re.sub(r"on \d{4}-\d\d-\d\d \d\d:\d\d UTC", "on DATE", printed)
                    want = re.sub(r"on \d{4}-\d\d-\d\d \d\d:\d\d UTC", "on DATE", want)
                assert printed.rstrip("\n") == want.rstrip("\n"), f"migrations.md:{line}"
    finally:
        registry._drivers.clear()
        registry._drivers.update(saved[0])
        registry._default[:] = saved[1]
        driver.shutdown()
        session.execute(f"DROP KEYSPACE IF EXISTS {own}", timeout=120)
