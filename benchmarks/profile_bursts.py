"""Where the time goes: coodie against the raw driver it runs on, in async bursts and in
runs of single operations.

    python benchmarks/profile_bursts.py                 # concurrent inserts and gets, 4 contenders
    python benchmarks/profile_bursts.py --ops async_insert --contenders raw_acs_async,coodie_acs_async
    python benchmarks/profile_bursts.py --ops get,insert --contenders raw_acs,coodie_acs,raw_acs_async,coodie_acs_async
    python benchmarks/profile_bursts.py --ops async_get,async_insert --contenders raw_acs_async,floor_acs_async,coodie_acs_async --repeat 9 --no-profile
    python benchmarks/profile_bursts.py --split --ops get,insert,update,delete --contenders raw,coodie,raw_acs,coodie_acs
    python benchmarks/profile_bursts.py --split --ops batch_100 --split-n 300 --contenders raw,coodie,raw_acs,coodie_acs
    py-spy record --native -o spy.svg -- .venv/bin/python benchmarks/profile_bursts.py --no-profile

For each operation and contender it runs one untimed burst (statements get prepared), then
--bursts bursts of the benchmark's size (2,000 operations: for a throughput operation 100
in flight, for a single-row one, such as get or insert, one after the other, blocking or
awaited) twice: once plain (--repeat times, interleaved), for the throughput and the CPU
time of the whole process (every thread: the event loop's and the drivers' I/O threads)
per operation, with its ratio to the raw driver's in the same repeat, and once under
cProfile, which sees the calling thread only (the event loop's: coodie.sync on acsylla
runs the driver's loop in the calling thread). The profile is summed per package (coodie,
the driver, asyncio, the benchmark, the rest) and its top functions are printed by own
time, all in µs per operation. cProfile slows Python code down (several times for small
functions), so read its figures as shares, and the plain run's figures as the cost.

The floor contenders (`floor_async`, `floor_acs_async`; concurrent gets and inserts)
are the raw driver's own calls plus only what any layer that returns documents must add:
an insert reads its values from the document, a get builds the document from its row
with coodie's generated row builder (acsylla's uuid text made a UUID first). They tell what is coodie's layering and what is the
price of documents.

--split times blocking single-statement operations and batches (batch_10, batch_100) on
the node with the calling thread's CPU clock: for coodie (on either driver), the CPU spent
before its request reaches the driver's execute() or execute_batch(), inside it (bind,
send, wait, the page) and after it (the answer); for a raw contender, its whole operation. coodie's own figures here are 2-3 times those
of a stand-in driver that answers at once: between two requests the driver's I/O thread
and the node run, and coodie's code and data are no longer in the CPU's caches.
"""

from __future__ import annotations

import argparse
import cProfile
import operator
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from contenders import ACS_DRIVER, CONTENDERS, KEYSPACE, Bench, Contender
from ops import OPERATIONS, Kind, Step, bounded, fields_of, new_items, pool_ids

from coodie.hydrate import hydrator
from coodie.registry import get_driver

DEFAULT_OPS = ("async_insert", "async_get")
DEFAULT_CONTENDERS = ("raw_async", "coodie_async", "raw_acs_async", "coodie_acs_async")
PACKAGES = (
    ("coodie", ("/coodie/",)),
    ("scylla driver", ("/cassandra/",)),
    ("acsylla", ("/acsylla/", "cyacsylla")),
    ("pydantic", ("/pydantic", "pydantic_core")),
    ("asyncio", ("/asyncio/",)),
    ("benchmark", ("/benchmarks/",)),
)


# ---------------------------------------------------------------------- the floor

FLOORS = {
    c.key: c
    for c in (
        Contender("floor_async", "floor (async)", True, "raw_async", "raw", "coodie_aio"),
        Contender(
            "floor_acs_async", "floor on acsylla (async)", True, "raw_acs_async", "acs",
            "coodie_acs_aio",
        ),
    )
}  # fmt: skip
ITEM_COLUMNS = ("id", "name", "brand", "price", "qty")  # the items table, in order


