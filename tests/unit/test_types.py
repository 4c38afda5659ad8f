"""Python annotation -> CQL type, for every mapping and marker the spec lists."""

from __future__ import annotations

import datetime as dt
import ipaddress
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
