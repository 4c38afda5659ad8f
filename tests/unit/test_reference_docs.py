"""The API reference is built from the source by griffe (mkdocs.yml). The QuerySets'
terminal methods are declared to type checkers without docstrings; the reference must
still describe each public method, with the text `help()` shows at run time."""

from __future__ import annotations

import inspect

import griffe
import pytest

import coodie.aio
import coodie.sync

EXTENSION = "tools/griffe_terminals.py:TerminalDocs"


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    return griffe.load(
        "coodie",
        search_paths=["src"],
        extensions=griffe.load_extensions(EXTENSION),
    )


@pytest.mark.parametrize(
    ("path", "runtime"),
    [
        ("sync.query.QuerySet", coodie.sync.QuerySet),
        ("aio.query.AsyncQuerySet", coodie.aio.AsyncQuerySet),
    ],
)
def test_every_public_queryset_method_is_described_as_help_shows_it(
    package: griffe.Module, path: str, runtime: type
) -> None:
    cls = package[path]
    methods = {n: m for n, m in cls.members.items() if m.is_function and not n.startswith("_")}
    assert {"all", "first", "get", "count", "update", "delete", "explain"} <= set(methods)
    for name, member in methods.items():
        assert member.docstring is not None, f"{path}.{name} has no text in the reference"
        assert member.docstring.value == inspect.getdoc(getattr(runtime, name)), name
