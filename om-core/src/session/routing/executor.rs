//! The executors of a replicated database: [`Routed`] (the pool every handle runs on)
//! and its transactions, on the primary.

use std::any::Any;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::StreamExt;

use super::{
    Route, Target, is_read_only_refusal, is_recovery_conflict, is_unreachable, reads_only,
};
use crate::driver::{
    Capabilities, Executor, Pool, PoolStatus, RowSink, RowStream, TransactionExecutor,
};
use crate::error::Result;
use crate::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use crate::raw::Executed;
use crate::row::Row;
use crate::transaction::TransactionOptions;

/// The executor of a replicated database.
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) route: Route,
}

#[async_trait]
impl Executor for Routed {
    fn backend(&self) -> &'static str {
        self.route.primary().backend()
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.route.primary().capabilities()
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let n = self.route.primary().execute(stmt).await?;
        self.route.wrote().await;
        Ok(n)
    }

    async fn insert_returning(&self, insert: Insert) -> Result<i64> {
        let key = self.route.primary().insert_returning(insert).await?;
        self.route.wrote().await;
        Ok(key)
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let keys = self.route.primary().insert_returning_many(insert).await?;
        self.route.wrote().await;
        Ok(keys)
    }

    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        let keys = self.route.primary().insert_rows(rows).await?;
        self.route.wrote().await;
        Ok(keys)
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        let out = self.route.primary().execute_reporting(stmt).await?;
        self.route.wrote().await;
        Ok(out)
    }

    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        let copied = self.route.primary().copy_in(rows).await?;
        self.route.wrote().await;
        Ok(copied)
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let route = &self.route;
        if !reads_only(stmt) {
            route.primary().fetch(stmt, sink).await?;
            route.wrote().await;
            return Ok(());
        }
        let (replica, pool) = match route.router.target(route).await {
            Target::Primary => {
                route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                return route.primary().fetch(stmt, sink).await;
            }
            Target::Replica(replica, pool) => (replica, pool),
        };
        // Only a read that failed before its first row may run again elsewhere.
        let mut seen = false;
        let outcome = {
            let mut forward = |row: &dyn Row| {
                seen = true;
                sink(row)
            };
            pool.fetch(stmt, &mut forward).await
        };
        match outcome {
            Ok(()) => {
                replica.served.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) if !seen && is_unreachable(&e) => {
                replica.mark_down(route.router.retry, &e.to_string());
                route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                route.primary().fetch(stmt, sink).await
            }
            Err(e) if !seen && is_read_only_refusal(&e) => {
                route.primary().fetch(stmt, sink).await?;
                route.wrote().await;
                Ok(())
            }
            Err(e) if !seen && is_recovery_conflict(&e) => {
                route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                route.primary().fetch(stmt, sink).await
            }
            Err(e) => Err(e),
        }
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        let route = &self.route;
        if !reads_only(&stmt) {
            // A write that returns rows: recorded once its rows are read.
            let wrote = futures::stream::once(route.wrote()).filter_map(|()| async { None });
            return RowStream::from_boxed(route.primary().stream(stmt).chain(wrote));
        }
        let pick = async move {
            match route.router.target(route).await {
                Target::Primary => {
                    route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                    route.primary().stream(stmt)
                }
                Target::Replica(replica, pool) => {
                    // Run again on the primary if the replica fails before the first row.
                    let mut rows = pool.stream(stmt.clone());
                    match rows.next().await {
                        Some(Err(e)) if is_unreachable(&e) => {
                            replica.mark_down(route.router.retry, &e.to_string());
                            route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                            route.primary().stream(stmt)
                        }
                        first => {
                            replica.served.fetch_add(1, Ordering::Relaxed);
                            rows.after_first(first)
                        }
                    }
                }
            }
        };
        RowStream::deferred(pick)
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        let tx = self.route.primary().begin().await?;
        Ok(Box::new(RoutedTx {
            inner: tx,
            route: self.route.clone(),
        }))
    }
}

#[async_trait]
impl Pool for Routed {
    async fn begin_owned(
        &self,
        options: TransactionOptions,
    ) -> Result<Box<dyn TransactionExecutor>> {
        let tx = self.route.primary().begin_owned(options).await?;
        Ok(Box::new(RoutedTx {
            inner: tx,
            route: self.route.clone(),
        }))
    }

    async fn close(&self) {
        self.route.primary().close().await;
        for replica in &self.route.router.replicas {
            if let Some(pool) = replica.pool() {
                pool.close().await;
            }
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.route.primary().sleep(duration)
    }

    fn status(&self) -> PoolStatus {
        self.route.primary().status()
    }

    fn as_any(&self) -> &dyn Any {
        self.route.primary().as_any()
    }
}

/// A transaction of a replicated database: on the primary, its commit recorded as a
/// write.
#[derive(Debug)]
struct RoutedTx<'a> {
    inner: Box<dyn TransactionExecutor + 'a>,
    route: Route,
}

#[async_trait]
impl Executor for RoutedTx<'_> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.inner.capabilities()
    }

    fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        self.inner.execute(stmt).await
    }

    async fn insert_returning(&self, insert: Insert) -> Result<i64> {
        self.inner.insert_returning(insert).await
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        self.inner.insert_returning_many(insert).await
    }

    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        self.inner.insert_rows(rows).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.inner.fetch(stmt, sink).await
    }

    async fn fetch_by_key(&self, lookup: &ByKey, sink: &mut RowSink<'_>) -> Result<()> {
        self.inner.fetch_by_key(lookup, sink).await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        self.inner.stream(stmt)
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        self.inner.begin().await
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        self.inner.execute_reporting(stmt).await
    }

    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        self.inner.copy_in(rows).await
    }
}

#[async_trait]
impl TransactionExecutor for RoutedTx<'_> {
    async fn commit(self: Box<Self>) -> Result<()> {
        let RoutedTx { inner, route } = *self;
        inner.commit().await?;
        route.wrote().await;
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.inner.rollback().await
    }
}
