//! [`ServerError`]: what the database server said about a statement it refused.

use std::fmt;

use super::{BoxError, ErrorKind};

/// What the database server reported when it refused a statement: its code, its
/// message, and the constraint, table and column it names, where it gives them.
///
/// The [`Error`](crate::Error) variants that come from the server
/// ([`Database`](crate::Error::Database), [`Constraint`](crate::Error::Constraint),
/// [`TableNotFound`](crate::Error::TableNotFound), a server's
/// [`Busy`](crate::Error::Busy)) carry one; [`Error::server`](crate::Error::server)
/// reaches it from any of them. The driver's own error (a `sqlx::Error`) is kept too, for
/// what the portable fields leave out: see [`driver_error`](Self::driver_error).
pub struct ServerError {
    kind: ErrorKind,
    code: Option<String>,
    message: String,
    constraint: Option<String>,
    table: Option<String>,
    column: Option<String>,
    driver: Option<BoxError>,
}

impl ServerError {
    /// A report of kind `kind` with the server's `message`. Drivers fill the rest with
    /// the `with_*` methods.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ServerError {
            kind,
            code: None,
            message: message.into(),
            constraint: None,
            table: None,
            column: None,
            driver: None,
        }
    }

    /// Sets the error code (SQLSTATE, or the vendor's error number on MySQL).
    pub fn with_code(mut self, code: Option<String>) -> Self {
        self.code = code;
        self
    }

    /// Sets the constraint the server names.
    pub fn with_constraint(mut self, constraint: Option<String>) -> Self {
        self.constraint = constraint;
        self
    }

    /// Sets the table the server names.
    pub fn with_table(mut self, table: Option<String>) -> Self {
        self.table = table;
        self
    }

    /// Sets the column the server names.
    pub fn with_column(mut self, column: Option<String>) -> Self {
        self.column = column;
        self
    }

    /// Keeps the driver's own error.
    pub fn with_driver_error(mut self, error: BoxError) -> Self {
        self.driver = Some(error);
        self
    }

    /// Changes the kind (a driver that classifies after building the report).
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// The backend-independent kind of the failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The error code: PostgreSQL's and SQLite's code as they give it, MySQL's error
    /// number.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The server's own message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The constraint the server names (PostgreSQL; MySQL and SQLite name it only in
    /// the message).
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// The table the server names (PostgreSQL).
    pub fn table(&self) -> Option<&str> {
        self.table.as_deref()
    }

    /// The column the server names (PostgreSQL).
    pub fn column(&self) -> Option<&str> {
        self.column.as_deref()
    }

    /// The driver's own error, for what the fields above leave out: downcast it to
    /// `sqlx::Error` (and from there to `PgDatabaseError`, say).
    pub fn driver_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.driver.as_deref()
    }
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The driver's error repeats the message: leave it out.
        let mut s = f.debug_struct("ServerError");
        s.field("kind", &self.kind).field("code", &self.code);
        s.field("message", &self.message);
        if let Some(c) = &self.constraint {
            s.field("constraint", c);
        }
        if let Some(t) = &self.table {
            s.field("table", t);
        }
        if let Some(c) = &self.column {
            s.field("column", c);
        }
        s.finish()
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
