"""mypy plugin: typed columns, checked kwargs lookups and writes, and misused conditions.

Enable it in mypy.ini (with or without pydantic's plugin, in either order):

    [mypy]
    plugins = pydantic.mypy, coodie.mypy
    enable_error_code = truthy-bool   # flags `if User.price > 3:` and `a and b`

What it tells mypy:

- `User.price` is a `Column[float]` where `user.price` stays a `float` (at runtime the
  Document metaclass answers class-attribute access for fields with their `Column`), for
  every Document subclass of either flavour at any depth. ClassVars, private attributes
  and methods are left alone; unknown attributes stay errors.
- kwargs lookups (`find`, `filter`, `get`, `find_one`, sync and async): each field and
  lookup is a keyword argument of its own type (`price__gt: float`, `id__in: Sequence[UUID]`,
  `tags__contains: str` on a `set[str]`, `name: str`, never None: CQL cannot match
  null); an unknown column or lookup is an error naming both.
- writes: `update(**)` of a document and of a QuerySet, `QuerySet.create(**)`,
  `increment/decrement(**)`, the collection operations (`add__`, `remove__`, `append__`,
  `prepend__`, `put__`) with the element types of the column, and a literal
  `if_conditions={...}` mapping. A conditional `update()`/`delete()` (`if_exists=True` or
  `if_conditions=`) returns an `LWTResult`, not an Optional one.
- conditions misused where they are written: `!=` on a column, `|` and `~` (CQL has no
  OR or NOT), `in_("abc")`, chained comparisons (`1 < User.price < 10`), `3 == User.price` is a
  condition like `User.price == 3`, and a comparison with a value of the wrong type is an
  error at the comparison. (`if cond:` and `a and b` are mypy's `truthy-bool` errors: the
  condition types declare no `__bool__` to the checker.)
- columns belong to their model: `User.find(Product.name == "x")` is an error (spelled
  out in the call; the runtime refuses it too), as are unknown literal names in
  `order_by("-price")` and `only("name")`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

from mypy.messages import format_type
from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    ARG_STAR2,
    AssertStmt,
    CallExpr,
    ComparisonExpr,
    ConditionalExpr,
    DictExpr,
    Expression,
    IfStmt,
    MemberExpr,
    MypyFile,
    NameExpr,
    Node,
    OpExpr,
    RefExpr,
    StrExpr,
    TypeInfo,
    UnaryExpr,
    Var,
    WhileStmt,
)
from mypy.plugin import (
    AttributeContext,
    CheckerPluginInterface,
    MethodContext,
    MethodSigContext,
    Plugin,
)
from mypy.subtypes import is_subtype
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeType,
    UnionType,
    get_proper_type,
)

from coodie.expr import lookups
from coodie.expr.lookups import LOOKUPS, TOKEN_LOOKUPS, UPDATE_PREFIXES
from coodie.schema import TableSchema

__all__ = ["CoodiePlugin", "plugin"]

DOCUMENT = "coodie.document.DocumentCore"
COLUMN = "coodie.expr.columns.Column"
FIELD_COLUMN = "coodie.expr.columns.FieldColumn"
COMPARE = "coodie.expr.nodes.Compare"
QUERYSET = "coodie.query.QuerySetCore"
COUNTERS = ("coodie.sync.document.CounterDocument", "coodie.aio.document.CounterDocument")
KWARGS = "__coodie_kwargs__"  # the **kwargs formal, renamed so the method hook finds it

_FLAVOURS = ("coodie.sync.document.Document", "coodie.aio.document.Document")
_QUERYSETS = ("coodie.sync.query.QuerySet", "coodie.aio.query.AsyncQuerySet")
# Methods by the fullname of the class that defines them (see CoodiePlugin._canonical),
# and the formals their **kwargs take (see CoodiePlugin._formals).
_KINDS = {
    **{f"{d}.{m}": "conditions" for d in _FLAVOURS for m in ("find", "get", "find_one")},
    f"{QUERYSET}.filter": "conditions",
    **{f"{c}.update": "writes" for c in (*_FLAVOURS, *_QUERYSETS)},
    **{f"{q}.create": "create" for q in _QUERYSETS},
    **{f"{c}.{m}": "counts" for c in COUNTERS for m in ("increment", "decrement")},
}
_CONDITIONAL = {f"{d}.{m}" for d in _FLAVOURS for m in ("update", "delete")}
_NAMES = {f"{QUERYSET}.order_by": "order_by", f"{QUERYSET}.only": "only"}
_COMPARISONS = {
    f"coodie.expr.columns._Comparisons.__{op}__" for op in ("eq", "lt", "le", "gt", "ge")
}
_NO_OR = {f"coodie.expr.nodes.Expr.{m}" for m in ("__or__", "__ror__", "__invert__")}
_COLLECTIONS = ("builtins.list", "builtins.set", "builtins.frozenset", "builtins.dict")


# ------------------------------------------------------------------ models and fields


def _is_model(info: TypeInfo) -> bool:
    return info.has_base(DOCUMENT) and not info.module_name.startswith("coodie.")


def _field_var(
    info: TypeInfo, name: str, owns: Callable[[TypeInfo], bool] = _is_model
) -> Var | None:
    """The Var of field `name` of the model `info` (inherited ones included: those of the
    bases that `owns` says declare fields)."""
    for base in info.mro:
        sym = base.names.get(name) if owns(base) else None
        if sym is not None:
            return sym.node if isinstance(sym.node, Var) and _is_field(name, sym.node) else None
    return None


def _is_field(name: str, node: object) -> bool:
    """A pydantic field: a Var that is no ClassVar, property, private name or config."""
    return (
        isinstance(node, Var)
        and not node.is_classvar
        and not node.is_property
        and not name.startswith("_")
        and name != "model_config"
    )


def fields_of(info: TypeInfo, owns: Callable[[TypeInfo], bool] = _is_model) -> dict[str, Type]:
    """Field name -> its Python type, in declaration order, bases first."""
    out: dict[str, Type] = {}
    for base in reversed(info.mro):
        if not owns(base):
            continue
        for name in base.names:
            var = _field_var(info, name, owns)
            if var is not None and var.type is not None:
                out[name] = var.type
    return out


def _model_of(t: ProperType) -> TypeInfo | None:
    """The Document class a method is called on: `User.find`, `user.update`,
    `User.find().filter` (QuerySet[User])."""
    if isinstance(t, CallableType) and t.is_type_obj():
        t = get_proper_type(t.ret_type)
    elif isinstance(t, TypeType):
        t = get_proper_type(t.item)
    if not isinstance(t, Instance):
        return None
    if t.type.has_base(QUERYSET):
        if not t.args:
            return None
        t = get_proper_type(t.args[0])
        if not isinstance(t, Instance):
            return None
    return t.type if _is_model(t.type) else None


def _without_none(t: Type) -> Type:
    p = get_proper_type(t)
    if isinstance(p, UnionType):
        items = [i for i in p.items if not isinstance(get_proper_type(i), NoneType)]
        return UnionType.make_union(items)
    return t


def _collection(t: Type) -> tuple[str, list[Type]] | None:
    """("list" | "set" | "map", type arguments) of a collection field type."""
    p = get_proper_type(_without_none(t))
    if isinstance(p, Instance) and p.type.fullname in _COLLECTIONS and p.args:
        kind = {"builtins.frozenset": "set", "builtins.dict": "map"}.get(
            p.type.fullname, p.type.fullname.rpartition(".")[2]
        )
        return kind, list(p.args)
    return None


def _is_str(t: Type) -> bool:
    p = get_proper_type(_without_none(t))
    return isinstance(p, Instance) and p.type.fullname == "builtins.str"


class _Types:
    """Builders of the types the formals use."""

    def __init__(self, api: CheckerPluginInterface) -> None:
        self.api = api

    def of(self, name: str, *args: Type) -> Instance:
        return self.api.named_generic_type(name, list(args))

    def seq(self, t: Type) -> Type:
        """What `__in` takes: values of the column's type (for a text column not a
        Sequence, which a str is: `name__in="abc"` would be refused at runtime)."""
        if _is_str(t):
            return self.bag("set", t)
        return UnionType.make_union(
            [self.of("typing.Sequence", t), self.of("typing.AbstractSet", t)]
        )

    def pair(self, a: Type, b: Type) -> Type:
        """`tuple[a, b]`."""
        return TupleType([a, b], self.of("builtins.tuple", AnyType(TypeOfAny.special_form)))

    def bag(self, kind: str, t: Type) -> Type:
        """What a collection operation takes: a set, list or tuple of elements (not a
        str, which is iterable too: `add__tags="vip"` would add "v", "i" and "p")."""
        items = [self.of("builtins.list", t), self.of("builtins.tuple", t)]
        if kind != "list":
            items.insert(0, self.of("typing.AbstractSet", t))
        return UnionType.make_union(items)


def condition_formals(
    fields: dict[str, Type], t: _Types, *, in_if: bool = False
) -> dict[str, Type]:
    """`name__lookup` -> the value type it takes."""
    out: dict[str, Type] = {}
    integer = t.of("builtins.int")
    for name, ftype in fields.items():
        base = _without_none(ftype)
        out[name] = base
        for lookup in ("eq", "gt", "gte", "lt", "lte"):
            out[f"{name}__{lookup}"] = base
        out[f"{name}__in"] = t.seq(base)
        coll = _collection(ftype)
        if coll is not None:
            kind, args = coll
            out[f"{name}__contains"] = args[-1]
            if kind == "map":
                out[f"{name}__contains_key"] = args[0]
        if _is_str(ftype) and not in_if:
            out[f"{name}__like"] = t.of("builtins.str")
        if not in_if:
            out[f"{name}__token"] = integer
            for lookup in TOKEN_LOOKUPS:
                out[f"{name}__token__{lookup}"] = integer
    return out


def write_formals(fields: dict[str, Type], t: _Types, *, counter: bool) -> dict[str, Type]:
    """`name`, `set__name`, `add__name`... -> the value type each takes."""
    out: dict[str, Type] = {}
    integer = t.of("builtins.int")
    for name, ftype in fields.items():
        out[name] = ftype
        out[f"set__{name}"] = ftype
        coll = _collection(ftype)
        ops: dict[str, Type] = {}  # operation -> what it takes (prefix and suffix forms)
        if coll is not None:
            kind, args = coll
            if kind == "set":
                ops["add"] = ops["remove"] = t.bag("set", args[0])
            elif kind == "list":
                for op in ("append", "prepend", "remove"):
                    ops[op] = t.bag("list", args[0])
                out[f"{name}__setindex"] = t.pair(integer, args[0])
            else:
                ops["put"] = t.of("builtins.dict", args[0], args[1])
                ops["remove"] = UnionType.make_union([args[0], t.bag("map", args[0])])
                out[f"{name}__update"] = ops["put"]
                out[f"{name}__put"] = UnionType.make_union([ops["put"], t.pair(args[0], args[1])])
        if counter:
            ops["incr"] = ops["decr"] = integer
        for op, taken in ops.items():
            out[f"{op}__{name}"] = taken
            out.setdefault(f"{name}__{op}", taken)  # coodie 1.9's column-first spelling
        for field, field_type in _model_fields(ftype).items():  # a UDT: home__city=...
            out.setdefault(f"{name}__{field}", field_type)
    return out


def _model_fields(t: Type) -> dict[str, Type]:
    """The fields of a nested pydantic model (a user-defined type), else nothing."""
    p = get_proper_type(_without_none(t))
    if not isinstance(p, Instance) or not p.type.has_base("pydantic.main.BaseModel"):
        return {}
    if p.type.has_base(DOCUMENT):
        return {}
    return fields_of(p.type, owns=lambda base: True)


# ------------------------------------------------------------------ explanations


def _no_column(where: str, model: str, column: str, fields: dict[str, Type]) -> str:
    return f'{where}: {model} has no column "{column}"; columns are: {", ".join(fields)}'


def _split(fields: dict[str, Type], key: str) -> tuple[str, str]:
    """The column and the lookup of a kwarg, split as the runtime splits it (it reads
    only the schema's column names)."""
    return lookups._split(cast(TableSchema, SimpleNamespace(by_name=fields)), key)


def _type_name(t: Type, api: CheckerPluginInterface) -> str:
    return format_type(t, api.options)


def explain_condition(
    model: str, fields: dict[str, Type], key: str, api: CheckerPluginInterface, where: str
) -> str:
    name, lookup = _split(fields, key)
    if name not in fields:
        return _no_column(f"{where}({key}=...)", model, name, fields)
    ftype = _type_name(fields[name], api)
    if lookup.startswith("token"):
        return f'{where}({key}=...): unknown token lookup "{lookup[7:]}"; valid: ' + ", ".join(
            f"__token__{k}" for k in TOKEN_LOOKUPS
        )
    if lookup == "contains":
        return f"{where}({key}=...): CONTAINS needs a list, set or map column; {model}.{name} is {ftype}"
    if lookup == "contains_key":
        return f"{where}({key}=...): CONTAINS KEY needs a map column; {model}.{name} is {ftype}"
    if lookup == "like":
        what = "in IF conditions" if where == "if_conditions" else f"{model}.{name} is {ftype}"
        return f"{where}({key}=...): LIKE needs a text column; {what}"
    return (
        f'{where}({key}=...): unknown lookup "{lookup}" on {model}.{name}; valid lookups: '
        + ", ".join(f"__{k}" for k in LOOKUPS)
        + ", __token__gt/gte/lt/lte"
    )


_OPS_HINT = {
    "set": "sets take add__ and remove__",
    "list": "lists take append__, prepend__ and remove__",
    "map": "maps take put__ and remove__ (of keys)",
}


def explain_write(
    model: str, fields: dict[str, Type], key: str, api: CheckerPluginInterface, where: str
) -> str:
    prefix, sep, name = key.partition("__")
    if not sep:
        prefix, name = "set", key
    elif prefix not in UPDATE_PREFIXES:
        return f'{where}({key}=...): unknown update prefix "{prefix}"; valid: ' + ", ".join(
            f"{p}__" for p in UPDATE_PREFIXES
        )
    if name not in fields:
        return _no_column(f"{where}({key}=...)", model, name, fields)
    coll = _collection(fields[name])
    ftype = _type_name(fields[name], api)
    if prefix in ("incr", "decr"):
        hint = "counters are changed by increment()/decrement() of a CounterDocument"
    elif coll is None:
        hint = "only plain assignment applies"
    else:
        hint = _OPS_HINT[coll[0]]
    return f"{where}({key}=...): not valid for {model}.{name} ({ftype}); {hint}"


# ------------------------------------------------------------------ the plugin


class CoodiePlugin(Plugin):
    def __init__(self, options: object) -> None:
        super().__init__(options)  # type: ignore[arg-type]
        # (per TypeInfo and module tree object: the mypy daemon rebuilds those when a
        # module changes, and keeps the plugin)
        self._cache: dict[tuple[str, str], tuple[TypeInfo, dict[str, Type]]] = {}
        self._scanned: dict[str, MypyFile] = {}

    def _scan(self, api: CheckerPluginInterface) -> None:
        """Once per module: conditions used as truth values (`if User.price > 3:`,
        `(User.price > 1) and (...)`, `not ...`), found in the syntax tree since no hook
        sees the `if` around an expression. Waits for a hook called outside mypy's
        trial checks, whose errors it would discard."""
        tree = getattr(api, "tree", None)
        errors = api.msg.errors
        if not isinstance(tree, MypyFile) or self._scanned.get(tree.fullname) is tree:
            return
        if any(True for _ in errors.get_watchers()):
            return
        self._scanned[tree.fullname] = tree
        _truth_scan(api, tree.defs)

    # -------------------------------------------------------------- columns

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        owner, _, attr = fullname.rpartition(".")
        model = self._info(owner)
        # (an inherited field is looked up through the model's MRO: without pydantic's
        # plugin mypy names the subclass here, where the field is not declared)
        if model is None or not _is_model(model) or _field_var(model, attr) is None:
            return None
        column_info = self._info(COLUMN)
        if column_info is None:
            return None

        def column_of_field(ctx: AttributeContext) -> Type:
            self._scan(ctx.api)
            if ctx.is_lvalue:  # `User.price = ...` is not a query
                return ctx.default_attr_type
            return Instance(column_info, [ctx.default_attr_type])

        return column_of_field

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        """`Customer.home.city`: mypy reaches Column.__getattr__ (declared for mypy only)
        for a name Column lacks; the field of the column's UDT model is the answer."""
        owner, _, attr = fullname.rpartition(".")
        if owner != COLUMN:
            return None
        column, field_info = self._info(COLUMN), self._info(FIELD_COLUMN)
        if column is None or field_info is None or attr in column.names or attr in field_info.names:
            return None

        def udt_field(ctx: AttributeContext) -> Type:
            return _udt_field(ctx, attr, field_info)

        return udt_field

    # -------------------------------------------------------------- signatures

    def _info(self, fullname: str) -> TypeInfo | None:
        """The class named `fullname`, if mypy knows it."""
        sym = self.lookup_fully_qualified(fullname) if fullname else None
        return sym.node if sym is not None and isinstance(sym.node, TypeInfo) else None

    def _canonical(self, fullname: str) -> str:
        """`pkg.User.find` -> `coodie.sync.document.Document.find`: the class that defines
        the method (mypy names the class a method is called on)."""
        owner, _, name = fullname.rpartition(".")
        info = self._info(owner)
        defining = info.get_containing_type_info(name) if info is not None else None
        return f"{defining.fullname}.{name}" if defining is not None else fullname

    def get_method_signature_hook(
        self, fullname: str
    ) -> Callable[[MethodSigContext], FunctionLike] | None:
        fullname = self._canonical(fullname)
        general = fullname in _CONDITIONAL
        kind = _KINDS.get(fullname)
        if kind is None and not general:
            return None
        return self._signature(kind or "none", general)

    def _general(self, sig: CallableType, api: CheckerPluginInterface) -> CallableType:
        """An overload of a document's update()/delete() with its condition arguments
        widened: every overload is then the same to mypy, which reports a bad value as
        the argument it is rather than as "no overload matches"; the method hook
        computes the result type from the conditions given."""
        batch = self._info("coodie.flows.BatchCore")
        expr_info = self._info("coodie.expr.nodes.Expr")
        if batch is None or expr_info is None:
            return sig
        ty, none, expr = _Types(api), NoneType(), Instance(expr_info, [])
        mapping = ty.of("typing.Mapping", ty.of("builtins.str"), AnyType(TypeOfAny.explicit))
        wide: dict[str, Type] = {
            "if_exists": ty.of("builtins.bool"),
            # a mapping, [Model.name != "x"] or one expression (IfConditions)
            "if_conditions": UnionType.make_union(
                [mapping, expr, ty.of("typing.Sequence", expr), none]
            ),
            "batch": UnionType.make_union([Instance(batch, []), none]),
        }
        arg_types = [wide.get(n or "", t) for n, t in zip(sig.arg_names, sig.arg_types)]
        arg_kinds = [
            ARG_NAMED_OPT if n in wide else k for n, k in zip(sig.arg_names, sig.arg_kinds)
        ]
        return sig.copy_modified(arg_types=arg_types, arg_kinds=arg_kinds)

    def _formals(self, info: TypeInfo, kind: str, api: CheckerPluginInterface) -> dict[str, Type]:
        key = (info.fullname, kind)
        cached = self._cache.get(key)
        got = cached[1] if cached is not None and cached[0] is info else None
        if got is None:
            fields = fields_of(info)
            t = _Types(api)
            counter = any(info.has_base(c) for c in COUNTERS)
            if kind in ("conditions", "if"):
                got = condition_formals(fields, t, in_if=kind == "if")
            elif kind == "writes":
                got = write_formals(fields, t, counter=counter)
            elif kind in ("create", "counts"):
                got = dict(fields)
            else:
                got = {}
            self._cache[key] = (info, got)
        return got

    def _signature(self, kind: str, general: bool) -> Callable[[MethodSigContext], FunctionLike]:
        def hook(ctx: MethodSigContext) -> FunctionLike:
            sig = ctx.default_signature
            if general:
                sig = self._general(sig, ctx.api)
            info = _model_of(ctx.type)
            if info is None or ARG_STAR2 not in sig.arg_kinds:
                return sig
            call = ctx.context
            if isinstance(call, CallExpr) and ARG_STAR2 in call.arg_kinds:
                return sig  # `find(**filters)`: names unknown to the checker, left unchecked
            formals = self._formals(info, kind, ctx.api)
            star = sig.arg_kinds.index(ARG_STAR2)
            taken = set(sig.arg_names)
            names = [n for n in formals if n not in taken]
            arg_types = list(sig.arg_types)
            arg_kinds = list(sig.arg_kinds)
            arg_names = list(sig.arg_names)
            arg_names[star] = KWARGS
            if general:  # (values checked by the method hook: see _write_values)
                arg_types[star:star] = [AnyType(TypeOfAny.special_form)] * len(names)
            else:
                arg_types[star:star] = [formals[n] for n in names]
            arg_kinds[star:star] = [ARG_NAMED_OPT] * len(names)
            arg_names[star:star] = names
            return sig.copy_modified(arg_types=arg_types, arg_kinds=arg_kinds, arg_names=arg_names)

        return hook

    # -------------------------------------------------------------- checks after the call

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        fullname = self._canonical(fullname)
        checks: list[Callable[[MethodContext, TypeInfo], None]] = []
        kind = _KINDS.get(fullname)
        if kind == "conditions":
            checks += [_unknown(explain_condition), _foreign_columns]
        elif kind is not None:
            checks.append(_unknown(explain_write if kind == "writes" else _explain_field))
        if fullname in _CONDITIONAL:
            checks.append(self._if_conditions)
            if kind == "writes":
                checks.append(self._write_values)
        if fullname in _NAMES:
            checks.append(_literal_names(_NAMES[fullname]))
        narrow = fullname in _CONDITIONAL
        if checks or narrow:

            def hook(ctx: MethodContext) -> Type:
                self._scan(ctx.api)
                info = _model_of(ctx.type)
                for check in checks:
                    if info is not None:
                        check(ctx, info)
                if narrow:
                    return _lwt_result(ctx.default_return_type, optional=not _is_conditional(ctx))
                return ctx.default_return_type

            return hook
        if fullname in _COMPARISONS:
            return _column_comparison
        if fullname == f"{COLUMN}.__ne__":
            return _no_ne
        if fullname == f"{COLUMN}.in_":
            return _in_not_a_string
        if fullname in _NO_OR:
            return _no_or
        if fullname.endswith((".__eq__", ".__ne__")) and (compare := self._info(COMPARE)):
            return _value_compared_to_column(Instance(compare, []))
        return None

    def _write_values(self, ctx: MethodContext, info: TypeInfo) -> None:
        """A document's update() is overloaded, and mypy says only "no overload
        matches" for a value of the wrong type: its field arguments are Any to mypy,
        and checked here against their types, naming the argument."""
        formals = self._formals(info, "writes", ctx.api)
        for name, types, exprs in zip(ctx.callee_arg_names, ctx.arg_types, ctx.args):
            want = formals.get(name or "")
            if want is None or not types:
                continue
            _check_value(ctx, f"{_method_name(ctx)}({name}=...)", want, exprs[0])

    def _if_conditions(self, ctx: MethodContext, info: TypeInfo) -> None:
        if "if_conditions" not in ctx.callee_arg_names:
            return
        args = ctx.args[ctx.callee_arg_names.index("if_conditions")]
        if len(args) != 1 or not isinstance(args[0], DictExpr):
            return
        formals = self._formals(info, "if", ctx.api)
        fields = fields_of(info)
        for k, v in args[0].items:
            if not isinstance(k, StrExpr):
                continue
            want = formals.get(k.value)
            if want is None:
                ctx.api.fail(
                    explain_condition(info.name, fields, k.value, ctx.api, "if_conditions"), k
                )
                continue
            _check_value(ctx, f'if_conditions["{k.value}"]', want, v)


def _unknown(
    explain: Callable[[str, dict[str, Type], str, CheckerPluginInterface, str], str],
) -> Callable[[MethodContext, TypeInfo], None]:
    def check(ctx: MethodContext, info: TypeInfo) -> None:
        if KWARGS not in ctx.callee_arg_names:
            return
        i = ctx.callee_arg_names.index(KWARGS)
        fields = fields_of(info)
        where = _method_name(ctx)
        for name, kind, expr in zip(ctx.arg_names[i], ctx.arg_kinds[i], ctx.args[i]):
            if name is not None and kind in (ARG_NAMED, ARG_NAMED_OPT):
                ctx.api.fail(explain(info.name, fields, name, ctx.api, where), expr)

    return check


def _foreign_columns(ctx: MethodContext, info: TypeInfo) -> None:
    for i, name in enumerate(ctx.callee_arg_names):
        if name in ("conditions", "exprs"):
            for expr in ctx.args[i]:
                _check_columns(expr, info, ctx, where=True)


def _literal_names(method: str) -> Callable[[MethodContext, TypeInfo], None]:
    def check(ctx: MethodContext, info: TypeInfo) -> None:
        fields = fields_of(info)
        for exprs in ctx.args:
            for expr in exprs:
                if isinstance(expr, StrExpr):
                    name = expr.value.lstrip("-+") if method == "order_by" else expr.value
                    if name not in fields:
                        where = f'{method}("{expr.value}")'
                        ctx.api.fail(_no_column(where, info.name, name, fields), expr)
                else:
                    _check_columns(expr, info, ctx, where=False)

    return check


def _is_column(e: Expression) -> bool:
    """`User.price`, `col(...)` or `token(...)`, spelled out."""
    if isinstance(e, MemberExpr):
        base = e.expr
        return (
            isinstance(base, RefExpr)
            and isinstance(base.node, TypeInfo)
            and _is_model(base.node)
            and _field_var(base.node, e.name) is not None
        )
    if isinstance(e, CallExpr) and isinstance(e.callee, RefExpr):
        return e.callee.fullname in ("coodie.expr.columns.col", "coodie.expr.columns.token")
    return False


def _is_condition(e: Expression) -> bool:
    """A condition spelled out: a comparison of a column, `.in_()`/`.contains()`... of
    one, or conditions joined with `&`."""
    if isinstance(e, ComparisonExpr):
        return any(_is_column(o) for o in e.operands)
    if isinstance(e, OpExpr) and e.op == "&":
        return _is_condition(e.left) or _is_condition(e.right)
    if isinstance(e, CallExpr) and isinstance(e.callee, MemberExpr):
        return e.callee.name in ("in_", "contains", "contains_key", "like") and _is_column(
            e.callee.expr
        )
    return False


# Attributes through which the scan reaches statements and expressions (mypy's own
# traverser is compiled and cannot be subclassed here).
_CHILDREN = (
    "defs", "body", "else_body", "expr", "exprs", "left", "right", "operands", "callee",
    "args", "rvalue", "cond", "if_expr", "else_expr", "items", "func", "handlers",
    "finally_body", "base", "index", "condlists", "sequences", "left_expr", "value",
)  # fmt: skip


def _truth_scan(api: CheckerPluginInterface, root: object) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, Node):
            for e, where in _truth_tested(node):
                if _is_condition(e):
                    api.fail(
                        f"a condition used as a truth value ({where}): it has none; pass it "
                        "to find() or filter(), and combine conditions with &",
                        e,
                    )
            stack.extend(c for name in _CHILDREN if (c := getattr(node, name, None)) is not None)


