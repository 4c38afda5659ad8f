"""The results: one table (markdown, printed and written), a PNG chart of the ratios."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from contenders import (
    CONTENDERS,
    COODIE,
    COODIE_ACS,
    COODIE_ACS_ASYNC,
    COODIE_ASYNC,
    COODIES,
    CQLENGINE,
    RAW,
    RAW_ACS,
    RAW_ACS_ASYNC,
    RAW_ASYNC,
)
from ops import TARGETS, Kind, Operation

COLUMNS = (
    RAW,
    COODIE,
    CQLENGINE,
    RAW_ASYNC,
    COODIE_ASYNC,
    RAW_ACS,
    COODIE_ACS,
    RAW_ACS_ASYNC,
    COODIE_ACS_ASYNC,
)
CHECKED = COODIES  # the contenders the targets apply to
DOCS_BEGIN = "<!-- results:begin -->"
DOCS_END = "<!-- results:end -->"


@dataclass
class Measurement:
    """One operation: per contender, the seconds per operation of each round."""

    op: Operation
    k: int  # iterations per batch
    ops_per_step: int  # operations in one iteration (a throughput burst runs many)
    samples: dict[str, list[float]]

    def seconds(self, key: str) -> float | None:
        """The median over rounds of the per-round mean time per operation."""
        rounds = self.samples.get(key)
        return statistics.median(rounds) if rounds else None

    def round_ratios(self, key: str) -> list[float]:
        """Per round, time per operation relative to the contender's baseline in the same
        round: the two ran moments apart, so a drift of the machine cancels out."""
        base = CONTENDERS[key].baseline
        mine, theirs = self.samples.get(key), self.samples.get(base)
        if not mine or not theirs or key == base:
            return []
        return [a / b for a, b in zip(mine, theirs)]

    def ratio(self, key: str) -> float | None:
        """The median of the per-round ratios (lower is better)."""
        ratios = self.round_ratios(key)
        return statistics.median(ratios) if ratios else None

    def spread(self, key: str) -> tuple[float, float] | None:
        """The middle half of the per-round ratios (quartiles): how far noise moves them."""
        ratios = self.round_ratios(key)
        if len(ratios) < 4:
            return None
        q1, _, q3 = statistics.quantiles(ratios, n=4)
        return q1, q3

    def misses(self) -> list[str]:
        out = []
        target = self.op.target
        for c in CHECKED:
            ratio = self.ratio(c.key)
            if ratio is not None and target is not None and ratio > target:
                spread = self.spread(c.key)
                noise = (
                    f"; rounds {spread[0]:.2f}-{spread[1]:.2f}x, within noise"
                    if spread and spread[0] <= target
                    else ""
                )
                out.append(
                    f"{c.label}: {self.op.title} at {ratio:.2f}x (target ≤{target:.2f}x{noise})"
                )
        coodie, cqlengine = self.seconds(COODIE.key), self.seconds(CQLENGINE.key)
        if coodie is not None and cqlengine is not None and coodie > cqlengine:
            out.append(
                f"coodie slower than cqlengine: {self.op.title} "
                f"({coodie / cqlengine:.2f}x cqlengine's time)"
            )
        return out


# ---------------------------------------------------------------------- the table


def fmt_time(seconds: float) -> str:
    us = seconds * 1e6
    if us < 10:
        return f"{us:.2f} µs"
    if us < 100:
        return f"{us:.1f} µs"
    return f"{us:,.0f} µs"


def fmt_amount(m: Measurement, seconds: float) -> str:
    if m.op.kind is Kind.THROUGHPUT:
        return f"{1 / seconds:,.0f} ops/s"
    return fmt_time(seconds)


def cell(m: Measurement, key: str) -> str:
    seconds = m.seconds(key)
    if seconds is None:
        return "-"
    ratio = m.ratio(key)
    if ratio is None:
        return fmt_amount(m, seconds)
    miss = (
        " ✗"
        if m.op.target is not None and ratio > m.op.target and CONTENDERS[key] in CHECKED
        else ""
    )
    spread = m.spread(key)
    plusminus = f" ±{(spread[1] - spread[0]) / 2:.2f}" if spread else ""
    return f"{ratio:.2f}x{plusminus}{miss} ({fmt_amount(m, seconds)})"


def group_title(kind: Kind, ms: list[Measurement], concurrency: int) -> str:
    target = TARGETS.get(kind)
    if target is None:
        return f"**{kind.value}**: no target"
    own = [f"{m.op.key} ≤{m.op.target:.2f}x" for m in ms if m.op.own_target is not None]
    if kind is Kind.THROUGHPUT:
        n = ms[0].ops_per_step
        return (
            f"**{kind.value}**: {n:,} ops, {concurrency} in flight; "
            f"target ≥{1 / target:.2f}x raw ops/s"
        )
    return f"**{kind.value}**: target ≤{target:.2f}x" + (f" ({'; '.join(own)})" if own else "")


def table(measurements: list[Measurement], concurrency: int) -> str:
    """The markdown table: one row per operation, grouped by kind, padded to read as text."""
    rows = [["operation", *(c.label for c in COLUMNS)]]
    groups: dict[Kind, list[Measurement]] = {}
    for m in measurements:
        groups.setdefault(m.op.kind, []).append(m)
    for kind, ms in groups.items():
        rows.append([group_title(kind, ms, concurrency), *("" for _ in COLUMNS)])
        rows.extend([m.op.title, *(cell(m, c.key) for c in COLUMNS)] for m in ms)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        padded = [cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:]])
    return "\n".join([line(rows[0]), rule + "|", *(line(r) for r in rows[1:])])


def legend() -> str:
    return (
        "Ratios are time per operation relative to the raw driver (lower is better), each "
        "against the same driver used the same way: coodie and cqlengine against "
        "`raw driver`, coodie async against `raw driver (async)`, coodie on acsylla against "
        "`raw acsylla` (blocking), coodie async on acsylla against `raw acsylla (async)`. "
        "Each ratio is the median over rounds of the ratio measured within the round; ± is "
        "half the spread of the middle half of those rounds (the noise). In parentheses, "
        "the median time per operation (for throughput, operations per second). ✗ marks a "
        "coodie result above its target."
    )


def misses(measurements: list[Measurement]) -> list[str]:
    return [miss for m in measurements for miss in m.misses()]


def section(
    measurements: list[Measurement],
    environment: dict[str, str],
    concurrency: int,
    image: str,
) -> str:
    """The body shared by results/latest.md and docs/benchmarks.md."""
    env = "\n".join(f"| {k} | {v} |" for k, v in environment.items())
    missed = misses(measurements)
    miss_text = "\n".join(f"- {m}" for m in missed) if missed else "- none"
    return (
        f"| | |\n|---|---|\n{env}\n\n"
        f"{table(measurements, concurrency)}\n\n"
        f"{legend()}\n\n"
        f"Targets missed:\n\n{miss_text}\n\n"
        f"![time relative to the raw driver]({image})\n"
    )


def write_markdown(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# coodie benchmark results\n\n{body}", encoding="utf-8")


def update_docs(path: Path, body: str) -> None:
    """Replace what is between the results markers of docs/benchmarks.md."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(DOCS_BEGIN) + ".*?" + re.escape(DOCS_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no {DOCS_BEGIN} ... {DOCS_END} section to update")
    path.write_text(
        pattern.sub(lambda _: f"{DOCS_BEGIN}\n{body}{DOCS_END}", text), encoding="utf-8"
    )


