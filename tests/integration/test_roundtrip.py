"""Random documents over every type of the spec's tables read back equal."""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import uuid
from decimal import Decimal
from typing import Annotated, Literal, Optional
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime

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


class Status(str, enum.Enum):
    active = "active"
    banned = "banned"


class Level(enum.IntEnum):
    low = 1
    high = 3


class Color(enum.Enum):
    red = "r"
    blue = "b"


class AllTypes(Document):
    id: Annotated[UUID, PrimaryKey()]
    text: str = ""
    ascii: Annotated[str, Ascii()] = ""
    i32: int = 0
    i64: Annotated[int, BigInt()] = 0
    i16: Annotated[int, SmallInt()] = 0
    i8: Annotated[int, TinyInt()] = 0
    big: Annotated[int, VarInt()] = 0
    f32: float = 0.0
    f64: Annotated[float, Double()] = 0.0
    flag: bool = False
    tuuid: Annotated[Optional[UUID], TimeUUID()] = None
    ts: Optional[dt.datetime] = None
    day: Optional[dt.date] = None
    clock: Annotated[Optional[dt.time], Time()] = None
    blob: bytes = b""
    ip4: Optional[ipaddress.IPv4Address] = None
    ip6: Optional[ipaddress.IPv6Address] = None
    ints: list[int] = []
    names: set[str] = set()
    counts: dict[str, int] = {}
    pair: Optional[tuple[int, str]] = None
    frozen_ints: Annotated[list[int], Frozen()] = []
    nested: dict[str, list[int]] = {}
    maybe: Optional[str] = None
    status: Status = Status.active
    level: Level = Level.low
    color: Color = Color.red
    kind: Literal["x", "y"] = "x"
    statuses: set[Status] = set()
    levels: dict[Color, list[Level]] = {}
    at: Optional[AwareDatetime] = None

    class Settings:
        name = "it_all_types"


class Amounts(Document):
    """Decimals: exact on the scylla driver; refused on acsylla (see test_cross_driver)."""

    id: Annotated[UUID, PrimaryKey()]
    dec: Optional[Decimal] = None
    decs: list[Decimal] = []

    class Settings:
        name = "it_amounts"


@pytest.fixture(scope="module", autouse=True)
def table() -> None:
    AllTypes.sync_table()
    Amounts.sync_table()


I32 = st.integers(-(2**31), 2**31 - 1)
# CQL timestamps have millisecond precision; the driver reads them back as naive UTC.
TIMESTAMPS = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)
docs = st.builds(
    AllTypes,
    id=st.uuids(),
    text=st.text(max_size=50),
    # NUL is left out: acsylla refuses it in ascii columns (test_acsylla_refuses_nul_in_ascii)
    ascii=st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=127), max_size=20),
    i32=I32,
    i64=st.integers(-(2**63), 2**63 - 1),
    i16=st.integers(-(2**15), 2**15 - 1),
    i8=st.integers(-128, 127),
    big=st.integers(-(10**40), 10**40),
    f32=st.floats(width=32, allow_nan=False),  # CQL float is 32-bit
    f64=st.floats(allow_nan=False),
    flag=st.booleans(),
    tuuid=st.none() | st.builds(uuid.uuid1),
    ts=st.none() | TIMESTAMPS,
    day=st.none() | st.dates(),
    clock=st.none() | st.times(),
    blob=st.binary(max_size=64),
    ip4=st.none() | st.ip_addresses(v=4),
    ip6=st.none() | st.ip_addresses(v=6),
    ints=st.lists(I32, max_size=5),
    names=st.sets(st.text(max_size=8), max_size=5),
    counts=st.dictionaries(st.text(max_size=8), I32, max_size=5),
    pair=st.none() | st.tuples(I32, st.text(max_size=8)),
    frozen_ints=st.lists(I32, max_size=5),
    nested=st.dictionaries(st.text(max_size=5), st.lists(I32, max_size=3), max_size=3),
    maybe=st.none() | st.text(max_size=10),
    status=st.sampled_from(Status),
    level=st.sampled_from(Level),
    color=st.sampled_from(Color),
    kind=st.sampled_from(["x", "y"]),
    statuses=st.sets(st.sampled_from(Status)),
    levels=st.dictionaries(st.sampled_from(Color), st.lists(st.sampled_from(Level), max_size=3)),
    at=st.none()
    | st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [
                dt.timezone.utc,
                dt.timezone(dt.timedelta(hours=-7)),
                dt.timezone(dt.timedelta(hours=5, minutes=45)),
            ]
        ),
    ).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
)


