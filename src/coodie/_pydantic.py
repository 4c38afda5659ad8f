"""Every use of pydantic's internals, in one place.

coodie reaches under pydantic's public API for three things, each worth its cost:

- the metaclass (`ModelMetaclass`, `NoInitField`, the parent namespace helpers): columns
  answer `Model.field` and annotations of classes defined in functions resolve;
- BaseModel's own slots (`SLOTS`): a document hydrated from a row gets pydantic's
  per-instance slots on first use instead of three writes per row;
- `values_model()`: field validators re-bound on a model without model validators;
- the validation schema pydantic-core runs (`plain_fields()`): which fields take a value of
  exactly their type unchanged, so that `update()` need not copy the document to learn so.

`tests/unit/test_pydantic_internals.py` pins these to the range pyproject.toml declares
(`pydantic>=2.10,<3`): a pydantic release that moves one of them fails there, by name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, create_model, field_validator
from pydantic._internal._model_construction import (
    ModelMetaclass,
    NoInitField,
    build_lenient_weakvaluedict,
)
from pydantic._internal._typing_extra import parent_frame_namespace

__all__ = [
    "SET_DICT",
    "SLOTS",
    "ModelMetaclass",
    "NoInitField",
    "caller_namespace",
    "shallow_probe",
    "slot_on_first_use",
    "values_model",
]

SLOTS = {
    name: BaseModel.__dict__[name]
    for name in (
        "__dict__",
        "__pydantic_fields_set__",
        "__pydantic_extra__",
        "__pydantic_private__",
    )
}  # BaseModel's own slots (what model_construct() sets)
# (their setters: in the order above)
SET_DICT, _SET_FIELDS_SET, _SET_EXTRA, _SET_PRIVATE = (s.__set__ for s in SLOTS.values())


def caller_namespace() -> Any:
    """The namespace pydantic keeps to resolve the annotations of a class defined in a
    function: that of the frame of the class statement (called from the metaclass)."""
    return build_lenient_weakvaluedict(parent_frame_namespace(parent_depth=3))


def slot_on_first_use(name: str, initial: Callable[[Any], Any]) -> Any:
    """A property over one of BaseModel's slots: reads and writes go to the slot (writes
    straight to its setter), and while it is unset (a document hydrated from a row) the
    first read stores and returns `initial(document)`."""
    get, put = SLOTS[name].__get__, SLOTS[name].__set__

    def read(doc: Any) -> Any:
        try:
            return get(doc, type(doc))
        except AttributeError:
            value = initial(doc)
            put(doc, value)
            return value

    return property(read, put)


def shallow_probe(doc: BaseModel) -> Any:
    """A shallow copy of `doc` to validate assignments on (what model_copy() does,
    without its overhead); extra and private attributes are copied where the model has
    them, for its validators to see."""
    cls = type(doc)
    probe = object.__new__(cls)
    SET_DICT(probe, dict(doc.__dict__))
    _SET_FIELDS_SET(probe, set(doc.__pydantic_fields_set__))
    extra = doc.__pydantic_extra__ if cls.model_config.get("extra") == "allow" else None
    _SET_EXTRA(probe, dict(extra) if extra is not None else None)
    private = doc.__pydantic_private__ if cls.__private_attributes__ else None
    _SET_PRIVATE(probe, dict(private) if private is not None else None)
    return probe


def values_model(cls: type[BaseModel]) -> type[BaseModel]:
    """A model with `cls`'s fields, config and field validators, but not its model
    validators, to validate column values one at a time."""
    validators: dict[str, Any] = {}
    for name, dec in cls.__pydantic_decorators__.field_validators.items():
        validators[name] = field_validator(
            *dec.info.fields, mode=dec.info.mode, check_fields=False
        )(inspect.getattr_static(cls, name))
    fields: dict[str, Any] = {n: (f.annotation, f) for n, f in cls.model_fields.items()}
    config = ConfigDict(**{**cls.model_config, "title": cls.__name__})  # errors name the model
    model: type[BaseModel] = create_model(
        f"{cls.__name__}Values", __config__=config, __validators__=validators, **fields
    )
    return model


# What plain_fields() reads in a model's validation schema (pydantic-core's core schema).
# Anything else there (a constraint, a validator, a config key that changes strings or
# refuses NaN) makes a field not plain: the safe answer for what this list does not know.
_PLAIN_TYPES: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}
_PLAIN_CONFIG = {
    "title", "extra_fields_behavior", "validate_by_alias", "validate_by_name",
    "loc_by_alias", "strict", "from_attributes", "revalidate_instances",
    "hide_input_in_errors", "validation_error_cause", "cache_strings",
}  # fmt: skip
_WRAPPER_KEYS = {"type", "schema", "default", "default_factory", "default_factory_takes_data"}


def _plain_types(schema: Any) -> tuple[type, ...]:
    """The types whose values `schema` returns unchanged, without a check that could refuse
    them (none: not a plain schema)."""
    kind = schema.get("type")
    if kind in _PLAIN_TYPES and set(schema) <= {"type", "strict"}:
        return (_PLAIN_TYPES[kind],)
    if kind == "uuid" and set(schema) <= {"type", "strict"}:
        return (UUID,)
    if kind in ("default", "nullable") and set(schema) <= _WRAPPER_KEYS:
        inner = _plain_types(schema["schema"])
        return (*inner, type(None)) if inner and kind == "nullable" else inner
    return ()


def plain_fields(cls: type[BaseModel]) -> dict[str, tuple[type, ...]]:
    """Per field, the types of the values that validating an assignment returns unchanged:
    a field of str, int, float, bool or UUID (or Optional of one) with no constraint and no
    validator, on a model with no model validator, not frozen, whose config changes no
    value. For a value of exactly one of these types (not a subclass: a bool is not an int
    here), `validate_assignment()` has nothing to do."""
    schema: Any = cls.__pydantic_core_schema__
    config = schema.get("config") or {}
    if schema.get("type") != "model" or not set(config) <= _PLAIN_CONFIG:
        return {}  # (a model validator wraps the model's schema; or a config that acts)
    fields = schema.get("schema", {})
    if fields.get("type") != "model-fields" or fields.get("computed_fields"):
        return {}
    plain = {}
    for name, field in fields.get("fields", {}).items():
        types = _plain_types(field["schema"]) if not field.get("frozen") else ()
        if types:
            plain[name] = types
    return plain
