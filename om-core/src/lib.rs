//! The core of om, an async object mapper.
//!
//! om-core owns what every backend shares and knows no SQL dialect:
//!
//! - model metadata ([`TableMeta`], [`ColumnMeta`]) built at compile time by `#[derive(Model)]`;
//! - typed column handles ([`Column`]) and the expressions they build ([`Expr`]);
//! - the query IR ([`ir`]) that drivers render into their own dialect;
//! - values and the row-access abstraction ([`Row`]);
//! - the object-safe [`Driver`] and [`Executor`] traits and the URL-scheme registry;
//! - [`Database`], [`Transaction`] and the user-facing [`Query`] (with its row mappers);
//! - the [`Session`] trait both implement, raw SQL ([`raw`]) and [`FromRow`];
//! - om's own connection options ([`ConnectOptions`]): test mode and statement logging;
//! - relations ([`relation`]): foreign keys, eager loading and relation filters;
//! - the schema ([`schema`]): tables after the tables they reference, snapshots of it
//!   and their differences; migrations generated from them ([`migrate`], feature
//!   `migrate`);
//! - the YAML fixture loader (feature `fixtures`);
//! - the one error enum, [`Error`].
#![warn(missing_docs)]
// On docs.rs, each item behind a feature is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod aggregate;
pub mod column;
pub mod column_set;
pub mod driver;
pub mod error;
pub mod expr;
#[cfg(feature = "fixtures")]
pub mod fixture_loader;
pub mod from_row;
pub mod ir;
pub mod join;
pub mod json;
#[cfg(feature = "migrate")]
pub mod migrate;
pub mod model;
pub mod options;
pub mod query;
pub mod raw;
pub mod relation;
pub mod row;
pub mod schema;
pub mod sql;
pub mod string_enum;
#[cfg(any(test, feature = "driver-tests"))]
#[doc(hidden)]
pub mod test_tables;
pub mod url;
pub mod value;

mod inherit;
mod logging;
pub mod session;
pub use session::{database, transaction};
mod upsert;
mod version;
mod write;

pub use aggregate::{Agg, Having, Summable, count_all};
pub use column::{Column, Numeric, Set, escape_like};
pub use column_set::ColumnSet;

pub use database::{Database, RoutingStats};
pub use driver::{Capabilities, Driver, Executor, Pool, Replication, TransactionExecutor};
pub use error::{DecodeError, Error, ErrorKind, Result, ServerError};
pub use expr::{Expr, Order};
pub use from_row::FromRow;
pub use join::{JoinQuery, JoinedRow, JoinedSide};
#[cfg(feature = "json")]
pub use json::Json;
pub use json::{JsonFilter, JsonSyntax, JsonType};
pub use logging::StatementCapture;
pub use model::{ColumnMeta, ColumnType, DatabaseDefault, DefaultValue, Model, TableMeta, Undo};
pub use options::ConnectOptions;
pub use query::Query;
pub use raw::{ColumnIndex, Executed, IntoValues, RowRef, Sql, SqlRow};
pub use relation::{ForeignKey, ReferentialAction, Relation};
pub use row::Row;
pub use session::Session;
pub use session::position::{Position, ReadToken};
pub use string_enum::StringEnum;
pub use transaction::{IsolationLevel, RetryPolicy, Retryable, Transaction, TransactionOptions};
pub use upsert::Upsert;
pub use url::DatabaseUrl;
pub use value::{Field, KeyArg, SqlType, Value, ValueOf, ValueRef};

// The crates of the optional column types om stores, for the facade to re-export.
#[cfg(feature = "chrono")]
#[doc(no_inline)]
pub use chrono;
#[cfg(feature = "decimal")]
#[doc(no_inline)]
pub use rust_decimal;
#[cfg(feature = "json")]
#[doc(no_inline)]
pub use serde_json;
#[cfg(feature = "uuid")]
#[doc(no_inline)]
pub use uuid;

/// Re-exports that `#[derive(Model)]` expands to. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::model::__assert;
}
