"""The differential tests talk to the real node: reuse the integration fixtures (the
compiler properties beside them need no node and use none of these)."""

from tests.integration.conftest import cluster, keyspace, session

__all__ = ["cluster", "keyspace", "session"]
