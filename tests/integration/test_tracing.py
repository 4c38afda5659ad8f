"""`.trace()` (issue 18 item 3) and the consistency levels as the server saw them (item 1):
the trace is the server's record of the request (system_traces), read the same way on both
drivers, sync and async."""

from __future__ import annotations

import os
from typing import Annotated, Any

import pytest

from coodie.fields import ClusteringKey, PrimaryKey
from coodie.registry import unregister_driver
from tests.integration.conftest import _contact_points, consistency_options
from tests.integration.named import close_named, open_named


def reading_model(module: Any, driver_name: str | None) -> Any:
    class Reading(module.Document):  # type: ignore[name-defined,misc]
        sensor: Annotated[str, PrimaryKey()]
        at: Annotated[int, ClusteringKey()]
        value: float = 0.0

        class Settings:
            name = "it_traced_readings"
            driver = driver_name

    return Reading


def test_trace_returns_the_documents_and_the_servers_record(f: Any) -> None:
    Reading = reading_model(f.module, None)
    f(Reading.sync_table())
    for at in range(3):
        f(Reading(sensor="t1", at=at, value=at / 2).save())
    trace = f(Reading.find(sensor="t1").trace())
    assert [r.at for r in trace.documents] == [0, 1, 2]
    assert trace.duration > 0 and trace.coordinator
    assert "it_traced_readings" in trace.parameters["query"]
    activities = [e.activity for e in trace.events]
    assert activities and any("Read" in a or "read" in a for a in activities), activities
    assert [e.source_elapsed for e in trace.events] == sorted(
        e.source_elapsed for e in trace.events
    )
    # the level of the suite's driver: init_coodie(consistency=...) or the drivers' LOCAL_ONE
    assert trace.consistency == consistency_options().get("consistency", "LOCAL_ONE")


def test_the_server_serves_the_level_asked_for(f: Any, keyspace: str) -> None:
    """A driver's default (init_coodie(consistency=)) and a query's own (.consistency())."""
    name = f"traced_{f.name}"
    open_named(f, name, keyspace, consistency="QUORUM")
    try:
        Reading = reading_model(f.module, name)
        f(Reading.sync_table())
        assert f(Reading.find(sensor="t2").trace()).consistency == "QUORUM"
        assert f(Reading.find(sensor="t2").consistency("ALL").trace()).consistency == "ALL"
        assert f(Reading.find(sensor="t2").consistency("ONE").trace()).consistency == "ONE"
    finally:
        close_named(f, name)


def test_retry_policy_is_passed_to_the_driver(f: Any) -> None:
    """`.retry_policy(...)`: on the scylla driver the policy object decides what happens
    after the server's Unavailable (level TWO on one node); acsylla takes its names."""
    from coodie.exceptions import ConfigurationError, Unavailable

    Reading = reading_model(f.module, None)
    f(Reading.sync_table())
    if os.environ.get("COODIE_TEST_DRIVER", "scylla") == "acsylla":
        assert f(Reading.find(sensor="r").retry_policy("fallthrough").first()) is None
        with pytest.raises(ConfigurationError, match="'default' or 'fallthrough'"):
            f(Reading.find(sensor="r").retry_policy(object()).first())
        return
    from cassandra.policies import RetryPolicy

    class Counting(RetryPolicy):
        def __init__(self) -> None:
            self.unavailable: list[tuple[int, int, int]] = []

        def on_unavailable(
            self,
            query: Any,
            consistency: Any,
            required_replicas: int,
            alive_replicas: int,
            retry_num: int,
        ) -> Any:
            self.unavailable.append((consistency, required_replicas, alive_replicas))
            return self.RETHROW, None

    policy = Counting()
    if len(_contact_points()[0]) > 1:
        return  # allowed-skip: on a cluster TWO is available; the single node refuses it
    with pytest.raises(Unavailable):
        f(Reading.find(sensor="r").consistency("TWO").retry_policy(policy).first())
    assert policy.unavailable == [(2, 2, 1)]  # the server's answer: TWO needs 2, 1 alive


def test_execution_profiles_are_accepted_and_the_default_one_applies(f: Any, keyspace: str) -> None:
    """init_coodie(execution_profiles=...) on the scylla driver: coodie's requests run on
    the default profile given (the server serves its level); acsylla has no profiles and
    says so."""
    from cassandra import ConsistencyLevel
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, ExecutionProfile

    from coodie.exceptions import ConfigurationError

    name = f"profiles_{f.name}"
    hosts, port = _contact_points()
    driver_type = os.environ.get("COODIE_TEST_DRIVER", "scylla")
    profiles = {
        EXEC_PROFILE_DEFAULT: ExecutionProfile(
            consistency_level=ConsistencyLevel.QUORUM, request_timeout=7
        ),
        "reports": ExecutionProfile(consistency_level=ConsistencyLevel.ONE),
    }
    if driver_type == "acsylla":
        with pytest.raises(ConfigurationError, match="does not take execution_profiles"):
            f(
                f.module.init_coodie(
                    hosts=hosts,
                    port=port,
                    name=name,
                    driver_type="acsylla",
                    execution_profiles=profiles,
                )
            )
        return
    driver = f(
        f.module.init_coodie(
            hosts=hosts, port=port, keyspace=keyspace, name=name, execution_profiles=profiles
        )
    )
    try:
        assert driver.default_timeout == 7
        Reading = reading_model(f.module, name)
        assert f(Reading.find(sensor="p").trace()).consistency == "QUORUM"
        assert f(Reading.find(sensor="p").consistency("ONE").trace()).consistency == "ONE"
    finally:
        unregister_driver(name)
        f(driver.shutdown_async()) if f.is_async else driver.shutdown()
