"""Document operations written once, for the sync and async shells.

A read or write of one statement is a `Single`: its request, and the function from the
result page to the call's answer. A shell runs it; a batch queues it and applies the
function once the batch has applied. Work of several steps stays a *flow*, a generator
that yields a `Request` (or a list of them to run concurrently, a `BatchRequest`, a
`RawRequest`), receives the `Page`(s) and returns the result: a batch's own run here,
bulk writes, sync_table and paging elsewhere.
"""

from __future__ import annotations

import dataclasses
import inspect
import struct
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from typing_extensions import Unpack

from coodie.document import IfConditions, LWTResult, conditions_from
from coodie.drivers import keep
from coodie.exceptions import InvalidQueryError, UnsupportedOperation
from coodie.expr.compiler import (
    CHANGES,
    CONDITIONS,
    FIELDS,
    Compiled,
    Fallback,
    compile_fixed,
    compile_statement,
    fixed_sources,
    learned,
)
from coodie.expr.nodes import (
    Assignment,
    AssignOp,
    BatchKind,
    Compare,
    Delete,
    Expr,
    Insert,
    Op,
    Param,
    Select,
    Statement,
    Update,
)
from coodie.expr.validate import validate_batch
from coodie.hydrate import null_value as _null_value
from coodie.polymorphic import condition as poly_condition
from coodie.query import (
    Flow,
    OneDocument,
    QuerySetCore,
    check_timeout,
    keyspace_of,
    read_page_size,
)
from coodie.registry import find_driver, get_driver
from coodie.requests import BatchRequest, HasDriver, Page, RawRequest, Request, level_name
from coodie.schema import ColumnKind, TableSchema
from coodie.tracking import (
    ASSIGNED,
    CHANGED,
    applied_unless_assigned,
    assigned_since,
    give_back,
    hold,
    release,
    stamp,
    take_changed,
    written_unless_assigned,
)
from coodie.tracking import PARTIAL as _PARTIAL

if TYPE_CHECKING:
    from coodie.document import DocumentCore
    from coodie.drivers import Driver

D = TypeVar("D", bound="DocumentCore")
T = TypeVar("T")


@dataclass(slots=True)  # not frozen: built per call
class Single(Generic[T]):
    """A one-statement operation as data: the request and the function from its result
    page to the call's answer."""

    request: Request | None  # None: nothing to send (the answer needs no page)
    answer: Callable[[Page], T]


NO_PAGE = Page([])  # what the answer of a Single with nothing to send receives


def _nothing(page: Page) -> None:
    return None


def _pending(page: Page) -> LWTResult:
    return LWTResult(False, pending=True)


# What a write queued in a batch returns (nothing is sent): None; insert(), an LWTResult
# that the batch's result tells once it has run.
QUEUED: Single[Any] = Single(None, _nothing)
QUEUED_INSERT: Single[Any] = Single(None, _pending)


def lwt_result(page: Page, model: type[DocumentCore] | None = None) -> LWTResult:
    """The `[applied]` row of a conditional write; the existing values are converted to
    the model's Python types where the model is known, and a null collection shows as the
    empty collection a document would hold (CQL stores an empty collection as null)."""
    if not page.rows:
        return LWTResult(False)
    row = page.rows[0]
    if bool(row[0]):
        return LWTResult(True)
    existing = dict(zip(page.columns[1:], row[1:]))
    if model is not None:
        schema = model._schema()
        for name, v in existing.items():
            col = schema.by_name.get(name)
            if col is None:
                continue
            if v is None:
                if col.cql_type.is_collection and name in model.model_fields:
                    empty = _null_value(model.model_fields[name], col)
                    if empty is not None:
                        existing[name] = empty()
            elif col.from_db is not None:
                existing[name] = col.from_db(v)
    return LWTResult(False, existing)


def compile_for(model: type[DocumentCore], stmt: Statement, driver: Driver | None) -> Compiled:
    schema = model._schema()
    return compile_statement(stmt, schema, _keyspace(model, schema, driver))


def _keyspace(model: type[DocumentCore], schema: TableSchema, driver: Driver | None) -> str:
    # the schema's own (no look-up), else that of the driver the call resolved (None: looked up)
    return schema.keyspace or keyspace_of(schema, model, driver)


# One recipe per statement shape (the compiler's key: table, keyspace and call shape): the
# bind of the template compile_fixed learned for it, and its request's fixed fields (the
# model's levels, a read's page size). A call of the shape outside a batch, at its model's
# levels, is then: a look-up, its values taken, bound, its request made.
_recipes: dict[Hashable, tuple[Callable[[Sequence[Any]], Compiled], Any, Any, int | None]] = {}


def _fixed(
    key: Hashable,
    schema: TableSchema,
    driver: Driver | None,
    plain: bool,
    sources: Any,
    general: Callable[..., Statement],
    *args: Any,
    read: bool = False,
) -> Request | Compiled:
    """A call of a fixed shape (see compile_fixed; `key[0]` is its model): its request by
    the shape's recipe where the call is `plain` (no batch, no levels of its own) and its
    driver is resolved; else its statement, the general way (the recipe is made once the
    compiler has learned the template)."""
    full: Any = None
    if plain and driver is not None:
        full = _recipe_key(schema, driver, key)
        recipe = _recipes.get(full)
        if recipe is not None:
            sources = sources() if callable(sources) else sources
            if sources is not None:
                bind, consistency, serial, fetch_size = recipe
                try:  # (a recipe's request: Quick._request makes it the same way)
                    return Request(bind(sources), consistency, None, fetch_size, None, serial)
                except Fallback:
                    pass
            full = None  # (the call cannot take it: the general way)
    ks = _keyspace(key[0], schema, driver)  # type: ignore[index]
    compiled = compile_fixed(key, schema, ks, sources, general, _parametrized, *args)
    template = learned(key, schema, ks) if full is not None else None
    if template is not None:
        fetch_size = read_page_size(template.paging) if read else None
        recipe = (template._bind, schema.consistency, schema.serial_consistency, fetch_size)
        keep(_recipes, full, recipe)
    return compiled


def _recipe_key(schema: TableSchema, driver: Driver, key: Hashable) -> Hashable:
    """What names the recipe of the call shape `key` on `driver` in `_recipes`."""
    return (schema, schema.keyspace or driver.keyspace, key)


# ------------------------------------------------------------------ quick ways
#
# The calls most programs make most (a get by the primary key, a save of a whole
# document), once _fixed has learned their shape's recipe, are made by the shell in
# three steps: the shape's Quick looked up, its request bound from the call, its answer
# made from the page. No operation, no Single, no key of the compiler's cache is built
# per call: about a sixth of the CPU a get costs over the raw driver's own, on acsylla.
# Anything else a call holds (positional arguments, options, a batch, a document that
# is partial or made without a field, a value its recipe cannot bind) takes the general
# way, which is where every rule is checked first (a Quick exists only for a shape the
# general way has made).


