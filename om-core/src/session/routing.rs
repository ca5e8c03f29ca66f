//! Read routing for a replicated [`Database`](crate::Database): the executor that sends
//! writes, DDL and transactions to the primary and reads to a replica that has replayed
//! what the read must see (or, failing one within `causal_wait`, to the primary).

use std::any::Any;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::future::{BoxFuture, Either};
use futures::stream::StreamExt;

use crate::driver::{
    Capabilities, Driver, Executor, Pool, PoolStatus, Replication, RowSink, RowStream,
    TransactionExecutor,
};
use crate::error::{Error, ErrorKind, Result};
use crate::ir::{Built, Insert, Statement};
use crate::model::TableMeta;
use crate::options::ConnectOptions;
use crate::raw::Executed;
use crate::row::Row;
use crate::session::position::{Position, ReadToken, now_ms};
use crate::session::replica::{Lag, Replica};
use crate::transaction::TransactionOptions;

/// The longest a position query may take before its server counts as unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// The primary, the replicas, and what routing reads among them needs.
#[derive(Debug)]
pub(crate) struct Router {
    primary: Box<dyn Pool>,
    pub(crate) replicas: Vec<Replica>,
    driver: &'static dyn Driver,
    replication: Option<&'static Replication>,
    max_lag: Duration,
    causal_wait: Duration,
    window: Duration,
    retry: Duration,
    next: AtomicUsize,
    pub(crate) primary_reads: AtomicU64,
}

/// What the reads of a handle (a [`Database`](crate::Database) and its clones) must
/// see: the writes it made, and any [`ReadToken`] it was given.
#[derive(Debug, Default)]
pub(crate) struct Tracked {
    /// Every write's position, merged.
    pub(crate) token: Option<ReadToken>,
    /// Milliseconds since the epoch of the last write whose position is unknown (a
    /// backend without positions, or a failed position query): reads go to the primary
    /// for `read_your_writes_window` after it.
    inexact_at_ms: u64,
}

impl Tracked {
    /// What a handle given `token` must see.
    pub(crate) fn from_token(token: ReadToken) -> Self {
        Tracked {
            token: Some(token),
            inexact_at_ms: 0,
        }
    }
}

/// A handle's view of the router: which writes its reads must see, and whether they
/// go to the primary whatever the replicas hold.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) router: Arc<Router>,
    pub(crate) tracked: Arc<Mutex<Tracked>>,
    pub(crate) primary_only: bool,
}

/// What the routing decided for one read.
enum Target<'a> {
    Primary,
    Replica(&'a Replica, &'a dyn Pool),
}

impl Router {
    /// Connects to the primary (an error if that fails) and to each replica (one that
    /// fails is left out and tried again later).
    pub(crate) async fn connect(
        driver: &'static dyn Driver,
        primary: Box<dyn Pool>,
        options: &ConnectOptions,
    ) -> Result<Router> {
        let mut replicas = Vec::with_capacity(options.replicas.len());
        for url in &options.replicas {
            if !driver.schemes().contains(&url.scheme()) {
                return Err(url.invalid(format!(
                    "a replica of a {} database must be a {} URL",
                    driver.name(),
                    driver.name()
                )));
            }
            url.pool_options()?;
            let replica = match driver.connect(url).await {
                Ok(pool) => Replica::new(url.clone(), Some(pool)),
                Err(e) => {
                    let replica = Replica::new(url.clone(), None);
                    replica.mark_down(options.replica_retry, &e.to_string());
                    replica
                }
            };
            replicas.push(replica);
        }
        Ok(Router {
            primary,
            replicas,
            driver,
            replication: driver.replication(),
            max_lag: options.max_replica_lag,
            causal_wait: options.causal_wait,
            window: options.read_your_writes_window,
            retry: options.replica_retry,
            next: AtomicUsize::new(0),
            primary_reads: AtomicU64::new(0),
        })
    }

