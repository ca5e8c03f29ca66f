//! The MySQL / MariaDB driver of om: `mysql://user:password@host:3306/database` or
//! `mariadb://...`, with `?charset=utf8mb4`-style options.
//!
//! It renders om's IR with sea-query's MySQL dialect, binds every value and runs it
//! with sqlx. One code path serves MySQL 8 and MariaDB 10.5+:
//!
//! - generated keys are read from the insert's `last_insert_id` (MySQL has no
//!   `RETURNING`);
//! - indexes are declared inside `CREATE TABLE IF NOT EXISTS` (MySQL 8 has no
//!   `CREATE INDEX IF NOT EXISTS`);
//! - unbounded text is `LONGTEXT`, but an indexed, unique or key column of unbounded
//!   text is `VARCHAR(255)`, since MySQL cannot index `TEXT` without a prefix length;
//! - timestamps are `DATETIME(6)` (microseconds kept); a UTC timestamp is stored as
//!   its UTC wall-clock time, so the session time zone does not shift it;
//! - decimals are `DECIMAL(65, 28)`, the widest MySQL column that holds every scale a
//!   `rust_decimal::Decimal` can have; UUIDs are `BINARY(16)`; JSON is `JSON` (a
//!   checked `LONGTEXT` on MariaDB, read either way).
//!
//! Tables are InnoDB in `utf8mb4` with the binary collation `utf8mb4_bin`, so text
//! compares case-sensitively (`=`, `LIKE`, `ORDER BY`), as on SQLite and PostgreSQL;
//! MySQL's default collations would ignore case. Every connection is in strict mode
//! (`STRICT_TRANS_TABLES`, added to the server's `sql_mode` when missing), so a text
//! longer than its column is refused rather than truncated. DDL is not transactional
//! on MySQL (it commits the open transaction).
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
use om_core::driver::{Capabilities, Driver, Pool, Replication};
use om_core::{DatabaseUrl, Result};

pub use render::render;

/// The MySQL / MariaDB driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct MysqlDriver;

/// What MySQL can do: no `RETURNING` (generated keys come from `last_insert_id`),
/// case-sensitive `LIKE` (om's tables use `utf8mb4_bin`), DDL that commits the open
/// transaction, text sizes enforced (strict mode), and 65535 parameters per statement.
pub static CAPABILITIES: Capabilities = mysql();

const fn mysql() -> Capabilities {
    let mut c = Capabilities::standard();
    c.returning = false;
    c.case_sensitive_like = true;
    c.transactional_ddl = false;
    c.enforces_text_size = true;
    c.max_parameters = 65535;
    c.float_nan = false;
    c.float_infinity = false;
    c
}

/// What MariaDB 10.5 and later can do besides: `INSERT ... RETURNING`, which returns
/// the keys of a multi-row insert in one statement (`add_all`).
pub static MARIADB_CAPABILITIES: Capabilities = {
    let mut c = mysql();
    c.returning = true;
    c.replication_positions = true;
    c
};

/// MariaDB's replication positions: GTID lists (`domain-server-sequence`, one per
/// domain). MySQL has no such variables: there the queries fail and a read after a
/// write goes to the primary for `read_your_writes_window`.
static REPLICATION: Replication = Replication::new(
    "SELECT @@gtid_binlog_pos",
    "SELECT @@gtid_slave_pos",
    parse_gtid_list,
);

/// A MariaDB GTID list (`0-1-100,1-2-5`); the empty list is the position before any
/// write.
fn parse_gtid_list(text: &str) -> Option<om_core::Position> {
    let mut pairs = Vec::new();
    for gtid in text.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let mut parts = gtid.split('-');
        let domain = parts.next()?.parse().ok()?;
        let _server: u32 = parts.next()?.parse().ok()?;
        let seq = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        pairs.push((domain, seq));
    }
    Some(om_core::Position::from_domains(pairs))
}

#[linkme::distributed_slice(om_core::driver::DRIVERS)]
static MYSQL: &'static dyn Driver = &MysqlDriver;

#[async_trait]
impl Driver for MysqlDriver {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn schemes(&self) -> &'static [&'static str] {
        &["mysql", "mariadb"]
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    async fn connect(&self, url: &DatabaseUrl) -> Result<Box<dyn Pool>> {
        Ok(Box::new(connect::connect(url).await?))
    }

    fn schema_dialect(&self) -> Option<&'static dyn om_core::schema::SchemaDialect> {
        Some(&migration::MysqlSchema)
    }

    fn replication(&self) -> Option<&'static Replication> {
        Some(&REPLICATION)
    }
}

/// The sqlx pool behind a MySQL [`Database`](om_core::Database), for `raw_pool`.
pub type RawPool = sqlx::MySqlPool;

/// Typed access to the sqlx pool under a MySQL [`Database`](om_core::Database), for
/// what om does not cover: `use om::mysql::DatabaseExt as _; db.mysql_pool()`.
///
/// In test mode the pool is the real one: work done on it is not rolled back.
pub trait DatabaseExt {
    /// The sqlx pool, or `None` when the database is not a MySQL one.
    fn mysql_pool(&self) -> Option<&sqlx::MySqlPool>;
}

impl DatabaseExt for om_core::Database {
    fn mysql_pool(&self) -> Option<&sqlx::MySqlPool> {
        self.raw_pool::<RawPool>()
    }
}