class Quick(Generic[T]):
    """The quick way of one call shape of one model: made from its recipe (see _fixed)."""

    __slots__ = ("bind", "consistency", "fetch_size", "head", "owned", "serial")

    def __init__(
        self,
        model: type[DocumentCore],
        recipe: Any,
        head: tuple[Any, ...] | None,
        by_fields: Callable[[Mapping[str, Any]], Compiled] | None = None,
    ):
        # (the schema the recipe was learned for: a polymorphic root's is rebuilt when a
        # subclass comes, and the Quick then is another model's)
        self.owned = model.__coodie_owned_schema__
        self.bind, self.consistency, self.serial, self.fetch_size = recipe
        # the sources before FIELDS (see fixed_sources); None: every marker reads FIELDS,
        # and `by_fields` binds from that mapping itself (Template.fields_binder)
        self.head = head
        if by_fields is not None:
            self.bind, self.head = by_fields, None

    def start(self, owner: Any, kwargs: Mapping[str, Any]) -> Started | None:
        """The call started: this Quick, the call's request, and what its answer needs of
        the call (None: the call takes the general way)."""
        raise NotImplementedError

    def answer(self, owner: Any, state: Any, page: Page) -> T:
        """The call's answer, from its page (`state`: from start())."""
        raise NotImplementedError

    def _request(self, fields: Any, changes: Any = None) -> Request | None:
        """The request bound from FIELDS and CHANGES (no CONDITIONS: see fixed_sources);
        None where a value takes the general way."""
        head = self.head
        try:
            compiled = self.bind(fields if head is None else (*head, fields, changes, None))
        except Fallback:
            return None
        # (as _fixed makes a request from the recipe: a shared helper would cost a call)
        return Request(compiled, self.consistency, None, self.fetch_size, None, self.serial)


class _Never(Quick[Any]):
    """What a finder keeps for a call shape that has no quick way (an option given): the
    call goes the general way without looking again."""

    __slots__ = ()

    def __init__(self, model: type[DocumentCore]):
        super().__init__(model, (None, None, None, None), None)

    def start(self, owner: Any, kwargs: Mapping[str, Any]) -> Started | None:
        return None


class _QuickGet(Quick[Any]):
    """`Model.get(column=value, ...)` and `find_one(...)` by lookups whose shape is learned."""

    __slots__ = ("build", "required")

    def __init__(self, model: type[DocumentCore], recipe: Any, required: bool, build: Any):
        # (as get() binds: LIMIT 2, to tell one row from several)
        super().__init__(model, recipe, fixed_sources({}, limit=2)[:FIELDS])
        self.fetch_size = None  # (two rows at most: a page size changes nothing, and costs)
        self.required = required
        self.build = build  # rows -> documents (see DocumentCore._from_rows)

    def start(self, owner: Any, kwargs: Mapping[str, Any]) -> Started | None:
        request = self._request(kwargs)
        return None if request is None else (self, request, request)

    def answer(self, owner: Any, state: Any, page: Page) -> Any:
        rows = page.rows
        if len(rows) == 1:
            return self.build(rows)[0]
        return OneDocument(owner, state, self.required)(page)  # (None, or what it raises)


class _QuickSave(Quick[None]):
    """`doc.save()` of a whole document, given no option."""

    __slots__ = ()

    def __init__(self, model: type[DocumentCore], recipe: Any, by_fields: Any):
        super().__init__(model, recipe, fixed_sources({})[:FIELDS], by_fields)

    def start(self, owner: Any, kwargs: Mapping[str, Any]) -> Started | None:
        before = stamp()  # (before the row is bound: as _Saved)
        fields = _whole_fields(owner)  # (a save given an option has no Quick: see _make_save)
        request = None if fields is None else self._request(fields)
        return None if request is None else (self, request, before)

    def answer(self, owner: Any, state: Any, page: Page) -> None:
        written_unless_assigned(owner, state)  # (as _Saved does)


class _QuickDelete(Quick[None]):
    """`doc.delete()` given no option."""

    __slots__ = ()

    def __init__(self, model: type[DocumentCore], recipe: Any):
        super().__init__(model, recipe, fixed_sources({})[:FIELDS])

    def start(self, owner: Any, kwargs: Mapping[str, Any]) -> Started | None:
        if id(owner) in _PARTIAL:  # (as delete(): the general way)
            return None
        request = self._request(owner.__dict__)
        return None if request is None else (self, request, None)

    def answer(self, owner: Any, state: Any, page: Page) -> None:
        return None


class _QuickUpdate(Quick[None]):
    """`doc.update(name=value, ...)` given no option: the new values validated as the
    general way does (`_validated_changes`), taken by the document once written."""

    __slots__ = ()

    def __init__(self, model: type[DocumentCore], recipe: Any):
        super().__init__(model, recipe, fixed_sources({})[:FIELDS])

    def start(self, owner: Any, kwargs: Mapping[str, Any]) -> Started | None:
        if id(owner) in _PARTIAL:  # (as update()'s sources: the general way)
            return None
        before = stamp()  # (before the values are bound: as update())
        new_values = owner._validated_changes(kwargs)
        request = self._request(owner.__dict__, new_values)
        if request is None:
            return None
        return self, request, _Applied(owner, request.compiled, new_values, before)

    def answer(self, owner: Any, state: Any, page: Page) -> None:
        state(page)


def _whole_fields(doc: DocumentCore) -> Mapping[str, Any] | None:
    """The fields of a document that holds every field (None: a partial document, or one
    made by model_construct() without a field, leaves columns out of its INSERT: the
    general way, and it teaches no shape)."""
    if id(doc) in _PARTIAL or len(doc.__dict__) < len(type(doc).__pydantic_fields__):
        return None
    return doc.__dict__


_quicks: dict[Hashable, Quick[Any]] = {}

# what makes a call shape's Quick from its model, schema, driver and keyword names (None:
# the shape has no quick way, or no recipe yet)
_Make = Callable[
    ["type[DocumentCore]", TableSchema, "Driver", tuple[str, ...]], "Quick[Any] | None"
]

# a call started the quick way: its Quick, its request, and what the Quick's answer needs
# of the call (see Quick.start)
Started = tuple["Quick[Any]", Request, Any]

# what a runner asks to start a call the quick way (see _finder)
QuickFinder = Callable[[Any, "Driver", Sequence[Any], Any], "Started | None"]


def _finder(kind: Hashable, make: _Make, of_class: bool = False) -> QuickFinder:
    """The function a runner asks to start a call the quick way: `(owner, driver, args,
    kwargs)` (the owner a document, or its class where `of_class`) to the call started by
    the Quick of its shape (one look-up per (model, keyspace, `kind`, keyword names));
    None: the general way."""

    def find(owner: Any, driver: Driver, args: Sequence[Any], kwargs: Any) -> Started | None:
        if args:
            return None
        model = owner if of_class else type(owner)
        names = tuple(kwargs)
        key = (model, driver.keyspace, kind, names)
        quick = _quicks.get(key)
        if quick is None or quick.owned is not model.__coodie_owned_schema__:
            schema = model._schema()  # (builds a deferred schema: `owned` is then the model's)
            quick = make(model, schema, driver, names)
            if quick is None:
                return None
            keep(_quicks, key, quick)
        return quick.start(owner, kwargs)

    return find


