//! The conformance cases, one module per area. Each case takes a fresh database.

pub mod aggregates;
pub mod bulk_update;
pub mod cancellation;
pub mod column_sets;
pub mod eager;
pub mod enums;
pub mod errors;
pub mod extremes;
pub mod faults;
pub mod fixtures;
pub mod inheritance;
pub mod isolation;
pub mod join;
pub mod json;
pub mod ledger;
pub mod logging;
pub mod mappers;
pub mod pagination;
pub mod pool;
pub mod pool_exhaustion;
pub mod properties;
pub mod query;
pub mod raw;
pub mod relation_filters;
pub mod relations;
pub mod replicas;
pub mod reserved;
pub mod retry;
pub mod schema;
pub mod session;
pub mod statements;
pub mod test_mode;
pub mod transaction;
pub mod types;
pub mod upsert;
pub mod url;
pub mod versioning;
pub mod write;

/// Calls `__case_tests!` with every case. Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! for_each_case {
    ($($args:tt)*) => {
        $crate::__case_tests!($($args)*
            schema::create_all_is_idempotent,
            schema::drop_all_removes_tables,
            schema::unique_index_is_enforced,
            schema::text_size_is_enforced_or_declared,
            schema::long_names_keep_their_indexes,
            schema::create_all_orders_by_dependencies,
            schema::drop_all_orders_by_dependencies,
            schema::missing_parent_table_is_named,
            relations::foreign_keys_order_the_schema,
            relations::foreign_key_cycle_is_refused,
            relations::foreign_key_violation_is_typed,
            relations::delete_cascades_and_sets_null,
            relations::delete_is_restricted,
            relations::belongs_to_reads_the_referenced_row,
            relations::related_rows_of_one_object,
            relations::add_related_fills_the_foreign_key,
            relations::update_cascades_to_a_referencing_column,
            eager::eager_load_three_levels,
            eager::eager_load_many_to_many,
            eager::eager_load_per_parent_filter_order_limit,
            eager::eager_load_to_one_and_several,
            eager::eager_load_self_relation,
            eager::eager_load_chunks_long_key_lists,
            eager::eager_load_across_inheritance,
            relation_filters::any_keeps_rows_with_a_matching_related_row,
            relation_filters::any_through_join_models_and_nested,
            relation_filters::self_relation_filters_read_right,
            relation_filters::any_across_inheritance,
            bulk_update::bulk_update_sets_values_and_expressions,
            bulk_update::bulk_update_applies_on_update_values,
            bulk_update::bulk_update_refuses_bad_queries,
            bulk_update::bulk_update_bumps_the_version,
            bulk_update::bulk_update_across_inheritance,
            bulk_update::update_columns_leaves_other_columns,
            bulk_update::update_columns_checks_the_version,
            upsert::upsert_by_key_inserts_then_updates,
            upsert::upsert_by_unique_column_writes_back_existing_key,
            upsert::upsert_all_writes_back_every_key,
            upsert::upsert_refuses_bad_input,
            upsert::get_or_create_is_race_free,
            write::add_writes_back_generated_key,
            write::add_keeps_user_set_key,
            write::add_writes_zero_false_and_empty,
            write::add_fills_defaults,
            write::add_keeps_given_value_over_default,
            write::add_all_writes_every_key,
            write::add_all_is_atomic,
            write::update_writes_fields,
            write::update_without_changes_succeeds,
            write::update_applies_on_update,
            write::update_and_delete_need_a_key,
            write::update_of_missing_row_fails,
            write::delete_removes_the_row,
            write::composite_key_get_update_delete,
            write::failed_writes_leave_the_object_unchanged,
            write::generated_key_too_large_for_the_field,
            write::generated_keys_of_every_width,
            versioning::add_starts_the_version_at_one,
            versioning::update_bumps_the_version,
            versioning::stale_update_fails_and_changes_nothing,
            versioning::stale_delete_fails_and_keeps_the_row,
            versioning::concurrent_updates_have_one_winner,
            versioning::versioned_child_is_checked_across_its_tables,
            versioning::version_in_a_child_table,
            column_sets::column_set_columns_in_each_table,
            column_sets::column_set_in_a_child_model,
            inheritance::child_add_and_get,
            inheritance::child_queries_see_both_tables,
            inheritance::child_update_writes_both_tables,
            inheritance::child_delete_removes_every_row,
            inheritance::grandchild_spans_three_tables,
            inheritance::child_add_is_atomic,
            inheritance::join_to_a_child_model,
            inheritance::join_to_a_child_model_on_its_own_columns,
            inheritance::left_join_to_a_child_model_skips_other_roots,
            inheritance::child_model_joined_from_a_child_model,
            inheritance::children_of_one_parent_cannot_be_joined,
            join::left_join_pairs_every_row,
            join::inner_join_filters_counts_and_streams,
            join::join_of_the_same_table_is_refused,
            join::three_table_inner_chain,
            join::three_table_left_joins_give_none,
            join::four_and_five_tables,
            join::filter_and_order_on_the_third_table,
            join::count_and_stream_at_depth_three,
            join::table_joined_again_at_depth_three_is_refused,
            write::add_all_batches_generated_keys,
            query::get_by_key,
            query::filters_and_together,
            query::comparison_operators,
            query::like_patterns,
            query::like_escapes_wildcards,
            query::in_and_not_in,
            query::null_checks,
            query::boolean_combinators,
            query::order_by_columns,
            query::limit_and_offset,
            query::first_row,
            query::one_and_one_or_none,
            query::count_and_exists,
            query::bulk_delete,
            query::bulk_delete_refuses_paging,
            query::stream_rows,
            query::stream_alongside_other_queries,
            query::write_during_pool_stream,
            query::renamed_column,
            errors::missing_table,
            errors::missing_column,
            errors::undecodable_value,
            errors::null_into_required_field,
            errors::too_many_parameters,
            url::unknown_scheme,
            url::malformed_url,
            url::invalid_pool_options,
            url::password_is_never_shown,
            url::sqlite_urls,
            url::sqlite_memory_typos_suggest_the_right_url,
            url::pool_options_are_applied,
            url::min_connections_are_opened,
            url::tls_requirement_is_checked,
            url::absurd_numbers_are_refused,
            url::malformed_urls_hide_their_password,
            url::url_without_a_host_is_refused,
            url::unreachable_server_fails_fast,
            types::all_types_round_trip,
            types::integer_limits,
            types::nullable_types_round_trip,
            types::decimal_comparisons,
            types::narrow_and_unsigned_integers,
            types::nullable_narrow_integers,
            enums::string_enums_round_trip,
            extremes::hostile_texts_round_trip,
            extremes::float_limits_and_specials,
            extremes::date_range_ends,
            extremes::decimals_stay_exact,
            json::json_typed_round_trip,
            json::json_text_at_path,
            json::json_has_key,
            json::json_contains,
            transaction::commit_rollback_and_drop,
            transaction::savepoints,
            transaction::savepoint_dropped_before_commit,
            transaction::stream_in_transaction_refuses_other_statements,
            transaction::failed_stream_releases_its_connection,
            transaction::commit_after_an_error,
            transaction::handles_and_futures_are_send,
            session::closure_commits_on_ok,
            session::closure_rolls_back_on_err,
            session::nested_closure_is_a_savepoint,
            session::session_trait_takes_database_or_transaction,
            isolation::concurrent_transactions_are_isolated,
            isolation::dropped_transaction_returns_a_clean_connection,
            raw::raw_execute_reports_rows_and_key,
            raw::raw_rows_by_name_and_position,
            raw::raw_row_errors_are_typed,
            raw::sea_query_statements_run_on_every_backend,
            raw::portable_placeholders,
            raw::wrong_bind_counts_are_refused_before_running,
            raw::fetch_val_of_no_row,
            raw::execute_many_is_all_or_nothing,
            test_mode::test_mode_leaves_no_rows_after_close,
            fixtures::fixtures_load_rows_of_every_type,
            fixtures::fixture_with_a_bad_row_writes_nothing,
            logging::statements_are_logged,
            statements::model_operations_are_counted,
            statements::transactions_are_counted,
            statements::raw_sql_is_counted,
            statements::overlapping_captures_and_clones,
            statements::dropping_a_capture_stops_it,
            statements::test_mode_statements_are_counted,
            aggregates::aggregates_over_the_match,
            aggregates::aggregates_grouped_with_having,
            aggregates::aggregates_distinct_rows,
            aggregates::aggregates_refuse_what_backends_read_differently,
            pagination::page_with_total,
            pagination::keyset_pages_are_stable_under_inserts,
            pagination::keyset_refuses_a_null_cursor,
            mappers::map_rows_into_another_type,
            mappers::select_columns_into_tuples,
            mappers::rows_into_structs_and_tuples,
            pool::raw_pool_is_reachable_and_typed,
            errors::errors_keep_their_cause,
            faults::killed_connection_is_a_connection_error,
            faults::commit_on_a_lost_connection_is_outcome_unknown,
            faults::kill_storm,
            cancellation::cancelled_transactions_leave_nothing_open,
            cancellation::cancelled_queries_return_their_connections,
            cancellation::wrong_bind_counts_leave_the_pool_usable,
            cancellation::statements_after_a_cancelled_one_are_refused,
            retry::serialization_failures_are_retried,
            retry::only_retryable_errors_are_retried,
            retry::deadlocks_are_typed_and_retryable,
            retry::read_only_transactions_refuse_writes,
            retry::isolation_levels_are_applied,
            ledger::concurrency_ledger,
            properties::random_filters_match_the_model,
            properties::random_orderings_and_pages_match_the_model,
            reserved::reserved_word_identifiers,
            pool_exhaustion::every_entry_point_times_out_on_an_exhausted_pool,
            replicas::replica_serves_reads_primary_takes_writes,
            replicas::read_token_passes_between_handles,
            replicas::unreachable_replica_is_left_out,
            replicas::strong_reads_see_every_committed_write,
        );
    };
}
