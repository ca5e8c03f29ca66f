//! sqlx errors → om errors, with SQLite's messages and result codes.

use om_core::{Error, TableMeta};
use om_sqlx::Classified;

/// `SQLITE_BUSY`: another connection holds a lock the statement needs.
const SQLITE_BUSY: i32 = 5;
/// `SQLITE_LOCKED`: a table is locked (shared-cache in-memory databases).
const SQLITE_LOCKED: i32 = 6;

/// Maps an error of a statement on `table` (when it is about one).
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    om_sqlx::map_error(e, table, |db| {
        let code = db.code().map(|c| c.into_owned());
        // The primary result code is the low byte of the extended one.
        let primary = code
            .as_deref()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        if let Some(missing) = db.message().strip_prefix("no such table: ") {
            Classified::TableNotFound(missing.to_string())
        } else if matches!(primary, Some(SQLITE_BUSY | SQLITE_LOCKED)) {
            Classified::Busy
        } else {
            Classified::Other(code)
        }
    })
}