def _learned(
    model: type[DocumentCore], schema: TableSchema, driver: Driver, shape: Hashable
) -> tuple[Any, Any]:
    """The recipe (see _fixed) and the template the compiler learned for a call shape
    (None for either not made yet; the template is looked up only where there is a
    recipe: the compiler's cache counts each look-up)."""
    recipe = _recipes.get(_recipe_key(schema, driver, shape))
    if recipe is None:
        return None, None
    return recipe, learned(shape, schema, _keyspace(model, schema, driver))


def _make_get(required: bool) -> _Make:
    def make(
        model: type[DocumentCore], schema: TableSchema, driver: Driver, names: tuple[str, ...]
    ) -> Quick[Any] | None:
        recipe, template = _learned(model, schema, driver, _get_key(model, names))
        if recipe is None or template is None:
            return None
        return _QuickGet(model, recipe, required, model._rows_builder(template.columns))

    return make


def _make_save(
    model: type[DocumentCore], schema: TableSchema, driver: Driver, names: tuple[str, ...]
) -> Quick[Any] | None:
    if names:  # (an option)
        return _Never(model)
    recipe, template = _learned(model, schema, driver, _insert_key(model, False, None, None))
    if recipe is None or template is None:
        return None
    return _QuickSave(model, recipe, template.fields_binder())


def _make_delete(
    model: type[DocumentCore], schema: TableSchema, driver: Driver, names: tuple[str, ...]
) -> Quick[Any] | None:
    if names:  # (an option)
        return _Never(model)
    recipe, _ = _learned(model, schema, driver, _delete_key(model, None, False, {}))
    return None if recipe is None else _QuickDelete(model, recipe)


def _make_update(
    model: type[DocumentCore], schema: TableSchema, driver: Driver, names: tuple[str, ...]
) -> Quick[Any] | None:
    if not _UPDATE_OPTIONS.isdisjoint(names):
        return _Never(model)
    recipe, _ = _learned(model, schema, driver, _update_key(model, names, None, None, False, {}))
    return None if recipe is None else _QuickUpdate(model, recipe)


quick_get = _finder("get", _make_get(True), of_class=True)
"""The quick way of `Model.get(**lookups)`: see _finder."""
quick_find_one = _finder("find_one", _make_get(False), of_class=True)
"""The quick way of `Model.find_one(**lookups)`: see _finder."""
quick_save = _finder("save", _make_save)
"""The quick way of `doc.save()` given no option: see _finder."""
quick_delete = _finder("delete", _make_delete)
"""The quick way of `doc.delete()` given no option: see _finder."""
quick_update = _finder("update", _make_update)
"""The quick way of `doc.update(**values)` given no option: see _finder."""


_NO_OPTIONS = (None, None, None, None)  # see BatchCore._queue_insert


def _timestamp(timestamp: int | None, batch: BatchCore | None) -> int | None:
    # in a batch, the batch's timestamp goes on each statement: drivers do not all
    # honour a timestamp set on the batch itself
    return timestamp if timestamp is not None or batch is None else batch.timestamp


# where a fixed UPDATE's assigned values come from: SET the validated new values, a
# counter's delta the call's keyword arguments
_VALUE_SOURCES = {AssignOp.SET: CHANGES, AssignOp.INCR: FIELDS, AssignOp.DECR: FIELDS}


def _parametrized(stmt: Statement, schema: TableSchema, sources: Sequence[Any]) -> Statement | None:
    """`stmt` with a `Param` where each of its values goes: key columns, inserted columns
    and counter deltas from FIELDS (the document's fields, or the call's keyword
    arguments), SET values from CHANGES (the validated new values), IF values from
    CONDITIONS (the `if_conditions` mapping). None where a value is none of these: that
    call shape takes the general path. Fallback where this call's statement is not its
    shape's (it teaches nothing). (compile_fixed checks the result against the general
    path before it is used.)"""
    where = []
    for c in getattr(stmt, "where", ()):
        if type(c) is not Compare or c.op is not Op.EQ:
            return None
        where.append(Compare(c.column, Op.EQ, Param(c.column, FIELDS, fallback=True)))
    ifs = []
    names = tuple(sources[CONDITIONS] or ())
    for c, name in zip(getattr(stmt, "if_conditions", ()), names, strict=False):
        if c.op is not Op.EQ or c.column != name:
            return None
        ifs.append(Compare(name, Op.EQ, Param(name, CONDITIONS)))
    if len(ifs) != len(getattr(stmt, "if_conditions", ())) or len(ifs) != len(names):
        return None
    if isinstance(stmt, Select):
        return dataclasses.replace(stmt, where=tuple(where))
    if isinstance(stmt, Insert):
        statics = {c.name for c in schema.columns if c.kind is ColumnKind.STATIC}
        if not statics <= {n for n, _ in stmt.values}:
            # a None static is left out of its INSERT: this call's statement is not the
            # shape's, and teaches nothing (a later call's does)
            raise Fallback
        # a call with a None static takes the general path
        values = tuple((n, Param(n, FIELDS, fallback=n in statics)) for n, _ in stmt.values)
        return dataclasses.replace(stmt, values=values)
    if isinstance(stmt, Delete):
        if stmt.elements:
            return None
        return dataclasses.replace(stmt, where=tuple(where), if_conditions=tuple(ifs))
    if any(a.op not in _VALUE_SOURCES for a in stmt.assignments):
        return None
    assignments = tuple(
        Assignment(a.column, a.op, Param(a.column, _VALUE_SOURCES[a.op])) for a in stmt.assignments
    )
    return Update(assignments, tuple(where), stmt.ttl, stmt.timestamp, stmt.if_exists, tuple(ifs))


def _write(
    model: type[DocumentCore],
    schema: TableSchema,
    compiled: Compiled | Request,
    answer: Callable[[Page], T],
    levels: tuple[Any, Any],
    batch: BatchCore | None,
    queued: Single[Any] = QUEUED,
) -> Single[T]:
    """A write of a row of `model` at the call's levels (`consistency=`,
    `serial_consistency=`), else its model's (`schema`), else the driver's: its request,
    or, given `batch`, queued there (`answer` then runs once the batch has applied, and
    the call answers what `queued` does). (Given a request, a recipe's: it is sent.)"""
    if isinstance(compiled, Request):
        return Single(compiled, answer)
    consistency, serial = levels
    if consistency is not None:
        consistency = level_name(consistency, f"{model.__name__} write(consistency")
    if serial is not None:
        serial = level_name(serial, f"{model.__name__} write(serial_consistency", serial=True)
    if batch is not None:
        batch._add(
            compiled,
            model,
            answer,
            consistency or schema.consistency,
            serial or schema.serial_consistency,
        )
        return queued
    return Single(schema.request(compiled, consistency, serial), answer)


# The answers and builders below are small objects with slots rather than closures: a
# closure costs a function and a cell per variable it reads, on every call, and each is
# an object for the cyclic GC to count (with many requests in flight, collections).


