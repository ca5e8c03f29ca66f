//! The object-safe traits a backend implements, and the URL-scheme registry.
//!
//! A driver for another database implements [`Driver`] (connect from a URL), [`Pool`]
//! and [`TransactionExecutor`] (both [`Executor`]s), registers its schemes in
//! [`registry::DRIVERS`] (or with [`registry::register`]) and runs om-testkit's
//! conformance suite.

pub mod registry;
pub mod row_stream;

pub use crate::logging::rendered;

use std::any::Any;
use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;
use futures::future::BoxFuture;

use crate::error::Result;
use crate::ir::{ByKey, Copied, Insert, InsertRows, Statement};
use crate::row::Row;
use crate::transaction::TransactionOptions;
use crate::url::DatabaseUrl;

pub use registry::{DRIVERS, register};
pub use row_stream::{BoxedRow, MapRows, RowCursor, RowStream};

/// What a backend's dialect can and cannot do. The conformance suite reads it: a case
/// for a missing capability checks for [`Error::Unsupported`](crate::Error::Unsupported)
/// or for the declared behaviour instead of skipping.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// `INSERT ... RETURNING` (otherwise the driver reads the last insert id).
    pub returning: bool,
    /// Whether `LIKE` tells upper from lower case for ASCII text.
    pub case_sensitive_like: bool,
    /// Whether DDL statements take part in transactions.
    pub transactional_ddl: bool,
    /// Whether a text longer than its column's `size` is refused (otherwise it is
    /// stored whole).
    pub enforces_text_size: bool,
    /// Whether an error inside a transaction aborts it, so that every later statement
    /// fails with `Error::TransactionAborted` until it is rolled back (PostgreSQL); a
    /// savepoint (`tx.begin()`) around work that may fail keeps the transaction usable.
    pub errors_abort_transaction: bool,
    /// Whether decimals can be compared with `<`, `<=`, `>`, `>=` and ordered
    /// (otherwise those are refused with `Unsupported`; equality always works).
    pub decimal_ordering: bool,
    /// Whether a write may run while a stream from the pool is reading the same table
    /// (otherwise the write waits for a lock and fails with `Error::Busy` if the stream
    /// outlasts the wait: collect with `all()` first).
    pub write_during_stream: bool,
    /// Whether a JSON column can be filtered on containing a document
    /// (`c.data.contains(json!(..))`); otherwise such a filter is refused with
    /// `Error::Unsupported`. Text-at-a-path and has-key filters work everywhere.
    pub json_contains: bool,
    /// Whether floats may hold NaN (otherwise writing one is refused with
    /// `Error::InvalidValue`, before the statement runs).
    pub float_nan: bool,
    /// Whether floats may hold the infinities (otherwise writing one is refused with
    /// `Error::InvalidValue`, before the statement runs).
    pub float_infinity: bool,
    /// The most bound parameters one statement may carry.
    pub max_parameters: usize,
    /// Whether a raw `execute` of an `INSERT` reports the generated key
    /// ([`Executed::last_insert_id`](crate::raw::Executed::last_insert_id)); otherwise
    /// it is `None` (use `INSERT ... RETURNING` with `fetch_val`).
    pub last_insert_id: bool,
    /// Whether two transactions may hold uncommitted writes at once. Otherwise (SQLite:
    /// one writer at a time) the second writer waits for the lock up to the busy
    /// timeout, then fails with `Error::Busy`; readers are never blocked.
    pub concurrent_write_transactions: bool,
    /// Whether another connection may read while a transaction holds uncommitted
    /// writes (it then sees the rows as they were before). Otherwise (in-memory SQLite)
    /// the reader waits for the writer up to the busy timeout, then fails with
    /// `Error::Busy`.
    pub read_during_write_transaction: bool,
    /// Whether a transaction can be opened read-only
    /// ([`TransactionOptions::read_only`](crate::TransactionOptions::read_only));
    /// otherwise asking for one is refused with `Error::Unsupported`.
    pub read_only_transactions: bool,
    /// Whether a connection can be ended under a running application (a server that
    /// kills it, a network that drops it), so that a statement may fail with a
    /// connection error and a commit with
    /// [`CommitOutcomeUnknown`](crate::Error::CommitOutcomeUnknown). SQLite's
    /// connections live in the process and cannot.
    pub connections_can_be_lost: bool,
    /// Whether the backend reports replication positions ([`Driver::replication`]), so
    /// that a [`ReadToken`](crate::ReadToken) names the write a read must see and a
    /// replica that has replayed it can serve the read. Otherwise (SQLite) a read after
    /// a write goes to the primary for a time window
    /// ([`ConnectOptions::read_your_writes_window`](crate::ConnectOptions::read_your_writes_window)).
    pub replication_positions: bool,
    /// Whether the backend has a bulk-load protocol of its own
    /// ([`Executor::copy_in`], which draws the generated keys as the rows go), which
    /// `bulk_insert` uses; otherwise `bulk_insert` writes multi-row inserts of up
    /// to 1,000 rows inside one transaction.
    pub bulk_copy: bool,
}

