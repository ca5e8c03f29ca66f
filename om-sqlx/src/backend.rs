//! The dialect a driver plugs into the shared executors.

use std::future::Future;
use std::ops::DerefMut;
use std::sync::Arc;

use om_core::driver::{Capabilities, RowSink, RowStream};
use om_core::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use om_core::raw::Executed;
use om_core::{Error, Result, TableMeta, TransactionOptions};

/// One sqlx connection of backend `B`.
pub type Conn<B> = <<B as Backend>::Db as sqlx::Database>::Connection;

/// A driver's dialect: everything that runs on one connection.
pub trait Backend: Send + Sync + 'static {
    /// The sqlx database.
    type Db: sqlx::Database;

    /// The backend's name (`sqlite`, `postgres`, `mysql`).
    const NAME: &'static str;

    /// Whether a connection whose operation was cut short (its future dropped while a
    /// statement was on the wire) or broke must be closed rather than returned to the
    /// pool. Yes for a network protocol, whose reply may be half read; SQLite's
    /// commands finish on the driver's own thread, and closing the last connection to
    /// an in-memory database would drop the database.
    const CLOSE_WHEN_CANCELLED: bool = true;

    /// What the dialect can do.
    fn capabilities() -> &'static Capabilities;

    /// The statements that open a transaction with `options` (not the defaults): one
    /// to run before, if any, then the one that begins it. By default, SQL's
    /// `BEGIN ISOLATION LEVEL ... READ ONLY` as PostgreSQL writes it.
    fn begin_statements(options: TransactionOptions) -> (Option<String>, String) {
        let mut begin = String::from("BEGIN");
        if let Some(level) = options.isolation_level() {
            begin.push_str(" ISOLATION LEVEL ");
            begin.push_str(level.as_sql());
        }
        if options.is_read_only() {
            begin.push_str(" READ ONLY");
        }
        (None, begin)
    }

    /// Maps an error of a statement on `table` (when it is about one).
    fn map_error(error: sqlx::Error, table: Option<&TableMeta>) -> Error;

    /// Runs a statement and returns the rows it affected.
    fn execute(conn: &mut Conn<Self>, stmt: &Statement)
    -> impl Future<Output = Result<u64>> + Send;

    /// Runs a statement of the user's and reports the rows it affected and the key an
    /// `INSERT` generated, where the backend tells it. By default, no key.
    fn execute_reporting(
        conn: &mut Conn<Self>,
        stmt: &Statement,
    ) -> impl Future<Output = Result<Executed>> + Send {
        async move { Ok(Executed::new(Self::execute(conn, stmt).await?, None)) }
    }

    /// Inserts one row and returns its generated key.
    fn insert_returning(
        conn: &mut Conn<Self>,
        insert: Insert,
    ) -> impl Future<Output = Result<i64>> + Send;

    /// Inserts several rows and returns their generated keys in row order, in one
    /// statement. Called only when the pool's capabilities say `returning`.
    fn insert_returning_many(
        conn: &mut Conn<Self>,
        insert: Insert,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send;

    /// Inserts the rows of `rows` (values borrowed from the objects) and returns their
    /// generated keys in row order when `rows.head.returning` names a column, as
    /// [`Executor::insert_rows`](om_core::driver::Executor::insert_rows) says. By
    /// default through the owned insert ([`insert_rows_owned`]); a dialect binds the
    /// borrowed values as they are.
    fn insert_rows(
        conn: &mut Conn<Self>,
        capabilities: &'static Capabilities,
        rows: InsertRows<'_>,
    ) -> impl Future<Output = Result<Vec<i64>>> + Send {
        insert_rows_owned::<Self>(conn, capabilities, rows)
    }

    /// Runs a query and passes each row to `sink`.
    fn fetch(
        conn: &mut Conn<Self>,
        stmt: &Statement,
        sink: &mut RowSink<'_>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Reads a row by its key and passes it, if there is one, to `sink`, as
    /// [`Executor::fetch_by_key`](om_core::driver::Executor::fetch_by_key) says. By
    /// default as its select; a dialect binds the key to the text it keeps for that
    /// select ([`fetch_by_key_bound`]).
    fn fetch_by_key(
        conn: &mut Conn<Self>,
        lookup: &ByKey,
        sink: &mut RowSink<'_>,
    ) -> impl Future<Output = Result<()>> + Send {
        async move { Self::fetch(conn, &Statement::Select(lookup.to_select()), sink).await }
    }

    /// Streams the rows of a query through a cursor on the connection `conn` yields,
    /// which the stream holds until it ends, fails or is dropped.
    fn stream<'c, C>(
        conn: impl Future<Output = Result<C>> + Send + 'c,
        stmt: Statement,
    ) -> RowStream<'c>
    where
        C: DerefMut<Target = Conn<Self>> + Send + 'c;

    /// Writes every row of `rows` (values borrowed from the objects) through the
    /// backend's bulk-load protocol, drawing the keys [`InsertRows::drawn_key`] asks
    /// for (see [`Executor::copy_in`](om_core::driver::Executor::copy_in)). `spare`, when
    /// given, is a second connection of the same database, idle, on which the keys
    /// may be drawn while the rows go on `conn`. By default `Unsupported`.
    fn copy_in(
        conn: &mut Conn<Self>,
        spare: Option<&mut Conn<Self>>,
        rows: InsertRows<'_>,
    ) -> impl Future<Output = Result<Copied>> + Send {
        let _ = (conn, spare, rows);
        std::future::ready(Err(Error::Unsupported {
            backend: Self::NAME,
            feature: "COPY ... FROM STDIN".into(),
        }))
    }

    /// Runs one statement of om's own (a `SAVEPOINT`, say) without values.
    fn run_plain(conn: &mut Conn<Self>, sql: &str) -> impl Future<Output = Result<()>> + Send;
}

