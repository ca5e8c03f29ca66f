//! Read routing for a replicated [`Database`](crate::Database): the executor that sends
//! writes, DDL and transactions to the primary and reads to a replica that has replayed
//! what the read must see (or, failing one within `causal_wait`, to the primary).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::Either;

use crate::driver::{Driver, Executor, Pool, Replication};
use crate::error::{Error, ErrorKind, Result};
use crate::ir::Statement;
use crate::options::ConnectOptions;
use crate::row::Row;
use crate::session::position::{Position, ReadToken, now_ms};
use crate::session::replica::{Lag, Replica};

mod classify;
mod executor;

pub(crate) use classify::reads_only;
pub(crate) use executor::Routed;

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
    strong: bool,
    window: Duration,
    pub(crate) retry: Duration,
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
pub(crate) enum Target<'a> {
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
            strong: options.strong_reads,
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
    pub(crate) async fn target(&self, route: &Route) -> Target<'_> {
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
        let mut needed = match needed {
            Some(token) if self.replication.is_none() => {
                if token.within(self.window) {
                    return Target::Primary;
                }
                None
            }
            other => other.map(|t| t.position),
        };
        if self.strong {
            // Every write committed before this read: the primary's position now.
            match self.primary_position().await {
                Some(now) => needed.get_or_insert_with(Position::default).merge(&now),
                None => return Target::Primary,
            }
        }
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
pub(super) fn is_unreachable(e: &Error) -> bool {
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
pub(super) fn is_read_only_refusal(e: &Error) -> bool {
    e.server()
        .and_then(|s| s.code())
        .is_some_and(|code| matches!(code, "25006" | "1290" | "1836"))
}

/// Whether a replica cancelled a read that conflicted with the changes it replays
/// (PostgreSQL's "conflict with recovery", SQLSTATE 40001 on a standby): the primary
/// runs it.
pub(super) fn is_recovery_conflict(e: &Error) -> bool {
    e.server()
        .and_then(|s| s.code())
        .is_some_and(|code| code == "40001")
}

impl Route {
    /// Records a write that committed on the primary: its position (where the backend
    /// has them), so that later reads of this handle see it.
    pub(crate) async fn wrote(&self) {
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

    pub(crate) fn primary(&self) -> &dyn Pool {
        &*self.router.primary
    }
}
