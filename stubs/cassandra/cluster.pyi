from collections.abc import Callable, Sequence
from typing import Any

from cassandra import DriverException
from cassandra.query import PreparedStatement, Statement

EXEC_PROFILE_DEFAULT: object

class NoHostAvailable(DriverException):
    errors: dict[Any, Exception]

class ExecutionProfile:
    row_factory: Callable[[Sequence[str], Sequence[Any]], Any]
    request_timeout: float
    consistency_level: int | None
    def __init__(
        self,
        load_balancing_policy: Any = ...,
        retry_policy: Any = ...,
        consistency_level: int | None = ...,
        serial_consistency_level: int | None = ...,
        request_timeout: float = ...,
        row_factory: Callable[[Sequence[str], Sequence[Any]], Any] = ...,
        speculative_execution_policy: Any = ...,
        continuous_paging_options: Any = ...,
    ) -> None: ...

class ResultSet:
    column_names: list[str] | None
    current_rows: list[Any]
    paging_state: bytes | None
    has_more_pages: bool
    def one(self) -> Any: ...
    def all(self) -> list[Any]: ...
    def __iter__(self) -> Any: ...

class ResponseFuture:
    _col_names: list[str] | None
    _paging_state: bytes | None
    _query_traces: list[Any] | None  # set once a traced request answered
    has_more_pages: bool
    def result(self) -> ResultSet: ...
    def add_callbacks(
        self,
        callback: Callable[..., Any],
        errback: Callable[..., Any],
        callback_args: tuple[Any, ...] = ...,
        callback_kwargs: dict[str, Any] | None = ...,
        errback_args: tuple[Any, ...] = ...,
        errback_kwargs: dict[str, Any] | None = ...,
    ) -> None: ...
    def start_fetching_next_page(self) -> None: ...

class Session:
    cluster: Cluster
    is_shutdown: bool
    keyspace: str | None
    row_factory: Any
    default_timeout: float
    _default_timeout: float  # what prepare() waits, even with execution profiles
    def execute(
        self,
        query: str | Statement,
        parameters: Any = ...,
        timeout: float | None = ...,
        trace: bool = ...,
        custom_payload: Any = ...,
        execution_profile: Any = ...,
        paging_state: bytes | None = ...,
        host: Any = ...,
        execute_as: str | None = ...,
    ) -> ResultSet: ...
    def execute_async(
        self,
        query: str | Statement,
        parameters: Any = ...,
        trace: bool = ...,
        custom_payload: Any = ...,
        timeout: float | None = ...,
        execution_profile: Any = ...,
        paging_state: bytes | None = ...,
        host: Any = ...,
        execute_as: str | None = ...,
    ) -> ResponseFuture: ...
    def prepare(self, query: str, custom_payload: Any = ..., keyspace: str | None = ...) -> PreparedStatement: ...
    def set_keyspace(self, keyspace: str) -> None: ...
    def shutdown(self) -> None: ...

class Cluster:
    contact_points: list[Any]
    port: int
    protocol_version: int
    metadata: Any
    ssl_context: Any
    ssl_options: dict[str, Any] | None
    def __init__(
        self,
        contact_points: Sequence[str] = ...,
        port: int = ...,
        *,
        execution_profiles: dict[object, ExecutionProfile] | None = ...,
        **kwargs: Any,
    ) -> None: ...
    def connect(self, keyspace: str | None = ..., wait_for_all_pools: bool = ...) -> Session: ...
    def add_execution_profile(self, name: object, profile: ExecutionProfile, pool_wait_timeout: float = ...) -> None: ...
    def shutdown(self) -> None: ...
