//! Statement captures: the statements a block of code ran, for its tests to assert on.
//!
//! A database's captures are shared by its clones and by every layer of its
//! executors (transactions and savepoints included). While none is active, a statement
//! reads one relaxed atomic counter and nothing else.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{Described, Display};

/// One capture's statements, as logged.
type Sink = Arc<Mutex<Vec<String>>>;

/// The active captures of one database.
#[derive(Default)]
pub(crate) struct Captures {
    /// How many captures are active: all a statement reads while none is.
    active: AtomicUsize,
    /// Their statement lists.
    sinks: Mutex<Vec<Sink>>,
}

impl fmt::Debug for Captures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Captures")
            .field("active", &self.active.load(Ordering::Relaxed))
            .finish()
    }
}

/// A lock that a panic elsewhere does not make unusable: a list of strings cannot be
/// left half-written.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Captures {
    /// Whether a capture is active. A capture started before a statement on the same
    /// task is seen by it (coherence of the one counter), so relaxed is enough.
    #[inline]
    pub(super) fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed) != 0
    }

    /// Adds `what` to every active capture, described as the log describes it.
    #[cold]
    pub(super) fn record(&self, what: Described<'_>, values: bool) {
        let sinks = lock(&self.sinks);
        let Some((last, others)) = sinks.split_last() else {
            return;
        };
        let text = Display { what, values }.to_string();
        for sink in others {
            lock(sink).push(text.clone());
        }
        lock(last).push(text);
    }

    /// Starts a capture.
    pub(crate) fn start(self: &Arc<Self>) -> StatementCapture {
        let sink = Sink::default();
        lock(&self.sinks).push(Arc::clone(&sink));
        self.active.fetch_add(1, Ordering::Relaxed);
        StatementCapture {
            captures: Arc::clone(self),
            sink,
        }
    }
}

/// The statements a [`Database`](crate::Database) ran since
/// [`capture_statements`](crate::Database::capture_statements) started this capture,
/// for a test to assert on: "this block of code ran exactly 3 statements". Dropping it
/// stops the capture.
///
/// It sees every statement of the database, of its clones, of their transactions and
/// savepoints, and of test mode, from every task, as the `om::statement` log describes
/// them (with or without `tracing` enabled):
///
/// - one statement per [`Executor`](crate::Executor) call: an om operation's `SELECT`,
///   `INSERT`, `UPDATE` or `DELETE`, raw SQL, `CREATE TABLE`, ...; a multi-row insert
///   is one statement, even on a backend without `RETURNING` whose driver sends one
///   `INSERT` per row to read the keys;
/// - `BEGIN`, `COMMIT` and `ROLLBACK` of a transaction, and of a savepoint (opened with
///   `tx.begin()` or a nested `transaction`), which are logged the same way; a
///   transaction dropped without either rolls back without a statement of its own;
/// - a stream (`query().stream()`, `iterate`, and raw `fetch_all`/`fetch_one`/
///   `fetch_optional`, which read one) once, when it is first polled: a stream dropped
///   half-read still counts, one never polled does not.
///
/// Statements om runs below the log are not counted: the driver's own (a connection
/// check, PostgreSQL's `SAVEPOINT` around each statement in test mode) and what runs
/// on [`raw_pool`](crate::Database::raw_pool) directly. A statement counts when it
/// ends (succeeded or failed) and a stream when it starts; one already running when the
/// capture starts may or may not count.
///
/// Each capture keeps its own list, so several may be active at once, each seeing
/// every statement after it started. Statements are described without their bound
/// values, unless the database logs them (`log_values`).
///
/// ```no_run
/// # async fn run() -> om_core::Result<()> {
/// let db = om_core::Database::connect("sqlite::memory:").await?;
/// db.execute("CREATE TABLE t (x INTEGER)", ()).await?;
/// let capture = db.capture_statements();
/// db.execute("INSERT INTO t (x) VALUES (1)", ()).await?;
/// let tx = db.begin().await?;
/// tx.execute("DELETE FROM t", ()).await?;
/// tx.commit().await?;
/// assert_eq!(capture.count(), 4);
/// assert_eq!(
///     capture.statements(),
///     ["INSERT INTO t (x) VALUES (1)", "BEGIN", "DELETE FROM t", "COMMIT"]
/// );
/// # Ok(()) }
/// ```
#[must_use = "dropping a capture stops it"]
pub struct StatementCapture {
    captures: Arc<Captures>,
    sink: Sink,
}

impl StatementCapture {
    /// How many statements ran since the capture started (or was last cleared).
    pub fn count(&self) -> usize {
        lock(&self.sink).len()
    }

    /// The statements that ran since the capture started (or was last cleared), in the
    /// order they ended, each as the log describes it: `SELECT FROM post`,
    /// `INSERT INTO post (2 rows)`, `BEGIN`, raw SQL as written.
    pub fn statements(&self) -> Vec<String> {
        lock(&self.sink).clone()
    }

    /// Forgets the statements so far; the capture goes on.
    pub fn clear(&self) {
        lock(&self.sink).clear();
    }
}

impl fmt::Debug for StatementCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatementCapture")
            .field("statements", &*lock(&self.sink))
            .finish()
    }
}

impl Drop for StatementCapture {
    fn drop(&mut self) {
        lock(&self.captures.sinks).retain(|sink| !Arc::ptr_eq(sink, &self.sink));
        self.captures.active.fetch_sub(1, Ordering::Relaxed);
    }
}
