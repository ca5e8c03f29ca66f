//! sqlx errors → om errors, with SQLite's messages.

use om_core::{Error, TableMeta};
use om_sqlx::Classified;

pub(crate) use om_sqlx::connect_error;

/// Maps an error of a statement on `table` (when it is about one).
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    om_sqlx::map_error(e, table, |db| {
        match db.message().strip_prefix("no such table: ") {
            Some(missing) => Classified::TableNotFound(missing.to_string()),
            None => Classified::Other(db.code().map(|c| c.into_owned())),
        }
    })
}
