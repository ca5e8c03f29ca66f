//! [`Transaction`]: a unit of work that commits or rolls back as a whole; its
//! [options](TransactionOptions) and [retries](RetryPolicy).

mod options;
mod retry;

use std::fmt;

pub use options::{IsolationLevel, TransactionOptions};
pub use retry::{RetryPolicy, Retryable};

use crate::driver::{Executor, TransactionExecutor};
use crate::error::{Error, Result};
use crate::session::{Session, session_methods};

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

impl Session for Transaction<'_> {
    fn executor(&self) -> &dyn Executor {
        &*self.inner
    }
}

impl<'a> Transaction<'a> {
    pub(crate) fn new(inner: Box<dyn TransactionExecutor + 'a>) -> Self {
        Transaction { inner }
    }

    session_methods!();

    /// Runs `f` in a savepoint of this transaction: released when it returns `Ok`,
    /// rolled back (to the savepoint, keeping this transaction's earlier work) when it
    /// returns `Err`. See [`Database::transaction`](crate::Database::transaction).
    pub async fn transaction<T, E, F>(&mut self, f: F) -> std::result::Result<T, E>
    where
        F: AsyncFnOnce(&mut Transaction<'_>) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        let savepoint = self.begin().await?;
        savepoint.run(f).await
    }

    /// Runs `f` on this transaction, then commits on `Ok` and rolls back on `Err`.
    pub(crate) async fn run<T, E, F>(mut self, f: F) -> std::result::Result<T, E>
    where
        F: AsyncFnOnce(&mut Transaction<'a>) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        match f(&mut self).await {
            Ok(value) => {
                self.commit().await?;
                Ok(value)
            }
            Err(e) => {
                // The closure's error is the one to report; a failed rollback leaves
                // the transaction to be rolled back when its connection is released.
                if let Err(rollback) = self.rollback().await {
                    tracing::warn!(error = %rollback, "om: rolling back a failed transaction failed");
                }
                Err(e)
            }
        }
    }

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
