"""The validator's verdicts against the server's, case by case.

Every accepted and rejected case of tests/unit/test_validate.py is rendered *without*
validation and sent to the real node (prepared, then executed with its values): the
server must reject exactly what coodie rejects.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cassandra import InvalidRequest, RequestValidationException
from cassandra.cluster import Session
from cassandra.protocol import ErrorMessage

from coodie.ddl import create_index_cql, create_table_cql
from coodie.exceptions import InvalidQueryError
from coodie.expr.compiler import compile_statement
from coodie.schema import TableSchema
from tests.property.differential import unchecked
from tests.unit.models import Event, PageViews, Product
from tests.unit.test_validate import SELECTS, WRITES

# Rejected by coodie's API, not by CQL: `append__` names a list operation, and on a set
# it renders the same text as `add__`, which the server takes.
API_ONLY = {"append to a set"}


@pytest.fixture(scope="module")
def schemas(session: Session, keyspace: str) -> dict[str, TableSchema]:
    out = {}
    for model in (Product, Event, PageViews):
        schema = dataclasses.replace(model.__coodie_schema__, keyspace=keyspace)
        session.execute(create_table_cql(schema, keyspace))
        for c in schema.columns:
            if c.index is not None:
                session.execute(create_index_cql(schema, keyspace, c, c.index))
        out[schema.name] = schema
    return out


def _server_verdict(session: Session, stmt: Any, schema: TableSchema, keyspace: str) -> str | None:
    tpl, params = unchecked(stmt, schema, keyspace)
    try:
        prepared = session.prepare(tpl.cql)
        bound = prepared.bind(params)
        if not tpl.paging:
            bound.fetch_size = None
        session.execute(bound)
    except (InvalidRequest, RequestValidationException, ErrorMessage) as e:
        return str(e)
    return None


def _coodie_verdict(stmt: Any, schema: TableSchema) -> str | None:
    try:
        compile_statement(stmt, schema)  # validated, and its values checked
    except InvalidQueryError as e:
        return str(e)
    return None


@pytest.mark.parametrize(("name", "make", "error"), SELECTS, ids=[s[0] for s in SELECTS])
def test_select_verdicts_agree(
    session: Session,
    keyspace: str,
    schemas: dict[str, TableSchema],
    name: str,
    make: Any,
    error: str | None,
) -> None:
    qs = make()
    schema = schemas[qs._model.__coodie_schema__.name]
    stmt = qs._select()
    ours = _coodie_verdict(stmt, schema)
    theirs = _server_verdict(session, stmt, schema, keyspace)
    assert (ours is None) == (theirs is None), f"coodie: {ours!r}\nserver: {theirs!r}"


@pytest.mark.parametrize(("name", "schema", "stmt", "error"), WRITES, ids=[w[0] for w in WRITES])
def test_write_verdicts_agree(
    session: Session,
    keyspace: str,
    schemas: dict[str, TableSchema],
    name: str,
    schema: Any,
    stmt: Any,
    error: Any,
) -> None:
    local = schemas[schema.name]
    ours = _coodie_verdict(stmt, local)
    theirs = _server_verdict(session, stmt, local, keyspace)
    if name in API_ONLY:
        assert ours is not None and theirs is None
        return
    assert (ours is None) == (theirs is None), f"coodie: {ours!r}\nserver: {theirs!r}"
