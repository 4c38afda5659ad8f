"""Running the ```python blocks of a Markdown page, as written, against the node.

Shared by the spec README's test (`test_spec_readme.py`) and the docs pages' test
(`test_docs_pages.py`). A block with top-level `await`, `async with` or `async for` runs on
a fresh event loop; a block's line numbers are the page's, so a traceback points into the
Markdown file.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import contextlib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cassandra.cluster import Session

from coodie import registry

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```", re.S | re.M)


@dataclass(frozen=True)
class Block:
    page: str
    line: int  # the page's line number of the block's first code line
    code: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def python_blocks(path: Path) -> list[Block]:
    """The page's ```python blocks, in order."""
    text = path.read_text()
    return [
        Block(path.name, text.count("\n", 0, m.start(1)) + 1, m.group(1))
        for m in FENCE.finditer(text)
    ]


def run_block(code: str | Block, ns: dict[str, Any]) -> None:
    """Run a block in `ns`; a block with top-level `await`/`async with` runs on an event loop."""
    if isinstance(code, Block):
        source, filename = "\n" * (code.line - 1) + code.code, code.page
    else:
        source, filename = code, "<block>"
    compiled = compile(
        source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    result = eval(compiled, ns)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def keyspaces(session: Session) -> set[str]:
    return {
        r.keyspace_name
        for r in session.execute("SELECT keyspace_name FROM system_schema.keyspaces")
    }


@contextlib.contextmanager
def restored_registry() -> Iterator[None]:
    """Restore coodie's registered drivers afterwards, shutting down those the block made."""
    saved = (dict(registry._drivers), list(registry._default))
    try:
        yield
    finally:
        for name, drv in registry._drivers.items():
            if name not in saved[0] or saved[0][name] is not drv:
                with contextlib.suppress(Exception):
                    drv.shutdown()
        registry._drivers.clear()
        registry._drivers.update(saved[0])
        registry._default[:] = saved[1]


def keyspaces_named(ns: dict[str, Any]) -> set[str]:
    """Keyspaces that the models defined in `ns`, the registered drivers or the page's own
    variables name (a page may unregister the driver of its keyspace before it ends)."""
    names = {getattr(d, "keyspace", None) for d in registry._drivers.values()}
    for value in ns.values():
        schema = getattr(value, "__coodie_schema__", None) if isinstance(value, type) else None
        names.add(getattr(schema, "keyspace", None))
        if isinstance(value, str) and _KEYSPACE_NAME.fullmatch(value):
            names.add(value)
    return {n for n in names if isinstance(n, str)}


_KEYSPACE_NAME = re.compile(r"\w{1,48}")


# `print(...)  # 2 2 2 20.5` or `print(...)  # [] : why`: the comment (up to " : ") is
# what the line prints.
EXPECTED = re.compile(r"^\s*print\(.*\)\s+#\s*(?P<out>.+?)(?:\s+:\s.*)?$")


def expected_prints(block: Block) -> dict[int, str]:
    """Page line -> the output the block's comment promises for the print on that line."""
    found = {}
    for i, line in enumerate(block.code.splitlines()):
        m = EXPECTED.match(line)
        if m:
            found[block.line + i] = m.group("out")
    return found


class PrintRecorder:
    """Stands in for `print` in a page's namespace: records what each page line printed."""

    def __init__(self, page: str) -> None:
        self.page = page
        self.printed: dict[int, list[str]] = {}

    def __call__(self, *args: Any, sep: str | None = " ", **kwargs: Any) -> None:
        frame = sys._getframe(1)
        if frame.f_code.co_filename == self.page:
            text = (" " if sep is None else sep).join(map(str, args))
            self.printed.setdefault(frame.f_lineno, []).append(text)
        builtins.print(*args, sep=sep, **kwargs)
