//! Running statements on one MySQL connection: the dialect om-sqlx's pool and
//! transaction executors run.

use std::future::Future;

use std::sync::Arc;

use futures::TryStreamExt;
use futures::stream::BoxStream;
use om_core::driver::{Capabilities, RowSink, RowStream};
use om_core::ir::{ByKey, Insert, InsertRows, Statement};
use om_core::raw::Executed;
use om_core::{Error, Result, TableMeta, TransactionOptions};
use sea_query_sqlx::SqlxValues;
use sqlx::mysql::{MySqlDatabaseError, MySqlQueryResult, MySqlRow};
use sqlx::{AssertSqlSafe, MySql, MySqlConnection};

use crate::CAPABILITIES;
use crate::error::map;
use crate::render::{
    Protocol, protocol, render, render_by_key, render_insert, render_insert_returning,
    render_insert_rows_returning, render_select,
};
use crate::row::OmRow;

/// `ER_UNSUPPORTED_PS`: "This command is not supported in the prepared statement
/// protocol yet".
const ER_UNSUPPORTED_PS: u16 = 1295;

/// One rendered statement, ready to send.
struct Ready {
    sql: Arc<str>,
    /// The values to bind, or `None` to send the SQL as plain text.
    values: Option<SqlxValues>,
    /// The SQL to resend as plain text if the server cannot prepare it.
    text_fallback: Option<Arc<str>>,
}

/// `stmt` rendered, each statement with the protocol it is sent in.
fn rendered(stmt: &Statement) -> Result<Vec<Ready>> {
    let protocol = protocol(stmt);
    Ok(render(stmt)?
        .into_iter()
        .map(|(sql, values)| Ready {
            text_fallback: (protocol == Protocol::PreparedOrText).then(|| sql.clone()),
            values: (protocol != Protocol::Text).then_some(values),
            sql,
        })
        .collect())
}

/// Whether `e` says the server cannot prepare the statement.
fn cannot_prepare(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if db.try_downcast_ref::<MySqlDatabaseError>()
            .is_some_and(|db| db.number() == ER_UNSUPPORTED_PS))
}

/// Runs one statement: prepared with its values, or as plain text.
async fn run(
    conn: &mut MySqlConnection,
    sql: Arc<str>,
    values: Option<SqlxValues>,
) -> Result<MySqlQueryResult, sqlx::Error> {
    match values {
        Some(values) => {
            sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
                .execute(conn)
                .await
        }
        None => {
            sqlx::raw_sql(AssertSqlSafe(om_sqlx::traced(sql, None)))
                .execute(conn)
                .await
        }
    }
}

/// The rows of one statement: prepared with its values, or as plain text.
fn rows(
    conn: &mut MySqlConnection,
    sql: Arc<str>,
    values: Option<SqlxValues>,
) -> BoxStream<'_, Result<MySqlRow, sqlx::Error>> {
    match values {
        Some(values) => {
            sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values).fetch(conn)
        }
        None => sqlx::raw_sql(AssertSqlSafe(om_sqlx::traced(sql, None))).fetch(conn),
    }
}

/// The MySQL dialect, plugged into om-sqlx's pool and transaction executors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MysqlBackend;

impl om_sqlx::Backend for MysqlBackend {
    type Db = MySql;

    const NAME: &'static str = "mysql";

    /// MySQL sets the level of the next transaction with a statement of its own.
    fn begin_statements(options: TransactionOptions) -> (Option<String>, String) {
        let before = options
            .isolation_level()
            .map(|level| format!("SET TRANSACTION ISOLATION LEVEL {}", level.as_sql()));
        let begin = if options.is_read_only() {
            "START TRANSACTION READ ONLY"
        } else {
            "START TRANSACTION"
        };
        (before, begin.to_string())
    }

