"""CQL types, the markers that pick them, and the Python -> CQL type map."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import ipaddress
import re
import types as _types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any, Literal, Union, cast, get_args, get_origin
from uuid import UUID

import pydantic
from pydantic import BaseModel
from pydantic_core import core_schema

__all__ = [
    "Ascii",
    "BigInt",
    "CqlType",
    "Double",
    "Duration",
    "Frozen",
    "Json",
    "SmallInt",
    "Time",
    "TimeUUID",
    "TinyInt",
    "TypeMarker",
    "VarInt",
    "Vector",
    "cql_type_of",
]


@dataclass(frozen=True, slots=True)
class CqlType:
    """A CQL type: `name` with type arguments, optionally frozen."""

    name: str
    args: tuple[CqlType, ...] = ()
    frozen: bool = False
    # The Python type when it needs more than the CQL type says (an Enum, a Literal's
    # values, an aware datetime): it picks converters and value checks, not the CQL text.
    py: Any = field(default=None, compare=False, repr=False)
    # A user-defined type: its field names (`args` are their types, `py` the model class)
    fields: tuple[str, ...] = ()
    size: int = 0  # vector<float, size>

    @property
    def is_collection(self) -> bool:
        return self.name in ("list", "set", "map")

    @property
    def is_udt(self) -> bool:
        return bool(self.fields)

    @property
    def cql(self) -> str:
        if self.fields:
            text = quote_name(self.name)
        elif self.size:
            text = f"vector<{self.args[0].cql}, {self.size}>"
        elif self.args:
            text = f"{self.name}<{', '.join(a.cql for a in self.args)}>"
        else:
            text = self.name
        return f"frozen<{text}>" if self.frozen else text

    def udts(self) -> list[CqlType]:
        """The user-defined types this type uses, each after those its fields use."""
        out = [u for a in self.args for u in a.udts()]
        if self.fields:
            out.append(dataclasses.replace(self, frozen=False))
        return list(dict.fromkeys(out))

    def __str__(self) -> str:
        return self.cql


@dataclass(frozen=True, slots=True)
class TypeMarker:
    """Base of the `Annotated[...]` markers that choose a CQL type for a Python type:
    `class BigInt(TypeMarker, cql="bigint", py=(int,))` declares one."""

    cql_name: typing.ClassVar[str] = ""
    python_types: typing.ClassVar[tuple[type, ...]] = ()

    def __init_subclass__(cls, cql: str = "", py: tuple[type, ...] = ()) -> None:
        cls.cql_name, cls.python_types = cql, py


class BigInt(TypeMarker, cql="bigint", py=(int,)):
    """A 64-bit integer."""


class SmallInt(TypeMarker, cql="smallint", py=(int,)):
    """A 16-bit integer."""


class TinyInt(TypeMarker, cql="tinyint", py=(int,)):
    """An 8-bit integer."""


class VarInt(TypeMarker, cql="varint", py=(int,)):
    """An integer of any size."""


class Double(TypeMarker, cql="double", py=(float,)):
    """A 64-bit float (a plain `float` is 32-bit)."""


class Ascii(TypeMarker, cql="ascii", py=(str,)):
    """ASCII-only text."""


class TimeUUID(TypeMarker, cql="timeuuid", py=(UUID,)):
    """A version 1 (time-based) UUID."""


class Time(TypeMarker, cql="time", py=(_dt.time,)):
    """A time of day, to the nanosecond."""


@dataclass(frozen=True, slots=True)
class Vector:
    """A fixed-size vector: `Annotated[list[float], Vector(dimensions=3)]` -> vector<float, 3>.

    Documents refuse a list of another length (pydantic's ValidationError)."""

    dimensions: int

    def __post_init__(self) -> None:
        if not isinstance(self.dimensions, int) or isinstance(self.dimensions, bool):
            raise TypeError(f"Vector(dimensions=...) takes an int, got {self.dimensions!r}")
        if not 1 <= self.dimensions <= 8192:
            raise TypeError(f"Vector(dimensions={self.dimensions}): CQL vectors have 1 to 8192")

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        inner = schema
        while inner.get("type") in ("nullable", "default"):
            inner = inner["schema"]
        if inner.get("type") == "list":
            inner["min_length"] = inner["max_length"] = self.dimensions
        return schema


@dataclass(frozen=True, slots=True)
class Duration:
    """A CQL `duration`: months, days and nanoseconds, kept apart and exact (a month has
    no fixed number of days). The three have one sign, as the server requires."""

    months: int = 0
    days: int = 0
    nanoseconds: int = 0

    def __post_init__(self) -> None:
        parts = (self.months, self.days, self.nanoseconds)
        if any(not isinstance(p, int) or isinstance(p, bool) for p in parts):
            raise ValueError(f"Duration{parts}: months, days and nanoseconds are ints")
        if any(p > 0 for p in parts) and any(p < 0 for p in parts):
            raise ValueError(f"Duration{parts}: months, days and nanoseconds must have one sign")
        if not (-(2**31) <= self.months < 2**31 and -(2**31) <= self.days < 2**31):
            raise ValueError(f"Duration{parts}: months and days are 32-bit")
        if not -(2**63) <= self.nanoseconds < 2**63:
            raise ValueError(f"Duration{parts}: nanoseconds are 64-bit")

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        def coerce(v: Any) -> Duration:
            if isinstance(v, Duration):
                return v
            if isinstance(v, dict):
                return Duration(**v)
            if isinstance(v, (list, tuple)) and len(v) == 3:
                return Duration(*v)
            raise ValueError("a Duration, a (months, days, nanoseconds) tuple or such a dict")

        return core_schema.no_info_plain_validator_function(
            coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda d: {"months": d.months, "days": d.days, "nanoseconds": d.nanoseconds}
            ),
        )


