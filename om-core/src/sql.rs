//! The dialect-neutral half of rendering: IR → sea-query statements.
//!
//! **Driver API.** Applications do not need this module: it is for those who write a
//! driver (and for om's own drivers).
//!
//! A driver calls these, adjusts what its dialect needs (RETURNING, DDL types, index
//! placement) and builds the SQL with its own sea-query `QueryBuilder`.

pub mod cache;
pub mod ddl;
pub mod dml;
pub mod floats;
pub mod placeholders;

pub use cache::StatementCache;
pub use ddl::{column_def, create_indexes, create_table, drop_table};
pub use dml::{
    build_insert_returning, build_select, build_write, check_json, check_json_select, delete, expr,
    insert, paging, select, select_with_literal_paging, small_literal_paging, update,
};
pub use floats::{FloatSupport, check_floats, check_insert_floats, check_insert_rows_floats};
pub use placeholders::{Lexing, PlaceholderStyle, Prepared, prepare};
