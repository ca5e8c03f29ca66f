//! [`RetryPolicy`]: how [`Database::transaction_with_retry`](crate::Database::transaction_with_retry)
//! runs a transaction again after a serialization failure, a deadlock or a busy lock.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::error::Error;
use crate::transaction::TransactionOptions;

/// An error that can tell whether running the transaction again may succeed.
///
/// [`Error`] implements it with [`Error::is_retryable`]; an application error type
/// that wraps `om::Error` implements it by asking the wrapped error (and answering
/// `false` for its own failures).
pub trait Retryable {
    /// Whether running the whole transaction again may succeed.
    fn is_retryable(&self) -> bool;
}

impl Retryable for Error {
    fn is_retryable(&self) -> bool {
        Error::is_retryable(self)
    }
}

/// How often and how soon a failed transaction runs again.
///
/// The default: at most 5 attempts, waiting about 10 ms before the second, doubling up
/// to 500 ms, each wait jittered (between half and all of it) so that the transactions
/// that collided do not collide again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    options: TransactionOptions,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(500),
            options: TransactionOptions::new(),
        }
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the transaction at most `attempts` times in all (at least once).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Waits about `initial` before the second attempt, doubling up to `max`.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Opens each attempt's transaction with `options` (an isolation level, say).
    pub fn options(mut self, options: TransactionOptions) -> Self {
        self.options = options;
        self
    }

    /// The transaction options of each attempt.
    pub fn transaction_options(&self) -> TransactionOptions {
        self.options
    }

    /// The most attempts, the first included.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after failed attempt `attempt` (from 1): the backoff for that attempt,
    /// jittered between half and all of it.
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(20);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        let half = full / 2;
        let span = u64::try_from((full - half).as_micros()).unwrap_or(u64::MAX);
        let jitter = random() % span.saturating_add(1);
        half.saturating_add(Duration::from_micros(jitter))
    }
}

/// A random number, from the standard library's per-instance hash keys (no dependency
/// and no global state; good enough to spread retries apart).
fn random() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_jittered_and_capped() {
        let policy =
            RetryPolicy::new().backoff(Duration::from_millis(10), Duration::from_millis(80));
        for _ in 0..100 {
            let first = policy.delay(1);
            assert!(first >= Duration::from_millis(5) && first <= Duration::from_millis(10));
            let third = policy.delay(3);
            assert!(third >= Duration::from_millis(20) && third <= Duration::from_millis(40));
            let late = policy.delay(30);
            assert!(late >= Duration::from_millis(40) && late <= Duration::from_millis(80));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| policy.delay(4)).collect();
        assert!(spread.len() > 1, "the delays are jittered");
    }

    #[test]
    fn huge_backoffs_do_not_overflow() {
        let policy = RetryPolicy::new().backoff(Duration::MAX, Duration::MAX);
        assert!(policy.delay(1) >= Duration::MAX / 2);
        assert!(policy.delay(40) >= Duration::MAX / 2);
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryPolicy::new().max_attempts(0).attempts(), 1);
    }
}
