//! Transactions and savepoints on one connection.
//!
//! A transaction owns its connection behind an async mutex; a savepoint borrows its
//! transaction's. `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` are statements of their own
//! (PostgreSQL's extended protocol refuses several in one). A savepoint dropped
//! unfinished is rolled back before the connection's next statement, or before its
//! transaction commits; a transaction dropped unfinished is rolled back by sqlx when its
//! connection returns to the pool.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use async_trait::async_trait;
use futures::StreamExt;
use futures::lock::{Mutex, MutexGuard};
use om_core::driver::{Capabilities, Executor, RowSink, RowStream, TransactionExecutor};
use om_core::ir::{Insert, Statement};
use om_core::raw::Executed;
use om_core::{Error, Result};

use crate::backend::{Backend, Conn, insert_keys};

/// The connection a transaction and its savepoints share.
struct Shared<B: Backend> {
    tx: Mutex<sqlx::Transaction<'static, B::Db>>,
    /// Set while a stream holds the connection: another statement on the transaction
    /// would wait for the stream forever if both run in one task, so it is refused.
    streaming: AtomicBool,
    /// Set when a statement failed: on a backend where errors abort the transaction,
    /// the commit first checks that the transaction is still alive.
    failed: AtomicBool,
    /// Statements to run before the next one: rollbacks of savepoints dropped
    /// unfinished. A plain mutex, so that `Drop` can always record them.
    pending: std::sync::Mutex<Vec<String>>,
}

impl<B: Backend> Shared<B> {
    fn take_pending(&self) -> Vec<String> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *pending)
    }

    fn defer(&self, statements: Vec<String>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend(statements);
    }
}

enum Link<'a, B: Backend> {
    Owned(Shared<B>),
    Borrowed(&'a Shared<B>),
    Done,
}

/// A transaction of backend `B`, or a savepoint inside one.
pub struct SqlxTransaction<'a, B: Backend> {
    link: Link<'a, B>,
    capabilities: &'static Capabilities,
    savepoint: Option<String>,
    depth: AtomicU32,
    finished: bool,
}

impl<B: Backend> fmt::Debug for SqlxTransaction<'_, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlxTransaction")
            .field("backend", &B::NAME)
            .field("savepoint", &self.savepoint)
            .finish()
    }
}

/// A locked connection, with pending savepoint rollbacks already run. A stream's lock
/// clears the transaction's `streaming` flag when it is dropped.
struct Locked<'g, B: Backend> {
    guard: MutexGuard<'g, sqlx::Transaction<'static, B::Db>>,
    streaming: Option<&'g AtomicBool>,
}

impl<B: Backend> Drop for Locked<'_, B> {
    fn drop(&mut self) {
        if let Some(flag) = self.streaming {
            flag.store(false, Ordering::Release);
        }
    }
}

impl<B: Backend> Deref for Locked<'_, B> {
    type Target = Conn<B>;
    fn deref(&self) -> &Conn<B> {
        &self.guard
    }
}

impl<B: Backend> DerefMut for Locked<'_, B> {
    fn deref_mut(&mut self) -> &mut Conn<B> {
        &mut self.guard
    }
}

async fn run_all<B: Backend>(conn: &mut Conn<B>, statements: &[String]) -> Result<()> {
    for sql in statements {
        B::run_plain(conn, sql).await?;
    }
    Ok(())
}

/// The statements that end savepoint `name`.
fn savepoint_end(name: &str, commit: bool) -> Vec<String> {
    if commit {
        vec![format!("RELEASE SAVEPOINT {name}")]
    } else {
        vec![
            format!("ROLLBACK TO SAVEPOINT {name}"),
            format!("RELEASE SAVEPOINT {name}"),
        ]
    }
}

impl<B: Backend> SqlxTransaction<'static, B> {
    /// A transaction that owns its connection.
    pub fn top(tx: sqlx::Transaction<'static, B::Db>, capabilities: &'static Capabilities) -> Self {
        SqlxTransaction {
            capabilities,
            link: Link::Owned(Shared {
                tx: Mutex::new(tx),
                streaming: AtomicBool::new(false),
                failed: AtomicBool::new(false),
                pending: std::sync::Mutex::new(Vec::new()),
            }),
            savepoint: None,
            depth: AtomicU32::new(0),
            finished: false,
        }
    }
}

