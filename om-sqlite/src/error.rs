//! sqlx errors → om errors, with SQLite's messages and result codes.

use om_core::{Error, ErrorKind, TableMeta};
use om_sqlx::Classified;

/// `SQLITE_BUSY`: another connection holds a lock the statement needs.
const SQLITE_BUSY: i32 = 5;
/// `SQLITE_LOCKED`: a table is locked (shared-cache in-memory databases).
const SQLITE_LOCKED: i32 = 6;
/// `SQLITE_TOOBIG`: a text or blob larger than the connection allows.
const SQLITE_TOOBIG: i32 = 18;

/// Maps an error of a statement on `table` (when it is about one).
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    om_sqlx::map_error(e, table, |db, report| {
        // The primary result code is the low byte of the extended one.
        let primary = report
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        let classified = if let Some(missing) = missing_table(db.message()) {
            Classified::TableNotFound(Some(missing))
        } else if let Some((table, column)) = missing_column(db.message()) {
            Classified::ColumnNotFound(table, column)
        } else if matches!(primary, Some(SQLITE_BUSY | SQLITE_LOCKED)) {
            Classified::Busy
        } else if db.message().starts_with("FOREIGN KEY constraint failed") {
            // `ON DELETE RESTRICT` fails as SQLITE_CONSTRAINT_TRIGGER, which sqlx
            // does not count as a foreign-key violation.
            Classified::Constraint(ErrorKind::ForeignKeyViolation)
        } else if primary == Some(SQLITE_TOOBIG) {
            Classified::Kind(ErrorKind::Value)
        } else {
            Classified::Kind(ErrorKind::Other)
        };
        (classified, report)
    })
}

/// The table named by `no such table: name`, without its schema (`main.t`, `temp.t`).
fn missing_table(message: &str) -> Option<String> {
    let name = message.strip_prefix("no such table: ")?;
    Some(name.rsplit_once('.').map_or(name, |(_, t)| t).to_string())
}

/// The table (when named) and the column of `no such column: t.c` or `table t has no
/// column named c`.
fn missing_column(message: &str) -> Option<(Option<String>, String)> {
    if let Some(name) = message.strip_prefix("no such column: ") {
        return Some(match name.rsplit_once('.') {
            Some((table, column)) => (Some(table.to_string()), column.to_string()),
            None => (None, name.to_string()),
        });
    }
    let (table, column) = message
        .strip_prefix("table ")?
        .split_once(" has no column named ")?;
    Some((Some(table.to_string()), column.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_column_name() {
        let both = |t: &str, c: &str| Some((Some(t.to_string()), c.to_string()));
        assert_eq!(
            missing_column("no such column: people.extra"),
            both("people", "extra")
        );
        assert_eq!(
            missing_column("no such column: extra"),
            Some((None, "extra".to_string()))
        );
        assert_eq!(
            missing_column("table people has no column named extra"),
            both("people", "extra")
        );
        assert_eq!(missing_column("something else"), None);
    }

    #[test]
    fn missing_table_name() {
        assert_eq!(
            missing_table("no such table: people").as_deref(),
            Some("people")
        );
        assert_eq!(
            missing_table("no such table: main.people").as_deref(),
            Some("people")
        );
        assert_eq!(missing_table("something else"), None);
    }
}
