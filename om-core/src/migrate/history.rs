//! The history table, `om_migrations`: one row per applied migration, with the
//! checksum of its SQL and when it was applied (seconds since the Unix epoch).

use sea_query::{Alias, Expr, ExprTrait, Query};

use crate::error::Result;
use crate::schema::HistoryChange;
use crate::session::Session;

/// The history table's name.
pub const TABLE: &str = "om_migrations";

/// One applied migration, as the history table records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// Its version.
    pub version: String,
    /// Its name.
    pub name: String,
    /// The checksum of its SQL when it was applied.
    pub checksum: String,
    /// When it was applied, in seconds since the Unix epoch.
    pub applied_at: i64,
}

/// Creates the history table if it is missing (the same SQL on every backend).
pub(crate) async fn ensure(db: &impl Session) -> Result<()> {
    db.execute(
        "CREATE TABLE IF NOT EXISTS om_migrations (\
         version VARCHAR(64) NOT NULL PRIMARY KEY, \
         name VARCHAR(255) NOT NULL, \
         checksum VARCHAR(64) NOT NULL, \
         applied_at BIGINT NOT NULL)",
        (),
    )
    .await
    .map(drop)
}

/// The applied migrations, oldest first.
pub(crate) async fn applied(db: &impl Session) -> Result<Vec<AppliedMigration>> {
    let mut select = Query::select();
    select
        .columns(["version", "name", "checksum", "applied_at"].map(Alias::new))
        .from(Alias::new(TABLE));
    let mut rows = Vec::new();
    for row in db.fetch_all(select, ()).await? {
        rows.push(AppliedMigration {
            version: row.get(0)?,
            name: row.get(1)?,
            checksum: row.get(2)?,
            applied_at: row.get(3)?,
        });
    }
    rows.sort_by(|a, b| super::folder::version_order(&a.version, &b.version));
    Ok(rows)
}

/// The statement that records `version` as applied.
pub(crate) fn record(version: &str, name: &str, checksum: &str) -> Result<HistoryChange> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default();
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(TABLE))
        .columns(["version", "name", "checksum", "applied_at"].map(Alias::new))
        .values([version.into(), name.into(), checksum.into(), now.into()])
        .map_err(|e| crate::Error::InvalidMigration(e.to_string()))?;
    Ok(HistoryChange::Record(insert))
}

/// The statement that forgets `version` (it was reverted).
pub(crate) fn forget(version: &str) -> HistoryChange {
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("version")).eq(version));
    HistoryChange::Forget(delete)
}

/// Runs a history change.
pub(crate) async fn run(db: &impl Session, change: &HistoryChange) -> Result<()> {
    match change {
        HistoryChange::Record(insert) => db.execute(insert, ()).await.map(drop),
        HistoryChange::Forget(delete) => db.execute(delete, ()).await.map(drop),
    }
}
