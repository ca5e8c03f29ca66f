//! The one error type of om.
//!
//! An [`Error`] either carries the error beneath it as its
//! [`source`](std::error::Error::source) or shows that error's text in its own message,
//! never both: `{:#}` (or a chain of `source()`) prints each cause once.

mod server;

use std::fmt;

pub use server::ServerError;

/// A result whose error is om's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error from a driver or a library beneath it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in om.
///
/// Each variant is a distinct situation a caller can match on; [`Error::kind`] groups
/// them further, and drivers fill [`ErrorKind`] from their database's error codes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL's scheme names no backend om knows.
    #[error("unknown database scheme `{scheme}`: known schemes are {}", known.join(", "))]
    UnknownScheme {
        /// The scheme of the URL, as given.
        scheme: String,
        /// Every scheme om knows, compiled in or not.
        known: Vec<&'static str>,
    },

    /// The URL could not be parsed, or one of its options is invalid.
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL with its password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The URL names a backend whose cargo feature is not enabled.
    #[error(
        "backend not enabled: `{scheme}` URLs need the {backend} driver; enable the cargo feature `{feature}` of om"
    )]
    BackendNotEnabled {
        /// The scheme of the URL.
        scheme: String,
        /// The backend that serves it.
        backend: &'static str,
        /// The cargo feature of `om` to enable.
        feature: &'static str,
    },

    /// A statement referred to a table that does not exist.
    #[error("table `{table}` does not exist (did you call create_all?): {server}")]
    TableNotFound {
        /// The table the statement used, as far as om knows it.
        table: String,
        /// What the server said.
        server: Box<ServerError>,
    },

    /// A statement referred to a column that its table lacks (a model with a field
    /// whose column was never added to the table).
    #[error("column `{column}` of table `{table}` does not exist: {server}")]
    ColumnNotFound {
        /// The table, as far as the server's message or the statement tells it (empty
        /// when neither does).
        table: String,
        /// The column the server names.
        column: String,
        /// What the server said.
        server: Box<ServerError>,
    },

    /// A stored value could not be decoded into the field's Rust type.
    #[error("cannot decode column `{table}.{column}`: {reason}")]
    Decode {
        /// The table of the column.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What went wrong, with the expected and the found types (shown in the
        /// message, so not a `source()`).
        reason: DecodeError,
    },

    /// A column of a row read by name or position (raw SQL, mapped rows) is missing or
    /// does not convert into the Rust type asked for.
    #[error("cannot read column `{column}` of the row: {reason}")]
    Column {
        /// The column's name, or `#i` for the position `i`.
        column: String,
        /// What went wrong, with the expected and the found types (shown in the
        /// message, so not a `source()`).
        reason: DecodeError,
    },

    /// A fixture document is malformed, or one of its rows does not fit its table.
    /// Nothing of the document was written.
    #[error("fixture entry {entry}{}: {reason}", row.map(|r| format!(", row {r}")).unwrap_or_default())]
    Fixture {
        /// The position of the entry in the document (from 0).
        entry: usize,
        /// The position of the row in the entry's `data` (from 0), when a row is at fault.
        row: Option<usize>,
        /// What is wrong.
        reason: String,
        /// The database's error, when it refused the row.
        #[source]
        source: Option<Box<Error>>,
    },

    /// `one()` found no row.
    #[error("expected one row of `{table}`, found none")]
    NotFound {
        /// The table queried.
        table: &'static str,
    },

    /// `one()` found more than one row.
    #[error("expected one row of `{table}`, found several")]
    MultipleRows {
        /// The table queried.
        table: &'static str,
    },

    /// `update` or `delete` was given an object whose primary key is not set.
    #[error(
        "cannot {operation} a `{table}` row whose primary key `{column}` is not set (add it first)"
    )]
    KeyNotSet {
        /// `update` or `delete`.
        operation: &'static str,
        /// The model's table.
        table: &'static str,
        /// The unset key column.
        column: &'static str,
    },

    /// `update` found no row with the object's key.
    #[error("no `{table}` row has the key of the object to {operation}")]
    RowNotFound {
        /// `update`.
        operation: &'static str,
        /// The model's table.
        table: &'static str,
    },

    /// `update` or `delete` of a versioned model (`#[om(version)]`) found the row at
    /// another version than the object's: someone else changed or deleted it since it
    /// was read. Nothing was written; read the row again and retry.
    #[error(
        "the `{table}` row to {operation} was changed or deleted by someone else since it was read (expected version {expected})"
    )]
    StaleObject {
        /// `update` or `delete`.
        operation: &'static str,
        /// The model's table.
        table: &'static str,
        /// The version the object held.
        expected: i64,
    },

    /// Raw SQL's placeholders and the values given differ in number; nothing ran.
    #[error("the statement has {placeholders} placeholders but {values} values were given")]
    BindCount {
        /// The values the statement's placeholders take.
        placeholders: usize,
        /// The values given.
        values: usize,
    },

    /// The query cannot run as built.
    #[error("invalid query: {reason}")]
    InvalidQuery {
        /// What is wrong with it.
        reason: String,
    },

    /// A value cannot be represented in the database (an integer out of range, ...).
    #[error("invalid value for `{table}.{column}`: {reason}")]
    InvalidValue {
        /// The table of the column.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// Why the value is refused.
        reason: String,
    },

    /// The backend cannot do what was asked; see its [`Capabilities`](crate::Capabilities).
    #[error("the {backend} backend does not support {feature}")]
    Unsupported {
        /// The backend's name.
        backend: &'static str,
        /// What it cannot do.
        feature: String,
    },

    /// A constraint of the database refused the statement.
    #[error("{kind} violation: {server}")]
    Constraint {
        /// Which kind of constraint.
        kind: ErrorKind,
        /// What the server said: its message, code, and the constraint, table and
        /// column it names.
        server: Box<ServerError>,
    },

    /// The connection is in use: a stream on this transaction is still open, or another
    /// connection holds a lock the statement needs (SQLite's `BUSY`, a lock wait that
    /// timed out on MySQL or PostgreSQL). The latter carries the server's report and is
    /// [retryable](Error::is_retryable).
    #[error("the connection is busy: {reason}")]
    Busy {
        /// What holds it.
        reason: String,
        /// What the server said, when the server reported the lock.
        server: Option<Box<ServerError>>,
    },

    /// The connection broke, or a network, TLS or protocol error happened on it.
    #[error("the database connection failed")]
    Io(#[source] BoxError),

    /// The connection broke while `COMMIT` was under way: the transaction may or may not
    /// have been applied. Do not simply run it again; read back what it wrote (or make it
    /// idempotent) to reconcile.
    #[error(
        "the connection failed during COMMIT: the transaction may or may not have been applied"
    )]
    CommitOutcomeUnknown {
        /// The error that broke the commit.
        #[source]
        source: Box<Error>,
    },

    /// An earlier error aborted the transaction: roll it back (PostgreSQL).
    #[error("the transaction was aborted by an earlier error; roll it back: {message}")]
    TransactionAborted {
        /// The database's own message.
        message: String,
    },

    /// The pool timed out waiting for a free connection.
    #[error("timed out waiting for a database connection from the pool")]
    PoolTimedOut,

    /// The pool or the transaction has been closed.
    #[error("the connection pool or transaction is closed")]
    Closed,

    /// Connecting to the database failed.
    #[error("connection to {url} failed")]
    Connection {
        /// The URL with its password replaced by `***`.
        url: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// Any other error the database reported; its [`kind`](ServerError::kind) tells a
    /// lost connection, a serialization failure or a deadlock from the rest.
    #[error("database error{code}: {0}", code = code_suffix(.0))]
    Database(Box<ServerError>),

    /// An error of the driver that fits no other variant.
    #[error("driver error")]
    Driver(#[source] BoxError),

    /// Tables given to `create_all` or `drop_all` reference each other in a cycle, so
    /// none of them can be created before the others. Nothing was run.
    #[error(
        "tables reference each other in a cycle, so none can be created first: {}",
        tables.join(" → ")
    )]
    DependencyCycle {
        /// The tables of the cycle, each referencing the next, the first repeated last.
        tables: Vec<&'static str>,
    },
    /// A migration (or the migrations folder, or a snapshot in it) cannot be read,
    /// written or used as it is.
    #[error("invalid migration: {0}")]
    InvalidMigration(String),
    /// An applied migration's files changed since it was applied: its checksum differs
    /// from the one recorded in the history table.
    #[error(
        "migration {version} `{name}` was edited after it was applied: its checksum is \
         {found}, the history table recorded {recorded}"
    )]
    MigrationChecksumMismatch {
        /// The migration's version.
        version: String,
        /// Its name.
        name: String,
        /// The checksum the history table recorded.
        recorded: String,
        /// The checksum of its files now.
        found: String,
    },
    /// A migration the history table records as applied is not in the migrations folder.
    #[error(
        "migration {version} `{name}` was applied to this database but is missing from the \
         migrations folder"
    )]
    MigrationMissing {
        /// The migration's version.
        version: String,
        /// Its name.
        name: String,
    },
    /// The live database differs from the schema the applied migrations describe.
    #[error("schema drift in table `{table}`{}: {detail}", column.as_deref().map(|c| format!(", column `{c}`")).unwrap_or_default())]
    SchemaDrift {
        /// The table that differs.
        table: String,
        /// The column that differs, if the difference is a column's.
        column: Option<String>,
        /// What differs.
        detail: String,
    },
}

