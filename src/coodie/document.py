"""The Document core shared by `coodie.sync` and `coodie.aio`.

Class machinery (schema and columns built once per class), statement builders and the
row hydrator. No I/O here: the flavour shells execute what this module builds.
"""

from __future__ import annotations

import functools
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Concatenate, Generic, Literal, TypeVar

from pydantic import BaseModel
from pydantic.fields import Field, PrivateAttr
from pydantic_core import ValidationError as PydanticValidationError
from typing_extensions import ParamSpec, Self, dataclass_transform

from coodie import hydrate, polymorphic, tracking
from coodie._pydantic import (
    ModelMetaclass,
    NoInitField,
    caller_namespace,
    plain_fields,
    shallow_probe,
    slot_on_first_use,
)
from coodie._pydantic import values_model as values_model_of
from coodie.exceptions import InvalidQueryError, SchemaError, UnsupportedOperation
from coodie.explain import check_scan_policy
from coodie.expr.columns import Column
from coodie.expr.lookups import parse_assignments, parse_conditions
from coodie.expr.nodes import (
    And,
    Assignment,
    AssignOp,
    Compare,
    Condition,
    Delete,
    Expr,
    Insert,
    Op,
    TokenCompare,
    Update,
)
from coodie.hydrate import Hydrator
from coodie.schema import ColumnKind, TableSchema, build_schema

__all__ = [
    "DocumentCore",
    "DocumentMeta",
    "IfConditions",
    "LWTResult",
    "check_owner",
    "class_or_instance_method",
    "conditions_from",
]

# IF conditions: lookups by name (`{"age__ne": 3}`) or expressions (`[Model.age != 3]`)
IfConditions = Mapping[str, Any] | Expr | Sequence[Expr]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_building = threading.local()


