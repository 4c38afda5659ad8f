"""What a query costs before it runs: `QuerySet.explain()` and the scan policy.

Both read the restrictions analysis of the query's WHERE clause (expr/restrictions.py):
how the server finds the partitions (one, several by IN, a token range, all of them),
which index answers which condition, what is filtered row by row, and from that a cost
class. `explain()` needs no server; `explain(analyze=True)` runs the query with the
server's tracing and adds what the server reports. The scan policy (`init_coodie(
scan_policy=...)`, `Settings.scan_policy`, `QuerySet.allow_scan()`) warns about, or
refuses, a query whose cost class is "every node" before it is sent.
"""

from __future__ import annotations

import enum
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coodie.exceptions import ConfigurationError, CoodieError, InvalidQueryError, OperationTimedOut
from coodie.expr.nodes import Compare, Condition, Op, Select
from coodie.expr.restrictions import Access, Restrictions, analyse, index_kind
from coodie.requests import Page, Request
from coodie.schema import TableSchema
from coodie.tracing import at_one, read_trace_flow

if TYPE_CHECKING:
    from coodie.query import Flow

__all__ = [
    "SCAN_POLICIES",
    "Cost",
    "Explanation",
    "IndexUse",
    "ServerTrace",
    "check_scan",
    "check_scan_policy",
    "cost_of",
    "explain_select",
    "run_traced",
]

logger = logging.getLogger("coodie.scan")

SCAN_POLICIES = ("allow", "warn", "refuse")


class Cost(enum.Enum):
    """Which nodes a query reads (on a cluster of several)."""

    ONE_REPLICA_SET = "one replica set"  # one partition: the replicas that own it
    REPLICA_SETS = "k replica sets"  # IN over k partitions: up to k replica sets
    TOKEN_RANGE = "the replicas of a token range"  # token() bounds the user chose
    EVERY_NODE = "every node"  # no partition restriction: a scan of the whole ring


_COSTS = {
    Access.PARTITION: Cost.ONE_REPLICA_SET,
    Access.PARTITIONS: Cost.REPLICA_SETS,
    Access.TOKEN_RANGE: Cost.TOKEN_RANGE,
}


def cost_of(r: Restrictions) -> Cost:
    return _COSTS.get(r.access, Cost.EVERY_NODE)


@dataclass(frozen=True, slots=True)
class IndexUse:
    """An index the server reads to answer a condition."""

    column: str
    index: str  # the index's name
    kind: str  # "legacy", "sai", "sasi" or "vector"
    conditions: tuple[str, ...]  # the conditions it answers, as text


@dataclass(frozen=True, slots=True)
class ServerTrace:
    """What the server's tracing of one run reported (`explain(analyze=True)`)."""

    coordinator: str
    replicas: tuple[str, ...]  # the nodes that worked on the query
    range_scan: bool  # the server computed token ranges to query
    ranges: int | None  # how many ranges it submitted requests on (range scans)
    indexes: tuple[str, ...]  # the indexes it read, by name
    rows_read: int  # live rows read on the replicas
    partition_reads: int  # single-partition reads of the table (not of an index)
    duration_us: int  # the coordinator's time, in microseconds
    rows_returned: int  # rows the query returned (its first page)

    def lines(self) -> list[str]:
        scan = f"range scan on {self.ranges} ranges" if self.range_scan else "partition reads"
        return [
            f"  server:     {scan}; replicas {', '.join(self.replicas) or self.coordinator}",
            f"              indexes read: {', '.join(self.indexes) or 'none'}; "
            f"{self.partition_reads} partition reads, {self.rows_read} rows read, "
            f"{self.rows_returned} returned, "
            f"{self.duration_us} µs",
        ]


