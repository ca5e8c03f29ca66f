//! Transactions and savepoints on one PostgreSQL connection.
//!
//! A transaction owns (or, for a savepoint, borrows) the connection behind an async
//! mutex. On PostgreSQL an error aborts the whole transaction until it is rolled back,
//! so savepoints are what lets work inside a transaction fail and carry on: each
//! `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` is a statement of its own (the extended
//! protocol refuses several in one).

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use futures::lock::{Mutex, MutexGuard};
use om_core::driver::{Capabilities, Executor, RowSink, RowStream, TransactionExecutor};
use om_core::ir::{Insert, Statement};
use om_core::{Error, Result};
use sqlx::{AssertSqlSafe, PgConnection, Postgres};

use crate::CAPABILITIES;
use crate::error::map;
use crate::executor::{execute_on, fetch_on, insert_returning_on, stream_on};

/// The connection a transaction and its savepoints share.
pub(crate) struct Shared {
    tx: Mutex<sqlx::Transaction<'static, Postgres>>,
    /// SQL to run before the next statement: rollbacks of savepoints dropped unfinished.
    /// A plain mutex, so that `Drop` can always record them, even while the connection
    /// is in use.
    pending: std::sync::Mutex<Vec<String>>,
}

impl Shared {
    fn take_pending(&self) -> Vec<String> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *pending)
    }

    fn defer(&self, statements: Vec<String>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend(statements);
    }
}

enum Conn<'a> {
    Owned(Shared),
    Borrowed(&'a Shared),
    Done,
}

/// A transaction, or a savepoint inside one.
pub(crate) struct PostgresTransaction<'a> {
    conn: Conn<'a>,
    savepoint: Option<String>,
    depth: AtomicU32,
    finished: bool,
}

impl fmt::Debug for PostgresTransaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTransaction")
            .field("savepoint", &self.savepoint)
            .finish()
    }
}

type Guard<'g> = MutexGuard<'g, sqlx::Transaction<'static, Postgres>>;

/// A locked connection, with pending savepoint rollbacks already applied.
struct Locked<'g>(Guard<'g>);

impl std::ops::Deref for Locked<'_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.0
    }
}

/// Runs each statement on `conn`, in order.
async fn run_all(conn: &mut PgConnection, statements: &[String]) -> Result<()> {
    for sql in statements {
        sqlx::query(AssertSqlSafe(sql.as_str()))
            .execute(&mut *conn)
            .await
            .map_err(|e| map(e, None))?;
    }
    Ok(())
}

impl PostgresTransaction<'static> {
    pub(crate) fn top(tx: sqlx::Transaction<'static, Postgres>) -> Self {
        PostgresTransaction {
            conn: Conn::Owned(Shared {
                tx: Mutex::new(tx),
                pending: std::sync::Mutex::new(Vec::new()),
            }),
            savepoint: None,
            depth: AtomicU32::new(0),
            finished: false,
        }
    }
}

impl PostgresTransaction<'_> {
    fn shared(&self) -> Result<&Shared> {
        match &self.conn {
            Conn::Owned(s) => Ok(s),
            Conn::Borrowed(s) => Ok(s),
            Conn::Done => Err(Error::Closed),
        }
    }

    async fn lock(&self) -> Result<Locked<'_>> {
        let shared = self.shared()?;
        let mut guard = shared.tx.lock().await;
        let pending = shared.take_pending();
        run_all(&mut guard, &pending).await?;
        Ok(Locked(guard))
    }

    async fn run(&self, statements: &[String]) -> Result<()> {
        let mut conn = self.lock().await?;
        run_all(&mut conn, statements).await
    }

    async fn finish(mut self: Box<Self>, commit: bool) -> Result<()> {
        self.finished = true;
        if let Some(name) = self.savepoint.take() {
            return self.run(&savepoint_end(&name, commit)).await;
        }
        match std::mem::replace(&mut self.conn, Conn::Done) {
            Conn::Owned(shared) => {
                let pending = shared.take_pending();
                let mut tx = shared.tx.into_inner();
                if commit {
                    // Savepoints dropped unfinished are undone before the commit.
                    run_all(&mut tx, &pending).await?;
                    tx.commit().await.map_err(|e| map(e, None))
                } else {
                    tx.rollback().await.map_err(|e| map(e, None))
                }
            }
            _ => Err(Error::Closed),
        }
    }
}

#[async_trait]
impl Executor for PostgresTransaction<'_> {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let mut conn = self.lock().await?;
        execute_on(&mut conn, stmt).await
    }

    async fn insert_returning(&self, insert: &Insert) -> Result<i64> {
        let mut conn = self.lock().await?;
        insert_returning_on(&mut conn, insert).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = self.lock().await?;
        fetch_on(&mut conn, stmt, sink).await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        Box::pin(async_stream::try_stream! {
            let conn = self.lock().await?;
            let mut rows = stream_on(conn, stmt);
            while let Some(row) = futures::StreamExt::next(&mut rows).await {
                yield row?;
            }
        })
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        let n = self.depth.fetch_add(1, Ordering::Relaxed) + 1;
        let base = self.savepoint.as_deref().unwrap_or("om_sp");
        let name = format!("{base}_{n}");
        self.run(&[format!("SAVEPOINT {name}")]).await?;
        Ok(Box::new(PostgresTransaction {
            conn: Conn::Borrowed(self.shared()?),
            savepoint: Some(name),
            depth: AtomicU32::new(0),
            finished: false,
        }))
    }
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

#[async_trait]
impl TransactionExecutor for PostgresTransaction<'_> {
    async fn commit(self: Box<Self>) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.finish(false).await
    }
}

impl Drop for PostgresTransaction<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // A savepoint dropped unfinished is rolled back before the connection's next
        // statement (or before its transaction commits); a whole transaction is rolled
        // back by sqlx when its connection returns to the pool.
        if let (Some(name), Ok(shared)) = (&self.savepoint, self.shared()) {
            shared.defer(savepoint_end(name, false));
        }
    }
}
