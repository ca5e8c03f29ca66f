//! sqlx errors → om errors, with MySQL's and MariaDB's error numbers.

use om_core::{DatabaseUrl, Error, ErrorKind, TableMeta};
use sqlx::mysql::MySqlDatabaseError;

/// `ER_NO_SUCH_TABLE`: "Table 'db.t' doesn't exist".
const ER_NO_SUCH_TABLE: u16 = 1146;
/// `ER_BAD_TABLE_ERROR`: "Unknown table 'db.t'" (a `DROP TABLE` without `IF EXISTS`).
const ER_BAD_TABLE_ERROR: u16 = 1051;
/// `ER_DATA_TOO_LONG`: "Data too long for column 'c' at row 1" (in strict mode, which
/// every om connection is in).
const ER_DATA_TOO_LONG: u16 = 1406;

/// Maps an error of a statement on `table` (when it is about one).
///
/// Constraint errors keep their kind (1062 duplicate key → unique, 1451/1452 → foreign
/// key, 1048 → not null, 3819 or MariaDB's 4025 → check, 1406 → value too long); a
/// missing table is
/// [`Error::TableNotFound`]; any other database error keeps its MySQL error number.
pub(crate) fn map(e: sqlx::Error, table: Option<&TableMeta>) -> Error {
    match e {
        sqlx::Error::Database(db) => {
            let message = db.message().to_string();
            let kind = match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Some(ErrorKind::UniqueViolation),
                sqlx::error::ErrorKind::ForeignKeyViolation => Some(ErrorKind::ForeignKeyViolation),
                sqlx::error::ErrorKind::NotNullViolation => Some(ErrorKind::NotNullViolation),
                sqlx::error::ErrorKind::CheckViolation => Some(ErrorKind::CheckViolation),
                _ => None,
            };
            if let Some(kind) = kind {
                return Error::Constraint { kind, message };
            }
            let number = db
                .try_downcast_ref::<MySqlDatabaseError>()
                .map(MySqlDatabaseError::number);
            if number == Some(ER_DATA_TOO_LONG) {
                return Error::Constraint {
                    kind: ErrorKind::ValueTooLong,
                    message,
                };
            }
            if matches!(number, Some(ER_NO_SUCH_TABLE | ER_BAD_TABLE_ERROR)) {
                return Error::TableNotFound {
                    table: table.map_or_else(|| missing_table(&message), |t| t.name.to_string()),
                    message,
                };
            }
            Error::Database {
                code: number
                    .map(|n| n.to_string())
                    .or_else(|| db.code().map(|c| c.into_owned())),
                message,
            }
        }
        sqlx::Error::PoolTimedOut => Error::PoolTimedOut,
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Error::Closed,
        other => Error::Driver(Box::new(other)),
    }
}

/// The table named in "Table 'db.t' doesn't exist", without its database.
fn missing_table(message: &str) -> String {
    let quoted = message.split('\'').nth(1).unwrap_or(message);
    quoted.rsplit('.').next().unwrap_or(quoted).to_string()
}

/// Maps an error of opening the pool.
pub(crate) fn connect_error(url: &DatabaseUrl, e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Configuration(reason) => url.invalid(reason.to_string()),
        other => Error::Connection {
            url: url.redacted(),
            source: Box::new(other),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_table_name() {
        assert_eq!(
            missing_table("Table 'om_test_1.orm_test' doesn't exist"),
            "orm_test"
        );
        assert_eq!(missing_table("Unknown table 'db.t'"), "t");
    }
}
