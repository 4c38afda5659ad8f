from collections.abc import Sequence
from typing import Any, ClassVar

class Statement:
    consistency_level: int | None
    serial_consistency_level: int | None
    fetch_size: int | None
    is_idempotent: bool
    retry_policy: Any
    timestamp: int | None

class SimpleStatement(Statement):
    def __init__(self, query_string: str, **kwargs: Any) -> None: ...

class PreparedStatement:
    query_string: str
    def bind(self, values: Sequence[Any] | dict[str, Any]) -> BoundStatement: ...

class BoundStatement(Statement):
    prepared_statement: PreparedStatement
    values: list[Any]

class BatchType:
    LOGGED: ClassVar[BatchType]
    UNLOGGED: ClassVar[BatchType]
    COUNTER: ClassVar[BatchType]

class BatchStatement(Statement):
    def __init__(
        self,
        batch_type: BatchType = ...,
        retry_policy: Any = ...,
        consistency_level: int | None = ...,
        serial_consistency_level: int | None = ...,
        session: Any = ...,
        custom_payload: Any = ...,
    ) -> None: ...
    def add(
        self, statement: str | Statement | PreparedStatement, parameters: Sequence[Any] | None = ...
    ) -> None: ...
    def __len__(self) -> int: ...

def tuple_factory(colnames: Sequence[str], rows: Sequence[Any]) -> list[tuple[Any, ...]]: ...
def named_tuple_factory(colnames: Sequence[str], rows: Sequence[Any]) -> list[Any]: ...
def dict_factory(colnames: Sequence[str], rows: Sequence[Any]) -> list[dict[str, Any]]: ...
