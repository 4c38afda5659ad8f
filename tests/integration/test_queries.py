"""QuerySet chain and terminal methods against the real node, once per flavour."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import uuid4

import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args

from coodie.exceptions import InvalidQueryError, OperationTimedOut

D1, D2, D3 = dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)


@pytest.fixture
def sensor(f: Any) -> str:
    """A partition with 3 days x 4 readings; value = day * 10 + seq."""
    f(f.m.User.sync_table())
    f(f.m.Reading.sync_table())
    s = f"s-{uuid4()}"
    for d in (D1, D2, D3):
        for seq in range(4):
            f(f.m.Reading(sensor=s, day=d, seq=seq, value=d.day * 10 + seq, site="north").save())
    return s


def test_clustering_order_and_order_by(f: Any, sensor: str) -> None:
    R = f.m.Reading
    rows = f(R.find(sensor=sensor).all())
    assert [(r.day, r.seq) for r in rows][:5] == [(D1, 3), (D1, 2), (D1, 1), (D1, 0), (D2, 3)]
    rev = f(R.find(sensor=sensor).order_by(R.day.desc(), "seq").all())
    assert [(r.day, r.seq) for r in rev][:2] == [(D3, 0), (D3, 1)]
    assert rev == list(reversed(rows))


def test_expression_and_kwargs_forms_return_the_same_rows(f: Any, sensor: str) -> None:
    R = f.m.Reading
    a = f(R.find(R.sensor == sensor, R.day == D2, R.seq >= 2).all())
    b = f(R.find(sensor=sensor, day=D2).filter(seq__gte=2).all())
    assert a == b
    assert sorted(r.seq for r in a) == [2, 3]


def test_limit_first_count_only(f: Any, sensor: str) -> None:
    R = f.m.Reading
    assert len(f(R.find(sensor=sensor).limit(5).all())) == 5
    first = f(R.find(sensor=sensor).first())
    assert first is not None and (first.day, first.seq) == (D1, 3)
    assert f(R.find(sensor=sensor).count()) == 12
    assert f(R.find(sensor=sensor, day=D1).count()) == 4
    assert f(R.find(sensor=f"none-{uuid4()}").first()) is None
    part = f(R.find(sensor=sensor, day=D1, seq=1).only("sensor", "day", "seq", "value").all())
    assert [(r.seq, r.value) for r in part] == [(1, 11.0)]
    assert part[0].site == ""  # not selected: the model default


def test_count_counts_every_row_whatever_the_page_size_and_stops_at_the_limit(
    f: Any, sensor: str
) -> None:
    """count() of one partition (one statement) and of several (IN: read page by page):
    the whole count even when a page holds fewer rows than it; limit() caps it."""
    R = f.m.Reading
    other = f"s-{uuid4()}"
    for seq in range(3):
        f(R(sensor=other, day=D1, seq=seq, value=1.0).save())
    assert f(R.find(sensor=sensor).page_size(5).count()) == 12
    assert f(R.find(sensor=sensor).limit(5).count()) == 5
    assert f(R.find(sensor=sensor).limit(50).count()) == 12
    both = R.find(R.sensor.in_([sensor, other]))
    assert f(both.page_size(5).count()) == 15
    assert f(both.limit(14).count()) == 14


def test_in_and_per_partition_limit(f: Any, sensor: str) -> None:
    R = f.m.Reading
    other = f"s-{uuid4()}"
    f(R(sensor=other, day=D1, seq=0).save())
    rows = f(R.find(R.sensor.in_([sensor, other])).per_partition_limit(2).all())
    assert sorted((r.sensor == sensor) for r in rows) == [False, True, True]


def test_in_with_order_by_runs_without_paging(f: Any, sensor: str) -> None:
    R = f.m.Reading
    rows = f(R.find(sensor__in=[sensor], day=D1).order_by("-seq").all())
    assert [r.seq for r in rows] == [3, 2, 1, 0]
    with pytest.raises(InvalidQueryError, match="cannot page a query with both ORDER BY and IN"):
        f(R.find(sensor__in=[sensor], day=D1).order_by("-seq").paged_all())


def test_allow_filtering_and_indexes(f: Any, sensor: str) -> None:
    U = f.m.User
    tag = uuid4().hex
    users = [U(name=f"n{i}", email=f"{tag}@x", age=i) for i in range(5)]
    for u in users:
        f(u.save())
    assert {u.id for u in f(U.find(email=f"{tag}@x").all())} == {u.id for u in users}
    with pytest.raises(InvalidQueryError, match="filtering on age"):
        f(U.find(age__gte=3).all())
    got = f(U.find(email=f"{tag}@x", age__gte=3).allow_filtering().all())
    assert sorted(u.age for u in got) == [3, 4]
    assert f(U.find(U.email == f"{tag}@x", U.age < 2).allow_filtering().count()) == 2


def test_paged_all_covers_every_row_exactly_once(f: Any, sensor: str) -> None:
    seen: list[tuple[dt.date, int]] = []
    state = None
    pages = 0
    while True:
        page = f(f.m.Reading.find(sensor=sensor).paged_all(paging_state=state, page_size=5))
        assert len(page.documents) <= 5
        seen += [(r.day, r.seq) for r in page]
        pages += 1
        state = page.paging_state
        if state is None:
            break
    assert pages >= 3
    assert len(seen) == len(set(seen)) == 12


def test_iteration_streams_pages(f: Any, sensor: str) -> None:
    R = f.m.Reading
    streamed = f.list(R.find(sensor=sensor).page_size(3))
    assert [(r.day, r.seq) for r in streamed] == [
        (r.day, r.seq) for r in f(R.find(sensor=sensor).all())
    ]
    assert len(streamed) == 12


def test_token_ranges_partition_the_table(f: Any, sensor: str) -> None:
    from coodie.expr.columns import token

    R = f.m.Reading
    names = {f"tok-{i}" for i in range(10)}
    for n in names:
        f(R(sensor=n, day=D1, seq=0).save())
    low = {r.sensor for r in f(R.find(token(R.sensor) <= 0).all())}
    high = {r.sensor for r in f(R.find(sensor__token__gt=0).all())}
    assert not (low & high)
    assert names <= (low | high)


def test_queryset_create_update_delete(f: Any, sensor: str) -> None:
    R = f.m.Reading
    created = f(R.find(sensor=sensor, day=D1).create(seq=99, value=1.5))
    assert f(R.get(sensor=sensor, day=D1, seq=99)) == created

    assert f(R.find(sensor=sensor, day=D2).update(value=-1.0)) == 4
    assert {r.value for r in f(R.find(sensor=sensor, day=D2).all())} == {-1.0}

    assert f(R.find(sensor=sensor, day=D3, seq__in=[0, 1]).delete()) == 2
    assert sorted(r.seq for r in f(R.find(sensor=sensor, day=D3).all())) == [2, 3]

    assert f(R.find(sensor=sensor, day=D3, seq=2).delete()) == 1  # full key: a direct DELETE
    assert f(R.find(sensor=sensor).count()) == 12 + 1 - 3


def test_bulk_delete_and_update_by_a_non_key_filter(f: Any, sensor: str) -> None:
    U = f.m.User
    status = f"inactive-{uuid4().hex[:6]}"
    users = [U(name=f"u{i}", status=status) for i in range(150)]
    keep = U(name="keep", status="active")
    for u in [*users, keep]:
        f(u.save())
    assert f(U.find(status=status).allow_filtering().update(verified=True)) == 150
    assert all(u.verified for u in f.list(U.find(status=status).allow_filtering()))
    assert f(U.find(status=status).allow_filtering().ttl(3600).update(age=7)) == 150
    assert f(U.find(status=status).allow_filtering().delete()) == 150
    assert f(U.find(status=status).allow_filtering().count()) == 0
    assert f(U.get(id=keep.id)).name == "keep"


_BIG: list[str] = []


@pytest.fixture
def big_sensor(sensor: str, session: Session) -> str:
    """A partition of 20,000 readings (seeded once): reading it all takes the server well
    over the 1 ms that is the shortest timeout acsylla can set."""
    if not _BIG:
        s = f"big-{uuid4()}"
        insert = session.prepare(
            "INSERT INTO it_readings (sensor, day, seq, value) VALUES (?, ?, ?, ?)"
        )
        rows = [(s, D1 + dt.timedelta(days=n // 100), n % 100, float(n)) for n in range(20000)]
        for ok, result in execute_concurrent_with_args(session, insert, rows, concurrency=100):
            assert ok, result
        _BIG.append(s)
    return _BIG[0]


def test_consistency_and_timeout(f: Any, sensor: str, big_sensor: str) -> None:
    R = f.m.Reading
    assert f(R.find(sensor=sensor).consistency("ONE").count()) == 12
    # a name that is no level is refused where it is given, before anything is sent
    with pytest.raises(InvalidQueryError, match="'SOMETIMES'\\): not a consistency level"):
        R.find(sensor=sensor).consistency("SOMETIMES")
    with pytest.raises(OperationTimedOut):
        f(R.find(sensor=big_sensor).timeout(0.000001).all())


def test_to_cql_matches_what_runs(f: Any, sensor: str) -> None:
    qs = f.m.Reading.find(sensor=sensor, day=D1).limit(2)
    cql, params = qs.to_cql()
    assert cql.startswith("SELECT sensor, day, seq, value, site FROM ")
    assert params == (sensor, D1, 2)
    assert len(f(qs.all())) == 2
