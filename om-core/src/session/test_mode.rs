//! Test mode (encode/databases' `force_rollback`): a pool whose every statement runs in
//! one transaction on one connection, rolled back when the database is closed or
//! dropped.
//!
//! Statements from several tasks take turns on the connection; a stream reads its rows
//! in one go in its turn, so it never holds the connection between reads. `begin` opens a
//! savepoint of the one transaction, written here with plain `SAVEPOINT` statements
//! (the same on every backend om supports), so that the savepoint does not borrow the
//! connection between its statements.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use futures::lock::{Mutex, MutexGuard};

use crate::driver::savepoint_end;
use crate::driver::{
    Capabilities, Executor, Pool, PoolStatus, RowSink, RowStream, TransactionExecutor,
};
use crate::error::{Error, Result};
use crate::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use crate::raw::Executed;
use crate::transaction::TransactionOptions;

/// The pool of a database in test mode.
pub(crate) struct ForceRollback {
    real: Box<dyn Pool>,
    backend: &'static str,
    capabilities: &'static Capabilities,
    /// The one transaction.
    tx: Box<dyn TransactionExecutor>,
    /// Taken for each statement (or stream), so that statements take turns.
    turns: Mutex<()>,
    /// Set when the database is closed: the transaction is rolled back, and every
    /// later statement fails with `Closed`.
    closed: AtomicBool,
    /// Rollbacks of savepoints dropped unfinished, run before the next statement.
    pending: std::sync::Mutex<Vec<String>>,
    next_savepoint: AtomicU32,
}

impl fmt::Debug for ForceRollback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForceRollback")
            .field("backend", &self.backend)
            .finish()
    }
}

/// The transaction, locked for one statement (or one stream).
struct Turn<'a> {
    _guard: MutexGuard<'a, ()>,
    tx: &'a dyn TransactionExecutor,
}

impl ForceRollback {
    /// Opens the one transaction on `real`.
    pub(crate) async fn new(real: Box<dyn Pool>) -> Result<Self> {
        let tx = real.begin_owned(TransactionOptions::new()).await?;
        Ok(ForceRollback {
            backend: real.backend(),
            capabilities: real.capabilities(),
            real,
            tx,
            turns: Mutex::new(()),
            closed: AtomicBool::new(false),
            pending: std::sync::Mutex::new(Vec::new()),
            next_savepoint: AtomicU32::new(0),
        })
    }

    async fn turn(&self) -> Result<Turn<'_>> {
        let guard = self.turns.lock().await;
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        let tx = &*self.tx;
        let pending = {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *pending)
        };
        for sql in pending {
            tx.execute(&plain(sql)).await?;
        }
        Ok(Turn { _guard: guard, tx })
    }

    /// Runs one statement in its turn. A statement of the database itself (`guarded`)
    /// runs, where an error aborts the transaction (PostgreSQL), in a savepoint of its
    /// own: a failed statement then leaves the test transaction usable, as it leaves a
    /// pool usable outside test mode. Statements of a savepoint the user opened behave
    /// as in any transaction.
    async fn run<'s, T, F, Fut>(&'s self, guarded: bool, run: F) -> Result<T>
    where
        F: FnOnce(&'s dyn TransactionExecutor) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let turn = self.turn().await?;
        if !(guarded && self.capabilities.errors_abort_transaction) {
            return run(turn.tx).await;
        }
        turn.tx
            .execute(&plain(format!("SAVEPOINT {STATEMENT_SAVEPOINT}")))
            .await?;
        let outcome = run(turn.tx).await;
        for sql in savepoint_end(STATEMENT_SAVEPOINT, outcome.is_ok()) {
            turn.tx.execute(&plain(sql)).await?;
        }
        outcome
    }

    async fn run_plain(&self, sql: String) -> Result<()> {
        self.turn().await?.tx.execute(&plain(sql)).await.map(drop)
    }

    fn defer(&self, statements: impl IntoIterator<Item = String>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend(statements);
    }

    async fn savepoint(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        let n = self.next_savepoint.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("om_test_sp_{n}");
        self.run_plain(format!("SAVEPOINT {name}")).await?;
        Ok(Box::new(Savepoint {
            owner: self,
            name,
            finished: false,
        }))
    }

    /// A stream reads its rows in one go, in its turn, then hands them out: so that
    /// other statements (of this task or another) never wait for a half-read stream.
    fn stream_on(&self, guarded: bool, stmt: Statement) -> RowStream<'_> {
        RowStream::from_boxed(async_stream::try_stream! {
            let rows = self
                .run(guarded, |tx| async move {
                    let mut inner = tx.stream(stmt);
                    let mut rows = Vec::new();
                    while let Some(row) = inner.next().await {
                        rows.push(row?);
                    }
                    Ok(rows)
                })
                .await?;
            for row in rows {
                yield row;
            }
        })
    }
}

