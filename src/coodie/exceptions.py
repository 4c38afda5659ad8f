"""Every error coodie raises is a `CoodieError`."""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "CoodieError",
    "DocumentNotFound",
    "ExecutionError",
    "InvalidQueryError",
    "MultipleDocumentsFound",
    "OperationTimedOut",
    "SchemaError",
    "Unavailable",
    "UnsupportedOperation",
]


class CoodieError(Exception):
    """Base class of every coodie error."""


class ConfigurationError(CoodieError):
    """coodie is not set up: no driver registered, unknown driver name, bad options."""


class SchemaError(CoodieError):
    """A Document class cannot map to a CQL table (raised at class definition)."""


class InvalidQueryError(CoodieError):
    """A query or write that CQL would reject, caught before it reaches the driver."""


class UnsupportedOperation(InvalidQueryError):
    """The operation is not available here (a write on a view, save() on a counter table...).
    A kind of bad query construction, so `except InvalidQueryError` catches it too."""


class DocumentNotFound(CoodieError):
    """`get()` found no matching row."""


class MultipleDocumentsFound(CoodieError):
    """`get()` or `find_one()` found more than one row."""


class ExecutionError(CoodieError):
    """The driver or the server failed a statement; `__cause__` is the driver's exception."""

    def __init__(self, message: str, cql: str | None = None) -> None:
        super().__init__(f"{message}\n  CQL: {cql}" if cql else message)
        self.cql = cql


class OperationTimedOut(ExecutionError):
    """The server or the driver timed out (read/write timeout, client-side timeout)."""


class Unavailable(ExecutionError):
    """Not enough replicas were alive, or no host could be reached."""


class AuthenticationError(ExecutionError):
    """The cluster refused the credentials (wrong user name or password, or none given
    where the cluster requires them). The same on every driver."""