impl Capabilities {
    /// Capabilities of a dialect with RETURNING, case-sensitive LIKE, transactional DDL,
    /// enforced text sizes, JSON containment and room for 32766 parameters; adjust the fields that differ.
    pub const fn standard() -> Self {
        Capabilities {
            returning: true,
            case_sensitive_like: true,
            transactional_ddl: true,
            enforces_text_size: true,
            write_during_stream: true,
            decimal_ordering: true,
            errors_abort_transaction: false,
            json_contains: true,
            float_nan: true,
            float_infinity: true,
            max_parameters: 32766,
            last_insert_id: true,
            concurrent_write_transactions: true,
            read_during_write_transaction: true,
            read_only_transactions: true,
            connections_can_be_lost: true,
            replication_positions: false,
            bulk_copy: false,
        }
    }
}

/// The statements that end savepoint `name`: `RELEASE` it when `commit`, else roll back
/// to it first. Each is a statement of its own (PostgreSQL's extended protocol refuses
/// several in one).
pub fn savepoint_end(name: &str, commit: bool) -> Vec<String> {
    if commit {
        vec![format!("RELEASE SAVEPOINT {name}")]
    } else {
        vec![
            format!("ROLLBACK TO SAVEPOINT {name}"),
            format!("RELEASE SAVEPOINT {name}"),
        ]
    }
}

/// A pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolStatus {
    /// Connections open, in use or idle.
    pub size: u32,
    /// Connections open and idle.
    pub idle: u32,
}

impl PoolStatus {
    /// A status of `size` connections, `idle` of them idle.
    pub const fn new(size: u32, idle: u32) -> Self {
        PoolStatus { size, idle }
    }
}

/// Receives each row of a result, in order.
pub type RowSink<'a> = dyn FnMut(&dyn Row) -> Result<()> + Send + 'a;

/// A backend: its name, the URL schemes it serves, and how to connect.
#[async_trait]
pub trait Driver: Send + Sync + Debug + 'static {
    /// The backend's name (`sqlite`, `postgres`, `mysql`).
    fn name(&self) -> &'static str;
    /// The URL schemes it serves.
    fn schemes(&self) -> &'static [&'static str];
    /// What its dialect can do.
    fn capabilities(&self) -> &'static Capabilities;
    /// Opens a pool for `url`, whose scheme is one of [`Driver::schemes`].
    async fn connect(&self, url: &DatabaseUrl) -> Result<Box<dyn Pool>>;
    /// The backend's migration SQL ([`crate::schema`]), `None` when it has none.
    fn schema_dialect(&self) -> Option<&'static dyn crate::schema::SchemaDialect> {
        None
    }
    /// How to read replication positions, for read-your-writes on replicas; `None`
    /// (the default) when the backend has none.
    fn replication(&self) -> Option<&'static Replication> {
        None
    }
}

/// A backend's replication positions: the queries that read them (each returns one
/// text column) and how to read that text.
#[derive(Debug)]
#[non_exhaustive]
pub struct Replication {
    /// On the primary: its current position (PostgreSQL `pg_current_wal_lsn()`).
    pub current: &'static str,
    /// On a replica: the position it has replayed (PostgreSQL
    /// `pg_last_wal_replay_lsn()`); NULL on a server that is not a replica.
    pub replayed: &'static str,
    /// Reads the text of either query.
    pub parse: fn(&str) -> Option<crate::session::position::Position>,
}

impl Replication {
    /// The queries and parser of a backend.
    pub const fn new(
        current: &'static str,
        replayed: &'static str,
        parse: fn(&str) -> Option<crate::session::position::Position>,
    ) -> Self {
        Replication {
            current,
            replayed,
            parse,
        }
    }
}

