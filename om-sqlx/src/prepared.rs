//! Queries run as prepared statements with bound values: the common path of the
//! drivers whose every query can be prepared (SQLite, PostgreSQL).

use std::ops::DerefMut;

use futures::TryStreamExt;
use om_core::driver::{RowSink, RowStream};
use om_core::ir::{ByKey, Insert, InsertRows, Select, Statement};
use om_core::model::{ColumnMeta, TableMeta};
use om_core::{Error, Result, Row};
use sea_query_sqlx::SqlxValues;
use sqlx::{AssertSqlSafe, Database, IntoArguments};

/// One rendered statement and its values.
pub type Rendered = (std::sync::Arc<str>, SqlxValues);

/// Runs the queries on `conn`, passing each row, wrapped by `wrap`, to `sink`.
///
/// `single_row` says each query returns at most one row (a `LIMIT 1`): it is then
/// read with sqlx's `fetch_optional`, which skips the machinery of a row stream.
pub async fn fetch<DB, R>(
    conn: &mut DB::Connection,
    rendered: impl IntoIterator<Item = Rendered>,
    single_row: bool,
    wrap: impl Fn(DB::Row) -> R + Send,
    sink: &mut RowSink<'_>,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<()>
where
    DB: Database,
    R: Row,
    SqlxValues: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    if single_row {
        for (sql, values) in rendered {
            let row =
                sqlx::query_with::<DB, _>(AssertSqlSafe(crate::traced(sql, Some(&values))), values)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(&map)?;
            if let Some(row) = row {
                sink(&wrap(row))?;
            }
        }
        return Ok(());
    }
    for (sql, values) in rendered {
        let mut rows =
            sqlx::query_with::<DB, _>(AssertSqlSafe(crate::traced(sql, Some(&values))), values)
                .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await.map_err(&map)? {
            sink(&wrap(row))?;
        }
    }
    Ok(())
}

/// Runs `stmt` on `conn`, passing each row, wrapped by `wrap`, to `sink`: a query is
/// one statement (`render_select`), read with `fetch_optional` when it has `LIMIT 1`;
/// anything else runs as `render` gives it.
pub async fn fetch_statement<DB, R>(
    conn: &mut DB::Connection,
    stmt: &Statement,
    render_select: impl FnOnce(&Select) -> Result<Rendered>,
    render: impl FnOnce(&Statement) -> Result<Vec<Rendered>>,
    wrap: impl Fn(DB::Row) -> R + Send,
    sink: &mut RowSink<'_>,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<()>
where
    DB: Database,
    R: Row,
    SqlxValues: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    match stmt {
        Statement::Select(s) => {
            let single_row = s.at_most_one_row();
            fetch::<DB, R>(conn, [render_select(s)?], single_row, wrap, sink, map).await
        }
        _ => fetch::<DB, R>(conn, render(stmt)?, false, wrap, sink, map).await,
    }
}

/// Every row of one query on `conn`, read to the statement's end (so that an error at
/// its end, such as a failed autocommit, is reported).
pub async fn fetch_all<DB>(
    conn: &mut DB::Connection,
    (sql, values): Rendered,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<Vec<DB::Row>>
where
    DB: Database,
    SqlxValues: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::query_with::<DB, _>(AssertSqlSafe(crate::traced(sql, Some(&values))), values)
        .fetch_all(&mut *conn)
        .await
        .map_err(map)
}

/// Streams the rows of the queries on the connection `conn` yields, which the stream
/// holds until it ends, fails or is dropped.
pub fn stream<'c, DB, C, R>(
    conn: impl std::future::Future<Output = Result<C>> + Send + 'c,
    rendered: Result<Vec<Rendered>>,
    wrap: impl Fn(DB::Row) -> R + Send + 'c,
    map: impl Fn(sqlx::Error) -> Error + Send + 'c,
) -> RowStream<'c>
where
    DB: Database,
    C: DerefMut<Target = DB::Connection> + Send + 'c,
    R: Row + 'c,
    SqlxValues: IntoArguments<DB>,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
{
    RowStream::from_rows(async_stream::try_stream! {
        let rendered = rendered?;
        let mut conn = conn.await?;
        for (sql, values) in rendered {
            let mut rows = sqlx::query_with::<DB, _>(AssertSqlSafe(crate::traced(sql, Some(&values))), values).fetch(&mut *conn);
            while let Some(row) = rows.try_next().await.map_err(&map)? {
                yield wrap(row);
            }
        }
    })
}

