"""Paging on the real node (issue 12 items 6 and 7), once per flavour and per driver.

Cursors: what paged_all() hands out is an opaque URL-safe string signed for its query,
and nothing else is ever sent to the server as a paging state (a garbage one made the
scylla driver drop its connections, failing every other request for about a second).
Bounds: iteration pages at 5,000 rows per round trip on every driver, and page sizes
and timeouts that would turn paging off or time out after sending are refused when given.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import math
import os
import random
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any
from urllib.parse import quote
from uuid import uuid4

import pytest
from cassandra.cluster import Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.metadata import Murmur3Token

import coodie.sync
from coodie.exceptions import ConfigurationError, InvalidQueryError
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.registry import get_driver, unregister_driver
from tests.integration.conftest import _contact_points

BIG_ROWS = 6000  # more than one default page (5,000 rows)
HOSTILE = 1000
BOUND_S = 120  # no part of a test here may run longer than this (it fails instead)


def _rows_model(module: Any, driver_name: str | None = None) -> Any:
    """The model of table it_paged_rows, on the driver called `driver_name` (or the default)."""

    class PagedRow(module.Document):  # type: ignore[name-defined,misc]
        k: Annotated[str, PrimaryKey()]
        n: Annotated[int, ClusteringKey()]
        v: int = 0

        class Settings:
            name = "it_paged_rows"
            driver = driver_name

    return PagedRow


_MODELS: dict[str, Any] = {}
_BIG: list[str] = []


@pytest.fixture
def P(f: Any) -> Any:
    model = _MODELS.get(f.name)
    if model is None:
        model = _MODELS[f.name] = _rows_model(f.module)
        f(model.sync_table())
    return model


@pytest.fixture
def big(P: Any, session: Session) -> str:
    """A partition of BIG_ROWS rows, written once per run with the test session."""
    if not _BIG:
        k = f"big-{uuid4()}"
        insert = session.prepare("INSERT INTO it_paged_rows (k, n, v) VALUES (?, ?, ?)")
        rows = [(k, n, n) for n in range(BIG_ROWS)]
        for ok, result in execute_concurrent_with_args(session, insert, rows, concurrency=50):
            assert ok, result
        _BIG.append(k)
    return _BIG[0]


@pytest.fixture
def small(f: Any, P: Any) -> str:
    """A partition of 30 rows."""
    k = f"small-{uuid4()}"
    for n in range(30):
        f(P(k=k, n=n, v=n).save())
    return k


@contextlib.contextmanager
def pages_seen(f: Any) -> Iterator[list[int]]:
    """The row count of every page the default driver returns while inside (the real
    driver runs each request; this only records what came back)."""
    driver = get_driver()
    seen: list[int] = []
    if f.is_async:
        real_async = driver.execute_async

        async def spy_async(request: Any) -> Any:
            page = await real_async(request)
            seen.append(len(page.rows))
            return page

        driver.execute_async = spy_async
    else:
        real = driver.execute

        def spy(request: Any) -> Any:
            page = real(request)
            seen.append(len(page.rows))
            return page

        driver.execute = spy
    try:
        yield seen
    finally:
        del driver.__dict__["execute_async" if f.is_async else "execute"]


def _walk(f: Any, P: Any, k: str, page_size: int = 4) -> list[int]:
    """Every row of partition k, page by page through paged_all() cursors."""
    out: list[int] = []
    cursor = None
    for _ in range(100):
        page = f(P.find(k=k).paged_all(paging_state=cursor, page_size=page_size))
        out += [r.n for r in page]
        cursor = page.paging_state
        if cursor is None:
            return out
    raise AssertionError("paged_all() never reached the last page")


# ------------------------------------------------------------------ item 6: cursors


def test_cursor_is_an_opaque_url_safe_string_that_resumes(f: Any, P: Any, small: str) -> None:
    page = f(P.find(k=small).paged_all(page_size=7))
    cursor = page.paging_state
    assert isinstance(cursor, str)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert quote(cursor, safe="") == cursor  # goes in a URL as it is
    nxt = f(P.find(k=small).paged_all(paging_state=cursor, page_size=7))
    assert [r.n for r in page] + [r.n for r in nxt] == list(range(14))
    smaller = f(P.find(k=small).paged_all(paging_state=cursor, page_size=3))  # may change
    assert [r.n for r in smaller] == [7, 8, 9]
    assert _walk(f, P, small, page_size=7) == list(range(30))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def _hostile_cursors(f: Any, P: Any, k: str, n: int) -> list[Any]:
    """n cursors no query of P.find(k=k) may accept: garbage, truncated, tampered, foreign."""
    rnd = random.Random(12)
    R = f.m.Reading
    f(R.sync_table())
    sensor = f"s-{uuid4()}"
    for seq in range(3):
        f(R(sensor=sensor, day=dt.date(2024, 1, 1), seq=seq).save())
    real = [f(P.find(k=k).paged_all(page_size=s)).paging_state for s in (1, 4, 9)]
    other = f"other-{uuid4()}"
    for i in range(5):
        f(P(k=other, n=i).save())
    foreign = [
        f(P.find(k=other).paged_all(page_size=2)).paging_state,  # the same query, other values
        f(P.find(k=k).only("k", "n").paged_all(page_size=3)).paging_state,
        f(P.find(k=k, n__gte=2).paged_all(page_size=3)).paging_state,
        f(P.find(k=k).limit(20).paged_all(page_size=3)).paging_state,
        f(R.find(sensor=sensor).paged_all(page_size=1)).paging_state,  # another table
    ]
    foreign = [c for c in foreign if c is not None]
    # the state the driver returned, under the old API (raw bytes), and as text
    raw_state = _unb64(real[0])[17:]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    out: list[Any] = [
        "",
        "=",
        "A",
        "A" * 10_000,
        raw_state,
        raw_state.hex(),
        _b64(raw_state),
        real[0] + "=",
        real[0] + "\n",
        " " + real[0],
        "é" + real[0][1:],
        123,
        4.5,
        {"state": real[0]},
        [real[0]],
        real[0].encode(),
    ]
    while len(out) < n:
        kind = len(out) % 5
        cur = rnd.choice(real)
        if kind == 0:  # garbage in the cursor alphabet, of any length
            out.append("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 120))))
        elif kind == 1:  # garbage bytes, base64url-encoded like a cursor
            out.append(_b64(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 80)))))
        elif kind == 2:  # truncated
            out.append(cur[: rnd.randrange(0, len(cur))])
        elif kind == 3:  # tampered: one bit flipped anywhere (version, tag or state)
            raw = bytearray(_unb64(cur))
            i = rnd.randrange(len(raw))
            raw[i] ^= 1 << rnd.randrange(8)
            out.append(_b64(bytes(raw)))
        else:  # foreign: another query's cursor, or a real one re-signed with a guessed tag
            if rnd.random() < 0.5:
                out.append(rnd.choice(foreign))
            else:
                raw = _unb64(cur)
                out.append(_b64(raw[:1] + rnd.randbytes(16) + raw[17:]))
    return out[:n]


def test_hostile_cursors_are_refused_while_reads_run(f: Any, P: Any, small: str) -> None:
    """1,000 hostile cursors sent while legitimate paged reads run: each hostile one is an
    InvalidQueryError naming paging_state, and no legitimate read fails."""
    hostile = _hostile_cursors(f, P, small, HOSTILE)
    assert len(hostile) == HOSTILE
    expected = list(range(30))
    refused: list[str] = []
    walks: list[list[int]] = []

    def try_hostile(cursor: Any) -> Any:
        return P.find(k=small).paged_all(paging_state=cursor, page_size=4)

    if not f.is_async:
        done = threading.Event()

        def reader() -> int:
            count = 0
            while not done.is_set() and count < 500:
                walks.append(_walk(f, P, small))
                count += 1
            return count

        with ThreadPoolExecutor(3) as pool:
            readers = [pool.submit(reader) for _ in range(3)]
            try:
                for cursor in hostile:
                    with pytest.raises(InvalidQueryError) as info:
                        try_hostile(cursor)
                    refused.append(str(info.value))
            finally:
                done.set()
            for r in readers:
                r.result(timeout=BOUND_S)  # a failed legitimate read raises here
    else:

        async def main() -> None:
            done = asyncio.Event()

            async def reader() -> None:
                count = 0
                while not done.is_set() and count < 500:
                    out: list[int] = []
                    cursor = None
                    while True:
                        page = await P.find(k=small).paged_all(paging_state=cursor, page_size=4)
                        out += [r.n for r in page]
                        cursor = page.paging_state
                        if cursor is None:
                            break
                    walks.append(out)
                    count += 1

            async def attacker() -> None:
                try:
                    for i, cursor in enumerate(hostile):
                        with pytest.raises(InvalidQueryError) as info:
                            await try_hostile(cursor)
                        refused.append(str(info.value))
                        if i % 10 == 0:
                            await asyncio.sleep(0.001)  # let the readers' requests interleave
                finally:
                    done.set()

            await asyncio.gather(attacker(), *(reader() for _ in range(3)))

        f.loop.run_until_complete(asyncio.wait_for(main(), BOUND_S))

    assert len(refused) == HOSTILE
    assert all("paging_state" in msg for msg in refused)
    assert walks, "no legitimate read ran alongside"
    assert all(w == expected for w in walks)
    # and right after the burst, reads still work (the dropped connections lasted ~1.2 s)
    assert _walk(f, P, small) == expected
    assert len(f(P.find(k=small).all())) == 30


def test_the_same_query_with_other_values_refuses_the_cursor(f: Any, P: Any) -> None:
    """Sent with other values, a paging state resumes where the other query stopped: the
    server then returns rows outside the token range asked for. The values are signed."""
    from coodie.expr.columns import token

    tag = uuid4().hex[:8]
    for i in range(12):
        f(P(k=f"{tag}-{i}", n=0).save())
    low = f(P.find(token(P.k) > -(2**63) + 1).paged_all(page_size=3))
    assert low.paging_state is not None
    high = 2**62
    with pytest.raises(InvalidQueryError, match="other values"):
        f(P.find(token(P.k) > high).paged_all(paging_state=low.paging_state, page_size=3))
    # the query's own cursors walk only its own range (tokens as the driver computes them)
    cursor = None
    for _ in range(1000):
        page = f(P.find(token(P.k) > high).paged_all(paging_state=cursor, page_size=500))
        assert all(Murmur3Token.from_key(r.k.encode()).value > high for r in page)
        cursor = page.paging_state
        if cursor is None:
            break
    assert cursor is None


def test_a_bad_cursor_is_refused_before_anything_is_sent(f: Any, P: Any, small: str) -> None:
    cursor = f(P.find(k=small).paged_all(page_size=2)).paging_state
    with pages_seen(f) as seen:
        changed_last = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")  # any character counts
        for bad in (cursor[:-3], changed_last, b"\x00\x01", bytes.fromhex("0001")):
            with pytest.raises(InvalidQueryError, match=r"paged_all\(paging_state=\.\.\.\)"):
                f(P.find(k=small).paged_all(paging_state=bad, page_size=2))
        with pytest.raises(InvalidQueryError, match="not made for this query"):
            f(P.find(k=small).only("k", "n").paged_all(paging_state=cursor, page_size=2))
    assert seen == []


_CHILD = """
import json, sys
import coodie.sync as cs
from tests.integration.test_paging import _rows_model
hosts, port, ks, driver_type, k, key = json.loads(sys.argv[1])
out = []
for cursor_key in (key, None):
    cs.init_coodie(hosts=hosts, port=port, keyspace=ks, driver_type=driver_type,
                   name="child", cursor_key=cursor_key)
    P = _rows_model(cs, "child")
    out.append(P.find(k=k).paged_all(page_size=5).paging_state)
    from coodie.registry import get_driver, unregister_driver
    d = get_driver("child"); unregister_driver("child"); d.shutdown()
