"""Type-checking tests: mypy (with the project's mypy.ini and the coodie plugin) runs on
the files in cases/, and its output must match the markers line by line:
`# R: <type>` expects `reveal_type` to show that type, `# E: <text>` expects an error
containing that text. A missing or an unexpected message fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
MARK = re.compile(r"#\s*([RE]):\s*(.+?)\s*$")


def _expected() -> dict[tuple[str, int], tuple[str, str]]:
    out = {}
    for path in sorted(CASES.glob("*.py")):
        for no, line in enumerate(path.read_text().splitlines(), 1):
            m = MARK.search(line)
            if m:
                out[(path.name, no)] = (m.group(1), m.group(2))
    return out


@pytest.fixture(scope="module")
def mypy_output() -> dict[tuple[str, int], list[tuple[str, str]]]:
    stdout, stderr, _ = api.run(
        [
            "--config-file",
            str(ROOT / "mypy.ini"),
            "--no-incremental",
            "--show-error-codes",
            str(CASES),
        ]
    )
    assert not stderr, stderr
    got: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for line in stdout.splitlines():
        m = re.match(r"(.+?\.py):(\d+): (error|note): (.*)", line)
        if not m:
            continue
        key = (Path(m.group(1)).name, int(m.group(2)))
        kind, text = m.group(3), m.group(4)
        if kind == "note" and text.startswith("Revealed type is "):
            got.setdefault(key, []).append(("R", text[len('Revealed type is "') : -1]))
        elif kind == "error":
            got.setdefault(key, []).append(("E", text))
    return got


def test_there_are_enough_cases() -> None:
    assert len(_expected()) >= 40


@pytest.mark.parametrize(("where", "want"), sorted(_expected().items()), ids=lambda v: str(v))
def test_each_marked_line(
    mypy_output: dict[tuple[str, int], list[tuple[str, str]]],
    where: tuple[str, int],
    want: tuple[str, str],
) -> None:
    kind, text = want
    got = mypy_output.get(where, [])
    if kind == "R":
        assert ("R", text) in got, got
    else:
        assert any(k == "E" and text in msg for k, msg in got), got


def test_no_unexpected_messages(mypy_output: dict[tuple[str, int], list[tuple[str, str]]]) -> None:
    expected = _expected()
    unexpected = {k: v for k, v in mypy_output.items() if k not in expected}
    assert not unexpected