    /// `fut`, or a connection error once [`PROBE_TIMEOUT`] has passed.
    async fn bounded<T>(&self, fut: impl Future<Output = Result<T>> + Send) -> Result<T> {
        let timer = self.primary.sleep(PROBE_TIMEOUT);
        match futures::future::select(Box::pin(fut), timer).await {
            Either::Left((outcome, _)) => outcome,
            Either::Right(_) => Err(Error::PoolTimedOut),
        }
    }

    /// The position `sql` reports on `pool` (`None`: NULL, or unreadable text),
    /// within [`PROBE_TIMEOUT`].
    async fn position(&self, pool: &dyn Pool, sql: &str) -> Result<Option<Position>> {
        let Some(replication) = self.replication else {
            return Ok(None);
        };
        self.bounded(position_of(pool, replication, sql)).await
    }

    /// The primary's current position, `None` when it cannot be read.
    pub(crate) async fn primary_position(&self) -> Option<Position> {
        let sql = self.replication?.current;
        self.position(&*self.primary, sql).await.ok().flatten()
    }

    /// Asks `replica` for the position it has replayed, and remembers it. A connection
    /// error leaves the replica out.
    async fn probe(&self, replica: &Replica, pool: &dyn Pool) -> Option<Position> {
        let sql = self.replication?.replayed;
        match self.position(pool, sql).await {
            Ok(p) => {
                replica.set_replayed(p.clone());
                p
            }
            Err(e) => {
                if is_unreachable(&e) {
                    replica.mark_down(self.retry, &e.to_string());
                }
                None
            }
        }
    }

    /// Measures `replica`'s lag when it is due, and leaves it out when it is too far
    /// behind. Returns `false` when it is left out.
    async fn check(&self, replica: &Replica, pool: &dyn Pool) -> bool {
        if self.replication.is_none() || !replica.check_due(Instant::now()) {
            return true;
        }
        let Some(busy) = replica.try_busy() else {
            return true;
        };
        let replayed = self.probe(replica, pool).await;
        let up = if !replica.is_up(Instant::now()) {
            false
        } else {
            match replica.measured(replayed, self.max_lag) {
                Lag::TooFar => {
                    replica.mark_down(
                        self.retry,
                        &format!("behind the primary by more than {:?}", self.max_lag),
                    );
                    false
                }
                Lag::NeedsTarget => {
                    replica.set_target(self.primary_position().await);
                    true
                }
                Lag::Within | Lag::Unknown => true,
            }
        };
        drop(busy);
        up
    }

    /// The replicas in the order this read tries them: a rotating start spreads reads.
    fn rotation(&self) -> impl Iterator<Item = &Replica> {
        let n = self.replicas.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..n).map(move |i| &self.replicas[(start + i) % n])
    }

    /// Where a read of `route` goes.
    async fn target(&self, route: &Route) -> Target<'_> {
        if route.primary_only {
            return Target::Primary;
        }
        let (needed, inexact_at_ms) = {
            let t = route.tracked.lock().unwrap_or_else(|e| e.into_inner());
            (t.token.clone(), t.inexact_at_ms)
        };
        if inexact_at_ms > 0 && now_ms() < inexact_at_ms + self.window.as_millis() as u64 {
            return Target::Primary;
        }
        let needed = match needed {
            Some(token) if self.replication.is_none() => {
                if token.within(self.window) {
                    return Target::Primary;
                }
                None
            }
            other => other.map(|t| t.position),
        };
        let now = Instant::now();
        let mut behind = Vec::new();
        for replica in self.rotation() {
            if !replica.is_up(now) || !replica.ensure_pool(self.driver, self.retry).await {
                continue;
            }
            let Some(pool) = replica.pool() else { continue };
            if !self.check(replica, pool).await {
                continue;
            }
            let Some(needed) = &needed else {
                return Target::Replica(replica, pool);
            };
            if replica.replayed().is_some_and(|p| p.reaches(needed)) {
                return Target::Replica(replica, pool);
            }
            if self
                .probe(replica, pool)
                .await
                .is_some_and(|p| p.reaches(needed))
            {
                return Target::Replica(replica, pool);
            }
            if replica.is_up(Instant::now()) {
                behind.push((replica, pool));
            }
        }
        // Wait a bounded time for a replica to replay the write.
        if let Some(needed) = &needed {
            let deadline = Instant::now() + self.causal_wait;
            let mut pause = Duration::from_millis(1);
            while !behind.is_empty() && Instant::now() < deadline {
                self.primary.sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(10));
                for &(replica, pool) in &behind {
                    if self
                        .probe(replica, pool)
                        .await
                        .is_some_and(|p| p.reaches(needed))
                    {
                        return Target::Replica(replica, pool);
                    }
                }
                behind.retain(|(r, _)| r.is_up(Instant::now()));
            }
        }
        Target::Primary
    }
}

