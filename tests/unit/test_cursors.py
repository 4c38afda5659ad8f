"""Paging cursors without a node: what the signed encoding refuses (issue 12 item 6).

The integration tests (tests/integration/test_paging.py) send cursors through the real
drivers; here every single-character change of a cursor is tried.
"""

from __future__ import annotations

import uuid

import pytest

from coodie import cursors
from coodie.exceptions import ConfigurationError, InvalidQueryError

KEY = b"k" * 32
CQL = "SELECT k, n FROM ks.t WHERE k = ?"
PARAMS = ("a",)
STATE = bytes.fromhex("0006000400000002f07ffffffcf07ffffff0")  # as a server returns one
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_a_cursor_round_trips_for_its_own_query_and_key() -> None:
    cursor = cursors.encode(KEY, CQL, PARAMS, STATE)
    assert set(cursor) <= set(ALPHABET)
    assert cursors.decode(KEY, CQL, PARAMS, cursor, "T") == STATE


def test_every_single_character_change_is_refused() -> None:
    cursor = cursors.encode(KEY, CQL, PARAMS, STATE)
    tried = 0
    for i, old in enumerate(cursor):
        for c in ALPHABET:
            if c == old:
                continue
            with pytest.raises(InvalidQueryError, match=r"T\.paged_all\(paging_state=\.\.\.\)"):
                cursors.decode(KEY, CQL, PARAMS, cursor[:i] + c + cursor[i + 1 :], "T")
            tried += 1
    assert tried == len(cursor) * (len(ALPHABET) - 1)


def test_another_query_or_key_is_refused() -> None:
    cursor = cursors.encode(KEY, CQL, PARAMS, STATE)
    with pytest.raises(InvalidQueryError, match="not made for this query"):
        cursors.decode(KEY, CQL + " LIMIT ?", PARAMS, cursor, "T")
    with pytest.raises(InvalidQueryError, match="not made for this query"):
        cursors.decode(b"x" * 32, CQL, PARAMS, cursor, "T")


def test_the_same_query_with_other_values_is_refused() -> None:
    """Sent with other values, a paging state resumes where the other query stopped (the
    server returns rows outside the token range asked for): the values are signed too."""
    cql = "SELECT k FROM ks.t WHERE token(k) > ? LIMIT ?"
    cursor = cursors.encode(KEY, cql, [5, 10], STATE)
    assert cursors.decode(KEY, cql, (5, 10), cursor, "T") == STATE
    for other in ([6, 10], [5, 11], [5.0, 10], ["5", 10], [True, 10], [5], [5, 10, None]):
        with pytest.raises(InvalidQueryError, match="other values"):
            cursors.decode(KEY, cql, other, cursor, "T")


def test_equal_values_sign_alike_whatever_their_order_in_sets_and_maps() -> None:
    words = [f"w{i}" for i in range(50)]
    params = ({w: 1 for w in words}, set(words), frozenset(words), [uuid.UUID(int=1)])
    cursor = cursors.encode(KEY, CQL, params, STATE)
    again = ({w: 1 for w in reversed(words)}, set(reversed(words)), frozenset(words[::-1]))
    assert cursors.decode(KEY, CQL, (*again, [uuid.UUID(int=1)]), cursor, "T") == STATE
    with pytest.raises(InvalidQueryError, match="other values"):
        cursors.decode(
            KEY, CQL, (*again[:2], frozenset(words[1:]), [uuid.UUID(int=1)]), cursor, "T"
        )


@pytest.mark.parametrize(
    "bad",
    ["", "A", "AB", "=", "a" * (cursors.MAX_CURSOR_CHARS + 1), "abc+/", "ab cd", None, 1, b"AQ"],
)
def test_malformed_cursors_are_refused(bad: object) -> None:
    with pytest.raises(InvalidQueryError, match="paging_state"):
        cursors.decode(KEY, CQL, PARAMS, bad, "T")


def test_cursor_key_must_be_a_real_secret() -> None:
    assert cursors.check_cursor_key(None) == cursors.PROCESS_KEY
    assert cursors.check_cursor_key("s" * 16) == b"s" * 16
    for bad in ("short", b"", 123, ["x" * 20]):
        with pytest.raises(ConfigurationError, match="cursor_key"):
            cursors.check_cursor_key(bad)
