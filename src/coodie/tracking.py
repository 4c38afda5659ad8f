"""What a document remembers beside its values: the columns it was read with (a
document read with `only(...)`) and the fields assigned since it was read or written.

Both live in dicts keyed by the instance's id, not in the instance, so that a whole
document pays nothing for them; a finalizer drops the entry with the document.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable
from typing import Any

__all__ = [
    "ASSIGNED",
    "CHANGED",
    "HELD",
    "PARTIAL",
    "applied_unless_assigned",
    "assigned_since",
    "carry",
    "changed_fields",
    "give_back",
    "hold",
    "mark_changed",
    "mark_partial",
    "mark_written",
    "release",
    "stamp",
    "stamp_written",
    "take_changed",
    "written_unless_assigned",
]

# Documents read with only(...): id -> the columns they hold.
PARTIAL: dict[int, frozenset[str]] = {}
# Documents with fields assigned since they were read or last written (or given back:
# see give_back): id -> those fields.
CHANGED: dict[int, set[str]] = {}
# The same documents: id -> the stamp of each field's last assignment (see stamp()).
ASSIGNED: dict[int, dict[str, int]] = {}

# Batches holding a whole-row write not run yet, by id (see hold()).
HELD: set[int] = set()

# stamp(): the next tick of one clock for every document. Each assignment takes one, and
# each write when it is made: a field assigned after the write has a later stamp (see
# applied_unless_assigned). (A tick is one C call: atomic across threads.)
stamp: Callable[[], int] = itertools.count(1).__next__


def mark_partial(doc: Any, read: frozenset[str]) -> None:
    """Remember that `doc` holds only the columns `read` (until it is collected)."""
    PARTIAL[id(doc)] = read
    weakref.finalize(doc, PARTIAL.pop, id(doc), None)


def carry(original: Any, copy: Any) -> None:
    """A copy of a document (copy, deepcopy, model_copy) is what the original is to the
    table: partial too (a copy taken for a whole document would write defaults over the
    columns it never read), and with the same fields changed (its save_changes() writes
    them), though none assigned yet (see stamp())."""
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
    stamps = ASSIGNED.setdefault(key, {})
    new: set[str] = set()
    changed = CHANGED.setdefault(key, new)
    if changed is new:
        weakref.finalize(doc, _forget, key)
    return stamps, changed


def _forget(key: int) -> None:
    CHANGED.pop(key, None)
    ASSIGNED.pop(key, None)


def mark_changed(doc: Any, name: str) -> None:
    """`name` was assigned (DocumentCore.__setattr__, once the value is set). Stamped
    before it is marked changed: a write's answer that runs between the two then finds it
    either stamped (it stays changed) or not yet changed (the mark comes after)."""
    key = id(doc)
    stamps, changed = ASSIGNED.get(key), CHANGED.get(key)
    if stamps is None or changed is None:
        stamps, changed = _track(doc)
    stamps[name] = stamp()
    changed.add(name)


def changed_fields(doc: Any) -> set[str]:
    return set(CHANGED.get(id(doc), ()))


def hold(batch: Any) -> None:
    """`batch` holds a whole-row write of a document until it runs (it forgets itself
    then, or when collected unrun): meanwhile, the values documents take from direct
    writes are stamped as assignments (see stamp_written)."""
    key = id(batch)
    if key not in HELD:
        HELD.add(key)
        weakref.finalize(batch, HELD.discard, key)


def release(batch: Any) -> None:
    """`batch` has run its whole-row writes (see hold())."""
    HELD.discard(id(batch))


def stamp_written(doc: Any, names: Iterable[str]) -> None:
    """`doc` took `names` from a direct write while a batch holds a whole-row write (see
    hold()): stamped as assignments, not changed. A batch that then applies the older
    values of its row leaves them to be written (see written_unless_assigned)."""
    stamps = _track(doc)[0]
    for n in names:
        stamps[n] = stamp()


def applied_unless_assigned(doc: Any, before: int, names: Iterable[str]) -> list[str]:
    """A write of the fields `names`, made at the stamp `before` (see stamp()), has
    applied: the fields not assigned since, which the document takes from the write
    (returned). A field assigned since (another coroutine or thread, or while the write
    waited in a batch) keeps its newer value and is changed: it is still to be written,
    even if a direct write counted it written meanwhile (the table now holds this write's
    older value). Assignments are stamped, not values compared: a field set back to the
    value it held is assigned too."""
    stamps = _stamps_since(doc, before)
    if stamps is None:  # (nothing assigned since: the usual case)
        return list(names)
    kept: list[str] = []
    since: list[str] = []
    for n in names:
        (kept if stamps.get(n, 0) < before else since).append(n)
    if since:
        give_back(doc, since)
    return kept


def assigned_since(doc: Any, before: int) -> list[str]:
    """The fields of `doc` assigned since the stamp `before` (usually none: one look-up)."""
    stamps = _stamps_since(doc, before)
    if stamps is None:
        return []
    return [n for n, s in tuple(stamps.items()) if s > before]


def _stamps_since(doc: Any, before: int) -> dict[str, int] | None:
    """The stamps of `doc` where a field has been assigned since `before`; else None (the
    usual case: one look-up and a max() in C, which no other thread interrupts; a
    "latest" entry kept beside them could be stored out of order by two threads)."""
    stamps = ASSIGNED.get(id(doc))
    if stamps is None or max(stamps.values(), default=0) < before:
        return None
    return stamps


def written_unless_assigned(doc: Any, before: int) -> None:
    """After a write of the whole row of `doc`, made at the stamp `before`: the fields it
    carried now hold what the table holds; those assigned since are changed (see
    applied_unless_assigned)."""
    changed = CHANGED.get(id(doc))
    # (a copy, taken first: another thread may assign meanwhile, and stamps a field
    # before it marks it changed, so each name copied is stamped by now)
    names = tuple(changed) if changed else ()
    if _stamps_since(doc, before) is None:  # (nothing assigned since: the usual case)
        if changed and names:
            changed.difference_update(names)
        return
    since = assigned_since(doc, before)
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
