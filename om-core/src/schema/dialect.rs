//! What a driver provides for migrations: its schema operations rendered in its
//! dialect, and the query that lists the live database's columns (for the drift check).

use std::fmt::Debug;

use super::diff::Operation;
use super::snapshot::Schema;
use crate::error::Result;

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

}
