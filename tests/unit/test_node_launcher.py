"""The node launcher refuses a cluster size it has no addresses for, before it starts
anything: 127.0.0.11-19 are the cluster's, 127.0.0.21 and up the throwaway and
fault-test nodes'."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

from coodie.testing import node


def no_node(*args: object) -> NoReturn:
    raise AssertionError("the launcher went on to start a node")


@pytest.mark.parametrize("size", [0, 10, 12])
def test_cluster_up_refuses_a_size_outside_1_to_9(
    size: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(node, "CLUSTER", tmp_path / "cluster")
    monkeypatch.setattr(node, "start_node", no_node)
    with pytest.raises(node.NodeError, match=rf"a cluster has 1 to 9 nodes .*, not {size}$"):
        node.cluster_up(size)
    assert not (tmp_path / "cluster").exists()  # nothing was created
