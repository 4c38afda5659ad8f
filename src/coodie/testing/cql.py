"""A parser for the CQL the in-memory driver runs: every statement coodie compiles, the
DDL it and its migrations send, the metadata queries they read, and the plain CQL a test
writes by hand (literals, `?` and `%s` markers). Parsed once per text, bound per call.

What it does not parse raises `UnsupportedOperation` naming the statement."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from coodie.exceptions import InvalidQueryError, UnsupportedOperation

__all__ = ["Coll", "Cond", "Lit", "Marker", "Parser", "TypeRef", "parse"]

_TOKEN = re.compile(
    r"""
 (?P<ws>\s+|--[^\n]*|//[^\n]*)
|(?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
|(?P<blob>0[xX][0-9a-fA-F]*)
|(?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
|(?P<id>[A-Za-z_][A-Za-z0-9_$]*)
|(?P<qid>"(?:[^"]|"")*")
|(?P<str>'(?:[^']|'')*')
|(?P<dollar>\$\$.*?\$\$)
|(?P<op><=|>=|!=|[-+=<>(),;.*?\[\]{}:])
""",
    re.X | re.S,
)


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # id (lower-cased), qid (case kept), str, num, uuid, blob, op
    text: str
    value: Any = None


def tokenize(cql: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(cql):
        m = _TOKEN.match(cql, pos)
        if m is None:
            raise InvalidQueryError(f"cannot parse CQL near {cql[pos : pos + 20]!r}: {cql}")
        pos = m.end()
        if m.lastgroup != "ws":
            out.append(Tok(*_TOKENS[str(m.lastgroup)](m.group())))
    return out


# token group -> (kind, text, value) of the token
_TOKENS: dict[str, Callable[[str], tuple[str, str, Any]]] = {
    "id": lambda s: ("id", s.lower(), s),
    "qid": lambda s: ("qid", s[1:-1].replace('""', '"'), None),
    "str": lambda s: ("str", s, s[1:-1].replace("''", "'")),
    "dollar": lambda s: ("str", s, s[2:-2]),
    "num": lambda s: ("num", s, float(s) if any(c in s for c in ".eE") else int(s)),
    "uuid": lambda s: ("uuid", s, uuid.UUID(s)),
    "blob": lambda s: ("blob", s, bytes.fromhex(s[2:])),
    "op": lambda s: ("op", s, None),
}


# ------------------------------------------------------------------ terms


@dataclass(frozen=True, slots=True)
class Marker:
    index: int


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class Coll:
    kind: str  # set, list, map, tuple; map items are (key, value) pairs
    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Func:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A CQL type as written: name, arguments, frozen; UDTs are resolved by the catalog."""

    name: str
    args: tuple[Any, ...] = ()  # TypeRef, or an int for vector's size
    frozen: bool = False
    keyspace: str | None = None


@dataclass(slots=True)
class Cond:
    columns: tuple[str, ...]
    op: str  # =, <, <=, >, >=, !=, IN, CONTAINS, CONTAINS KEY, LIKE
    term: Any
    token: bool = False


# ------------------------------------------------------------------ statements


@dataclass(slots=True)
class SelectAst:
    keyspace: str | None
    table: str
    selectors: list[tuple[str, str]] | None  # (function or "", column); None: *
    where: list[Cond] = field(default_factory=list)
    count: bool = False
    count_alias: str = "count"
    distinct: bool = False
    json: bool = False
    order_by: list[tuple[str, bool]] = field(default_factory=list)
    ann: Any = None
    limit: Any = None
    per_partition_limit: Any = None
    allow_filtering: bool = False


@dataclass(slots=True)
class WriteAst:
    """The table a write goes to."""

    keyspace: str | None
    table: str


@dataclass(slots=True)
class InsertAst(WriteAst):
    columns: list[str]
    values: list[Any]
    if_not_exists: bool = False
    ttl: Any = None
    timestamp: Any = None


@dataclass(slots=True)
class KeyedWriteAst(WriteAst):
    """What UPDATE and DELETE share: the rows by WHERE, an optional IF, USING TIMESTAMP."""

    where: list[Cond]
    if_exists: bool = False
    if_conditions: list[Cond] = field(default_factory=list)
    timestamp: Any = None


@dataclass(slots=True)
class UpdateAst(KeyedWriteAst):
    # (column, kind, term, key/field)
    assignments: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    ttl: Any = None


@dataclass(slots=True)
class DeleteAst(KeyedWriteAst):
    targets: list[tuple[str, Any]] = field(default_factory=list)  # (column, element or None)


@dataclass(slots=True)
class BatchAst:
    kind: str
    statements: list[Any]
    timestamp: Any = None


@dataclass(slots=True)
class DdlAst:
    """CREATE / ALTER / DROP / TRUNCATE / USE: `verb` and `what` ("keyspace", "table",
    "type", "index", "view"), the object's name and the rest as parsed."""

    verb: str
    what: str
    keyspace: str | None
    name: str
    if_exists: bool = False  # IF EXISTS / IF NOT EXISTS
    body: dict[str, Any] = field(default_factory=dict)


T = TypeVar("T")


class Parser:
    def __init__(self, cql: str) -> None:
        self.cql = cql
        self.toks = tokenize(cql)
        self.pos = 0
        self.markers = 0

    # ---------------------------------------------------------------- tokens

    def peek(self, ahead: int = 0) -> Tok | None:
        i = self.pos + ahead
        return self.toks[i] if i < len(self.toks) else None

    def at(self, *words: str) -> bool:
        for i, w in enumerate(words):
            t = self.peek(i)
            if t is None or t.kind not in ("id", "op") or t.text != w:
                return False
        return True

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.pos += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            t = self.peek()
            raise InvalidQueryError(
                f"line 1: expected {' '.join(words)!r} at {t.text if t else 'the end'!r}: {self.cql}"
            )

    def next(self) -> Tok:
        t = self.peek()
        if t is None:
            raise InvalidQueryError(f"unexpected end of statement: {self.cql}")
        self.pos += 1
        return t

    def ident(self) -> str:
        t = self.next()
        if t.kind not in ("id", "qid"):
            raise InvalidQueryError(f"expected a name at {t.text!r}: {self.cql}")
        return t.text

    def qualified(self) -> tuple[str | None, str]:
        first = self.ident()
        if self.accept("."):
            return first, self.ident()
        return None, first

    def listed(self, item: Callable[[], T], sep: str = ",") -> list[T]:
        """`item sep item ...`: one or more."""
        out = [item()]
        while self.accept(sep):
            out.append(item())
        return out

    def parens(self, item: Callable[[], T]) -> list[T]:
        """`(item, item, ...)`"""
        self.expect("(")
        out = self.listed(item)
        self.expect(")")
        return out

    def until(self, close: str, item: Callable[[], T]) -> list[T]:
        """Items, commas between them optional, up to and past `close`."""
        out: list[T] = []
        while not self.accept(close):
            out.append(item())
            self.accept(",")
        return out

    def done(self) -> bool:
        self.accept(";")
        return self.peek() is None

    # ---------------------------------------------------------------- terms

    def term(self) -> Any:
        t = self.peek()
        if t is None:
            raise InvalidQueryError(f"unexpected end of statement: {self.cql}")
        if t.kind == "op":
            if t.text in ("?", ":"):  # a marker, positional or named (`:name`)
                self.pos += 1
                if t.text == ":":
                    self.ident()
                self.markers += 1
                return Marker(self.markers - 1)
            if t.text == "-":
                self.pos += 1
                inner = self.term()
                if isinstance(inner, Lit) and isinstance(inner.value, (int, float)):
                    return Lit(-inner.value)
                raise InvalidQueryError(f"cannot negate {inner}: {self.cql}")
            if t.text in ("[", "{", "("):
                return self.collection()
        if t.kind in ("str", "num", "uuid", "blob"):
            self.pos += 1
            return Lit(t.value)
        if t.kind == "id":
            self.pos += 1
            if t.text in _WORDS:
                return Lit(_WORDS[t.text])
            if self.accept("("):
                return Func(t.text, tuple(self.until(")", self.term)))
        raise InvalidQueryError(f"not a value: {t.text!r} in {self.cql}")

    def collection(self) -> Any:
        t = self.next()
        close = {"[": "]", "{": "}", "(": ")"}[t.text]
        items: list[Any] = []
        kind = {"[": "list", "{": "set", "(": "tuple"}[t.text]
        while not self.accept(close):
            if t.text == "{" and items == [] and self._udt_literal():
                kind = "udt"
            if kind == "udt":
                name = self.ident()
                self.expect(":")
                items.append((name, self.term()))
            else:
                item = self.term()
                if t.text == "{" and self.accept(":"):
                    kind = "map"
                    item = (item, self.term())
                items.append(item)
            self.accept(",")
        return Coll(kind, tuple(items))

    def _udt_literal(self) -> bool:
        a, b = self.peek(), self.peek(1)
        return a is not None and a.kind in ("id", "qid") and b is not None and b.text == ":"

    # ---------------------------------------------------------------- types

    def cql_type(self) -> TypeRef:
        ks, name = self.qualified()
        lname = name.lower()
        if self.accept("<"):
            args = self.until(">", self._type_arg)
            if lname == "frozen":
                inner = args[0]
                return TypeRef(inner.name, inner.args, True, inner.keyspace)
            return TypeRef(lname, tuple(args))
        return TypeRef(name if ks or name not in _NATIVE else lname, (), False, ks)

    def _type_arg(self) -> Any:
        """A type's argument: a type, or a number (vector's size)."""
        t = self.peek()
        if t is not None and t.kind == "num":
            self.pos += 1
            return t.value
        return self.cql_type()

    # ---------------------------------------------------------------- conditions

    def conditions(self, fields: bool = False) -> list[Cond]:
        return self.listed(lambda: self.condition(fields), "and")

    def condition(self, fields: bool = False) -> Cond:
        """A relation; with `fields` (IF conditions) also one on a UDT column's field."""
        if self.at("token", "("):
            self.pos += 1
            cols = self.parens(self.ident)
            op = self.next().text
            return Cond(tuple(cols), op, self.term(), token=True)
        if self.at("("):
            raise UnsupportedOperation(
                f"the in-memory driver does not run multi-column relations: {self.cql}"
            )
        col = self.ident()
        if self.accept("["):
            raise UnsupportedOperation(
                f"the in-memory driver does not run element conditions ({col}[...]): {self.cql}"
            )
        if self.accept("."):
            if not fields:  # (the server's parser has no WHERE relation on a field)
                raise InvalidQueryError(f"no relation on a field ({col}.x) here: {self.cql}")
            col = f"{col}.{self.ident()}"  # IF home.city = ?: one field of a UDT column
        if self.accept("in"):
            if self.at("("):
                return Cond((col,), "IN", self.collection())
            return Cond((col,), "IN", self.term())
        for op in ("CONTAINS KEY", "CONTAINS", "LIKE"):
            if self.accept(*op.lower().split()):
                return Cond((col,), op, self.term())
        if self.accept("is", "not", "null"):
            return Cond((col,), "IS NOT NULL", None)
        op = self.next().text
        if op not in ("=", "<", "<=", ">", ">=", "!="):
            raise InvalidQueryError(f"not a relation: {col} {op} in {self.cql}")
        return Cond((col,), op, self.term())

    def using(self) -> tuple[Any, Any]:
        ttl = ts = None
        if self.accept("using"):
            while True:
                if self.accept("ttl"):
                    ttl = self.term()
                elif self.accept("timestamp"):
                    ts = self.term()
                else:
                    raise InvalidQueryError(f"USING takes TTL or TIMESTAMP: {self.cql}")
                if not self.accept("and"):
                    break
        return ttl, ts

    def if_clause(self) -> tuple[bool, bool, list[Cond]]:
        """(if_not_exists, if_exists, conditions)"""
        if self.accept("if", "not", "exists"):
            return True, False, []
        if self.accept("if", "exists"):
            return False, True, []
        if self.accept("if"):
            return False, False, self.conditions(fields=True)
        return False, False, []

    # ---------------------------------------------------------------- statements

    def statement(self) -> Any:
        t = self.peek()
        word = t.text if t is not None and t.kind == "id" else ""
        method = getattr(self, f"_{word}", None)
        if method is None:
            raise UnsupportedOperation(
                f"the in-memory driver does not run this statement: {self.cql}"
            )
        self.pos += 1
        return method()

    def _select(self) -> SelectAst:
        s = SelectAst(None, "", None, json=self.accept("json"), distinct=self.accept("distinct"))
        if self.accept("count", "("):
            self.next()  # * or 1
            self.expect(")")
            s.count = True
            if self.accept("as"):
                s.count_alias = self.ident()
        elif not self.accept("*"):
            s.selectors = self.listed(self._selector)
        self.expect("from")
        s.keyspace, s.table = self.qualified()
        if self.accept("where"):
            s.where = self.conditions()
        if self.accept("group", "by"):
            raise UnsupportedOperation(f"the in-memory driver does not run GROUP BY: {self.cql}")
        if self.accept("order", "by"):
            col = self.ident()
            if self.accept("ann", "of"):
                s.ann = (col, self.term())
            else:
                self.pos -= 1
                s.order_by = self.listed(self._ordering)
        if self.accept("per", "partition", "limit"):
            s.per_partition_limit = self.term()
        if self.accept("limit"):
            s.limit = self.term()
        s.allow_filtering = self.accept("allow", "filtering")
        self._end()
        return s

    def _selector(self) -> tuple[str, str]:
        """`column`, `ttl(column)` or `writetime(column)`: (function or "", column)."""
        name = self.ident()
        fn = ""
        if self.accept("("):
            fn = name.lower()
            if fn not in ("ttl", "writetime"):
                raise UnsupportedOperation(
                    f"the in-memory driver does not run {fn}() in SELECT: {self.cql}"
                )
            name = self.ident()
            self.expect(")")
        after = self.peek()
        if after is not None and after.text in ("as", "+", "-", "*", "/", "%"):
            raise UnsupportedOperation(
                f"the in-memory driver selects columns, COUNT, TTL() and WRITETIME() "
                f"only, not {after.text!r}: {self.cql}"
            )
        return fn, name

    def _ordering(self) -> tuple[str, bool]:
        """`column [ASC | DESC]`: (column, descending)."""
        col = self.ident()
        desc = self.accept("desc")
        if not desc:
            self.accept("asc")
        return col, desc

    def _insert(self) -> InsertAst:
        self.expect("into")
        ks, table = self.qualified()
        if self.accept("json"):
            raise UnsupportedOperation(f"the in-memory driver does not run INSERT JSON: {self.cql}")
        cols = self.parens(self.ident)
        self.expect("values")
        values = self.parens(self.term)
        ine, _, _ = self.if_clause()
        ttl, ts = self.using()
        if not ine:
            ine, _, _ = self.if_clause()
        self._end()
        return InsertAst(ks, table, cols, values, ine, ttl, ts)

    def _update(self) -> UpdateAst:
        ks, table = self.qualified()
        ttl, ts = self.using()
        self.expect("set")
        assigns = self.listed(self._assignment)
        return UpdateAst(ks, table, *self._where_and_if(), ts, assignments=assigns, ttl=ttl)

    def _assignment(self) -> tuple[str, str, Any, Any]:
        """(column, kind, value, index or field): `c = v`, `c[i] = v`, `c.f = v`,
        `c = c + v`, `c = c - v` or `c = v + c`."""
        col = self.ident()
        if self.accept("["):
            key = self.term()
            self.expect("]")
            self.expect("=")
            return col, "setindex", self.term(), key
        if self.accept("."):
            fld = self.ident()
            self.expect("=")
            return col, "setfield", self.term(), fld
        self.expect("=")
        t, after = self.peek(), self.peek(1)
        same = t is not None and t.kind in ("id", "qid") and t.text == col
        if same and after is not None and after.text in ("+", "-"):
            self.pos += 2
            return col, "add" if after.text == "+" else "sub", self.term(), None
        value = self.term()
        if not self.accept("+"):
            return col, "set", value, None
        if self.ident() != col:
            raise InvalidQueryError(f"bad prepend to {col}: {self.cql}")
        return col, "prepend", value, None

    def _delete(self) -> DeleteAst:
        targets = self.until("from", self._delete_target)
        ks, table = self.qualified()
        _, ts = self.using()
        return DeleteAst(ks, table, *self._where_and_if(), ts, targets=targets)

    def _delete_target(self) -> tuple[str, Any]:
        """`c` or `c[element]`"""
        col = self.ident()
        elem = None
        if self.accept("["):
            elem = self.term()
            self.expect("]")
        return col, elem

    def _where_and_if(self) -> tuple[list[Cond], bool, list[Cond]]:
        """The `WHERE ... [IF ...]` that ends an UPDATE or a DELETE."""
        self.expect("where")
        where = self.conditions()
        _, ie, conds = self.if_clause()
        self._end()
        return where, ie, conds

    def _begin(self) -> BatchAst:
        kind = "logged"
        if self.accept("unlogged"):
            kind = "unlogged"
        elif self.accept("counter"):
            kind = "counter"
        self.expect("batch")
        _, ts = self.using()
        stmts = []
        while not self.accept("apply", "batch"):
            stmts.append(self.statement())
        self._end()
        return BatchAst(kind, stmts, ts)

    def _end(self) -> None:
        self.accept(";")
        t = self.peek()
        if t is not None and not (
            t.kind == "id" and t.text in ("insert", "update", "delete", "apply")
        ):
            raise InvalidQueryError(f"unexpected {t.text!r}: {self.cql}")

    # ---------------------------------------------------------------- DDL

    def _use(self) -> DdlAst:
        return DdlAst("use", "keyspace", None, self.ident())

    def _truncate(self) -> DdlAst:
        self.accept("table")
        ks, name = self.qualified()
        return DdlAst("truncate", "table", ks, name)

    def _drop(self) -> DdlAst:
        what = self._what()
        ie = self.accept("if", "exists")
        ks, name = self.qualified()
        return DdlAst("drop", what, ks, name, ie)

    def _what(self) -> str:
        for what in ("keyspace", "table", "type", "index", "columnfamily"):
            if self.accept(what):
                return "table" if what == "columnfamily" else what
        if self.accept("materialized", "view"):
            return "view"
        if self.accept("custom", "index"):
            return "custom index"
        raise UnsupportedOperation(f"the in-memory driver does not run: {self.cql}")

    def _create(self) -> DdlAst:
        self.accept("or", "replace")
        what = self._what()
        ine = self.accept("if", "not", "exists")
        if what in ("index", "custom index"):
            return self._create_index(what, ine)
        ks, name = self.qualified()
        ddl = DdlAst("create", what, ks, name, ine)
        if what == "keyspace":
            self.expect("with")
            ddl.body = self.options()
        elif what == "type":
            self.expect("(")
            ddl.body = {"fields": self.until(")", self._field)}
        elif what == "table":
            self._table_body(ddl)
        elif what == "view":
            self._view_body(ddl)
        return ddl

    def _field(self) -> tuple[str, TypeRef]:
        return self.ident(), self.cql_type()

    def _column(self) -> tuple[str, TypeRef, bool]:
        return self.ident(), self.cql_type(), self.accept("static")

    def _rename(self) -> tuple[str, str]:
        old = self.ident()
        self.expect("to")
        return old, self.ident()

    def _create_index(self, what: str, ine: bool) -> DdlAst:
        name = ""
        if not self.at("on"):
            name = self.ident()
        self.expect("on")
        ks, table = self.qualified()
        self.expect("(")
        kind, col = "values", self.ident()
        if self.accept("("):  # keys(m), values(s), entries(m), full(l)
            kind, col = col.lower(), self.ident()
            self.expect(")")
        self.expect(")")
        using = None
        if self.accept("using"):
            using = self.next().value
        options: dict[str, Any] = {}
        if self.accept("with", "options", "="):
            lit = self.term()
            options = {k.value: v.value for k, v in lit.items}
        return DdlAst(
            "create",
            "index",
            ks,
            name,
            ine,
            {"table": table, "column": col, "kind": kind, "using": using, "options": options},
        )

    def _table_body(self, ddl: DdlAst) -> None:
        self.expect("(")
        columns: list[tuple[str, TypeRef, bool]] = []
        pk: list[str] = []
        ck: list[str] = []
        while not self.accept(")"):
            if self.accept("primary", "key"):
                pk, ck = self._primary_key()
            else:
                columns.append(self._column())
                if self.accept("primary", "key"):
                    pk.append(columns[-1][0])
            self.accept(",")
        ddl.body = {"columns": columns, "pk": pk, "ck": ck, "order": {}, "options": {}}
        if self.accept("with"):
            self._table_options(ddl.body)

    def _primary_key(self) -> tuple[list[str], list[str]]:
        """`((a, b), c, d)` or `(a, c, d)`: the partition key and the clustering columns."""
        self.expect("(")
        pk = self.parens(self.ident) if self.at("(") else [self.ident()]
        ck = self.listed(self.ident) if self.accept(",") else []
        self.expect(")")
        return pk, ck

    def _table_options(self, body: dict[str, Any]) -> None:
        while True:
            if self.accept("clustering", "order", "by"):
                for col, desc in self.parens(self._ordering):
                    body["order"][col] = "DESC" if desc else "ASC"
            elif self.accept("compact", "storage"):
                raise UnsupportedOperation(
                    f"the in-memory driver does not run COMPACT STORAGE: {self.cql}"
                )
            else:
                body["options"].update([self._option()])
            if not self.accept("and"):
                break

    def _view_body(self, ddl: DdlAst) -> None:
        self.expect("as")
        select = self._select_for_view()
        self.expect("primary", "key")
        pk, ck = self._primary_key()
        body: dict[str, Any] = {"pk": pk, "ck": ck, "order": {}, "options": {}, **select}
        if self.accept("with"):
            self._table_options(body)
        ddl.body = body

    def _select_for_view(self) -> dict[str, Any]:
        self.expect("select")
        cols = None if self.accept("*") else self.listed(self.ident)
        self.expect("from")
        ks, base = self.qualified()
        start = self.pos
        self.expect("where")
        where = self.conditions()
        text = " ".join(t.text for t in self.toks[start + 1 : self.pos])
        return {
            "columns": cols,
            "base": base,
            "base_keyspace": ks,
            "where": where,
            "where_text": text,
        }

    def _alter(self) -> DdlAst:
        what = self._what()
        ie = self.accept("if", "exists")
        ks, name = self.qualified()
        ddl = DdlAst("alter", what, ks, name, ie)
        if what == "keyspace":
            self.expect("with")
            ddl.body = self.options()
        elif what == "table" and self.accept("add"):
            self.accept("if", "not", "exists")
            ddl.body = {"add": self._maybe_parens(self._column)}
        elif what == "table" and self.accept("drop"):
            self.accept("if", "exists")
            ddl.body = {"drop": self._maybe_parens(self.ident)}
        elif what == "table" and self.accept("with"):
            body: dict[str, Any] = {"order": {}, "options": {}}
            self._table_options(body)
            ddl.body = {"with": body["options"]}
        elif what == "table" and self.accept("rename"):
            ddl.body = {"rename": self._rename()}
        elif what == "type" and self.accept("add"):
            ddl.body = {"add": [self._field()]}
        elif what == "type" and self.accept("rename"):
            ddl.body = {"rename": self.listed(self._rename, "and")}
        else:
            raise UnsupportedOperation(f"the in-memory driver does not run: {self.cql}")
        return ddl

    def _maybe_parens(self, item: Callable[[], T]) -> list[T]:
        return self.parens(item) if self.at("(") else self.listed(item)

    def options(self) -> dict[str, Any]:
        return dict(self.listed(self._option, "and"))

    def _option(self) -> tuple[str, Any]:
        key = self.ident()
        self.expect("=")
        return key, _plain(self.term())


_WORDS = {"null": None, "true": True, "false": False, "nan": float("nan"), "infinity": float("inf")}

_NATIVE = {
    "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double", "duration",
    "float", "inet", "int", "smallint", "text", "time", "timestamp", "timeuuid", "tinyint",
    "uuid", "varchar", "varint",
}  # fmt: skip


def _plain(term: Any) -> Any:
    """A literal term as a Python value (options, replication maps)."""
    if isinstance(term, Lit):
        return term.value
    if isinstance(term, Coll):
        if term.kind == "map":
            return {_plain(k): _plain(v) for k, v in term.items}
        if term.kind == "udt":
            return {k: _plain(v) for k, v in term.items}
        return [_plain(i) for i in term.items]
    raise InvalidQueryError(f"an option takes a literal, got {term!r}")


def parse(cql: str) -> tuple[Any, int]:
    """The statement's tree and its number of bind markers."""
    p = Parser(cql)
    stmt = p.statement()
    if not p.done():
        t = p.peek()
        raise InvalidQueryError(f"unexpected {t.text if t else ''!r} in {cql}")
    return stmt, p.markers
