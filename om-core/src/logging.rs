//! Statement logging through `tracing`, as a layer around a database's executors.
//!
//! Each statement runs in a span of target `om::statement` (see `logging/span.rs`:
//! OpenTelemetry's database attributes, the SQL the driver rendered, rows, duration),
//! and ends with an event of the same target: at `debug` with its duration, or at
//! `warn` when it took longer than the slow-statement threshold. Bound values are left
//! out unless `log_values` is on; with it, they are the values the driver bound.
//!
//! The same layer feeds the [`StatementCapture`]s of `logging/capture.rs`, which
//! describe statements as the log does. When neither `debug` is enabled for the target
//! nor a threshold is set (the default) and no capture is active, a statement costs one
//! check of `tracing`'s cached interest and one relaxed atomic load: no clock read,
//! allocation, lock or formatting, and the inner executor's future is returned as it is.

mod capture;
mod span;

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};

use crate::driver::{
    Capabilities, Executor, Pool, PoolStatus, RowSink, RowStream, TransactionExecutor,
};
use crate::error::Result;
use crate::ir::{Built, ByKey, Copied, Insert, InsertRows, Statement};
use crate::options::ConnectOptions;
use crate::raw::Executed;
use crate::transaction::TransactionOptions;

pub(crate) use capture::Captures;
pub use capture::StatementCapture;
pub use span::rendered;
use span::{Counted, Slot, Traced};

/// What to log, and the captures to feed, cloned into every layer.
#[derive(Debug, Clone)]
pub(crate) struct LogOptions {
    log_values: bool,
    slow: Option<Duration>,
    captures: Arc<Captures>,
}

/// A statement being watched: logged (`log`, in its span), captured, or both.
#[derive(Clone)]
struct Watch {
    started: Instant,
    log: Option<(tracing::Span, Arc<Slot>)>,
}

/// What a statement's outcome says about rows, for the span.
trait Rows {
    /// `(returned, affected)`.
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (None, None)
    }
}

impl Rows for u64 {
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (None, Some(*self))
    }
}
impl Rows for Executed {
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (None, Some(self.rows_affected))
    }
}
impl Rows for i64 {
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (None, Some(1))
    }
}
impl Rows for Vec<i64> {
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (None, Some(self.len() as u64))
    }
}
impl Rows for Copied {
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (None, Some(self.rows))
    }
}
impl Rows for () {}
impl<T: ?Sized> Rows for Box<T> {}

/// The rows a fetch passed to its sink.
struct Returned(u64);
impl Rows for Returned {
    fn rows(&self) -> (Option<u64>, Option<u64>) {
        (Some(self.0), None)
    }
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
    fn start(&self, backend: &'static str, what: Described<'_>) -> Option<Watch> {
        let log = self.logging();
        if log || self.captures.active() {
            Some(Watch {
                started: Instant::now(),
                log: log.then(|| self.open(backend, what)),
            })
        } else {
            None
        }
    }

    /// Whether statements are logged (slow ones, or all at `DEBUG`).
    #[inline]
    fn logging(&self) -> bool {
        self.slow.is_some() || tracing::enabled!(target: "om::statement", tracing::Level::DEBUG)
    }

    /// Whether a statement started now would be logged or captured: what
    /// [`start`](Self::start) decides, without starting.
    #[inline]
    fn watching(&self) -> bool {
        self.logging() || self.captures.active()
    }

    #[cold]
    fn open(&self, backend: &'static str, what: Described<'_>) -> (tracing::Span, Arc<Slot>) {
        let operation = what.operation();
        let span = span::open(backend, &operation, what.table(), self.log_values);
        (span, Slot::new(self.log_values))
    }