def _duration_from_db(v: Any) -> Any:
    if isinstance(v, Duration) or v is None:
        return v
    return Duration(v.months, v.days, v.nanoseconds)  # the Python driver's Duration


@dataclass(frozen=True, slots=True)
class Json:
    """Store any pydantic-serialisable value as JSON text: `Annotated[Settings, Json()]`.
    Read back validated into the annotated type."""


class _JsonCodec:
    """The JSON converters of one annotation (a pydantic TypeAdapter, built once)."""

    def __init__(self, annotation: Any) -> None:
        self.adapter: Any = pydantic.TypeAdapter(annotation)

    def dump(self, v: Any) -> Any:
        return self.adapter.dump_json(v).decode()

    def load(self, v: Any) -> Any:
        return self.adapter.validate_json(v) if isinstance(v, (str, bytes)) else v


@dataclass(frozen=True, slots=True)
class CustomCql:
    """The escape hatch: `Annotated[X, CqlType("duration", to_db=..., from_db=...)]` names
    the column's CQL type as written, with converters for the values (identity if None).
    coodie checks nothing of such values: the driver must take what `to_db` returns."""

    cql: str
    to_db: Callable[[Any], Any] | None = None
    from_db: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.cql, str) or not re.fullmatch(
            r"[A-Za-z][A-Za-z0-9_<>, ]*", self.cql
        ):
            raise TypeError(f"CqlType({self.cql!r}): a CQL type name such as 'duration'")


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
    (Duration, "duration"),
)


_PYDANTIC_TYPES: dict[Any, CqlType] = {
    pydantic.AwareDatetime: CqlType("timestamp", py=pydantic.AwareDatetime),
    pydantic.NaiveDatetime: CqlType("timestamp"),
    pydantic.PastDatetime: CqlType("timestamp"),
    pydantic.FutureDatetime: CqlType("timestamp"),
    pydantic.PastDate: CqlType("date"),
    pydantic.FutureDate: CqlType("date"),
}


def _scalar_of_values(values: list[Any], what: str) -> str:
    """The CQL type that holds every one of `values` (a Literal's or an Enum's)."""
    if values and all(type(v) is bool for v in values):
        return "boolean"
    if values and all(isinstance(v, str) for v in values):
        return "text"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "bigint" if any(not -(2**31) <= v < 2**31 for v in values) else "int"
    raise UnsupportedType(
        f"{what}: its values must be all str, all int or all bool to map to one CQL type, "
        f"got {values!r}"
    )


