//! The PostgreSQL driver of om: `postgres://user:password@host:5432/database` (or
//! `postgresql://`), with libpq-style options such as `?application_name=app&sslmode=require`.
//!
//! It renders om's IR with sea-query's PostgreSQL dialect, binds every value (typed, NULLs
//! included) and runs it with sqlx. Generated keys are identity columns read back with
//! `RETURNING`; an insert that writes such a key explicitly advances its sequence, so the
//! next generated key does not collide. Nested transactions are savepoints.
#![warn(missing_docs)]
// On docs.rs, each item behind a feature is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod connect;
mod copy;
mod error;
mod executor;
mod json;
mod migration;
mod render;
mod row;

use async_trait::async_trait;
use om_core::driver::{Capabilities, Driver, Pool, Replication};
use om_core::{DatabaseUrl, Result};

pub use render::render;

/// The PostgreSQL driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDriver;

/// What PostgreSQL can do: RETURNING, case-sensitive `LIKE`, transactional DDL, and
/// 65535 bound parameters per statement (the wire protocol's limit). A raw `execute`
/// reports no last insert id: use `INSERT ... RETURNING` with `fetch_val`.
pub static CAPABILITIES: Capabilities = {
    let mut c = Capabilities::standard();
    c.max_parameters = 65535;
    c.last_insert_id = false;
    c.errors_abort_transaction = true;
    c.replication_positions = true;
    c.bulk_copy = true;
    c
};

/// PostgreSQL's replication positions: WAL locations (LSNs), one sequence.
static REPLICATION: Replication = Replication::new(
    "SELECT pg_current_wal_lsn()::text",
    "SELECT pg_last_wal_replay_lsn()::text",
    parse_lsn,
);

/// An LSN as PostgreSQL writes it (`16/B374D848`: the high and low 32 bits in hex).
fn parse_lsn(text: &str) -> Option<om_core::Position> {
    let (high, low) = text.trim().split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    Some(om_core::Position::single((high << 32) | low))
}

#[linkme::distributed_slice(om_core::driver::DRIVERS)]
static POSTGRES: &'static dyn Driver = &PostgresDriver;

#[async_trait]
impl Driver for PostgresDriver {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["postgres", "postgresql"]
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    async fn connect(&self, url: &DatabaseUrl) -> Result<Box<dyn Pool>> {
        Ok(Box::new(connect::connect(url).await?))
    }

    fn schema_dialect(&self) -> Option<&'static dyn om_core::schema::SchemaDialect> {
        Some(&migration::PostgresSchema)
    }

    fn replication(&self) -> Option<&'static Replication> {
        Some(&REPLICATION)
    }
}

/// The sqlx pool behind a PostgreSQL [`Database`](om_core::Database), for `raw_pool`.
pub type RawPool = sqlx::PgPool;

/// Typed access to the sqlx pool under a PostgreSQL [`Database`](om_core::Database), for
/// what om does not cover: `use om::postgres::DatabaseExt as _; db.postgres_pool()`.
///
/// In test mode the pool is the real one: work done on it is not rolled back.
pub trait DatabaseExt {
    /// The sqlx pool, or `None` when the database is not a PostgreSQL one.
    fn postgres_pool(&self) -> Option<&sqlx::PgPool>;
}

impl DatabaseExt for om_core::Database {
    fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        self.raw_pool::<RawPool>()
    }
}
