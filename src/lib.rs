//! om: an async object mapper for PostgreSQL, MySQL/MariaDB and SQLite.
//!
//! Derive [`Model`] on a plain struct, connect with a URL, and add, query, stream,
//! update and delete its rows:
//!
#![cfg_attr(feature = "sqlite", doc = "```")]
#![cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
//! use om::prelude::*;
//!
//! #[derive(Model, Debug, Clone, PartialEq)]
//! #[om(table = "orm_test")]
//! pub struct OrmTest {
//!     #[om(primary_key)]
//!     pub id: Option<i64>,
//!     #[om(size = 100, index)]
//!     pub name: String,
//!     pub value: Option<String>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> om::Result<()> {
//! let db = Database::connect("sqlite::memory:").await?;   // or postgres://.., mysql://..
//! db.create_all(&[OrmTest::table()]).await?;
//! let mut row = OrmTest { id: None, name: "xx".into(), value: None };
//! db.add(&mut row).await?;                                // row.id is now Some(..)
//! let found = db.query::<OrmTest>().filter(|c| c.name.eq("xx")).all().await?;
//! assert_eq!(found, [row]);
//! # Ok(()) }
//! ```
//!
//! Where to go from here:
//!
//! | to | see |
//! | --- | --- |
//! | connect (and read the URL's options) | [`Database::connect`], [`ConnectOptions`] |
//! | declare models, keys, indexes, defaults, relations | [`Model`] (the derive's attributes) |
//! | query: filter, order, page, aggregate, join, eager-load | [`Database::query`], [`Query`] |
//! | read one row by key, or stream many | [`Query::get`], [`Query::stream`] |
//! | write: add, update, upsert, bulk updates and loads | [`Database::add`], [`Database::upsert`], [`Query::update`], [`Database::bulk_insert`] |
//! | transactions, savepoints, retries | [`Database::transaction`], [`Database::transaction_with_retry`] |
//! | raw SQL that runs on every backend | [`Database::execute`], [`Database::fetch_all`] |
//! | functions that take a database or a transaction | [`Session`] |
//! | migrations generated from the models | `om::migrate` (feature `migrate`) |
//! | read replicas with read-your-writes | [`Database::connect_replicated`] |
//! | errors, by kind | [`Error`], [`ErrorKind`] |
//!
//! The modules `ir`, `sql` and `driver` of `om_core` are the driver API: an
//! application does not need them.
//!
//! In tests, [`Database::capture_statements`] counts the statements a block of code
//! runs ([`StatementCapture`] tells what counts as one), in test mode as well:
//!
#![cfg_attr(feature = "sqlite", doc = "```")]
#![cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
//! use om::prelude::*;
//!
//! #[derive(Model, Debug, Clone, PartialEq)]
//! #[om(table = "post")]
//! pub struct Post {
//!     #[om(primary_key)]
//!     pub id: Option<i64>,
//!     #[om(size = 100)]
//!     pub title: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> om::Result<()> {
//! let db = Database::connect_test("sqlite::memory:").await?;
//! db.create_all(&[Post::table()]).await?;
//!
//! let capture = db.capture_statements();
//! let mut post = Post { id: None, title: "hello".into() };
//! db.add(&mut post).await?;
//! db.transaction(async |tx| {
//!     post.title = "hello again".into();
//!     tx.update(&mut post).await
//! })
//! .await?;
//! let posts = db.query::<Post>().all().await?;
//! assert_eq!(posts, [post]);
//! assert_eq!(capture.count(), 5);
//! assert_eq!(
//!     capture.statements(),
//!     ["INSERT INTO post (1 rows)", "BEGIN", "UPDATE post", "COMMIT", "SELECT FROM post"]
//! );
//! # Ok(()) }
//! ```
//!
//! Backends are cargo features: `sqlite` (default), `postgres`, `mysql`, or
//! `all-backends`; runtimes are `runtime-tokio` (default), `runtime-smol` and
//! `runtime-async-std`; TLS is `tls` (or one of the `tls-*` variants). The
//! optional column types are features too, all on by default: `chrono` (dates and
//! times), `uuid`, `decimal` (`rust_decimal::Decimal`) and `json` (`serde_json::Value`,
//! [`Json<T>`](crate::Json) and the JSON filters).
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// A value of any serde type stored in a JSON column.
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use om_core::Json;
pub use om_core::join::{JoinQuery, JoinedRow, JoinedSide};
pub use om_core::query::{FromColumns, Mapped, Page, SelectColumns, SelectItem, Selected};
pub use om_core::{Agg, Having, Summable, count_all};
pub use om_core::{
    Capabilities, Column, ColumnMeta, ColumnSet, ColumnType, Database, DatabaseUrl, DecodeError,
    Driver, Error, ErrorKind, Executor, Expr, Field, IsolationLevel, JsonType, KeyArg, Model,
    Order, Pool, Query, ReferentialAction, Relation, Result, RetryPolicy, Retryable, Row,
    ServerError, SqlType, StatementCapture, StringEnum, TableMeta, Transaction,
    TransactionExecutor, TransactionOptions, Value, ValueOf, ValueRef, escape_like,
};
pub use om_core::{
    ColumnIndex, ConnectOptions, Executed, FromRow, IntoValues, RowRef, Session, Sql, SqlRow,
    values,
};
pub use om_core::{Numeric, Set, Upsert};
pub use om_core::{Position, ReadToken, RoutingStats};
pub use om_core::{
    aggregate, driver, expr, ir, join, json, model, options, raw, relation, schema, session, sql,
    url, value,
};

