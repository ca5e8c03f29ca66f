//! Transactions and savepoints on one MySQL connection.
//!
//! MySQL commits the open transaction before any DDL statement: `create_all` or
//! `drop_all` inside a transaction ends it early (see `Capabilities::transactional_ddl`).

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use futures::lock::{Mutex, MutexGuard};
use om_core::driver::{Capabilities, Executor, RowSink, RowStream, TransactionExecutor};
use om_core::ir::{Insert, Statement};
use om_core::{Error, Result};
use sqlx::{AssertSqlSafe, MySql, MySqlConnection};

use crate::CAPABILITIES;
use crate::error::map;
use crate::executor::{execute_on, fetch_on, insert_returning_on, stream_on};

/// The connection a transaction and its savepoints share.
pub(crate) struct Shared {
    tx: sqlx::Transaction<'static, MySql>,
    /// SQL to run before the next statement: rollbacks of savepoints dropped unfinished.
    pending: Vec<String>,
}

enum Conn<'a> {
    Owned(Mutex<Shared>),
    Borrowed(&'a Mutex<Shared>),
    Done,
}

/// A transaction, or a savepoint inside one.
pub(crate) struct MysqlTransaction<'a> {
    conn: Conn<'a>,
    savepoint: Option<String>,
    depth: AtomicU32,
    finished: bool,
}

impl fmt::Debug for MysqlTransaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlTransaction")
            .field("savepoint", &self.savepoint)
            .finish()
    }
}

/// A locked connection, with pending savepoint rollbacks already applied.
struct Locked<'g>(MutexGuard<'g, Shared>);

impl std::ops::Deref for Locked<'_> {
    type Target = MySqlConnection;
    fn deref(&self) -> &MySqlConnection {
        &self.0.tx
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut MySqlConnection {
        &mut self.0.tx
    }
}

impl MysqlTransaction<'static> {
    pub(crate) fn top(tx: sqlx::Transaction<'static, MySql>) -> Self {
        MysqlTransaction {
            conn: Conn::Owned(Mutex::new(Shared {
                tx,
                pending: Vec::new(),
            })),
            savepoint: None,
            depth: AtomicU32::new(0),
            finished: false,
        }
    }
}

impl MysqlTransaction<'_> {
    fn shared(&self) -> Result<&Mutex<Shared>> {
        match &self.conn {
            Conn::Owned(m) => Ok(m),
            Conn::Borrowed(m) => Ok(m),
            Conn::Done => Err(Error::Closed),
        }
    }

    async fn lock(&self) -> Result<Locked<'_>> {
        let mut guard = self.shared()?.lock().await;
        let pending = std::mem::take(&mut guard.pending);
        for sql in pending {
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *guard.tx)
                .await
                .map_err(|e| map(e, None))?;
        }
        Ok(Locked(guard))
    }

    async fn run(&self, statements: &[String]) -> Result<()> {
        let mut conn = self.lock().await?;
        for sql in statements {
            sqlx::raw_sql(AssertSqlSafe(sql.clone()))
                .execute(&mut *conn)
                .await
                .map_err(|e| map(e, None))?;
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>, commit: bool) -> Result<()> {
        self.finished = true;
        if let Some(name) = self.savepoint.take() {
            return self.run(&savepoint_end(&name, commit)).await;
        }
        match std::mem::replace(&mut self.conn, Conn::Done) {
            Conn::Owned(m) => {
                let Shared { mut tx, pending } = m.into_inner();
                if commit {
                    // A savepoint dropped just before the commit is still rolled back.
                    for sql in pending {
                        sqlx::raw_sql(AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| map(e, None))?;
                    }
                }
                let done = if commit {
                    tx.commit().await
                } else {
                    tx.rollback().await
                };
                done.map_err(|e| map(e, None))
            }
            _ => Err(Error::Closed),
        }
    }
}

#[async_trait]
impl Executor for MysqlTransaction<'_> {
    fn backend(&self) -> &'static str {
        "mysql"
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
        Ok(Box::new(MysqlTransaction {
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
impl TransactionExecutor for MysqlTransaction<'_> {
    async fn commit(self: Box<Self>) -> Result<()> {
        self.finish(true).await
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.finish(false).await
    }
}

impl Drop for MysqlTransaction<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // A savepoint dropped unfinished is rolled back before the connection's next
        // statement; a whole transaction is rolled back by sqlx when its connection
        // returns to the pool.
        if let (Some(name), Ok(shared)) = (&self.savepoint, self.shared())
            && let Some(mut shared) = shared.try_lock()
        {
            shared.pending.extend(savepoint_end(name, false));
        }
    }
}
