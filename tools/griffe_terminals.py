"""A griffe extension for the API reference (mkdocs.yml loads it).

The QuerySet classes declare their terminal methods (`all()`, `count()`...) to type
checkers in an `if TYPE_CHECKING:` block, without docstrings; at run time each is made
from a core method by `operation()`, which keeps that method's docstring. The reference
is built from the source, so it would show the declarations bare. This extension gives
each declaration the docstring `help()` shows at run time: one text, in the core.
"""

from __future__ import annotations

import inspect
from typing import Any

import griffe

QUERYSETS = ("coodie.sync.query.QuerySet", "coodie.aio.query.AsyncQuerySet")


class TerminalDocs(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "coodie":
            return
        from coodie.query import TERMINALS

        for path in QUERYSETS:
            cls = pkg[path.removeprefix("coodie.")]
            for name, member in cls.members.items():
                doc = inspect.getdoc(TERMINALS[name]) if name in TERMINALS else None
                if doc and member.is_function and member.docstring is None:
                    member.docstring = griffe.Docstring(doc, parent=member)
