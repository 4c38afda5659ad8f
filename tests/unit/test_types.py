"""Python annotation -> CQL type, for every mapping and marker the spec lists."""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from decimal import Decimal
from typing import Annotated, Optional
from uuid import UUID

import pytest

from coodie.exceptions import SchemaError
from coodie.fields import (
    Ascii,
    BigInt,
    Double,
    Frozen,
    PrimaryKey,
    SmallInt,
    Time,
    TimeUUID,
    TinyInt,
    VarInt,
)
from coodie.sync import Document
from coodie.types import UnsupportedType, cql_type_of


@pytest.mark.parametrize(
    ("annotation", "cql"),
    [
        (str, "text"),
        (int, "int"),
        (float, "float"),
        (bool, "boolean"),
        (UUID, "uuid"),
        (dt.datetime, "timestamp"),
        (dt.date, "date"),
        (dt.time, "time"),
        (Decimal, "decimal"),
        (bytes, "blob"),
        (ipaddress.IPv4Address, "inet"),
        (ipaddress.IPv6Address, "inet"),
        (list[int], "list<int>"),
        (set[str], "set<text>"),
        (dict[str, int], "map<text, int>"),
        (tuple[int, str], "frozen<tuple<int, text>>"),
        (tuple[int, str, float], "frozen<tuple<int, text, float>>"),
        (Optional[int], "int"),
        (int | None, "int"),
        (list[list[int]], "list<frozen<list<int>>>"),
        (dict[str, set[int]], "map<text, frozen<set<int>>>"),
        (set[tuple[int, str]], "set<frozen<tuple<int, text>>>"),
        (list[dict[str, list[int]]], "list<frozen<map<text, frozen<list<int>>>>>"),
        (frozenset[int], "frozen<set<int>>"),
        (Optional[list[str]], "list<text>"),
    ],
)
def test_python_types_map_to_cql(annotation: object, cql: str) -> None:
    assert cql_type_of(annotation).cql == cql


@pytest.mark.parametrize(
    ("annotation", "cql"),
    [
        (Annotated[int, BigInt()], "bigint"),
        (Annotated[int, SmallInt()], "smallint"),
        (Annotated[int, TinyInt()], "tinyint"),
        (Annotated[int, VarInt()], "varint"),
        (Annotated[float, Double()], "double"),
        (Annotated[str, Ascii()], "ascii"),
        (Annotated[UUID, TimeUUID()], "timeuuid"),
        (Annotated[dt.time, Time()], "time"),
        (Annotated[list[int], Frozen()], "frozen<list<int>>"),
        (Annotated[dict[str, int], Frozen()], "frozen<map<text, int>>"),
        (Annotated[tuple[int, int], Frozen()], "frozen<tuple<int, int>>"),
        (Optional[Annotated[int, BigInt()]], "bigint"),
        (list[Annotated[int, BigInt()]], "list<bigint>"),
        (dict[Annotated[str, Ascii()], Annotated[float, Double()]], "map<ascii, double>"),
    ],
)
def test_markers_choose_cql_types(annotation: object, cql: str) -> None:
    assert cql_type_of(annotation).cql == cql


@pytest.mark.parametrize(
    ("annotation", "needle"),
    [
        (object, "no CQL type"),
        (complex, "no CQL type"),
        (int | str, "one type"),
        (tuple[int, ...], "fixed arity"),
        (Annotated[str, BigInt()], "BigInt() maps to bigint and needs a int"),
        (Annotated[bool, BigInt()], "needs a int"),
        (Annotated[int, BigInt(), SmallInt()], "several type markers"),
        (Annotated[float, Ascii()], "needs a str"),
    ],
)
def test_unsupported_annotations_are_rejected(annotation: object, needle: str) -> None:
    with pytest.raises(UnsupportedType, match=needle.replace("(", r"\(").replace(")", r"\)")):
        cql_type_of(annotation)


