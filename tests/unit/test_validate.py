"""Every validator rule with a case the server accepts and one it rejects.

The accepted cases must compile; the rejected ones raise InvalidQueryError naming the
column and the fix. tests/integration/test_validator_agrees.py runs the same cases
against the real server.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import pytest

from coodie.exceptions import InvalidQueryError
from coodie.expr.columns import token
from coodie.expr.compiler import compile_statement
from coodie.expr.nodes import (
    Assignment,
    AssignOp,
    BatchKind,
    Compare,
    Delete,
    Insert,
    Op,
    Update,
)
from coodie.expr.validate import validate_batch
from tests.unit.models import Event, PageViews, Product

PID = UUID(int=1)
D = dt.date(2024, 1, 1)
E = Event.find
P = Product.find
EV = {"tenant": "t", "region": "r"}

# (name, query factory, error regex or None when accepted)
SELECTS: list[tuple[str, Any, str | None]] = [
    ("full partition key", lambda: P(id=PID), None),
    ("partition key IN", lambda: P(id__in=[PID]), None),
    ("no restriction", lambda: P(), None),
    (
        "partial composite partition key",
        lambda: E(tenant="t"),
        r"region are not restricted.*allow_filtering",
    ),
    ("partial composite partition key + AF", lambda: E(tenant="t").allow_filtering(), None),
    (
        "slice on partition key",
        lambda: P(id__gt=PID),
        r"partition key column is restricted by a range",
    ),
    ("slice on partition key + AF", lambda: P(id__gt=PID).allow_filtering(), None),
    ("token range", lambda: P(token(Product.id) > 0), None),
    ("token range over composite key", lambda: E(tenant__token__gte=0, region__token__lt=9), None),
    (
        "token lists a partial key",
        lambda: E(token(Event.tenant) > 0),
        r"token\(\) must list the whole partition key",
    ),
    (
        "token in wrong order",
        lambda: E(token(Event.region, Event.tenant) > 0),
        r"in order: token\(tenant, region\)",
    ),
    (
        "token and key relation together",
        lambda: E(token(Event.tenant, Event.region) > 0, tenant="t"),
        r"tenant restricted both by a relation and by a token\(\) relation needs ALLOW FILTERING",
    ),
    ("token and the whole key", lambda: P(token(Product.id) > 0, id=PID), None),
    (
        "token and key relation + AF",
        lambda: P(token(Product.id) > 0, id=PID).allow_filtering(),
        None,
    ),
    (
        "IN on a legacy index",
        lambda: P(brand__in=["a"]),
        r"brand has an index that cannot answer IN",
    ),
    ("IN on an SAI index", lambda: E(score__in=[1]), r"score has an index that cannot answer IN"),
    ("IN on an index + AF", lambda: E(score__in=[1]).allow_filtering(), None),
    (
        "clustering without partition key",
        lambda: P(category="c"),
        r"clustering column category without the whole partition key",
    ),
    ("clustering without partition key + AF", lambda: P(category="c").allow_filtering(), None),
    ("clustering prefix", lambda: E(**EV, day=D, seq__gt=3), None),
    (
        "clustering skip",
        lambda: E(**EV, seq=3),
        r"seq cannot be restricted because the preceding column day is not restricted",
    ),
    ("clustering skip + AF", lambda: E(**EV, seq=3).allow_filtering(), None),
    (
        "clustering after slice",
        lambda: E(**EV, day__gt=D, seq=3),
        r"seq cannot be restricted because the preceding column day is restricted by a range",
    ),
    ("clustering after slice + AF", lambda: E(**EV, day__gt=D, seq=3).allow_filtering(), None),
    ("clustering IN then EQ", lambda: E(**EV, day__in=[D], seq=1), None),
    (
        "regular column",
        lambda: P(id=PID, name="x"),
        r"filtering on name \(=\) needs ALLOW FILTERING: name is not indexed",
    ),
    ("regular column + AF", lambda: P(id=PID, name="x").allow_filtering(), None),
    ("indexed column", lambda: P(brand="Acme"), None),
    ("indexed column in a partition", lambda: P(id=PID, brand="Acme"), None),
    (
        "legacy index with a range",
        lambda: P(brand__gt="A"),
        r"brand has an index that cannot answer >",
    ),
    ("SAI index with a range", lambda: E(score__gt=3), None),
    ("two SAI indexes", lambda: E(score=1, level=2), None),
    (
        "contains on unindexed collection",
        lambda: P(tags__contains="a"),
        r"filtering on tags \(CONTAINS\)",
    ),
    ("contains + AF", lambda: P(tags__contains="a").allow_filtering(), None),
    (
        "contains on a scalar",
        lambda: P(name__contains="a").allow_filtering(),
        r"CONTAINS needs a list, set or map column, name is text",
    ),
    (
        "contains key on a set",
        lambda: P(tags__contains_key="a").allow_filtering(),
        r"CONTAINS KEY needs a map column",
    ),
    (
        "equality on a non-frozen collection",
        lambda: P(tags={"a"}).allow_filtering(),
        r"non-frozen collection column can only be restricted with contains",
    ),
    ("like on a SASI index", lambda: E(label__like="%a%"), None),
    (
        "like without SASI",
        lambda: P(name__like="A%").allow_filtering(),
        r"LIKE only on a SASI-indexed column",
    ),
    ("like on a number", lambda: P(price__like="1%"), r"LIKE needs a text or ascii column"),
    ("EQ twice", lambda: P(id=PID).filter(Product.id == PID), r"id is restricted more than once"),
    (
        "two lower bounds",
        lambda: P(price__gt=1, price__gte=2).allow_filtering(),
        r"price has more than one lower bound",
    ),
    ("a range", lambda: P(price__gt=1, price__lt=2).allow_filtering(), None),
    ("order by clustering", lambda: P(id=PID).order_by("-category"), None),
    (
        "order by without partition key",
        lambda: P().order_by("category"),
        r"ORDER BY needs the partition key restricted",
    ),
    (
        "order by a regular column",
        lambda: P(id=PID).order_by("price"),
        r"ORDER BY price: only clustering columns",
    ),
    ("order by reversed", lambda: E(**EV).order_by("-day", "seq"), None),
    ("order by declared", lambda: E(**EV).order_by("day", "-seq"), None),
    (
        "order by mixed",
        lambda: E(**EV).order_by("day", "seq"),
        r"declared clustering order or its exact reverse",
    ),
    (
        "order by out of order",
        lambda: E(**EV).order_by("seq", "day"),
        r"declared order \(day, seq\); day comes first",
    ),
    (
        "order by skipping a free column",
        lambda: E(**EV).order_by("-seq"),
        r"ORDER BY seq: .*day comes first",
    ),
    ("order by skipping an EQ column", lambda: E(**EV, day=D).order_by("-seq"), None),
    (
        "order by with an index",
        lambda: P(id=PID, brand="x").order_by("category"),
        r"ORDER BY cannot be combined with a secondary-index",
    ),
    ("limit zero", lambda: P(id=PID).limit(0), r"limit\(\) takes a positive integer"),
    (
        "static only with clustering restriction",
        lambda: E(**EV, day=D).only("owner"),
        r"when selecting only static columns",
    ),
    ("static with other columns", lambda: E(**EV, day=D).only("owner", "kind"), None),
    (
        "unknown column in only",
        lambda: E(**EV)._copy(_only=("nope",)),
        r"unknown column 'nope' in only\(\)",
    ),
]


@pytest.mark.parametrize(("name", "make", "error"), SELECTS, ids=[s[0] for s in SELECTS])
def test_select_rules(name: str, make: Any, error: str | None) -> None:
    if error is None:
        cql, _ = make().to_cql()
        assert cql.startswith("SELECT")
    else:
        with pytest.raises(InvalidQueryError, match=error):
            make().to_cql()


PS = Product.__coodie_schema__
ES = Event.__coodie_schema__
KEY = (Compare("id", Op.EQ, PID), Compare("category", Op.EQ, "c"))


def _set(col: str = "name", v: Any = "x", op: AssignOp = AssignOp.SET) -> tuple[Assignment, ...]:
    return (Assignment(col, op, v),)


WRITES: list[tuple[str, Any, Any, str | None]] = [
    ("update by full key", PS, Update(_set(), KEY), None),
    ("update key IN", PS, Update(_set(), (Compare("id", Op.IN, [PID]), KEY[1])), None),
    (
        "update missing partition key",
        PS,
        Update(_set(), KEY[1:]),
        r"UPDATE needs every partition key column: missing id",
    ),
    (
        "update missing clustering",
        PS,
        Update(_set(), KEY[:1]),
        r"UPDATE needs every clustering column: missing category",
    ),
    (
        "update clustering range",
        PS,
        Update(_set(), (KEY[0], Compare("category", Op.GT, "a"))),
        r"cannot restrict clustering column category by a range",
    ),
    (
        "update partition key range",
        PS,
        Update(_set(), (Compare("id", Op.GT, PID), KEY[1])),
        r"partition key column id can only be restricted with = or IN",
    ),
    (
        "update by a regular column",
        PS,
        Update(_set(), (*KEY, Compare("name", Op.EQ, "x"))),
        r"can only filter on primary key columns, not name",
    ),
    (
        "update a key column",
        PS,
        Update(_set("category"), KEY),
        r"primary key column category cannot be updated",
    ),
    (
        "update with token",
        PS,
        Update(_set(), (*KEY[1:], token(Product.id) == 1)),
        r"token\(\) cannot be used in the WHERE clause of UPDATE",
    ),
    (
        "update static by partition only",
        ES,
        Update(_set("owner"), (Compare("tenant", Op.EQ, "t"), Compare("region", Op.EQ, "r"))),
        None,
    ),
    (
        "update static by full key",
        ES,
        Update(
            _set("owner"),
            (
                Compare("tenant", Op.EQ, "t"),
                Compare("region", Op.EQ, "r"),
                Compare("day", Op.EQ, D),
                Compare("seq", Op.EQ, 1),
            ),
        ),
        r"static columns only applies to the whole partition",
    ),
    ("update if exists", PS, Update(_set(), KEY, if_exists=True), None),
    (
        "update if on partition IN",
        PS,
        Update(_set(), (Compare("id", Op.IN, [PID]), KEY[1]), if_exists=True),
        r"IN on the partition key \(id\) is not supported with conditional updates",
    ),
    (
        "update if on clustering IN",
        PS,
        Update(_set(), (KEY[0], Compare("category", Op.IN, ["c"])), if_exists=True),
        r"IN on the clustering key \(category\)",
    ),
    (
        "update if + timestamp",
        PS,
        Update(_set(), KEY, if_exists=True, timestamp=1),
        r"custom timestamp cannot be used with conditional",
    ),
    (
        "update if on a key column",
        PS,
        Update(_set(), KEY, if_conditions=(Compare("category", Op.EQ, "c"),)),
        r"primary key column category cannot have IF conditions",
    ),
    (
        "update if null",
        PS,
        Update(_set(), KEY, if_conditions=(Compare("note", Op.EQ, None),)),
        None,
    ),
    ("add to a set", PS, Update(_set("tags", {"a"}, AssignOp.ADD), KEY), None),
    (
        "append to a set",
        PS,
        Update(_set("tags", ["a"], AssignOp.APPEND), KEY),
        r"append__tags: not valid for set<text> column tags; sets take add__ and remove__",
    ),
    ("prepend to a list", PS, Update(_set("scores", [1], AssignOp.PREPEND), KEY), None),
    (
        "add to a scalar",
        PS,
        Update(_set("price", 1, AssignOp.ADD), KEY),
        r"only plain assignment applies",
    ),
    (
        "set and add one column",
        PS,
        Update(
            (Assignment("tags", AssignOp.SET, set()), Assignment("tags", AssignOp.ADD, {"a"})), KEY
        ),
        r"both set and changed",
    ),
    ("negative ttl", PS, Update(_set(), KEY, ttl=-1), r"ttl must be a non-negative integer"),
    (
        "counter increment",
        PageViews.__coodie_schema__,
        Update(_set("views", 1, AssignOp.INCR), (Compare("url", Op.EQ, "/"),)),
        None,
    ),
    (
        "counter set",
        PageViews.__coodie_schema__,
        Update(_set("views", 1), (Compare("url", Op.EQ, "/"),)),
        r"counters take increment",
    ),
    (
        "counter ttl",
        PageViews.__coodie_schema__,
        Update(_set("views", 1, AssignOp.INCR), (Compare("url", Op.EQ, "/"),), ttl=5),
        r"counter updates cannot have a TTL",
    ),
    (
        "counter timestamp",
        PageViews.__coodie_schema__,
        Update(_set("views", 1, AssignOp.INCR), (Compare("url", Op.EQ, "/"),), timestamp=5),
        r"counter updates cannot have a custom timestamp",
    ),
    (
        "counter if",
        PageViews.__coodie_schema__,
        Update(_set("views", 1, AssignOp.INCR), (Compare("url", Op.EQ, "/"),), if_exists=True),
        r"conditional \(IF\) writes are not supported on counter tables",
    ),
    (
        "increment a non-counter",
        PS,
        Update(_set("price", 1, AssignOp.INCR), KEY),
        r"incr__price: not valid",
    ),
    (
        "insert on counter table",
        PageViews.__coodie_schema__,
        Insert((("url", "/"), ("views", 1))),
        r"INSERT is not allowed on counter tables",
    ),
    (
        "insert missing clustering",
        PS,
        Insert((("id", PID), ("name", "x"))),
        r"INSERT needs every primary key column: missing category",
    ),
    (
        "insert if not exists + timestamp",
        PS,
        Insert((("id", PID), ("category", "c")), if_not_exists=True, timestamp=3),
        r"custom timestamp cannot be used with conditional",
    ),
    ("insert", PS, Insert((("id", PID), ("category", "c")), ttl=3), None),
    ("delete row", PS, Delete(KEY), None),
    ("delete partition", PS, Delete(KEY[:1]), None),
    ("delete clustering range", PS, Delete((KEY[0], Compare("category", Op.GT, "a"))), None),
    (
        "delete with a clustering gap",
        ES,
        Delete(
            (Compare("tenant", Op.EQ, "t"), Compare("region", Op.EQ, "r"), Compare("seq", Op.EQ, 1))
        ),
        r"seq cannot be restricted because the preceding column day is not",
    ),
    (
        "delete after a range",
        ES,
        Delete(
            (
                Compare("tenant", Op.EQ, "t"),
                Compare("region", Op.EQ, "r"),
                Compare("day", Op.GT, D),
                Compare("seq", Op.EQ, 1),
            )
        ),
        r"day is restricted by a range",
    ),
    (
        "delete columns over a range",
        PS,
        Delete((KEY[0], Compare("category", Op.GT, "a")), columns=("name",)),
        r"range deletions are only for whole rows",
    ),
    (
        "delete static column by partition",
        ES,
        Delete((Compare("tenant", Op.EQ, "t"), Compare("region", Op.EQ, "r")), columns=("owner",)),
        None,
    ),
    (  # found by the differential tests
        "delete static column with a clustering restriction",
        ES,
        Delete(
            (
                Compare("tenant", Op.EQ, "t"),
                Compare("region", Op.EQ, "r"),
                Compare("day", Op.EQ, D),
            ),
            columns=("owner",),
        ),
        r"deleting static columns only applies to the whole partition",
    ),
    (
        "delete by regular column",
        PS,
        Delete((*KEY, Compare("name", Op.EQ, "x"))),
        r"can only filter on primary key columns, not name",
    ),
    (
        "delete partition range",
        PS,
        Delete((Compare("id", Op.GT, PID),)),
        r"partition key column id can only be restricted with = or IN",
    ),
    ("delete if exists by full key", PS, Delete(KEY, if_exists=True), None),
    (
        "delete if exists by partition",
        PS,
        Delete(KEY[:1], if_exists=True),
        r"conditional DELETE must restrict every primary key column with =; category",
    ),
]


@pytest.mark.parametrize(("name", "schema", "stmt", "error"), WRITES, ids=[w[0] for w in WRITES])
def test_write_rules(name: str, schema: Any, stmt: Any, error: str | None) -> None:
    if error is None:
        compile_statement(stmt, schema)
    else:
        with pytest.raises(InvalidQueryError, match=error):
            compile_statement(stmt, schema)


def _batch(kind: BatchKind, *items: tuple[Any, Any]) -> None:
    """validate_batch over statements, each entry made as the batch flows make it."""
    from coodie.flows import partition_of

    compiled = [(sch, compile_statement(st, sch)) for sch, st in items]
    validate_batch(kind, [(sch, c.lwt, partition_of(sch, c)) for sch, c in compiled])


def test_batch_rules() -> None:
    row = Update(_set(), KEY)
    other = Update(_set(), (Compare("id", Op.EQ, UUID(int=2)), KEY[1]))
    cond = Update(_set(), KEY, if_exists=True)
    counter = (
        PageViews.__coodie_schema__,
        Update(_set("views", 1, AssignOp.INCR), (Compare("url", Op.EQ, "/"),)),
    )
    _batch(BatchKind.LOGGED, (PS, row), (PS, other))
    _batch(BatchKind.COUNTER, counter, counter)
    _batch(BatchKind.LOGGED, (PS, cond), (PS, row))
    _batch(BatchKind.UNLOGGED, counter, counter)
    with pytest.raises(InvalidQueryError, match="counter updates cannot go in a logged batch"):
        _batch(BatchKind.LOGGED, counter)
    with pytest.raises(
        InvalidQueryError, match="counter and non-counter writes cannot share a batch"
    ):
        _batch(BatchKind.UNLOGGED, counter, (PS, row))
    with pytest.raises(InvalidQueryError, match="a counter batch can only hold counter updates"):
        _batch(BatchKind.COUNTER, counter, (PS, row))
    with pytest.raises(InvalidQueryError, match="cannot span several partitions"):
        _batch(BatchKind.LOGGED, (PS, cond), (PS, other))
    with pytest.raises(InvalidQueryError, match="cannot span several tables"):
        _batch(
            BatchKind.LOGGED,
            (PS, cond),
            (ES, Delete((Compare("tenant", Op.EQ, "t"), Compare("region", Op.EQ, "r")))),
        )


def test_verdict_does_not_depend_on_condition_order() -> None:
    a = E(**EV, day=D, seq__gt=3).to_cql()[0]
    b = E(seq__gt=3, day=D, region="r", tenant="t").to_cql()[0]
    assert a != b  # the text follows the given order ...
    with pytest.raises(InvalidQueryError):
        E(seq=3, **EV).to_cql()
    with pytest.raises(InvalidQueryError):  # ... the verdict does not
        E(**EV).filter(seq=3).to_cql()


def test_count_refuses_per_partition_limit() -> None:
    """Found by the differential tests: the server refuses PER PARTITION LIMIT with COUNT."""
    qs = P(id=PID).per_partition_limit(2)
    qs.to_cql()  # a plain select with it is fine
    with pytest.raises(
        InvalidQueryError, match="count\\(\\) cannot be combined with per_partition_limit"
    ):
        qs._compile(qs._select(count=True))