def _truth_tested(o: Node) -> list[tuple[Expression, str]]:
    """The expressions `o` asks a truth value of, and where."""
    if isinstance(o, IfStmt):
        return [(e, "if") for e in o.expr]
    if isinstance(o, (WhileStmt, AssertStmt)):
        return [(o.expr, "while" if isinstance(o, WhileStmt) else "assert")]
    if isinstance(o, ConditionalExpr):
        return [(o.cond, "if-else")]
    if isinstance(o, UnaryExpr) and o.op == "not":
        return [(o.expr, "not")]
    if isinstance(o, OpExpr) and o.op in ("and", "or"):
        return [(o.left, o.op)]
    return []


def _explain_field(
    model: str, fields: dict[str, Type], key: str, api: CheckerPluginInterface, where: str
) -> str:
    return _no_column(f"{where}({key}=...)", model, key, fields)


def _check_value(ctx: MethodContext, what: str, want: Type, expr: Expression) -> None:
    got = ctx.api.get_expression_type(expr, want)
    if not is_subtype(got, want):
        ctx.api.fail(
            f"{what}: expected {_type_name(want, ctx.api)}, got {_type_name(got, ctx.api)}", expr
        )


def _method_name(ctx: MethodContext) -> str:
    c = ctx.context
    if isinstance(c, CallExpr) and isinstance(c.callee, MemberExpr):
        return c.callee.name
    return "call"