_UDT_BUILDING: set[type] = set()


def snake_case(name: str) -> str:
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def quote_name(name: str) -> str:
    """Quote an identifier where CQL needs it (upper case, reserved words)."""
    if _UNQUOTED.match(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_UNQUOTED = re.compile(r"^[a-z][a-z0-9_]*$")
# Cassandra's reserved keywords (they need quoting as identifiers).
RESERVED = frozenset(
    """add aggregate allow alter and any apply asc authorize batch begin by columnfamily create
    default delete desc describe drop each_quorum entries execute from full grant if in index
    infinity insert into is keyspace keyspaces limit local_one local_quorum materialized mbean
    mbeans modify nan norecursive not null of on one or order password primary quorum rename
    replace revoke schema select set table three to token truncate two unlogged unset update
    use using view where with""".split()
)
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def normalize_cql_type(t: str) -> str:
    """A CQL type as system_schema writes it or coodie does, in one spelling to compare."""
    return t.replace(" ", "").replace('"', "").lower().replace("varchar", "text")


def udt_name(model: type) -> str:
    """The CQL name of the user-defined type a pydantic model maps to."""
    settings = model.__dict__.get("Settings")
    return getattr(settings, "name", None) or snake_case(model.__name__)


def udt_type(model: type) -> CqlType:
    """A pydantic model (a `UserType`, or any plain nested model) -> its user-defined type.
    Its fields are frozen where CQL needs it (UDTs and collections inside a UDT)."""
    cached = model.__dict__.get("__coodie_udt__")
    if cached is not None:
        return cast(CqlType, cached)
    if hasattr(model, "__coodie_build__"):
        raise UnsupportedType(
            f"{model.__name__} is a Document (a table), not a column type: nest a UserType "
            "or a plain pydantic model instead"
        )
    if model in _UDT_BUILDING:
        raise UnsupportedType(f"{model.__name__} contains itself: CQL types cannot be recursive")
    name = udt_name(model)
    if not IDENTIFIER.match(name):
        raise UnsupportedType(f"type name {name!r} of {model.__name__} is not a CQL identifier")
    fields = model.model_fields  # type: ignore[attr-defined]
    if not fields:
        raise UnsupportedType(f"{model.__name__} has no fields: a CQL type needs at least one")
    _UDT_BUILDING.add(model)
    try:
        names, types = [], []
        for fname, info in fields.items():
            if not IDENTIFIER.match(fname):
                raise UnsupportedType(f"{model.__name__}.{fname} is not a CQL identifier")
            try:
                types.append(cql_type_of(info.annotation, tuple(info.metadata), nested=True))
            except UnsupportedType as e:
                raise UnsupportedType(f"{model.__name__}.{fname}: {e}") from None
            names.append(fname)
    finally:
        _UDT_BUILDING.discard(model)
    t = CqlType(name, tuple(types), py=model, fields=tuple(names))
    type.__setattr__(model, "__coodie_udt__", t)
    return t


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


def unwrap(tp: Any, metadata: tuple[Any, ...] = ()) -> tuple[Any, tuple[Any, ...]]:
    """`Annotated[...]` and `Optional[...]` taken off an annotation: the type inside, and
    every marker (those given in `metadata` too)."""
    tp, more = split_annotated(tp)
    tp, inner = split_annotated(strip_optional(tp)[0])
    return tp, (*inner, *more, *metadata)


def cql_type_of(tp: Any, metadata: tuple[Any, ...] = (), *, nested: bool = False) -> CqlType:
    """The CQL type for a Python annotation and its `Annotated` markers.

    `nested` is true inside a collection, where CQL requires collections to be frozen.
    """
    tp, metadata = unwrap(tp, metadata)
    frozen = any(isinstance(m, Frozen) for m in metadata)
    custom = next((m for m in metadata if isinstance(m, CustomCql)), None)
    if custom is not None:
        return CqlType(custom.cql.strip(), py=custom)
    if any(isinstance(m, Json) for m in metadata):
        return CqlType("text", py=_JsonCodec(tp))
    vector = next((m for m in metadata if isinstance(m, Vector)), None)
    if vector is not None:
        if get_origin(tp) not in (list, typing.List) or get_args(tp) != (float,):  # noqa: UP006
            raise UnsupportedType(f"Vector() annotates list[float], not {tp!r}")
        return CqlType("vector", (CqlType("float"),), size=vector.dimensions)
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
    if origin is Literal:
        values = list(get_args(tp))
        if any(isinstance(v, enum.Enum) for v in values):
            raise UnsupportedType(f"{tp!r}: a Literal of enum members; annotate the Enum instead")
        return CqlType(_scalar_of_values(values, repr(tp)), py=frozenset(values))
    if origin is None:
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            values = [m.value for m in tp]
            return CqlType(_scalar_of_values(values, f"enum {tp.__name__}"), py=tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            udt = udt_type(tp)
            return dataclasses.replace(udt, frozen=frozen or nested)
        special = _PYDANTIC_TYPES.get(tp)
        if special is not None:
            return special
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


def _inet_from_db(v: Any) -> Any:
    return ipaddress.ip_address(v) if isinstance(v, str) else v


def _date_from_db(v: Any) -> Any:
    return v.date() if hasattr(v, "date") and not isinstance(v, _dt.date) else v


def _time_from_db(v: Any) -> Any:
    return v.time() if hasattr(v, "time") and not isinstance(v, _dt.time) else v


def converter_for(
    t: CqlType,
    leaf: Callable[[CqlType], Converter | None],
    rebuild: frozenset[str] = frozenset(),
    udt_out: Callable[[CqlType, dict[str, Any]], Any] | None = None,
) -> Converter | None:
    """A converter for values of type `t`: `leaf(type)` converts scalars, and collections
    and tuples apply it to their elements. Containers named in `rebuild` are rebuilt as
    builtins even when their elements need nothing."""
    if not t.args or t.size:  # (a vector is converted whole)
        return leaf(t)
    inner = [converter_for(a, leaf, rebuild, udt_out) for a in t.args]
    if t.is_udt:
        if not any(inner) and "udt" not in rebuild:
            return None
        return _udt_converter(t, inner, udt_out)
    if not any(inner) and t.name not in rebuild:
        return None
    return _container_converter(t, inner)


class UdtValue(dict):  # type: ignore[type-arg]
    """A user-defined type's value as the drivers bind it: a dict by field name (acsylla
    binds dicts), whose fields are also attributes (the Python driver reads them so; its
    first try, indexing by position, raises TypeError here as it expects)."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            raise TypeError("a UDT value is read by field name")
        return dict.__getitem__(self, key)

    def __getattr__(self, name: str) -> Any:
        try:
            return dict.__getitem__(self, name)
        except KeyError:
            raise AttributeError(name) from None


def _udt_converter(
    t: CqlType, inner: list[Converter | None], out: Callable[[CqlType, dict[str, Any]], Any] | None
) -> Converter:
    pairs = list(zip(t.fields, inner))
    make = out or (lambda _t, d: UdtValue(d))

    def convert(v: Any) -> Any:
        if v is None:
            return None
        get: Callable[[str], Any] = (
            v.get if isinstance(v, Mapping) else lambda n: getattr(v, n, None)
        )
        values = {}
        for name, c in pairs:
            x = get(name)
            values[name] = c(x) if c is not None and x is not None else x
        return make(t, values)

    return convert


def _udt_model(t: CqlType, values: dict[str, Any]) -> Any:
    """A UDT value read from a row -> the field's model, trusted like a row (the way
    model_construct builds one); fields the stored type lacks take their defaults."""
    fields = t.py.model_fields
    present = {
        k: v
        for k, v in values.items()
        if k in fields and (v is not None or fields[k].is_required())
    }
    return t.py.model_construct(**present)


def by_name(table: dict[str, Converter]) -> Callable[[CqlType], Converter | None]:
    """A `leaf` for `converter_for` that picks by CQL type name."""
    return lambda t: table.get(t.name)


def plain(v: Any) -> Any:
    """A scalar as the drivers bind it: enum members by value, addresses as text."""
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(v)
    return v


def _to_db_leaf(t: CqlType) -> Converter | None:
    if isinstance(t.py, type) and issubclass(t.py, enum.Enum):
        return plain
    if isinstance(t.py, _JsonCodec):
        return t.py.dump
    if isinstance(t.py, CustomCql):
        return t.py.to_db
    return _TO_DB.get(t.name)


def _aware_utc(v: Any) -> Any:
    return (
        v.replace(tzinfo=_dt.timezone.utc)
        if isinstance(v, _dt.datetime) and v.tzinfo is None
        else v
    )


def _from_db_leaf(t: CqlType) -> Converter | None:
    py = t.py
    if isinstance(py, type) and issubclass(py, enum.Enum):
        return py  # (the class: its value -> the member)
    if t.name == "timestamp" and py is not None:  # AwareDatetime: aware, in UTC
        return _aware_utc
    if isinstance(py, _JsonCodec):
        return py.load
    if isinstance(py, CustomCql):
        return py.from_db
    return _FROM_DB.get(t.name)


_TO_DB: dict[str, Converter] = {"inet": plain}  # (addresses as text)
_FROM_DB: dict[str, Converter] = {
    "duration": _duration_from_db,
    "inet": _inet_from_db,
    "date": _date_from_db,
    "time": _time_from_db,
}


def to_db_converter(t: CqlType) -> Converter | None:
    """Python value -> what the driver binds, for types the driver does not take as-is."""
    return converter_for(t, _to_db_leaf, frozenset({"udt"}))


def from_db_converter(t: CqlType) -> Converter | None:
    """Driver value -> what the pydantic field holds. The driver returns SortedSet and
    OrderedMapSerializedKey for sets and maps; pydantic wants builtins. Enum columns read
    back as members, AwareDatetime columns as aware datetimes in UTC."""
    return converter_for(t, _from_db_leaf, frozenset({"set", "map", "udt"}), _udt_model)


def _container_converter(t: CqlType, inner: list[Converter | None]) -> Converter:
    def ident(x: Any) -> Any:
        return x

    conv = [c or ident for c in inner]
    c0 = conv[0]
    if t.name == "list":
        return lambda v: None if v is None else [c0(x) for x in v]
    if t.name == "set" and t.frozen:  # hashable, so it can sit in a set or be a map key
        return lambda v: None if v is None else frozenset(c0(x) for x in v)
    if t.name == "set":
        return lambda v: None if v is None else {c0(x) for x in v}
    if t.name == "map":
        cv = conv[1]
        return lambda v: None if v is None else {c0(k): cv(x) for k, x in v.items()}
    return lambda v: None if v is None else tuple(c(x) for c, x in zip(conv, v))


# ---------------------------------------------------------------- value checks
# What a bound value must be for its CQL type, checked by coodie before anything is sent,
# the same on every driver (drivers differ: one raises a raw error, another converts
# silently). Values are checked as they are bound, after the converters above.

Check = Callable[[Any], bool]
# A value fits when isinstance(value, classinfo) and the extra predicate (if any) holds:
# most columns need the isinstance test alone, which costs no Python call.
ValueCheck = tuple[Any, "Check | None"]

_INT_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64, "counter": 64}
_FLOAT32_MAX = 3.4028234663852886e38


# A check written once, as a Python expression of a value `{v}`: its function (made
# from that text), and the text itself, which the compiler's generated binders write
# out inline (no call per value).
CHECK_SOURCE: dict[Check, str] = {}


def _expression_check(expr: str) -> Check:
    check: Check = eval(f"lambda v: {expr.format(v='v')}")  # (our own text, no input)
    CHECK_SOURCE[check] = expr
    return check


def _int_range(bits: int) -> Check:
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return _expression_check(f"type({{v}}) is not bool and {lo} <= {{v}} <= {hi}")


_not_bool = _expression_check("type({v}) is not bool")


def _float32(v: Any) -> bool:
    return type(v) is not bool and (not abs(v) > _FLOAT32_MAX or v in (_INF, -_INF))


_INF = float("inf")


def _inet(v: str) -> bool:
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


_SCALAR_CHECKS: dict[str, ValueCheck] = {
    "boolean": (bool, None),
    "varint": (int, _not_bool),
    "float": ((int, float), _float32),
    "double": ((int, float), _not_bool),
    "decimal": ((Decimal, int), _not_bool),
    "text": (str, None),
    "varchar": (str, None),
    "ascii": (str, str.isascii),
    "blob": ((bytes, bytearray, memoryview), None),
    "uuid": (UUID, None),
    "timeuuid": (UUID, lambda v: v.version == 1),
    "timestamp": (_dt.datetime, None),
    "date": (_dt.date, lambda v: not isinstance(v, _dt.datetime)),
    "time": (_dt.time, None),
    "inet": (str, _inet),
    "duration": (Duration, None),
    **{name: (int, _int_range(bits)) for name, bits in _INT_BITS.items()},
}


def _fits(check: ValueCheck) -> Check:
    cls, extra = check
    if extra is None:
        return lambda v: isinstance(v, cls)
    return lambda v: isinstance(v, cls) and extra(v)


def _all_fit(check: ValueCheck) -> Check:
    """A predicate on an iterable: every element fits `check` (None never does: CQL
    collections hold no nulls)."""
    cls, extra = check
    if extra is None and cls is not object:
        # isinstance mapped over the elements runs without a Python call per element
        return lambda xs: all(map(isinstance, xs, repeat(cls)))
    fits = _fits(check)
    return lambda xs: all(x is not None and fits(x) for x in xs)


def value_check(t: CqlType) -> ValueCheck:
    """What a bound value of type `t` must be: (classinfo, extra predicate or None).
    None itself is left to the null rules."""
    py = t.py
    if isinstance(py, CustomCql):  # the escape hatch: the driver takes what to_db returns
        return object, None
    if not t.args:
        cls, extra = _SCALAR_CHECKS.get(t.name, (object, None))
        allowed: frozenset[Any] | None = None
        if isinstance(py, type) and issubclass(py, enum.Enum):
            allowed = frozenset(m.value for m in py)
        elif isinstance(py, frozenset):  # a Literal's values
            allowed = py
        if allowed is None:
            return cls, extra
        base = extra
        return cls, lambda v: (base is None or base(v)) and v in allowed
    if t.size:
        n = t.size
        return (
            list,
            tuple,
        ), lambda v: len(v) == n and all(map(isinstance, v, repeat((int, float))))
    checks = [value_check(a) for a in t.args]
    inner = [_fits(c) for c in checks]
    if t.is_udt:
        fields = list(zip(t.fields, inner))
        return (
            dict,
            lambda v: (
                all(v.get(n) is None or ok(v.get(n)) for n, ok in fields)
                and set(v) <= set(t.fields)
            ),
        )
    if t.name in ("list", "set"):
        kind = (list, tuple) if t.name == "list" else (set, frozenset)
        return kind, _all_fit(checks[0])
    if t.name == "map":
        keys_fit, values_fit = (_all_fit(c) for c in checks)
        return dict, lambda v: keys_fit(v.keys()) and values_fit(v.values())
    if t.name == "tuple":
        n = len(inner)
        return tuple, lambda v: len(v) == n and all(x is None or c(x) for c, x in zip(inner, v))
    return object, None


def describe(t: CqlType) -> str:
    """`t` as an error message names it, with the values an Enum or Literal allows."""
    py = t.py
    if isinstance(py, type) and issubclass(py, enum.Enum):
        return f"{t.cql} ({py.__name__}: one of {', '.join(sorted(repr(m.value) for m in py))})"
    if isinstance(py, frozenset):
        return f"{t.cql} (one of {', '.join(sorted(repr(v) for v in py))})"
    return t.cql
