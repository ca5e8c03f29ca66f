//! One read replica of a replicated [`Database`](crate::Database): its pool (opened
//! again later if the replica was unreachable at first), whether it is usable, and the
//! replication position it was last seen to have replayed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::driver::{Driver, Pool};
use crate::session::position::Position;
use crate::url::DatabaseUrl;

/// A replica's health, behind a short-held lock (never across an `await`).
#[derive(Debug, Default)]
struct Health {
    /// Left out until then: unreachable, or too far behind.
    down_until: Option<Instant>,
    /// The position it was last seen to have replayed.
    replayed: Option<Position>,
    /// The primary's position at a moment: not replayed once `max_replica_lag` has
    /// passed since, the replica is too far behind.
    target: Option<(Position, Instant)>,
    /// When its lag is measured next.
    next_check: Option<Instant>,
}

/// One replica.
#[derive(Debug)]
pub(crate) struct Replica {
    pub(crate) url: DatabaseUrl,
    pool: OnceLock<Box<dyn Pool>>,
    health: Mutex<Health>,
    /// Set while one task opens its pool or measures its lag, so that others do not.
    busy: AtomicBool,
    /// Reads it served.
    pub(crate) served: AtomicU64,
}

/// A replica's one-at-a-time slot, held.
#[derive(Debug)]
pub(crate) struct Busy<'a>(&'a AtomicBool);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// What a lag measurement found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lag {
    /// The server reports no replayed position (not a replica, or no positions).
    Unknown,
    /// Behind the last target, but for less than the limit.
    Within,
    /// It reached the last target (or had none): measure against the primary's position
    /// now.
    NeedsTarget,
    /// Behind the last target for longer than the limit.
    TooFar,
}

/// How often a replica's lag is measured, at most.
pub(crate) const CHECK_EVERY: Duration = Duration::from_millis(500);

impl Replica {
    pub(crate) fn new(url: DatabaseUrl, pool: Option<Box<dyn Pool>>) -> Self {
        let replica = Replica {
            url,
            pool: OnceLock::new(),
            health: Mutex::new(Health::default()),
            busy: AtomicBool::new(false),
            served: AtomicU64::new(0),
        };
        if let Some(pool) = pool {
            let _ = replica.pool.set(pool);
        }
        replica
    }

    pub(crate) fn pool(&self) -> Option<&dyn Pool> {
        self.pool.get().map(|p| &**p)
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // A panic while the lock was held leaves plain data behind: use it.
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether it may serve reads now (its pool may still have to be opened).
    pub(crate) fn is_up(&self, now: Instant) -> bool {
        self.health().down_until.is_none_or(|t| now >= t)
    }

    /// Leaves it out for `retry`.
    pub(crate) fn mark_down(&self, retry: Duration, why: &str) {
        let mut h = self.health();
        h.down_until = Some(Instant::now() + retry);
        h.next_check = None;
        drop(h);
        tracing::warn!(
            target: "om::replica",
            replica = %self.url,
            retry_ms = retry.as_millis() as u64,
            "om: replica left out: {why}"
        );
    }

    pub(crate) fn replayed(&self) -> Option<Position> {
        self.health().replayed.clone()
    }

    pub(crate) fn set_replayed(&self, position: Option<Position>) {
        self.health().replayed = position;
    }

    /// Whether its lag is due to be measured; if so, the caller measures it and calls
    /// [`checked`](Self::checked).
    pub(crate) fn check_due(&self, now: Instant) -> bool {
        self.health().next_check.is_none_or(|t| now >= t)
    }

    /// Records a lag measurement, `replayed` by the replica, and tells what follows.
    pub(crate) fn measured(&self, replayed: Option<Position>, max_lag: Duration) -> Lag {
        let now = Instant::now();
        let mut h = self.health();
        h.next_check = Some(now + CHECK_EVERY);
        h.replayed = replayed.clone();
        let Some(replayed) = replayed else {
            return Lag::Unknown;
        };
        match &h.target {
            Some((target, since)) if !replayed.reaches(target) => {
                if now.duration_since(*since) > max_lag {
                    Lag::TooFar
                } else {
                    Lag::Within
                }
            }
            _ => Lag::NeedsTarget,
        }
    }

    /// Sets the primary's position to measure the replica's lag against from now.
    pub(crate) fn set_target(&self, current: Option<Position>) {
        self.health().target = current.map(|p| (p, Instant::now()));
    }

    /// Takes the replica's one-at-a-time slot for opening its pool or measuring it,
    /// given back when the guard is dropped (also when the read that took it is
    /// cancelled).
    pub(crate) fn try_busy(&self) -> Option<Busy<'_>> {
        (!self.busy.swap(true, Ordering::Acquire)).then_some(Busy(&self.busy))
    }

    /// Opens its pool if it has none yet; `false` when that failed (it is then left
    /// out for `retry`).
    pub(crate) async fn ensure_pool(&self, driver: &'static dyn Driver, retry: Duration) -> bool {
        if self.pool.get().is_some() {
            return true;
        }
        let Some(busy) = self.try_busy() else {
            return false;
        };
        let outcome = driver.connect(&self.url).await;
        drop(busy);
        match outcome {
            Ok(pool) => {
                if let Err(extra) = self.pool.set(pool) {
                    extra.close().await;
                }
                true
            }
            Err(e) => {
                self.mark_down(retry, &e.to_string());
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica() -> Replica {
        let url = DatabaseUrl::parse("postgres://u:secret@replica/db").unwrap();
        Replica::new(url, None)
    }

    #[test]
    fn lag_is_measured_against_an_earlier_primary_position() {
        let r = replica();
        let limit = Duration::from_millis(50);
        assert_eq!(r.measured(None, limit), Lag::Unknown);
        assert_eq!(
            r.measured(Some(Position::single(10)), limit),
            Lag::NeedsTarget
        );
        r.set_target(Some(Position::single(20)));
        assert_eq!(r.measured(Some(Position::single(15)), limit), Lag::Within);
        assert!(
            !r.check_due(Instant::now()),
            "measured again only after a while"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(r.measured(Some(Position::single(15)), limit), Lag::TooFar);
        assert_eq!(
            r.measured(Some(Position::single(20)), limit),
            Lag::NeedsTarget
        );
        assert_eq!(r.replayed(), Some(Position::single(20)));
    }

    #[test]
    fn down_until_retry_and_one_task_at_a_time() {
        let r = replica();
        assert!(r.is_up(Instant::now()));
        r.mark_down(Duration::from_millis(30), "test");
        assert!(!r.is_up(Instant::now()));
        assert!(r.is_up(Instant::now() + Duration::from_millis(40)));
        let busy = r.try_busy();
        assert!(busy.is_some());
        assert!(r.try_busy().is_none());
        drop(busy);
        assert!(r.try_busy().is_some(), "given back when dropped");
        assert!(!format!("{r:?}").contains("secret"));
    }
}