/// The position `sql` reports on `exec` (`None`: NULL, or unreadable text).
pub(crate) async fn position_of(
    exec: &dyn Executor,
    replication: &Replication,
    sql: &str,
) -> Result<Option<Position>> {
    let stmt = Statement::Raw {
        sql: sql.to_string(),
        values: Vec::new(),
    };
    let mut text: Option<String> = None;
    exec.fetch(&stmt, &mut |row: &dyn Row| {
        if text.is_none() {
            text = row
                .get_string(0)
                .map_err(|reason| Error::decode("", "position", reason))?;
        }
        Ok(())
    })
    .await?;
    Ok(text.and_then(|t| (replication.parse)(&t)))
}

/// Whether an error says the server could not be reached (so another may serve).
/// A server shutting down or starting (PostgreSQL 57P01-03, MariaDB 1053, 1927) or
/// missing the database (PostgreSQL 3D000, MariaDB 1049: a database created on the
/// primary that has not reached the replica yet) counts as unreachable.
fn is_unreachable(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Connection | ErrorKind::PoolTimeout)
        || e.server().and_then(|s| s.code()).is_some_and(|code| {
            matches!(
                code,
                "57P01" | "57P02" | "57P03" | "3D000" | "1053" | "1927" | "1049"
            )
        })
}

/// Whether a replica refused a statement because it is read-only (a read that
/// writes: `SELECT nextval(..)`, `SELECT .. FOR UPDATE`, a writing `WITH`).
fn is_read_only_refusal(e: &Error) -> bool {
    e.server()
        .and_then(|s| s.code())
        .is_some_and(|code| matches!(code, "25006" | "1290" | "1836"))
}

/// Whether a replica cancelled a read that conflicted with the changes it replays
/// (PostgreSQL's "conflict with recovery", SQLSTATE 40001 on a standby): the primary
/// runs it.
fn is_recovery_conflict(e: &Error) -> bool {
    e.server()
        .and_then(|s| s.code())
        .is_some_and(|code| code == "40001")
}

/// Whether a statement only reads, so that a replica may run it. Raw SQL is judged by
/// its first word; one that writes after all is refused by the read-only replica and
/// run again on the primary.
pub(crate) fn reads_only(stmt: &Statement) -> bool {
    match stmt {
        Statement::Select(_) => true,
        Statement::Built(b) => matches!(**b, Built::Select(_)),
        Statement::Raw { sql, .. } => {
            let word: String = sql
                .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .take(8)
                .collect();
            ["select", "with", "show", "values", "table"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
                && !touches_server_state(sql)
        }
        _ => false,
    }
}

/// Words of raw SQL whose result depends on the server it runs on, or that act on
/// it: the connection's id, sessions, locks, sequences, the last insert, the
/// primary's position. A read naming one goes to the primary. A column that happens to
/// bear such a name only sends its read to the primary too.
const SERVER_STATE: &[&str] = &[
    // PostgreSQL
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_backend_pid",
    "pg_stat_activity",
    "pg_advisory",
    "pg_try_advisory",
    "pg_notify",
    "pg_current_wal",
    "txid_current",
    "pg_current_xact_id",
    "set_config",
    "nextval",
    "setval",
    "currval",
    "lastval",
    " for update",
    " for share",
    " for no key update",
    " for key share",
    // MySQL, MariaDB
    "connection_id",
    "last_insert_id",
    "get_lock",
    "release_lock",
    "is_used_lock",
    "is_free_lock",
    "processlist",
    "found_rows",
    "row_count",
    "@@gtid",
    "lock in share mode",
    // SQLite
    "last_insert_rowid",
    "changes(",
];

fn touches_server_state(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    SERVER_STATE.iter().any(|word| lower.contains(word))
}

impl Route {
    /// Records a write that committed on the primary: its position (where the backend
    /// has them), so that later reads of this handle see it.
    async fn wrote(&self) {
        let position = match self.router.replication {
            Some(_) => self.router.primary_position().await,
            None => None,
        };
        let at = now_ms();
        let mut t = self.tracked.lock().unwrap_or_else(|e| e.into_inner());
        let token = ReadToken {
            position: position.clone().unwrap_or_default(),
            written_at_ms: at,
        };
        match &mut t.token {
            Some(existing) => existing.merge(&token),
            None => t.token = Some(token),
        }
        if position.is_none() {
            t.inexact_at_ms = at;
        }
    }

    fn primary(&self) -> &dyn Pool {
        &*self.router.primary
    }
}

/// The executor of a replicated database.
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) route: Route,
}

