"""Node loss on a 3-node cluster, keyspace at replication factor 3, coodie at QUORUM.

Each test kills nodes for real (SIGKILL through tools/cassandra/node, which returns once the
surviving nodes' failure detectors mark them DOWN) and starts them again before it ends.
Both APIs (coodie.sync and coodie.aio) run inside the same outage: a restart costs ~30 s.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType
from typing import Annotated, Any

import pytest

import coodie.aio
import coodie.sync
from coodie.exceptions import Unavailable
from coodie.fields import PrimaryKey
from coodie.registry import unregister_driver
from tests.cluster.conftest import HOSTS, Flavour, Nodes


def account_model(module: ModuleType, table: str) -> Any:
    class Account(module.Document):  # type: ignore[name-defined,misc]
        id: Annotated[int, PrimaryKey()]
        owner: str = ""
        balance: int = 0

        class Settings:
            name = table
            driver = "loss"

    return Account


@pytest.fixture
def restores(nodes: Nodes) -> Iterator[Nodes]:
    """Whatever a test kills is started again, even when it fails."""
    nodes.all_up()
    yield nodes
    nodes.all_up()


@pytest.fixture
def flavours(restores: Nodes, keyspace: str, loop: Any) -> Iterator[list[tuple[Flavour, Any]]]:
    """(flavour, its Account model) for coodie.sync and coodie.aio, on a driver opened with
    every node up: a driver that saw a node die reconnects to it with growing back-off, and
    a test must not depend on how far that got."""
    driver = coodie.sync.init_coodie(
        hosts=HOSTS,
        keyspace=keyspace,
        driver_type=os.environ.get("COODIE_TEST_DRIVER", "scylla"),
        consistency="QUORUM",
        serial_consistency="SERIAL",
        name="loss",
    )
    out = [
        (Flavour(coodie.sync, None), account_model(coodie.sync, "cl_accounts")),
        (Flavour(coodie.aio, loop), account_model(coodie.aio, "cl_accounts")),
    ]
    out[0][1].sync_table()
    out[0][1].truncate()
    yield out
    unregister_driver("loss")
    driver.shutdown()


def test_one_node_down_quorum_goes_on_all_fails_lwt_applies(
    restores: Nodes, flavours: list[tuple[Flavour, Any]]
) -> None:
    nodes = restores
    for n, (f, Account) in enumerate(flavours):
        for i in range(10):
            f(Account(id=n * 1000 + i, owner=f.name, balance=i).save())
    before = {n * 1000 + i for n in range(2) for i in range(10)}

    nodes.kill(3)

    during: set[int] = set()
    for n, (f, Account) in enumerate(flavours):
        # QUORUM (2 of 3) writes and reads go on with one replica gone
        for i in range(10):
            f(Account(id=n * 1000 + 500 + i, owner=f.name, balance=100 + i).save())
            during.add(n * 1000 + 500 + i)
        assert f(Account.find().count()) == len(before | during)
        got = f(Account.get(id=n * 1000 + 505))
        assert (got.owner, got.balance) == (f.name, 105)

        # ALL needs the dead replica: the coordinator refuses, and says which level
        with pytest.raises(Unavailable, match="ALL"):
            f(Account.find(id=n * 1000).consistency("ALL").first())
        with pytest.raises(Unavailable, match="ALL"):
            f(Account.find(id=n * 1000 + 900).consistency("ALL").create(owner="never"))
        assert f(Account.find(id=n * 1000 + 900).first()) is None  # refused, not half-written

        # LWTs (Paxos at SERIAL: 2 of 3) still apply, and still see conflicts
        doc = Account(id=n * 1000 + 700, owner="lwt", balance=1)
        assert f(doc.insert()).applied
        during.add(n * 1000 + 700)
        again = f(Account(id=n * 1000 + 700, owner="other").insert())
        assert not again.applied and again.existing["owner"] == "lwt"
        assert f(doc.update(if_conditions={"owner": "lwt"}, balance=7)).applied
        assert not f(doc.update(if_conditions={"owner": "nobody"}, balance=8)).applied
        assert f(Account.get(id=n * 1000 + 700)).balance == 7

    nodes.start(3)

    # Back: everything acknowledged before and during the outage reads at QUORUM ...
    f, Account = flavours[0]
    assert {a.id for a in Account.find().all()} == before | during
    # ... also when the returned node must answer: with node 1 stopped, every QUORUM read
    # needs node 3, which missed the outage writes (hints aside): the read merges node 2's.
    nodes.stop(1)
    for f, Account in flavours:
        for i in sorted(during):
            assert f(Account.get(id=i)).id == i
    got = flavours[1][0](flavours[1][1].get(id=1700))
    assert (got.owner, got.balance) == ("lwt", 7)


def test_two_nodes_down_quorum_fails_clearly(
    restores: Nodes, flavours: list[tuple[Flavour, Any]]
) -> None:
    nodes = restores
    f0, Account0 = flavours[0]
    f0(Account0(id=5000, owner="kept", balance=1).save())

    nodes.kill(2)
    nodes.kill(3)

    for f, Account in flavours:
        # one replica of three: QUORUM cannot be met, refused at once (not a timeout)
        with pytest.raises(Unavailable, match="QUORUM"):
            f(Account.find(id=5000).timeout(10).first())
        with pytest.raises(Unavailable, match="QUORUM"):
            f(Account(id=5001, owner="lost").save())
        # what the one live replica holds still reads at ONE
        assert f(Account.find(id=5000).consistency("ONE").first()).owner == "kept"
