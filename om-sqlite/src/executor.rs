//! Running statements on one SQLite connection: the dialect om-sqlx's pool and
//! transaction executors run.

use std::future::Future;

use om_core::driver::{Capabilities, RowSink, RowStream};
use om_core::ir::{ByKey, Insert, InsertRows, Statement};
use om_core::raw::{Executed, is_insert};
use om_core::{Error, IsolationLevel, Result, TableMeta, TransactionOptions};
use sqlx::{AssertSqlSafe, Sqlite, SqliteConnection};

use crate::CAPABILITIES;
use crate::error::map;
use crate::render::{
    render, render_by_key, render_insert_returning, render_insert_rows_returning, render_select,
};
use crate::row::OmRow;

/// The SQLite dialect, plugged into om-sqlx's pool and transaction executors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SqliteBackend;

impl om_sqlx::Backend for SqliteBackend {
    type Db = Sqlite;

    const NAME: &'static str = "sqlite";

    /// sqlx runs SQLite's commands to their end on its own thread, and closing the last
    /// connection of an in-memory database would drop the database: keep connections.
    const CLOSE_WHEN_CANCELLED: bool = false;

    /// Every SQLite transaction is serializable; a serializable one takes the write
    /// lock at once (`BEGIN IMMEDIATE`), so that it never fails half-way on upgrading a
    /// read lock. Read-only is refused before (`read_only_transactions`).
    fn begin_statements(options: TransactionOptions) -> (Option<String>, String) {
        let begin = match options.isolation_level() {
            Some(IsolationLevel::Serializable) => "BEGIN IMMEDIATE",
            _ => "BEGIN",
        };
        (None, begin.to_string())
    }

    fn capabilities() -> &'static Capabilities {
        &CAPABILITIES
    }

    fn map_error(error: sqlx::Error, table: Option<&TableMeta>) -> Error {
        map(error, table)
    }

    /// Runs `stmt` on `conn` and returns the rows it affected.
    async fn execute(conn: &mut SqliteConnection, stmt: &Statement) -> Result<u64> {
        let mut affected = 0;
        for (sql, values) in render(stmt)? {
            let done = sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
                .execute(&mut *conn)
                .await
                .map_err(|e| map(e, stmt.table()))?;
            affected += done.rows_affected();
        }
        Ok(affected)
    }

    /// Runs a statement of the user's; an `INSERT` reports the rowid of its last row.
    async fn execute_reporting(conn: &mut SqliteConnection, stmt: &Statement) -> Result<Executed> {
        let mut out = Executed::default();
        for (sql, values) in render(stmt)? {
            let done = sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
                .execute(&mut *conn)
                .await
                .map_err(|e| map(e, stmt.table()))?;
            out.rows_affected += done.rows_affected();
            // SQLite keeps the last rowid of the connection: only an insert that
            // wrote a row made it.
            if is_insert(stmt) && done.rows_affected() > 0 {
                out.last_insert_id = Some(done.last_insert_rowid());
            }
        }
        Ok(out)
    }

    /// Inserts one row on `conn` and returns its generated key.
    async fn insert_returning(conn: &mut SqliteConnection, insert: Insert) -> Result<i64> {
        let shape = om_sqlx::prepared::InsertShape::of(&insert);
        let rendered = render_insert_returning(insert)?;
        // Read every row, not only the first: the statement must run to its end, or a
        // failure to commit it (a lock, a deferred constraint) would go unreported.
        let mut rows =
            om_sqlx::prepared::fetch_all::<Sqlite>(conn, rendered, |e| map(e, Some(shape.table)))
                .await?;
        om_sqlx::prepared::generated_key(rows.pop().map(OmRow).as_ref(), &shape)
    }

    async fn insert_returning_many(
        conn: &mut SqliteConnection,
        insert: Insert,
    ) -> Result<Vec<i64>> {
        let shape = om_sqlx::prepared::InsertShape::of(&insert);
        let rendered = render_insert_returning(insert)?;
        let rows =
            om_sqlx::prepared::fetch_all::<Sqlite>(conn, rendered, |e| map(e, Some(shape.table)))
                .await?;
        om_sqlx::prepared::generated_keys::<Sqlite, _>(rows, OmRow, &shape)
    }

    /// Several rows with their keys read back, bound from the objects' own values when
    /// the statement's text is cached (by `insert_returning_many`); else through the
    /// owned insert.
    async fn insert_rows(
        conn: &mut SqliteConnection,
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
        conn: &mut SqliteConnection,
        stmt: &Statement,
        sink: &mut RowSink<'_>,
    ) -> Result<()> {
        let table = stmt.table();
        om_sqlx::prepared::fetch_statement::<Sqlite, _>(
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
        conn: &mut SqliteConnection,
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
        C: std::ops::DerefMut<Target = SqliteConnection> + Send + 'c,
    {
        let table = stmt.table();
        om_sqlx::prepared::stream::<Sqlite, _, _>(conn, render(&stmt), OmRow, move |e| {
            map(e, table)
        })
    }

    async fn run_plain(conn: &mut SqliteConnection, sql: &str) -> Result<()> {
        sqlx::query(AssertSqlSafe(om_sqlx::traced(sql, None)))
            .execute(conn)
            .await
            .map_err(|e| map(e, None))?;
        Ok(())
    }
}