def _subexpressions(expr: Expression) -> list[Expression]:
    """The expressions a condition is made of, as far as the checks below look."""
    if isinstance(expr, OpExpr):
        return [expr.left, expr.right]
    if isinstance(expr, ComparisonExpr):
        return list(expr.operands)
    if isinstance(expr, CallExpr):
        return [expr.callee, *expr.args]
    if isinstance(expr, (UnaryExpr, MemberExpr)):
        return [expr.expr]
    return []


def _check_columns(expr: Expression, model: TypeInfo, ctx: MethodContext, where: bool) -> None:
    """Columns spelled `Other.name` inside a condition given to `model`'s query; in a
    WHERE condition (`where`) also `Customer.home.city`: CQL has no WHERE relation on
    one field of a user-defined type (IF conditions take it)."""
    if isinstance(expr, MemberExpr) and _is_column(expr):
        assert isinstance(expr.expr, RefExpr) and isinstance(expr.expr.node, TypeInfo)
        owner = expr.expr.node
        if not model.has_base(owner.fullname):
            ctx.api.fail(
                f"{owner.name}.{expr.name} is a column of {owner.name}, not of "
                f"{model.name}: use {model.name}.{expr.name}",
                expr,
            )
        return
    if where and isinstance(expr, MemberExpr) and _is_column(expr.expr):
        base = expr.expr
        assert isinstance(base, MemberExpr) and isinstance(base.expr, RefExpr)
        assert isinstance(base.expr.node, TypeInfo)
        var = _field_var(base.expr.node, base.name)
        if var is not None and var.type is not None and expr.name in _model_fields(var.type):
            ctx.api.fail(
                f"{base.name}.{expr.name}: CQL cannot restrict one field of a user-defined "
                "type in WHERE; compare the whole frozen value, or use the field in "
                "if_conditions",
                expr,
            )
    for e in _subexpressions(expr):
        _check_columns(e, model, ctx, where)