def floor_burst(bench: Bench, op_key: str, contender: Contender) -> Step:
    """A burst of the floor of `op_key` (see the module's docstring)."""
    raw, item = getattr(bench, contender.driver), getattr(bench, contender.models).Item
    n = bench.async_ops
    if op_key == "async_get":
        ids, build = pool_ids(bench, n), hydrator(item, ITEM_COLUMNS).build

        async def one(i: int) -> Any:
            rows = list(await raw.aexecute(raw.get_item, (ids[i],)))
            if type(rows[0][0]) is str:  # (acsylla's uuid is text: the document's a UUID)
                rows = [(UUID(r[0]), *r[1:]) for r in rows]
            return build(rows)[0]

    elif op_key == "async_insert":
        docs = [item(**fields_of(r)) for r in new_items(bench, n)]
        values = operator.itemgetter(*ITEM_COLUMNS)

        async def one(i: int) -> Any:
            return await raw.aexecute(raw.insert_item, values(docs[i].__dict__))

    else:
        raise SystemExit(f"{contender.key} has concurrent gets and inserts only")
    return lambda _: bounded(n, bench.concurrency, one)


# ---------------------------------------------------------------------- --split

SPLIT = {"coodie": None, "coodie_acs": ACS_DRIVER}  # blocking coodie: its driver's name