/// Something statements run on: a pool, a transaction, or a savepoint.
#[async_trait]
pub trait Executor: Send + Sync + Debug {
    /// The backend's name.
    fn backend(&self) -> &'static str;
    /// What the backend can do.
    fn capabilities(&self) -> &'static Capabilities;
    /// Whether statements run inside a transaction (or a savepoint) rather than each
    /// on its own.
    fn in_transaction(&self) -> bool {
        false
    }
    /// Runs a statement and returns the number of rows it affected.
    async fn execute(&self, stmt: &Statement) -> Result<u64>;
    /// Inserts one row and returns the generated key named by `insert.returning`.
    async fn insert_returning(&self, insert: Insert) -> Result<i64>;
    /// Inserts the rows of `insert` and returns their generated keys (named by
    /// `insert.returning`), in the order of the rows.
    ///
    /// The default inserts one row at a time through
    /// [`insert_returning`](Self::insert_returning); a driver whose dialect returns
    /// the keys of a multi-row insert does it in one statement. Callers run it inside
    /// a transaction.
    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let mut keys = Vec::with_capacity(insert.rows.len());
        for one in insert.into_single_rows() {
            keys.push(self.insert_returning(one).await?);
        }
        Ok(keys)
    }
    /// Inserts the rows of `rows`, whose values are borrowed from the objects written,
    /// and returns their generated keys in row order when `rows.head.returning` names
    /// a column (else no keys). Several rows go in one statement: callers check that
    /// the statement fits (`max_parameters`) and, for keys, that the dialect returns
    /// them (`returning`).
    ///
    /// The default copies the values into an owned [`Insert`] and runs it as
    /// [`insert_returning_many`](Self::insert_returning_many) (or
    /// [`execute`](Self::execute)) would; a driver binds the borrowed values as they are.
    async fn insert_rows(&self, rows: InsertRows<'_>) -> Result<Vec<i64>> {
        let returning = rows.head.returning.is_some();
        let insert = rows.into_owned();
        match (returning, insert.rows.len()) {
            (true, 1) => Ok(vec![self.insert_returning(insert).await?]),
            (true, _) => self.insert_returning_many(insert).await,
            (false, _) => self
                .execute(&Statement::Insert(insert))
                .await
                .map(|_| Vec::new()),
        }
    }
    /// Runs a query and passes each row to `sink`, in order.
    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()>;
    /// Reads the row of `lookup` (a model's row by its key) and passes it to `sink`,
    /// if there is one. The default runs its [`Select`](crate::ir::Select)
    /// ([`ByKey::to_select`]) with [`fetch`](Self::fetch); a driver may bind the key to
    /// the text it keeps for that select instead.
    async fn fetch_by_key(&self, lookup: &ByKey, sink: &mut RowSink<'_>) -> Result<()> {
        self.fetch(&Statement::Select(lookup.to_select()), sink)
            .await
    }
    /// Runs a query and streams its rows through a cursor.
    fn stream(&self, stmt: Statement) -> RowStream<'_>;
    /// Opens a transaction (or, inside one, a savepoint).
    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>>;
    /// Runs a statement of the user's (raw SQL, a sea-query statement) and reports the
    /// rows it affected and the key an `INSERT` generated, where the backend tells it.
    /// By default: [`Executor::execute`], without a key.
    async fn execute_reporting(&self, stmt: &Statement) -> Result<crate::raw::Executed> {
        Ok(crate::raw::Executed::new(self.execute(stmt).await?, None))
    }
    /// Writes every row of `rows` (values borrowed from the objects written, as
    /// [`insert_rows`](Self::insert_rows) takes them) through the database's bulk-load
    /// protocol (PostgreSQL's `COPY ... FROM STDIN`), atomically, and returns how many
    /// rows it wrote.
    ///
    /// Where [`InsertRows::drawn_key`] names the generated column, each row that
    /// leaves it NULL gets a key drawn from the column's sequence as the rows go (a key
    /// that does not fit the column's type,
    /// [`ColumnType::holds_integer`](crate::ColumnType::holds_integer), fails the
    /// load before it is committed: `InvalidValue`), and [`Copied::keys`] lists them
    /// in row order. Only where [`Capabilities::bulk_copy`] says so; by default
    /// `Unsupported`.
    async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
        let _ = rows;
        Err(crate::Error::Unsupported {
            backend: self.backend(),
            feature: "COPY ... FROM STDIN".into(),
        })
    }
}

/// A connection pool: the executor behind a [`Database`](crate::Database).
#[async_trait]
pub trait Pool: Executor {
    /// Opens a transaction that owns its connection, with `options` (the database's
    /// default isolation level and read-write when they are the defaults).
    async fn begin_owned(
        &self,
        options: TransactionOptions,
    ) -> Result<Box<dyn TransactionExecutor>>;
    /// Closes every connection; later calls fail with [`Error::Closed`](crate::Error::Closed).
    /// Returns within a bound even if a connection never comes back: that one is closed
    /// when it does.
    async fn close(&self);
    /// Waits `duration` on the pool's runtime (om-core has no timer of its own): the
    /// backoff between attempts of a retried transaction.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// How many connections are open, and how many of them are idle.
    fn status(&self) -> PoolStatus;
    /// The driver's sqlx pool, for what om does not cover (downcast it).
    fn as_any(&self) -> &dyn Any;
}

/// An open transaction or savepoint. Dropped without `commit`, it is rolled back.
#[async_trait]
pub trait TransactionExecutor: Executor {
    /// Makes the transaction's work permanent (or releases the savepoint).
    async fn commit(self: Box<Self>) -> Result<()>;
    /// Undoes the transaction's work (or rolls back to the savepoint).
    async fn rollback(self: Box<Self>) -> Result<()>;
}