/// The generated keys of a multi-row insert on `conn`: in one statement where the
/// dialect returns them (`capabilities.returning`), else one row at a time.
pub(crate) async fn insert_keys<B: Backend + ?Sized>(
    conn: &mut Conn<B>,
    capabilities: &Capabilities,
    insert: Insert,
) -> Result<Vec<i64>> {
    if capabilities.returning && insert.rows.len() > 1 {
        return B::insert_returning_many(conn, insert).await;
    }
    let mut keys = Vec::with_capacity(insert.rows.len());
    for one in insert.into_single_rows() {
        keys.push(B::insert_returning(conn, one).await?);
    }
    Ok(keys)
}

/// [`Backend::insert_rows`] through the owned insert: the values copied, then inserted
/// as [`Backend::insert_returning_many`] (or [`Backend::execute`]) does. What a dialect
/// falls back to when it cannot bind the borrowed values as they are.
pub async fn insert_rows_owned<B: Backend + ?Sized>(
    conn: &mut Conn<B>,
    capabilities: &Capabilities,
    rows: InsertRows<'_>,
) -> Result<Vec<i64>> {
    let returning = rows.head.returning.is_some();
    let insert = rows.into_owned();
    if returning {
        insert_keys::<B>(conn, capabilities, insert).await
    } else {
        B::execute(conn, &Statement::Insert(insert))
            .await
            .map(|_| Vec::new())
    }
}

/// [`Backend::insert_rows`] of a dialect that returns the keys of a multi-row insert:
/// through `bound` (the cached text and the arguments bound from the borrowed values,
/// [`crate::bind::cached_insert_returning`]) when there is one and the pool returns
/// keys, rows read with `wrap`; else through the owned insert ([`insert_rows_owned`]).
pub async fn insert_rows_bound<B, R>(
    conn: &mut Conn<B>,
    capabilities: &'static Capabilities,
    rows: InsertRows<'_>,
    bound: Option<(Arc<str>, <B::Db as sqlx::Database>::Arguments)>,
    wrap: impl Fn(<B::Db as sqlx::Database>::Row) -> R,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<Vec<i64>>
where
    B: Backend + ?Sized,
    R: om_core::Row,
    <B::Db as sqlx::Database>::Arguments: sqlx::IntoArguments<B::Db>,
    for<'c> &'c mut Conn<B>: sqlx::Executor<'c, Database = B::Db>,
{
    match bound {
        Some(bound) if capabilities.returning => {
            crate::prepared::insert_rows_returning::<B::Db, R>(conn, bound, &rows, wrap, map).await
        }
        _ => insert_rows_owned::<B>(conn, capabilities, rows).await,
    }
}

/// [`Backend::fetch_by_key`] of a dialect that keeps the text of a read by key: through
/// `bound` (that text and the key bound as it is, [`crate::bind::cached_by_key`]) when
/// there is one, its row read with `wrap`; else as the select, which caches the text.
pub async fn fetch_by_key_bound<B, R>(
    conn: &mut Conn<B>,
    lookup: &ByKey,
    bound: Option<(Arc<str>, <B::Db as sqlx::Database>::Arguments)>,
    wrap: impl Fn(<B::Db as sqlx::Database>::Row) -> R,
    sink: &mut RowSink<'_>,
    map: impl Fn(sqlx::Error) -> Error + Send,
) -> Result<()>
where
    B: Backend + ?Sized,
    R: om_core::Row,
    <B::Db as sqlx::Database>::Arguments: sqlx::IntoArguments<B::Db>,
    for<'c> &'c mut Conn<B>: sqlx::Executor<'c, Database = B::Db>,
{
    match bound {
        Some(bound) => {
            crate::prepared::fetch_by_key::<B::Db, R>(conn, bound, lookup, wrap, sink, map).await
        }
        None => B::fetch(conn, &Statement::Select(lookup.to_select()), sink).await,
    }
}
