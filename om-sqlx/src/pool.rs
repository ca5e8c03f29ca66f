//! The executor behind a `Database`: a sqlx pool.

use std::any::Any;
use std::fmt;

use async_trait::async_trait;
use om_core::Result;
use om_core::driver::{
    Capabilities, Executor, Pool, PoolStatus, RowSink, RowStream, TransactionExecutor,
};
use om_core::ir::{Insert, Statement};
use om_core::raw::Executed;

use crate::backend::{Backend, insert_keys};
use crate::transaction::SqlxTransaction;

/// A pool of connections of backend `B`. Each call acquires a connection for itself.
pub struct SqlxPool<B: Backend> {
    pool: sqlx::Pool<B::Db>,
    capabilities: &'static Capabilities,
}

impl<B: Backend> SqlxPool<B> {
    /// Wraps a sqlx pool, with the backend's capabilities.
    pub fn new(pool: sqlx::Pool<B::Db>) -> Self {
        Self::with_capabilities(pool, B::capabilities())
    }

    /// Wraps a sqlx pool whose database can do less (or more) than the backend's
    /// defaults: an in-memory SQLite database, say.
    pub fn with_capabilities(pool: sqlx::Pool<B::Db>, capabilities: &'static Capabilities) -> Self {
        SqlxPool { pool, capabilities }
    }

    async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<B::Db>> {
        self.pool.acquire().await.map_err(|e| B::map_error(e, None))
    }
}

impl<B: Backend> fmt::Debug for SqlxPool<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlxPool")
            .field("backend", &B::NAME)
            .field("size", &self.pool.size())
            .field("idle", &self.pool.num_idle())
            .finish()
    }
}

#[async_trait]
impl<B: Backend> Executor for SqlxPool<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.capabilities
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let mut conn = self.acquire().await?;
        B::execute(&mut conn, stmt).await
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        let mut conn = self.acquire().await?;
        B::execute_reporting(&mut conn, stmt).await
    }

    async fn insert_returning(&self, insert: &Insert) -> Result<i64> {
        let mut conn = self.acquire().await?;
        B::insert_returning(&mut conn, insert).await
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let mut conn = self.acquire().await?;
        insert_keys::<B>(&mut conn, self.capabilities, insert).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = self.acquire().await?;
        B::fetch(&mut conn, stmt, sink).await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        // The backend's stream gives the connection back as soon as it ends or fails,
        // even if it is never polled or dropped again.
        let pool = self.pool.clone();
        B::stream(
            async move { pool.acquire().await.map_err(|e| B::map_error(e, None)) },
            stmt,
        )
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        Ok(self.begin_owned().await?)
    }
}

#[async_trait]
impl<B: Backend> Pool for SqlxPool<B> {
    async fn begin_owned(&self) -> Result<Box<dyn TransactionExecutor>> {
        let tx = self.pool.begin().await.map_err(|e| B::map_error(e, None))?;
        Ok(Box::new(SqlxTransaction::<B>::top(tx, self.capabilities)))
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn status(&self) -> PoolStatus {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        PoolStatus::new(self.pool.size(), idle)
    }

    fn as_any(&self) -> &dyn Any {
        &self.pool
    }
}
