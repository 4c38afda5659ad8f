"""Every ```python block of every docs/*.md page runs as written against the node.

A page's blocks run in order in one namespace (a page defines its models, later blocks
use them), with the driver the suite tests (`COODIE_TEST_DRIVER`) connected as the
default driver on a keyspace of the page's own, dropped afterwards, with every keyspace
the page's models or drivers created. Nothing is supplied around the blocks: a page
that uses a name must define it. A `print(...)` line with a comment (`print(n)  # 120`,
or `# 120 : why`) must print what the comment says. New pages are picked up by the glob.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from pathlib import Path

import pytest
from cassandra.cluster import Cluster, Session

from coodie import registry
from coodie.sync import init_coodie
from tests.integration.conftest import _contact_points, driver_options, replication
from tests.integration.docblocks import (
    PrintRecorder,
    expected_prints,
    keyspaces,
    keyspaces_named,
    python_blocks,
    restored_registry,
    run_block,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))


def test_the_docs_have_pages_with_python_blocks() -> None:
    assert len([p for p in PAGES if python_blocks(p)]) >= 10


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_blocks_run(page: Path, session: Session) -> None:
    blocks = python_blocks(page)
    before = keyspaces(session)
    recorder = PrintRecorder(page.name)
    ns: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}", "print": recorder}
    own = f"docs_{uuid.uuid4().hex[:16]}"
    hosts, port = _contact_points()
    out = io.StringIO()
    with restored_registry():
        # The page's own default driver; the suite's is put back afterwards.
        registry._drivers.pop("default", None)
        registry._default.clear()
        driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
        init_coodie(
            hosts=hosts,
            keyspace=own,
            port=port,
            driver_type=driver_type,
            # (on a cluster: the replication and levels the suite runs at)
            replication=replication(),
            **driver_options(driver_type),
        )
        try:
            with contextlib.redirect_stdout(out):
                for b in blocks:
                    try:
                        run_block(b, ns)
                    except Exception as e:
                        pytest.fail(f"the block at {b.where} fails: {e!r}", pytrace=True)
                    for line, promised in expected_prints(b).items():
                        got = " | ".join(recorder.printed.get(line, ["<nothing>"]))
                        assert got == promised, f"{page.name}:{line} prints {got!r}"
        finally:
            for value in ns.values():  # clusters a page opened itself
                if isinstance(value, Cluster):
                    value.shutdown()
            made = ((keyspaces_named(ns) | {own}) & keyspaces(session)) - before
            for ks in made:
                session.execute(f'DROP KEYSPACE IF EXISTS "{ks}"', timeout=120)


def test_blocks_are_found_with_their_page_lines(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# T\n\n```python\nx = 1\nprint(x)   # 1\n```\n\n```text\nnot code\n```\n"
        "```bash\nls\n```\n\n```python\nprint(x, 2)  # 1 2 : why\nprint(x)\n```\n"
    )
    blocks = python_blocks(page)
    assert [(b.line, b.code) for b in blocks] == [
        (4, "x = 1\nprint(x)   # 1\n"),
        (16, "print(x, 2)  # 1 2 : why\nprint(x)\n"),
    ]
    assert [expected_prints(b) for b in blocks] == [{5: "1"}, {16: "1 2"}]
    recorder = PrintRecorder("page.md")
    ns: dict[str, object] = {"print": recorder}
    with contextlib.redirect_stdout(io.StringIO()):
        for b in blocks:
            run_block(b, ns)
    assert recorder.printed == {5: ["1"], 16: ["1 2"], 17: ["1"]}


def test_a_failing_block_points_at_its_page_line(tmp_path: Path) -> None:
    page = tmp_path / "bad.md"
    page.write_text("text\n\n```python\nok = 1\nundefined_name\n```\n")
    (block,) = python_blocks(page)
    with pytest.raises(NameError) as e:
        run_block(block, {})
    tb = e.tb
    while tb.tb_next is not None:
        tb = tb.tb_next
    assert (tb.tb_frame.f_code.co_filename, tb.tb_lineno) == ("bad.md", 5)  # `undefined_name`
