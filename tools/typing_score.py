"""Caught / false-positive figures of the typing suites (tests/typing).

    .venv/bin/python tools/typing_score.py

For each suite and checker: how many should-fail lines (`# E:`, and the known gaps
marked `# MISS:`) get an error at all
(caught/total), and how many other lines (`# R:`, `# OK` and unmarked) get an error
(false positives). The last row runs pyright on the mypy corpus (written in the
plugin's `User.price` spelling, which pyright reads as a float) for comparison.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.typing.test_typing import (  # noqa: E402
    ALONE_INI,
    HERE,
    Messages,
    expected,
    run_mypy,
    run_pyright,
)


def score(suite: str, got: Messages) -> tuple[int, int, int]:
    marked = expected(suite)
    should_fail = [k for k, (kind, _) in marked.items() if kind in ("E", "MISS")]
    caught = sum(any(kind == "E" for kind, _ in got.get(k, [])) for k in should_fail)
    false_pos = sum(
        any(kind == "E" for kind, _ in msgs)
        for k, msgs in got.items()
        if marked.get(k, ("", ""))[0] not in ("E", "MISS")
    )
    return caught, len(should_fail), false_pos


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        alone = Path(tmp) / "mypy.ini"
        alone.write_text(ALONE_INI.format(stubs=ROOT / "stubs"))
        corpus = HERE / "pyright-corpus.json"  # strict, on cases/
        rows = [
            (
                "cases",
                "mypy + coodie.mypy + pydantic.mypy",
                run_mypy(ROOT / "mypy.ini", HERE / "cases"),
            ),
            ("cases_alone", "mypy + coodie.mypy alone", run_mypy(alone, HERE / "cases_alone")),
            (
                "cases_pyright",
                "pyright --strict (col() spelling)",
                run_pyright(HERE / "cases_pyright"),
            ),
            ("cases", "pyright --strict on the mypy corpus", run_pyright(HERE / "cases", corpus)),
        ]
    for suite, checker, got in rows:
        caught, total, fp = score(suite, got)
        print(f"{suite:14} {checker:38} caught {caught:3}/{total:<3} false positives {fp}")


if __name__ == "__main__":
    main()