impl<B: Backend> SqlxTransaction<'_, B> {
    fn shared(&self) -> Result<&Shared<B>> {
        match &self.link {
            Link::Owned(s) => Ok(s),
            Link::Borrowed(s) => Ok(s),
            Link::Done => Err(Error::Closed),
        }
    }

    /// Locks the connection for one statement; refused while a stream holds it.
    async fn lock(&self) -> Result<Locked<'_, B>> {
        self.lock_for(false).await
    }

    async fn lock_for(&self, stream: bool) -> Result<Locked<'_, B>> {
        let shared = self.shared()?;
        if shared.streaming.load(Ordering::Acquire) {
            return Err(Error::Busy {
                reason: "a stream on this transaction is still open: read it to the end or \
                         drop it (or collect the rows with `all()`) before running another \
                         statement on the transaction"
                    .into(),
            });
        }
        let guard = shared.tx.lock().await;
        if stream {
            shared.streaming.store(true, Ordering::Release);
        }
        let mut locked = Locked {
            guard,
            streaming: stream.then_some(&shared.streaming),
        };
        let pending = shared.take_pending();
        run_all::<B>(&mut locked, &pending).await?;
        Ok(locked)
    }

    /// Records that a statement failed (see `Shared::failed`).
    fn note<T>(&self, outcome: Result<T>) -> Result<T> {
        if outcome.is_err()
            && let Ok(shared) = self.shared()
        {
            shared.failed.store(true, Ordering::Release);
        }
        outcome
    }

    async fn finish(mut self: Box<Self>, commit: bool) -> Result<()> {
        self.finished = true;
        if let Some(name) = self.savepoint.take() {
            let mut conn = self.lock().await?;
            return run_all::<B>(&mut conn, &savepoint_end(&name, commit)).await;
        }
        match std::mem::replace(&mut self.link, Link::Done) {
            Link::Owned(shared) => {
                let pending = shared.take_pending();
                let shared_failed = shared.failed.load(Ordering::Acquire);
                let mut tx = shared.tx.into_inner();
                if commit {
                    // Savepoints dropped unfinished are undone before the commit.
                    run_all::<B>(&mut tx, &pending).await?;
                    // Where an error aborts the transaction (PostgreSQL), COMMIT would
                    // quietly roll back: ask first, and report the abort instead.
                    if self.capabilities.errors_abort_transaction
                        && shared_failed
                        && let Err(e) = B::run_plain(&mut tx, "SELECT 1").await
                    {
                        let _ = tx.rollback().await;
                        return Err(e);
                    }
                    tx.commit().await.map_err(|e| B::map_error(e, None))
                } else {
                    tx.rollback().await.map_err(|e| B::map_error(e, None))
                }
            }
            _ => Err(Error::Closed),
        }
    }
}

#[async_trait]
impl<B: Backend> Executor for SqlxTransaction<'_, B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.capabilities
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let mut conn = self.lock().await?;
        self.note(B::execute(&mut conn, stmt).await)
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        let mut conn = self.lock().await?;
        self.note(B::execute_reporting(&mut conn, stmt).await)
    }

    async fn insert_returning(&self, insert: &Insert) -> Result<i64> {
        let mut conn = self.lock().await?;
        self.note(B::insert_returning(&mut conn, insert).await)
    }

    fn in_transaction(&self) -> bool {
        true
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let mut conn = self.lock().await?;
        self.note(insert_keys::<B>(&mut conn, self.capabilities, insert).await)
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = self.lock().await?;
        self.note(B::fetch(&mut conn, stmt, sink).await)
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        Box::pin(async_stream::try_stream! {
            let conn = self.lock_for(true).await?;
            let mut rows = B::stream(std::future::ready(Ok(conn)), stmt);
            while let Some(row) = rows.next().await {
                match row {
                    Ok(row) => yield row,
                    Err(e) => {
                        // Give the connection back before reporting: a stream that
                        // failed is over, even if it is never polled or dropped again.
                        drop(rows);
                        self.note::<()>(Err(e))?;
                        break;
                    }
                }
            }
        })
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        let n = self.depth.fetch_add(1, Ordering::Relaxed) + 1;
        let base = self.savepoint.as_deref().unwrap_or("om_sp");
        let name = format!("{base}_{n}");
        {
            let mut conn = self.lock().await?;
            B::run_plain(&mut conn, &format!("SAVEPOINT {name}")).await?;
        }
        Ok(Box::new(SqlxTransaction {
            capabilities: self.capabilities,
            link: Link::Borrowed(self.shared()?),
            savepoint: Some(name),
            depth: AtomicU32::new(0),
            finished: false,
        }))
    }
}

#[async_trait]
impl<B: Backend> TransactionExecutor for SqlxTransaction<'_, B> {
    async fn commit(self: Box<Self>) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.finish(false).await
    }
}

impl<B: Backend> Drop for SqlxTransaction<'_, B> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let (Some(name), Ok(shared)) = (&self.savepoint, self.shared()) {
            shared.defer(savepoint_end(name, false));
        }
    }
}