/// What kind of failure an [`Error`] is, independent of the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A migration cannot be applied or reverted as it is, or the live schema differs
    /// from the migrations' (checksum mismatch, missing migration, drift).
    Migration,
    /// A unique or primary-key constraint was violated.
    UniqueViolation,
    /// A foreign-key constraint was violated.
    ForeignKeyViolation,
    /// A NOT NULL constraint was violated.
    NotNullViolation,
    /// A CHECK constraint was violated.
    CheckViolation,
    /// A text was longer than its column's size.
    ValueTooLong,
    /// The URL, its options or the backend selection is wrong.
    Configuration,
    /// A table is missing.
    TableNotFound,
    /// A column is missing from its table.
    ColumnNotFound,
    /// A value could not be encoded or decoded.
    Value,
    /// A row count was not what the call required.
    RowCount,
    /// The object's key is missing.
    KeyNotSet,
    /// The backend lacks the feature.
    Unsupported,
    /// Connection, pool or I/O trouble.
    Connection,
    /// The connection or the data is locked by other work in progress.
    Busy,
    /// The transaction must be rolled back before it can run anything else.
    TransactionAborted,
    /// Another writer changed the row first (optimistic locking).
    Conflict,
    /// The pool had no free connection within its `acquire_timeout`.
    PoolTimeout,
    /// The database refused to serialize the transaction with a concurrent one
    /// (SQLSTATE 40001, a Galera certification failure): run it again.
    SerializationFailure,
    /// The transaction was chosen as a deadlock's victim and rolled back: run it again.
    Deadlock,
    /// The connection broke during `COMMIT`: the transaction may or may not have been
    /// applied.
    OutcomeUnknown,
    /// Anything else.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::UniqueViolation => "unique constraint",
            ErrorKind::ForeignKeyViolation => "foreign key constraint",
            ErrorKind::NotNullViolation => "not null constraint",
            ErrorKind::CheckViolation => "check constraint",
            ErrorKind::ValueTooLong => "column size",
            ErrorKind::Configuration => "configuration",
            ErrorKind::TableNotFound => "missing table",
            ErrorKind::ColumnNotFound => "missing column",
            ErrorKind::Value => "value",
            ErrorKind::RowCount => "row count",
            ErrorKind::KeyNotSet => "key not set",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Connection => "connection",
            ErrorKind::Busy => "busy",
            ErrorKind::TransactionAborted => "aborted transaction",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PoolTimeout => "pool timeout",
            ErrorKind::SerializationFailure => "serialization failure",
            ErrorKind::Deadlock => "deadlock",
            ErrorKind::OutcomeUnknown => "commit outcome unknown",
            ErrorKind::Migration => "migration",
            ErrorKind::Other => "other",
        };
        f.write_str(s)
    }
}

