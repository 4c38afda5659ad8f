"""What a migration's `upgrade(ctx)` / `downgrade(ctx)` gets: CQL, model operations and
page-by-page data migrations, written once as flows that a blocking and an asyncio
context drive.

Flows here yield what coodie's flows yield (requests for the driver) and `Pause(seconds)`;
`drive` and `adrive` run them.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO, TypeVar

from coodie.ddl import drop_cql, live_columns_flow, model_ddl
from coodie.exceptions import MigrationError
from coodie.query import read_pages
from coodie.raw import dict_rows
from coodie.requests import Compiled, Flow, Page, RawRequest, Request, StatementTypes
from coodie.schema import quote
from coodie.types import CqlType
from coodie.views import create_view_cql

__all__ = [
    "AsyncMigrationContext",
    "MigrationContext",
    "Pause",
    "adrive",
    "drive",
    "schema_agreement_flow",
]

T = TypeVar("T")
KEYSPACE = "{keyspace}"  # in a migration's CQL: the keyspace being migrated (quoted as needed)
WRITE_CONCURRENCY = 64  # writes of execute_many() / rewrite() in flight at once
_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)
# rewrite()'s function: a row (a dict) to the new values of its non-key columns, or None
RowFn = Callable[[dict[str, Any]], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Pause:
    """Yielded by a flow: wait this long (time.sleep or asyncio.sleep)."""

    seconds: float


def drive(driver: Any, flow: Flow[T], call: Callable[[Any], None] | None = None) -> T:
    """Run a flow with a blocking driver (`coodie.sync`'s runner); `Pause` sleeps and
    `call` handles what is neither a request nor a `Pause`."""
    from coodie.sync._run import drive as run

    def other(item: Any) -> None:
        if type(item) is Pause:
            time.sleep(item.seconds)
        elif call is not None:
            call(item)
        else:
            raise TypeError(f"a migration flow yielded {item!r}")

    return run(flow, driver, other=other)


async def adrive(
    driver: Any, flow: Flow[T], call: Callable[[Any], Awaitable[None]] | None = None
) -> T:
    """`drive` for an asyncio driver (`coodie.aio`'s runner)."""
    from coodie.aio._run import adrive as arun

    async def other(item: Any) -> None:
        if type(item) is Pause:
            await asyncio.sleep(item.seconds)
        elif call is not None:
            await call(item)
        else:
            raise TypeError(f"a migration flow yielded {item!r}")

    return await arun(flow, driver, other=other)


def schema_agreement_flow(timeout: float = 60.0) -> Flow[None]:
    """Wait until every node reports the same schema version (system.local and
    system.peers); `MigrationError` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        local: Page = yield RawRequest("SELECT schema_version FROM system.local")
        peers: Page = yield RawRequest("SELECT peer, schema_version FROM system.peers")
        versions = {r[0] for r in local.rows} | {r[1] for r in peers.rows if r[1] is not None}
        if len(versions) <= 1:
            return
        if time.monotonic() > deadline:
            raise MigrationError(
                f"the nodes did not agree on the schema within {timeout:g} s "
                f"(versions: {', '.join(sorted(map(str, versions)))}); check that every node is up"
            )
        yield Pause(0.2)


def simple_types(type_names: Sequence[str]) -> tuple[CqlType, ...] | None:
    """CqlTypes for scalar type names (drivers that convert by type need them); None if a
    column is a collection or another type with arguments."""
    out = []
    for t in type_names:
        if not re.fullmatch(r"[a-z]+", t):
            return None
        out.append(CqlType("text" if t == "varchar" else t))
    return tuple(out)


class ContextCore:
    """State shared by a run's contexts, and the flows behind every context method."""

    def __init__(
        self,
        keyspace: str,
        *,
        dry_run: bool = False,
        heartbeat: Callable[[], Flow[None]] | None = None,
        progress: TextIO | None = None,
        agreement_timeout: float = 60.0,
    ) -> None:
        self.keyspace = keyspace
        self.dry_run = dry_run
        self.statements: list[str] = []  # what ran (or, in a dry run, would run)
        self._heartbeat = heartbeat
        self.progress = progress if progress is not None else _terminal()
        self.agreement_timeout = agreement_timeout

    def cql(self, cql: str) -> str:
        return cql.replace(KEYSPACE, quote(self.keyspace))

    def heartbeat(self) -> Flow[None]:
        if self._heartbeat is not None:
            yield from self._heartbeat()

    # ------------------------------------------------------------- flows

    def execute_flow(self, cql: str, params: Sequence[Any]) -> Flow[list[dict[str, Any]]]:
        cql = self.cql(cql)
        if self.dry_run:
            self.statements.append(cql)
            return []
        yield from self.heartbeat()
        if _DDL.match(cql):
            if params:
                raise MigrationError(f"DDL takes no bound values: {cql}")
            yield RawRequest(cql)
            self.statements.append(cql)  # (what ran: a failed statement is not listed)
            yield from schema_agreement_flow(self.agreement_timeout)
            return []
        rows = yield from read_pages(Request(Compiled(cql, tuple(params))), dict_rows)
        self.statements.append(cql)
        return rows

    def execute_many_flow(self, cql: str, rows: Sequence[Sequence[Any]]) -> Flow[int]:
        cql = self.cql(cql)
        if not self.dry_run:
            for i in range(0, len(rows), WRITE_CONCURRENCY):
                yield from self.heartbeat()
                yield [Request(Compiled(cql, tuple(p))) for p in rows[i : i + WRITE_CONCURRENCY]]
        self.statements.append(f"{cql}  -- x {len(rows)}")
        return 0 if self.dry_run else len(rows)

    def begin_pages(self, cql: str) -> bool:
        """Record a paged read; False in a dry run, which reads nothing."""
        self.statements.append(self.cql(cql))
        return not self.dry_run

    def page_flow(
        self, cql: str, params: Sequence[Any], page_size: int, state: bytes | None
    ) -> Flow[tuple[list[dict[str, Any]], bytes | None]]:
        yield from self.heartbeat()
        page: Page = yield Request(
            Compiled(self.cql(cql), tuple(params)), fetch_size=page_size, paging_state=state
        )
        return dict_rows(page), page.paging_state

    def rewrite_flow(
        self, table: str, fn: RowFn, columns: Sequence[str] | None, page_size: int
    ) -> Flow[int]:
        """Read every row of `table` page by page; for each, `fn(row)` returns the new
        values of non-key columns (or None: leave the row); they are written by key."""
        if page_size < 1:
            raise MigrationError(f"page_size must be at least 1, not {page_size}")
        qualified = f"{quote(self.keyspace)}.{quote(table)}"
        if self.dry_run:
            self.statements.append(
                f"-- rewrite {qualified}: read page by page, write what the function returns "
                "(not run in a dry run)"
            )
            return 0
        live = yield from live_columns_flow(self.keyspace, table)
        have = live.get(table)
        if not have:
            raise MigrationError(f"rewrite: there is no table {table} in keyspace {self.keyspace}")
        ordered = sorted(have.items(), key=lambda kv: kv[1][2])
        key = [n for kind in ("partition_key", "clustering") for n, c in ordered if c[1] == kind]
        rest = [n for n in (columns if columns is not None else sorted(have)) if n not in key]
        unknown = [n for n in rest if n not in have]
        if unknown:
            raise MigrationError(f"rewrite: {table} has no column {', '.join(unknown)}")
        names = key + rest
        select = f"SELECT {', '.join(map(quote, names))} FROM {qualified}"
        col_types = simple_types([have[n][0] for n in names])
        select_types = StatementTypes((), col_types) if col_types is not None else None
        updates: dict[tuple[str, ...], tuple[str, StatementTypes | None]] = {}
        state: bytes | None = None
        done = 0
        while True:
            yield from self.heartbeat()
            page: Page = yield Request(
                Compiled(select, (), tuple(names), types=select_types),
                fetch_size=page_size,
                paging_state=state,
            )
            writes = []
            for r in page.rows:
                row = dict(zip(names, r))
                new = fn(row)
                if not new:
                    continue
                sets = tuple(n for n in new if n not in key)
                bad = [n for n in new if n not in have]
                moved = [n for n in new if n in key and new[n] != row[n]]
                if bad:
                    raise MigrationError(f"rewrite {table}: no column {', '.join(bad)}")
                if moved:
                    raise MigrationError(f"rewrite {table}: key {', '.join(moved)} cannot change")
                if not sets:
                    continue
                if sets not in updates:
                    cql = (
                        f"UPDATE {qualified} SET {', '.join(f'{quote(n)} = ?' for n in sets)} "
                        f"WHERE {' AND '.join(f'{quote(n)} = ?' for n in key)}"
                    )
                    ptypes = simple_types([have[n][0] for n in (*sets, *key)])
                    updates[sets] = (cql, StatementTypes(ptypes) if ptypes is not None else None)
                cql, types = updates[sets]
                params = tuple(new[n] for n in sets) + tuple(row[n] for n in key)
                writes.append(Request(Compiled(cql, params, types=types)))
            for i in range(0, len(writes), WRITE_CONCURRENCY):
                yield writes[i : i + WRITE_CONCURRENCY]
            done += len(writes)
            if self.progress is not None:
                self.progress.write(f"\r{table}: {done} rows rewritten")
                self.progress.flush()
            state = page.paging_state
            if not state:
                break
        if self.progress is not None:
            self.progress.write("\n")
        self.statements.append(f"{select}  -- rewrote {done} rows, page by page")
        return done

    def model_flow(self, model: Any, create: bool) -> Flow[None]:
        """Create (or drop) a Document's table with its types and indexes, or a
        MaterializedView."""
        ks = model._schema().keyspace or self.keyspace
        if not create:
            ddl = [drop_cql(model, ks)]
        elif model.__coodie_view__:
            ddl = [create_view_cql(model, model._view_base(), ks)]
        else:
            ddl = model_ddl(model, ks)
        for cql in ddl:
            yield from self.execute_flow(cql, ())


def _terminal() -> TextIO | None:
    """Progress goes to stderr when it is a terminal."""
    try:
        return sys.stderr if sys.stderr.isatty() else None
    except (AttributeError, ValueError):
        return None


class _ContextShell:
    """What both contexts share: the core whose flows they run, with `run` (blocking) or
    awaiting it (asyncio), and the plain properties."""

    def __init__(self, core: ContextCore, run: Callable[[Flow[Any]], Any]) -> None:
        self._core = core
        self._run = run

    @property
    def keyspace(self) -> str:
        return self._core.keyspace

    @property
    def dry_run(self) -> bool:
        """True when nothing is sent: the statements are only collected."""
        return self._core.dry_run


class MigrationContext(_ContextShell):
    """The `ctx` of a plain `def upgrade(ctx)`: each method runs and returns its result.

    In CQL text, `{keyspace}` stands for the keyspace being migrated. Values are bound
    (`?` markers, prepared); DDL (CREATE/ALTER/DROP) is sent as is and waits for the
    nodes to agree on the schema."""

    def execute(self, cql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run one statement; returns its rows as dicts (every page)."""
        rows: list[dict[str, Any]] = self._run(self._core.execute_flow(cql, params))
        return rows

    def execute_many(self, cql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Run one prepared statement for each tuple of values, many at once."""
        n: int = self._run(self._core.execute_many_flow(cql, rows))
        return n

    def pages(
        self, cql: str, params: Sequence[Any] = (), *, page_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows of a SELECT, one page (a list of dicts) at a time. A dry run reads nothing."""
        more, state = self._core.begin_pages(cql), None
        while more:
            rows, state = self._run(self._core.page_flow(cql, params, page_size, state))
            yield rows
            more = bool(state)

    def rewrite(
        self, table: str, fn: RowFn, *, columns: Sequence[str] | None = None, page_size: int = 1000
    ) -> int:
        """Data migration: every row of `table` (its key and `columns`, default all) goes
        through `fn`, page by page; the non-key values it returns are written to the row.
        Returns how many rows were written; a progress line goes to a terminal's stderr."""
        n: int = self._run(self._core.rewrite_flow(table, fn, columns, page_size))
        return n

    def create_table(self, model: Any) -> None:
        """Create a Document's table and its indexes (or a MaterializedView) as the model
        declares them now."""
        self._run(self._core.model_flow(model, True))

    def drop_table(self, model: Any) -> None:
        """Drop a Document's table (or a MaterializedView): its data is lost."""
        self._run(self._core.model_flow(model, False))


class AsyncMigrationContext(_ContextShell):
    """The `ctx` of an `async def upgrade(ctx)`: the same methods as `MigrationContext`,
    awaited (`pages()` is an async iterator)."""

    async def execute(self, cql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self._run(self._core.execute_flow(cql, params))
        return rows

    async def execute_many(self, cql: str, rows: Sequence[Sequence[Any]]) -> int:
        n: int = await self._run(self._core.execute_many_flow(cql, rows))
        return n

    async def pages(
        self, cql: str, params: Sequence[Any] = (), *, page_size: int = 1000
    ) -> AsyncIterator[list[dict[str, Any]]]:
        more, state = self._core.begin_pages(cql), None
        while more:
            rows, state = await self._run(self._core.page_flow(cql, params, page_size, state))
            yield rows
            more = bool(state)

    async def rewrite(
        self, table: str, fn: RowFn, *, columns: Sequence[str] | None = None, page_size: int = 1000
    ) -> int:
        n: int = await self._run(self._core.rewrite_flow(table, fn, columns, page_size))
        return n

    async def create_table(self, model: Any) -> None:
        await self._run(self._core.model_flow(model, True))

    async def drop_table(self, model: Any) -> None:
        await self._run(self._core.model_flow(model, False))
