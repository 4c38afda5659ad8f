"""CQL types, the markers that pick them, and the Python -> CQL type map."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import types as _types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union, get_args, get_origin
from uuid import UUID

__all__ = [
    "Ascii",
    "BigInt",
    "CqlType",
    "Double",
    "Frozen",
    "SmallInt",
    "Time",
    "TimeUUID",
    "TinyInt",
    "TypeMarker",
    "VarInt",
    "cql_type_of",
]


@dataclass(frozen=True, slots=True)
class CqlType:
    """A CQL type: `name` with type arguments, optionally frozen."""

    name: str
    args: tuple[CqlType, ...] = ()
    frozen: bool = False

    @property
    def is_collection(self) -> bool:
        return self.name in ("list", "set", "map")

    @property
    def cql(self) -> str:
        text = f"{self.name}<{', '.join(a.cql for a in self.args)}>" if self.args else self.name
        return f"frozen<{text}>" if self.frozen else text

    def __str__(self) -> str:
        return self.cql


@dataclass(frozen=True, slots=True)
class TypeMarker:
    """Base of the `Annotated[...]` markers that choose a CQL type for a Python type."""

    cql_name: typing.ClassVar[str] = ""
    python_types: typing.ClassVar[tuple[type, ...]] = ()


@dataclass(frozen=True, slots=True)
class BigInt(TypeMarker):
    cql_name = "bigint"
    python_types = (int,)


@dataclass(frozen=True, slots=True)
class SmallInt(TypeMarker):
    cql_name = "smallint"
    python_types = (int,)


@dataclass(frozen=True, slots=True)
class TinyInt(TypeMarker):
    cql_name = "tinyint"
    python_types = (int,)


@dataclass(frozen=True, slots=True)
class VarInt(TypeMarker):
    cql_name = "varint"
    python_types = (int,)


@dataclass(frozen=True, slots=True)
class Double(TypeMarker):
    cql_name = "double"
    python_types = (float,)


@dataclass(frozen=True, slots=True)
class Ascii(TypeMarker):
    cql_name = "ascii"
    python_types = (str,)


@dataclass(frozen=True, slots=True)
class TimeUUID(TypeMarker):
    cql_name = "timeuuid"
    python_types = (UUID,)


@dataclass(frozen=True, slots=True)
class Time(TypeMarker):
    cql_name = "time"
    python_types = (_dt.time,)


@dataclass(frozen=True, slots=True)
class Frozen:
    """Freeze a collection, tuple or nested type: `Annotated[list[int], Frozen()]`."""


# Order matters: bool is an int, datetime is a date.
_SCALARS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (str, "text"),
    (int, "int"),
    (float, "float"),
    (UUID, "uuid"),
    (_dt.datetime, "timestamp"),
    (_dt.date, "date"),
    (_dt.time, "time"),
    (Decimal, "decimal"),
    (bytes, "blob"),
    (ipaddress.IPv4Address, "inet"),
    (ipaddress.IPv6Address, "inet"),
)


class UnsupportedType(TypeError):
    """Raised by `cql_type_of`; the schema turns it into a SchemaError naming the field."""


def strip_optional(tp: Any) -> tuple[Any, bool]:
    """`Optional[X]` / `X | None` -> (X, True); anything else -> (tp, False)."""
    origin = get_origin(tp)
    if origin is Union or origin is _types.UnionType:
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
        raise UnsupportedType(
            f"union {tp!r}: CQL columns have one type (only Optional[X] is allowed)"
        )
    return tp, False


def split_annotated(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(tp) is typing.Annotated:
        base, *meta = get_args(tp)
        inner, more = split_annotated(base)
        return inner, (*more, *meta)
    return tp, ()


def cql_type_of(tp: Any, metadata: tuple[Any, ...] = (), *, nested: bool = False) -> CqlType:
    """The CQL type for a Python annotation and its `Annotated` markers.

    `nested` is true inside a collection, where CQL requires collections to be frozen.
    """
    tp, more = split_annotated(tp)
    metadata = (*more, *metadata)
    tp, _ = strip_optional(tp)
    tp, more = split_annotated(tp)
    metadata = (*more, *metadata)
    frozen = any(isinstance(m, Frozen) for m in metadata)
    markers = [m for m in metadata if isinstance(m, TypeMarker)]
    if len(markers) > 1:
        raise UnsupportedType(f"several type markers {markers}: pick one")
    if markers:
        marker = markers[0]
        if not (isinstance(tp, type) and issubclass(tp, marker.python_types)) or tp is bool:
            wanted = " or ".join(t.__name__ for t in marker.python_types)
            raise UnsupportedType(
                f"{type(marker).__name__}() maps to {marker.cql_name} and needs a {wanted} "
                f"annotation, not {getattr(tp, '__name__', tp)!r}"
            )
        return CqlType(marker.cql_name)
    origin = get_origin(tp)
    if origin is None:
        if isinstance(tp, type):
            for py, name in _SCALARS:
                if issubclass(tp, py):
                    return CqlType(name)
        raise UnsupportedType(f"no CQL type for {getattr(tp, '__name__', tp)!r}")
    args = get_args(tp)
    if origin in (list, typing.List, set, typing.Set, frozenset, typing.FrozenSet):  # noqa: UP006
        if len(args) != 1:
            raise UnsupportedType(f"{tp!r} needs one element type, e.g. list[int]")
        name = "list" if origin in (list, typing.List) else "set"  # noqa: UP006
        elem = cql_type_of(args[0], nested=True)
        return CqlType(name, (elem,), frozen or nested or origin is frozenset)
    if origin in (dict, typing.Dict):  # noqa: UP006
        if len(args) != 2:
            raise UnsupportedType(f"{tp!r} needs key and value types, e.g. dict[str, int]")
        k, v = (cql_type_of(a, nested=True) for a in args)
        return CqlType("map", (k, v), frozen or nested)
    if origin in (tuple, typing.Tuple):  # noqa: UP006
        if not args or Ellipsis in args or args == ((),):
            raise UnsupportedType(
                f"{tp!r}: CQL tuples have a fixed arity; list each element type, e.g. tuple[int, str]"
            )
        # Tuples are always frozen in CQL (the server reports frozen<tuple<...>>).
        return CqlType("tuple", tuple(cql_type_of(a, nested=True) for a in args), True)
    raise UnsupportedType(f"no CQL type for {tp!r}")


# ---------------------------------------------------------------- value conversion
# Converters are chosen once per column when the schema is built; `None` means identity.

Converter = Callable[[Any], Any]


def _inet_to_db(v: Any) -> Any:
    return str(v) if isinstance(v, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else v


def _inet_from_db(v: Any) -> Any:
    return ipaddress.ip_address(v) if isinstance(v, str) else v


def _date_from_db(v: Any) -> Any:
    return v.date() if hasattr(v, "date") and not isinstance(v, _dt.date) else v


def _time_from_db(v: Any) -> Any:
    return v.time() if hasattr(v, "time") and not isinstance(v, _dt.time) else v


def converter_for(
    t: CqlType, leaf: Callable[[str], Converter | None], rebuild: frozenset[str] = frozenset()
) -> Converter | None:
    """A converter for values of type `t`: `leaf(type name)` converts scalars, and
    collections and tuples apply it to their elements. Containers named in `rebuild` are
    rebuilt as builtins even when their elements need nothing."""
    if not t.args:
        return leaf(t.name)
    inner = [converter_for(a, leaf, rebuild) for a in t.args]
    if not any(inner) and t.name not in rebuild:
        return None
    return _container_converter(t, inner)


_TO_DB: dict[str, Converter] = {"inet": _inet_to_db}
_FROM_DB: dict[str, Converter] = {
    "inet": _inet_from_db,
    "date": _date_from_db,
    "time": _time_from_db,
}


def to_db_converter(t: CqlType) -> Converter | None:
    """Python value -> what the driver binds, for types the driver does not take as-is."""
    return converter_for(t, _TO_DB.get)


def from_db_converter(t: CqlType) -> Converter | None:
    """Driver value -> what the pydantic field accepts. The driver returns SortedSet and
    OrderedMapSerializedKey for sets and maps; pydantic wants builtins."""
    return converter_for(t, _FROM_DB.get, frozenset({"set", "map"}))


def _container_converter(t: CqlType, inner: list[Converter | None]) -> Converter:
    def ident(x: Any) -> Any:
        return x

    conv = [c or ident for c in inner]
    if t.name == "list":
        c0 = conv[0]
        return lambda v: None if v is None else [c0(x) for x in v]
    if t.name == "set" and t.frozen:  # hashable, so it can sit in a set or be a map key
        c0 = conv[0]
        return lambda v: None if v is None else frozenset(c0(x) for x in v)
    if t.name == "set":
        c0 = conv[0]
        return lambda v: None if v is None else {c0(x) for x in v}
    if t.name == "map":
        ck, cv = conv
        return lambda v: None if v is None else {ck(k): cv(x) for k, x in v.items()}
    return lambda v: None if v is None else tuple(c(x) for c, x in zip(conv, v))
