"""The integration tests the in-memory driver cannot pass: each listed once, under its reason.

With COODIE_TEST_DRIVER=memory (`make test`'s third pass) every listed test runs as a
strict xfail: one that starts passing fails the run, so the list stays true. Those of
`LIMITS` whose `run` is False are not run at all: they need a network driver's own
machinery (a second node, sockets, a forked child) and would only time out.
docs/testing-your-app.md shows this same list (tests/unit/test_memory_limits.py checks
that it does). A test named without its [parameters] stands for every parametrization.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    reason: str
    tests: tuple[str, ...]
    run: bool = True


LIMITS: tuple[Limit, ...] = (
    Limit(
        "The server's own verdict: these tests compare coodie's validator, or a value check, with what the server accepts or refuses. The memory driver runs what coodie sends and does not judge CQL again.",
        (
            "test_validator_agrees.py::test_select_verdicts_agree[EQ twice]",
            "test_validator_agrees.py::test_select_verdicts_agree[IN on a legacy index]",
            "test_validator_agrees.py::test_select_verdicts_agree[IN on an SAI index]",
            "test_validator_agrees.py::test_select_verdicts_agree[clustering after slice]",
            "test_validator_agrees.py::test_select_verdicts_agree[clustering skip]",
            "test_validator_agrees.py::test_select_verdicts_agree[clustering without partition key]",
            "test_validator_agrees.py::test_select_verdicts_agree[contains key on a set]",
            "test_validator_agrees.py::test_select_verdicts_agree[contains on a scalar]",
            "test_validator_agrees.py::test_select_verdicts_agree[contains on unindexed collection]",
            "test_validator_agrees.py::test_select_verdicts_agree[equality on a non-frozen collection]",
            "test_validator_agrees.py::test_select_verdicts_agree[legacy index with a range]",
            "test_validator_agrees.py::test_select_verdicts_agree[like on a SASI index]",
            "test_validator_agrees.py::test_select_verdicts_agree[like on a number]",
            "test_validator_agrees.py::test_select_verdicts_agree[like without SASI]",
            "test_validator_agrees.py::test_select_verdicts_agree[limit zero]",
            "test_validator_agrees.py::test_select_verdicts_agree[order by a regular column]",
            "test_validator_agrees.py::test_select_verdicts_agree[order by mixed]",
            "test_validator_agrees.py::test_select_verdicts_agree[order by out of order]",
            "test_validator_agrees.py::test_select_verdicts_agree[order by skipping a free column]",
            "test_validator_agrees.py::test_select_verdicts_agree[order by with an index]",
            "test_validator_agrees.py::test_select_verdicts_agree[order by without partition key]",
            "test_validator_agrees.py::test_select_verdicts_agree[partial composite partition key]",
            "test_validator_agrees.py::test_select_verdicts_agree[regular column]",
            "test_validator_agrees.py::test_select_verdicts_agree[slice on partition key]",
            "test_validator_agrees.py::test_select_verdicts_agree[static only with clustering restriction]",
            "test_validator_agrees.py::test_select_verdicts_agree[token and key relation together]",
            "test_validator_agrees.py::test_select_verdicts_agree[token in wrong order]",
            "test_validator_agrees.py::test_select_verdicts_agree[token lists a partial key]",
            "test_validator_agrees.py::test_select_verdicts_agree[two lower bounds]",
            "test_validator_agrees.py::test_select_verdicts_agree[unknown column in only]",
            "test_validator_agrees.py::test_write_verdicts_agree[add to a scalar]",
            "test_validator_agrees.py::test_write_verdicts_agree[counter if]",
            "test_validator_agrees.py::test_write_verdicts_agree[counter set]",
            "test_validator_agrees.py::test_write_verdicts_agree[counter timestamp]",
            "test_validator_agrees.py::test_write_verdicts_agree[counter ttl]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete after a range]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete by regular column]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete columns over a range]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete if exists by partition]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete partition range]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete static column with a clustering restriction]",
            "test_validator_agrees.py::test_write_verdicts_agree[delete with a clustering gap]",
            "test_validator_agrees.py::test_write_verdicts_agree[increment a non-counter]",
            "test_validator_agrees.py::test_write_verdicts_agree[insert if not exists + timestamp]",
            "test_validator_agrees.py::test_write_verdicts_agree[insert missing clustering]",
            "test_validator_agrees.py::test_write_verdicts_agree[insert on counter table]",
            "test_validator_agrees.py::test_write_verdicts_agree[negative ttl]",
            "test_validator_agrees.py::test_write_verdicts_agree[set and add one column]",
            "test_validator_agrees.py::test_write_verdicts_agree[update a key column]",
            "test_validator_agrees.py::test_write_verdicts_agree[update by a regular column]",
            "test_validator_agrees.py::test_write_verdicts_agree[update clustering range]",
            "test_validator_agrees.py::test_write_verdicts_agree[update if + timestamp]",
            "test_validator_agrees.py::test_write_verdicts_agree[update if on a key column]",
            "test_validator_agrees.py::test_write_verdicts_agree[update if on clustering IN]",
            "test_validator_agrees.py::test_write_verdicts_agree[update if on partition IN]",
            "test_validator_agrees.py::test_write_verdicts_agree[update missing clustering]",
            "test_validator_agrees.py::test_write_verdicts_agree[update missing partition key]",
            "test_validator_agrees.py::test_write_verdicts_agree[update partition key range]",
            "test_validator_agrees.py::test_write_verdicts_agree[update static by full key]",
            "test_validator_agrees.py::test_write_verdicts_agree[update with token]",
            "test_usertypes.py::test_filters_on_udt_columns_follow_the_server",
            "test_usertypes.py::test_the_server_has_no_where_relation_on_a_udt_field",
            "test_vectors.py::test_the_server_agrees_with_the_ann_rules",
        ),
    ),
    Limit(
        "Write times: the memory driver keeps none, so USING TIMESTAMP and WRITETIME() raise UnsupportedOperation.",
        (
            "test_documents.py::test_write_timestamps_decide_between_writes",
            "test_regressions.py::test_batch_timestamp_reaches_the_server",
            "test_batch_rows.py::test_every_row_of_a_batch_takes_its_timestamp",
            "test_batch_rows.py::test_rows_queued_after_the_batch_timestamp_changes_take_the_new_one",
            "test_docs_pages.py::test_page_blocks_run[writes.md]",
        ),
    ),
    Limit(
        "CQL selectors beyond columns, COUNT, TTL() and DISTINCT: CAST, toJson(), arithmetic and AS raise UnsupportedOperation (or fail to parse).",
        (
            "test_cross_driver.py::test_every_type_crosses_drivers",
            "test_cross_driver.py::test_decimals_written_by_the_scylla_driver_are_exact",
            "test_durations.py::test_durations_round_trip_exactly",
            "test_usertypes.py::test_nested_documents_read_back_equal",
            "test_compat.py::test_model_execute_raw_hydrates_documents",
        ),
    ),
    Limit(
        "Server tracing: the memory driver keeps no system_traces, so explain(analyze=True) and .trace() raise UnsupportedOperation (explain() without analyze works).",
        (
            "test_explain.py::test_explanations_agree_with_the_servers_tracing",
            "test_explain.py::test_each_analysis_reads_its_own_trace",
            "test_levels.py::test_a_models_levels_apply_to_its_reads_and_writes",
            "test_levels.py::test_a_writes_own_levels_win",
            "test_docs_pages.py::test_page_blocks_run[queries.md]",
            "test_docs_pages.py::test_page_blocks_run[production.md]",
            "test_tracing.py::test_trace_returns_the_documents_and_the_servers_record",
            "test_tracing.py::test_the_server_serves_the_level_asked_for",
        ),
    ),
    Limit(
        "Vector search (ORDER BY ... ANN OF) raises UnsupportedOperation.",
        ("test_vectors.py::test_nearest_neighbours_in_order",),
    ),
    Limit(
        "Setting one field of a non-frozen UDT (UPDATE ... SET c.f = ?) raises UnsupportedOperation in the memory store.",
        ("test_usertypes.py::test_one_field_of_a_non_frozen_udt_is_set_alone",),
    ),
    Limit(
        "A plain-CQL MemorySession returns a user-defined type's value as a dict, where the Python driver returns a named tuple.",
        ("test_migrations.py::test_autogenerate_user_defined_types_and_their_new_fields",),
    ),
    Limit(
        "Another process: the memory cluster lives in one Python process, so the coodie CLI, a second migration runner or a cursor handed to another process does not see it.",
        (
            "test_migrations.py::test_checksum_mismatch_is_reported",
            "test_migrations.py::test_cli_exit_codes_and_commands",
            "test_migrations.py::test_lock_held_by_another_runner_fails_clearly_then_expires",
            "test_migrations.py::test_two_runners_racing_in_separate_processes_apply_each_migration_once",
            "test_paging.py::test_cursor_key_lets_processes_share_cursors",
        ),
    ),
    Limit(
        "What only a network driver does: replicas and consistency levels (Unavailable), retry policies and execution profiles, timeouts, the driver's own exception as __cause__ of coodie's error, driver-specific value handling.",
        (
            "test_consistency.py::test_the_default_level_applies_to_reads_and_writes",
            "test_levels.py::test_a_batch_runs_at_its_own_level_or_its_models",
            "test_tracing.py::test_retry_policy_is_passed_to_the_driver",
            "test_tracing.py::test_execution_profiles_are_accepted_and_the_default_one_applies",
            "test_queries.py::test_consistency_and_timeout",
            "test_documents.py::test_server_errors_become_coodie_errors",
            "test_cross_driver.py::test_acsylla_refuses_decimals_rather_than_store_wrong_numbers",
            "test_given_session_rows.py::test_rows_of_a_given_session_become_documents",
        ),
    ),
    Limit(
        "Connections: credentials refused by a second node, unreachable hosts, connecting in a running loop, shutting a replaced driver down, reconnecting in a forked child. The memory driver has no connection (not run).",
        (
            "test_lifecycle.py::test_refused_credentials_are_one_authentication_error",
            "test_lifecycle.py::test_init_coodie_again_shuts_the_replaced_driver_down",
            "test_lifecycle.py::test_a_forked_child_reconnects_and_the_parent_keeps_working",
            "test_lifecycle.py::test_a_session_given_in_the_parent_is_refused_in_a_forked_child",
            "test_aio.py::test_init_coodie_connects_when_awaited",
            "test_aio.py::test_acsylla_connected_in_the_running_loop",
            "test_schema_sync.py::test_unreachable_cluster_is_a_coodie_error",
        ),
        run=False,
    ),
)


def limit_of(nodeid: str) -> Limit | None:
    """The limit that lists this test (`test_file.py::name[params]`), if any."""
    base = nodeid.split("[", 1)[0]
    for limit in LIMITS:
        if nodeid in limit.tests or base in limit.tests:
            return limit
    return None


def markdown() -> str:
    """The list as the docs show it."""
    lines = ["| reason | tests (tests/integration/) |", "|---|---|"]
    for limit in LIMITS:
        names = ", ".join(f"`{t}`" for t in limit.tests)
        lines.append(f"| {limit.reason} | {names} |")
    return "\n".join(lines)
