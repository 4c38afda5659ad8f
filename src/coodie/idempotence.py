"""Which statements may be sent twice: the drivers' retry and speculative-execution
policies retry only statements marked idempotent, and both drivers mark each statement
coodie runs by `idempotent()`.

Idempotent: reads, and writes whose effect is the same however often they apply (plain
INSERT/UPDATE/DELETE, set and map additions, removals). Never: lightweight transactions
(IF ...), counter updates, list appends and prepends, deleting a list element by index,
and writes that call now(), uuid() or currentTimestamp() (each run makes another value).
Raw CQL that coodie did not compile (`execute_raw`, `batch.add`) is never marked, reads
aside. Decided once per statement text (cached)."""

from __future__ import annotations

import re

from coodie.requests import Compiled

__all__ = ["idempotent"]

_NAME = r'(?:"(?:[^"]|"")+"|\w+)'
# `c = c + ?`, `c = c - ?` (counters, collections) and `c = ? + c` (a list prepend)
_ASSIGN = re.compile(rf"({_NAME}) = (?:\1 ([+-]) \?|\? \+ \1)")
_CALLS = re.compile(r"\b(?:now|uuid|currenttime\w*|currentdate|currenttimeuuid)\s*\(", re.I)
_ELEMENT_DELETE = re.compile(rf"^\s*DELETE\b[^;]*?{_NAME}\s*\[", re.I)
# by statement text: one text names one table's columns, so the types that decide are the same
_cache: dict[str, bool] = {}


def idempotent(compiled: Compiled) -> bool:
    known = _cache.get(compiled.cql)
    if known is None:
        if len(_cache) > 4096:
            _cache.clear()
        known = _cache[compiled.cql] = _decide(compiled)
    return known


def _decide(compiled: Compiled) -> bool:
    if compiled.lwt:
        return False
    cql = compiled.cql
    verb = cql.lstrip()[:6].upper()
    if verb == "SELECT":
        return True
    if compiled.types is None:
        # CQL coodie did not compile (execute_raw, batch.add): its IF, counters and list
        # operations are not known for sure, so it is never marked
        return False
    if verb not in ("INSERT", "UPDATE", "DELETE") or _CALLS.search(cql):
        return False
    if verb == "DELETE" and _ELEMENT_DELETE.search(cql.split(" FROM ", 1)[0] + " "):
        return False  # a list element by index (or a map key: cannot tell, so not marked)
    types = compiled.types.params
    for m in _ASSIGN.finditer(cql):
        if m.group(2) is None:
            return False  # `c = ? + c`: a list prepend
        marker = cql.count("?", 0, m.end() - 1)
        kind = types[marker].name if marker < len(types) else None
        if not (kind in ("set", "map") or (kind == "list" and m.group(2) == "-")):
            return False  # a counter (its marker binds a bigint), a list append, or unknown
    return True
