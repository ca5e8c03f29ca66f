//! Transactions and savepoints on one connection.
//!
//! A transaction owns its connection behind an async mutex; a savepoint borrows its
//! transaction's. `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` are statements of their own
//! (PostgreSQL's extended protocol refuses several in one). A savepoint dropped
//! unfinished is rolled back before the connection's next statement, or before its
//! transaction commits.
//!
//! A transaction dropped unfinished between statements queues its `ROLLBACK`, which
//! runs before the connection is used again. One dropped while a statement was on the
//! wire (its future cancelled), or whose connection broke, has its connection closed
//! rather than returned ([`Checkout`]): the server rolls the transaction back, and no
//! later user meets a half-read reply. A statement after such a cancellation, on the
//! same transaction, fails with `TransactionAborted`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use async_trait::async_trait;
use futures::lock::{Mutex, MutexGuard};
use om_core::driver::{
    Capabilities, Executor, RowSink, RowStream, TransactionExecutor, savepoint_end,
};
use om_core::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use om_core::raw::Executed;
use om_core::{Error, Result, TransactionOptions};
use sqlx::SqlSafeStr;
use sqlx_core::transaction::TransactionManager;

use crate::backend::{Backend, Conn, insert_keys};
use crate::checkout::{Checkout, Tracked, breaks_connection};

/// The transaction manager of backend `B`'s database.
type Manager<B> = <<B as Backend>::Db as sqlx::Database>::TransactionManager;

/// The connection of an open transaction.
struct TxConn<B: Backend> {
    conn: Checkout<B>,
    /// Whether the transaction is open on the server (no `COMMIT` or `ROLLBACK` yet).
    open: bool,
}

impl<B: Backend> Drop for TxConn<B> {
    fn drop(&mut self) {
        // A connection to close is closed by its checkout, which rolls back on the
        // server; any other runs the queued ROLLBACK before it is used again.
        if self.open && !self.conn.closes() {
            Manager::<B>::start_rollback(&mut self.conn);
        }
    }
}

impl<B: Backend> Deref for TxConn<B> {
    type Target = Conn<B>;
    fn deref(&self) -> &Conn<B> {
        &self.conn
    }
}

impl<B: Backend> DerefMut for TxConn<B> {
    fn deref_mut(&mut self) -> &mut Conn<B> {
        &mut self.conn
    }
}

/// The connection a transaction and its savepoints share.
struct Shared<B: Backend> {
    tx: Mutex<TxConn<B>>,
    /// Set while a stream holds the connection: another statement on the transaction
    /// would wait for the stream forever if both run in one task, so it is refused.
    streaming: AtomicBool,
    /// Set when a statement failed: on a backend where errors abort the transaction,
    /// the commit first checks that the transaction is still alive.
    failed: AtomicBool,
    /// Statements to run before the next one: rollbacks of savepoints dropped
    /// unfinished. A plain mutex, so that `Drop` can always record them.
    pending: std::sync::Mutex<Vec<String>>,
    /// The connection's in-flight flag (see [`Checkout`]), for streams to toggle
    /// without the lock.
    in_flight: std::sync::Arc<AtomicBool>,
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
    guard: MutexGuard<'g, TxConn<B>>,
    streaming: Option<&'g AtomicBool>,
}

impl<B: Backend> Locked<'_, B> {
    /// Ends the statement that locked the connection (see [`Checkout::finish`]).
    fn finish<T>(&mut self, outcome: Result<T>) -> Result<T> {
        self.guard.conn.finish(outcome)
    }
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

/// The error of a statement on a transaction whose connection an earlier statement,
/// cut short or broken, left in an unknown state.
fn cut_short() -> Error {
    Error::TransactionAborted {
        message: "an earlier statement of this transaction was cancelled before it finished, \
                  or its connection broke: the transaction is rolled back; start a new one"
            .into(),
    }
}

