//! The executor behind a `Database`: a sqlx pool.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use om_core::driver::{
    Capabilities, Executor, Pool, PoolStatus, RowSink, RowStream, TransactionExecutor,
};
use om_core::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use om_core::raw::Executed;
use om_core::{Error, Result, TransactionOptions};

use crate::backend::{Backend, insert_keys};
use crate::checkout::{Checkout, tracked};
use crate::transaction::SqlxTransaction;

/// A connection of the pool, as a [`Checkout`], acquired in the calling method's own
/// future: an `async fn` of its own would be one more future to build and move on
/// every statement.
macro_rules! checkout {
    ($self:ident) => {
        Checkout::<B>::new(
            $self
                .pool
                .acquire()
                .await
                .map_err(|e| B::map_error(e, None))?,
        )
    };
}

/// How long [`Pool::close`] waits for the connections in use to come back.
const CLOSE_BOUND: Duration = Duration::from_secs(5);

/// A pool of connections of backend `B`. Each call acquires a connection for itself.
pub struct SqlxPool<B: Backend> {
    pool: sqlx::Pool<B::Db>,
    capabilities: &'static Capabilities,
}

/// A bulk load that draws at least this many keys takes a second connection, when the
/// pool has one to spare, to draw them while the rows go on the first.
const SPARE_FROM: usize = 4096;

impl<B: Backend> SqlxPool<B> {
    /// A second connection, for work alongside one already checked out: an idle one
    /// (checked as [`sqlx::Pool::acquire`] checks it), or a new one while the pool has
    /// room for it; `None` when the pool has neither, rather than waiting for a
    /// connection to come back, or when it cannot give one.
    async fn spare(&self) -> Option<Checkout<B>> {
        let room = self.pool.size() < self.pool.options().get_max_connections();
        if self.pool.num_idle() == 0 && !room {
            return None;
        }
        // It waits only if another task took the idle connection or the room
        // meanwhile, and then at most the pool's acquire timeout.
        let conn = self.pool.acquire().await.ok()?;
        Some(Checkout::new(conn))
    }

    /// Wraps a sqlx pool, with the backend's capabilities.
    pub fn new(pool: sqlx::Pool<B::Db>) -> Self {
        Self::with_capabilities(pool, B::capabilities())
    }

    /// Wraps a sqlx pool whose database can do less (or more) than the backend's
    /// defaults: an in-memory SQLite database, say.
    pub fn with_capabilities(pool: sqlx::Pool<B::Db>, capabilities: &'static Capabilities) -> Self {
        SqlxPool { pool, capabilities }
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
        let mut conn = checkout!(self);
        let outcome = B::execute(&mut conn, stmt).await;
        conn.finish(outcome)
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        let mut conn = checkout!(self);
        let outcome = B::execute_reporting(&mut conn, stmt).await;
        conn.finish(outcome)
    }

    async fn insert_returning(&self, insert: Insert) -> Result<i64> {
        let mut conn = checkout!(self);
        let outcome = B::insert_returning(&mut conn, insert).await;
        conn.finish(outcome)
    }

    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        let mut conn = checkout!(self);
        let outcome = B::insert_rows(&mut conn, self.capabilities, rows).await;
        conn.finish(outcome)
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let mut conn = checkout!(self);
        let outcome = insert_keys::<B>(&mut conn, self.capabilities, insert).await;
        conn.finish(outcome)
    }

    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        let (conn, mut spare) = match rows.keys_to_draw() >= SPARE_FROM {
            // Both at once: each is checked (a round trip) as it is taken.
            true => futures::join!(self.pool.acquire(), self.spare()),
            false => (self.pool.acquire().await, None),
        };
        let mut conn = match conn {
            Ok(conn) => Checkout::<B>::new(conn),
            Err(e) => {
                // The spare, taken for nothing, goes back to the pool as it came.
                if let Some(spare) = &mut spare {
                    spare.settle(&Ok(()));
                }
                return Err(B::map_error(e, None));
            }
        };
        let outcome = B::copy_in(&mut conn, spare.as_deref_mut(), rows).await;
        if let Some(spare) = &mut spare {
            spare.settle(&outcome);
        }
        conn.finish(outcome)
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = checkout!(self);
        let outcome = B::fetch(&mut conn, stmt, sink).await;
        conn.finish(outcome)
    }

    async fn fetch_by_key(&self, lookup: &ByKey, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = checkout!(self);
        let outcome = B::fetch_by_key(&mut conn, lookup, sink).await;
        conn.finish(outcome)
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        // The backend's stream gives the connection back as soon as it ends or fails,
        // even if it is never polled or dropped again.
        let pool = self.pool.clone();
        let in_flight = Arc::new(AtomicBool::new(false));
        let flag = in_flight.clone();
        let rows = B::stream(
            async move {
                let conn = pool.acquire().await.map_err(|e| B::map_error(e, None))?;
                Ok(Checkout::<B>::with_flag(conn, flag))
            },
            stmt,
        );
        tracked::<B>(rows, in_flight)
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        Ok(self.begin_owned(TransactionOptions::new()).await?)
    }
}

#[async_trait]
impl<B: Backend> Pool for SqlxPool<B> {
    async fn begin_owned(
        &self,
        options: TransactionOptions,
    ) -> Result<Box<dyn TransactionExecutor>> {
        if options.is_read_only() && !self.capabilities.read_only_transactions {
            return Err(Error::Unsupported {
                backend: B::NAME,
                feature: "read-only transactions".into(),
            });
        }
        let conn = checkout!(self);
        let tx = SqlxTransaction::<B>::begin_on(conn, self.capabilities, options).await?;
        Ok(Box::new(tx))
    }

    async fn close(&self) {
        // A connection that never comes back (a statement stuck on a dead server) would
        // hold sqlx's close forever: give up waiting after a bound; that connection is
        // closed when it is returned, as the pool is closed by then.
        if sqlx_core::rt::timeout(CLOSE_BOUND, self.pool.close())
            .await
            .is_err()
        {
            tracing::warn!(
                backend = B::NAME,
                "om: closing the pool timed out waiting for connections in use; they are closed when returned"
            );
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(sqlx_core::rt::sleep(duration))
    }

    fn status(&self) -> PoolStatus {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        PoolStatus::new(self.pool.size(), idle)
    }

    fn as_any(&self) -> &dyn Any {
        &self.pool
    }
}