def _same_types(a: object, b: object) -> bool:
    """`a` and `b` have the same Python types, inside containers too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return all(
            _same_types(k1, k2) and _same_types(v1, v2)
            for (k1, v1), (k2, v2) in zip(sorted(a.items(), key=repr), sorted(b.items(), key=repr))  # type: ignore[attr-defined]
        )
    if isinstance(a, (list, tuple)):
        return all(_same_types(x, y) for x, y in zip(a, b))  # type: ignore[call-overload]
    if isinstance(a, (set, frozenset)):
        return all(_same_types(x, y) for x, y in zip(sorted(a, key=repr), sorted(b, key=repr)))  # type: ignore[call-overload]
    return True


@settings(max_examples=60)
@given(docs)
def test_documents_round_trip(doc: AllTypes) -> None:
    """Every field reads back equal, with the same Python type (enums as members, aware
    datetimes aware in UTC), on the driver the suite runs with."""
    doc.save()
    got = AllTypes.get(id=doc.id)
    assert got == doc
    for f in AllTypes.model_fields:
        assert getattr(got, f) == getattr(doc, f), f
        assert _same_types(getattr(got, f), getattr(doc, f)), (
            f,
            getattr(got, f),
            getattr(doc, f),
        )
    if doc.at is not None:
        assert got.at is not None and got.at.tzinfo == dt.timezone.utc


@settings(max_examples=30)
@given(
    st.builds(
        Amounts,
        id=st.uuids(),
        dec=st.none() | st.decimals(allow_nan=False, allow_infinity=False),
        decs=st.lists(st.decimals(allow_nan=False, allow_infinity=False), max_size=3),
    )
)
def test_decimals_round_trip_exactly_or_are_refused(coodie_driver: object, doc: Amounts) -> None:
    from coodie.exceptions import ConfigurationError

    if type(coodie_driver).__name__ == "AcsyllaDriver":
        with pytest.raises(ConfigurationError, match="acsylla cannot carry decimal"):
            doc.save()
        return
    doc.save()
    got = Amounts.get(id=doc.id)
    assert got == doc
    assert [d.as_tuple() for d in got.decs] == [d.as_tuple() for d in doc.decs]
    if doc.dec is not None:
        assert got.dec is not None and got.dec.as_tuple() == doc.dec.as_tuple()


def test_float_columns_hold_32_bits() -> None:
    """`float` maps to CQL float as the spec says: 0.1 reads back as its float32 value."""
    doc = AllTypes(id=uuid.uuid4(), f32=0.1, f64=0.1)
    doc.save()
    got = AllTypes.get(id=doc.id)
    assert got.f64 == 0.1
    assert got.f32 != 0.1 and abs(got.f32 - 0.1) < 1e-7


def test_nul_in_ascii_is_stored_or_refused_never_cut(coodie_driver: object) -> None:
    """The Python driver stores it; acsylla would cut the value at the NUL, so coodie
    refuses the write with a clear error instead of losing data."""
    from coodie.exceptions import InvalidQueryError

    doc = AllTypes(id=uuid.uuid4(), ascii="a\x00b")
    if type(coodie_driver).__name__ == "AcsyllaDriver":
        with pytest.raises(
            InvalidQueryError, match="cannot store a NUL character in an ascii column"
        ):
            doc.save()
        assert AllTypes.find_one(id=doc.id) is None
    else:
        doc.save()
        assert AllTypes.get(id=doc.id).ascii == "a\x00b"