impl<B: Backend> SqlxTransaction<'static, B> {
    /// Opens a transaction with `options` on `conn`, which it then owns. Cut short, the
    /// connection is closed (see [`Checkout`]).
    pub(crate) async fn begin_on(
        mut conn: Checkout<B>,
        capabilities: &'static Capabilities,
        options: TransactionOptions,
    ) -> Result<Self> {
        conn.start();
        let began = if options.is_default() {
            Manager::<B>::begin(&mut conn, None)
                .await
                .map_err(|e| B::map_error(e, None))
        } else {
            let (before, begin) = B::begin_statements(options);
            match before {
                Some(sql) => B::run_plain(&mut conn, &sql).await,
                None => Ok(()),
            }?;
            Manager::<B>::begin(&mut conn, Some(sqlx::AssertSqlSafe(begin).into_sql_str()))
                .await
                .map_err(|e| B::map_error(e, None))
        };
        conn.finish(began)?;
        Ok(Self::top(TxConn { conn, open: true }, capabilities))
    }

    fn top(mut tx: TxConn<B>, capabilities: &'static Capabilities) -> Self {
        let in_flight = tx.conn.flag();
        SqlxTransaction {
            capabilities,
            link: Link::Owned(Shared {
                in_flight,
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
                server: None,
            });
        }
        let mut guard = shared.tx.lock().await;
        if guard.conn.is_broken() {
            return Err(cut_short());
        }
        guard.conn.start();
        if stream {
            shared.streaming.store(true, Ordering::Release);
        }
        let mut locked = Locked {
            guard,
            streaming: stream.then_some(&shared.streaming),
        };
        let pending = shared.take_pending();
        let ran = run_all::<B>(&mut locked, &pending).await;
        self.note(locked.finish(ran))?;
        locked.guard.conn.start();
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
            let ended = run_all::<B>(&mut conn, &savepoint_end(&name, commit)).await;
            return conn.finish(ended);
        }
        let Link::Owned(shared) = std::mem::replace(&mut self.link, Link::Done) else {
            return Err(Error::Closed);
        };
        let pending = shared.take_pending();
        let shared_failed = shared.failed.load(Ordering::Acquire);
        let mut tx = shared.tx.lock().await;
        if tx.conn.closes() {
            // The connection is closed when dropped, which rolls back on the server.
            return if commit { Err(cut_short()) } else { Ok(()) };
        }
        if commit && tx.conn.is_broken() {
            // Kept connection (SQLite): dropped, it queues the rollback.
            return Err(cut_short());
        }
        tx.conn.start();
        if !commit {
            let rolled_back = Manager::<B>::rollback(&mut tx)
                .await
                .map_err(|e| B::map_error(e, None));
            if rolled_back.is_ok() {
                tx.open = false;
            }
            return tx.conn.finish(rolled_back);
        }
        // Savepoints dropped unfinished are undone before the commit.
        let undone = run_all::<B>(&mut tx, &pending).await;
        tx.conn.finish(undone)?;
        tx.conn.start();
        // Where an error aborts the transaction (PostgreSQL), COMMIT would quietly roll
        // back: ask first, and report the abort instead.
        if self.capabilities.errors_abort_transaction
            && shared_failed
            && let Err(e) = B::run_plain(&mut tx, "SELECT 1").await
        {
            let failed: Result<()> = tx.conn.finish(Err(e));
            if !tx.conn.closes() {
                tx.conn.start();
                let rolled_back = Manager::<B>::rollback(&mut tx)
                    .await
                    .map_err(|e| B::map_error(e, None));
                if tx.conn.finish(rolled_back).is_ok() {
                    tx.open = false;
                }
            }
            return failed;
        }
        let committed = Manager::<B>::commit(&mut tx)
            .await
            .map_err(|e| B::map_error(e, None));
        if committed.is_ok() {
            tx.open = false;
        }
        // (A commit that failed but left the connection clean stays `open`, so that the
        // connection's own count of open transactions is reset by a ROLLBACK on drop.)
        tx.conn.finish(committed.map_err(|e| {
            // A server's refusal (a serialization failure, a deferred constraint) rolled
            // the transaction back; a broken connection leaves the outcome unknown.
            if breaks_connection(&e) {
                Error::CommitOutcomeUnknown {
                    source: Box::new(e),
                }
            } else {
                e
            }
        }))
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
        let outcome = B::execute(&mut conn, stmt).await;
        self.note(conn.finish(outcome))
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        let mut conn = self.lock().await?;
        let outcome = B::execute_reporting(&mut conn, stmt).await;
        self.note(conn.finish(outcome))
    }

    async fn insert_returning(&self, insert: Insert) -> Result<i64> {
        let mut conn = self.lock().await?;
        let outcome = B::insert_returning(&mut conn, insert).await;
        self.note(conn.finish(outcome))
    }

    fn in_transaction(&self) -> bool {
        true
    }

    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        let mut conn = self.lock().await?;
        let outcome = B::insert_rows(&mut conn, self.capabilities, rows).await;
        self.note(conn.finish(outcome))
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let mut conn = self.lock().await?;
        let outcome = insert_keys::<B>(&mut conn, self.capabilities, insert).await;
        self.note(conn.finish(outcome))
    }

    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        let mut conn = self.lock().await?;
        // One connection: the keys are drawn on it before the rows go.
        let outcome = B::copy_in(&mut conn, None, rows).await;
        self.note(conn.finish(outcome))
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = self.lock().await?;
        let outcome = B::fetch(&mut conn, stmt, sink).await;
        self.note(conn.finish(outcome))
    }

    async fn fetch_by_key(&self, lookup: &ByKey, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = self.lock().await?;
        let outcome = B::fetch_by_key(&mut conn, lookup, sink).await;
        self.note(conn.finish(outcome))
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        RowStream::deferred(async move {
            let opened = async {
                let conn = self.lock_for(true).await?;
                // Only now, holding the connection, does the stream touch its
                // in-flight flag.
                let shared = self.shared()?;
                // Set while it waits for a row, clear while its reader holds one (a
                // stream dropped between rows leaves the connection clean); a failure
                // marks the transaction failed.
                Ok(RowStream::new(Tracked::new(
                    B::stream(std::future::ready(Ok(conn)), stmt),
                    shared.in_flight.clone(),
                    Some(&shared.failed),
                )))
            };
            opened.await.unwrap_or_else(RowStream::failed)
        })
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        let n = self.depth.fetch_add(1, Ordering::Relaxed) + 1;
        let base = self.savepoint.as_deref().unwrap_or("om_sp");
        let name = format!("{base}_{n}");
        {
            let mut conn = self.lock().await?;
            let opened = B::run_plain(&mut conn, &format!("SAVEPOINT {name}")).await;
            conn.finish(opened)?;
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
