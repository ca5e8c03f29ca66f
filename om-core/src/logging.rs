//! Statement logging through `tracing`, as a layer around a database's executors.
//!
//! Each statement is an event of target `om::statement`: at `debug` with its duration,
//! or at `warn` when it took longer than the slow-statement threshold. Bound values are
//! left out unless `log_values` is on.
//!
//! The same layer feeds the [`StatementCapture`]s of `logging/capture.rs`, which
//! describe statements as the log does. When neither `debug` is enabled for the target
//! nor a threshold is set (the default) and no capture is active, a statement costs one
//! check of `tracing`'s cached interest and one relaxed atomic load: no clock read,
//! allocation, lock or formatting, and the inner executor's future is returned as it is.

mod capture;

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use futures::future::BoxFuture;

use crate::driver::{
    Capabilities, Executor, Pool, PoolStatus, RowSink, RowStream, TransactionExecutor,
};
use crate::error::Result;
use crate::ir::{Insert, Statement};
use crate::model::TableMeta;
use crate::options::ConnectOptions;
use crate::raw::Executed;
use crate::transaction::TransactionOptions;

pub(crate) use capture::Captures;
pub use capture::StatementCapture;

/// What to log, and the captures to feed, cloned into every layer.
#[derive(Debug, Clone)]
pub(crate) struct LogOptions {
    log_values: bool,
    slow: Option<Duration>,
    captures: Arc<Captures>,
}

/// A statement being watched: logged (`log`), captured, or both.
#[derive(Clone, Copy)]
struct Watch {
    started: Instant,
    log: bool,
}

impl LogOptions {
    pub(crate) fn new(options: &ConnectOptions, captures: Arc<Captures>) -> Self {
        LogOptions {
            log_values: options.log_values,
            slow: options.slow_statement,
            captures,
        }
    }

    /// The start of a statement that will be logged or captured.
    #[inline]
    fn start(&self) -> Option<Watch> {
        let log = self.slow.is_some()
            || tracing::enabled!(target: "om::statement", tracing::Level::DEBUG);
        if log || self.captures.active() {
            Some(Watch {
                started: Instant::now(),
                log,
            })
        } else {
            None
        }
    }

    /// Logs and captures a statement that ran (or failed) since `watch` started.
    #[inline]
    fn finish<T>(&self, what: Described<'_>, watch: Option<Watch>, outcome: &Result<T>) {
        if let Some(watch) = watch {
            if watch.log {
                let error = outcome.as_ref().err().map(|e| e as &dyn fmt::Display);
                self.emit(what, watch.started.elapsed(), error);
            }
            self.capture(what);
        }
    }

    /// Adds `what` to the active captures, if any.
    #[inline]
    fn capture(&self, what: Described<'_>) {
        self.captures.record(what, self.log_values);
    }

    #[cold]
    fn emit(&self, what: Described<'_>, elapsed: Duration, error: Option<&dyn fmt::Display>) {
        let statement = Display {
            what,
            values: self.log_values,
        };
        let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
        let failed = error.map(tracing::field::display);
        if self.slow.is_some_and(|slow| elapsed >= slow) {
            tracing::warn!(target: "om::statement", elapsed_ms, %statement, error = failed, "slow statement");
        } else {
            tracing::debug!(target: "om::statement", elapsed_ms, %statement, error = failed, "statement");
        }
    }
}

