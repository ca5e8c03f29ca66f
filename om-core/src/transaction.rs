//! [`Transaction`]: a unit of work that commits or rolls back as a whole.

use std::fmt;

use crate::driver::{Executor, TransactionExecutor};
use crate::error::Result;
use crate::session::session_methods;

/// An open transaction. Everything a [`Database`](crate::Database) can do, it can do;
/// `begin` on it opens a savepoint. Dropped without [`commit`](Self::commit), it is
/// rolled back.
pub struct Transaction<'a> {
    inner: Box<dyn TransactionExecutor + 'a>,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("executor", &self.inner)
            .finish()
    }
}

impl<'a> Transaction<'a> {
    pub(crate) fn new(inner: Box<dyn TransactionExecutor + 'a>) -> Self {
        Transaction { inner }
    }

    fn executor(&self) -> &dyn Executor {
        &*self.inner
    }

    session_methods!();

    /// Opens a savepoint: a transaction nested in this one, rolled back (to the
    /// savepoint) when dropped without `commit`.
    ///
    /// It borrows this transaction mutably, so the outer transaction cannot be used, nor
    /// a second savepoint opened beside it, until the savepoint ends: its rollback can
    /// only ever undo its own work.
    pub async fn begin(&mut self) -> Result<Transaction<'_>> {
        Ok(Transaction::new(self.inner.begin().await?))
    }

    /// Makes the transaction's work permanent.
    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await
    }

    /// Undoes the transaction's work.
    pub async fn rollback(self) -> Result<()> {
        self.inner.rollback().await
    }
}
