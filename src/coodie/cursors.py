"""Paging cursors: a driver's paging state, signed, as an opaque URL-safe string.

`paged_all()` hands out the state that fetches the next page as a cursor, and takes it
back. A paging state the server did not make for the statement it is sent with can make
the driver drop its connections (every other request in the process then fails for a
while), and one made for the same statement with other values resumes where that other
query stopped (the server then returns rows outside the query's own token range, or
skips partitions of its IN list). So a cursor is only ever turned back into a paging
state when its HMAC proves that coodie made it, with this key, for this query: the same
statement shape (its CQL text) and the same bound values. Anything else is an
`InvalidQueryError` before the server sees it.

Layout: base64url without padding of `version (1 byte) | tag (16 bytes) | state`, where
tag = HMAC-SHA256(key, shape, values and state) truncated to 128 bits. The state is not
encrypted: it is the server's own opaque token (a partition key and row position).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Sequence
from decimal import Decimal

from coodie.exceptions import ConfigurationError, InvalidQueryError

__all__ = ["MAX_CURSOR_CHARS", "PROCESS_KEY", "check_cursor_key", "decode", "encode"]

_VERSION = b"\x01"
_TAG_BYTES = 16
_DOMAIN = b"coodie paging cursor v1\x00"
MAX_CURSOR_CHARS = 4096  # a server paging state is tens of bytes; this bounds the work
_MIN_KEY_BYTES = 16
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")

# The key of a driver given no `cursor_key`: random per process, so a cursor is good only
# in the process that made it. Deployments with several processes behind one client
# (workers, replicas) set the same `init_coodie(cursor_key=...)` in each.
PROCESS_KEY = secrets.token_bytes(32)


def check_cursor_key(key: object) -> bytes:
    """`init_coodie(cursor_key=...)`: None (the per-process key), or str/bytes of 16+ bytes."""
    if key is None:
        return PROCESS_KEY
    if isinstance(key, str):
        raw = key.encode("utf-8")
    elif isinstance(key, (bytes, bytearray)):
        raw = bytes(key)
    else:
        raise ConfigurationError(
            f"cursor_key: a secret str or bytes of at least {_MIN_KEY_BYTES} bytes, "
            f"got {type(key).__name__}"
        )
    if len(raw) < _MIN_KEY_BYTES:
        raise ConfigurationError(
            f"cursor_key: at least {_MIN_KEY_BYTES} bytes of secret (e.g. secrets.token_hex(32)), "
            f"got {len(raw)}"
        )
    return raw


def _framed(kind: bytes, data: bytes) -> bytes:
    return kind + len(data).to_bytes(4, "big") + data


def _canonical(v: object) -> bytes:
    """The same bytes for equal bound values in any process (sets and maps sorted)."""
    if v is None:
        return b"N"
    if isinstance(v, bool):
        return b"T" if v else b"F"
    if isinstance(v, int):
        return _framed(b"i", str(v).encode())
    if isinstance(v, float):
        return _framed(b"f", v.hex().encode())
    if isinstance(v, str):
        return _framed(b"s", v.encode("utf-8", "surrogatepass"))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _framed(b"b", bytes(v))
    if isinstance(v, Decimal):
        return _framed(b"d", str(v).encode())
    if isinstance(v, uuid.UUID):
        return _framed(b"u", v.bytes)
    if isinstance(v, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        return _framed(b"t", f"{type(v).__name__}:{v!r}".encode())
    if isinstance(v, (list, tuple)):
        return _framed(b"l", b"".join(_canonical(x) for x in v))
    if isinstance(v, (set, frozenset)):
        return _framed(b"S", b"".join(sorted(_canonical(x) for x in v)))
    if isinstance(v, dict):
        items = sorted(_canonical(k) + _canonical(x) for k, x in v.items())
        return _framed(b"m", b"".join(items))
    return _framed(b"r", f"{type(v).__module__}.{type(v).__qualname__}:{v!r}".encode())


def _tag(key: bytes, shape: str, params: Sequence[object], state: bytes) -> bytes:
    msg = (
        _DOMAIN
        + _framed(b"q", shape.encode("utf-8"))
        + _canonical(list(params))
        + _framed(b"p", state)
    )
    return hmac.new(key, msg, hashlib.sha256).digest()[:_TAG_BYTES]


def encode(key: bytes, shape: str, params: Sequence[object], state: bytes) -> str:
    """The cursor for the paging state `state` of the statement `shape` (its CQL text)
    run with the bound values `params`."""
    raw = _VERSION + _tag(key, shape, params, state) + state
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(key: bytes, shape: str, params: Sequence[object], cursor: object, owner: str) -> bytes:
    """The paging state in `cursor`, if coodie made it with `key` for `shape` run with
    `params`; `InvalidQueryError` (naming `owner` and `paging_state`) otherwise."""
    where = f"{owner}.paged_all(paging_state=...)"
    if not isinstance(cursor, str):
        raise InvalidQueryError(
            f"{where}: a paging state is the cursor string a previous paged_all() returned "
            f"(its .paging_state), got {type(cursor).__name__}"
        )
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidQueryError(
            f"{where}: malformed cursor ({len(cursor)} characters; a cursor has at most "
            f"{MAX_CURSOR_CHARS})"
        )
    if not _ALPHABET.fullmatch(cursor):
        raise InvalidQueryError(
            f"{where}: malformed cursor (a cursor is base64url: letters, digits, '-' and '_')"
        )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidQueryError(f"{where}: malformed cursor (not base64url)") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != cursor:
        # only the one encoding coodie writes: no character may change unnoticed
        raise InvalidQueryError(f"{where}: malformed cursor (not as coodie encodes one)")
    if len(raw) <= 1 + _TAG_BYTES or raw[:1] != _VERSION:
        raise InvalidQueryError(f"{where}: malformed cursor (truncated or of another version)")
    tag, state = raw[1 : 1 + _TAG_BYTES], raw[1 + _TAG_BYTES :]
    if not hmac.compare_digest(tag, _tag(key, shape, params, state)):
        raise InvalidQueryError(
            f"{where}: this cursor was not made for this query (it was altered, or another "
            "query, the same query with other values, or another cursor_key made it)"
        )
    return state