#[async_trait]
impl Executor for Routed {
    fn backend(&self) -> &'static str {
        self.route.primary().backend()
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.route.primary().capabilities()
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        let n = self.route.primary().execute(stmt).await?;
        self.route.wrote().await;
        Ok(n)
    }

    async fn insert_returning(&self, insert: &Insert) -> Result<i64> {
        let key = self.route.primary().insert_returning(insert).await?;
        self.route.wrote().await;
        Ok(key)
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        let keys = self.route.primary().insert_returning_many(insert).await?;
        self.route.wrote().await;
        Ok(keys)
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        let out = self.route.primary().execute_reporting(stmt).await?;
        self.route.wrote().await;
        Ok(out)
    }

    async fn allocate_keys(&self, table: &'static TableMeta, n: usize) -> Result<Vec<i64>> {
        self.route.primary().allocate_keys(table, n).await
    }

    async fn copy_in(&self, insert: Insert) -> Result<u64> {
        let n = self.route.primary().copy_in(insert).await?;
        self.route.wrote().await;
        Ok(n)
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        let route = &self.route;
        if !reads_only(stmt) {
            route.primary().fetch(stmt, sink).await?;
            route.wrote().await;
            return Ok(());
        }
        let (replica, pool) = match route.router.target(route).await {
            Target::Primary => {
                route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                return route.primary().fetch(stmt, sink).await;
            }
            Target::Replica(replica, pool) => (replica, pool),
        };
        // Only a read that failed before its first row may run again elsewhere.
        let mut seen = false;
        let outcome = {
            let mut forward = |row: &dyn Row| {
                seen = true;
                sink(row)
            };
            pool.fetch(stmt, &mut forward).await
        };
        match outcome {
            Ok(()) => {
                replica.served.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(e) if !seen && is_unreachable(&e) => {
                replica.mark_down(route.router.retry, &e.to_string());
                route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                route.primary().fetch(stmt, sink).await
            }
            Err(e) if !seen && is_read_only_refusal(&e) => {
                route.primary().fetch(stmt, sink).await?;
                route.wrote().await;
                Ok(())
            }
            Err(e) if !seen && is_recovery_conflict(&e) => {
                route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                route.primary().fetch(stmt, sink).await
            }
            Err(e) => Err(e),
        }
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        let route = &self.route;
        if !reads_only(&stmt) {
            // A write that returns rows: recorded once its rows are read.
            let wrote = futures::stream::once(route.wrote()).filter_map(|()| async { None });
            return Box::pin(route.primary().stream(stmt).chain(wrote));
        }
        let pick = async move {
            match route.router.target(route).await {
                Target::Primary => {
                    route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                    route.primary().stream(stmt)
                }
                Target::Replica(replica, pool) => {
                    // Run again on the primary if the replica fails before the first row.
                    let mut rows = pool.stream(stmt.clone());
                    match rows.next().await {
                        Some(Err(e)) if is_unreachable(&e) => {
                            replica.mark_down(route.router.retry, &e.to_string());
                            route.router.primary_reads.fetch_add(1, Ordering::Relaxed);
                            route.primary().stream(stmt)
                        }
                        first => {
                            replica.served.fetch_add(1, Ordering::Relaxed);
                            Box::pin(futures::stream::iter(first).chain(rows))
                        }
                    }
                }
            }
        };
        Box::pin(futures::stream::once(pick).flatten())
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        let tx = self.route.primary().begin().await?;
        Ok(Box::new(RoutedTx {
            inner: tx,
            route: self.route.clone(),
        }))
    }
}

