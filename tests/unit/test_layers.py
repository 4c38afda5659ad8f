"""The layers of docs/architecture.md, read from the source: what each layer imports at module level.

Drivers take the wire types (`coodie.requests`) and never the compiler, the query or
document cores, or the sync/async shells; one loop (`flows.steps`, which both runners
run) drives flows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import coodie

SRC = Path(coodie.__file__).parent
ABOVE_DRIVERS = (
    "coodie.expr",
    "coodie.query",
    "coodie.document",
    "coodie.flows",
    "coodie.plans",
    "coodie.raw",
    "coodie.sync",
    "coodie.aio",
)


def _module_imports(path: Path) -> set[str]:
    """The coodie modules `path` imports when it is imported (not those a function
    imports when it runs)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n for n in names if n.startswith("coodie")}


@pytest.mark.parametrize("module", sorted(p.name for p in (SRC / "drivers").glob("*.py")), ids=str)
def test_a_driver_module_imports_nothing_above_the_drivers(module: str) -> None:
    imported = _module_imports(SRC / "drivers" / module)
    above = sorted(n for n in imported if n.startswith(ABOVE_DRIVERS))
    assert above == [], f"coodie/drivers/{module} imports {above}"


def test_the_wire_types_module_imports_no_core() -> None:
    imported = _module_imports(SRC / "requests.py")
    assert imported <= {"coodie.exceptions", "coodie.types"}, imported


def test_the_compiler_still_offers_the_wire_types_it_used_to_define() -> None:
    from coodie import requests
    from coodie.expr import compiler

    assert compiler.Compiled is requests.Compiled
    assert compiler.StatementTypes is requests.StatementTypes


@pytest.mark.parametrize(
    "name", ["query.py", "raw.py", "migrations/context.py", "sync/_run.py", "aio/_run.py"]
)
def test_only_the_runners_loop_over_flows(name: str) -> None:
    """`flow.send(` stands in one place: `flows.steps`, the loop both runners run."""
    assert "flow.send(" not in (SRC / name).read_text()
    assert (SRC / "flows.py").read_text().count("flow.send(") == 1