class _Applied:
    """The answer of a write that changes fields of `doc`: they take their new values
    once it applied; a conditional write answers its LWTResult."""

    __slots__ = ("before", "doc", "lwt", "new_values", "ops")

    def __init__(
        self,
        doc: DocumentCore,
        compiled: Compiled,
        new_values: Mapping[str, Any],
        before: int,
        ops: Sequence[Any] = (),
    ):
        self.doc, self.lwt, self.new_values = doc, compiled.lwt, new_values
        # the stamp of when the write was made (see tracking.stamp): a field
        # assigned again before it has applied (another coroutine or thread; a batch not
        # run yet) keeps its new value, still to be written
        self.before = before
        # the write's collection operations: applied to the document's values of the
        # moment it has applied (see DocumentCore._after_ops)
        self.ops = ops

    def __call__(self, page: Page) -> LWTResult | None:
        result = lwt_result(page, type(self.doc)) if self.lwt else None
        if result is None or result.applied:
            doc, values = self.doc, self.new_values
            if not self.ops:
                names = applied_unless_assigned(doc, self.before, values)
                doc._apply_local({n: values[n] for n in names})
                return result
            # a collection (or counter) operation changes the table's value of its column,
            # not the document's: the document can follow only from a value it shares
            # with the table
            ops = self.ops
            changed = {a.column for a in ops}
            base = {n: v for n, v in values.items() if n not in changed}
            values = doc._after_ops(ops, base)
            relative = {a.column for a in ops if a.op is not AssignOp.SET}
            loaded = doc._loaded()
            if loaded is not None:  # (a column not read: its value stays unknown)
                values = {n: v for n, v in values.items() if n not in relative - loaded}
            # a column assigned and not written yet: the document's value, changed by the
            # operation, is still to be written
            pending = relative & CHANGED.get(id(doc), set())
            names = applied_unless_assigned(doc, self.before, values)
            doc._apply_local({n: values[n] for n in names})
            if pending:
                give_back(doc, pending)
        return result


class _Saved:
    """The answer of a write of the whole row (`save()`, an applied `insert()`): the
    fields assigned before it was made now hold what the table holds; one assigned since
    is changed (see tracking.applied_unless_assigned). Made before the row is bound."""

    __slots__ = ("before", "doc")

    def __init__(self, doc: DocumentCore):
        self.doc, self.before = doc, stamp()

    def __call__(self, page: Page) -> None:
        written_unless_assigned(self.doc, self.before)


def _insert_key(
    model: type[DocumentCore], if_not_exists: bool, ttl: int | None, timestamp: int | None
) -> Hashable:
    """What names the shape of a document's INSERT in the compiler's cache (the batch's
    short way finds the template by it too)."""
    return (model, Insert, if_not_exists, ttl is not None, timestamp is not None)


def _update_key(
    model: type[DocumentCore],
    names: tuple[str, ...],
    ttl: int | None,
    timestamp: int | None,
    if_exists: bool,
    conds: Mapping[str, Any],
) -> Hashable:
    """What names the shape of an UPDATE of a document in the compiler's cache."""
    return (model, Update, names, ttl is not None, timestamp is not None, if_exists, tuple(conds))


def _delete_key(
    model: type[DocumentCore], timestamp: int | None, if_exists: bool, conds: Mapping[str, Any]
) -> Hashable:
    """What names the shape of a DELETE of a document in the compiler's cache."""
    return (model, Delete, timestamp is not None, if_exists, tuple(conds))


def _get_key(model: type[DocumentCore], names: tuple[str, ...]) -> Hashable:
    """What names the shape of a get() or find_one() by keyword lookups in the compiler's cache."""
    return (model, Select, names)


def _insert_statement(
    doc: DocumentCore, if_not_exists: bool, ttl: int | None, timestamp: int | None
) -> Statement:
    return doc._insert_statement(if_not_exists=if_not_exists, ttl=ttl, timestamp=timestamp)


def save(
    doc: D,
    driver: Driver | None = None,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
) -> Single[None]:
    """Upsert every column of the document (INSERT)."""
    options = (ttl, timestamp, consistency, serial_consistency)
    return _insert(doc, driver, False, _Saved(doc), options, batch, QUEUED)


def insert(
    doc: D,
    driver: Driver | None = None,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
) -> Single[LWTResult]:
    """INSERT ... IF NOT EXISTS: `.applied`, and the existing row when it was not.
    In a batch nothing has run yet: the result is pending and `batch.result` tells."""
    model = type(doc)
    saved = _Saved(doc)

    def answer(page: Page) -> LWTResult:
        result = lwt_result(page, model)
        if result.applied:
            saved(page)
        return result

    options = (ttl, timestamp, consistency, serial_consistency)
    return _insert(doc, driver, True, answer, options, batch, QUEUED_INSERT)


def _insert(
    doc: DocumentCore,
    driver: Driver | None,
    if_not_exists: bool,
    answer: Callable[[Page], T],
    options: tuple[Any, Any, Any, Any],
    batch: BatchCore | None,
    queued: Single[Any],
) -> Single[T]:
    """The INSERT of every column of `doc` (`save()`, or `insert()` with IF NOT EXISTS),
    with its `options` (ttl, timestamp, consistency, serial_consistency)."""
    ttl, timestamp, consistency, serial = options
    before = stamp()  # (before the row is bound: see BatchCore._take)
    if batch is not None:
        # (a queued write of the whole row passes no answer: see BatchCore._take)
        if batch._queue_insert(doc, driver, if_not_exists, None, options):
            return queued
        answer = _nothing  # type: ignore[assignment]
        timestamp = _timestamp(timestamp, batch)
    model = type(doc)
    schema = model._schema()
    made = _fixed(
        _insert_key(model, if_not_exists, ttl, timestamp),
        schema,
        driver,
        batch is None and consistency is None and serial is None,
        None
        if (fields := _whole_fields(doc)) is None
        else fixed_sources(fields, ttl=ttl, timestamp=timestamp),
        _insert_statement,
        doc,
        if_not_exists,
        ttl,
        timestamp,
    )
    op = _write(model, schema, made, answer, (consistency, serial), batch, queued)
    if batch is not None:  # (queued: see BatchCore._take)
        batch._take(doc, before)
    return op


def update(
    doc: D,
    driver: Driver | None = None,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    batch: BatchCore | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
    **values: Any,
) -> Single[LWTResult | None]:
    """UPDATE this row: `name=value` sets, `add__`/`remove__`/`append__`/`prepend__`/`put__`
    change collections. Conditional updates return an `LWTResult`; the instance takes the
    new values once the write is applied."""
    return _update(
        doc,
        driver,
        stamp(),  # (before the new values are read: see _Applied)
        values,
        ttl=ttl,
        timestamp=timestamp,
        if_exists=if_exists,
        if_conditions=if_conditions,
        batch=batch,
        consistency=consistency,
        serial_consistency=serial_consistency,
    )