/// What ran: a statement, or the insert behind a generated key.
#[derive(Clone, Copy)]
enum Described<'a> {
    Statement(&'a Statement),
    Insert(&'a Insert),
    Plain(&'static str),
    /// A bulk load: the table and its number of rows (never their values).
    Copy(&'static str, usize),
    /// Keys drawn ahead of a bulk load: the table and how many.
    Keys(&'static str, usize),
}

/// A statement as logged: raw SQL as written, om's own statements by kind and table;
/// bound values only when asked for.
struct Display<'a> {
    what: Described<'a>,
    values: bool,
}

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stmt = match self.what {
            Described::Plain(what) => return f.write_str(what),
            Described::Copy(table, rows) => return write!(f, "COPY {table} ({rows} rows)"),
            Described::Keys(table, n) => return write!(f, "SELECT {n} keys FOR {table}"),
            Described::Insert(insert) => {
                write!(
                    f,
                    "INSERT INTO {} ({} rows)",
                    insert.table.name,
                    insert.rows.len()
                )?;
                if self.values {
                    write!(f, " values {:?}", insert.rows)?;
                }
                return Ok(());
            }
            Described::Statement(stmt) => stmt,
        };
        match stmt {
            Statement::Raw { sql, values } => {
                f.write_str(sql)?;
                if self.values && !values.is_empty() {
                    write!(f, " values {values:?}")?;
                }
                Ok(())
            }
            Statement::Select(s) => {
                write!(f, "SELECT FROM {}", s.table.name)?;
                if self.values {
                    write!(f, " {s:?}")?;
                }
                Ok(())
            }
            Statement::Insert(s) => {
                write!(f, "INSERT INTO {} ({} rows)", s.table.name, s.rows.len())?;
                if self.values {
                    write!(f, " values {:?}", s.rows)?;
                }
                Ok(())
            }
            Statement::Update(s) => {
                write!(f, "UPDATE {}", s.table.name)?;
                if self.values {
                    write!(f, " {s:?}")?;
                }
                Ok(())
            }
            Statement::Delete(s) => {
                write!(f, "DELETE FROM {}", s.table.name)?;
                if self.values {
                    write!(f, " {s:?}")?;
                }
                Ok(())
            }
            Statement::CreateTable(t) => write!(f, "CREATE TABLE {}", t.name),
            Statement::DropTable(t) => write!(f, "DROP TABLE {}", t.name),
            Statement::Built(b) => {
                if self.values {
                    write!(f, "{b:?}")
                } else {
                    f.write_str("(a sea-query statement)")
                }
            }
            // Statements added to the IR later are logged by kind only.
            #[allow(unreachable_patterns)]
            _ => f.write_str("(a statement)"),
        }
    }
}

/// Runs `run`, logging and capturing it as `what`.
macro_rules! logged {
    ($options:expr, $what:expr, $run:expr) => {{
        let watch = $options.start();
        let outcome = $run.await;
        $options.finish($what, watch, &outcome);
        outcome
    }};
}

/// The inner executor's future as it is when nothing is logged or captured; otherwise
/// wrapped in one that logs and captures it.
macro_rules! passthrough {
    ($self:ident, $what:expr, $run:expr) => {{
        match $self.options.start() {
            None => $run,
            Some(watch) => Box::pin(async move {
                let outcome = $run.await;
                $self.options.finish($what, Some(watch), &outcome);
                outcome
            }),
        }
    }};
}

/// Streams `rows`: captures the statement when the stream is first polled (when it is
/// sent), logs it when the stream ends.
fn logged_stream<'a>(
    options: &'a LogOptions,
    stmt: Statement,
    rows: impl FnOnce(Statement) -> RowStream<'a>,
) -> RowStream<'a> {
    let Some(watch) = options.start() else {
        return rows(stmt);
    };
    let logged = stmt.clone();
    let mut inner = rows(stmt);
    Box::pin(async_stream::stream! {
        options.capture(Described::Statement(&logged));
        let mut outcome = Ok(());
        while let Some(row) = inner.next().await {
            if let Err(e) = &row {
                outcome = Err(e.to_string());
            }
            yield row;
        }
        if watch.log {
            let error = outcome.err();
            options.emit(
                Described::Statement(&logged),
                watch.started.elapsed(),
                error.as_ref().map(|e| e as &dyn fmt::Display),
            );
        }
    })
}

/// The executor layer that logs.
pub(crate) struct Logged<E: ?Sized> {
    options: LogOptions,
    inner: Box<E>,
}

impl<E: ?Sized + fmt::Debug> fmt::Debug for Logged<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Logged<dyn Pool> {
    pub(crate) fn pool(inner: Box<dyn Pool>, options: LogOptions) -> Self {
        Logged { options, inner }
    }
}

fn wrap_tx<'a>(
    options: LogOptions,
    inner: Box<dyn TransactionExecutor + 'a>,
) -> Box<dyn TransactionExecutor + 'a> {
    Box::new(Logged::<dyn TransactionExecutor + 'a> { options, inner })
}

