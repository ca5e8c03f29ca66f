//! The conformance cases, one module per area. Each case takes a fresh database.

pub mod errors;
pub mod query;
pub mod schema;
pub mod transaction;
pub mod types;
pub mod url;
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
        );
    };
}