@dataclass(frozen=True, slots=True)
class Explanation:
    """How the server would run a query, and what it costs. `str()` is a readable text."""

    model: str
    cql: str
    params: tuple[Any, ...]
    access: Access
    partitions: int | None  # partitions the query names (None: a range or a scan)
    clustering: tuple[str, ...]  # the clustering slice read within each partition
    indexes: tuple[IndexUse, ...]
    filtered: tuple[str, ...]  # conditions checked row by row (ALLOW FILTERING)
    order: str
    paging: str
    cost: Cost
    fix: str | None  # for a query that reads every node: the key or index that would serve it
    trace: ServerTrace | None = None

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        access = self.access.value
        if self.partitions is not None and self.access is Access.PARTITIONS:
            access += f": {self.partitions} partitions"
        cost = self.cost.value
        if self.cost is Cost.REPLICA_SETS and self.partitions is not None:
            cost = f"{self.partitions} replica sets"
        idx = [
            f"{i.column} ({i.kind} index {i.index}): {', '.join(i.conditions)}"
            for i in self.indexes
        ]
        out = [
            f"{self.model}: {self.cql}",
            f"  access:     {access}",
            f"  clustering: {' AND '.join(self.clustering) or 'whole partitions'}",
            f"  indexes:    {'; '.join(idx) or 'none'}",
            f"  filtered:   {', '.join(self.filtered) or 'nothing'}",
            f"  order:      {self.order}",
            f"  paging:     {self.paging}",
            f"  cost:       {cost}",
        ]
        if self.fix:
            out.append(f"  fix:        {self.fix}")
        if self.trace is not None:
            out += self.trace.lines()
        return out


def _text(c: Condition, value: str | None = None) -> str:
    """A condition as text, with its value (or `value` in its place)."""
    shown = repr(c.value) if value is None else value
    if isinstance(c, Compare):
        return f"{c.column} {c.op.value} {shown}"
    return f"token({', '.join(c.columns)}) {c.op.value} {shown}"


def _partitions(s: Select, r: Restrictions) -> int | None:
    if not r.by_key:
        return None
    counts = [
        len(set(map(repr, c.value))) if c.op is Op.IN else 1
        for c in s.where
        if isinstance(c, Compare) and c.column in r.pk
    ]
    return math.prod(counts)


def fix_for(schema: TableSchema, r: Restrictions) -> str:
    """What would serve a query that reads every node: the key, or an index."""
    pk = ", ".join(r.pk)
    missing = [n for n in r.pk if n not in r.pk_restricted]
    if r.pk_restricted and missing:
        return f"restrict the rest of the partition key ({', '.join(missing)}) with = or IN"
    if r.unindexed:
        cols = ", ".join(r.unindexed)
        return (
            f"restrict the partition key ({pk}) with = or IN, or index {cols} "
            f"(Annotated[..., Indexed(using='sai')])"
        )
    if r.indexed:
        return f"restrict the partition key ({pk}) too, so the index is read in one partition"
    return f"restrict the partition key ({pk}) with = or IN, or read the table deliberately: .allow_scan()"


def explain_select(
    model_name: str,
    s: Select,
    schema: TableSchema,
    cql: str,
    params: Sequence[Any],
    pageable: bool,
    page_size: int,
) -> Explanation:
    """The explanation of a validated SELECT."""
    r = analyse(schema, s.where, s.ann.column if s.ann is not None else None)
    by_col: dict[str, list[str]] = {}
    for c in s.where:
        if isinstance(c, Compare):
            by_col.setdefault(c.column, []).append(_text(c))
    clustering = tuple(t for n in r.ck_prefix for t in by_col[n])
    indexed = list(r.indexed)
    if s.ann is not None:
        indexed.append(s.ann.column)
    indexes = []
    for n in indexed:
        col = schema.by_name[n]
        assert col.index is not None
        conds = tuple(by_col.get(n, ())) or (f"ORDER BY {n} ANN OF ?",)
        indexes.append(IndexUse(n, col.index.name, index_kind(col) or "legacy", conds))
    filtered = [t for n in r.filtered for t in by_col[n]]
    if r.token_ops and r.by_key:
        filtered += [_text(c) for c in s.where if not isinstance(c, Compare)]
    if s.ann is not None:
        order = f"the {s.limit} rows nearest the vector by {s.ann.column} (ANN)"
    elif s.order_by:
        order = ", ".join(f"{o.column} {'DESC' if o.descending else 'ASC'}" for o in s.order_by)
        if r.pk_in:
            order += " (the coordinator sorts the rows of the partitions)"
    elif r.by_key:
        order = "clustering order" + (", partitions in key order" if r.pk_in else "")
    else:
        order = "token order of the partitions, clustering order within each"
    if s.count:
        paging = "one count (the server reads every matching row)"
    elif pageable:
        paging = f"paged, {page_size} rows a page"
    else:
        paging = "not paged: all rows in one response"
    cost = cost_of(r)
    return Explanation(
        model=model_name,
        cql=cql,
        params=tuple(params),
        access=r.access,
        partitions=_partitions(s, r),
        clustering=clustering,
        indexes=tuple(indexes),
        filtered=tuple(filtered),
        order=order,
        paging=paging,
        cost=cost,
        fix=fix_for(schema, r) if cost is Cost.EVERY_NODE else None,
    )


