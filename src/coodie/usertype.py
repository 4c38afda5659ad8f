"""User-defined types: pydantic models stored as CQL `CREATE TYPE` values.

A field annotated with a `UserType` subclass, or with any plain pydantic model, is a UDT
column: `sync_table()` creates the types it needs (those a type uses first) and adds the
fields a model gained with `ALTER TYPE ... ADD`.
A UDT column is frozen where CQL requires it (inside collections, other UDTs and the
primary key); `Annotated[Address, Frozen()]` freezes a top-level one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from coodie.exceptions import SchemaError
from coodie.query import Flow
from coodie.requests import Page, RawRequest
from coodie.schema import TableSchema, quote
from coodie.types import CqlType, UnsupportedType, normalize_cql_type, udt_type

if TYPE_CHECKING:
    from coodie.ddl import SchemaChange

__all__ = [
    "UserType",
    "create_type_cql",
    "live_types_flow",
    "table_udts",
    "type_changes",
]


class UserType(BaseModel):
    """A pydantic model that maps to a CQL user-defined type.

    The type is named after the class in snake_case, or `Settings.name`:

        class Address(UserType):
            street: str
            city: str = ""

            class Settings:
                name = "address"
    """

    Settings: ClassVar[type[Any]]

    @classmethod
    def cql_type(cls) -> CqlType:
        """The user-defined type this model maps to (SchemaError if it cannot map)."""
        try:
            return udt_type(cls)
        except UnsupportedType as e:
            raise SchemaError(f"{cls.__name__}: {e}") from None


def table_udts(schema: TableSchema) -> list[CqlType]:
    """The user-defined types a table's columns use, each after the types it uses."""
    return list(dict.fromkeys(t for c in schema.columns for t in c.cql_type.udts()))


def create_type_cql(t: CqlType, keyspace: str) -> str:
    fields = ", ".join(f"{quote(n)} {a.cql}" for n, a in zip(t.fields, t.args))
    return f"CREATE TYPE IF NOT EXISTS {quote(keyspace)}.{quote(t.name)} ({fields})"


def live_types_flow(keyspace: str) -> Flow[dict[str, dict[str, str]]]:
    """The keyspace's user-defined types as system_schema.types has them: {type: {field: type}}."""
    page: Page = yield RawRequest.where(
        "SELECT type_name, field_names, field_types FROM system_schema.types",
        keyspace_name=keyspace,
    )
    return {r[0]: dict(zip(r[1], r[2])) for r in page.rows}


def type_changes(
    types: list[CqlType], keyspace: str, existing: dict[str, dict[str, str]]
) -> list[SchemaChange]:
    """The changes that bring the live types `existing` to `types` (dependencies first):
    new types, new fields; a field whose type changed is a warning (CQL cannot change it)."""
    from coodie.ddl import SchemaChange

    out: list[SchemaChange] = []
    for t in types:
        qualified = f"{quote(keyspace)}.{quote(t.name)}"
        have = existing.get(t.name)
        if have is None:
            drop = f"DROP TYPE IF EXISTS {qualified}"
            out.append(SchemaChange("create_type", t.name, create_type_cql(t, keyspace), drop))
            continue
        for name, ftype in zip(t.fields, t.args):
            if name not in have:
                add = f"ALTER TYPE {qualified} ADD {quote(name)} {ftype.cql}"
                out.append(SchemaChange("add_field", t.name, add))
            elif normalize_cql_type(have[name]) != normalize_cql_type(ftype.cql):
                why = (
                    f"{t.py.__name__}.{name}: the type {t.name} has {have[name]}, the model says "
                    f"{ftype.cql}; CQL cannot change a field's type: migrate by hand"
                )
                out.append(SchemaChange("type_change", t.name, "", warning=why))
    return out