/// Migrations generated from the models: [`Migrator`](om_core::migrate::Migrator)
/// generates, applies, reverts and checks them; [`cli`](om_core::migrate::cli) is a
/// ready-made command line.
#[cfg(feature = "migrate")]
#[cfg_attr(docsrs, doc(cfg(feature = "migrate")))]
pub use om_core::migrate;

/// YAML fixtures: rows for the tables of registered models, in one transaction.
#[cfg(feature = "fixtures")]
#[cfg_attr(docsrs, doc(cfg(feature = "fixtures")))]
pub mod fixtures {
    pub use om_core::fixture_loader::{load_yaml_file, load_yaml_str};
}

/// `#[derive(Model)]`: maps a struct to a table.
pub use om_derive::Model;

/// `#[derive(FromRow)]`: reads a struct from a row by column name.
pub use om_derive::FromRow;

/// `#[derive(ColumnSet)]`: columns declared once, flattened into several models.
pub use om_derive::ColumnSet;

/// `#[derive(Enum)]`: a fieldless enum stored as the text of its variants' names.
pub use om_derive::Enum;

/// sea-query, for hand-built statements over a model's table.
pub use sea_query;

/// The sqlx om was built with (the features its drivers turned on), for what om does
/// not cover: a pool from [`Database::raw_pool`] is one of this sqlx's pools, so
/// `om::sqlx::query(..)` needs no sqlx dependency of a matching version.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql")))
)]
pub use om_sqlx::sqlx;

// The crates of om's optional column types, re-exported so that their versions match om's.

/// chrono, for date and time columns.
#[cfg(feature = "chrono")]
#[cfg_attr(docsrs, doc(cfg(feature = "chrono")))]
pub use om_core::chrono;

/// rust_decimal, for decimal columns.
#[cfg(feature = "decimal")]
#[cfg_attr(docsrs, doc(cfg(feature = "decimal")))]
pub use om_core::rust_decimal;

/// serde_json, for JSON columns.
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use om_core::serde_json;

/// uuid, for UUID columns.
#[cfg(feature = "uuid")]
#[cfg_attr(docsrs, doc(cfg(feature = "uuid")))]
pub use om_core::uuid;

/// The SQLite driver.
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use om_sqlite as sqlite;

/// The PostgreSQL driver.
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use om_postgres as postgres;

/// The MySQL / MariaDB driver.
#[cfg(feature = "mysql")]
#[cfg_attr(docsrs, doc(cfg(feature = "mysql")))]
pub use om_mysql as mysql;

/// What `#[derive(Model)]` expands to refers to this path. Not a public API.
#[doc(hidden)]
pub use om_core as __core;

/// Everything a typical user needs: `use om::prelude::*;`.
pub mod prelude {
    #[cfg(feature = "json")]
    pub use crate::Json;
    pub use crate::{
        ColumnSet, Database, Enum, Expr, FromRow, Model, ReadToken, Session, Transaction, values,
    };
    pub use futures::{StreamExt as _, TryStreamExt as _};
}