def _update(
    doc: D,
    driver: Driver | None,
    before: int,
    values: Mapping[str, Any],
    /,
    **options: Unpack[UpdateOptions],
) -> Single[LWTResult | None]:
    """update(), its document's assignments taken (`before`: see _Applied)."""
    ttl, if_exists, if_conditions = (
        options.get("ttl"),
        options.get("if_exists", False),
        options.get("if_conditions"),
    )
    batch, consistency, serial_consistency = (
        options.get("batch"),
        options.get("consistency"),
        options.get("serial_consistency"),
    )
    model = type(doc)
    schema = model._schema()
    timestamp = _timestamp(options.get("timestamp"), batch)
    call = _UpdateCall(doc, values, ttl, timestamp, if_exists, if_conditions)
    made: Compiled | Request
    if if_conditions is not None and not isinstance(if_conditions, Mapping):
        # conditions given as expressions: the general path, every time
        made = compile_statement(call.general(), schema, _keyspace(model, schema, driver))
    else:
        key = _update_key(model, tuple(values), ttl, call.timestamp, if_exists, call.conds)
        plain = batch is None and consistency is None and serial_consistency is None
        made = _fixed(key, schema, driver, plain, call.sources, call.general)
    compiled = made.compiled if isinstance(made, Request) else made
    levels = (consistency, serial_consistency)
    answer = _Applied(doc, compiled, call.new_values, before, call.ops)
    return _write(model, schema, made, answer, levels, batch)


class _UpdateCall:
    """One update() call, for compile_fixed: `sources()` (the validated new values, for
    a remembered template) and `general()` (the statement built and validated the general
    way). `new_values` is what the instance takes: made by whichever ran last."""

    __slots__ = (
        "conds",
        "doc",
        "if_conditions",
        "if_exists",
        "new_values",
        "ops",
        "timestamp",
        "ttl",
        "values",
    )

    def __init__(
        self,
        doc: DocumentCore,
        values: Mapping[str, Any],
        ttl: int | None,
        timestamp: int | None,
        if_exists: bool,
        if_conditions: IfConditions | None,
    ) -> None:
        self.doc, self.values, self.ttl, self.timestamp = doc, values, ttl, timestamp
        self.if_exists, self.if_conditions = if_exists, if_conditions
        self.conds: Any = if_conditions or {}
        self.new_values: dict[str, Any] = {}
        self.ops: tuple[Any, ...] = ()  # (the general way's: see _Applied)

    def general(self) -> Statement:
        stmt, self.new_values = self.doc._update_statement(
            self.values,
            ttl=self.ttl,
            timestamp=self.timestamp,
            if_exists=self.if_exists,
            if_conditions=self.if_conditions,
        )
        self.ops = tuple(a for a in stmt.assignments if a.op is not AssignOp.SET)
        return stmt

    def sources(self) -> Any:
        doc = self.doc
        if id(doc) in _PARTIAL:
            return None
        self.new_values = doc._validated_changes(self.values)
        return fixed_sources(
            doc.__dict__, self.new_values, self.conds, ttl=self.ttl, timestamp=self.timestamp
        )


def delete(
    doc: D,
    driver: Driver | None = None,
    /,
    *,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
    consistency: Any = None,
    serial_consistency: Any = None,
) -> Single[LWTResult | None]:
    """DELETE this row; conditional deletes return an `LWTResult`."""
    model = type(doc)
    schema = model._schema()
    timestamp = _timestamp(timestamp, batch)
    made: Compiled | Request
    if if_conditions is not None and not isinstance(if_conditions, Mapping):
        stmt = _delete_statement(doc, if_exists, timestamp, if_conditions)
        made = compile_statement(stmt, schema, _keyspace(model, schema, driver))
    else:
        conds = if_conditions or {}
        made = _fixed(
            _delete_key(model, timestamp, if_exists, conds),
            schema,
            driver,
            batch is None and consistency is None and serial_consistency is None,
            None
            if id(doc) in _PARTIAL
            else fixed_sources(doc.__dict__, None, conds, timestamp=timestamp),
            _delete_statement,
            doc,
            if_exists,
            timestamp,
            if_conditions,
        )
    lwt = (made.compiled if isinstance(made, Request) else made).lwt
    answer = (lambda page: lwt_result(page, model)) if lwt else _nothing
    return _write(model, schema, made, answer, (consistency, serial_consistency), batch)


def _delete_statement(
    doc: DocumentCore, if_exists: bool, timestamp: int | None, if_conditions: Any
) -> Statement:
    return doc._delete_statement(
        if_exists=if_exists, timestamp=timestamp, if_conditions=if_conditions
    )


class DeleteOptions(TypedDict, total=False):
    """delete()'s options, which delete_columns() takes as well."""

    if_exists: bool
    if_conditions: IfConditions | None
    timestamp: int | None
    batch: BatchCore | None
    consistency: Any
    serial_consistency: Any


class UpdateOptions(DeleteOptions, total=False):
    """update()'s own options, which save_changes() takes as well."""

    ttl: int | None


# a column with the name of one of update()'s options is written as set__<name>
_UPDATE_OPTIONS = frozenset(UpdateOptions.__annotations__)


def _known(call: str, options: Mapping[str, Any], known: Any) -> None:
    unknown = [k for k in options if k not in known.__annotations__]
    if unknown:
        raise TypeError(f"{call}() got an unexpected keyword argument {unknown[0]!r}")


def save_changes(
    doc: D, driver: Driver | None = None, /, **options: Unpack[UpdateOptions]
) -> Single[LWTResult | None]:
    """UPDATE only the fields assigned since the document was read or last written
    (nothing is sent if there are none). Changes made inside a collection in place are
    not seen: assign the field (`doc.tags = doc.tags | {"x"}`)."""
    _known("save_changes", options, UpdateOptions)  # (it writes the assigned fields only)
    before = stamp()  # (before the values are read: see _Applied)
    schema = type(doc)._schema()
    changed = [c.name for c in schema.columns if c.name in doc._changed_fields()]
    keys = [n for n in changed if schema.by_name[n].is_primary_key]
    if keys:
        raise InvalidQueryError(
            f"{type(doc).__name__}: primary key field(s) {', '.join(keys)} changed; a key cannot "
            "be updated: save() writes the document as a new row"
        )
    if not changed:
        return Single(None, lambda page: None)
    d = doc.__dict__
    values = {(f"set__{n}" if n in _UPDATE_OPTIONS else n): d[n] for n in changed}
    # (once applied, the instance takes the new values: they are written, `changed` too)
    return _update(doc, driver, before, values, **options)


def delete_columns(
    doc: D, driver: Driver | None = None, /, *targets: Any, **options: Unpack[DeleteOptions]
) -> Single[LWTResult | None]:
    """DELETE some columns of this row (`"name"`) or collection elements (`("meta", "k")`,
    `("items", 2)`), with delete()'s options; conditional deletes return an `LWTResult`.
    The instance takes the change once it is applied."""
    _known("delete_columns", options, DeleteOptions)
    batch = options.get("batch")
    before = stamp()
    stmt, new_values, ops = doc._delete_columns_statement(
        targets,
        if_exists=options.get("if_exists", False),
        timestamp=_timestamp(options.get("timestamp"), batch),
        if_conditions=options.get("if_conditions"),
    )
    model = type(doc)
    schema = model._schema()
    compiled = compile_statement(stmt, schema, _keyspace(model, schema, driver))
    levels = (options.get("consistency"), options.get("serial_consistency"))
    answer = _Applied(doc, compiled, new_values, before, ops)
    return _write(model, schema, compiled, answer, levels, batch)