    fn capabilities() -> &'static Capabilities {
        &CAPABILITIES
    }

    fn map_error(error: sqlx::Error, table: Option<&TableMeta>) -> Error {
        map(error, table)
    }

    /// Runs `stmt` on `conn` and returns the rows it affected (for an `UPDATE`, the rows
    /// it matched, changed or not: sqlx connects with `CLIENT_FOUND_ROWS`).
    async fn execute(conn: &mut MySqlConnection, stmt: &Statement) -> Result<u64> {
        let mut affected = 0;
        for Ready {
            sql,
            values,
            text_fallback,
        } in rendered(stmt)?
        {
            let done = match (run(&mut *conn, sql, values).await, text_fallback) {
                (Err(e), Some(sql)) if cannot_prepare(&e) => run(&mut *conn, sql, None).await,
                (done, _) => done,
            };
            affected += done.map_err(|e| map(e, stmt.table()))?.rows_affected();
        }
        Ok(affected)
    }

    /// Runs a statement of the user's; an `INSERT` that generated an `AUTO_INCREMENT`
    /// key reports it (the first of a multi-row insert, as MySQL does).
    async fn execute_reporting(conn: &mut MySqlConnection, stmt: &Statement) -> Result<Executed> {
        let mut out = Executed::default();
        for Ready {
            sql,
            values,
            text_fallback,
        } in rendered(stmt)?
        {
            let done = match (run(&mut *conn, sql, values).await, text_fallback) {
                (Err(e), Some(sql)) if cannot_prepare(&e) => run(&mut *conn, sql, None).await,
                (done, _) => done,
            };
            let done = done.map_err(|e| map(e, stmt.table()))?;
            out.rows_affected += done.rows_affected();
            if done.last_insert_id() != 0 {
                out.last_insert_id = i64::try_from(done.last_insert_id()).ok();
            }
        }
        Ok(out)
    }

    /// Inserts one row on `conn` and returns its generated key: the insert's
    /// `last_insert_id` (MySQL has no `RETURNING`; MariaDB's is not used, so one path
    /// serves both).
    async fn insert_returning(conn: &mut MySqlConnection, insert: Insert) -> Result<i64> {
        let table = insert.table;
        let (sql, values) = render_insert(insert)?;
        let done = run(conn, sql, Some(values))
            .await
            .map_err(|e| map(e, Some(table)))?;
        let id = done.last_insert_id();
        if id == 0 {
            return Err(Error::Driver(
                format!(
                    "the insert into `{}` generated no key (is the key column AUTO_INCREMENT?)",
                    table.name
                )
                .into(),
            ));
        }
        i64::try_from(id).map_err(|_| {
            Error::Driver(format!("the generated key {id} does not fit an i64").into())
        })
    }

    /// Several rows in one `INSERT ... RETURNING key`: MariaDB's (10.5 and later),
    /// used only on a pool whose capabilities say `returning` (see `connect`).
    async fn insert_returning_many(conn: &mut MySqlConnection, insert: Insert) -> Result<Vec<i64>> {
        let shape = om_sqlx::prepared::InsertShape::of(&insert);
        let (sql, values) = render_insert_returning(insert)?;
        let rows = sqlx::query_with::<MySql, _>(
            AssertSqlSafe(om_sqlx::traced(sql, Some(&values))),
            values,
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| map(e, Some(shape.table)))?;
        om_sqlx::prepared::generated_keys::<MySql, _>(rows, OmRow, &shape)
    }

    /// Several rows with their keys read back, bound from the objects' own values: the
    /// statement's text is the one `insert_returning_many` cached for the shape. Else
    /// (the first insert of a shape, a value bound otherwise, no keys to read) through
    /// the owned insert.
    async fn insert_rows(
        conn: &mut MySqlConnection,
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
        conn: &mut MySqlConnection,
        stmt: &Statement,
        sink: &mut RowSink<'_>,
    ) -> Result<()> {
        if let Statement::Select(s) = stmt {
            // A query is always prepared.
            let single_row = s.at_most_one_row();
            return om_sqlx::prepared::fetch::<MySql, _>(
                conn,
                std::iter::once(render_select(s)),
                single_row,
                OmRow,
                sink,
                |e| map(e, Some(s.table)),
            )
            .await;
        }
        for Ready {
            sql,
            values,
            text_fallback,
        } in rendered(stmt)?
        {
            let mut retry = None;
            let mut rows_of = rows(&mut *conn, sql, values);
            let mut first = true;
            loop {
                match rows_of.try_next().await {
                    Ok(Some(row)) => sink(&OmRow(row))?,
                    Ok(None) => break,
                    Err(e) if first && text_fallback.is_some() && cannot_prepare(&e) => {
                        retry = text_fallback;
                        break;
                    }
                    Err(e) => return Err(map(e, stmt.table())),
                }
                first = false;
            }
            drop(rows_of);
            if let Some(sql) = retry {
                let mut rows_of = rows(&mut *conn, sql, None);
                while let Some(row) = rows_of.try_next().await.map_err(|e| map(e, stmt.table()))? {
                    sink(&OmRow(row))?;
                }
            }
        }
        Ok(())
    }

    /// Reads a row by its key: the key bound to the text cached for its select.
    async fn fetch_by_key(
        conn: &mut MySqlConnection,
        lookup: &ByKey,
        sink: &mut RowSink<'_>,
    ) -> Result<()> {
        let bound = render_by_key(lookup);
        om_sqlx::fetch_by_key_bound::<Self, _>(conn, lookup, bound, OmRow, sink, |e| {
            map(e, Some(lookup.table))
        })
        .await
    }

    /// Streams the rows of a query on `conn`.
    fn stream<'c, C>(
        conn: impl Future<Output = Result<C>> + Send + 'c,
        stmt: Statement,
    ) -> RowStream<'c>
    where
        C: std::ops::DerefMut<Target = MySqlConnection> + Send + 'c,
    {
        RowStream::from_rows(async_stream::try_stream! {
            let table = stmt.table();
            let ready = rendered(&stmt)?;
            let mut conn = conn.await?;
            for Ready { sql, values, text_fallback } in ready {
                let mut retry = None;
                let mut rows_of = rows(&mut conn, sql, values);
                let mut first = true;
                loop {
                    match rows_of.try_next().await {
                        Ok(Some(row)) => yield OmRow(row),
                        Ok(None) => break,
                        Err(e) => {
                            if first && text_fallback.is_some() && cannot_prepare(&e) {
                                retry = text_fallback;
                                break;
                            }
                            Err(map(e, table))?;
                        }
                    }
                    first = false;
                }
                drop(rows_of);
                if let Some(sql) = retry {
                    let mut rows_of = rows(&mut conn, sql, None);
                    while let Some(row) = rows_of.try_next().await.map_err(|e| map(e, table))? {
                        yield OmRow(row);
                    }
                }
            }
        })
    }

    async fn run_plain(conn: &mut MySqlConnection, sql: &str) -> Result<()> {
        sqlx::raw_sql(AssertSqlSafe(om_sqlx::traced(sql, None)))
            .execute(conn)
            .await
            .map_err(|e| map(e, None))?;
        Ok(())
    }
}
