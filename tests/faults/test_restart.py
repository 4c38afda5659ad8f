"""The node stopped and started again under a write loop of every client (sync and async,
both drivers) that was set up once, before the loop began."""

from __future__ import annotations

import time

from tests.faults.conftest import REQUEST_TIMEOUT, Node, fresh_keyspace, stored_ids
from tests.faults.loops import wait_for, write_loops

CALL_BOUND = REQUEST_TIMEOUT + 6  # seconds: no call may take longer, node up or down


def test_stop_and_restart_mid_write_loop(live_node: Node) -> None:
    node = live_node
    keyspace = fresh_keyspace(node.host)
    with write_loops(node.host, keyspace, "restart_writes") as clients:
        wait_for(clients, lambda c: len(c.acked) >= 20, 60, "20 writes acknowledged")
        node.stop()  # graceful: SIGTERM, Cassandra drains
        down = {c.name: len(c.acked) for c in clients}
        wait_for(clients, lambda c: len(c.errors) >= 3, 60, "3 failed calls with the node down")
        assert {c.name: len(c.acked) for c in clients} == down, "acknowledged with the node down"
        time.sleep(2)
        node.up()
        up_at = time.monotonic()
        back = {c.name: len(c.acked) for c in clients}
        # the same drivers and models, never re-initialised, write again
        wait_for(clients, lambda c: len(c.acked) >= back[c.name] + 20, 150, "writing again")

    for c in clients:
        assert not c.foreign, f"{c.name}: failures that are not CoodieError: {c.foreign[:3]}"
        assert c.longest <= CALL_BOUND, f"{c.name}: a call took {c.longest:.1f}s"
        assert c.errors, c.name
    # every write acknowledged (before the stop, and after the restart) is on the node
    stored = stored_ids(node.host, keyspace, "restart_writes")
    for c in clients:
        lost = set(c.acked) - stored
        assert not lost, f"{c.name}: {len(lost)} acknowledged writes lost, e.g. {sorted(lost)[:5]}"
    print({c.name: (len(c.acked), len(c.errors), round(c.longest, 2)) for c in clients})
    print({c.name: round(c.acked_at[back[c.name]] - up_at, 1) for c in clients})
    print({c.name: sorted({type(e).__name__ for e in c.errors}) for c in clients})
    print({c.name: str(c.errors[-1])[:300] for c in clients})
