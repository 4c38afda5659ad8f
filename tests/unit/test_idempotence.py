"""Which statements the drivers may retry (issue 18 item 2): reads and plain writes are
marked idempotent; LWTs, counter updates, list appends/prepends, list element deletes and
now() never are. The statements are compiled from real models, as coodie runs them."""

from __future__ import annotations

from uuid import UUID

from coodie.expr.compiler import compile_statement
from coodie.expr.nodes import Assignment, AssignOp, Compare, Op, Update
from coodie.idempotence import idempotent
from coodie.requests import Compiled
from tests.unit.models import PageViews, Product

PID = UUID(int=1)
S = Product.__coodie_schema__


def product() -> Product:
    return Product(id=PID, category="c", name="n")


def update(**changes: object) -> Compiled:
    stmt, _ = product()._update_statement(changes)
    return compile_statement(stmt, S)


def test_reads_and_plain_writes_are_idempotent() -> None:
    assert idempotent(compile_statement(Product.find(id=PID)._select(), S))
    assert idempotent(compile_statement(product()._insert_statement(), S))
    assert idempotent(compile_statement(product()._delete_statement(), S))
    assert idempotent(update(name="m", price=2.0))
    # set and map additions and removals land the same however often they apply
    assert idempotent(update(add__tags=["vip"]))
    assert idempotent(update(remove__tags=["vip"]))
    assert idempotent(update(put__meta={"a": "b"}))
    assert idempotent(update(remove__meta=["k"]))


def test_lwt_counters_list_appends_and_now_are_not() -> None:
    assert not idempotent(compile_statement(product()._insert_statement(if_not_exists=True), S))
    assert not idempotent(compile_statement(product()._delete_statement(if_exists=True), S))
    assert not idempotent(update(append__scores=[1]))
    assert not idempotent(update(prepend__scores=[0]))
    counter = Update((Assignment("views", AssignOp.INCR, 2),), (Compare("url", Op.EQ, "/"),))
    assert not idempotent(compile_statement(counter, PageViews.__coodie_schema__))
    assert not idempotent(Compiled("INSERT INTO t (id, at) VALUES (?, now())", (1,)))
    assert not idempotent(Compiled("DELETE scores[?] FROM shop.products WHERE id = ?", (0, PID)))
    # a collection update whose type coodie does not know is not marked either
    assert not idempotent(Compiled("UPDATE t SET c = c + ? WHERE id = ?", ({1}, 1)))


def test_raw_cql_is_never_marked_but_for_reads() -> None:
    """CQL coodie did not compile (execute_raw, batch.add): its IF, counters and list
    operations cannot be told from the text for sure, so none of it may be retried."""
    from coodie.raw import raw_request

    for cql in (
        "UPDATE t SET v = 1 WHERE id = 1 IF v = 0",
        "INSERT INTO t (id) VALUES (1) IF NOT EXISTS",
        "UPDATE t SET n = n + 1 WHERE id = 1",
        "UPDATE t SET n=n+? WHERE id = ?",
        "UPDATE t SET l = l + [1] WHERE id = 1",
        "INSERT INTO t (id, v) VALUES (1, 2)",
    ):
        assert not idempotent(raw_request(cql, None).compiled), cql
    assert idempotent(raw_request("SELECT * FROM t WHERE id = ?", (1,)).compiled)