def counter(
    owner: Any,
    kwargs: Mapping[str, Any],
    sign: int,
    batch: BatchCore | None = None,
    driver: Driver | None = None,
) -> Single[None]:
    """`increment(url="/home", views=1)`: key columns by value, counters by delta.
    `owner` is the class, or a document (`PageView(url=u).increment(views=1)`): its key
    columns name the row, and its counters take the change once it is written."""
    model: type[DocumentCore] = owner if isinstance(owner, type) else type(owner)
    if not model.__coodie_counter__:
        raise UnsupportedOperation(f"{model.__name__} is not a CounterDocument")
    schema = model._schema()
    apply: Callable[[Page], None] = _nothing
    if not isinstance(owner, type):
        doc = owner
        keys = {c.name: doc.__dict__.get(c.name) for c in schema.primary_key}
        kwargs = {**{k: v for k, v in keys.items() if k not in kwargs}, **kwargs}
        deltas = {
            n: v * sign
            for n, v in kwargs.items()
            if n in schema.by_name and schema.by_name[n].is_counter
        }
        if deltas:
            doc._check_not_frozen(deltas)

        def apply(page: Page) -> None:
            loaded = doc._loaded()  # (a counter a partial document did not read stays unread)
            doc._apply_local(
                {
                    n: (doc.__dict__.get(n) or 0) + d
                    for n, d in deltas.items()
                    if loaded is None or n in loaded
                }
            )

    timestamp = _timestamp(None, batch)
    # the direction of each counter is part of the shape (`+ ?` or `- ?`), and so is a
    # value that is not an int (the general path refuses it)
    signs = tuple(2 if type(v) is not int else v * sign < 0 for v in kwargs.values())
    values = kwargs
    made = _fixed(
        (model, "counter", tuple(values), signs, timestamp is not None),
        schema,
        driver,
        batch is None,
        fixed_sources(values, timestamp=timestamp),
        _counter_statement,
        model,
        values,
        sign,
        timestamp,
    )
    return _write(model, schema, made, apply, (None, None), batch)


def increment(
    owner: Any, driver: Driver | None = None, /, *, batch: BatchCore | None = None, **values: Any
) -> Single[None]:
    """`PageViews.increment(url="/home", views=1)`: keys by value, counters by delta;
    on a document (`PageViews(url="/home").increment(views=1)`) its key names the row."""
    return counter(owner, values, 1, batch, driver)


def decrement(
    owner: Any, driver: Driver | None = None, /, *, batch: BatchCore | None = None, **values: Any
) -> Single[None]:
    """`PageViews.decrement(url="/home", views=1)`: keys by value, counters by delta."""
    return counter(owner, values, -1, batch, driver)


def _counter_statement(
    model: type[DocumentCore], kwargs: Mapping[str, Any], sign: int, timestamp: int | None = None
) -> Update:
    schema = model._schema()
    where = []
    assignments = []
    for name, value in kwargs.items():
        col = schema.by_name.get(name)
        if col is None:
            raise InvalidQueryError(
                f"{model.__name__} has no column {name!r}; columns are: {', '.join(schema.by_name)}"
            )
        if col.is_primary_key:
            where.append(Compare(name, Op.EQ, value))
        else:
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidQueryError(
                    f"{model.__name__}.{name}: a counter changes by an integer, got {value!r}"
                )
            op = AssignOp.INCR if (value * sign) >= 0 else AssignOp.DECR
            assignments.append(Assignment(name, op, abs(value)))
    if not assignments:
        raise InvalidQueryError(
            f"{model.__name__}: name at least one counter to change, e.g. "
            f"{next((c.name for c in schema.columns if c.is_counter), 'views')}=1"
        )
    return Update(tuple(assignments), tuple(where), timestamp=timestamp)


def get(
    model: type[D],
    driver: Driver | None,
    conditions: Sequence[Any],
    lookups: Mapping[str, Any],
    *,
    required: bool,
) -> Single[D | None]:
    """`Model.get(...)` (required) and `Model.find_one(...)`: the one matching document.
    A lone value (`Model.get(some_id)`) is the value of a one-column primary key."""
    schema = model._schema()
    if len(conditions) == 1 and not isinstance(conditions[0], Expr):
        key = schema.primary_key
        if len(key) != 1:
            raise InvalidQueryError(
                f"{model.__name__}: get(value) takes the value of a one-column primary key; "
                f"the key is ({', '.join(c.name for c in key)}): name each column"
            )
        if key[0].name in lookups:
            raise InvalidQueryError(f"{model.__name__}: {key[0].name} is given twice")
        lookups = {key[0].name: conditions[0], **lookups}
        conditions = ()

    made: Compiled | Request
    disc = poly_condition(model)
    if conditions or (isinstance(disc, Compare) and disc.column in lookups):
        # (a polymorphic subclass's discriminator given as a lookup is checked against
        # the subclass's own value every call: a remembered shape would bind any value)
        stmt = _get_statement(model, schema, conditions, lookups)
        made = compile_statement(stmt, schema, _keyspace(model, schema, driver))
    else:
        made = _fixed(
            _get_key(model, tuple(lookups)),
            schema,
            driver,
            True,
            fixed_sources(lookups, limit=2),  # (2 rows: to tell one from several)
            _get_statement,
            model,
            schema,
            conditions,
            lookups,
            read=True,
        )
    if isinstance(made, Request):
        request = made
    else:  # (paged as the QuerySet's reads)
        request = schema.request(made, fetch_size=read_page_size(made.paging))
    return Single(request, OneDocument(model, request, required))


def get_required(
    model: type[D], driver: Driver | None = None, /, *conditions: Any, **lookups: Any
) -> Single[D]:
    """The one matching document; `DocumentNotFound` or `MultipleDocumentsFound` otherwise."""
    return get(model, driver, conditions, lookups, required=True)  # type: ignore[return-value]


def find_one(
    model: type[D], driver: Driver | None = None, /, *conditions: Any, **lookups: Any
) -> Single[D | None]:
    """The matching document or None; `MultipleDocumentsFound` if several match."""
    return get(model, driver, conditions, lookups, required=False)


def _get_statement(
    model: type[DocumentCore],
    schema: TableSchema,
    conditions: Sequence[Any],
    lookups: Mapping[str, Any],
) -> Select:
    # (with what the QuerySet adds: a polymorphic subclass's filter)
    qs = QuerySetCore(model, conditions_from(schema, conditions, lookups, model))
    return qs._copy(_limit=2)._select()


# ------------------------------------------------------------------ batches


def partition_of(schema: TableSchema, compiled: Compiled) -> Hashable:
    """A hashable identity of the partition a write (`compiled`: its statement and
    values) goes to: the batch rules compare them. The table is named by keyspace and
    name, not by schema object: polymorphic subclasses share their base's. Its partition
    key columns' values are those bound to their markers (a write names its row by `=`)."""
    labels = compiled.types.labels if compiled.types is not None else ()
    values: Any = tuple(
        # (a float as the server tells partitions apart, by its bytes: NaN is one, 0.0 and
        # -0.0 are two)
        struct.pack(">d", v) if type(v) is float else v
        for v in [compiled.params[labels.index(n)] for n in schema.partition_names]
    )
    try:
        hash(values)
    except TypeError:  # (a frozen collection in the key, as the driver takes it: a list)
        values = repr(values)
    return (schema.keyspace, schema.name, values)


