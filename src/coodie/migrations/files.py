"""Migration files: loading, checksums, dependency order and plans. No I/O to the cluster."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coodie.exceptions import MigrationError

__all__ = [
    "BASE",
    "Migration",
    "checksum_of",
    "load_migrations",
    "order_migrations",
    "plan_downgrade",
    "plan_upgrade",
]

BASE = "base"  # `downgrade("base")`: undo every applied migration
STATE_TABLE = "coodie_migrations"  # in the migrated keyspace: what ran, and the lock
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{0,199}$")


@dataclass(frozen=True)
class Migration:
    """One migration module: its id, what it does, what it needs first, and its code."""

    id: str
    description: str = ""
    depends_on: tuple[str, ...] = ()
    upgrade: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    downgrade: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    path: Path | None = None
    checksum: str = ""


def checksum_of(source: bytes) -> str:
    """The sha256 of a migration file, line endings normalised (a checkout on Windows
    does not count as an edit)."""
    return hashlib.sha256(source.replace(b"\r\n", b"\n")).hexdigest()


def check_id(mid: Any, where: str) -> str:
    if not isinstance(mid, str) or not _ID.match(mid) or mid == BASE:
        raise MigrationError(
            f"{where}: migration id {mid!r} must be letters, digits and underscores "
            f"(starting with a letter or digit, not {BASE!r})"
        )
    return mid


def load_file(path: Path) -> Migration:
    """Import one migration module (under a private module name) and check its parts."""
    source = path.read_bytes()
    spec = importlib.util.spec_from_file_location(f"coodie_migration_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise MigrationError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise MigrationError(f"{path}: importing it failed: {type(e).__name__}: {e}") from e
    mid = check_id(getattr(module, "id", None), str(path))
    deps = getattr(module, "depends_on", ())
    if isinstance(deps, str) or not isinstance(deps, Iterable):
        raise MigrationError(f"{path}: depends_on must be a list of migration ids, not {deps!r}")
    deps = tuple(check_id(d, f"{path}: depends_on") for d in deps)
    upgrade = getattr(module, "upgrade", None)
    downgrade = getattr(module, "downgrade", None)
    for name, fn in (("upgrade", upgrade), ("downgrade", downgrade)):
        if fn is not None and (not callable(fn) or len(inspect.signature(fn).parameters) != 1):
            raise MigrationError(f"{path}: {name} must be a function of one argument, ctx")
    if upgrade is None:
        raise MigrationError(f"{path}: a migration needs an upgrade(ctx) function")
    return Migration(
        id=mid,
        description=str(getattr(module, "description", "") or ""),
        depends_on=deps,
        upgrade=upgrade,
        downgrade=downgrade,
        path=path,
        checksum=checksum_of(source),
    )


def load_migrations(folder: str | Path) -> list[Migration]:
    """Every `*.py` migration in `folder` (not `_*.py`), in dependency order."""
    root = Path(folder)
    if not root.is_dir():
        raise MigrationError(
            f"no migrations folder {str(root)!r}: create it, or run `coodie migrate make`"
        )
    found = [load_file(p) for p in sorted(root.glob("*.py")) if not p.name.startswith("_")]
    return order_migrations(found)


def order_migrations(migrations: Sequence[Migration]) -> list[Migration]:
    """Dependency order (each after what it depends on; ties by id). Raises
    `MigrationError` for duplicate ids, unknown dependencies and cycles."""
    by_id: dict[str, Migration] = {}
    for m in migrations:
        if m.id in by_id:
            raise MigrationError(
                f"two migrations have the id {m.id!r}: {by_id[m.id].path} and {m.path}"
            )
        by_id[m.id] = m
    for m in migrations:
        for d in m.depends_on:
            if d not in by_id:
                raise MigrationError(f"migration {m.id} depends on {d!r}, which does not exist")
    ordered: list[Migration] = []
    done: set[str] = set()
    visiting: list[str] = []

    def visit(m: Migration) -> None:
        if m.id in done:
            return
        if m.id in visiting:
            cycle = [*visiting[visiting.index(m.id) :], m.id]
            raise MigrationError(
                f"migrations depend on each other in a cycle: {' -> '.join(cycle)}"
            )
        visiting.append(m.id)
        for d in sorted(m.depends_on):
            visit(by_id[d])
        visiting.pop()
        done.add(m.id)
        ordered.append(m)

    for m in sorted(migrations, key=lambda m: m.id):
        visit(m)
    return ordered


def ancestors(by_id: Mapping[str, Migration], target: str) -> set[str]:
    """`target` and everything it depends on, directly or not."""
    seen: set[str] = set()
    stack = [target]
    while stack:
        mid = stack.pop()
        if mid not in seen:
            seen.add(mid)
            stack.extend(by_id[mid].depends_on)
    return seen


def check_known(by_id: Mapping[str, Migration], target: str) -> None:
    if target not in by_id:
        raise MigrationError(
            f"no migration {target!r}; known: {', '.join(sorted(by_id)) or 'none'}"
        )


def plan_upgrade(
    ordered: Sequence[Migration], applied: Iterable[str], target: str | None = None
) -> list[Migration]:
    """The migrations to apply, in order: every pending one, or those `target` needs."""
    done = set(applied)
    wanted: set[str] | None = None
    if target is not None:
        by_id = {m.id: m for m in ordered}
        check_known(by_id, target)
        wanted = ancestors(by_id, target)
    return [m for m in ordered if m.id not in done and (wanted is None or m.id in wanted)]


def plan_downgrade(
    ordered: Sequence[Migration], applied: Iterable[str], target: str
) -> list[Migration]:
    """The applied migrations to undo, newest first, so that what stays applied is
    `target` and what it depends on (`"base"`: undo everything)."""
    done = set(applied)
    keep: set[str] = set()
    if target != BASE:
        by_id = {m.id: m for m in ordered}
        check_known(by_id, target)
        if target not in done:
            raise MigrationError(f"migration {target} is not applied: nothing to go back to")
        keep = ancestors(by_id, target)
    return [m for m in reversed(ordered) if m.id in done and m.id not in keep]
