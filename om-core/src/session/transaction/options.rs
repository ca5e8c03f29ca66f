//! [`TransactionOptions`]: the isolation level and access mode of a transaction.

use std::fmt;

/// How much a transaction sees of concurrent ones (SQL's isolation levels).
///
/// A backend runs a transaction at the level asked for or a stricter one: SQLite
/// serializes every transaction, so any level is served as `Serializable` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// May see other transactions' uncommitted writes (PostgreSQL serves it as
    /// `ReadCommitted`).
    ReadUncommitted,
    /// Each statement sees what was committed before it began (PostgreSQL's default).
    ReadCommitted,
    /// Every statement sees what was committed before the transaction's first one
    /// (MySQL/MariaDB's default).
    RepeatableRead,
    /// As if the transactions ran one after another; the database may refuse one with
    /// a serialization failure, which [`is_retryable`](crate::Error::is_retryable).
    Serializable,
}

impl IsolationLevel {
    /// The level as SQL writes it (`READ COMMITTED`).
    pub fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

impl fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_sql())
    }
}

/// Options of a new transaction: `TransactionOptions::new().serializable().read_only()`.
///
/// The default is the database's own default level, read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TransactionOptions {
    isolation: Option<IsolationLevel>,
    read_only: bool,
}

impl TransactionOptions {
    /// The database's default level, read-write.
    pub const fn new() -> Self {
        TransactionOptions {
            isolation: None,
            read_only: false,
        }
    }

    /// Runs at isolation level `level`.
    pub const fn isolation(mut self, level: IsolationLevel) -> Self {
        self.isolation = Some(level);
        self
    }

    /// Runs at `Serializable`.
    pub const fn serializable(self) -> Self {
        self.isolation(IsolationLevel::Serializable)
    }

    /// Refuses writes: a write in the transaction fails with the database's error.
    /// Not on SQLite ([`Capabilities::read_only_transactions`](crate::Capabilities)).
    pub const fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// The isolation level asked for, if any.
    pub const fn isolation_level(&self) -> Option<IsolationLevel> {
        self.isolation
    }

    /// Whether the transaction is read-only.
    pub const fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Whether these are the defaults (a plain `BEGIN`).
    pub const fn is_default(&self) -> bool {
        self.isolation.is_none() && !self.read_only
    }
}