#[async_trait]
impl Pool for Routed {
    async fn begin_owned(
        &self,
        options: TransactionOptions,
    ) -> Result<Box<dyn TransactionExecutor>> {
        let tx = self.route.primary().begin_owned(options).await?;
        Ok(Box::new(RoutedTx {
            inner: tx,
            route: self.route.clone(),
        }))
    }

    async fn close(&self) {
        self.route.primary().close().await;
        for replica in &self.route.router.replicas {
            if let Some(pool) = replica.pool() {
                pool.close().await;
            }
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.route.primary().sleep(duration)
    }

    fn status(&self) -> PoolStatus {
        self.route.primary().status()
    }

    fn as_any(&self) -> &dyn Any {
        self.route.primary().as_any()
    }
}

/// A transaction of a replicated database: on the primary, its commit recorded as a
/// write.
#[derive(Debug)]
struct RoutedTx<'a> {
    inner: Box<dyn TransactionExecutor + 'a>,
    route: Route,
}

#[async_trait]
impl Executor for RoutedTx<'_> {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }

    fn capabilities(&self) -> &'static Capabilities {
        self.inner.capabilities()
    }

    fn in_transaction(&self) -> bool {
        self.inner.in_transaction()
    }

    async fn execute(&self, stmt: &Statement) -> Result<u64> {
        self.inner.execute(stmt).await
    }

    async fn insert_returning(&self, insert: &Insert) -> Result<i64> {
        self.inner.insert_returning(insert).await
    }

    async fn insert_returning_many(&self, insert: Insert) -> Result<Vec<i64>> {
        self.inner.insert_returning_many(insert).await
    }

    async fn fetch(&self, stmt: &Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.inner.fetch(stmt, sink).await
    }

    fn stream(&self, stmt: Statement) -> RowStream<'_> {
        self.inner.stream(stmt)
    }

    async fn begin(&self) -> Result<Box<dyn TransactionExecutor + '_>> {
        self.inner.begin().await
    }

    async fn execute_reporting(&self, stmt: &Statement) -> Result<Executed> {
        self.inner.execute_reporting(stmt).await
    }

    async fn allocate_keys(&self, table: &'static TableMeta, n: usize) -> Result<Vec<i64>> {
        self.inner.allocate_keys(table, n).await
    }

    async fn copy_in(&self, insert: Insert) -> Result<u64> {
        self.inner.copy_in(insert).await
    }
}

#[async_trait]
impl TransactionExecutor for RoutedTx<'_> {
    async fn commit(self: Box<Self>) -> Result<()> {
        let RoutedTx { inner, route } = *self;
        inner.commit().await?;
        route.wrote().await;
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.inner.rollback().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(sql: &str) -> Statement {
        Statement::Raw {
            sql: sql.into(),
            values: Vec::new(),
        }
    }

    #[test]
    fn reads_are_told_from_writes() {
        for sql in [
            "SELECT 1",
            "  select * from t",
            "(SELECT 1) UNION (SELECT 2)",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "show tables",
            "VALUES (1)",
        ] {
            assert!(reads_only(&raw(sql)), "{sql}");
        }
        for sql in [
            "SELECT pg_terminate_backend(1)",
            "SELECT nextval('s')",
            "SELECT CONNECTION_ID()",
            "select * from t FOR UPDATE",
            "SELECT pid FROM pg_stat_activity",
            "INSERT INTO t VALUES (1)",
            "update t set a = 1",
            "DELETE FROM t",
            "CREATE TABLE t (a int)",
            "selectx",
            "SET x = 1",
            "",
        ] {
            assert!(!reads_only(&raw(sql)), "{sql}");
        }
    }
}
