"""Benchmark coodie against the raw driver and cqlengine on a real Cassandra node.

    python benchmarks/run.py              # the full run (a few minutes); writes results/
    python benchmarks/run.py --quick      # a smoke test: tiny counts, writes nothing
    python benchmarks/run.py --rounds 30 --only get,insert

Method: for each operation, every contender warms up, then the runner picks a batch size
k so that the slowest contender's k iterations take about --batch-ms. Each round runs k
iterations per contender, in a shuffled order of contenders, operation by operation in
turn (A's first, B's first, ..., A's second, ...), and records each contender's mean time
per operation; the result is the median over rounds. Interleaving keeps the drift of a
noisy machine, and the node's pauses, from landing on one contender. (Throughput bursts,
and operations of a few µs that a clock per call would distort, run as one batch per
contender instead.) Preparing the iterations (fresh rows, seeded data) is never timed.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from contenders import CONTENDERS, KEYSPACE, Bench, Contender
from ops import OPERATIONS, Kind, Operation
from report import Measurement, section, table, update_docs, write_markdown, write_png

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
DOCS_CHART = ROOT / "docs" / "img" / "benchmarks.png"


@dataclass(frozen=True)
class Settings:
    rounds: int
    batch_seconds: float  # the slowest contender's batch lasts about this long
    max_k: int  # iterations per batch, at most
    async_ops: int  # operations per async throughput burst
    concurrency: int  # operations in flight during a burst
    collect: bool = True  # a garbage collection before each batch (the smoke pass skips it)


FULL = Settings(rounds=35, batch_seconds=0.08, max_k=5000, async_ops=2000, concurrency=100)
QUICK = Settings(
    rounds=2, batch_seconds=0.002, max_k=10, async_ops=100, concurrency=100, collect=False
)


# ---------------------------------------------------------------------- timing


def _timed(step: Callable[[int], Any], k: int) -> float:
    start = time.perf_counter()
    for i in range(k):
        step(i)
    return time.perf_counter() - start


async def _timed_async(step: Callable[[int], Any], k: int) -> float:
    start = time.perf_counter()
    for i in range(k):
        await step(i)
    return time.perf_counter() - start


# the kinds whose rounds run operation by operation in turn (see run_round)
INTERLEAVED = (Kind.SINGLE, Kind.MULTI, Kind.SCHEMA)


def run_batch(
    bench: Bench, contender: Contender, op: Operation, k: int, collect: bool = True
) -> float:
    """Seconds taken by k iterations of `op` for `contender` (its preparation untimed)."""
    step = op.impls[contender.key](bench, k)
    if collect:
        gc.collect()
    if contender.is_async:
        return bench.loop.run_until_complete(_timed_async(step, k))
    return _timed(step, k)


def run_round(
    bench: Bench, contenders: Sequence[Contender], op: Operation, k: int, collect: bool = True
) -> dict[str, float]:
    """One round of an operation against a database: seconds per contender for k
    iterations, run operation by operation in turn (contender A's i-th operation, then
    B's, ...), so every contender meets the same moments of the node and the machine.
    The blocking contenders take turns among themselves, the async ones in one coroutine
    (a blocking call must not run inside the event loop); each contender's baseline is
    of its own kind. Preparing the iterations (fresh rows, seeded data) is never timed."""
    steps = [(c, op.impls[c.key](bench, k)) for c in contenders]
    blocking = [(c.key, step) for c, step in steps if not c.is_async]
    awaited = [(c.key, step) for c, step in steps if c.is_async]
    seconds = dict.fromkeys((c.key for c in contenders), 0.0)
    clock = time.perf_counter

    def run_blocking() -> None:
        for i in range(k):
            for key, step in blocking:
                start = clock()
                step(i)
                seconds[key] += clock() - start

    async def run_awaited() -> None:
        for i in range(k):
            for key, step in awaited:
                start = clock()
                await step(i)
                seconds[key] += clock() - start

    if collect:
        gc.collect()
    if blocking:
        run_blocking()
    if awaited:
        bench.loop.run_until_complete(run_awaited())
    return seconds


def measure(bench: Bench, op: Operation, settings: Settings, rng: random.Random) -> Measurement:
    contenders = [CONTENDERS[key] for key in op.impls]
    per_step = settings.async_ops if op.kind is Kind.THROUGHPUT else 1
    if op.kind is Kind.THROUGHPUT:
        k = 1  # one burst per batch
        for c in contenders:
            run_batch(bench, c, op, 1, settings.collect)
    else:
        cost = []
        for c in contenders:
            run_batch(bench, c, op, 2, settings.collect)  # first calls prepare statements
            cost.append(run_batch(bench, c, op, 4, settings.collect) / 4)
        k = max(1, min(settings.max_k, int(settings.batch_seconds / max(cost))))
    samples: dict[str, list[float]] = {c.key: [] for c in contenders}
    for _ in range(settings.rounds):
        rng.shuffle(contenders)
        if op.kind in INTERLEAVED:
            per_round = run_round(bench, contenders, op, k, settings.collect)
        else:  # (a burst, or an operation of a few µs that a clock per call would distort)
            # each contender's batch next to its baseline's (in the shuffled order: a
            # stable sort by the first place of each baseline)
            first = [c.baseline for c in contenders]
            paired = sorted(contenders, key=lambda c: first.index(c.baseline))
            per_round = {c.key: run_batch(bench, c, op, k, settings.collect) for c in paired}
        for key, seconds in per_round.items():
            samples[key].append(seconds / (k * per_step))
    return Measurement(op, k, per_step, samples)


# ---------------------------------------------------------------------- environment


def _command(*args: str) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def _package(*names: str) -> str:
    for name in names:
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(bench: Bench, settings: Settings, seconds: float) -> dict[str, str]:
    commit = _command("git", "rev-parse", "--short", "HEAD").strip() or "unknown"
    if _command("git", "status", "--porcelain"):
        commit += " (with uncommitted changes)"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "driver": _package("scylla-driver", "cassandra-driver"),
        "pydantic": metadata.version("pydantic"),
        "Cassandra": f"{bench.server_version()} (one node on the same machine)",
        "CPU": f"{os.cpu_count()} x {_cpu_model()} ({platform.machine()})",
        "OS": platform.platform(),
        "method": (
            f"{settings.rounds} rounds, the contenders' operations taking turns one by one; "
            f"about {settings.batch_seconds * 1000:g} ms of the slowest contender a round; "
            "medians of per-round times and of per-round ratios; "
            f"whole run {seconds / 60:.1f} min"
        ),
    }


# ---------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny counts (smoke test); writes nothing")
    p.add_argument("--rounds", type=int, help=f"rounds per operation (default {FULL.rounds})")
    p.add_argument(
        "--batch-ms", type=float, help=f"batch length (default {FULL.batch_seconds * 1000:g})"
    )
    p.add_argument("--only", help="comma-separated operation keys: " + ", ".join(OPERATIONS))
    p.add_argument("--seed", type=int, default=7, help="seed of the shuffled orders")
    p.add_argument("--no-write", action="store_true", help="print the table only")
    p.add_argument(
        "--update-docs", action="store_true", help="also put the results in docs/benchmarks.md"
    )
    return p.parse_args(argv)


def selected(only: str | None) -> list[Operation]:
    if not only:
        return list(OPERATIONS.values())
    keys = [k.strip() for k in only.split(",") if k.strip()]
    unknown = [k for k in keys if k not in OPERATIONS]
    if unknown:
        raise SystemExit(f"unknown operation(s) {unknown}; known: {', '.join(OPERATIONS)}")
    return [OPERATIONS[k] for k in keys]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    base = QUICK if args.quick else FULL
    settings = Settings(
        rounds=args.rounds or base.rounds,
        batch_seconds=args.batch_ms / 1000 if args.batch_ms else base.batch_seconds,
        max_k=base.max_k,
        async_ops=base.async_ops,
        concurrency=base.concurrency,
        collect=base.collect,
    )
    ops = selected(args.only)
    write = not (args.quick or args.no_write or args.only)
    rng = random.Random(args.seed)
    started = time.perf_counter()

    bench = Bench(async_ops=settings.async_ops, concurrency=settings.concurrency)
    try:
        print(f"setting up keyspace {KEYSPACE} ...", file=sys.stderr)
        bench.setup()
        measurements = []
        failed = []  # one operation's error does not lose the others' measurements
        load_before = os.getloadavg()[0]
        for n, op in enumerate(ops, 1):
            t0 = time.perf_counter()
            try:
                m = measure(bench, op, settings, rng)
            except Exception as e:
                traceback.print_exc()
                failed.append(f"{op.title} ({type(e).__name__}: {e})")
                continue
            measurements.append(m)
            print(
                f"[{n:2}/{len(ops)}] {op.title:<44} k={m.k:<5} {time.perf_counter() - t0:5.1f}s",
                file=sys.stderr,
            )
        env = environment(bench, settings, time.perf_counter() - started)
        env["load"] = (
            f"1-minute load average {load_before:.1f} at the start, "
            f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores"
        )
        if failed:
            env["failed"] = "; ".join(failed)
    finally:
        bench.close()

    print()
    print(table(measurements, settings.concurrency))
    if not write:
        if failed:
            print("failed: " + "; ".join(failed), file=sys.stderr)
        return 1 if failed else 0
    md = RESULTS / "latest.md"
    png = RESULTS / "latest.png"
    write_markdown(md, section(measurements, env, settings.concurrency, png.name))
    if not write_png(png, measurements):
        print("matplotlib is not installed: no chart (pip install -e '.[dev]')", file=sys.stderr)
    print(f"\nwrote {md.relative_to(ROOT)} and {png.relative_to(ROOT)}", file=sys.stderr)
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
        return 1
    if args.update_docs:
        # The docs site is built from docs/ alone: the page shows a copy of the chart.
        if png.exists():
            shutil.copyfile(png, DOCS_CHART)
        update_docs(
            DOCS,
            section(
                measurements, env, settings.concurrency, str(DOCS_CHART.relative_to(DOCS.parent))
            ),
        )
        print(f"updated {DOCS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
