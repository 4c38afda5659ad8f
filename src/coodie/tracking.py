"""What a document remembers beside its values: the columns it was read with (a
document read with `only(...)`) and the fields assigned since it was read or written.

Both live in dicts keyed by the instance's id, not in the instance, so that a whole
document pays nothing for them; a finalizer drops the entry with the document.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

__all__ = ["PARTIAL", "carry_partial", "changed_fields", "mark_changed", "mark_partial"]

# Documents read with only(...): id -> the columns they hold.
PARTIAL: dict[int, frozenset[str]] = {}
# Documents with fields assigned since they were read or last written: id -> those fields.
CHANGED: dict[int, set[str]] = {}


def mark_partial(doc: Any, read: frozenset[str]) -> None:
    """Remember that `doc` holds only the columns `read` (until it is collected)."""
    PARTIAL[id(doc)] = read
    weakref.finalize(doc, PARTIAL.pop, id(doc), None)


def carry_partial(original: Any, copy: Any) -> None:
    """A copy of a partial document is partial too: a copy taken for a whole document
    would write defaults over the columns it never read."""
    read = PARTIAL.get(id(original))
    if read is not None:
        mark_partial(copy, read)


def mark_changed(doc: Any, name: str) -> None:
    changed = CHANGED.get(id(doc))
    if changed is None:
        changed = CHANGED[id(doc)] = set()
        weakref.finalize(doc, CHANGED.pop, id(doc), None)
    changed.add(name)


def changed_fields(doc: Any) -> set[str]:
    return set(CHANGED.get(id(doc), ()))


_NOTHING: Any = object()  # (a field a document does not hold)


def held(doc: Any) -> dict[str, Any] | None:
    """The values the fields of `doc` assigned since it was read or written hold now, as
    a write of the whole row about to be sent carries them (None: there are none). See
    written_as_held."""
    changed = CHANGED.get(id(doc))
    if not changed:
        return None
    d = doc.__dict__
    return {n: d.get(n, _NOTHING) for n in changed}


def written_as_held(doc: Any, held: dict[str, Any] | None) -> None:
    """After a write of the whole row of `doc` that carried `held` (see held()): the
    fields that still hold the value it carried now hold what the table holds. A field
    assigned while the write was on its way (another coroutine or thread) stays changed:
    the table does not hold its new value."""
    if held is None:  # (a field changed now was assigned after the write was made)
        return
    changed = CHANGED.get(id(doc))
    if changed:
        d = doc.__dict__
        changed.difference_update([n for n, v in held.items() if d.get(n, _NOTHING) is v])


def mark_written(doc: Any, names: Iterable[str] | None = None) -> None:
    """The fields `names` (every field if None) now hold what the table holds."""
    changed = CHANGED.get(id(doc))
    if changed is not None:
        if names is None:
            changed.clear()
        else:
            changed.difference_update(names)


def take_changed(doc: Any) -> set[str] | None:
    """The fields of `doc` assigned since it was read or written, now counted as written
    (a write of its whole row was queued); None if there were none. Fields assigned
    after this are changed again."""
    changed = CHANGED.get(id(doc))
    if not changed:
        return None
    taken = set(changed)
    changed.clear()
    return taken


def give_back(doc: Any, names: Iterable[str]) -> None:
    """Count `names` as assigned again (the write that took them did not apply)."""
    for name in names:
        mark_changed(doc, name)
