"""The pure parts of coodie.migrations: loading, ordering, plans, checksums, rendering,
option comparison, schema agreement's retry, and the command line's parsing."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coodie.cli import main
from coodie.ddl import SchemaChange, option_equal
from coodie.exceptions import MigrationError
from coodie.migrations import AsyncMigrationContext, AsyncMigrator, MigrationContext, Migrator
from coodie.migrations.autogen import heads, next_id, py_str, render
from coodie.migrations.context import Pause, schema_agreement_flow, simple_types
from coodie.migrations.files import (
    Migration,
    checksum_of,
    load_file,
    load_migrations,
    order_migrations,
    plan_downgrade,
    plan_upgrade,
)
from coodie.requests import Page, RawRequest

RUFF = str(Path(sys.executable).with_name("ruff"))


def m(mid: str, *deps: str) -> Migration:
    return Migration(mid, depends_on=deps)


def ids(migrations: list[Migration]) -> list[str]:
    return [x.id for x in migrations]


def test_order_puts_each_migration_after_what_it_depends_on() -> None:
    got = order_migrations([m("c", "b"), m("a"), m("b", "a"), m("d", "a")])
    assert ids(got) == ["a", "b", "c", "d"]
    # ids sort first, dependencies win over ids
    assert ids(order_migrations([m("1_x", "2_y"), m("2_y")])) == ["2_y", "1_x"]


@pytest.mark.parametrize(
    ("migrations", "message"),
    [
        ([m("a", "b"), m("b", "a")], "cycle: a -> b -> a"),
        ([m("a", "zz")], "a depends on 'zz', which does not exist"),
        ([m("a"), m("a")], "two migrations have the id 'a'"),
    ],
)
def test_order_rejects_bad_graphs(migrations: list[Migration], message: str) -> None:
    with pytest.raises(MigrationError, match=message):
        order_migrations(migrations)


def test_plans_up_to_a_target_and_down_to_a_target() -> None:
    ordered = order_migrations([m("a"), m("b", "a"), m("c", "b"), m("x", "a")])
    assert ids(plan_upgrade(ordered, [])) == ["a", "b", "c", "x"]
    assert ids(plan_upgrade(ordered, ["a"], "c")) == ["b", "c"]  # not x: c does not need it
    assert ids(plan_upgrade(ordered, ["a", "b", "c", "x"])) == []
    assert ids(plan_downgrade(ordered, ["a", "b", "c", "x"], "b")) == ["x", "c"]
    assert ids(plan_downgrade(ordered, ["a", "b"], "base")) == ["b", "a"]
    with pytest.raises(MigrationError, match="no migration 'nope'"):
        plan_upgrade(ordered, [], "nope")
    with pytest.raises(MigrationError, match="c is not applied"):
        plan_downgrade(ordered, ["a"], "c")


def test_checksum_ignores_line_endings_only() -> None:
    assert checksum_of(b"a = 1\r\nb = 2\r\n") == checksum_of(b"a = 1\nb = 2\n")
    assert checksum_of(b"a = 1\n") != checksum_of(b"a = 2\n")


def test_loading_checks_each_file(tmp_path: Path) -> None:
    def put(name: str, body: str) -> Path:
        p = tmp_path / name
        p.write_text(textwrap.dedent(body))
        return p

    good = put("0001_a.py", 'id = "0001_a"\ndepends_on = []\ndef upgrade(ctx):\n    pass\n')
    loaded = load_file(good)
    assert (loaded.id, loaded.depends_on, loaded.downgrade) == ("0001_a", (), None)
    assert loaded.checksum == checksum_of(good.read_bytes())
    for name, body, message in [
        ("x1.py", "depends_on = []\ndef upgrade(ctx): pass\n", "migration id None"),
        ("x2.py", 'id = "x2"\n', "needs an upgrade"),
        (
            "x3.py",
            'id = "x3"\ndepends_on = "x1"\ndef upgrade(ctx): pass\n',
            "list of migration ids",
        ),
        ("x4.py", 'id = "x4"\ndef upgrade(): pass\n', "one argument"),
        ("x5.py", 'id = "x5"\nraise RuntimeError("boom")\n', "RuntimeError: boom"),
        ("x6.py", 'id = "base"\ndef upgrade(ctx): pass\n', "not 'base'"),
    ]:
        with pytest.raises(MigrationError, match=message):
            load_file(put(name, body))
    with pytest.raises(MigrationError, match="no migrations folder"):
        load_migrations(tmp_path / "missing")


CHANGES = [
    SchemaChange(
        "create_table",
        "t",
        "CREATE TABLE IF NOT EXISTS {keyspace}.t (id int, PRIMARY KEY (id)) WITH comment = 'x'",
        "DROP TABLE IF EXISTS {keyspace}.t",
    ),
    SchemaChange("add_column", "u", 'ALTER TABLE {keyspace}.u ADD "Mixed" text', "undo-add"),
    SchemaChange("drop_column", "u", "ALTER TABLE {keyspace}.u DROP old", warning="loses old"),
    SchemaChange("type_change", "u", "", warning="u.n: the table has int, the model says text"),
]


def test_render_is_deterministic_valid_and_comments_out_what_loses_data() -> None:
    text = render("0002_x", "Add things", ["0001_a"], CHANGES, "2026-01-01 00:00 UTC")
    assert text == render("0002_x", "Add things", ["0001_a"], CHANGES, "2026-01-01 00:00 UTC")
    compile(text, "0002_x.py", "exec")
    namespace: dict[str, object] = {}
    exec(compile(text, "0002_x.py", "exec"), namespace)
    assert namespace["id"] == "0002_x"
    assert namespace["depends_on"] == ["0001_a"]
    lines = text.splitlines()
    assert "    # WARNING: loses old" in lines
    assert '    # ctx.execute("ALTER TABLE {keyspace}.u DROP old")' in lines
    assert "    # WARNING: u.n: the table has int, the model says text" in lines
    # upgrade runs the safe statements; downgrade undoes them in reverse order
    up = text[text.index("def upgrade") : text.index("def downgrade")]
    down = text[text.index("def downgrade") :]
    assert up.index("CREATE TABLE") < up.index("""'ALTER TABLE {keyspace}.u ADD "Mixed" text',""")
    assert down.index("undo-add") < down.index("DROP TABLE IF EXISTS {keyspace}.t")
    assert "DROP old" not in down


def test_render_passes_ruff_format_check(tmp_path: Path) -> None:
    for n, changes in enumerate([CHANGES, [], CHANGES[2:]]):
        path = tmp_path / f"m{n}.py"
        path.write_text(render(f"m{n}", "a message " * 12, [], changes, "2026-01-01 00:00 UTC"))
        done = subprocess.run(
            [RUFF, "format", "--check", "--no-cache", str(path)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_python_string_literals_use_the_quotes_ruff_prefers() -> None:
    assert py_str("a 'b'") == "\"a 'b'\""
    assert py_str('a "B"') == "'a \"B\"'"
    assert py_str('say "it\'s"') == "'say \"it\\'s\"'"
    for s in ["a 'b'", 'a "B"', 'say "it\'s"', "back\\slash"]:
        assert eval(py_str(s)) == s


def test_new_ids_number_on_and_depend_on_the_heads() -> None:
    existing = [m("0001_a"), m("0002_b", "0001_a"), m("0007_c", "0001_a")]
    assert next_id(existing, "Add user's e-mail!") == "0008_add_user_s_e_mail"
    assert next_id([], "") == "0001_migration"
    assert heads(existing) == ["0002_b", "0007_c"]


def test_table_options_compare_by_what_the_model_declares() -> None:
    live_compaction = {
        "class": "org.apache.cassandra.db.compaction.LeveledCompactionStrategy",
        "max_threshold": "32",
    }
    assert option_equal({"class": "LeveledCompactionStrategy"}, live_compaction)
    assert not option_equal({"class": "SizeTieredCompactionStrategy"}, live_compaction)
    assert option_equal({"max_threshold": 32}, live_compaction)
    assert option_equal(3600, 3600) and not option_equal(3600, 7200)
    assert option_equal(0.01, 0.01) and option_equal("x", "x") and not option_equal("x", None)
    assert option_equal(True, True) and not option_equal(True, False)


def test_simple_types_for_scalars_only() -> None:
    got = simple_types(["int", "varchar", "uuid"])
    assert got is not None and [t.name for t in got] == ["int", "text", "uuid"]
    assert simple_types(["int", "list<text>"]) is None


def test_schema_agreement_waits_while_versions_differ() -> None:
    flow = schema_agreement_flow(timeout=60)
    asked = flow.send(None)
    assert isinstance(asked, RawRequest) and "system.local" in asked.cql
    assert isinstance(flow.send(Page([("v1",)])), RawRequest)  # then system.peers
    assert flow.send(Page([("10.0.0.2", "v2")])) == Pause(0.2)  # disagree: wait, ask again
    flow.send(None)
    flow.send(Page([("v2",)]))
    with pytest.raises(StopIteration):
        flow.send(Page([("10.0.0.2", "v2"), ("10.0.0.3", None)]))  # a down peer has none


def test_schema_agreement_gives_up_with_a_clear_error() -> None:
    flow = schema_agreement_flow(timeout=0)
    flow.send(None)
    flow.send(Page([("v1",)]))
    with pytest.raises(MigrationError, match="did not agree on the schema"):
        flow.send(Page([("10.0.0.2", "v2")]))


def test_command_line_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["migrate"], ["migrate", "down"], ["migrate", "up", "--lock-ttl", "x"], []):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2, argv
    assert "usage: coodie" in capsys.readouterr().err


def _methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        n: inspect.signature(getattr(cls, n))
        for n in dir(cls)
        if not n.startswith("_") and callable(getattr(cls, n))
    }


@pytest.mark.parametrize(
    ("sync", "aio"),
    [(Migrator, AsyncMigrator), (MigrationContext, AsyncMigrationContext)],
)
def test_the_asyncio_classes_mirror_the_blocking_ones(sync: type, aio: type) -> None:
    s, a = _methods(sync), _methods(aio)
    assert s.keys() == a.keys()
    for name in s:
        assert list(s[name].parameters) == list(a[name].parameters), name
        assert inspect.iscoroutinefunction(getattr(aio, name)) or inspect.isasyncgenfunction(
            getattr(aio, name)
        ), name
