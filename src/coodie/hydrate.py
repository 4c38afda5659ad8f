"""Rows -> documents. Planned once per (class, column list); no I/O.

Rows are trusted for shape (they come from the table the class describes): values get
the type conversions the driver needs, not a second validation. A whole-document column
list is built by a function generated once (`_row_builder`); a partial one (`only(...)`)
through `model_construct()`, remembering what it read.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coodie._pydantic import SET_DICT
from coodie.schema import ColumnSchema
from coodie.tracking import mark_partial
from coodie.types import split_annotated, strip_optional

if TYPE_CHECKING:
    from coodie.document import DocumentCore

__all__ = ["Hydrator", "build_rows", "hydrator", "null_value"]

_GC_PAUSE_ROWS = 64  # pages at least this long are hydrated with the cyclic GC paused


@dataclass(frozen=True, slots=True)
class Hydrator:
    """Row -> document, planned once per (class, column list)."""

    names: tuple[str, ...]
    converters: tuple[tuple[int, Any], ...]  # (column index, converter) where one is needed
    nulls: tuple[tuple[int, Any], ...]  # (column index, factory of what a null becomes)
    complete: bool  # every field of the model is selected
    fields_set: frozenset[str]
    build: Any = None  # rows -> documents, for a complete column list (see _row_builder)


def hydrator(cls: type[DocumentCore], names: tuple[str, ...]) -> Hydrator:
    h = cls.__coodie_hydrators__.get(names)
    if h is None:
        schema = cls._schema()
        cols: list[ColumnSchema] = [schema.by_name[n] for n in names]
        nulls = [null_value(cls.model_fields[c.name], c) for c in cols]
        h = Hydrator(
            names,
            tuple((i, c.from_db) for i, c in enumerate(cols) if c.from_db is not None),
            tuple((i, f) for i, f in enumerate(nulls) if f is not None),
            set(names) == set(cls.model_fields),
            frozenset(names),
        )
        if h.complete:
            h = dataclasses.replace(h, build=_row_builder(cls, h))
        cls.__coodie_hydrators__[names] = h
    return h


def build_rows(
    cls: type[DocumentCore], names: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """Rows of `names` -> instances of `cls` (no polymorphic dispatch: see
    `DocumentCore._from_rows`)."""
    h = cls.__coodie_hydrators__.get(names) or hydrator(cls, names)
    if h.build is not None:
        if len(rows) < _GC_PAUSE_ROWS or not gc.isenabled():
            docs: list[Any] = h.build(rows)
            return docs
        # Every object built here stays referenced by the result, so a collection
        # while building finds nothing to free: with the collector paused, a page of
        # 1,000 documents costs ~40% less (the collections it triggered scanned the
        # whole heap). An application that runs with the collector disabled is left so.
        gc.disable()
        try:
            docs = h.build(rows)
        finally:
            gc.enable()
        return docs
    # a partial document (only(...)): defaults fill the rest, and it remembers what it read
    convs, nulls = h.converters, h.nulls
    out = []
    loaded = h.fields_set
    for row in rows:
        values = list(row)
        for i, f in nulls:
            if values[i] is None:
                values[i] = f()
        for i, c in convs:
            v = values[i]
            if v is not None:
                values[i] = c(v)
        doc = cls.model_construct(**dict(zip(names, values)))
        mark_partial(doc, loaded)
        out.append(doc)
    return out


def _row_builder(cls: type[DocumentCore], h: Hydrator) -> Any:
    """A function `rows -> [documents]` for a whole-document column list, generated once
    per (class, columns): each row becomes one dict display (no zip, no per-value loop
    where no converter applies) set as the instance's __dict__; pydantic's other slots
    are filled on first use (see DocumentCore). Only column indexes and repr()'d column
    names enter the generated source."""
    convs, nulls = dict(h.converters), dict(h.nulls)
    env: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "set_dict": SET_DICT,
    }
    items = []
    for i, name in enumerate(h.names):
        conv, null = convs.get(i), nulls.get(i)
        if conv is None and null is None:
            value = f"r[{i}]"
        else:
            env[f"c{i}"], env[f"n{i}"] = conv, null
            converted = f"c{i}(v)" if conv is not None else "v"
            empty = f"n{i}()" if null is not None else "None"
            value = f"({converted} if (v := r[{i}]) is not None else {empty})"
        items.append(f"{name!r}: {value}")
    source = (
        "def build(rows):\n"
        "    out = []\n"
        "    add = out.append\n"
        "    for r in rows:\n"
        "        o = new(cls)\n"
        f"        set_dict(o, {{{', '.join(items)}}})\n"
        # as model_construct() does; it also sets private attributes to their defaults
        + ("        o.model_post_init(None)\n" if cls.__pydantic_post_init__ else "")
        + "        add(o)\n"
        "    return out\n"
    )
    exec(compile(source, f"<coodie hydrator {cls.__name__}>", "exec"), env)
    return env["build"]


def null_value(info: Any, col: ColumnSchema) -> Any:
    """What a null read from the table becomes for a field.

    CQL stores an empty collection as null, and a column added by sync_table() is null in
    old rows: non-Optional fields get their empty collection or their default then.
    Optional fields keep None; a required field with no default keeps None too (the row
    really has no value), rather than inventing one.
    """
    _, optional = strip_optional(split_annotated(info.annotation)[0])
    if optional:
        return None
    if col.cql_type.is_collection:
        return {"list": list, "set": set, "map": dict}[col.cql_type.name]
    if info.is_required():
        return None
    return lambda: info.get_default(call_default_factory=True)
