"""Autogenerate: compare the models with the live schema (system_schema) and write a
migration with the CQL for the difference.

What coodie can do safely (new user-defined types and type fields, tables, columns,
indexes, views, table options) is written as statements; what loses data or that CQL
cannot do (drops, type and key changes) only as comments under a WARNING. The same difference gives the same file,
apart from its id and date, and the file is ruff-format stable.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from coodie.ddl import SchemaChange, live_columns_flow, live_indexes_flow, table_changes
from coodie.document import DocumentCore
from coodie.exceptions import MigrationError
from coodie.migrations.files import STATE_TABLE, Migration, check_id
from coodie.polymorphic import root_of
from coodie.query import Flow
from coodie.requests import Page, RawRequest
from coodie.schema import quote
from coodie.usertype import live_types_flow, table_udts, type_changes
from coodie.views import create_view_cql

__all__ = ["Generated", "collect_models", "diff_flow", "render", "write_migration"]

_PLACEHOLDER = "coodie_keyspace_placeholder"  # a keyspace name, replaced by {keyspace}
_DESCRIPTION_MAX = 72  # keeps `description = "..."` within 88 columns


@dataclass(frozen=True)
class Generated:
    """A migration `make()` wrote: its file and the warnings it holds as comments."""

    path: Path
    id: str
    changes: tuple[SchemaChange, ...]

    @property
    def warnings(self) -> list[str]:
        return [c.warning for c in self.changes if c.warning]


def _is_model(obj: Any) -> bool:
    if not (inspect.isclass(obj) and issubclass(obj, DocumentCore)):
        return False
    own = obj.__dict__.get("Settings")
    return not (obj.__dict__.get("__coodie_abstract__") or getattr(own, "abstract", False))


def collect_models(models: Any) -> list[Any]:
    """Document classes from a list of classes, a module, or dotted module paths
    ("app.models" or "app.models,app.more")."""
    if isinstance(models, str):
        models = [m.strip() for m in models.split(",") if m.strip()]
    if isinstance(models, ModuleType) or inspect.isclass(models):
        models = [models]
    found: dict[int, Any] = {}
    for item in models:
        if isinstance(item, str):
            try:
                item = importlib.import_module(item)
            except ImportError as e:
                raise MigrationError(f"cannot import the models module {item!r}: {e}") from e
        if isinstance(item, ModuleType):
            for obj in vars(item).values():
                if _is_model(obj):
                    found[id(obj)] = obj
        elif _is_model(item):
            found[id(item)] = item
        else:
            raise MigrationError(f"{item!r} is not a Document class or a module of them")
    if not found:
        raise MigrationError("no Document classes found in the models given")
    return list(found.values())


def _placeheld(change: SchemaChange) -> SchemaChange:
    old = f"{_PLACEHOLDER}."
    return replace(
        change,
        cql=change.cql.replace(old, "{keyspace}."),
        undo=change.undo.replace(old, "{keyspace}."),
    )


def _one_per_table(models: Sequence[Any], keyspace: str) -> list[Any]:
    """One model per table: a polymorphic subclass stands for its root (whose table has
    every subclass's columns); two other models of one table are an error."""
    by_table: dict[tuple[str, str], Any] = {}
    for m in models:
        m = root_of(m) or m
        s = m._schema()
        key = (s.keyspace or keyspace, s.name)
        other = by_table.setdefault(key, m)
        if other is not m:
            raise MigrationError(
                f"{other.__name__} and {m.__name__} both map to the table {s.name}: "
                "give autogenerate one model per table"
            )
    return list(by_table.values())


def diff_flow(models: Sequence[Any], keyspace: str) -> Flow[list[SchemaChange]]:
    """The changes that bring the live keyspace to the models: tables (sorted by name),
    then views, then what the keyspace has that no model declares (as warnings)."""
    models = _one_per_table(models, keyspace)
    tables = sorted((m for m in models if not m.__coodie_view__), key=lambda m: m._schema().name)
    views = sorted((m for m in models if m.__coodie_view__), key=lambda m: m._schema().name)
    keyspaces = sorted({m._schema().keyspace or keyspace for m in models} | {keyspace})
    live_tables: dict[str, dict[str, Any]] = {}
    live_views: dict[str, set[str]] = {}
    columns: dict[str, dict[str, dict[str, tuple[Any, ...]]]] = {}
    live_types: dict[str, dict[str, dict[str, str]]] = {}
    indexes: dict[str, dict[str, frozenset[str]]] = {}
    for ks in keyspaces:
        page: Page = yield RawRequest.where("SELECT * FROM system_schema.tables", keyspace_name=ks)
        for row in page.rows:
            r = dict(zip(page.columns, row))
            live_tables[f"{ks}.{r['table_name']}"] = r
        page = yield RawRequest.where("SELECT view_name FROM system_schema.views", keyspace_name=ks)
        live_views[ks] = {r[0] for r in page.rows}
        columns[ks] = yield from live_columns_flow(ks)
        indexes[ks] = yield from live_indexes_flow(ks)
        live_types[ks] = yield from live_types_flow(ks)
    out: list[SchemaChange] = []
    # user-defined types first (each after the types it uses): tables use them
    needed: dict[str, list[Any]] = {}
    for m in tables:
        s = m._schema()
        for t in table_udts(s):
            if t not in needed.setdefault(s.keyspace or keyspace, []):
                needed[s.keyspace or keyspace].append(t)
    for ks, types in sorted(needed.items()):
        named = ks if ks != keyspace else _PLACEHOLDER
        out += [_placeheld(c) for c in type_changes(types, named, live_types[ks])]
    for m in tables:
        s = m._schema()
        ks = s.keyspace or keyspace
        live = live_tables.get(f"{ks}.{s.name}")
        existing = columns[ks].get(s.name, {}) if live is not None else {}
        changes = table_changes(
            m,
            s.keyspace or _PLACEHOLDER,
            existing,
            indexes[ks].get(s.name, frozenset()),
            live_options=live,
            drops=True,
        )
        out += [_placeheld(c) for c in changes]
    for v in views:
        s = v._schema()
        ks = s.keyspace or keyspace
        if s.name in live_views[ks]:
            continue
        cql = create_view_cql(v, v._view_base(), s.keyspace or _PLACEHOLDER)
        undo = f"DROP MATERIALIZED VIEW IF EXISTS {s.qualified_name(_PLACEHOLDER)}"
        out.append(_placeheld(SchemaChange("create_view", s.name, cql, undo)))
    modeled = {m._schema().name for m in models if (m._schema().keyspace or keyspace) == keyspace}
    used = {t.name for t in needed.get(keyspace, [])}
    here = {k.split(".", 1)[1] for k in live_tables if k.startswith(f"{keyspace}.")}
    unused = (  # what the keyspace has that no model declares
        ("view", "MATERIALIZED VIEW", live_views[keyspace] - modeled, "no model declares it"),
        ("type", "TYPE", set(live_types[keyspace]) - used, "no model uses it"),
        (
            "table",
            "TABLE",
            here - modeled - {STATE_TABLE},
            "no model declares it; dropping it loses its data",
        ),
    )
    for kind, what, names, why in unused:
        out += [
            SchemaChange(
                f"drop_{kind}",
                name,
                f"DROP {what} IF EXISTS {{keyspace}}.{quote(name)}",
                warning=f"{kind} {name} is in the keyspace but {why}",
            )
            for name in sorted(names)
        ]
    return out


# ------------------------------------------------------------------ rendering


def py_str(s: str) -> str:
    """A Python string literal with the quotes ruff format prefers (double, unless that
    needs more escapes)."""
    s = s.replace("\\", "\\\\").replace("\n", "\\n")
    if s.count('"') > s.count("'"):
        return "'" + s.replace("'", "\\'") + "'"
    return '"' + s.replace('"', '\\"') + '"'


def _statement(cql: str) -> list[str]:
    # the magic trailing comma keeps this layout whatever the line length
    return ["    ctx.execute(", f"        {py_str(cql)},", "    )"]


def _comment(text: str) -> str:
    return "    # " + " ".join(text.split())


def _body(lines: list[str]) -> list[str]:
    if all(line.lstrip().startswith("#") for line in lines):
        return [*lines, "    pass"]
    return lines


def render(
    mid: str,
    message: str,
    depends_on: Sequence[str],
    changes: Sequence[SchemaChange],
    date: str,
) -> str:
    """The text of a migration module (pure: the same arguments give the same bytes)."""
    title = " ".join(message.split()) or "Migration"
    title = title.replace("\\", "/").replace('"""', "'''")
    description = title if len(title) <= _DESCRIPTION_MAX else title[: _DESCRIPTION_MAX - 3] + "..."
    up: list[str] = []
    down: list[str] = []
    for c in changes:
        if c.warning:
            up.append(_comment(f"WARNING: {c.warning}"))
            if c.cql:
                up.append(_comment(f"ctx.execute({py_str(c.cql)})"))
            else:
                up.append(_comment("CQL cannot do this in place: migrate it by hand"))
            continue
        up += _statement(c.cql)
    for c in reversed(changes):
        if c.warning:
            continue
        if c.undo:
            down += _statement(c.undo)
        else:
            down.append(_comment(f"cannot undo: {c.cql}"))
    if not changes:
        up = [_comment("ctx.execute(...), ctx.rewrite(...): see docs/migrations.md")]
    if any(not c.warning for c in changes):
        down.insert(0, _comment("undoes upgrade(): what it created is dropped, with its data"))
    deps = ["depends_on = [", *(f"    {py_str(d)}," for d in depends_on), "]"]
    if not depends_on:
        deps = ["depends_on = []"]
    lines = [
        f'"""{title}',
        "",
        f"Generated by `coodie migrate make` on {date}.",
        '"""',
        "",
        "from coodie.migrations import MigrationContext",
        "",
        f"id = {py_str(mid)}",
        f"description = {py_str(description)}",
        *deps,
        "",
        "",
        "def upgrade(ctx: MigrationContext) -> None:",
        *_body(up),
        "",
        "",
        "def downgrade(ctx: MigrationContext) -> None:",
        *_body(down),
        "",
    ]
    return "\n".join(lines)


def ruff_format(text: str, path: Path) -> str:
    """`text` as `ruff format` leaves it, with the project's settings (unchanged when no
    ruff is installed: the text is written to be stable already)."""
    beside = Path(sys.executable).with_name("ruff")  # the virtualenv's, first
    ruff = str(beside) if beside.exists() else shutil.which("ruff")
    if ruff is None:
        return text
    try:
        done = subprocess.run(
            [ruff, "format", "--stdin-filename", str(path), "-"],
            input=text,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=path.parent,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return text
    return done.stdout if done.returncode == 0 and done.stdout else text


def next_id(existing: Iterable[Migration], message: str) -> str:
    numbers = [int(m.group()) for e in existing if (m := re.match(r"\d+", e.id))]
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40].rstrip("_") or "migration"
    return f"{max(numbers, default=0) + 1:04d}_{slug}"


def heads(existing: Sequence[Migration]) -> list[str]:
    """The migrations nothing depends on: what a new one depends on."""
    needed = {d for m in existing for d in m.depends_on}
    return sorted(m.id for m in existing if m.id not in needed)


def write_migration(
    folder: Path,
    message: str,
    changes: Sequence[SchemaChange],
    existing: Sequence[Migration],
    *,
    rev_id: str | None = None,
    now: dt.datetime | None = None,
) -> Generated:
    mid = check_id(rev_id or next_id(existing, message), "make")
    if any(m.id == mid for m in existing):
        raise MigrationError(f"a migration {mid} exists already")
    when = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{mid}.py"
    text = ruff_format(render(mid, message, heads(existing), changes, when), path)
    path.write_text(text, encoding="utf-8")
    return Generated(path, mid, tuple(changes))