def print_split(bench: Bench, ops: Sequence[str], contenders: Sequence[str], n: int) -> None:
    """Thread CPU per operation, the contenders' operations taking turns one by one: for a
    blocking coodie contender, before / inside / after its driver's execute() (a batch's:
    execute_batch()); for any other blocking contender, the whole operation."""
    clock = time.thread_time
    marks = [0.0, 0.0]

    def timing(execute: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def timed(request: Any) -> Any:
            marks[0] = clock()
            try:
                return execute(request)
            finally:
                marks[1] = clock()

        return timed

    for op_key in ops:
        op = OPERATIONS[op_key]
        batches = op_key.startswith("batch_")
        if op.kind is not Kind.SINGLE and not batches:
            raise SystemExit(f"--split times single-row operations and batches; not {op_key}")
        keys = [key for key in contenders if key in op.impls and not CONTENDERS[key].is_async]
        print(f"== {op.title}: {n} operations each, thread CPU µs per operation")
        for key in keys:  # warm-up: prepares statements
            if batches:
                warm = op.impls[key](bench, 3)
                for i in range(3):
                    warm(i)
            else:
                run_bursts(bench, op_key, key, 1)
        steps = [(key, op.impls[key](bench, n)) for key in keys]
        drivers = {key: get_driver(SPLIT[key]) for key in keys if key in SPLIT}
        sums = {key: [0.0, 0.0, 0.0] for key in keys}
        for driver in drivers.values():
            driver.execute = timing(driver.execute)  # type: ignore[method-assign]
            driver.execute_batch = timing(driver.execute_batch)  # type: ignore[method-assign]
        try:
            for i in range(n):
                for key, step in steps:
                    start = clock()
                    step(i)
                    end = clock()
                    parts = sums[key]
                    if key in drivers:
                        parts[0] += marks[0] - start
                        parts[1] += marks[1] - marks[0]
                        parts[2] += end - marks[1]
                    else:
                        parts[1] += end - start
        finally:
            for driver in drivers.values():
                del driver.execute  # (set on the instance: the class's method is back)
                del driver.execute_batch
        for key in keys:
            b, i, a = (t / n * 1e6 for t in sums[key])
            label = CONTENDERS[key].label
            if key in drivers:
                print(f"  {label:<20} {b:6.1f} before the driver, {i:6.1f} in it, {a:5.1f} after")
            else:
                print(f"  {label:<20} {'':6} {'':17} {i:6.1f} all told")


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def package(filename: str) -> str:
    for name, marks in PACKAGES:
        if any(m in filename for m in marks):
            return name
    return "other (builtins, C calls)"


def run_bursts(bench: Bench, op_key: str, contender: str, bursts: int) -> tuple[float, float]:
    """Wall and process CPU seconds of `bursts` bursts (of a single-row operation: as many
    operations, one after the other; their preparation untimed)."""
    op = OPERATIONS[op_key]
    if contender in FLOORS:
        burst = floor_burst(bench, op_key, FLOORS[contender])
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(bursts):
            bench.loop.run_until_complete(burst(0))
        return time.perf_counter() - wall, time.process_time() - cpu
    if op.kind is Kind.THROUGHPUT:
        burst = op.impls[contender](bench, 1)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(bursts):
            bench.loop.run_until_complete(burst(0))
        return time.perf_counter() - wall, time.process_time() - cpu
    n = bursts * bench.async_ops
    step = op.impls[contender](bench, n)
    wall, cpu = time.perf_counter(), time.process_time()
    if CONTENDERS[contender].is_async:
        bench.loop.run_until_complete(_one_by_one(step, n))
    else:
        for i in range(n):
            step(i)
    return time.perf_counter() - wall, time.process_time() - cpu


async def _one_by_one(step: Callable[[int], Awaitable[object]], n: int) -> None:
    for i in range(n):
        await step(i)


def report(stats: pstats.Stats, ops: int, top: int) -> str:
    raw = stats.stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = {}
    calls_by_package: dict[str, int] = {}
    rows = []
    for (filename, line, name), (_, calls, tottime, _, _) in raw.items():
        where = package(filename)
        by_package[where] = by_package.get(where, 0.0) + tottime
        calls_by_package[where] = calls_by_package.get(where, 0) + calls
        rows.append((tottime, calls, f"{filename.rsplit('/', 2)[-1]}:{line}({name})"))
    total = sum(by_package.values())
    out = [
        f"    profiled main thread: {total / ops * 1e6:7.1f} µs/op, "
        f"{sum(calls_by_package.values()) / ops:.1f} calls/op"
    ]
    for name, t in sorted(by_package.items(), key=lambda kv: -kv[1]):
        out.append(
            f"      {name:<28} {t / ops * 1e6:7.1f} µs/op  {t / total:5.1%}"
            f"  {calls_by_package[name] / ops:6.1f} calls/op"
        )
    out.append("    top functions by own time (µs/op, calls/op):")
    for tottime, calls, where in sorted(rows, reverse=True)[:top]:
        out.append(f"      {tottime / ops * 1e6:7.2f}  {calls / ops:5.1f}  {where}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--ops", default=",".join(DEFAULT_OPS))
    p.add_argument("--contenders", default=",".join(DEFAULT_CONTENDERS))
    p.add_argument("--bursts", type=int, default=5, help="bursts per run (default 5)")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="plain runs per contender, interleaved; medians are printed (default 1)",
    )
    p.add_argument("--top", type=int, default=18, help="functions listed (default 18)")
    p.add_argument("--no-profile", action="store_true", help="the plain runs only (for py-spy)")
    p.add_argument("--split", action="store_true", help="thread CPU before/in/after the driver")
    p.add_argument(
        "--split-n", type=int, default=2000, help="operations per contender for --split (2000)"
    )
    args = p.parse_args(argv)
    ops = [o for o in args.ops.split(",") if o]
    contenders = [c for c in args.contenders.split(",") if c]
    known = {**CONTENDERS, **FLOORS}
    for key in contenders:
        if key not in known:
            raise SystemExit(f"unknown contender {key!r}; known: {', '.join(known)}")
    bench = Bench(async_ops=2000, concurrency=100)
    try:
        print(f"setting up keyspace {KEYSPACE} ...", file=sys.stderr)
        bench.setup()
        if args.split:
            print_split(bench, ops, contenders, args.split_n)
            return 0
        for op_key in ops:
            op = OPERATIONS[op_key]
            keys = [key for key in contenders if key in op.impls or key in FLOORS]
            n = bench.async_ops * args.bursts
            how = "" if op.kind is Kind.THROUGHPUT else ", one after the other"
            print(f"== {op.title}: {args.bursts} bursts of {bench.async_ops} operations{how}")
            for key in keys:
                run_bursts(bench, op_key, key, 1)  # warm-up: prepares statements
            walls: dict[str, list[float]] = {key: [] for key in keys}
            cpus: dict[str, list[float]] = {key: [] for key in keys}
            for _ in range(args.repeat):
                for key in keys:
                    wall, cpu = run_bursts(bench, op_key, key, args.bursts)
                    walls[key].append(wall / n)
                    cpus[key].append(cpu / n)
            for key in keys:
                c = known[key]
                line = (
                    f"  {c.label}: {1 / median(walls[key]):,.0f} ops/s, "
                    f"{median(cpus[key]) * 1e6:.1f} µs/op CPU (all threads)"
                )
                if c.baseline != key and c.baseline in cpus:
                    ratio = median(a / b for a, b in zip(cpus[key], cpus[c.baseline]))
                    line += f", {ratio:.2f}x the CPU of {known[c.baseline].label}"
                    ratio = median(a / b for a, b in zip(walls[key], walls[c.baseline]))
                    line += f" and {ratio:.2f}x its time"
                print(line + f" (medians of {args.repeat})")
            if args.no_profile:
                continue
            for key in keys:
                print(f"  {known[key].label}, under cProfile:")
                profiler = cProfile.Profile()
                profiler.enable()
                run_bursts(bench, op_key, key, args.bursts)
                profiler.disable()
                print(report(pstats.Stats(profiler), n, args.top))
    finally:
        bench.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
