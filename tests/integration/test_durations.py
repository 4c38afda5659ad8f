"""CQL durations (issue 15, item 4): months, days and nanoseconds kept exact."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Optional

import pytest
from pydantic import ValidationError

from coodie.exceptions import InvalidQueryError
from coodie.fields import PrimaryKey
from coodie.types import Duration


def _model(flavour: Any) -> Any:
    class Plan(flavour.Document):  # type: ignore[name-defined,misc]
        id: Annotated[uuid.UUID, PrimaryKey()]
        every: Optional[Duration] = None
        steps: list[Duration] = []

        class Settings:
            name = "it_plans"

    return Plan


@pytest.fixture
def Plan(f: Any) -> Any:
    model = f.__dict__.get("_duration_model") or f.__dict__.setdefault(
        "_duration_model", _model(f.module)
    )
    f(model.sync_table())
    return model


# (value, the server's text for it)
ANY_DRIVER = [
    (Duration(0, 3, 0), "3d"),
    (Duration(0, -3, 0), "-3d"),
    (Duration(0, 2, 3_000_004_000), "2d3s4us"),
]
SCYLLA_ONLY = [
    (Duration(14, 3, 5_000_000_123), "1y2mo3d5s123ns"),
    (Duration(0, 0, -5_000_000_000), "-5s"),
]


def test_durations_round_trip_exactly(f: Any, Plan: Any, coodie_driver: Any, session: Any) -> None:
    acsylla = type(coodie_driver).__name__ == "AcsyllaDriver"
    for value, text in ANY_DRIVER + ([] if acsylla else SCYLLA_ONLY):
        doc = Plan(id=uuid.uuid4(), every=value, steps=[value])
        f(doc.save())
        got = f(Plan.get(id=doc.id))
        assert got == doc and type(got.every) is Duration, value
        row = session.execute("SELECT every FROM it_plans WHERE id = %s", (doc.id,)).one()
        assert (row.every.months, row.every.days, row.every.nanoseconds) == (
            value.months,
            value.days,
            value.nanoseconds,
        )
        # acsylla reads the server's text form; the written value is what it stands for
        assert (
            str(
                session.execute(
                    "SELECT toJson(every) FROM it_plans WHERE id = %s", (doc.id,)
                ).one()[0]
            )
            == f'"{text}"'
        )
    if acsylla:
        for value, _ in SCYLLA_ONLY:
            with pytest.raises(InvalidQueryError, match="acsylla binds a duration only"):
                f(Plan(id=uuid.uuid4(), every=value).save())


def test_a_duration_of_mixed_signs_is_refused() -> None:
    with pytest.raises(ValueError, match="one sign"):
        Duration(1, -1, 0)
    from coodie.sync import Document

    class P(Document):
        id: Annotated[uuid.UUID, PrimaryKey()]
        every: Optional[Duration] = None

    with pytest.raises(ValidationError):
        P(id=uuid.uuid4(), every=(1, -2, 0))
    assert P(id=uuid.uuid4(), every=(1, 2, 3)).every == Duration(1, 2, 3)