def _is_conditional(ctx: MethodContext) -> bool:
    """`if_exists=True` or `if_conditions=<not None>`, outside a batch (queued writes
    return None: the batch's result tells)."""
    given = {
        name: e.fullname if isinstance(e, NameExpr) else ""
        for name, args in zip(ctx.callee_arg_names, ctx.args)
        for e in args[:1]
    }
    if given.get("batch", "builtins.None") != "builtins.None":
        return False
    conds = given.get("if_conditions", "builtins.None")
    return given.get("if_exists") == "builtins.True" or conds != "builtins.None"


def _lwt_result(t: Type, *, optional: bool) -> Type:
    """The result of update()/delete(): `LWTResult` for a conditional write outside a
    batch, else `LWTResult | None` (inside the coroutine of the async flavour)."""
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname == "typing.Coroutine" and len(p.args) == 3:
        return p.copy_modified(
            args=[p.args[0], p.args[1], _lwt_result(p.args[2], optional=optional)]
        )
    items = p.items if isinstance(p, UnionType) else [p]
    lwt = [i for i in items if not isinstance(get_proper_type(i), NoneType)]
    return UnionType.make_union([*lwt, NoneType()] if optional else lwt)


def _column_type(t: Type) -> Type | None:
    p = get_proper_type(t)
    if isinstance(p, Instance) and p.type.fullname in (COLUMN, FIELD_COLUMN) and p.args:
        return p.args[0]
    return None