def test_unsupported_field_fails_at_class_definition_naming_class_and_field() -> None:
    with pytest.raises(SchemaError, match=r"Bad\.payload: no CQL type for 'complex'"):

        class Bad(Document):
            id: Annotated[int, PrimaryKey()]
            payload: complex

            class Settings:
                keyspace = "ks"


# ---------------------------------------------------------------- value checks (issue 12.2)


def _fits(annotation: object, value: object) -> bool:
    from coodie.types import to_db_converter, value_check

    t = cql_type_of(annotation)
    conv = to_db_converter(t)
    v = conv(value) if conv else value
    cls, extra = value_check(t)
    return isinstance(v, cls) and (extra is None or extra(v))


@pytest.mark.parametrize(
    ("annotation", "good", "bad"),
    [
        (int, [0, -(2**31), 2**31 - 1], [1.5, "7", True, 2**31]),
        (Annotated[int, BigInt()], [2**63 - 1], [2**63, 1.0]),
        (Annotated[int, TinyInt()], [-128, 127], [128]),
        (float, [1.5, 3, float("inf")], ["1.5", True, 1e39]),
        (str, ["", "x"], [1, b"x"]),
        (Annotated[str, Ascii()], ["abc"], ["é"]),
        (bool, [True, False], [1, 0]),
        (UUID, [uuid.uuid4()], ["00000000-0000-0000-0000-000000000000"]),
        (Annotated[UUID, TimeUUID()], [uuid.uuid1()], [uuid.uuid4()]),
        (dt.datetime, [dt.datetime(2024, 1, 1)], [dt.date(2024, 1, 1), 0]),
        (dt.date, [dt.date(2024, 1, 1)], [dt.datetime(2024, 1, 1)]),
        (Decimal, [Decimal("1.5"), 2], [1.5]),
        (bytes, [b"x", bytearray(b"x")], ["x"]),
        (ipaddress.IPv4Address, [ipaddress.IPv4Address("1.2.3.4"), "1.2.3.4"], ["not-an-ip", 1]),
        (list[int], [[1, 2], []], [[1, "2"], [None], {1}, "12"]),
        (set[str], [{"a"}, frozenset()], [["a"], {1}]),
        (dict[str, int], [{"a": 1}], [{"a": "1"}, {1: 1}, [("a", 1)]]),
        (tuple[int, str], [(1, "a"), (None, "a")], [(1,), (1, 2), [1, "a"]]),
    ],
)
def test_values_are_checked_against_their_cql_type(
    annotation: object, good: list[object], bad: list[object]
) -> None:
    for v in good:
        assert _fits(annotation, v), v
    for v in bad:
        assert not _fits(annotation, v), v


def test_enum_and_literal_columns_take_their_members_and_values_only() -> None:
    import enum
    from typing import Literal

    class Color(enum.Enum):
        red = "r"
        blue = "b"

    class Level(enum.IntEnum):
        low = 1

    assert cql_type_of(Color).cql == "text"
    assert cql_type_of(Level).cql == "int"
    assert cql_type_of(Literal["a", "b"]).cql == "text"
    assert cql_type_of(Literal[1, 2**40]).cql == "bigint"
    assert _fits(Color, Color.red) and _fits(Color, "b")
    assert not _fits(Color, "red") and not _fits(Color, 1)
    assert _fits(Literal["a", "b"], "a") and not _fits(Literal["a", "b"], "c")
    assert _fits(list[Color], [Color.blue, "r"]) and not _fits(list[Color], ["x"])
    with pytest.raises(UnsupportedType, match="all str, all int or all bool"):
        cql_type_of(Literal["a", 1])


def test_the_escape_hatch_is_not_checked() -> None:
    """`CqlType("duration", to_db=...)`: the driver takes what to_db returns, whatever
    type coodie would otherwise expect for that name."""
    from coodie.fields import CqlType
    from coodie.types import value_check

    t = cql_type_of(Annotated[dt.timedelta, CqlType("duration", to_db=lambda d: ("any", d))])
    assert t.cql == "duration"
    assert value_check(t) == (object, None)
