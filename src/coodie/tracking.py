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
    "applied_unless_assigned",
    "assigned",
    "carry",
    "changed_fields",
    "give_back",
    "mark_changed",
    "mark_partial",
    "mark_written",
    "take_changed",
    "written_unless_assigned",
]

# Documents read with only(...): id -> the columns they hold.
PARTIAL: dict[int, frozenset[str]] = {}
# Documents with fields assigned since they were read or last written (or given back:
# see give_back): id -> those fields.
CHANGED: dict[int, set[str]] = {}
# The same documents: id -> how many times each field has been assigned, ever (see
# applied_unless_assigned).
ASSIGNED: dict[int, dict[str, int]] = {}


def mark_partial(doc: Any, read: frozenset[str]) -> None:
    """Remember that `doc` holds only the columns `read` (until it is collected)."""
    PARTIAL[id(doc)] = read
    weakref.finalize(doc, PARTIAL.pop, id(doc), None)


def carry(original: Any, copy: Any) -> None:
    """A copy of a document (copy, deepcopy, model_copy) is what the original is to the
    table: partial too (a copy taken for a whole document would write defaults over the
    columns it never read), and with the same fields changed (its save_changes() writes
    them), though none assigned yet (see assigned())."""
    read = PARTIAL.get(id(original))
    if read is not None:
        mark_partial(copy, read)
    changed = CHANGED.get(id(original))
    if changed:
        give_back(copy, tuple(changed))


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
    when a write is made: see applied_unless_assigned."""
    counts = ASSIGNED.get(id(doc))
    return dict(counts) if counts else None


_NEVER: dict[str, int] = {}  # (the assignments of a document never assigned)


def applied_unless_assigned(
    doc: Any, before: dict[str, int] | None, names: Iterable[str]
) -> list[str]:
    """A write of the fields `names`, made when the assignments of `doc` were `before`
    (see assigned()), has applied: the fields not assigned since, which the document
    takes from the write (returned). A field assigned since (another coroutine or thread,
    or while the write waited in a batch) keeps its newer value and is changed: it is
    still to be written, even if a direct write counted it written meanwhile (the table
    now holds this write's older value). Assignments are counted, not values compared: a
    field set back to the value it held is assigned too."""
    counts = ASSIGNED.get(id(doc))
    if not counts or counts == before:  # (nothing assigned since: the usual case)
        return list(names)
    b = before or _NEVER
    kept: list[str] = []
    since: list[str] = []
    for n in names:
        (kept if counts.get(n, 0) == b.get(n, 0) else since).append(n)
    if since:
        give_back(doc, since)
    return kept


def written_unless_assigned(doc: Any, before: dict[str, int] | None) -> None:
    """After a write of the whole row of `doc`, made when its assignments were `before`:
    the fields it carried now hold what the table holds; those assigned since are changed
    (see applied_unless_assigned)."""
    key = id(doc)
    changed = CHANGED.get(key)
    # (a copy, taken first: another thread may assign meanwhile, and counts a field
    # before it marks it changed, so each name copied is counted by now)
    names = tuple(changed) if changed else ()
    counts = ASSIGNED.get(key)
    if not counts or counts == before:  # (nothing assigned since: the usual case)
        if changed and names:
            changed.difference_update(names)
        return
    b = before or _NEVER
    since = {n for n, c in tuple(counts.items()) if c != b.get(n, 0)}
    if changed and names:
        changed.difference_update([n for n in names if n not in since])
    give_back(doc, since)


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
    """Count `names` as changed again (the write that took them did not apply, or wrote
    an older value than the document's); not as assigned (see applied_unless_assigned)."""
    _track(doc)[1].update(names)