print(json.dumps(out))
"""


def test_cursor_key_lets_processes_share_cursors(f: Any, P: Any, small: str, keyspace: str) -> None:
    """A cursor made in another process is accepted where the same cursor_key is set, and
    refused under the default (per-process) key or another key."""
    hosts, port = _contact_points()
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    key = "a shared secret of 32 characters"
    args = json.dumps([hosts, port, keyspace, driver_type, small, key])
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, args],
        capture_output=True,
        text=True,
        timeout=BOUND_S,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert child.returncode == 0, child.stderr
    keyed, unkeyed = json.loads(child.stdout.strip().splitlines()[-1])

    for cursor_key, accepts in (
        (key, True),
        (None, False),
        ("another secret, 32 characters..", False),
    ):
        driver = coodie.sync.init_coodie(
            hosts=hosts,
            port=port,
            keyspace=keyspace,
            driver_type=driver_type,
            name="paging-keyed",
            cursor_key=cursor_key,
        )
        try:
            Keyed = _rows_model(f.module, "paging-keyed")
            if accepts:
                page = f(Keyed.find(k=small).paged_all(paging_state=keyed, page_size=5))
                assert [r.n for r in page] == [5, 6, 7, 8, 9]
            else:
                with pytest.raises(InvalidQueryError, match="not made for this query"):
                    f(Keyed.find(k=small).paged_all(paging_state=keyed, page_size=5))
            with pytest.raises(InvalidQueryError, match="not made for this query"):
                f(Keyed.find(k=small).paged_all(paging_state=unkeyed, page_size=5))
        finally:
            unregister_driver("paging-keyed")
            driver.shutdown()


@pytest.mark.parametrize("bad", [b"short", "", 12345, "fifteen chars!!"])
def test_a_weak_cursor_key_is_a_configuration_error(bad: Any) -> None:
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    with pytest.raises(ConfigurationError, match=r"cursor_key: .*at least 16 bytes"):
        coodie.sync.init_coodie(
            hosts=["127.0.0.1"], name="paging-weak", driver_type=driver_type, cursor_key=bad
        )
    with pytest.raises(ConfigurationError, match="no driver named"):
        get_driver("paging-weak")  # nothing was registered


# ------------------------------------------------------------------ item 7: bounded reads


def test_iteration_pages_at_the_default_page_size(f: Any, P: Any, big: str) -> None:
    """6,000 rows come back in pages of 5,000 on every driver (acsylla sent one response)."""
    with pages_seen(f) as seen:
        streamed = f.list(P.find(k=big))
    assert seen == [5000, BIG_ROWS - 5000]
    assert [r.n for r in streamed] == list(range(BIG_ROWS))
    with pages_seen(f) as seen:
        assert len(f(P.find(k=big).all())) == BIG_ROWS
    assert seen == [5000, BIG_ROWS - 5000]
    with pages_seen(f) as seen:
        assert len(f.list(P.find(k=big).page_size(2500))) == BIG_ROWS
    assert seen == [2500, 2500, BIG_ROWS - 5000]


def test_paged_all_page_size_default_and_given(f: Any, P: Any, big: str) -> None:
    page = f(P.find(k=big).paged_all())
    assert len(page) == 100 and page.paging_state is not None
    page = f(P.find(k=big).page_size(7).paged_all())
    assert len(page) == 7
    page = f(P.find(k=big).page_size(7).paged_all(page_size=3))
    assert len(page) == 3


BAD_PAGE_SIZES = [0, -1, "x", True, False, 1.5, None, 2**31, math.nan]
BAD_TIMEOUTS = [-1, 0, 0.0, -0.5, "x", "1", True, math.nan, math.inf, -math.inf, 1e12]


def test_bad_page_sizes_and_timeouts_are_refused_when_given(f: Any, P: Any, small: str) -> None:
    qs = P.find(k=small)
    with pages_seen(f) as seen:
        for bad in BAD_PAGE_SIZES:
            with pytest.raises(InvalidQueryError, match=r"page_size\(\): a page size"):
                qs.page_size(bad)
            if bad is not None:  # paged_all(page_size=None) is the default page size
                with pytest.raises(
                    InvalidQueryError, match=r"paged_all\(page_size=\.\.\.\): a page size"
                ):
                    f(qs.paged_all(page_size=bad))
        for bad in BAD_TIMEOUTS:
            with pytest.raises(InvalidQueryError, match=r"timeout\(\): a timeout"):
                qs.timeout(bad)
            with (
                pytest.raises(InvalidQueryError, match="batch timeout=: a timeout"),
                f.batch(timeout=bad) as b,
            ):
                f(P(k=small, n=0, v=-1).save(batch=b))
    assert seen == []  # nothing reached the driver
    assert f(P.find(k=small, n=0).first()).v == 0  # the batched write never ran
    # the good ones still work
    assert len(f(qs.page_size(1).timeout(30).all())) == 30
    assert len(f(qs.timeout(None).paged_all(page_size=1))) == 1
