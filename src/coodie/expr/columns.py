"""Typed column objects: `User.price` is a `Column[float]` whose operators build nodes.

Every comparison goes through `Column._compare`, and the kwargs lookups map their names
to the same `Op` members (see `lookups.LOOKUPS`), so the two forms cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload

from coodie.exceptions import InvalidQueryError
from coodie.expr.nodes import Compare, Op, Ordering, TokenCompare

if TYPE_CHECKING:
    from coodie.schema import ColumnSchema

__all__ = ["Column", "FieldColumn", "Token", "col", "token"]

# True to mypy alone (it reads `MYPY` as TYPE_CHECKING; pyright does not): what only the
# coodie mypy plugin can type is declared under it.
MYPY: Final = False

T = TypeVar("T")
E = TypeVar("E")
K = TypeVar("K")


V = TypeVar("V")
R = TypeVar("R")


class _Comparisons(Generic[V, R]):
    """`==`, `<`, `<=`, `>`, `>=` of a Column (value `V` = its type, a `Compare`) and of a
    Token (an int, a `TokenCompare`): expressions, never bool."""

    __slots__ = ()

    def _compare(self, op: Op, value: Any) -> R:
        raise NotImplementedError

    def __eq__(self, value: V) -> R:  # type: ignore[override]
        return self._compare(Op.EQ, value)

    def __lt__(self, value: V) -> R:
        return self._compare(Op.LT, value)

    def __le__(self, value: V) -> R:
        return self._compare(Op.LE, value)

    def __gt__(self, value: V) -> R:
        return self._compare(Op.GT, value)

    def __ge__(self, value: V) -> R:
        return self._compare(Op.GE, value)


class Column(_Comparisons[T, Compare]):
    """A column of a Document class, typed by its Python field type `T`."""

    __slots__ = ("model", "name", "schema")

    def __init__(self, name: str, schema: ColumnSchema, model: type[Any] | None = None) -> None:
        self.name = name
        self.schema = schema
        self.model = model

    def __repr__(self) -> str:
        owner = self.model.__name__ + "." if self.model is not None else ""
        return f"Column({owner}{self.name}: {self.schema.cql_type})"

    def __hash__(self) -> int:
        return hash((Column, self.name, id(self.model)))

    def _compare(self, op: Op, value: Any) -> Compare:
        if isinstance(value, Column):
            raise InvalidQueryError(
                f"{self.name} {op.value} {value.name}: CQL compares columns with values only, "
                "not with other columns"
            )
        return Compare(self.name, op, value, model=self.model)

    def __ne__(self, value: T) -> Compare:  # type: ignore[override]
        """`Model.col != v`: for IF conditions only (`if_conditions=[...]`); a filter
        with it is refused, since CQL has no != in WHERE."""
        return self._compare(Op.NE, value)

    def in_(self, values: Iterable[T]) -> Compare:
        if isinstance(values, (str, bytes)):
            raise InvalidQueryError(f"{self.name}.in_() takes a collection of values, not a string")
        return self._compare(Op.IN, list(values))

    @overload
    def contains(self: Column[list[E]], value: E) -> Compare: ...
    @overload
    def contains(self: Column[set[E]], value: E) -> Compare: ...
    @overload
    def contains(self: Column[frozenset[E]], value: E) -> Compare: ...
    @overload
    def contains(self: Column[dict[Any, E]], value: E) -> Compare: ...
    @overload
    def contains(self: Column[list[E] | None], value: E) -> Compare: ...
    @overload
    def contains(self: Column[set[E] | None], value: E) -> Compare: ...
    @overload
    def contains(self: Column[frozenset[E] | None], value: E) -> Compare: ...
    @overload
    def contains(self: Column[dict[Any, E] | None], value: E) -> Compare: ...
    def contains(self, value: Any) -> Compare:
        """`CONTAINS`: an element of a list or set, or a value of a map."""
        return self._compare(Op.CONTAINS, value)

    @overload
    def contains_key(self: Column[dict[K, Any]], key: K) -> Compare: ...
    @overload
    def contains_key(self: Column[dict[K, Any] | None], key: K) -> Compare: ...
    def contains_key(self, key: Any) -> Compare:
        """`CONTAINS KEY`: a key of a map."""
        return self._compare(Op.CONTAINS_KEY, key)

    def like(self: Column[str] | Column[str | None], pattern: str) -> Compare:
        """`LIKE 'pat%'` (on Cassandra the column needs a SASI index)."""
        return self._compare(Op.LIKE, pattern)

    def set(self, value: T) -> dict[str, Any]:
        """`{"price": value}`: the keyword update() takes to set this column, typed by
        the column (`doc.update(**User.price.set(3.5))`); see FieldColumn.set."""
        return {self.name: value}

    def asc(self) -> Ordering:
        return Ordering(self.name, False, self.model)

    def desc(self) -> Ordering:
        return Ordering(self.name, True, self.model)

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> FieldColumn[Any]:
            return _field_of(self, name)

    elif MYPY:  # `Customer.home.city`: the plugin types it (FieldColumn[<the field's type>])

        def __getattr__(self, name: str) -> FieldColumn[Any]: ...


class FieldColumn(Column[T]):
    """One field of a user-defined type column: `Customer.home.city`, a `FieldColumn[str]`.

    Its comparisons build conditions on `home.city`, which CQL accepts in IF conditions
    (`if_conditions=[Customer.home.city == "Oslo"]`) and refuses in WHERE (coodie says
    so before the server). `set(v)` is the assignment `SET home.city = ?` for update():
    `doc.update(**Customer.home.city.set("Bergen"))`, a non-frozen UDT only."""

    __slots__ = ("column", "field")

    def __init__(self, column: Column[Any], field: str) -> None:
        super().__init__(f"{column.name}.{field}", column.schema, column.model)
        self.column = column
        self.field = field

    def __repr__(self) -> str:
        t = self.schema.cql_type
        owner = self.model.__name__ + "." if self.model is not None else ""
        return f"FieldColumn({owner}{self.name}: {t.args[t.fields.index(self.field)]})"

    def set(self, value: T) -> dict[str, Any]:
        """`{"home__city": value}`: the keyword update() takes for `SET home.city = ?`."""
        return {f"{self.column.name}__{self.field}": value}


def _field_of(column: Column[Any], name: str) -> FieldColumn[Any]:
    """`column.name` at runtime: a field of a user-defined type column, else the usual
    AttributeError (named for a UDT without that field)."""
    t = column.schema.cql_type
    if name.startswith("_") or not t.is_udt or isinstance(column, FieldColumn):
        raise AttributeError(f"{type(column).__name__} {column.name} has no attribute {name!r}")
    if name not in t.fields:
        raise AttributeError(
            f"{column.name} ({t.name}) has no field {name!r}; fields are: {', '.join(t.fields)}"
        )
    return FieldColumn(column, name)


class Token(_Comparisons[int, TokenCompare]):
    """`token(User.a, User.b)`: compare the partition-key token with `>`, `>=`, `<`, `<=`, `==`."""

    __slots__ = ("columns", "model")

    def __init__(self, columns: tuple[str, ...], model: type[Any] | None = None) -> None:
        self.columns = columns
        self.model = model

    def __hash__(self) -> int:
        return hash((Token, self.columns))

    def _compare(self, op: Op, value: int) -> TokenCompare:
        return TokenCompare(self.columns, op, value, model=self.model)


def token(*columns: Column[Any]) -> Token:
    """The token of the partition key: `token(User.id) > 0` (list every partition-key column)."""
    if not columns:
        raise InvalidQueryError("token() needs the partition-key columns, e.g. token(User.id)")
    models = {c.model for c in columns}
    return Token(tuple(c.name for c in columns), models.pop() if len(models) == 1 else None)


@overload
def col(field: Column[T], /) -> Column[T]: ...
@overload
def col(field: T, /) -> Column[T]: ...
@overload
def col(model: type[Any], name: str, /) -> Column[Any]: ...
def col(field: Any, name: str | None = None, /) -> Column[Any]:
    """The column object, typed for checkers without the coodie mypy plugin.

    `col(User.price)` is a `Column[float]` under any checker (without the plugin the
    checker sees `User.price` as a float; at runtime it is the column). `col(User, "price")`
    looks the column up by name, and `col(Customer, "home.city")` a field of a UDT column.
    """
    if isinstance(field, Column):
        return field
    if name is None:
        raise InvalidQueryError(
            f"col() takes a Document field (col(User.price)) or a model and a name, got {field!r}"
        )
    columns: Mapping[str, Column[Any]] | None = getattr(field, "__coodie_columns__", None)
    if columns is None:
        raise InvalidQueryError(f"{field.__name__} is not a coodie Document with a table")
    base, dot, attr = name.partition(".")
    try:
        return _field_of(columns[base], attr) if dot else columns[name]
    except AttributeError as e:
        raise InvalidQueryError(f"{field.__name__}: {e}") from None
    except KeyError:
        raise InvalidQueryError(
            f"{field.__name__} has no column {name!r}; columns are: {', '.join(columns)}"
        ) from None
