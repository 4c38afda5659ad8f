"""docs/testing-your-app.md shows the list of integration tests the memory driver cannot
pass exactly as tests/integration/memory_limits.py has it, and every entry names a test
that exists."""

from __future__ import annotations

import re
from pathlib import Path

from tests.integration.memory_limits import LIMITS, markdown

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_show_the_list() -> None:
    page = (ROOT / "docs" / "testing-your-app.md").read_text()
    shown = re.search(r"<!-- memory-limits -->\n(.*?)\n<!-- /memory-limits -->", page, re.S)
    assert shown is not None, "docs/testing-your-app.md lacks the memory-limits block"
    assert shown.group(1).strip() == markdown(), (
        "regenerate the block: python -c 'from tests.integration.memory_limits import markdown; "
        "print(markdown())'"
    )


def test_every_listed_test_exists_once() -> None:
    seen: list[str] = []
    for limit in LIMITS:
        for entry in limit.tests:
            path, _, name = entry.partition("::")
            source = (ROOT / "tests" / "integration" / path).read_text()
            base = name.split("[", 1)[0]
            assert re.search(rf"def {re.escape(base)}\(", source), entry
            seen.append(entry)
    assert len(seen) == len(set(seen))
