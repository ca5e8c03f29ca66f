//! sqlx errors → om errors, with SQLite's codes.

use om_core::{DatabaseUrl, Error, ErrorKind, TableMeta};

/// Maps an error of a statement on `table` (when it is about one).
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
            if let Some(missing) = message.strip_prefix("no such table: ") {
                return Error::TableNotFound {
                    table: table.map_or_else(|| missing.to_string(), |t| t.name.to_string()),
                    message,
                };
            }
            Error::Database {
                code: db.code().map(|c| c.into_owned()),
                message,
            }
        }
        sqlx::Error::PoolTimedOut => Error::PoolTimedOut,
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Error::Closed,
        other => Error::Driver(Box::new(other)),
    }
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