def _udt_field(ctx: AttributeContext, attr: str, field_info: TypeInfo) -> Type:
    """The type of `column.attr`: a FieldColumn of the field's type when the column holds
    a user-defined type (a nested pydantic model) with that field, else an error."""
    column = get_proper_type(ctx.type)
    error = AnyType(TypeOfAny.from_error)
    if not isinstance(column, Instance) or not column.args:
        return ctx.default_attr_type
    if column.type.fullname == FIELD_COLUMN:
        ctx.api.fail(
            f'"{attr}": a field of a UDT field is out of reach; CQL reaches one level '
            "(compare or set the whole field)",
            ctx.context,
        )
        return error
    fields = _model_fields(column.args[0])
    if attr in fields:
        return Instance(field_info, [fields[attr]])
    what = _type_name(column, ctx.api)
    if fields:
        ctx.api.fail(f'{what} has no field "{attr}"; fields are: {", ".join(fields)}', ctx.context)
    else:
        ctx.api.fail(f'{what} has no attribute "{attr}"', ctx.context)
    return error


def _column_comparison(ctx: MethodContext) -> Type:
    """`Column.__lt__` etc.: a chained comparison is two conditions AND-ed by Python's
    `and`, which asks the first one for a truth value."""
    c = ctx.context
    if isinstance(c, ComparisonExpr) and len(c.operators) > 1:
        ctx.api.fail(
            "chained comparison of a column: CQL conditions are combined with &, "
            "e.g. (User.price > 1) & (User.price < 10)",
            c,
        )
    return ctx.default_return_type


