//! sqlx errors → om errors: what every backend shares, with a hook for its own codes.

use om_core::error::BoxError;
use om_core::url::PoolOptions;
use om_core::{DatabaseUrl, Error, ErrorKind, ServerError, TableMeta};
use sqlx::error::DatabaseError;

/// How a backend classifies a database error that sqlx's own kinds (unique, foreign
/// key, not null, check) leave open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// A table is missing: its name as the message gives it, when the message names
    /// one. That is the table reported, rather than the statement's: a statement on a
    /// child model also reads its parent's tables.
    TableNotFound(Option<String>),
    /// A column is missing: its table (when the message names it) and its name.
    ColumnNotFound(Option<String>, String),
    /// A value is longer than its column allows.
    ValueTooLong,
    /// A constraint that sqlx's kinds miss (SQLite reports an `ON DELETE RESTRICT`
    /// refusal as a trigger's), of this kind.
    Constraint(ErrorKind),
    /// Another connection holds a lock the statement needs.
    Busy,
    /// An earlier error aborted the transaction.
    TransactionAborted,
    /// Anything else, of this kind (`Other` when nothing more is known).
    Kind(ErrorKind),
}

/// Maps an error of a statement on `table` (when it is about one): a missing table is
/// the one the server names (the statement's `table` only when it names none),
/// constraint
/// violations by sqlx's kinds, the rest by the backend's `classify`, which may also
/// fill in what its database tells beyond sqlx's portable fields (a vendor error
/// number as the code, a column).
pub fn map_error(
    error: sqlx::Error,
    table: Option<&TableMeta>,
    classify: impl FnOnce(&dyn DatabaseError, ServerError) -> (Classified, ServerError),
) -> Error {
    match error {
        sqlx::Error::Database(db) => {
            let constraint_kind = match db.kind() {
                sqlx::error::ErrorKind::UniqueViolation => Some(ErrorKind::UniqueViolation),
                sqlx::error::ErrorKind::ForeignKeyViolation => Some(ErrorKind::ForeignKeyViolation),
                sqlx::error::ErrorKind::NotNullViolation => Some(ErrorKind::NotNullViolation),
                sqlx::error::ErrorKind::CheckViolation => Some(ErrorKind::CheckViolation),
                _ => None,
            };
            let report =
                ServerError::new(constraint_kind.unwrap_or(ErrorKind::Other), db.message())
                    .with_code(db.code().map(|c| c.into_owned()))
                    .with_constraint(db.constraint().map(str::to_string))
                    .with_table(db.table().map(str::to_string));
            let (classified, report) = classify(&*db, report);
            let report = report.with_driver_error(Box::new(sqlx::Error::Database(db)));
            if let Some(kind) = constraint_kind {
                return Error::Constraint {
                    kind,
                    server: Box::new(report.with_kind(kind)),
                };
            }
            match classified {
                Classified::TableNotFound(missing) => Error::TableNotFound {
                    table: missing
                        .or_else(|| table.map(|t| t.name.to_string()))
                        .unwrap_or_else(|| report.message().to_string()),
                    server: Box::new(report.with_kind(ErrorKind::TableNotFound)),
                },
                Classified::ColumnNotFound(missing, column) => Error::ColumnNotFound {
                    table: missing
                        .or_else(|| table.map(|t| t.name.to_string()))
                        .unwrap_or_default(),
                    column,
                    server: Box::new(report.with_kind(ErrorKind::ColumnNotFound)),
                },
                Classified::ValueTooLong => Error::Constraint {
                    kind: ErrorKind::ValueTooLong,
                    server: Box::new(report.with_kind(ErrorKind::ValueTooLong)),
                },
                Classified::Constraint(kind) => Error::Constraint {
                    kind,
                    server: Box::new(report.with_kind(kind)),
                },
                Classified::Busy => Error::Busy {
                    reason: report.message().to_string(),
                    server: Some(Box::new(report.with_kind(ErrorKind::Busy))),
                },
                Classified::TransactionAborted => Error::TransactionAborted {
                    message: report.message().to_string(),
                },
                Classified::Kind(kind) => Error::Database(Box::new(report.with_kind(kind))),
            }
        }
        sqlx::Error::PoolTimedOut => Error::PoolTimedOut,
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => Error::Closed,
        e @ (sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_)) => {
            Error::Io(cause(e))
        }
        other => Error::Driver(Box::new(other)),
    }
}