# ---------------------------------------------------------------- the scan policy


# False until a driver or a model asks for "warn" or "refuse": until then no query pays
# for the policy (the QuerySet reads this flag first)
guarded = False


def check_scan_policy(policy: Any, where: str) -> str | None:
    """`policy` if it is one (or None); a policy other than "allow" turns the guard on."""
    global guarded
    if policy is None or policy in SCAN_POLICIES:
        guarded = guarded or policy in ("warn", "refuse")
        return policy  # type: ignore[no-any-return]
    raise ConfigurationError(
        f"{where}: scan_policy={policy!r}; use one of {', '.join(map(repr, SCAN_POLICIES))}"
    )


_warned: set[tuple[Any, ...]] = set()
_MAX_WARNED = 4096


def check_scan(model: Any, s: Select, schema: TableSchema, policy: str) -> None:
    """Under "warn" or "refuse", a SELECT that reads every node logs a warning (once per
    query shape) or raises InvalidQueryError; nothing is sent either way before this."""
    r = analyse(schema, s.where, s.ann.column if s.ann is not None else None)
    if cost_of(r) is not Cost.EVERY_NODE:
        return
    conds = " AND ".join(_text(c, "?") for c in s.where) or "none"
    msg = (
        f"{model.__name__}: this query reads every node (a scan of the whole table; "
        f"condition: {conds}); {fix_for(schema, r)}"
    )
    if policy == "refuse":
        raise InvalidQueryError(
            msg + " (scan_policy='refuse'; .allow_scan() lets this query through)"
        )
    key = (schema, r, s.count)
    if key in _warned:
        return
    if len(_warned) >= _MAX_WARNED:
        _warned.clear()
    _warned.add(key)
    logger.warning("%s", msg)


# ---------------------------------------------------------------- the server's tracing

# Tracing is written by the server after it answers, in the background: once the session
# is finished, its events are looked at a bounded number of times (each look is a round
# trip, so no timer is needed).
TRACE_LOOKS = 200
TRACE_STEADY = 10  # looks at the same events of a finished session that end the wait
_EVENTS = "SELECT source, activity FROM system_traces.events WHERE session_id = ?"
_RANGES = re.compile(r"Submitting range requests on (\d+) ranges")
_INDEX = re.compile(r"(?:using index|Scanning with) ([\w.]+?)\.?$")
_ROWS = re.compile(r"^Read (\d+) live rows")


def run_traced(request: Request) -> Flow[ServerTrace]:
    """Run `request` (with `trace` set) and read what the server's tracing reports of the
    trace session the driver names (`Page.trace_id`, both drivers)."""
    cql = request.compiled.cql
    table = request.compiled.types.table if request.compiled.types is not None else ""
    page: Page = yield request
    if page.trace_id is None:
        raise CoodieError(f"the driver named no trace session for {cql!r}")
    try:
        session = yield from read_trace_flow(page.trace_id)
    except OperationTimedOut:
        raise CoodieError(f"the server's trace of {cql!r} did not arrive") from None
    events = [(e.source, e.activity) for e in session["events"]]
    steady = 0
    # done once rows were read, or once nothing more arrives (an empty token range reads
    # nothing and says nothing)
    for _ in range(TRACE_LOOKS):
        if any(_ROWS.match(a) for _, a in events) or steady >= TRACE_STEADY:
            break
        found: Page = yield at_one(_EVENTS, page.trace_id)
        seen = [(str(row[0]), row[1] or "") for row in found.rows]
        steady = steady + 1 if seen == events else 0
        events = seen
    activities = [a for _, a in events]
    ranges = [int(m.group(1)) for a in activities if (m := _RANGES.search(a))]
    indexes = {m.group(1).rsplit(".", 1)[-1] for a in activities if (m := _INDEX.search(a))}
    return ServerTrace(
        coordinator=session["coordinator"],
        replicas=tuple(sorted({str(src) for src, _ in events})),
        range_scan=any(a.startswith("Computing ranges to query") for a in activities),
        ranges=sum(ranges) if ranges else None,
        indexes=tuple(sorted(indexes)),
        rows_read=sum(int(m.group(1)) for a in activities if (m := _ROWS.match(a))),
        partition_reads=sum(
            a == f"Executing single-partition query on {table}" for a in activities
        ),
        duration_us=session["duration"],
        rows_returned=len(page.rows),
    )
