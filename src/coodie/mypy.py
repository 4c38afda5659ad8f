"""mypy plugin: `User.price` is a `Column[float]` where `user.price` stays a `float`.

Enable it beside pydantic's in mypy.ini (either order):

    [mypy]
    plugins = pydantic.mypy, coodie.mypy

At runtime the Document metaclass answers class-attribute access for fields with their
`Column`; this plugin tells mypy the same, for every Document subclass of either flavour
at any depth. ClassVars, private attributes and methods are left alone; unknown
attributes stay errors.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import TypeInfo, Var
from mypy.plugin import AttributeContext, Plugin
from mypy.types import Instance, Type

__all__ = ["CoodiePlugin", "plugin"]

DOCUMENT = "coodie.document.DocumentCore"
COLUMN = "coodie.expr.columns.Column"


class CoodiePlugin(Plugin):
    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        sym = self.lookup_fully_qualified(fullname)
        if sym is None or not isinstance(sym.node, Var):
            return None
        var = sym.node
        if var.is_classvar or var.name.startswith("_") or var.name == "model_config":
            return None
        info = var.info
        if info is None or not info.has_base(DOCUMENT) or info.fullname == DOCUMENT:
            return None
        column = self.lookup_fully_qualified(COLUMN)
        if column is None or not isinstance(column.node, TypeInfo):
            return None
        column_info = column.node

        def column_of_field(ctx: AttributeContext) -> Type:
            if ctx.is_lvalue:  # `User.price = ...` is not a query
                return ctx.default_attr_type
            return Instance(column_info, [ctx.default_attr_type])

        return column_of_field


def plugin(version: str) -> type[Plugin]:
    return CoodiePlugin
