//! The pool executor, and the statement-running helpers the transaction shares.

use std::any::Any;

use async_trait::async_trait;
use futures::TryStreamExt;
use om_core::driver::{Capabilities, Executor, Pool, RowSink, RowStream, TransactionExecutor};
use om_core::ir::{Insert, Statement};
use om_core::{Error, Result, Row};
use sqlx::{AssertSqlSafe, PgConnection, Postgres};

use crate::CAPABILITIES;
use crate::error::map;
use crate::render::{advance_sequence, render, render_insert_returning};
use crate::row::OmRow;
use crate::transaction::PostgresTransaction;

/// A pool of PostgreSQL connections.
#[derive(Debug, Clone)]
pub(crate) struct PostgresPool {
    pool: sqlx::PgPool,
}

impl PostgresPool {
    pub(crate) fn new(pool: sqlx::PgPool) -> Self {
        PostgresPool { pool }
    }
}

/// Runs `stmt` on `conn` and returns the rows it affected.
///
/// Raw SQL without values runs as a simple query, so it may hold several statements
/// (a script); everything else is a prepared statement with bound values.
pub(crate) async fn execute_on(conn: &mut PgConnection, stmt: &Statement) -> Result<u64> {
    if let Statement::Raw { sql, values } = stmt
        && values.is_empty()
    {
        let done = sqlx::raw_sql(AssertSqlSafe(sql.as_str()))
            .execute(&mut *conn)
            .await
            .map_err(|e| map(e, None))?;
        return Ok(done.rows_affected());
    }
    let mut affected = 0;
    for (sql, values) in render(stmt)? {
        let done = sqlx::query_with(AssertSqlSafe(sql), values)
            .execute(&mut *conn)
            .await
            .map_err(|e| map(e, stmt.table()))?;
        affected += done.rows_affected();
    }
    if let Statement::Insert(insert) = stmt
        && let Some((sql, values)) = advance_sequence(insert)
    {
        sqlx::query_with(AssertSqlSafe(sql), values)
            .execute(&mut *conn)
            .await
            .map_err(|e| map(e, Some(insert.table)))?;
    }
    Ok(affected)
}

/// Inserts one row on `conn` and returns its generated key.
pub(crate) async fn insert_returning_on(conn: &mut PgConnection, insert: &Insert) -> Result<i64> {
    let (sql, values) = render_insert_returning(insert)?;
    let row = sqlx::query_with(AssertSqlSafe(sql), values)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| map(e, Some(insert.table)))?;
    let column = insert.returning.map_or("(generated key)", |c| c.name);
    OmRow(row)
        .get_i64(0)
        .map_err(|e| Error::decode(insert.table.name, column, e))?
        .ok_or(Error::Database {
            code: None,
            message: "INSERT ... RETURNING returned NULL".into(),
        })
}

/// Runs a query on `conn` and passes each row to `sink`.
pub(crate) async fn fetch_on(
    conn: &mut PgConnection,
    stmt: &Statement,
    sink: &mut RowSink<'_>,
) -> Result<()> {
    for (sql, values) in render(stmt)? {
        let mut rows = sqlx::query_with(AssertSqlSafe(sql), values).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await.map_err(|e| map(e, stmt.table()))? {
            sink(&OmRow(row))?;
        }
    }
    Ok(())
}

/// Streams the rows of a query on `conn`, one at a time as the server sends them.
pub(crate) fn stream_on<'c>(
    conn: impl std::ops::DerefMut<Target = PgConnection> + Send + 'c,
    stmt: Statement,
) -> RowStream<'c> {
    Box::pin(async_stream::try_stream! {
        let mut conn = conn;
        let table = stmt.table();
        for (sql, values) in render(&stmt)? {
            let mut rows = sqlx::query_with(AssertSqlSafe(sql), values).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(|e| map(e, table))? {
                yield Box::new(OmRow(row)) as Box<dyn Row>;
            }
        }
    })
}

impl PostgresPool {
    async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<Postgres>> {
        self.pool.acquire().await.map_err(|e| map(e, None))
    }
}

#[async_trait]
impl Executor for PostgresPool {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn capabilities(&self) -> &'static Capabilities {
        &CAPABILITIES
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let mut conn = self.acquire().await?;
        execute_on(&mut conn, stmt).await
    }

    async fn insert_returning(&self, insert: &Insert) -> Result<i64> {
        let mut conn = self.acquire().await?;
        insert_returning_on(&mut conn, insert).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let mut conn = self.acquire().await?;
        fetch_on(&mut conn, stmt, sink).await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        let pool = self.pool.clone();
        Box::pin(async_stream::try_stream! {
            let conn = pool.acquire().await.map_err(|e| map(e, None))?;
            let mut rows = stream_on(conn, stmt);
            while let Some(row) = futures::StreamExt::next(&mut rows).await {
                yield row?;
            }
        })
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        Ok(self.begin_owned().await?)
    }
}

#[async_trait]
impl Pool for PostgresPool {
    async fn begin_owned(&self) -> Result<Box<dyn TransactionExecutor>> {
        let tx = self.pool.begin().await.map_err(|e| map(e, None))?;
        Ok(Box::new(PostgresTransaction::top(tx)))
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    fn as_any(&self) -> &dyn Any {
        &self.pool
    }
}
