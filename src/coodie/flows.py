"""Document operations written once, as flows that the sync and async shells drive.

A flow is a generator: it yields a `Request` (or a list of them to run concurrently, a
`BatchRequest`, a `RawRequest`) and receives the `Page`(s); its return value is the
method's result. Writes given `batch=` are added to the batch and yield nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from coodie import plans
from coodie.document import IfConditions, LWTResult
from coodie.exceptions import InvalidQueryError, UnsupportedOperation
from coodie.expr.compiler import Compiled, compile_statement
from coodie.expr.nodes import (
    Assignment,
    AssignOp,
    BatchKind,
    Compare,
    Expr,
    Insert,
    Op,
    Statement,
    Update,
)
from coodie.expr.validate import validate_batch
from coodie.hydrate import null_value as _null_value
from coodie.query import Flow, check_timeout, one_document, resolve_keyspace
from coodie.requests import BatchRequest, Page, Request
from coodie.schema import TableSchema

if TYPE_CHECKING:
    from coodie.document import DocumentCore

__all__ = ["BatchCore", "counter_flow", "delete", "insert", "lwt_result", "save", "update"]

D = TypeVar("D", bound="DocumentCore")


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


def compile_for(model: type[DocumentCore], stmt: Statement) -> Compiled:
    return compile_statement(stmt, model._schema(), resolve_keyspace(model))


def _add_to_batch(model: type[DocumentCore], stmt: Update, batch: BatchCore) -> None:
    """Queue a statement built the general way."""
    timestamp = _batch_timestamp(stmt.timestamp, batch)
    if timestamp != stmt.timestamp:
        stmt = dataclasses.replace(stmt, timestamp=timestamp)
    batch._add(model, compile_for(model, stmt), partition_of(model._schema(), stmt))


def _queue(doc: DocumentCore, compiled: Compiled, batch: BatchCore) -> None:
    """Queue a write of `doc`'s own row (its partition is the document's)."""
    model = type(doc)
    schema = model._schema()
    d = doc.__dict__
    batch._add(model, compiled, (id(schema), tuple([d.get(n) for n in schema.partition_names])))


def _batch_timestamp(timestamp: int | None, batch: BatchCore) -> int | None:
    # the batch's timestamp goes on each statement: drivers do not all honour
    # a timestamp set on the batch itself
    return timestamp if timestamp is not None else batch.timestamp


# Each write has a flow, and a plain function for the batch case (the write is queued,
# nothing runs): the flow calls it, and the shells call it directly when given a batch,
# which spares a generator and its driving per queued write.


def save(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> Flow[None]:
    """Upsert every column of the document (INSERT)."""
    if batch is not None:
        queued_save(doc, ttl=ttl, timestamp=timestamp, batch=batch)
        return
    yield Request(plans.insert(doc, False, ttl, timestamp))
    doc._mark_written()


def queued_save(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> None:
    assert batch is not None
    _queue(doc, plans.insert(doc, False, ttl, _batch_timestamp(timestamp, batch)), batch)
    if doc._changed_fields():
        batch._on_success.append(doc._mark_written)


def insert(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> Flow[LWTResult]:
    """INSERT ... IF NOT EXISTS: `.applied`, and the existing row when it was not.
    In a batch nothing has run yet: the result is pending and `batch.result` tells."""
    if batch is not None:
        return queued_insert(doc, ttl=ttl, timestamp=timestamp, batch=batch)
    page: Page = yield Request(plans.insert(doc, True, ttl, timestamp))
    result = lwt_result(page, type(doc))
    if result.applied:
        doc._mark_written()
    return result


def queued_insert(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> LWTResult:
    assert batch is not None
    _queue(doc, plans.insert(doc, True, ttl, _batch_timestamp(timestamp, batch)), batch)
    return LWTResult(False, pending=True)


def update(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    batch: BatchCore | None = None,
    **values: Any,
) -> Flow[LWTResult | None]:
    """UPDATE this row: `name=value` sets, `add__`/`remove__`/`append__`/`prepend__`/`put__`
    change collections. Conditional updates return an `LWTResult`; the instance takes the
    new values once the write is applied."""
    if batch is not None:
        queued_update(
            doc,
            ttl=ttl,
            timestamp=timestamp,
            if_exists=if_exists,
            if_conditions=if_conditions,
            batch=batch,
            **values,
        )
        return None
    compiled, new_values = plans.update(doc, values, ttl, timestamp, if_exists, if_conditions)
    page: Page = yield Request(compiled)
    result = lwt_result(page, type(doc)) if compiled.lwt else None
    if result is None or result.applied:
        doc._apply_local(new_values)
    return result


def queued_update(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    batch: BatchCore | None = None,
    **values: Any,
) -> None:
    assert batch is not None
    timestamp = _batch_timestamp(timestamp, batch)
    compiled, new_values = plans.update(doc, values, ttl, timestamp, if_exists, if_conditions)
    _queue(doc, compiled, batch)
    batch._on_success.append(lambda: doc._apply_local(new_values))


def delete(
    doc: D,
    /,
    *,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> Flow[LWTResult | None]:
    """DELETE this row; conditional deletes return an `LWTResult`."""
    if batch is not None:
        queued_delete(
            doc, if_exists=if_exists, if_conditions=if_conditions, timestamp=timestamp, batch=batch
        )
        return None
    compiled = plans.delete(doc, if_exists, if_conditions, timestamp)
    page: Page = yield Request(compiled)
    return lwt_result(page, type(doc)) if compiled.lwt else None


def queued_delete(
    doc: D,
    /,
    *,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> None:
    assert batch is not None
    compiled = plans.delete(doc, if_exists, if_conditions, _batch_timestamp(timestamp, batch))
    _queue(doc, compiled, batch)


# update()'s own options: a column with one of these names is written as set__<name>
_UPDATE_OPTIONS = frozenset({"ttl", "timestamp", "if_exists", "if_conditions", "batch"})


def save_changes(
    doc: D,
    /,
    *,
    ttl: int | None = None,
    timestamp: int | None = None,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    batch: BatchCore | None = None,
) -> Flow[LWTResult | None]:
    """UPDATE only the fields assigned since the document was read or last written
    (nothing is sent if there are none). Changes made inside a collection in place are
    not seen: assign the field (`doc.tags = doc.tags | {"x"}`)."""
    schema = type(doc)._schema()
    changed = [c.name for c in schema.columns if c.name in doc._changed_fields()]
    keys = [n for n in changed if schema.by_name[n].is_primary_key]
    if keys:
        raise InvalidQueryError(
            f"{type(doc).__name__}: primary key field(s) {', '.join(keys)} changed; a key cannot "
            "be updated: save() writes the document as a new row"
        )
    if not changed:
        return None
    d = doc.__dict__
    values = {(f"set__{n}" if n in _UPDATE_OPTIONS else n): d[n] for n in changed}
    options: dict[str, Any] = {
        "ttl": ttl,
        "timestamp": timestamp,
        "if_exists": if_exists,
        "if_conditions": if_conditions,
        "batch": batch,
    }
    if batch is not None:
        queued_update(doc, **options, **values)
        batch._on_success.append(lambda: doc._mark_written(changed))
        return None
    result = yield from update(doc, **options, **values)
    if result is None or result.applied:
        doc._mark_written(changed)
    return result


def delete_columns(
    doc: D,
    /,
    *targets: Any,
    if_exists: bool = False,
    if_conditions: IfConditions | None = None,
    timestamp: int | None = None,
    batch: BatchCore | None = None,
) -> Flow[LWTResult | None]:
    """DELETE some columns of this row (`"name"`) or collection elements (`("meta", "k")`,
    `("items", 2)`); conditional deletes return an `LWTResult`. The instance takes the
    change once it is applied."""
    stmt, new_values = doc._delete_columns_statement(
        targets,
        if_exists=if_exists,
        timestamp=_batch_timestamp(timestamp, batch) if batch else timestamp,
        if_conditions=if_conditions,
    )
    compiled = compile_for(type(doc), stmt)
    if batch is not None:
        _queue(doc, compiled, batch)
        batch._on_success.append(lambda: doc._apply_local(new_values))
        return None
    page: Page = yield Request(compiled)
    result = lwt_result(page, type(doc)) if compiled.lwt else None
    if result is None or result.applied:
        doc._apply_local(new_values)
    return result


def counter_flow(
    owner: Any, kwargs: Mapping[str, Any], sign: int, batch: BatchCore | None
) -> Flow[None]:
    """`increment(url="/home", views=1)`: key columns by value, counters by delta.
    `owner` is the class, or a document (`PageView(url=u).increment(views=1)`): its key
    columns name the row, and its counters take the change once it is written."""
    model: type[DocumentCore] = owner if isinstance(owner, type) else type(owner)
    if not model.__coodie_counter__:
        raise UnsupportedOperation(f"{model.__name__} is not a CounterDocument")
    apply: Callable[[], None] | None = None
    if not isinstance(owner, type):
        doc = owner
        keys = {c.name: doc.__dict__.get(c.name) for c in model._schema().primary_key}
        kwargs = {**{k: v for k, v in keys.items() if k not in kwargs}, **kwargs}
        schema = model._schema()
        deltas = {
            n: v * sign
            for n, v in kwargs.items()
            if n in schema.by_name and schema.by_name[n].is_counter
        }

        def apply() -> None:
            doc._apply_local({n: (doc.__dict__.get(n) or 0) + d for n, d in deltas.items()})

    if batch is not None:
        _add_to_batch(model, _counter_statement(model, kwargs, sign), batch)
        if apply is not None:
            batch._on_success.append(apply)
        return
    yield Request(
        plans.counter(model, kwargs, sign, lambda: _counter_statement(model, kwargs, sign))
    )
    if apply is not None:
        apply()


def _counter_statement(model: type[DocumentCore], kwargs: Mapping[str, Any], sign: int) -> Update:
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
    return Update(tuple(assignments), tuple(where))


def get_flow(
    model: type[D], conditions: Sequence[Any], lookups: Mapping[str, Any], *, required: bool
) -> Flow[D | None]:
    """`Model.get(...)` (required) and `Model.find_one(...)`: the one matching document.
    A lone value (`Model.get(some_id)`) is the value of a one-column primary key."""
    if len(conditions) == 1 and not isinstance(conditions[0], Expr):
        key = model._schema().primary_key
        if len(key) != 1:
            raise InvalidQueryError(
                f"{model.__name__}: get(value) takes the value of a one-column primary key; "
                f"the key is ({', '.join(c.name for c in key)}): name each column"
            )
        if key[0].name in lookups:
            raise InvalidQueryError(f"{model.__name__}: {key[0].name} is given twice")
        lookups = {key[0].name: conditions[0], **lookups}
        conditions = ()
    request = plans.get_request(model, conditions, lookups)
    page: Page = yield request
    return one_document(model, request, page.rows, required=required)


# ------------------------------------------------------------------ batches


def partition_of(schema: TableSchema, stmt: Statement) -> Any:
    """A hashable identity of the partition `stmt` writes (unique if it may write several)."""
    where = stmt.values if isinstance(stmt, Insert) else getattr(stmt, "where", ())
    pk = {c.name for c in schema.partition_key}
    if isinstance(stmt, Insert):
        values = dict(stmt.values)
        return (id(schema), tuple(values.get(c.name) for c in schema.partition_key))
    by_col = {c.column: c for c in where if isinstance(c, Compare) and c.column in pk}
    if any(c.op is not Op.EQ for c in by_col.values()):
        return (id(schema), object())  # IN: several partitions
    return (
        id(schema),
        tuple(by_col[c.name].value if c.name in by_col else None for c in schema.partition_key),
    )


class BatchCore:
    """Collects writes; the flavour shells execute them as one BATCH on exit."""

    def __init__(
        self,
        batch_type: str = "logged",
        *,
        consistency: str | None = None,
        timeout: float | None = None,
        timestamp: int | None = None,
    ) -> None:
        try:
            self.kind = BatchKind(batch_type.lower())
        except ValueError:
            raise InvalidQueryError(
                f"unknown batch type {batch_type!r}: use 'logged', 'unlogged' or 'counter'"
            ) from None
        self.consistency = consistency
        self.timeout = check_timeout(timeout, "batch timeout=")
        self.timestamp = timestamp
        self.result: LWTResult | None = None
        # (model, compiled statement, identity of the partition it writes)
        self._items: list[tuple[type[DocumentCore], Compiled, Any]] = []
        self._on_success: list[Callable[[], None]] = []  # local changes made once it applied
        self._raw: list[Compiled] = []  # raw CQL statements (`add()`), sent after the others

    def _add(self, model: type[DocumentCore], compiled: Compiled, partition: Any) -> None:
        self._items.append((model, compiled, partition))

    def add(self, cql: str, params: Sequence[Any] | None = None) -> None:
        """Queue a raw CQL write (values bound, `?` or `%s` markers) beside model writes.
        coodie does not check it against batch rules: the server does."""
        from coodie.raw import raw_request

        self._raw.append(raw_request(cql, params).compiled)

    def __len__(self) -> int:
        return len(self._items) + len(self._raw)

    def _driver_name(self) -> str | None:
        names = {m._schema().driver_name for m, _, _ in self._items}
        if len(names) > 1:
            raise InvalidQueryError("a batch cannot span several drivers (clusters)")
        return next(iter(names), None)

    def _discard(self) -> None:
        self._items.clear()
        self._on_success.clear()
        self._raw.clear()

    def _flow(self) -> Flow[LWTResult | None]:
        """Send the queued writes as one BATCH; a conditional batch returns its LWTResult."""
        self.result = None
        if not self._items and not self._raw:
            return None
        if self._items:
            validate_batch(self.kind, [(m._schema(), c.lwt, p) for m, c, p in self._items])
        items = tuple(c for _, c, _ in self._items) + tuple(self._raw)
        model = self._items[0][0] if self._items else None
        on_success, self._items, self._on_success = self._on_success, [], []
        self._raw = []
        page: Page = yield BatchRequest(
            self.kind.value, items, consistency=self.consistency, timeout=self.timeout
        )
        if any(c.lwt for c in items):
            self.result = lwt_result(page, model)
        if self.result is None or self.result.applied:
            for apply in on_success:
                apply()
        return self.result
