"""coodie: a Pydantic v2 ODM for Apache Cassandra and ScyllaDB."""

from __future__ import annotations

__version__ = "0.1.0"