/// The row of `lookup`, sent as `sql` with `args` (its key bound as it is:
/// [`crate::bind::cached_by_key`]), wrapped by `wrap` and passed to `sink`.
pub async fn fetch_by_key<DB, R>(
    conn: &mut DB::Connection,
    (sql, args): (std::sync::Arc<str>, DB::Arguments),
    lookup: &ByKey,
    wrap: impl Fn(DB::Row) -> R,
    sink: &mut RowSink<'_>,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<()>
where
    DB: Database,
    R: Row,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    om_core::driver::rendered(&sql, &std::slice::from_ref(&lookup.key));
    let row = sqlx::query_with::<DB, _>(AssertSqlSafe(sql), args)
        .fetch_optional(&mut *conn)
        .await
        .map_err(map)?;
    match row {
        Some(row) => sink(&wrap(row)),
        None => Ok(()),
    }
}

/// The generated keys of the multi-row insert `rows`, sent as `sql` with `args` (its
/// values bound from where they are: [`crate::bind::cached_insert_returning`]), in row
/// order.
pub async fn insert_rows_returning<DB, R>(
    conn: &mut DB::Connection,
    (sql, args): (std::sync::Arc<str>, DB::Arguments),
    rows: &InsertRows<'_>,
    wrap: impl Fn(DB::Row) -> R,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<Vec<i64>>
where
    DB: Database,
    R: Row,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let shape = InsertShape {
        table: rows.head.table,
        returning: rows.head.returning,
        rows: rows.rows,
    };
    let fetched =
        sqlx::query_with::<DB, _>(AssertSqlSafe(crate::traced_refs(sql, &rows.values)), args)
            .fetch_all(&mut *conn)
            .await
            .map_err(map)?;
    generated_keys::<DB, R>(fetched, wrap, &shape)
}

/// The generated keys returned by a multi-row `INSERT ... RETURNING key`, in row
/// order: ascending, as every backend hands out keys along the rows of one statement
/// (the rows of `RETURNING` themselves come in no promised order).
pub fn generated_keys<DB, R>(
    rows: Vec<DB::Row>,
    wrap: impl Fn(DB::Row) -> R,
    insert: &InsertShape,
) -> Result<Vec<i64>>
where
    DB: Database,
    R: Row,
{
    let mut keys = rows
        .into_iter()
        .map(|row| generated_key(Some(&wrap(row)), insert))
        .collect::<Result<Vec<i64>>>()?;
    if keys.len() != insert.rows {
        return Err(Error::Driver(
            format!(
                "INSERT ... RETURNING returned {} keys for {} rows",
                keys.len(),
                insert.rows
            )
            .into(),
        ));
    }
    keys.sort_unstable();
    Ok(keys)
}

/// The generated key of a single-row `INSERT ... RETURNING key`, from its row.
#[inline]
pub fn generated_key<R: Row>(row: Option<&R>, insert: &InsertShape) -> Result<i64> {
    let Some(row) = row else {
        return Err(Error::Driver("INSERT ... RETURNING returned no row".into()));
    };
    let column = insert.returning.map_or("(generated key)", |c| c.name);
    row.get_i64(0)
        .map_err(|e| Error::decode(insert.table.name, column, e))?
        .ok_or_else(|| Error::Driver("INSERT ... RETURNING returned NULL".into()))
}

/// What [`generated_keys`] needs of an insert once its rows have been sent.
#[derive(Debug, Clone, Copy)]
pub struct InsertShape {
    /// The table.
    pub table: &'static TableMeta,
    /// The key column returned.
    pub returning: Option<&'static ColumnMeta>,
    /// How many rows were inserted.
    pub rows: usize,
}

impl InsertShape {
    /// The shape of `insert`.
    pub fn of(insert: &Insert) -> Self {
        InsertShape {
            table: insert.table,
            returning: insert.returning,
            rows: insert.rows.len(),
        }
    }
}
