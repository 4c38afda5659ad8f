"""Golden CQL for every statement kind, bound parameters, and the shape cache."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated
from uuid import UUID

import pytest

from coodie.exceptions import InvalidQueryError
from coodie.expr import compiler
from coodie.expr.columns import token
from coodie.expr.compiler import compile_statement
from coodie.expr.nodes import Assignment, AssignOp, Compare, Delete, Insert, Op, Update
from coodie.fields import PrimaryKey
from coodie.sync import Document
from tests.unit.models import Event, PageViews, Product

PID = UUID(int=1)
ALL = "id, category, name, brand, price, tags, scores, meta, note"


@pytest.mark.parametrize(
    ("qs", "cql", "params"),
    [
        (lambda: Product.find(id=PID), f"SELECT {ALL} FROM shop.products WHERE id = ?", (PID,)),
        (
            lambda: Product.find(Product.price > 10, brand="Acme").allow_filtering(),
            f"SELECT {ALL} FROM shop.products WHERE price > ? AND brand = ? ALLOW FILTERING",
            (10, "Acme"),
        ),
        (
            lambda: Product.find(id=PID).order_by("-category").limit(20),
            f"SELECT {ALL} FROM shop.products WHERE id = ? ORDER BY category DESC LIMIT ?",
            (PID, 20),
        ),
        (
            lambda: Product.find(Product.id.in_([PID, PID])).only("id", "name"),
            "SELECT id, name FROM shop.products WHERE id IN ?",
            ([PID, PID],),
        ),
        (
            lambda: Product.find(token(Product.id) > -5).per_partition_limit(2).limit(10),
            f"SELECT {ALL} FROM shop.products WHERE token(id) > ? PER PARTITION LIMIT ? LIMIT ?",
            (-5, 2, 10),
        ),
        (
            lambda: Product.find(tags__contains="vip", meta__contains_key="env").allow_filtering(),
            f"SELECT {ALL} FROM shop.products WHERE tags CONTAINS ? AND meta CONTAINS KEY ? ALLOW FILTERING",
            ("vip", "env"),
        ),
        (
            lambda: Event.find(tenant="t", region="r", day=dt.date(2024, 1, 2)).order_by(
                Event.day.desc()
            ),
            "SELECT tenant, region, day, seq, kind, owner, label, score, level FROM shop.event "
            "WHERE tenant = ? AND region = ? AND day = ? ORDER BY day DESC",
            ("t", "r", dt.date(2024, 1, 2)),
        ),
        (
            lambda: Event.find(label__like="%abc%"),
            "SELECT tenant, region, day, seq, kind, owner, label, score, level FROM shop.event WHERE label LIKE ?",
            ("%abc%",),
        ),
    ],
)
def test_select_golden(qs: object, cql: str, params: tuple[object, ...]) -> None:
    assert qs().to_cql() == (cql, params)  # type: ignore[operator]


def test_count_ignores_order_and_limit_in_cql() -> None:
    qs = Product.find(id=PID).order_by("category").limit(3)
    c = qs._compile(qs._select(count=True))
    assert c.cql == "SELECT COUNT(*) FROM shop.products WHERE id = ?"


def test_insert_update_delete_golden() -> None:
    s = Product.__coodie_schema__
    p = Product(id=PID, category="c", name="n")
    c = compile_statement(p._insert_statement(if_not_exists=True), s)
    assert (
        c.cql
        == f"INSERT INTO shop.products ({ALL}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS"
    )
    assert c.params == (PID, "c", "n", "Unknown", 0.0, set(), [], {}, None)
    assert c.lwt

    c = compile_statement(p._insert_statement(ttl=60, timestamp=123), s)
    assert c.cql.endswith("VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?")
    assert c.params[-2:] == (60, 123)
    assert not c.lwt

    stmt, new = p._update_statement(
        {
            "name": "m",
            "add__tags": ["vip"],
            "append__scores": [1],
            "prepend__scores": [0],
            "remove__meta": ["k"],
            "put__meta": {"a": "b"},
        },
        ttl=5,
        if_conditions={"name": "n", "price__gt": 1.0},
    )
    c = compile_statement(stmt, s)
    assert c.cql == (
        "UPDATE shop.products USING TTL ? SET name = ?, tags = tags + ?, scores = scores + ?, "
        "scores = ? + scores, meta = meta - ?, meta = meta + ? WHERE id = ? AND category = ? "
        "IF name = ? AND price > ?"
    )
    assert c.params == (5, "m", {"vip"}, [1], [0], {"k"}, {"a": "b"}, PID, "c", "n", 1.0)
    assert new == {"name": "m", "tags": {"vip"}, "scores": [0, 1], "meta": {"a": "b"}}

    c = compile_statement(p._delete_statement(if_exists=True), s)
    assert c.cql == "DELETE FROM shop.products WHERE id = ? AND category = ? IF EXISTS"
    c = compile_statement(Delete(p._key_conditions(), columns=("note", "tags"), timestamp=9), s)
    assert (
        c.cql
        == "DELETE note, tags FROM shop.products USING TIMESTAMP ? WHERE id = ? AND category = ?"
    )
    assert c.params == (9, PID, "c")


def test_counter_update_golden() -> None:
    s = PageViews.__coodie_schema__
    stmt = Update(
        (Assignment("views", AssignOp.INCR, 2), Assignment("visitors", AssignOp.DECR, 1)),
        (Compare("url", Op.EQ, "/"),),
    )
    c = compile_statement(stmt, s)
    assert (
        c.cql
        == "UPDATE shop.page_views SET views = views + ?, visitors = visitors - ? WHERE url = ?"
    )
    assert c.params == (2, 1, "/")


def test_reserved_and_mixed_case_identifiers_are_quoted() -> None:
    class Quoted(Document):
        userId: Annotated[int, PrimaryKey()]
        order: int = 0

        class Settings:
            name = "Select"
            keyspace = "KS"

    cql, _ = Quoted.find(userId=1).to_cql()
    assert cql == 'SELECT "userId", "order" FROM "KS"."Select" WHERE "userId" = ?'


def test_values_are_never_inlined() -> None:
    evil = "x'; DROP TABLE products; --"
    cql, params = Product.find(id=PID, name=evil).allow_filtering().to_cql()
    assert evil not in cql and "DROP" not in cql
    assert params == (PID, evil)


def test_inet_values_are_bound_as_text() -> None:
    class Host(Document):
        ip: Annotated[ipaddress.IPv4Address, PrimaryKey()]

        class Settings:
            keyspace = "ks"

    _, params = Host.find(ip=ipaddress.IPv4Address("10.0.0.1")).to_cql()
    assert params == ("10.0.0.1",)


def test_null_in_where_is_rejected_like_the_server_does() -> None:
    with pytest.raises(InvalidQueryError, match="invalid null value in condition for column id"):
        Product.find(id=None).to_cql()
    with pytest.raises(InvalidQueryError, match="invalid null value in IN list for column id"):
        Product.find(id__in=[PID, None]).to_cql()


def test_null_primary_key_in_insert_is_rejected() -> None:
    s = Product.__coodie_schema__
    with pytest.raises(InvalidQueryError, match="primary key column category is None"):
        compile_statement(Insert((("id", PID), ("category", None))), s)


def test_cached_shape_skips_rendering_and_gives_fresh_params() -> None:
    compiler.clear_cache()
    a = Product.find(id=UUID(int=1)).limit(1).to_cql()
    before = compiler.cache_info()
    b = Product.find(id=UUID(int=2)).limit(7).to_cql()
    after = compiler.cache_info()
    assert a[0] == b[0]
    assert b[1] == (UUID(int=2), 7)
    assert after["hits"] == before["hits"] + 1 and after["misses"] == before["misses"]


def test_cached_shapes_still_reject_invalid_values() -> None:
    Product.find(id=PID).to_cql()
    with pytest.raises(InvalidQueryError):
        Product.find(id=None).to_cql()


def test_cache_is_bounded() -> None:
    compiler.clear_cache()
    for i in range(compiler._MAX_SHAPES + 50):
        compile_statement(
            Delete((Compare("id", Op.EQ, PID),), timestamp=None, columns=()),
            Product.__coodie_schema__,
            f"k{i}",
        )
    assert compiler.cache_info()["size"] == compiler._MAX_SHAPES


def test_cache_evicts_the_shape_used_least_recently() -> None:
    compiler.clear_cache()
    schema = Product.__coodie_schema__
    stmt = Delete((Compare("id", Op.EQ, PID),))
    for i in range(compiler._MAX_SHAPES):
        compile_statement(stmt, schema, f"k{i}")
    compile_statement(stmt, schema, "k0")  # used again: now the most recent
    compile_statement(stmt, schema, "new")  # one shape too many: k1 goes, k0 stays
    before = compiler.cache_info()
    compile_statement(stmt, schema, "k0")
    assert compiler.cache_info()["hits"] == before["hits"] + 1
    compile_statement(stmt, schema, "k1")
    assert compiler.cache_info()["misses"] == before["misses"] + 1


def test_to_cql_without_keyspace_needs_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    from coodie import registry
    from coodie.exceptions import ConfigurationError

    monkeypatch.setattr(registry, "_drivers", {})
    monkeypatch.setattr(registry, "_default", [])

    class NoKs(Document):
        id: Annotated[int, PrimaryKey()]

    with pytest.raises(ConfigurationError, match="call init_coodie"):
        NoKs.find(id=1).to_cql()


def test_marker_types_follow_the_parameters() -> None:
    from coodie.types import CqlType

    qs = (
        Product.find(Product.id.in_([PID]), tags__contains="a", category="c")
        .allow_filtering()
        .limit(3)
    )
    c = qs._compile(qs._select())
    assert c.types is not None
    assert [t.cql for t in c.types.params] == ["list<uuid>", "text", "text", "int"]
    assert len(c.types.params) == len(c.params)
    assert c.types.columns[c.columns.index("tags")] == CqlType("set", (CqlType("text"),))
    p = Product(id=PID, category="c", name="n")
    stmt, _ = p._update_statement(
        {"remove__meta": ["k"], "price": 1.0}, ttl=3, if_conditions={"name": "n"}
    )
    u = compile_statement(stmt, Product.__coodie_schema__)
    assert u.types is not None
    assert [t.cql for t in u.types.params] == ["int", "set<text>", "float", "uuid", "text", "text"]