@dataclass_transform(kw_only_default=True, field_specifiers=(Field, PrivateAttr, NoInitField))
class DocumentMeta(ModelMetaclass):
    """Answers `Model.field` with the field's `Column` object (built once per class).

    Declared a dataclass transform as pydantic's own metaclass is, for checkers without
    plugins (pyright): Document constructors are checked field by field."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> Any:
        # While pydantic builds a class it probes its bases with hasattr(); columns must
        # not look like inherited defaults then.
        if "__pydantic_reset_parent_namespace__" not in kwargs:
            # pydantic keeps the namespace of the frame that calls its __new__, to resolve
            # annotations of classes defined in functions; that frame is this one, so
            # hand it the frame of the class statement instead
            namespace["__pydantic_parent_namespace__"] = caller_namespace()
            kwargs["__pydantic_reset_parent_namespace__"] = False
        _building.depth = getattr(_building, "depth", 0) + 1
        try:
            return super().__new__(mcs, name, bases, namespace, **kwargs)
        finally:
            _building.depth -= 1

    if not TYPE_CHECKING:

        def __getattr__(cls, item: str) -> Any:
            columns = cls.__dict__.get("__coodie_columns__")
            if columns is not None and not getattr(_building, "depth", 0):
                col = columns.get(item)
                if col is not None:
                    return col
            return super().__getattr__(item)


class class_or_instance_method(classmethod, Generic[_P, _R]):  # type: ignore[type-arg]
    """A classmethod that, called on an instance, receives the instance instead of the
    class (`PageView.increment(url=u, views=1)` and `PageView(url=u).increment(views=1)`)."""

    def __init__(self, func: Callable[Concatenate[Any, _P], _R]) -> None:
        super().__init__(func)

    def __get__(self, obj: Any, cls: type | None = None) -> Callable[_P, _R]:
        bound: Callable[_P, _R] = types.MethodType(self.__func__, cls if obj is None else obj)
        return bound


@dataclass(frozen=True, slots=True)
class LWTResult:
    """The outcome of a conditional write: `applied`, and the row as it was if not applied."""

    applied: bool
    existing: dict[str, Any] = field(default_factory=dict)
    pending: bool = False  # queued in a batch: the batch's result tells once it has run

    def __bool__(self) -> bool:
        return self.applied


def check_owner(model: type[DocumentCore], owner: type[Any] | None, column: str) -> None:
    """A column of `owner` used in a query of `model`: refused unless `owner` is the
    model or a base of it (columns of another model would silently name this model's
    column of the same name)."""
    if owner is not None and not issubclass(model, owner):
        raise InvalidQueryError(
            f"{owner.__name__}.{column} is a column of {owner.__name__}, "
            f"not of {model.__name__}: use {model.__name__}.{column}"
        )


def conditions_from(
    schema: TableSchema,
    exprs: Sequence[Expr],
    kwargs: Mapping[str, Any],
    model: type[DocumentCore] | None = None,
) -> tuple[Condition, ...]:
    """Positional expressions and kwargs lookups -> one AND-ed tuple of conditions.

    Given the queried `model`, a condition built from another model's column (one that
    is not the model or a base of it) is refused, even where the column names agree."""
    out: list[Condition] = []
    for e in exprs:
        items: tuple[Condition, ...]
        if isinstance(e, And):
            items = e.items
        elif isinstance(e, (Compare, TokenCompare)):
            items = (e,)
        else:
            given: object = e
            hint = (
                " (a bool: was a comparison made on values, not columns?)"
                if isinstance(given, bool)
                else ""
            )
            raise InvalidQueryError(
                f"find()/filter() take expressions such as User.price > 10, got {e!r}{hint}"
            )
        for c in items:
            if model is not None:
                check_owner(model, c.model, c.column if isinstance(c, Compare) else c.columns[0])
            # (a UDT field, home.city, is the validator's to judge)
            if isinstance(c, Compare) and c.column.partition(".")[0] not in schema.by_name:
                raise InvalidQueryError(
                    f"{schema.name} has no column {c.column!r} (was the column taken from another model?)"
                )
        out.extend(items)
    if kwargs:
        out.extend(parse_conditions(schema, kwargs))
    for c in out:
        if isinstance(c, Compare) and c.op is Op.NE:
            from coodie.expr.validate import _NE_IN_WHERE

            raise InvalidQueryError(f"{schema.name}: " + _NE_IN_WHERE.format(c.column))
    return tuple(out)


class DocumentCore(BaseModel, metaclass=DocumentMeta):
    """Base of every Document flavour. Subclass `coodie.sync.Document` or `coodie.aio.Document`."""

    __coodie_abstract__: ClassVar[bool] = True
    __coodie_schema__: ClassVar[TableSchema]
    # (class, schema): the schema's owner, since a subclass inherits the attribute
    __coodie_owned_schema__: ClassVar[tuple[type | None, Any]] = (None, None)
    __coodie_columns__: ClassVar[Mapping[str, Column[Any]]]
    __coodie_counter__: ClassVar[bool] = False
    __coodie_view__: ClassVar[bool] = False
    __coodie_hydrators__: ClassVar[dict[tuple[str, ...], Hydrator]]

    # pydantic keeps three things in slots of each instance: the names of the fields given
    # a value, the extra fields and the private attributes. A document hydrated from a
    # row gets them on first use instead of three slot writes and a set per row (together
    # about a third of the cost of building a page, and one GC-tracked object per row
    # less). pydantic and everything else set and read them through these properties.
    # Hydrated from a whole row: every field has its value; a row holds no extra field;
    # model_post_init() fills the private attributes where the model has some (hydration
    # calls it, as model_construct() does).
    __pydantic_fields_set__ = slot_on_first_use(
        "__pydantic_fields_set__", lambda doc: set(type(doc).model_fields)
    )
    __pydantic_extra__ = slot_on_first_use(
        "__pydantic_extra__", lambda doc: {} if doc.model_config.get("extra") == "allow" else None
    )
    __pydantic_private__ = slot_on_first_use("__pydantic_private__", lambda doc: None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        own_settings = cls.__dict__.get("Settings")
        if cls.__dict__.get("__coodie_abstract__") or getattr(own_settings, "abstract", False):
            return
        if cls.__pydantic_complete__:
            cls.__coodie_build__()
        # else: an annotation is not resolvable yet; the schema is built on first use,
        # after pydantic's model_rebuild().

    @classmethod
    def __coodie_build__(cls) -> None:
        own_settings = cls.__dict__.get("Settings")
        settings = getattr(cls, "Settings", None)
        schema = build_schema(
            cls.__name__,
            cls.model_fields,
            settings,
            counter_table=cls.__coodie_counter__,
            own_settings=own_settings,
        )
        schema = polymorphic.build(cls, schema)
        check_scan_policy(getattr(settings, "scan_policy", None), f"{cls.__name__}.Settings")
        type.__setattr__(cls, "__coodie_schema__", schema)
        type.__setattr__(cls, "__coodie_owned_schema__", (cls, schema))
        type.__setattr__(
            cls,
            "__coodie_columns__",
            {c.name: Column(c.name, c, cls) for c in schema.columns},
        )
        type.__setattr__(cls, "__coodie_hydrators__", {})
        type.__setattr__(cls, "__coodie_in_step__", None)
        if schema.is_counter:
            _counters_start_at_zero(cls, schema)
        cls.__coodie_init_class__()

    @classmethod
    def __coodie_init_class__(cls) -> None:
        """Hook for subclasses (views) that check more at class definition."""

    # ------------------------------------------------------------- schema access

    @classmethod
    def _schema(cls) -> TableSchema:
        owner, schema = cls.__coodie_owned_schema__
        if owner is not cls:
            return cls._deferred_schema()
        return schema  # type: ignore[no-any-return]

    @classmethod
    def _deferred_schema(cls) -> TableSchema:
        own_settings = cls.__dict__.get("Settings")
        if cls.__dict__.get("__coodie_abstract__") or getattr(own_settings, "abstract", False):
            raise SchemaError(
                f"{cls.__name__} is abstract (no table): subclass it and declare a PrimaryKey() field"
            )
        try:
            cls.model_rebuild()
        except Exception as e:
            raise SchemaError(
                f"{cls.__name__}: its annotations cannot be resolved ({e}); define the types "
                "they use at module level, then call model_rebuild()"
            ) from e
        if "__coodie_schema__" not in cls.__dict__:
            cls.__coodie_build__()
        schema: TableSchema = cls.__dict__["__coodie_schema__"]
        return schema

    @classmethod
    def _driver_name(cls) -> str | None:
        owner, schema = cls.__coodie_owned_schema__  # (_schema() inline: a call less per request)
        return (schema if owner is cls else cls._deferred_schema()).driver_name

    # ------------------------------------------------------------- statements

    def _loaded(self) -> frozenset[str] | None:
        """The columns a document read with only(...) holds (those it read, and those
        given a value since); None for a whole document."""
        read = tracking.PARTIAL.get(id(self))
        return None if read is None else read | self.__pydantic_fields_set__

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in type(self).model_fields:
            tracking.mark_changed(self, name)

    def _changed_fields(self) -> set[str]:
        """The fields assigned since the document was read or last written."""
        return tracking.changed_fields(self)

    def _mark_written(self, names: Any = None) -> None:
        """The fields `names` (every field if None) now hold what the table holds."""
        tracking.mark_written(self, names)

    # A document read with only(...) stays partial through copies and pickling, and one
    # with fields changed keeps them changed (see tracking.carry): a copy taken for a
    # whole document would write defaults over the columns it never read, and one taken
    # with nothing changed would not write what the original still has to.

    def __copy__(self) -> Self:
        new = super().__copy__()
        tracking.carry(self, new)
        return new

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        new = super().__deepcopy__(memo)
        tracking.carry(self, new)
        return new

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """pydantic's copy (see __copy__); the fields `update` gives are changed too, as
        if assigned (a frozen one cannot be: `save()` writes it with the whole row)."""
        new = super().model_copy(update=update, deep=deep)
        if update:
            cls, frozen = type(self), self._frozen_fields()
            if frozen is not True:
                names = [n for n in update if n in cls.model_fields and n not in frozen]
                tracking.give_back(new, names)
        return new

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        read = tracking.PARTIAL.get(id(self))
        changed = tracking.changed_fields(self)
        if read is None and not changed:
            return state
        return {**state, "__coodie_read__": read, "__coodie_changed__": changed}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        read, changed = state.get("__coodie_read__"), state.get("__coodie_changed__")
        if "__coodie_changed__" in state or read is not None:
            state = {k: v for k, v in state.items() if not k.startswith("__coodie_")}
        super().__setstate__(state)
        if read is not None:
            tracking.mark_partial(self, frozenset(read))
        if changed:
            tracking.give_back(self, changed)

    def _key_conditions(self) -> tuple[Compare, ...]:
        d = self.__dict__
        key = self._schema().primary_key
        loaded = self._loaded()
        if loaded is not None:
            missing = [c.name for c in key if c.name not in loaded]
            if missing:
                raise InvalidQueryError(
                    f"{type(self).__name__} was read with only(...) without its primary key "
                    f"({', '.join(missing)}): it cannot be written; include the key columns in only()"
                )
        return tuple(Compare(c.name, Op.EQ, d[c.name]) for c in key)

    @classmethod
    def _check_writable(cls, what: str) -> None:
        if cls.__coodie_view__:
            raise UnsupportedOperation(
                f"{cls.__name__} is a materialized view: it is read-only; write to its base table"
            )
        if cls.__coodie_counter__ and what in ("save", "insert", "update"):
            raise UnsupportedOperation(
                f"{cls.__name__} is a counter table: {what}() is not supported; "
                "use increment() and decrement()"
            )

    def _insert_statement(
        self, *, if_not_exists: bool = False, ttl: int | None = None, timestamp: int | None = None
    ) -> Insert:
        self._check_writable("insert" if if_not_exists else "save")
        d = self.__dict__
        loaded = self._loaded()
        if loaded is not None:
            self._key_conditions()  # raises for a document read without its key
        return Insert(
            tuple(
                (c.name, d[c.name])
                for c in self._schema().columns
                # a partial document writes what it read; a None static is left alone,
                # since the partition's other rows share it; a polymorphic root's table
                # has its subclasses' columns too, which are not its fields
                if (loaded is None or c.name in loaded)
                and c.name in d
                and not (c.kind is ColumnKind.STATIC and d[c.name] is None)
            ),
            if_not_exists=if_not_exists,
            ttl=ttl,
            timestamp=timestamp,
        )

    def _update_statement(
        self,
        kwargs: Mapping[str, Any],
        *,
        ttl: int | None = None,
        timestamp: int | None = None,
        if_exists: bool = False,
        if_conditions: IfConditions | None = None,
    ) -> tuple[Update, dict[str, Any]]:
        """The UPDATE, and the field values the instance takes once it is applied."""
        self._check_writable("update")
        schema = self._schema()
        assignments = parse_assignments(schema, kwargs)
        new_values = self._validated_changes(
            {a.column: a.value for a in assignments if a.op is AssignOp.SET}
        )
        assignments = [
            a if a.op is not AssignOp.SET else type(a)(a.column, a.op, new_values[a.column])
            for a in assignments
        ]
        ops = [a for a in assignments if a.op is not AssignOp.SET]
        if ops:  # (the values SET were checked with their validation)
            new_values = self._after_ops(ops, new_values)
            self._check_not_frozen({a.column: new_values[a.column] for a in ops})
        where = self._key_conditions()
        if all(schema.by_name[a.column].kind is ColumnKind.STATIC for a in assignments):
            # static columns belong to the partition: an UPDATE names the partition only
            partition = {c.name for c in schema.partition_key}
            where = tuple(c for c in where if c.column in partition)
        stmt = Update(
            tuple(assignments),
            where,
            ttl=ttl,
            timestamp=timestamp,
            if_exists=if_exists,
            if_conditions=_if_conditions(schema, if_conditions),
        )
        return stmt, new_values

    def _after_ops(self, ops: Sequence[Any], values: Mapping[str, Any]) -> dict[str, Any]:
        """`values` with what each collection (or counter) operation of `ops` makes of its
        field, in order, so that several operations on one field compose: from the value in
        `values`, else the document's. update() calls it when it is made, and its answer
        again once it has applied, on the document's values then: two operations on one
        field in flight at once (a batch, asyncio) both reach the document."""
        out = dict(values)
        schema = self._schema()
        for a in ops:
            current = out.get(a.column, self.__dict__.get(a.column))
            if a.op is AssignOp.SETFIELD and current is None:
                # the server makes a value with the other fields null (read: defaults)
                udt = schema.by_name[a.column].cql_type.py
                current = udt.model_construct(
                    **{n: None for n, i in udt.model_fields.items() if i.is_required()}
                )
            out[a.column] = _apply_collection_op(current, a.op, a.value)
        return out

    def _validated_changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate new field values with the model's own validators (pydantic errors stay pydantic's)."""
        if not changes:
            return {}
        self._check_not_frozen(changes)
        cls = type(self)
        plain = cls.__dict__.get("__coodie_plain__")
        if plain is None:
            plain = plain_fields(cls)
            type.__setattr__(cls, "__coodie_plain__", plain)
        if all(type(v) in plain.get(name, ()) for name, v in changes.items()):
            return dict(changes)  # (values pydantic would take as they are: no copy to learn so)
        probe = shallow_probe(self)
        validator = cls.__pydantic_validator__
        for name, value in changes.items():
            validator.validate_assignment(probe, name, value)
        return {name: probe.__dict__[name] for name in changes}

    @classmethod
    def _validated_values(cls, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Validate new column values without a document (`QuerySet.update()`): each value
        goes through its field's type, constraints and field validators, as in
        `Document.update()`. Model validators need a whole document and do not run."""
        if not changes:
            return {}
        values_model = cls.__dict__.get("__coodie_values_model__")
        if values_model is None:
            values_model = values_model_of(cls)
            type.__setattr__(cls, "__coodie_values_model__", values_model)
        probe = values_model.model_construct()
        validator = values_model.__pydantic_validator__
        for name, value in changes.items():
            validator.validate_assignment(probe, name, value)
        return {name: probe.__dict__[name] for name in changes}

    def _delete_statement(
        self,
        *,
        if_exists: bool = False,
        timestamp: int | None = None,
        if_conditions: IfConditions | None = None,
    ) -> Delete:
        self._check_writable("delete")
        return Delete(
            self._key_conditions(),
            timestamp=timestamp,
            if_exists=if_exists,
            if_conditions=_if_conditions(self._schema(), if_conditions),
        )

    def _delete_columns_statement(
        self,
        targets: Sequence[Any],
        *,
        if_exists: bool = False,
        timestamp: int | None = None,
        if_conditions: IfConditions | None = None,
    ) -> tuple[Delete, dict[str, Any], tuple[Assignment | _ElementDeleted, ...]]:
        """`DELETE a, meta[?], items[?] ... WHERE <key>`: whole columns by name, collection
        elements as `(column, key or index)`; the values the instance takes then, and the
        same as operations, for its answer to apply to the document's values of the moment
        the write has applied (see _after_ops)."""
        self._check_writable("delete")
        schema = self._schema()
        columns: list[str] = []
        elements: list[tuple[str, Any]] = []
        for t in targets:
            if isinstance(t, str):
                columns.append(schema.column(t).name)
            elif isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], str):
                elements.append((schema.column(t[0]).name, t[1]))
            else:
                raise InvalidQueryError(
                    f"{type(self).__name__}.delete_columns() takes column names and "
                    f"(column, key) pairs for collection elements, got {t!r}"
                )
        if not columns and not elements:
            raise InvalidQueryError(
                f"{type(self).__name__}.delete_columns() needs at least one column"
            )
        where = self._key_conditions()
        if all(
            schema.by_name[n].kind is ColumnKind.STATIC
            for n in (*columns, *(e for e, _ in elements))
        ):
            partition = {c.name for c in schema.partition_key}
            where = tuple(c for c in where if c.column in partition)
        stmt = Delete(
            where,
            columns=tuple(columns),
            timestamp=timestamp,
            if_exists=if_exists,
            if_conditions=_if_conditions(schema, if_conditions),
            elements=tuple(elements),
        )
        ops: list[Assignment | _ElementDeleted] = []
        for name in columns:
            null = hydrate.null_value(type(self).model_fields[name], schema.by_name[name])
            ops.append(Assignment(name, AssignOp.SET, null() if null is not None else None))
        ops.extend(_ElementDeleted(name, key) for name, key in elements)
        new_values = self._after_ops(ops, {})
        if new_values:
            self._check_not_frozen(new_values)
        return stmt, new_values, tuple(ops)

    @classmethod
    def _frozen_fields(cls) -> Literal[True] | frozenset[str]:
        """The model's frozen fields (`Field(frozen=True)`); True: all of them (a frozen
        model). Found once per class."""
        frozen: Any = cls.__dict__.get("__coodie_frozen__")
        if frozen is None:
            fields = cls.model_fields
            frozen = bool(cls.model_config.get("frozen")) or frozenset(
                name for name, info in fields.items() if info.frozen
            )
            type.__setattr__(cls, "__coodie_frozen__", frozen)
        return frozen  # type: ignore[no-any-return]

    def _check_not_frozen(self, changes: Mapping[str, Any]) -> None:
        """A write that gives this document new values (update(), delete_columns(), a
        document's increment()) is refused, before anything is sent, where the model is
        frozen or one of the fields it changes is (`Field(frozen=True)`): the error
        pydantic gives an assignment (`doc.x = 1`). (QuerySet.update() and the class's
        increment() change no document.)"""
        cls = type(self)
        frozen = cls._frozen_fields()
        if not frozen:
            return
        kind = "frozen_instance" if frozen is True else "frozen_field"
        name = next((n for n in changes if frozen is True or n in frozen), None)
        if name is None:
            return
        raise PydanticValidationError.from_exception_data(
            cls.__name__, [{"type": kind, "loc": (name,), "input": changes[name]}]
        )

    def _apply_local(self, values: Mapping[str, Any]) -> None:
        d = self.__dict__
        fields_set = self.__pydantic_fields_set__
        for k, v in values.items():
            d[k] = v
            fields_set.add(k)
        if id(self) in tracking.CHANGED:
            self._mark_written(values)
        if tracking.HELD:  # (a batch holds a whole-row write: see tracking.hold)
            tracking.stamp_written(self, values)

    # ------------------------------------------------------------- hydration

    @classmethod
    def _from_rows(cls, names: tuple[str, ...], rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Rows from the database -> documents. Rows are trusted for shape (they come from
        the table this class describes): values get the type conversions the driver
        needs, not a second validation. A polymorphic root builds each row as the
        subclass its discriminator names."""
        if cls.__dict__.get("__coodie_poly_subs__") is not None:
            return polymorphic.dispatch_rows(cls, names, rows)
        return hydrate.build_rows(cls, names, rows)

    @classmethod
    def _rows_builder(
        cls, names: tuple[str, ...]
    ) -> Callable[[Sequence[Sequence[Any]]], list[Any]]:
        """`_from_rows` for the columns `names`, chosen once (a quick get keeps it): for a
        model that is not a polymorphic root and a whole-row column list, the generated
        row builder itself (what build_rows runs for a page of a few rows)."""
        if cls.__dict__.get("__coodie_poly_subs__") is None:
            build: Any = hydrate.hydrator(cls, names).build
            if build is not None:
                return build  # type: ignore[no-any-return]
        return functools.partial(cls._from_rows, names)


def _counters_start_at_zero(cls: type[DocumentCore], schema: TableSchema) -> None:
    """A counter column with no default defaults to 0 (what an absent counter counts),
    so that a document made of its key alone can be incremented: `PageView(url=u)`."""
    changed = False
    for c in schema.columns:
        info = cls.model_fields[c.name]
        if c.is_counter and info.is_required():
            info.default = 0
            changed = True
    if changed:
        cls.model_rebuild(force=True)


def _if_conditions(schema: TableSchema, conds: Any) -> tuple[Compare, ...]:
    """IF conditions: a mapping of lookups (`{"name": "x", "age__ne": 3}`), or expressions
    (`[Model.name == "x", Model.age != 3]`)."""
    if not conds:
        return ()
    items: list[Any]
    if isinstance(conds, Mapping):
        items = list(parse_conditions(schema, conds))
    else:
        exprs = [conds] if isinstance(conds, Expr) else list(conds)
        items = []
        for e in exprs:
            if not isinstance(e, Expr):
                raise InvalidQueryError(
                    f"{schema.name}: if_conditions takes a dict of lookups or expressions "
                    f"such as Model.name != 'x', got {e!r}"
                )
            items.extend(e.items if isinstance(e, And) else (e,))
        for c in items:
            if isinstance(c, Compare) and c.column.partition(".")[0] not in schema.by_name:
                raise InvalidQueryError(
                    f"{schema.name} has no column {c.column!r} (in if_conditions)"
                )
    out = []
    for c in items:
        if not isinstance(c, Compare):
            raise InvalidQueryError(f"{schema.name}: token() cannot be used in IF conditions")
        out.append(c)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _ElementDeleted:
    """delete_columns() of one collection element (`value`: a map's key, a list's index),
    as the instance applies it (see _after_ops); not an assignment the compiler sees."""

    column: str
    value: Any
    op: None = None


def _apply_collection_op(current: Any, op: AssignOp | None, value: Any) -> Any:
    """What a collection or counter holds after `op` (to keep the instance in step); op
    None: delete_columns() of an element, a map's key or a list's index (`value`)."""
    if op is None:
        if isinstance(current, dict):
            return {k: v for k, v in current.items() if k != value}
        if isinstance(current, list):
            return [v for i, v in enumerate(current) if i != value]
        return current
    if op is AssignOp.ADD:
        return set(current or ()) | set(value)
    if op is AssignOp.REMOVE:
        if isinstance(current, dict):
            keys = {value} if isinstance(value, (str, bytes)) else set(value)
            return {k: v for k, v in current.items() if k not in keys}
        if isinstance(current, (set, frozenset)):
            return set(current) - set(value)
        drop = list(value)
        return [x for x in (current or []) if x not in drop]
    if op is AssignOp.APPEND:
        return [*(current or []), *value]
    if op is AssignOp.PREPEND:
        return [*value, *(current or [])]
    if op is AssignOp.PUT:
        return {**(current or {}), **value}
    if op is AssignOp.INCR:
        return (current or 0) + value
    if op is AssignOp.DECR:
        return (current or 0) - value
    if op is AssignOp.SETFIELD:  # one field of a user-defined type
        field, v = value
        return current.model_copy(update={field: v})
    if op is AssignOp.SETINDEX:
        index, element = value
        items = list(current or [])
        if index < len(items):  # (else the server refuses the write)
            items[index] = element
        return items
    return value