def _shared(levels: set[str], option: str) -> str | None:
    """The level a batch's writes ask for (None: the driver's). A batch runs at one level:
    writes that ask for different ones are refused, naming them."""
    if len(levels) > 1:
        raise InvalidQueryError(
            f"a batch runs at one {option}; its writes ask for {', '.join(sorted(levels))}: "
            f"give BatchQuery({option}=...)"
        )
    return next(iter(levels), None)


_BATCH_KINDS = {kind.value: kind for kind in BatchKind}  # (a look-up per batch, not the Enum call)


# a document whose whole row a batch will write: the fields it took as written (None:
# none), and the stamp of when it was queued (see BatchCore._take)
_Taken = tuple["DocumentCore", "set[str] | None", int]


class BatchCore:
    """Collects writes; the flavour shells execute them as one BATCH on exit."""

    def __init__(
        self,
        batch_type: str = "logged",
        *,
        consistency: Any = None,
        timeout: float | None = None,
        timestamp: int | None = None,
        serial_consistency: Any = None,
    ) -> None:
        kind = _BATCH_KINDS.get(batch_type.lower())
        if kind is None:
            raise InvalidQueryError(
                f"unknown batch type {batch_type!r}: use 'logged', 'unlogged' or 'counter'"
            )
        self.kind = kind
        self.consistency = level_name(consistency, "BatchQuery(consistency")
        self.serial_consistency = level_name(
            serial_consistency, "BatchQuery(serial_consistency", serial=True
        )
        self.timeout = check_timeout(timeout, "batch timeout=")
        self.timestamp = timestamp
        self.result: LWTResult | None = None
        self._discard()

    def _discard(self) -> None:
        # The queued model writes, one entry per row in each list: its statement (the
        # shape and its values), its model, what it does once the batch has applied.
        self._items: list[Compiled] = []
        self._models: list[type[DocumentCore]] = []
        self._answers: list[Callable[[Page], Any]] = []
        # the queued writes of whole rows: each document's fields assigned before it was
        # queued (see _take), given back if the batch does not apply
        self._taken: list[_Taken] = []
        self._levels: set[str] = set()  # the levels they ask for (their own or their model's)
        self._serials: set[str] = set()
        self._raw: list[Compiled] = []  # raw CQL statements (`add()`), sent after the others
        self._conditional = False  # a queued model write has a condition (IF)
        # see _queue_insert: the recipes of save() [False] and insert() [True], by model
        self._recipes: tuple[dict[type[DocumentCore], Any], ...] = ({}, {})

    def _add(
        self,
        compiled: Compiled,
        model: type[DocumentCore],
        answer: Callable[[Page], Any],
        consistency: str | None,
        serial_consistency: str | None,
    ) -> None:
        """Queue a model write (see flows._write)."""
        self._items.append(compiled)
        self._models.append(model)
        self._answers.append(answer)
        self._note(consistency, serial_consistency, compiled.lwt)

    def _note(self, consistency: str | None, serial_consistency: str | None, lwt: bool) -> None:
        """What a queued row asks of the whole batch: its levels; a condition (IF)."""
        self._conditional = self._conditional or lwt
        if consistency is not None:
            self._levels.add(consistency)
        if serial_consistency is not None:
            self._serials.add(serial_consistency)

    def _queue_insert(
        self,
        doc: DocumentCore,
        driver: Driver | None = None,
        if_not_exists: bool = False,
        answer: Callable[[Page], Any] | None = None,
        options: tuple[Any, ...] = _NO_OPTIONS,
    ) -> bool:
        """Queue the INSERT of every column of `doc` (a save() or insert() with no
        `options` of its own: ttl, timestamp, levels) by the template compile_fixed
        learned for its model, found once per batch: per row only its values are bound.
        `answer` None: a write of the whole row, which counts the fields assigned so far
        as written (see _take). False where there is none (yet) or this row cannot take
        it: the general way.
        (`_queue_save(doc)`: a `doc.save(batch=...)` given nothing else, called by the
        shell before it resolves a driver or builds an operation.)"""
        if options != _NO_OPTIONS or id(doc) in _PARTIAL:
            return False
        model, timestamp = type(doc), self.timestamp
        recipe = self._recipes[if_not_exists].get(model)
        if recipe is None or recipe[1] != (timestamp is not None):
            # (made again if the batch's timestamp was set or unset since: another template)
            schema = model._schema()
            key = _insert_key(model, if_not_exists, None, timestamp)  # (no ttl: no options)
            template = learned(key, schema, _keyspace(model, schema, driver))
            if template is None:
                return False
            # what each row adds to the batch's levels and conditional flag (None: nothing)
            notes: Any = (schema.consistency, schema.serial_consistency, template.lwt)
            # (with no timestamp, every marker reads the document's fields)
            by_fields = template.fields_binder() if timestamp is None else None
            recipe = (template._bind, timestamp is not None, any(notes) and notes, by_fields)
            self._recipes[if_not_exists][model] = recipe
        bind, _, notes, by_fields = recipe
        before = stamp()  # (before the row is bound: see _take)
        try:
            # each row its own sources: a batch filled from several threads binds each
            # row's own fields, at the batch's timestamp of the moment
            self._items.append(
                by_fields(doc.__dict__)
                if by_fields is not None
                else bind(fixed_sources(doc.__dict__, timestamp=timestamp))
            )
        except Fallback:
            return False
        self._models.append(model)
        if notes:
            self._note(*notes)
        if answer is not None:
            self._answers.append(answer)
        else:
            self._take(doc, before)
        return True

    def _take(self, doc: DocumentCore, before: int) -> None:
        """A write of `doc`'s whole row, bound after the stamp `before`, is queued: the
        fields assigned so far count as written, and those assigned from now on as changed
        (a later save_changes() sends them); they are given back if the batch does not
        apply. Once it has applied, a field assigned since `before` (perhaps after the row
        was bound, with the older value) is changed (see written_unless_assigned)."""
        taken = take_changed(doc) if CHANGED else None  # (no document has a field changed)
        if not self._taken:
            # until it has run, a value a document takes from a direct write is stamped
            # as an assignment: the batch, applied later with the row's older value, then
            # leaves that field to be written (see written_unless_assigned)
            hold(self)
        self._taken.append((doc, taken, before))

    _queue_save = _queue_insert

    def add(self, cql: str, params: Sequence[Any] | None = None) -> None:
        """Queue a raw CQL write (values bound, `?` or `%s` markers) beside model writes.
        coodie does not check it against batch rules: the server does."""
        from coodie.raw import raw_request

        self._raw.append(raw_request(cql, params).compiled)

    def __len__(self) -> int:
        return len(self._items) + len(self._raw)

    def _driver_name(self) -> str | None:
        return self._models[0]._schema().driver_name if self._models else None

    def _flow(self) -> Flow[LWTResult | None]:
        """Send the queued writes as one BATCH; a conditional batch returns its LWTResult.
        Once it applied, each write's answer is applied to its page (the instances take
        their new values)."""
        self.result = None
        items, models, answers, raw = self._items, self._models, self._answers, self._raw
        taken = self._taken
        if not items and not raw:
            return None
        conditional = self._conditional
        try:
            tables = [m._schema() for m in set(models)]
            if len({s.driver_name for s in tables}) > 1:
                raise InvalidQueryError("a batch cannot span several drivers (clusters)")
            if conditional:  # one table and one partition: every row is checked
                schemas = [model._schema() for model in models]
                validate_batch(
                    self.kind, [(s, c.lwt, partition_of(s, c)) for s, c in zip(schemas, items)]
                )
            elif items:  # (the rules read each table once)
                validate_batch(self.kind, [(s, False, None) for s in tables])
            # the batch's levels, else the one its writes ask for
            consistency = self.consistency or _shared(self._levels, "consistency")
            serial = self.serial_consistency or _shared(self._serials, "serial_consistency")
            self._discard()
            page: Page = yield BatchRequest(
                self.kind.value, (*items, *raw), consistency, self.timeout, serial
            )
        except BaseException:  # refused, failed or cancelled: nothing counts as written
            _give_back(taken)
            self._ran(taken)
            raise
        # (a raw conditional statement is known by the server's answer: the [applied] row)
        if conditional or (page.columns and page.columns[0] == "[applied]"):
            self.result = lwt_result(page, models[0] if models else None)
        if self.result is None or self.result.applied:
            if ASSIGNED:  # (no document was ever assigned a field: none since queued)
                for doc, _, before in taken:
                    if assigned_since(doc, before):
                        written_unless_assigned(doc, before)
            for answer in answers:
                answer(page)
        else:
            _give_back(taken)
        self._ran(taken)
        return self.result

    def _ran(self, taken: Sequence[_Taken]) -> None:
        """The whole-row writes `taken` have run (or failed): unless the batch has queued
        new ones since, it no longer makes direct writes stamp (see _take)."""
        if taken and not self._taken:
            release(self)

    def _exit(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> Flow[None]:
        """Leaving the `with` block: run the batch, or (the block raised) send nothing."""
        if exc_type is None:
            yield from self._flow()
        else:
            taken = self._taken
            _give_back(taken)
            self._discard()
            self._ran(taken)


def _give_back(taken: Sequence[_Taken]) -> None:
    """A batch did not apply, or may have (cancelled, timed out): the fields its whole-row
    writes took count as changed (not as assigned: see tracking.applied_unless_assigned),
    and so do those assigned since, which a direct write may have counted written."""
    for doc, names, before in taken:
        if names:
            give_back(doc, names)
        since = assigned_since(doc, before)
        if since:
            give_back(doc, since)


# ------------------------------------------------------------------ the shells


# what begin() answers in place of a request: the call's answer is made (DONE), or it is
# a flow to drive (FLOW)
DONE: Any = object()
FLOW: Any = object()


class _SingleWay:
    """How a runner answers a `Single` begin() made: its answer function (`state`) takes
    the page, as a Quick's answer does from its state."""

    @staticmethod
    def answer(owner: Any, state: Callable[[Page], T], page: Page) -> T:
        return state(page)


_SINGLE_WAY = _SingleWay()


def begin(
    owner: HasDriver,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    build: Callable[..., Any],
    writes: bool,
    queue: Callable[[Any, Any], bool] | None,
    quick: QuickFinder | None,
) -> tuple[Any, Any, Any, Any]:
    """A shell method's call, everything but running its request (see the runners'
    `operation()`): `(request, way, state, driver)`, for the runner to answer
    `way.answer(owner, state, page)` from the page of `request` on `driver`. In place of a
    request, DONE: the call's answer is `state`; FLOW: `state` is a flow to drive on
    `driver` (None: the owner's).

    The driver is resolved first (None: none is registered, said on use). A write
    (`writes`) given `batch=` is queued in that batch and resolves none, unless its model
    names no keyspace (the write then looks it up); given only `batch=`, `queue(batch,
    owner)` first tries the batch's short way, which queues the call without an operation
    (it answers None). A read's `batch=` is a column's (`Model.get(batch=5)`). A `batch=`
    that is not a BatchQuery is refused before anything is queued. Then the call's quick
    way, where `quick` finds one (see Quick); else the operation `build(owner, driver,
    *args, **kwargs)` makes."""
    batch = kwargs.get("batch") if writes else None
    if batch is None:
        driver = find_driver(owner._driver_name())
        if (
            quick is not None
            and driver is not None
            and (started := quick(owner, driver, args, kwargs)) is not None
        ):
            way, request, state = started
            return request, way, state, driver
    else:
        if not isinstance(batch, BatchCore):
            model = owner if isinstance(owner, type) else type(owner)
            raise InvalidQueryError(
                f"{model.__name__}: batch= takes a BatchQuery (or None), not {type(batch).__name__}"
            )
        if queue is not None and len(kwargs) == 1 and not args and queue(batch, owner):
            return DONE, None, None, None
        driver = None
    op = build(owner, driver, *args, **kwargs)
    if type(op) is not Single:
        return FLOW, None, op, driver
    if op.request is None:  # (nothing to send, or a write queued in a batch)
        return DONE, None, op.answer(NO_PAGE), None
    if driver is None:
        driver = get_driver(owner._driver_name())
    # (only the answer is kept: fewer objects live while many requests are in flight)
    return op.request, _SINGLE_WAY, op.answer, driver


def shell_signature(method: Any, build: Any, name: str | None = None) -> None:
    """Show `method`, a shell's method made from the core's `build(self, driver, ...)`,
    as its users call it: without the driver the shell resolves, under its public name."""
    sig = inspect.signature(build)
    params = list(sig.parameters.values())
    del params[1]
    method.__signature__ = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    if name is not None:
        method.__name__ = name
        method.__qualname__ = name


# which of a runner's four driver methods runs each kind of thing a flow yields
_KINDS = {Request: 0, list: 1, BatchRequest: 2, RawRequest: 3}


def steps(
    flow: Flow[T],
    driver: Driver | None,
    driver_name: str | None,
    methods: Callable[[Any], tuple[Callable[[Any], Any], ...]],
    other: Callable[[Any], Any] | None,
    awaiting: bool,
) -> Flow[T]:
    """The one loop over a flow, for both runners. Each thing the flow yields goes to the
    driver method of its kind among `methods(driver)` (a runner's execute, concurrent,
    batch and raw methods), else to `other`; the blocking runner's answer is what that
    returns, the asyncio runner's what it awaits to (this generator is then a coroutine,
    made one by `types.coroutine`). A failure is thrown into the flow, so that its
    `finally` can clean up. `driver` None: the one registered as `driver_name`, looked
    up when the flow first yields (a flow that sends nothing needs none)."""
    answer: Any = None
    error: Exception | None = None
    calls: tuple[Callable[[Any], Any], ...] = ()
    while True:
        try:
            request = flow.send(answer) if error is None else flow.throw(error)
        except StopIteration as done:
            result: T = done.value
            return result
        if not calls:
            calls = methods(driver if driver is not None else get_driver(driver_name))
        kind = _KINDS.get(type(request))
        try:
            if kind is not None:
                sent = calls[kind](request)
            elif other is not None:
                sent = other(request)
            else:
                raise TypeError(f"a flow yielded {request!r}")
            answer, error = ((yield from sent.__await__()) if awaiting else sent), None
        except Exception as e:
            answer, error = None, e
        except BaseException:  # (cancelled, interrupted: the flow's cleanup runs now)
            flow.close()
            raise