    /// Logs and captures a statement that ran (or failed) since `watch` started.
    #[inline]
    fn finish<T: Rows>(&self, what: Described<'_>, watch: Option<Watch>, outcome: &Result<T>) {
        if let Some(watch) = watch {
            if let Some((span, slot)) = &watch.log {
                let error = outcome.as_ref().err().map(|e| e as &dyn fmt::Display);
                let rows = outcome.as_ref().map(Rows::rows).unwrap_or_default();
                self.emit(what, watch.started.elapsed(), error, span, slot, rows);
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
    fn emit(
        &self,
        what: Described<'_>,
        elapsed: Duration,
        error: Option<&dyn fmt::Display>,
        span: &tracing::Span,
        slot: &Slot,
        (returned, affected): (Option<u64>, Option<u64>),
    ) {
        let rendered = slot.take();
        let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
        // Om's own statements are described by kind and table, with the values the
        // driver bound; raw SQL is shown as written, with its values.
        let own = !rendered.sql.is_empty()
            && !matches!(what, Described::Statement(Statement::Raw { .. }));
        let statement = Display {
            what,
            values: self.log_values && !own,
        };
        if !rendered.sql.is_empty() {
            span.record("db.statement", rendered.sql.as_str());
        } else {
            span.record(
                "db.statement",
                tracing::field::display(&Display {
                    what,
                    values: false,
                }),
            );
        }
        if self.log_values && !rendered.values.is_empty() {
            span.record("db.values", rendered.values.as_str());
        }
        if let Some(n) = returned {
            span.record("db.response.returned_rows", n);
        }
        if let Some(n) = affected {
            span.record("db.response.rows_affected", n);
        }
        span.record("elapsed_ms", elapsed_ms);
        if let Some(error) = error {
            span.record("error", tracing::field::display(error));
            span.record("otel.status_code", "ERROR");
        }
        let failed = error.map(tracing::field::display);
        let sql = (!rendered.sql.is_empty()).then_some(rendered.sql.as_str());
        let values = (self.log_values && own).then_some(rendered.values.as_str());
        let _entered = span.enter();
        if self.slow.is_some_and(|slow| elapsed >= slow) {
            tracing::warn!(target: "om::statement", elapsed_ms, %statement, db.statement = sql, db.values = values, error = failed, "slow statement");
        } else {
            tracing::debug!(target: "om::statement", elapsed_ms, %statement, db.statement = sql, db.values = values, error = failed, "statement");
        }
    }
}

/// What ran: a statement, or the insert behind a generated key.
#[derive(Clone, Copy)]
enum Described<'a> {
    Statement(&'a Statement),
    Insert(&'a Insert),
    Plain(&'static str),
    /// A bulk load: the table, its number of rows (never their values) and how many
    /// keys it draws.
    Copy(&'static str, usize, usize),
}

impl Described<'_> {
    /// `db.operation`: the SQL verb.
    fn operation(&self) -> std::borrow::Cow<'static, str> {
        let verb = match self {
            Described::Plain(what) => what,
            Described::Copy(..) => "COPY",
            Described::Insert(_) => "INSERT",
            Described::Statement(stmt) => match stmt {
                Statement::Select(_) => "SELECT",
                Statement::Insert(_) => "INSERT",
                Statement::Update(_) => "UPDATE",
                Statement::Delete(_) => "DELETE",
                Statement::CreateTable(_) => "CREATE TABLE",
                Statement::DropTable(_) => "DROP TABLE",
                Statement::Built(b) => match **b {
                    Built::Select(_) => "SELECT",
                    Built::Insert(_) => "INSERT",
                    Built::Update(_) => "UPDATE",
                    Built::Delete(_) => "DELETE",
                },
                Statement::Raw { sql, .. } => {
                    let word = sql.split_whitespace().next().unwrap_or("");
                    return word.to_ascii_uppercase().into();
                }
                #[allow(unreachable_patterns)]
                _ => "",
            },
        };
        verb.into()
    }

    /// `db.sql.table`: the model's table, when om knows it.
    fn table(&self) -> Option<&'static str> {
        match self {
            Described::Plain(_) => None,
            Described::Copy(table, ..) => Some(table),
            Described::Insert(insert) => Some(insert.table.name),
            Described::Statement(stmt) => stmt.table().map(|t| t.name),
        }
    }
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
            Described::Copy(table, rows, 0) => return write!(f, "COPY {table} ({rows} rows)"),
            Described::Copy(table, rows, keys) => {
                return write!(f, "COPY {table} ({rows} rows, {keys} keys drawn)");
            }
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
    ($options:expr, $backend:expr, $what:expr, $run:expr) => {{
        let watch = $options.start($backend, $what);
        let outcome = match &watch {
            Some(Watch {
                log: Some((span, slot)),
                ..
            }) => Traced::new(Box::pin($run), span.clone(), slot.clone()).await,
            _ => $run.await,
        };
        $options.finish($what, watch, &outcome);
        outcome
    }};
}

/// The inner executor's future as it is when nothing is logged or captured; otherwise
/// wrapped in one that logs and captures it.
macro_rules! passthrough {
    ($self:ident, $what:expr, $run:expr) => {{
        match $self.options.start($self.inner.backend(), $what) {
            None => $run,
            Some(watch) => Box::pin(async move {
                let outcome = match &watch.log {
                    Some((span, slot)) => Traced::new($run, span.clone(), slot.clone()).await,
                    None => $run.await,
                };
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
    backend: &'static str,
    stmt: Statement,
    rows: impl FnOnce(Statement) -> RowStream<'a>,
) -> RowStream<'a> {
    let Some(watch) = options.start(backend, Described::Statement(&stmt)) else {
        return rows(stmt);
    };
    let logged = stmt.clone();
    let mut inner = rows(stmt);
    RowStream::from_boxed(async_stream::stream! {
        options.capture(Described::Statement(&logged));
        let _counted = watch.log.as_ref().map(|_| Counted::new());
        let mut outcome = Ok(());
        let mut returned = 0u64;
        loop {
            let next = match &watch.log {
                Some((span, slot)) => {
                    let mut next = inner.next();
                    std::future::poll_fn(|cx| {
                        Traced::<()>::scoped(span, slot, || next.poll_unpin(cx))
                    })
                    .await
                }
                None => inner.next().await,
            };
            let Some(row) = next else { break };
            match &row {
                Err(e) => outcome = Err(e.to_string()),
                Ok(_) => returned += 1,
            }
            yield row;
        }
        if let Some((span, slot)) = &watch.log {
            let error = outcome.err();
            options.emit(
                Described::Statement(&logged),
                watch.started.elapsed(),
                error.as_ref().map(|e| e as &dyn fmt::Display),
                span,
                slot,
                (Some(returned), None),
            );
        }
    })
}

/// Runs an insert the inner executor takes by value (`run`), logging it when asked:
/// only then is it copied, to describe it once it has run.
fn logged_insert<'f, T: Rows + Send + 'f>(
    options: &'f LogOptions,
    backend: &'static str,
    insert: Insert,
    run: impl FnOnce(Insert) -> BoxFuture<'f, Result<T>>,
) -> BoxFuture<'f, Result<T>> {
    let Some(watch) = options.start(backend, Described::Insert(&insert)) else {
        return run(insert);
    };
    let logged = insert.clone();
    let run = run(insert);
    Box::pin(async move {
        let outcome = match &watch.log {
            Some((span, slot)) => Traced::new(run, span.clone(), slot.clone()).await,
            None => run.await,
        };
        options.finish(Described::Insert(&logged), Some(watch), &outcome);
        outcome
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
                logged_insert(&self.options, self.inner.backend(), insert, |insert| {
                    self.inner.insert_returning_many(insert)
                })
            }

            fn insert_rows<'s, 'r, 'f>(
                &'s self,
                rows: InsertRows<'r>,
            ) -> BoxFuture<'f, Result<Vec<i64>>>
            where
                's: 'f,
                'r: 'f,
                Self: 'f,
            {
                if !self.options.watching() {
                    return self.inner.insert_rows(rows);
                }
                // Logged as the owned insert it is: the keys read back as
                // `insert_returning_many` logs them, else as a statement.
                let insert = rows.into_owned();
                if insert.returning.is_some() {
                    return logged_insert(&self.options, self.inner.backend(), insert, |insert| {
                        self.inner.insert_rows(insert.into())
                    });
                }
                Box::pin(async move {
                    let stmt = Statement::Insert(insert);
                    self.execute(&stmt).await.map(|_| Vec::new())
                })
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

            fn insert_returning<'s, 'f>(&'s self, insert: Insert) -> BoxFuture<'f, Result<i64>>
            where
                's: 'f,
                Self: 'f,
            {
                logged_insert(&self.options, self.inner.backend(), insert, |insert| {
                    self.inner.insert_returning(insert)
                })
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
                let what = Described::Statement(stmt);
                match self.options.start(self.inner.backend(), what) {
                    None => self.inner.fetch(stmt, sink),
                    Some(watch) => Box::pin(async move {
                        let mut returned = 0u64;
                        let mut counting = |row: &dyn crate::row::Row| {
                            returned += 1;
                            sink(row)
                        };
                        let run = self.inner.fetch(stmt, &mut counting);
                        let outcome = match &watch.log {
                            Some((span, slot)) => {
                                Traced::new(run, span.clone(), slot.clone()).await
                            }
                            None => run.await,
                        };
                        let outcome = outcome.map(|()| Returned(returned));
                        self.options.finish(what, Some(watch), &outcome);
                        outcome.map(|_| ())
                    }),
                }
            }

            fn fetch_by_key<'s, 'q, 'k, 'r, 'f>(
                &'s self,
                lookup: &'q ByKey,
                sink: &'k mut RowSink<'r>,
            ) -> BoxFuture<'f, Result<()>>
            where
                's: 'f,
                'q: 'f,
                'k: 'f,
                'r: 'f,
                Self: 'f,
            {
                if !self.options.watching() {
                    return self.inner.fetch_by_key(lookup, sink);
                }
                // Logged and captured as the select it is.
                Box::pin(async move {
                    let stmt = Statement::Select(lookup.to_select());
                    self.fetch(&stmt, sink).await
                })
            }

            fn stream(&self, stmt: Statement) -> RowStream<'_> {
                logged_stream(&self.options, self.inner.backend(), stmt, |stmt| {
                    self.inner.stream(stmt)
                })
            }

            async fn copy_in(&self, rows: InsertRows<'_>) -> Result<Copied> {
                let keys = rows.keys_to_draw();
                let what = Described::Copy(rows.head.table.name, rows.rows, keys);
                logged!(
                    self.options,
                    self.inner.backend(),
                    what,
                    self.inner.copy_in(rows)
                )
            }

            async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
                let tx = logged!(
                    self.options,
                    self.inner.backend(),
                    Described::Plain("BEGIN"),
                    self.inner.begin()
                )?;
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
            self.inner.backend(),
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
        let backend = inner.backend();
        logged!(options, backend, Described::Plain("COMMIT"), inner.commit())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        let Logged { options, inner } = *self;
        let backend = inner.backend();
        logged!(
            options,
            backend,
            Described::Plain("ROLLBACK"),
            inner.rollback()
        )
    }
}
