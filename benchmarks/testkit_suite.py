"""The 200-test suite behind the speed figures of docs/testing-your-app.md: the five tests
of examples/inventory that run both ways, 40 times each, on one backend per run.

    .venv/bin/python -m pytest benchmarks/testkit_suite.py -q -p no:cacheprovider -k memory
    .venv/bin/python -m pytest benchmarks/testkit_suite.py -q -p no:cacheprovider -k node
    .venv/bin/python -m pytest benchmarks/testkit_suite.py -q -p no:cacheprovider -k node \\
        --coodie-keyspace-scope=module

Not part of `make test` (it only times things)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "inventory"))

import test_inventory as t

BODIES = [
    t.test_a_product_is_added_once,
    t.test_products_by_tag,
    t.test_receive_reserve_ship,
    t.test_cannot_reserve_more_than_available,
    t.test_a_reservation_holds_for_a_while,
]

db = t.db


@pytest.mark.parametrize("rep", range(40))
@pytest.mark.parametrize("body", BODIES, ids=[b.__name__ for b in BODIES])
def test_suite(body: Any, rep: int, db: Any) -> None:
    body(db)