impl Error {
    /// The backend-independent kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::UnknownScheme { .. }
            | Error::InvalidUrl { .. }
            | Error::BackendNotEnabled { .. } => ErrorKind::Configuration,
            Error::TableNotFound { .. } => ErrorKind::TableNotFound,
            Error::ColumnNotFound { .. } => ErrorKind::ColumnNotFound,
            Error::Decode { .. } | Error::InvalidValue { .. } | Error::Column { .. } => {
                ErrorKind::Value
            }
            Error::Fixture { source, .. } => source.as_ref().map_or(ErrorKind::Value, |e| e.kind()),
            Error::NotFound { .. } | Error::MultipleRows { .. } | Error::RowNotFound { .. } => {
                ErrorKind::RowCount
            }
            Error::KeyNotSet { .. } => ErrorKind::KeyNotSet,
            Error::StaleObject { .. } => ErrorKind::Conflict,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::InvalidQuery { .. } | Error::BindCount { .. } => ErrorKind::Other,
            Error::Constraint { kind, .. } => *kind,
            Error::PoolTimedOut => ErrorKind::PoolTimeout,
            Error::Closed | Error::Connection { .. } | Error::Io(_) => ErrorKind::Connection,
            Error::CommitOutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Error::Busy { .. } => ErrorKind::Busy,
            Error::TransactionAborted { .. } => ErrorKind::TransactionAborted,
            Error::Database(server) => server.kind(),
            Error::Driver(_) => ErrorKind::Other,
            Error::DependencyCycle { .. } => ErrorKind::Other,
            Error::InvalidMigration(_)
            | Error::MigrationChecksumMismatch { .. }
            | Error::MigrationMissing { .. }
            | Error::SchemaDrift { .. } => ErrorKind::Migration,
        }
    }

    /// Whether running the whole transaction again may succeed: a serialization failure,
    /// a deadlock, or a lock the server could not get in time (SQLite's `BUSY`). These
    /// are what [`Database::transaction_with_retry`](crate::Database::transaction_with_retry)
    /// retries. A lost connection is not among them: a write may have been applied.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Busy { server, .. } => server.is_some(),
            Error::Fixture {
                source: Some(e), ..
            } => e.is_retryable(),
            _ => matches!(
                self.kind(),
                ErrorKind::SerializationFailure | ErrorKind::Deadlock
            ),
        }
    }

    /// What the database server reported, when the error comes from it.
    pub fn server(&self) -> Option<&ServerError> {
        match self {
            Error::TableNotFound { server, .. }
            | Error::ColumnNotFound { server, .. }
            | Error::Constraint { server, .. }
            | Error::Database(server) => Some(server),
            Error::Busy { server, .. } => server.as_deref(),
            Error::CommitOutcomeUnknown { source } => source.server(),
            _ => None,
        }
    }

    /// Wraps a column-level decode failure with its table and column.
    pub fn decode(table: &'static str, column: &'static str, reason: DecodeError) -> Self {
        Error::Decode {
            table,
            column,
            reason,
        }
    }
}

