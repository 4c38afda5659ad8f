"""What a document remembers beside its values: the columns it was read with (a
document read with `only(...)`) and the fields assigned since it was read or written.

Both live in dicts keyed by the instance's id, not in the instance, so that a whole
document pays nothing for them; a finalizer drops the entry with the document.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

__all__ = [
    "ASSIGNED",
    "CHANGED",
    "PARTIAL",
    "assigned",
    "carry_partial",
    "changed_fields",
    "give_back",
    "mark_changed",
    "mark_partial",
    "mark_written",
    "take_changed",
    "unassigned_since",
    "written_unless_assigned",
]

# Documents read with only(...): id -> the columns they hold.
PARTIAL: dict[int, frozenset[str]] = {}
# Documents with fields assigned since they were read or last written: id -> those fields.
CHANGED: dict[int, set[str]] = {}
# The same documents: id -> how many times each field has been assigned, ever (see
# unassigned_since).
ASSIGNED: dict[int, dict[str, int]] = {}


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


def _track(doc: Any) -> tuple[dict[str, int], set[str]]:
    """The entries of `doc` in ASSIGNED and CHANGED, made where missing. Threads making
    them at once share one pair (setdefault is one step), and one finalizer drops them."""
    key = id(doc)
    counts = ASSIGNED.setdefault(key, {})
    new: set[str] = set()
    changed = CHANGED.setdefault(key, new)
    if changed is new:
        weakref.finalize(doc, _forget, key)
    return counts, changed


def _forget(key: int) -> None:
    CHANGED.pop(key, None)
    ASSIGNED.pop(key, None)


def mark_changed(doc: Any, name: str) -> None:
    """`name` was assigned (DocumentCore.__setattr__, once the value is set). Counted
    before it is marked changed: a write's answer that runs between the two then finds it
    either counted (it stays changed) or not yet changed (the mark comes after)."""
    key = id(doc)
    counts, changed = ASSIGNED.get(key), CHANGED.get(key)
    if counts is None or changed is None:
        counts, changed = _track(doc)
    counts[name] = counts.get(name, 0) + 1
    changed.add(name)


def changed_fields(doc: Any) -> set[str]:
    return set(CHANGED.get(id(doc), ()))


def assigned(doc: Any) -> dict[str, int] | None:
    """How many times each field of `doc` has been assigned so far (None: never), taken
    when a write is made: see unassigned_since."""
    counts = ASSIGNED.get(id(doc))
    return dict(counts) if counts else None


def unassigned_since(doc: Any, before: dict[str, int] | None, names: Iterable[str]) -> list[str]:
    """Of the fields `names`, those not assigned since `before` (see assigned()): a
    write's answer gives the document, or counts as written, only those. A field assigned
    while the write was on its way (another coroutine or thread) keeps its new value, still
    to be written. Assignments are counted, not values compared: a field set back to the
    value it held is assigned too."""
    counts = ASSIGNED.get(id(doc))
    if not counts:
        return list(names)
    if before is None:
        return [n for n in names if n not in counts]
    return [n for n in names if counts.get(n, 0) == before.get(n, 0)]


def written_unless_assigned(doc: Any, before: dict[str, int] | None) -> None:
    """After a write of the whole row of `doc`, made when its assignments were `before`:
    the fields it carried now hold what the table holds; those assigned since stay
    changed (see unassigned_since)."""
    changed = CHANGED.get(id(doc))
    if changed:  # (a copy to read: another thread may assign meanwhile)
        changed.difference_update(unassigned_since(doc, before, tuple(changed)))


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
    """Count `names` as changed again (the write that took them did not apply); not as
    assigned (see unassigned_since)."""
    _track(doc)[1].update(names)
