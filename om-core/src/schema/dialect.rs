//! What a driver provides for migrations: its schema operations rendered in its
//! dialect, and the query that lists the live database's columns (for the drift check).

use std::fmt::Debug;

use futures::future::BoxFuture;

use super::diff::Operation;
use super::snapshot::Schema;
use crate::database::Database;
use crate::error::Result;

/// The change a migration's run makes to the history table, in the same unit as the
/// migration's statements.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum HistoryChange {
    /// Records the migration as applied.
    Record(sea_query::InsertStatement),
    /// Forgets the migration (it was reverted).
    Forget(sea_query::DeleteStatement),
}

/// A backend's migration SQL. A driver hands it out from
/// [`Driver::schema_dialect`](crate::Driver::schema_dialect).
pub trait SchemaDialect: Send + Sync + Debug {
    /// The backend's name, as [`Driver::name`](crate::Driver::name): the suffix of a
    /// migration's SQL files (`up.sqlite.sql`).
    fn name(&self) -> &'static str;

    /// The statements of `ops`, run in order on a database whose schema is `before`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`](crate::Error::InvalidMigration) when an operation
    /// does not fit `before`; [`Error::Unsupported`](crate::Error::Unsupported) when the
    /// dialect cannot do it.
    fn render(&self, ops: &[Operation], before: &Schema) -> Result<Vec<String>>;

    /// A query, without parameters, whose rows are the columns of the tables of the
    /// connection's schema (database): table name (text), column name (text), and
    /// whether the column accepts NULL (a 64-bit integer, 1 or 0).
    fn columns_query(&self) -> &'static str;

    /// Runs a migration's `statements`, then `history`, as one unit, for a dialect that
    /// needs more than a transaction for it (SQLite turns foreign keys off around the
    /// transaction, as its table-rebuild procedure requires). `None`, the default,
    /// lets the migrator run them in a transaction where DDL is transactional.
    fn run<'a>(
        &'a self,
        db: &'a Database,
        statements: &'a [String],
        history: &'a HistoryChange,
    ) -> Option<BoxFuture<'a, Result<()>>> {
        let _ = (db, statements, history);
        None
    }
}