/// ` CODE` for a report with a code, else nothing.
fn code_suffix(server: &ServerError) -> String {
    server.code().map(|c| format!(" {c}")).unwrap_or_default()
}

/// A value read from a row did not fit the Rust type asked for.
///
/// Drivers return it from [`Row`](crate::Row) accessors; the model's decoder wraps it
/// into [`Error::Decode`] with the table and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The stored type does not convert to the Rust type.
    #[error("expected {expected}, found {found}")]
    Mismatch {
        /// The Rust type of the field.
        expected: &'static str,
        /// The database's type of the stored value (and the value, when helpful).
        found: String,
    },
    /// The stored number does not fit the Rust type without loss (out of its range, a
    /// fraction read as an integer, an integer a float cannot hold exactly, a number
    /// other than 0 or 1 read as a boolean); see [`value::convert`](crate::value::convert)
    /// for the rules every backend applies.
    #[error("cannot convert {from} {value} to {to}: {reason}")]
    Lossy {
        /// The database's type of the stored value.
        from: String,
        /// The stored value.
        value: String,
        /// The Rust type asked for.
        to: &'static str,
        /// Why it does not convert.
        reason: crate::value::convert::Reason,
    },
    /// The column is NULL but the field is not an `Option`.
    #[error("expected {expected}, found NULL (make the field an Option to allow it)")]
    UnexpectedNull {
        /// The Rust type of the field.
        expected: &'static str,
    },
    /// The row has no column of the name asked for.
    #[error("the row has no column of that name")]
    UnknownColumn,
    /// The row has fewer columns than the model needs.
    #[error("the row has no column at index {index}")]
    MissingColumn {
        /// The position asked for.
        index: usize,
    },
}
