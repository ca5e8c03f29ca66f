//! Timers on the runtime the suite was built for, and a seeded random source, for the
//! cases that cancel, wait or pick at random.

use std::future::Future;
use std::time::Duration;

/// Waits `duration`.
#[cfg(feature = "runtime-async-std")]
pub async fn sleep(duration: Duration) {
    async_std::task::sleep(duration).await;
}

/// Waits `duration`.
#[cfg(all(feature = "runtime-smol", not(feature = "runtime-async-std")))]
pub async fn sleep(duration: Duration) {
    smol::Timer::after(duration).await;
}

/// Waits `duration`.
#[cfg(all(
    feature = "runtime-tokio",
    not(any(feature = "runtime-async-std", feature = "runtime-smol"))
))]
pub async fn sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Runs `future` for at most `duration`: `None` when it did not finish in time (it is
/// then dropped, wherever it was).
pub async fn timeout<F: Future>(duration: Duration, future: F) -> Option<F::Output> {
    use futures::FutureExt;
    futures::select_biased! {
        out = future.fuse() => Some(out),
        _ = sleep(duration).fuse() => None,
    }
}

/// A small seeded random source (splitmix64): the same seed gives the same cases.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A source seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}