/// The cause to keep of a sqlx error: for I/O and TLS errors the error beneath sqlx's,
/// whose text sqlx's own message repeats (so a printed chain would show it twice).
fn cause(error: sqlx::Error) -> BoxError {
    match error {
        sqlx::Error::Io(io) => Box::new(io),
        sqlx::Error::Tls(tls) => tls,
        other => Box::new(other),
    }
}

/// Maps an error of opening a pool for `url`. Only the redacted URL appears in it;
/// sqlx's own errors never carry the password.
pub fn connect_error(url: &DatabaseUrl, error: sqlx::Error) -> Error {
    match error {
        sqlx::Error::Configuration(reason) => url.invalid(reason.to_string()),
        other => Error::Connection {
            url: url.redacted(),
            source: cause(other),
        },
    }
}

/// Opens a pool: one connection is made first, on its own, so that a wrong host, port,
/// user or password fails at once with the database's own reason (a pool would retry
/// until `acquire_timeout` and report only that it timed out).
pub async fn open_pool<DB: sqlx::Database>(
    url: &DatabaseUrl,
    pool: sqlx::pool::PoolOptions<DB>,
    options: <DB::Connection as sqlx::Connection>::Options,
) -> om_core::Result<sqlx::Pool<DB>> {
    use sqlx::{ConnectOptions, Connection};
    let options = crate::sqlx_logging(url, options);
    let connect_timeout = url.pool_options()?.connect_timeout;
    let first = match connect_timeout {
        None => options.connect().await,
        Some(limit) => sqlx_core::rt::timeout(limit, options.connect())
            .await
            .unwrap_or_else(|_| {
                Err(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection within connect_timeout ({limit:?})"),
                )))
            }),
    };
    let first = first.map_err(|e| connect_error(url, e))?;
    let _ = first.close().await;
    pool.connect_with(options)
        .await
        .map_err(|e| connect_error(url, e))
}

/// sqlx pool settings from the URL's shared options.
pub fn pool_options<DB: sqlx::Database>(options: &PoolOptions) -> sqlx::pool::PoolOptions<DB> {
    let mut pool = sqlx::pool::PoolOptions::<DB>::new();
    if let Some(n) = options.max_connections {
        pool = pool.max_connections(n);
    }
    if let Some(n) = options.min_connections {
        pool = pool.min_connections(n);
    }
    if let Some(t) = options.acquire_timeout.or(options.connect_timeout) {
        pool = pool.acquire_timeout(t);
    }
    pool
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::fmt;

    use super::*;

    /// A database error with a message and nothing else.
    #[derive(Debug)]
    struct Fake(&'static str);

    impl fmt::Display for Fake {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Fake {}

    impl DatabaseError for Fake {
        fn message(&self) -> &str {
            self.0
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            None
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    static CHILD: TableMeta = TableMeta {
        name: "child",
        model: "Child",
        columns: &[],
        primary_key: &[],
        parent: None,
    };

    fn missing(named: Option<&'static str>, table: Option<&TableMeta>) -> Error {
        map_error(
            sqlx::Error::Database(Box::new(Fake("relation \"parent\" does not exist"))),
            table,
            |_, report| (Classified::TableNotFound(named.map(str::to_string)), report),
        )
    }

    fn table_of(error: &Error) -> Option<&str> {
        match error {
            Error::TableNotFound { table, .. } => Some(table),
            _ => None,
        }
    }

    #[test]
    fn the_missing_table_is_the_one_the_server_names() {
        let err = missing(Some("parent"), Some(&CHILD));
        assert_eq!(table_of(&err), Some("parent"), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::TableNotFound);
        assert!(err.to_string().contains("relation \"parent\""), "{err}");
        // A message that names none: the statement's table, else the message.
        let err = missing(None, Some(&CHILD));
        assert_eq!(table_of(&err), Some("child"), "{err:?}");
        let err = missing(None, None);
        assert_eq!(
            table_of(&err),
            Some("relation \"parent\" does not exist"),
            "{err:?}"
        );
    }
}