/// The savepoint around each statement of the database itself, where an error aborts
/// the transaction.
const STATEMENT_SAVEPOINT: &str = "om_test_statement";

fn plain(sql: String) -> Statement {
    Statement::Raw {
        sql,
        values: Vec::new(),
    }
}

#[async_trait]
impl Executor for ForceRollback {
    fn backend(&self) -> &'static str {
        self.backend
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.capabilities
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        self.run(true, |tx| tx.execute(stmt)).await
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        self.run(true, |tx| tx.execute_reporting(stmt)).await
    }

    /// Every statement runs in the one transaction.
    fn in_transaction(&self) -> bool {
        true
    }

    async fn insert_returning(&self, insert: Insert) -> Result<i64> {
        self.run(true, |tx| tx.insert_returning(insert)).await
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        self.run(true, |tx| tx.insert_returning_many(insert)).await
    }

    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        self.run(true, |tx| tx.insert_rows(rows)).await
    }

    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        self.run(true, |tx| tx.copy_in(rows)).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.run(true, |tx| tx.fetch(stmt, sink)).await
    }

    async fn fetch_by_key(&self, lookup: &ByKey, sink: &mut RowSink<'_>) -> Result<()> {
        self.run(true, |tx| tx.fetch_by_key(lookup, sink)).await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        self.stream_on(true, stmt)
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        self.savepoint().await
    }
}

#[async_trait]
impl Pool for ForceRollback {
    async fn begin_owned(
        &self,
        options: TransactionOptions,
    ) -> Result<Box<dyn TransactionExecutor>> {
        let feature = if options.is_default() {
            "begin_owned in test mode (every statement shares one transaction): use begin, \
             which opens a savepoint"
        } else {
            "transaction options in test mode (every transaction is a savepoint of the one \
             test transaction, whose isolation level is set)"
        };
        Err(Error::Unsupported {
            backend: self.backend,
            feature: feature.into(),
        })
    }

    fn sleep(&self, duration: std::time::Duration) -> futures::future::BoxFuture<'static, ()> {
        self.real.sleep(duration)
    }

    /// Rolls the one transaction back; later statements fail with `Closed`.
    ///
    /// The transaction object keeps its connection until the database is dropped (the
    /// pool's own close would wait for it), so the rollback is a plain `ROLLBACK`.
    async fn close(&self) {
        let _turn = self.turns.lock().await;
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Err(e) = self.tx.execute(&plain("ROLLBACK".into())).await {
            tracing::warn!(error = %e, "om: rolling back the test-mode transaction failed");
        }
    }

    fn status(&self) -> PoolStatus {
        self.real.status()
    }

    fn as_any(&self) -> &dyn Any {
        self.real.as_any()
    }
}

/// A savepoint of the test-mode transaction.
struct Savepoint<'a> {
    owner: &'a ForceRollback,
    name: String,
    finished: bool,
}

impl fmt::Debug for Savepoint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Savepoint")
            .field("name", &self.name)
            .finish()
    }
}

impl Savepoint<'_> {
    async fn finish(mut self: Box<Self>, commit: bool) -> Result<()> {
        self.finished = true;
        for sql in savepoint_end(&self.name, commit) {
            self.owner.run_plain(sql).await?;
        }
        Ok(())
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.owner.defer(savepoint_end(&self.name, false));
        }
    }
}

#[async_trait]
impl Executor for Savepoint<'_> {
    fn backend(&self) -> &'static str {
        self.owner.backend
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.owner.capabilities
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        self.owner.run(false, |tx| tx.execute(stmt)).await
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        self.owner.run(false, |tx| tx.execute_reporting(stmt)).await
    }

    fn in_transaction(&self) -> bool {
        true
    }

    async fn insert_returning(&self, insert: Insert) -> Result<i64> {
        self.owner
            .run(false, |tx| tx.insert_returning(insert))
            .await
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        self.owner
            .run(false, |tx| tx.insert_returning_many(insert))
            .await
    }

    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        self.owner.run(false, |tx| tx.insert_rows(rows)).await
    }

    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        self.owner.run(false, |tx| tx.copy_in(rows)).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.owner.run(false, |tx| tx.fetch(stmt, sink)).await
    }

    async fn fetch_by_key(&self, lookup: &ByKey, sink: &mut RowSink<'_>) -> Result<()> {
        self.owner
            .run(false, |tx| tx.fetch_by_key(lookup, sink))
            .await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        self.owner.stream_on(false, stmt)
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        self.owner.savepoint().await
    }
}

#[async_trait]
impl TransactionExecutor for Savepoint<'_> {
    async fn commit(self: Box<Self>) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.finish(false).await
    }
}
