"""init_coodie(consistency=..., serial_consistency=...): the level of every statement that
does not choose its own. A keyspace with one replica per partition makes the level visible:
at TWO the server refuses (Unavailable, naming the level) on one node as on a cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from cassandra.cluster import Session

import coodie.sync
from coodie.exceptions import ConfigurationError, Unavailable
from coodie.fields import PrimaryKey
from coodie.registry import get_driver, unregister_driver
from tests.integration.conftest import _contact_points


@pytest.fixture(scope="module")
def one_replica(session: Session, keyspace: str) -> Iterator[str]:
    name = f"{keyspace}_rf1"
    session.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {name} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    hosts, port = _contact_points()
    driver = coodie.sync.init_coodie(
        hosts=hosts,
        port=port,
        keyspace=name,
        name="at-two",
        driver_type=os.environ.get("COODIE_TEST_DRIVER", "scylla"),
        consistency="TWO",
        serial_consistency="LOCAL_SERIAL",
    )
    yield name
    unregister_driver("at-two")
    driver.shutdown()
    session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=120)


def test_the_default_level_applies_to_reads_and_writes(f: Any, one_replica: str) -> None:
    class Levelled(f.module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        n: int = 0

        class Settings:
            name = "it_levelled"
            driver = "at-two"

    f(Levelled.sync_table())  # DDL is not held to the level
    with pytest.raises(Unavailable, match="TWO"):
        f(Levelled(id=1, n=1).save())
    with pytest.raises(Unavailable, match="TWO"):
        f(Levelled.find(id=1).first())
    with pytest.raises(Unavailable, match="TWO"), f.batch() as b:
        f(Levelled(id=1, n=1).save(batch=b))
    # a statement's own level wins over the default
    f(Levelled.find(id=2).consistency("ONE").create(n=2))
    assert f(Levelled.find(id=2).consistency("ONE").first()).n == 2
    with f.batch(consistency="ONE") as b:
        f(Levelled(id=3, n=3).save(batch=b))
    assert f(Levelled.find(id=3).consistency("ONE").first()).n == 3


@pytest.mark.parametrize(
    ("option", "value"), [("consistency", "MOSTLY"), ("serial_consistency", "QUORUM")]
)
def test_a_level_that_is_not_one_fails_before_connecting(option: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{option}='{value}'"):
        coodie.sync.init_coodie(hosts=["127.0.0.1"], name="never", **{option: value})
    with pytest.raises(ConfigurationError, match="no driver named 'never'"):
        get_driver("never")
