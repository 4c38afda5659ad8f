"""Polymorphic documents: subclasses that share their base's table.

A base document with a `Discriminator()` column is the *root*; each subclass sets
`__discriminator_value__` and stores its rows in the root's table, with that value in the
discriminator column. The root's table has the columns of every subclass (those a
subclass adds are regular columns, null in the other subclasses' rows). `Root.find()`
returns instances of the subclass each row names; `Subclass.find()` filters by its value
(the discriminator column is indexed).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from coodie.exceptions import SchemaError
from coodie.expr.nodes import Compare, Condition, Op
from coodie.fields import Discriminator
from coodie.hydrate import build_rows
from coodie.schema import TableSchema, build_schema

if TYPE_CHECKING:
    from coodie.document import DocumentCore

__all__ = ["build", "condition", "dispatch_rows", "is_condition", "root_of"]


def _discriminator_field(cls: type[DocumentCore]) -> str | None:
    for name, info in cls.model_fields.items():
        if any(isinstance(m, Discriminator) for m in info.metadata):
            return name
    return None


def root_of(cls: type[DocumentCore]) -> type[DocumentCore] | None:
    root: type[DocumentCore] | None = getattr(cls, "__coodie_poly_root__", None)
    return root


def build(cls: type[DocumentCore], schema: TableSchema) -> TableSchema:
    """The schema `cls` uses: as built for a plain document; for a root, the union of its
    subclasses' columns; for a subclass, its own columns in the root's table. Registers
    a subclass with its root (and rebuilds the root's schema)."""
    root = root_of(cls)
    if root is None or root is cls:
        field = _discriminator_field(cls)
        if field is None:
            return schema
        if root is None:  # the root itself, first build
            type.__setattr__(cls, "__coodie_poly_root__", cls)
            type.__setattr__(cls, "__coodie_poly_field__", field)
            type.__setattr__(cls, "__coodie_poly_subs__", {})
        return _union_schema(cls, schema)
    # a subclass
    field = root.__coodie_poly_field__  # type: ignore[attr-defined]
    value = cls.__dict__.get("__discriminator_value__")
    if value is None:
        raise SchemaError(
            f"{cls.__name__}: a subclass of the polymorphic {root.__name__} sets "
            f"__discriminator_value__ (the value of {root.__name__}.{field} for its rows)"
        )
    subs: dict[Any, type[DocumentCore]] = root.__coodie_poly_subs__  # type: ignore[attr-defined]
    other = subs.get(value)
    if other is not None and other.__qualname__ != cls.__qualname__:
        raise SchemaError(
            f"{cls.__name__}: __discriminator_value__ {value!r} is {other.__name__}'s already"
        )
    root_schema = root._schema()
    for c in schema.columns:
        base = root_schema.by_name.get(c.name)
        if c.is_primary_key and base is None:
            raise SchemaError(
                f"{cls.__name__}.{c.name}: a subclass of {root.__name__} shares its table and "
                "primary key; it cannot add key columns"
            )
    _set_default(cls, field, value)
    subs[value] = cls
    type.__setattr__(cls, "__coodie_poly_value__", value)
    root.__coodie_build__()  # the root's table gains the subclass's columns
    return dataclasses.replace(schema, name=root_schema.name, keyspace=root_schema.keyspace)


def _set_default(cls: type[DocumentCore], field: str, value: Any) -> None:
    """A subclass's discriminator field defaults to its value."""
    info = copy.copy(cls.model_fields[field])
    if info.default == value:
        return
    info.default = value
    cls.model_fields[field] = info
    cls.model_rebuild(force=True)


def _union_schema(root: type[DocumentCore], own: TableSchema) -> TableSchema:
    fields = dict(root.model_fields)
    subs: dict[Any, type[DocumentCore]] = root.__coodie_poly_subs__  # type: ignore[attr-defined]
    for sub in subs.values():
        for name, info in sub.model_fields.items():
            have = fields.get(name)
            if have is None:
                fields[name] = info
            # (a subclass may narrow the type of a field the root declares)
            elif have.annotation != info.annotation and name not in root.model_fields:
                raise SchemaError(
                    f"{sub.__name__}.{name}: another subclass of {root.__name__} declares "
                    f"{name} with another type; subclasses share one table"
                )
    if len(fields) == len(root.model_fields):
        return own
    return build_schema(
        root.__name__,
        fields,
        getattr(root, "Settings", None),
        own_settings=root.__dict__.get("Settings"),
    )


def condition(cls: type[DocumentCore]) -> Condition | None:
    """`discriminator = value` for a polymorphic subclass, else None."""
    value = cls.__dict__.get("__coodie_poly_value__")
    if value is None:
        return None
    return Compare(cls.__coodie_poly_field__, Op.EQ, value)  # type: ignore[attr-defined]


def is_condition(c: Condition, disc: Condition) -> bool:
    """Whether `c` is the discriminator condition `disc` (nodes compare by identity)."""
    return (
        type(c) is Compare
        and type(disc) is Compare
        and (c.column, c.op, c.value) == (disc.column, disc.op, disc.value)
    )


def dispatch_rows(
    root: type[DocumentCore], names: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> list[Any]:
    """Rows of a root's table -> instances of the subclass each row names (the root for a
    value no subclass declares), in row order."""
    field: str = root.__coodie_poly_field__  # type: ignore[attr-defined]
    subs: dict[Any, type[DocumentCore]] = root.__coodie_poly_subs__  # type: ignore[attr-defined]
    # (only(...) without the discriminator column: the root's own columns)
    at = names.index(field) if field in names else None
    groups: dict[type[DocumentCore], list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(root if at is None else subs.get(row[at], root), []).append(i)
    out: list[Any] = [None] * len(rows)
    for cls, indexes in groups.items():
        keep = [j for j, n in enumerate(names) if n in cls.model_fields]
        docs = build_rows(
            cls, tuple(names[j] for j in keep), [tuple(rows[i][j] for j in keep) for i in indexes]
        )
        for i, doc in zip(indexes, docs):
            out[i] = doc
    return out