def _in_not_a_string(ctx: MethodContext) -> Type:
    """`User.name.in_("abc")`: a str is an iterable of str, and the runtime refuses it."""
    for t in ctx.arg_types[0] if ctx.arg_types else []:
        p = get_proper_type(t)
        if isinstance(p, Instance) and p.type.fullname in ("builtins.str", "builtins.bytes"):
            ctx.api.fail(
                "in_() takes a collection of values, not a string: in_([...])", ctx.context
            )
    return ctx.default_return_type


def _no_ne(ctx: MethodContext) -> Type:
    ctx.api.fail(
        "!= on a column: Cassandra has no != relation in queries; restate it with <, > or in_()",
        ctx.context,
    )
    return ctx.default_return_type


def _no_or(ctx: MethodContext) -> Type:
    c = ctx.context
    op = c.op if isinstance(c, (OpExpr, UnaryExpr)) else "|"
    what = (
        "NOT: restate the condition positively"
        if op == "~"
        else ("OR: run one query per alternative, or use .in_([...]) on one column")
    )
    ctx.api.fail(f"{op} on a condition: CQL has no {what}", ctx.context)
    return ctx.default_return_type


def _value_compared_to_column(compare: Instance) -> Callable[[MethodContext], Type]:
    def hook(ctx: MethodContext) -> Type:
        """`3 == User.price` is the condition `User.price == 3` (Python asks the column
        when the int cannot compare); `"x" == User.price` or mypy's fallback for
        `User.price == "x"` compare a value of the wrong type."""
        if not ctx.arg_types or not ctx.arg_types[0]:
            return ctx.default_return_type
        column = _column_type(ctx.arg_types[0][0])
        if column is None:
            return ctx.default_return_type
        value = ctx.type
        if isinstance(ctx.context, ComparisonExpr) and "!=" in ctx.context.operators:
            return _no_ne(ctx)
        if not is_subtype(value, column) and not isinstance(value, AnyType):
            ctx.api.fail(
                f"comparison of a {_type_name(column, ctx.api)} column with a value of type "
                f"{_type_name(value, ctx.api)}",
                ctx.context,
            )
        return compare

    return hook


def plugin(version: str) -> type[Plugin]:
    return CoodiePlugin
