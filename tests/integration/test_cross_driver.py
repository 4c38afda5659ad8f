"""What one driver writes, the other reads back unchanged, and the server agrees.

Every supported type is written through coodie on driver A and read through coodie on
driver B, for all four pairs of the scylla driver and acsylla. Each stored value is also
read by the server itself, as `CAST(column AS text)` (or `toJson(column)` for blobs and
collections, which CAST does not take), and compared with the text written here by hand.
A round trip through one driver proves nothing: acsylla once stored Decimal("1.25") as
8251110.93 and read its own bytes back as 1.25.
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import AwareDatetime, BaseModel

from coodie.exceptions import ConfigurationError
from coodie.fields import (
    Ascii,
    BigInt,
    Double,
    PrimaryKey,
    SmallInt,
    Time,
    TimeUUID,
    TinyInt,
    VarInt,
    Vector,
)
from coodie.registry import unregister_driver
from coodie.sync import Document, init_coodie
from tests.integration.conftest import _contact_points, driver_options

DRIVERS = ("scylla", "acsylla")
PAIRS = [(w, r) for w in DRIVERS for r in DRIVERS]
UTC = dt.timezone.utc


class Status(str, enum.Enum):
    active = "active"
    banned = "banned"


class Level(enum.IntEnum):
    low = 1
    high = 3


class Color(enum.Enum):
    red = "r"
    blue = "b"


class Spot(BaseModel):
    x: int
    y: int = 0


class Place(BaseModel):
    name: str
    spot: Optional[Spot] = None
    level: Level = Level.low


def models(which: str) -> tuple[type[Document], type[Document]]:
    """The two test tables, as models bound to the named driver `xd_<driver>`."""

    class AllTypes(Document):
        id: Annotated[uuid.UUID, PrimaryKey()]
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
        uid: Optional[uuid.UUID] = None
        tuid: Annotated[Optional[uuid.UUID], TimeUUID()] = None
        ts: Optional[dt.datetime] = None
        ts_aware: Optional[AwareDatetime] = None
        day: Optional[dt.date] = None
        clock: Annotated[Optional[dt.time], Time()] = None
        ip4: Optional[ipaddress.IPv4Address] = None
        ip6: Optional[ipaddress.IPv6Address] = None
        status: Status = Status.active
        level: Level = Level.low
        color: Color = Color.red
        kind: Literal["x", "y"] = "x"
        blob: bytes = b""
        ints: list[int] = []
        names: set[str] = set()
        counts: dict[str, int] = {}
        pair: Optional[tuple[int, str]] = None
        statuses: set[Status] = set()
        place: Optional[Place] = None
        places: list[Place] = []
        emb: Annotated[list[float], Vector(dimensions=2)] = [0.0, 0.0]

        class Settings:
            name = "xd_all_types"
            driver = f"xd_{which}"

    class Money(Document):
        id: Annotated[uuid.UUID, PrimaryKey()]
        amount: Optional[Decimal] = None

        class Settings:
            name = "xd_money"
            driver = f"xd_{which}"

    return AllTypes, Money


@pytest.fixture(scope="module")
def drivers(keyspace: str) -> Iterator[dict[str, tuple[type[Document], type[Document]]]]:
    hosts, port = _contact_points()
    opened = {
        d: init_coodie(
            hosts=hosts,
            keyspace=keyspace,
            port=port,
            driver_type=d,
            name=f"xd_{d}",
            **driver_options(d),  # (on a cluster: the levels the suite runs at)
        )
        for d in DRIVERS
    }
    by_driver = {d: models(d) for d in DRIVERS}
    by_driver["scylla"][0].sync_table()
    by_driver["scylla"][1].sync_table()
    yield by_driver
    for d, driver in opened.items():
        unregister_driver(f"xd_{d}")
        driver.shutdown()


# Each row: field -> (value written, the server's text for it, or None where neither CAST
# nor toJson applies). Texts are the server's formats: Java's number formatting, ISO
# timestamps in UTC with milliseconds, times with nanoseconds, IPv6 uncompressed.
ROWS: list[dict[str, tuple[Any, str | None]]] = [
    {
        "text": ("héllo ✓ \x00 end", None),
        "ascii": ("plain ascii", "plain ascii"),
        "i32": (-2147483648, "-2147483648"),
        "i64": (9223372036854775807, "9223372036854775807"),
        "i16": (-32768, "-32768"),
        "i8": (127, "127"),
        "big": (-(10**30) - 7, "-1000000000000000000000000000007"),
        "f32": (0.5, "0.5"),
        "f64": (-2.5e-300, "-2.5E-300"),
        "flag": (True, "true"),
        "uid": (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "12345678-1234-5678-1234-567812345678",
        ),
        "tuid": (
            uuid.UUID("cfdfdb50-ec71-11f1-9939-3bb3f6185d3e"),
            "cfdfdb50-ec71-11f1-9939-3bb3f6185d3e",
        ),
        "ts": (dt.datetime(1969, 12, 31, 23, 59, 59, 123000), "1969-12-31T23:59:59.123Z"),
        "ts_aware": (
            dt.datetime(
                2024, 2, 29, 12, 0, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
            ),
            "2024-02-29T06:30:00.250Z",
        ),
        "day": (dt.date(1900, 2, 3), "1900-02-03"),
        "clock": (dt.time(6, 7, 8, 123456), "06:07:08.123456000"),
        "ip4": (ipaddress.IPv4Address("10.1.2.3"), "10.1.2.3"),
        "ip6": (ipaddress.IPv6Address("2001:db8::1"), "2001:db8:0:0:0:0:0:1"),
        "status": (Status.banned, None),
        "level": (Level.high, "3"),
        "color": (Color.blue, None),
        "kind": ("y", None),
        "blob": (b"\x00\xff", '"0x00ff"'),
        "ints": ([1, -2], "[1, -2]"),
        "names": ({"b", "a"}, '["a", "b"]'),
        "counts": ({"a": 1}, '{"a": 1}'),
        "pair": ((1, "x"), '[1, "x"]'),
        "statuses": ({Status.active}, '["active"]'),
        "place": (
            Place(name="hq", spot=Spot(x=1, y=-2), level=Level.high),
            '{"name": "hq", "spot": {"x": 1, "y": -2}, "level": 3}',
        ),
        "places": (
            [Place(name="a"), Place(name="b")],
            '[{"name": "a", "spot": null, "level": 1}, {"name": "b", "spot": null, "level": 1}]',
        ),
        "emb": ([0.5, -2.0], "[0.5, -2.0]"),
    },
    {
        "i64": (-9223372036854775808, "-9223372036854775808"),
        "big": (0, "0"),
        "f32": (-0.0, "-0.0"),
        "f64": (1e308, "1.0E308"),
        "flag": (False, "false"),
        "ts": (dt.datetime(2200, 1, 1, 0, 0, 0, 999000), "2200-01-01T00:00:00.999Z"),
        "ts_aware": (
            dt.datetime(2000, 1, 1, 0, 0, 0, 1000, tzinfo=UTC),
            "2000-01-01T00:00:00.001Z",
        ),
        "day": (dt.date(2262, 4, 11), "2262-04-11"),
        "clock": (dt.time(23, 59, 59, 999999), "23:59:59.999999000"),
        # 16 bytes are stored and read back as written; Java prints a v4-mapped address as v4
        "ip6": (ipaddress.IPv6Address("::ffff:1.2.3.4"), "1.2.3.4"),
        "level": (Level.low, "1"),
        "ints": ([], None),
        "pair": ((0, ""), '[0, ""]'),
    },
]
FLOAT32_OF = {0.5: 0.5}
CAST_TEXT = {
    "blob",
    "ints",
    "names",
    "counts",
    "pair",
    "statuses",
    "place",
    "places",
    "emb",
}  # read with toJson


def _server_text(session: Any, table: str, column: str, key: uuid.UUID) -> Any:
    fn = "toJson" if column in CAST_TEXT else "CAST"
    expr = f"toJson({column})" if fn == "toJson" else f"CAST({column} AS text)"
    return session.execute(f"SELECT {expr} FROM {table} WHERE id = %s", (key,)).one()[0]


@pytest.mark.parametrize(("writer", "reader"), PAIRS, ids=[f"{w}->{r}" for w, r in PAIRS])
@pytest.mark.parametrize("row", range(len(ROWS)))
def test_every_type_crosses_drivers(
    drivers: dict[str, tuple[type[Document], type[Document]]],
    session: Any,
    writer: str,
    reader: str,
    row: int,
) -> None:
    write_model, read_model = drivers[writer][0], drivers[reader][0]
    values = {f: v for f, (v, _) in ROWS[row].items()}
    doc = write_model(id=uuid.uuid4(), **values)
    doc.save()
    got = read_model.get(id=doc.id)
    wrong = []
    for name in write_model.model_fields:
        want, have = getattr(doc, name), getattr(got, name)
        if want != have or type(want) is not type(have):
            wrong.append(f"{name}: wrote {want!r}, read {have!r}")
    if "ts_aware" in values:
        assert got.ts_aware.tzinfo == UTC
    for name, (_, text) in ROWS[row].items():
        if text is not None:
            server = _server_text(session, "xd_all_types", name, doc.id)
            if server != text:
                wrong.append(f"{name}: the server holds {server!r}, expected {text!r}")
    assert not wrong, "\n".join(wrong)


DECIMALS = [
    (Decimal("1.25"), "1.25"),
    (Decimal("-0.000123456789012345678901234567890"), "-0.000123456789012345678901234567890"),
    (Decimal("1E+3"), "1E+3"),
    (Decimal("123456789012345678901234567890.5"), "123456789012345678901234567890.5"),
    (Decimal("0"), "0"),
]


@pytest.mark.parametrize(("value", "text"), DECIMALS, ids=[t for _, t in DECIMALS])
def test_decimals_written_by_the_scylla_driver_are_exact(
    drivers: dict[str, tuple[type[Document], type[Document]]],
    session: Any,
    value: Decimal,
    text: str,
) -> None:
    money = drivers["scylla"][1]
    doc = money(id=uuid.uuid4(), amount=value)
    doc.save()
    got = money.get(id=doc.id).amount
    assert got == value and got.as_tuple() == value.as_tuple()
    assert _server_text(session, "xd_money", "amount", doc.id) == text


def test_acsylla_refuses_decimals_rather_than_store_wrong_numbers(
    drivers: dict[str, tuple[type[Document], type[Document]]], session: Any
) -> None:
    """acsylla 1.2 binds a decimal's text as its unscaled integer (1.25 -> 8251110.93) and
    cannot decode the decimals other clients write: coodie refuses decimal columns there,
    both ways, before anything is sent."""
    key = uuid.uuid4()
    with pytest.raises(ConfigurationError, match=r"acsylla.*decimal.*amount"):
        drivers["acsylla"][1](id=key, amount=Decimal("1.25")).save()
    assert session.execute("SELECT id FROM xd_money WHERE id = %s", (key,)).one() is None
    drivers["scylla"][1](id=key, amount=Decimal("1.25")).save()
    with pytest.raises(ConfigurationError, match=r"acsylla.*decimal.*amount"):
        drivers["acsylla"][1].get(id=key)
    assert drivers["scylla"][1].get(id=key).amount == Decimal("1.25")
