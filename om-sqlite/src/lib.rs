//! The SQLite driver of om: `sqlite::memory:`, `sqlite://relative.db`,
//! `sqlite:///absolute/path.db`, with `?mode=rwc`-style options.
//!
//! It renders om's IR with sea-query's SQLite dialect, binds every value and runs it
//! with sqlx. An in-memory database is one database for the whole pool: every pooled
//! connection sees the same tables.
#![warn(missing_docs)]
// On docs.rs, each item behind a feature is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod connect;
mod error;
mod executor;
mod json;
mod migration;
mod render;
mod row;

use async_trait::async_trait;
use om_core::driver::{Capabilities, Driver, Pool};
use om_core::{DatabaseUrl, Result};

pub use render::render;

/// The SQLite driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDriver;

/// What SQLite can do: RETURNING, transactional DDL, 32766 parameters per statement;
/// its `LIKE` ignores ASCII case, it stores text longer than `VARCHAR(n)` whole, one
/// transaction at a time may write, and a transaction cannot be opened read-only (every
/// transaction is serializable, whatever level is asked for).
pub static CAPABILITIES: Capabilities = {
    let mut c = Capabilities::standard();
    c.case_sensitive_like = false;
    c.enforces_text_size = false;
    c.decimal_ordering = false;
    c.concurrent_write_transactions = false;
    c.json_contains = false;
    c.float_nan = false;
    c.read_only_transactions = false;
    c.connections_can_be_lost = false;
    c
};

/// An in-memory database can do what a file can, except write-ahead logging: a write
/// that meets an open stream on the same database, and a read that meets another
/// connection's uncommitted writes, wait the busy timeout and fail with `Error::Busy`.
pub static MEMORY_CAPABILITIES: Capabilities = {
    let mut c = Capabilities::standard();
    c.case_sensitive_like = false;
    c.enforces_text_size = false;
    c.write_during_stream = false;
    c.decimal_ordering = false;
    c.concurrent_write_transactions = false;
    c.read_during_write_transaction = false;
    c.json_contains = false;
    c.float_nan = false;
    c.read_only_transactions = false;
    c.connections_can_be_lost = false;
    c
};

#[linkme::distributed_slice(om_core::driver::DRIVERS)]
static SQLITE: &'static dyn Driver = &SqliteDriver;

#[async_trait]
impl Driver for SqliteDriver {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["sqlite"]
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    async fn connect(&self, url: &DatabaseUrl) -> Result<Box<dyn Pool>> {
        Ok(Box::new(connect::connect(url).await?))
    }

    fn schema_dialect(&self) -> Option<&'static dyn om_core::schema::SchemaDialect> {
        Some(&migration::SqliteSchema)
    }
}

/// The sqlx pool behind a SQLite [`Database`](om_core::Database), for `raw_pool`.
pub type RawPool = sqlx::SqlitePool;

/// Typed access to the sqlx pool under a SQLite [`Database`](om_core::Database), for
/// what om does not cover: `use om::sqlite::DatabaseExt as _; db.sqlite_pool()`.
///
/// In test mode the pool is the real one: work done on it is not rolled back.
pub trait DatabaseExt {
    /// The sqlx pool, or `None` when the database is not a SQLite one.
    fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool>;
}

impl DatabaseExt for om_core::Database {
    fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        self.raw_pool::<RawPool>()
    }
}
