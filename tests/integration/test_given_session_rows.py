"""A session given to init_coodie() keeps its own row factory: the rows it returns,
tuples, named tuples or dicts, become the same documents."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster
from cassandra.query import dict_factory, named_tuple_factory, tuple_factory

import coodie.sync
from coodie.fields import ClusteringKey, PrimaryKey
from coodie.registry import unregister_driver
from tests.integration.conftest import _contact_points, raw_profile


@pytest.mark.parametrize("factory", [dict_factory, named_tuple_factory, tuple_factory])
def test_rows_of_a_given_session_become_documents(keyspace: str, factory: Any) -> None:
    hosts, port = _contact_points()
    profile = raw_profile()
    profile.row_factory = factory
    cluster = Cluster(
        contact_points=hosts,
        port=port,
        protocol_version=5,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
    )
    label = f"it_rows_{factory.__name__}"
    coodie.sync.init_coodie(session=cluster.connect(keyspace), keyspace=keyspace, name=label)
    try:

        class Reading(coodie.sync.Document):
            sensor: Annotated[str, PrimaryKey()]
            seq: Annotated[int, ClusteringKey()]
            value: float

            class Settings:
                name = label
                driver = label

        Reading.sync_table()
        for i in range(3):
            Reading(sensor="s", seq=i, value=i / 2).save()
        assert Reading.get(sensor="s", seq=2).value == 1.0
        assert [(r.seq, r.value) for r in Reading.find(sensor="s").all()] == [
            (0, 0.0),
            (1, 0.5),
            (2, 1.0),
        ]
    finally:
        unregister_driver(label)
        cluster.shutdown()