macro_rules! logged_executor {
    ($ty:ty) => {
        #[async_trait]
        impl Executor for $ty {
            fn backend(&self) -> &'static str {
                self.inner.backend()
            }

            fn capabilities(&self) -> &'static Capabilities {
                self.inner.capabilities()
            }

            fn in_transaction(&self) -> bool {
                self.inner.in_transaction()
            }

            fn insert_returning_many<'s, 'f>(
                &'s self,
                insert: Insert,
            ) -> BoxFuture<'f, Result<Vec<i64>>>
            where
                's: 'f,
                Self: 'f,
            {
                match self.options.start() {
                    None => self.inner.insert_returning_many(insert),
                    Some(watch) => {
                        // Only when logging or capturing: the insert moves into the call.
                        let logged = insert.clone();
                        Box::pin(async move {
                            let outcome = self.inner.insert_returning_many(insert).await;
                            self.options
                                .finish(Described::Insert(&logged), Some(watch), &outcome);
                            outcome
                        })
                    }
                }
            }

            // Written without `async` so that, when nothing is logged or captured, the
            // inner executor's future is handed back as it is: no second allocation.
            fn execute<'s, 'q, 'f>(&'s self, stmt: &'q Statement) -> BoxFuture<'f, Result<u64>>
            where
                's: 'f,
                'q: 'f,
                Self: 'f,
            {
                passthrough!(self, Described::Statement(stmt), self.inner.execute(stmt))
            }

            fn execute_reporting<'s, 'q, 'f>(
                &'s self,
                stmt: &'q Statement,
            ) -> BoxFuture<'f, Result<Executed>>
            where
                's: 'f,
                'q: 'f,
                Self: 'f,
            {
                passthrough!(
                    self,
                    Described::Statement(stmt),
                    self.inner.execute_reporting(stmt)
                )
            }

            fn insert_returning<'s, 'q, 'f>(
                &'s self,
                insert: &'q Insert,
            ) -> BoxFuture<'f, Result<i64>>
            where
                's: 'f,
                'q: 'f,
                Self: 'f,
            {
                passthrough!(
                    self,
                    Described::Insert(insert),
                    self.inner.insert_returning(insert)
                )
            }

            fn fetch<'s, 'q, 'k, 'r, 'f>(
                &'s self,
                stmt: &'q Statement,
                sink: &'k mut RowSink<'r>,
            ) -> BoxFuture<'f, Result<()>>
            where
                's: 'f,
                'q: 'f,
                'k: 'f,
                'r: 'f,
                Self: 'f,
            {
                passthrough!(
                    self,
                    Described::Statement(stmt),
                    self.inner.fetch(stmt, sink)
                )
            }

            fn stream(&self, stmt: Statement) -> RowStream<'_> {
                logged_stream(&self.options, stmt, |stmt| self.inner.stream(stmt))
            }

            async fn allocate_keys(&self, table: &'static TableMeta, n: usize) -> Result<Vec<i64>> {
                logged!(
                    self.options,
                    Described::Keys(table.name, n),
                    self.inner.allocate_keys(table, n)
                )
            }

            async fn copy_in(&self, insert: Insert) -> Result<u64> {
                let what = Described::Copy(insert.table.name, insert.rows.len());
                logged!(self.options, what, self.inner.copy_in(insert))
            }

            async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
                let tx = logged!(self.options, Described::Plain("BEGIN"), self.inner.begin())?;
                Ok(wrap_tx(self.options.clone(), tx))
            }
        }
    };
}

logged_executor!(Logged<dyn Pool>);
logged_executor!(Logged<dyn TransactionExecutor + '_>);

#[async_trait]
impl Pool for Logged<dyn Pool> {
    async fn begin_owned(
        &self,
        options: TransactionOptions,
    ) -> Result<Box<dyn TransactionExecutor>> {
        let tx = logged!(
            self.options,
            Described::Plain("BEGIN"),
            self.inner.begin_owned(options)
        )?;
        Ok(wrap_tx(self.options.clone(), tx))
    }

    async fn close(&self) {
        self.inner.close().await;
    }

    fn sleep(&self, duration: std::time::Duration) -> BoxFuture<'static, ()> {
        self.inner.sleep(duration)
    }

    fn status(&self) -> PoolStatus {
        self.inner.status()
    }

    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
}

#[async_trait]
impl TransactionExecutor for Logged<dyn TransactionExecutor + '_> {
    async fn commit(self: Box<Self>) -> Result<()> {
        let Logged { options, inner } = *self;
        logged!(options, Described::Plain("COMMIT"), inner.commit())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        let Logged { options, inner } = *self;
        logged!(options, Described::Plain("ROLLBACK"), inner.rollback())
    }
}
