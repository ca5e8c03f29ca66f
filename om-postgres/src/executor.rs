//! Running statements on one PostgreSQL connection: the dialect om-sqlx's pool and
//! transaction executors run.

use std::future::Future;

use om_core::driver::{Capabilities, RowSink, RowStream};
use om_core::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use om_core::{Error, Result, TableMeta};
use sqlx::{AssertSqlSafe, PgConnection, Postgres};

use crate::CAPABILITIES;
use crate::error::map;
use crate::render::{
    advance_sequence, render, render_by_key, render_insert_returning, render_insert_rows_returning,
    render_select,
};
use crate::row::OmRow;

/// The PostgreSQL dialect, plugged into om-sqlx's pool and transaction executors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PostgresBackend;

impl om_sqlx::Backend for PostgresBackend {
    type Db = Postgres;

    const NAME: &'static str = "postgres";

    fn capabilities() -> &'static Capabilities {
        &CAPABILITIES
    }

    fn map_error(error: sqlx::Error, table: Option<&TableMeta>) -> Error {
        map(error, table)
    }

    /// Runs `stmt` on `conn` and returns the rows it affected.
    ///
    /// Raw SQL without values runs as a simple query, so it may hold several statements
    /// (a script, whose `$n` may belong to a function body or a `PREPARE`: it is not
    /// counted); everything else is a prepared statement with bound values.
    async fn execute(conn: &mut PgConnection, stmt: &Statement) -> Result<u64> {
        if let Statement::Raw { sql, values } = stmt
            && values.is_empty()
        {
            let done = sqlx::raw_sql(AssertSqlSafe(om_sqlx::traced(sql.as_str(), None)))
                .execute(&mut *conn)
                .await
                .map_err(|e| map(e, None))?;
            return Ok(done.rows_affected());
        }
        let mut affected = 0;
        for (sql, values) in render(stmt)? {
            let done = sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
                .execute(&mut *conn)
                .await
                .map_err(|e| map(e, stmt.table()))?;
            affected += done.rows_affected();
        }
        if let Statement::Insert(insert) = stmt
            && let Some((sql, values)) = advance_sequence(insert)
        {
            sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
                .execute(&mut *conn)
                .await
                .map_err(|e| map(e, Some(insert.table)))?;
        }
        Ok(affected)
    }

    /// Inserts one row on `conn` and returns its generated key. sqlx's PostgreSQL
    /// `fetch_optional` reads the statement to its end (a deferred constraint that
    /// fails at the end is reported), keeping the first row.
    async fn insert_returning(conn: &mut PgConnection, insert: Insert) -> Result<i64> {
        let shape = om_sqlx::prepared::InsertShape::of(&insert);
        let (sql, values) = render_insert_returning(insert)?;
        let row = sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| map(e, Some(shape.table)))?;
        om_sqlx::prepared::generated_key(row.map(OmRow).as_ref(), &shape)
    }

    async fn insert_returning_many(conn: &mut PgConnection, insert: Insert) -> Result<Vec<i64>> {
        let shape = om_sqlx::prepared::InsertShape::of(&insert);
        let rendered = render_insert_returning(insert)?;
        let rows =
            om_sqlx::prepared::fetch_all::<Postgres>(conn, rendered, |e| map(e, Some(shape.table)))
                .await?;
        om_sqlx::prepared::generated_keys::<Postgres, _>(rows, OmRow, &shape)
    }

    /// Several rows with their keys read back, bound from the objects' own values when
    /// the statement's text is cached (by `insert_returning_many`); else through the
    /// owned insert.
    async fn insert_rows(
        conn: &mut PgConnection,
        capabilities: &'static Capabilities,
        rows: InsertRows<'_>,
    ) -> Result<Vec<i64>> {
        let bound = render_insert_rows_returning(&rows)?;
        let table = rows.head.table;
        om_sqlx::insert_rows_bound::<Self, _>(conn, capabilities, rows, bound, OmRow, |e| {
            map(e, Some(table))
        })
        .await
    }

    /// Runs a query on `conn` and passes each row to `sink`.
    async fn fetch(
        conn: &mut PgConnection,
        stmt: &Statement,
        sink: &mut RowSink<'_>,
    ) -> Result<()> {
        let table = stmt.table();
        om_sqlx::prepared::fetch_statement::<Postgres, _>(
            conn,
            stmt,
            render_select,
            render,
            OmRow,
            sink,
            |e| map(e, table),
        )
        .await
    }

    /// Reads a row by its key: the key bound to the text cached for its select.
    async fn fetch_by_key(
        conn: &mut PgConnection,
        lookup: &ByKey,
        sink: &mut RowSink<'_>,
    ) -> Result<()> {
        let bound = render_by_key(lookup);
        om_sqlx::fetch_by_key_bound::<Self, _>(conn, lookup, bound, OmRow, sink, |e| {
            map(e, Some(lookup.table))
        })
        .await
    }

    /// Streams the rows of a query on `conn`, one at a time as the database sends them.
    fn stream<'c, C>(
        conn: impl Future<Output = Result<C>> + Send + 'c,
        stmt: Statement,
    ) -> RowStream<'c>
    where
        C: std::ops::DerefMut<Target = PgConnection> + Send + 'c,
    {
        let table = stmt.table();
        om_sqlx::prepared::stream::<Postgres, _, _>(conn, render(&stmt), OmRow, move |e| {
            map(e, table)
        })
    }

    async fn copy_in(
        conn: &mut PgConnection,
        spare: Option<&mut PgConnection>,
        rows: InsertRows<'_>,
    ) -> Result<Copied> {
        crate::copy::copy_in(conn, spare, rows).await
    }

    async fn run_plain(conn: &mut PgConnection, sql: &str) -> Result<()> {
        sqlx::query(AssertSqlSafe(om_sqlx::traced(sql, None)))
            .execute(conn)
            .await
            .map_err(|e| map(e, None))?;
        Ok(())
    }
}
