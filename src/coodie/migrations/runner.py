"""The runner: state in `coodie_migrations`, a lock taken with a lightweight transaction,
and upgrade / downgrade / status / show / make written once as flows; `Migrator` (blocking)
and `AsyncMigrator` (asyncio) drive them."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import inspect
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, TextIO, TypeVar

from coodie.ddl import ensure_keyspace_flow, live_columns_flow
from coodie.exceptions import (
    ConfigurationError,
    MigrationChecksumError,
    MigrationError,
    MigrationLockError,
)
from coodie.expr.compiler import Compiled
from coodie.migrations.autogen import Generated, collect_models, diff_flow, write_migration
from coodie.migrations.context import (
    AsyncMigrationContext,
    ContextCore,
    MigrationContext,
    Pause,
    adrive,
    drive,
    schema_agreement_flow,
)
from coodie.migrations.files import (
    STATE_TABLE,
    Migration,
    check_known,
    load_migrations,
    plan_downgrade,
    plan_upgrade,
)
from coodie.query import Flow, read_pages
from coodie.registry import get_driver
from coodie.requests import Page, RawRequest, Request
from coodie.schema import check_identifier, quote

__all__ = [
    "LOCK_ID",
    "STATE_TABLE",
    "AsyncMigrator",
    "MigrationStatus",
    "Migrator",
    "RunResult",
]

T = TypeVar("T")
LOCK_ID = "~lock"  # the lock's row: no migration id starts with "~"


@dataclass(frozen=True)
class Applied:
    id: str
    checksum: str
    description: str
    applied_at: dt.datetime | None
    applied_by: str


@dataclass(frozen=True)
class MigrationStatus:
    """One line of `status()`: state is "applied", "pending", "modified" (applied, then
    its file changed) or "missing" (applied, but no file has that id)."""

    id: str
    description: str
    state: str
    applied_at: dt.datetime | None = None
    applied_by: str = ""


@dataclass
class RunResult:
    """What `upgrade()` / `downgrade()` did (or, in a dry run, would do)."""

    direction: str
    dry_run: bool
    done: list[str] = field(default_factory=list)  # migration ids, in the order run
    statements: dict[str, list[str]] = field(default_factory=dict)  # per migration id


@dataclass(frozen=True)
class RunMigration:
    """Yielded by the runner's flow: call a migration's function with a context."""

    fn: Callable[..., Any]
    core: ContextCore


# ------------------------------------------------------------------ state


def _state(keyspace: str) -> str:
    return f"{quote(keyspace)}.{STATE_TABLE}"


def ensure_state_flow(keyspace: str) -> Flow[None]:
    yield RawRequest(
        f"CREATE TABLE IF NOT EXISTS {_state(keyspace)} (id text PRIMARY KEY, checksum text, "
        "description text, applied_at timestamp, applied_by text, owner text)"
    )
    yield from schema_agreement_flow()


def read_applied_flow(keyspace: str) -> Flow[dict[str, Applied]]:
    """The applied migrations (none when there is no state table yet: nothing is created)."""
    live = yield from live_columns_flow(keyspace, STATE_TABLE)
    if not live:
        return {}
    cql = f"SELECT id, checksum, description, applied_at, applied_by FROM {_state(keyspace)}"
    rows = yield from read_pages(
        Request(Compiled(cql, ()), consistency="QUORUM"), attrgetter("rows")
    )
    return {
        mid: Applied(mid, checksum or "", description or "", _naive(at), by or "")
        for mid, checksum, description, at, by in rows
        if mid != LOCK_ID
    }


def _naive(at: Any) -> dt.datetime | None:
    if isinstance(at, dt.datetime) and at.tzinfo is not None:
        return at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return at if isinstance(at, dt.datetime) else None


class Lock:
    """The migration lock: the `~lock` row of coodie_migrations, inserted IF NOT EXISTS
    with a TTL (so a runner that died frees it when the TTL runs out), renewed while
    the run goes on, deleted IF it is still ours."""

    def __init__(self, keyspace: str, owner: str, ttl: int) -> None:
        if not isinstance(ttl, int) or ttl < 1:
            raise MigrationError(f"lock_ttl must be a whole number of seconds >= 1, not {ttl!r}")
        self.keyspace, self.owner, self.ttl = keyspace, owner, ttl
        self.held = False
        self._renewed = 0.0

    def _lwt(self, cql: str, params: tuple[Any, ...]) -> Request:
        return Request(Compiled(cql, params, lwt=True), consistency="QUORUM")

    def acquire_flow(self, timeout: float) -> Flow[None]:
        deadline = time.monotonic() + timeout
        cql = (
            f"INSERT INTO {_state(self.keyspace)} (id, owner, applied_at) "
            f"VALUES (?, ?, toTimestamp(now())) IF NOT EXISTS USING TTL {self.ttl}"
        )
        while True:
            page: Page = yield self._lwt(cql, (LOCK_ID, self.owner))
            row = dict(zip(page.columns, page.rows[0])) if page.rows else {}
            if row.get("[applied]"):
                self.held, self._renewed = True, time.monotonic()
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise MigrationLockError(
                    f"another runner holds the migration lock of keyspace {self.keyspace} "
                    f"({row.get('owner') or 'unknown'}); waited {timeout:g} s. It is freed when "
                    f"that run ends, or at most {self.ttl} s after that runner stopped renewing it"
                )
            yield Pause(min(0.5, left))

    def heartbeat_flow(self) -> Flow[None]:
        """Renew the lock when a quarter of its TTL has passed since the last renewal."""
        if not self.held or time.monotonic() - self._renewed < self.ttl / 4:
            return
        page: Page = yield self._lwt(
            f"UPDATE {_state(self.keyspace)} USING TTL {self.ttl} SET owner = ? "
            "WHERE id = ? IF owner = ?",
            (self.owner, LOCK_ID, self.owner),
        )
        if not (page.rows and page.rows[0][0]):
            self.held = False
            raise MigrationLockError(
                f"this runner ({self.owner}) lost the migration lock: it expired after "
                f"{self.ttl} s without renewal. Raise lock_ttl for migrations that run long "
                "between statements"
            )
        self._renewed = time.monotonic()

    def release_flow(self) -> Flow[None]:
        if self.held:
            self.held = False
            yield self._lwt(
                f"DELETE FROM {_state(self.keyspace)} WHERE id = ? IF owner = ?",
                (LOCK_ID, self.owner),
            )


# ------------------------------------------------------------------ the core


def _check_checksums(migrations: Sequence[Migration], applied: Mapping[str, Applied]) -> None:
    changed = [m.id for m in migrations if m.id in applied and applied[m.id].checksum != m.checksum]
    if changed:
        raise MigrationChecksumError(
            f"applied migration(s) edited since they ran (checksum mismatch): {', '.join(changed)}. "
            "Restore the applied version and put the change in a new migration"
        )


class MigratorCore:
    """Everything a migrator does, as flows; the shells only drive them."""

    def __init__(
        self,
        folder: str | Path = "migrations",
        *,
        keyspace: str | None = None,
        driver: Any = None,
        lock_ttl: int = 120,
        lock_timeout: float = 60.0,
        owner: str | None = None,
        progress: TextIO | None = None,
        replication: Mapping[str, Any] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.driver = driver if driver is None or not isinstance(driver, str) else None
        self.driver_name = driver if isinstance(driver, str) else None
        self._keyspace = keyspace
        self.lock_ttl = lock_ttl
        self.lock_timeout = lock_timeout
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.progress = progress
        self.replication = replication

    def get_driver(self) -> Any:
        if self.driver is None:
            self.driver = get_driver(self.driver_name)
        return self.driver

    @property
    def keyspace(self) -> str:
        ks = self._keyspace or getattr(self.get_driver(), "keyspace", None)
        if not ks:
            raise ConfigurationError(
                "no keyspace to migrate: pass keyspace= (or --keyspace / COODIE_KEYSPACE)"
            )
        return check_identifier(ks, "keyspace name")

    def migrations(self) -> list[Migration]:
        return load_migrations(self.folder)

    def run_flow(self, direction: str, target: str | None, dry_run: bool) -> Flow[RunResult]:
        ks = self.keyspace
        migrations = self.migrations()
        lock: Lock | None = None
        if not dry_run:
            replication = self.replication or getattr(self.get_driver(), "replication", None)
            yield from ensure_keyspace_flow(ks, replication)
            yield from ensure_state_flow(ks)
            lock = Lock(ks, self.owner, self.lock_ttl)
            yield from lock.acquire_flow(self.lock_timeout)
        try:
            # read after the lock is ours: what a runner before us applied counts
            applied = yield from read_applied_flow(ks)
            _check_checksums(migrations, applied)
            if direction == "up":
                plan = plan_upgrade(migrations, applied, target)
            else:
                assert target is not None
                plan = plan_downgrade(migrations, applied, target)
            result = RunResult(direction, dry_run)
            for m in plan:
                fn = m.upgrade if direction == "up" else m.downgrade
                if fn is None:
                    raise MigrationError(
                        f"migration {m.id} has no downgrade(ctx): it cannot be undone"
                    )
                core = ContextCore(
                    ks,
                    dry_run=dry_run,
                    heartbeat=lock.heartbeat_flow if lock is not None else None,
                    progress=self.progress,
                )
                result.statements[m.id] = core.statements
                try:
                    yield RunMigration(fn, core)
                except MigrationLockError:
                    raise
                except Exception as e:
                    ran = "; ".join(core.statements) or "nothing"
                    raise MigrationError(
                        f"migration {m.id} ({direction}grade) failed: {type(e).__name__}: {e}. "
                        f"It is not recorded; what it ran before failing stays done: {ran}"
                    ) from e
                if lock is not None:
                    yield from lock.heartbeat_flow()
                    record = (
                        Compiled(
                            f"INSERT INTO {_state(ks)} (id, checksum, description, applied_at, "
                            "applied_by) VALUES (?, ?, ?, toTimestamp(now()), ?)",
                            (m.id, m.checksum, m.description, self.owner),
                        )
                        if direction == "up"
                        else Compiled(f"DELETE FROM {_state(ks)} WHERE id = ?", (m.id,))
                    )
                    yield Request(record, consistency="QUORUM")
                result.done.append(m.id)
            return result
        finally:
            if lock is not None:
                yield from lock.release_flow()

    def status_flow(self) -> Flow[list[MigrationStatus]]:
        migrations = self.migrations()
        applied = yield from read_applied_flow(self.keyspace)
        lines = []
        for m in migrations:
            a = applied.get(m.id)
            if a is None:
                lines.append(MigrationStatus(m.id, m.description, "pending"))
            else:
                state = "applied" if a.checksum == m.checksum else "modified"
                lines.append(
                    MigrationStatus(m.id, m.description, state, a.applied_at, a.applied_by)
                )
        known = {m.id for m in migrations}
        for mid in sorted(set(applied) - known):
            a = applied[mid]
            lines.append(MigrationStatus(mid, a.description, "missing", a.applied_at, a.applied_by))
        return lines

    def show_flow(self, mid: str) -> Flow[tuple[Migration, list[str], list[str]]]:
        """A migration and the statements its upgrade and downgrade would run (dry runs)."""
        by_id = {m.id: m for m in self.migrations()}
        check_known(by_id, mid)
        m = by_id[mid]
        out = []
        for fn in (m.upgrade, m.downgrade):
            core = ContextCore(self.keyspace, dry_run=True)
            if fn is not None:
                yield RunMigration(fn, core)
            out.append(core.statements)
        return m, out[0], out[1]

    def make_flow(
        self,
        message: str,
        models: Any,
        *,
        empty: bool = False,
        rev_id: str | None = None,
        now: dt.datetime | None = None,
    ) -> Flow[Generated | None]:
        changes = [] if empty else (yield from diff_flow(collect_models(models), self.keyspace))
        if not changes and not empty:
            return None
        existing = self.migrations() if self.folder.is_dir() else []
        return write_migration(self.folder, message, changes, existing, rev_id=rev_id, now=now)


# ------------------------------------------------------------------ the shells


class _Shell:
    def __init__(self, folder: str | Path = "migrations", **options: Any) -> None:
        self.core = MigratorCore(folder, **options)


class Migrator(_Shell):
    """Runs migrations with a blocking driver (`coodie.sync.init_coodie`).

    `driver`: a registered driver's name, a driver, or None for the default one;
    `keyspace`: the one to migrate (default: the driver's). Migration functions may be
    plain (`ctx` is a `MigrationContext`) or coroutines (an `AsyncMigrationContext`)."""

    def _call(self, step: RunMigration) -> None:
        driver = self.core.get_driver()
        if inspect.iscoroutinefunction(step.fn):
            ctx = AsyncMigrationContext(step.core, lambda f: adrive(driver, f))
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                asyncio.run(step.fn(ctx))
            else:  # called from a coroutine: the migration gets an event loop of its own
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    pool.submit(lambda: asyncio.run(step.fn(ctx))).result()
        else:
            step.fn(MigrationContext(step.core, lambda f: drive(driver, f)))

    def _run(self, flow: Flow[T]) -> T:
        return drive(self.core.get_driver(), flow, self._call)

    def upgrade(self, target: str | None = None, *, dry_run: bool = False) -> RunResult:
        """Apply the pending migrations (those `target` needs, if given), in dependency order."""
        return self._run(self.core.run_flow("up", target, dry_run))

    def downgrade(self, target: str, *, dry_run: bool = False) -> RunResult:
        """Undo applied migrations, newest first, back to `target` ("base": all of them)."""
        return self._run(self.core.run_flow("down", target, dry_run))

    def status(self) -> list[MigrationStatus]:
        return self._run(self.core.status_flow())

    def show(self, mid: str) -> tuple[Migration, list[str], list[str]]:
        return self._run(self.core.show_flow(mid))

    def make(self, message: str, models: Any, **options: Any) -> Generated | None:
        """Write a migration for the difference between `models` (Document classes, or a
        module's dotted path) and the live schema; None when there is none. Options:
        `empty=True` (a migration to fill in by hand), `rev_id=`, `now=`."""
        return self._run(self.core.make_flow(message, models, **options))


class AsyncMigrator(_Shell):
    """`Migrator` for asyncio: the same methods, awaited."""

    async def _call(self, step: RunMigration) -> None:
        driver = self.core.get_driver()
        if inspect.iscoroutinefunction(step.fn):
            await step.fn(AsyncMigrationContext(step.core, lambda f: adrive(driver, f)))
            return
        loop = asyncio.get_running_loop()

        def run(flow: Flow[Any]) -> Any:  # from the worker thread, on this loop
            return asyncio.run_coroutine_threadsafe(adrive(driver, flow), loop).result()

        await loop.run_in_executor(None, step.fn, MigrationContext(step.core, run))

    async def _run(self, flow: Flow[T]) -> T:
        return await adrive(self.core.get_driver(), flow, self._call)

    async def upgrade(self, target: str | None = None, *, dry_run: bool = False) -> RunResult:
        return await self._run(self.core.run_flow("up", target, dry_run))

    async def downgrade(self, target: str, *, dry_run: bool = False) -> RunResult:
        return await self._run(self.core.run_flow("down", target, dry_run))

    async def status(self) -> list[MigrationStatus]:
        return await self._run(self.core.status_flow())

    async def show(self, mid: str) -> tuple[Migration, list[str], list[str]]:
        return await self._run(self.core.show_flow(mid))

    async def make(self, message: str, models: Any, **options: Any) -> Generated | None:
        return await self._run(self.core.make_flow(message, models, **options))