# ---------------------------------------------------------------------- the chart


def write_png(path: Path, measurements: list[Measurement]) -> bool:
    """A bar per contender and operation, growing from 1.0 (the raw driver) on a log
    scale; dotted red marks show each operation's target. False without matplotlib."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ms = [m for m in measurements if any(m.ratio(c.key) for c in COLUMNS)]
    series = (
        (COODIE, "#1f77b4"),
        (COODIE_ASYNC, "#17becf"),
        (COODIE_ACS, "#2ca02c"),
        (COODIE_ACS_ASYNC, "#98df8a"),
        (CQLENGINE, "#ff7f0e"),
    )
    bar = 0.17
    fig, ax = plt.subplots(figsize=(11, 0.75 * len(ms) + 1.6))
    for j, (contender, color) in enumerate(series):
        label: str | None = contender.label
        for i, m in enumerate(ms):
            ratio = m.ratio(contender.key)
            if ratio is None:
                continue
            y = i + (j - (len(series) - 1) / 2) * bar
            ax.barh(y, ratio - 1, bar, left=1, color=color, label=label)
            ax.text(ratio, y, f" {ratio:.2f}", va="center", fontsize=6)
            label = None  # one legend entry per contender
    for i, m in enumerate(ms):
        if m.op.target is not None:
            ax.plot([m.op.target] * 2, [i - 0.45, i + 0.45], color="red", ls=":", lw=1.2)
        if i and m.op.kind is not ms[i - 1].op.kind:
            ax.axhline(i - 0.5, color="grey", lw=0.6)
    ax.legend(loc="lower right", fontsize=8)
    ax.axvline(1, color="black", lw=1)
    ax.set_xscale("log")
    # a far-off bar (cqlengine's cached sync_table: 0.001x) would squeeze every other one
    ax.set_xlim(left=max(ax.get_xlim()[0], 0.1))
    ticks = [0.25, 0.5, 1, 1.5, 2, 3, 5, 10]
    ax.set_xticks(ticks, [f"{t:g}x" for t in ticks])
    ax.set_yticks(range(len(ms)), [m.op.title for m in ms], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time per operation relative to the raw driver (lower is better)")
    ax.set_title(
        "coodie vs the raw driver it runs on, and cqlengine (red dotted: target)", fontsize=10
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
