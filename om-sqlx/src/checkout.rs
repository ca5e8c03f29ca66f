//! [`Checkout`]: a pool connection that is closed, not returned, when its work was cut
//! short.
//!
//! A future dropped while a statement is on the wire (a timeout, a `select!` that took
//! another branch) can leave the connection half-way through a packet: returned to the
//! pool, the next user (or sqlx's ping on release, which has no timeout) would wait for
//! a reply that never comes. So a connection whose operation did not finish, or that
//! failed with a connection-level error, is closed instead (the server then rolls back
//! whatever it had open), on backends that ask for it
//! ([`Backend::CLOSE_WHEN_CANCELLED`]).

use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use om_core::Row;
use om_core::driver::{BoxedRow, RowCursor, RowStream};
use om_core::{Error, ErrorKind};
use sqlx::pool::PoolConnection;

use crate::backend::{Backend, Conn};

/// Whether `error` may leave its connection in an unknown state (a broken socket, a
/// protocol error, a statement refused half-way through sending it), so that the
/// connection must not be reused.
///
/// `Driver` errors are among them: the driver's own anomalies (a reply it did not
/// expect, MySQL's "prepared statement expected N parameters", after which the
/// connection does not answer). Errors om raises before sending anything
/// (`InvalidQuery`, `BindCount`, `InvalidValue`) are not.
pub fn breaks_connection(error: &Error) -> bool {
    match error {
        Error::Io(_) | Error::Driver(_) | Error::CommitOutcomeUnknown { .. } => true,
        Error::Database(server) => server.kind() == ErrorKind::Connection,
        _ => false,
    }
}

/// A connection of the pool, checked out for one operation or one transaction.
pub(crate) struct Checkout<B: Backend> {
    conn: PoolConnection<B::Db>,
    /// Set while an operation runs, and left set when it was cut short or broke the
    /// connection.
    in_flight: InFlight,
}

/// The in-flight flag: a plain one for one operation (no allocation on the common
/// path), shared with a stream or a transaction's streams, which clear it while they
/// wait for their reader between rows.
enum InFlight {
    Local(bool),
    Shared(Arc<AtomicBool>),
}

impl<B: Backend> Checkout<B> {
    /// Checks out `conn`, in flight until [`finish`](Self::finish).
    pub(crate) fn new(conn: PoolConnection<B::Db>) -> Self {
        Checkout {
            conn,
            in_flight: InFlight::Local(true),
        }
    }

    /// Checks out `conn` for a stream, with the flag its [`tracked`] wrapper keeps.
    pub(crate) fn with_flag(conn: PoolConnection<B::Db>, in_flight: Arc<AtomicBool>) -> Self {
        Checkout {
            conn,
            in_flight: InFlight::Shared(in_flight),
        }
    }

    /// The in-flight flag, shared from now on, for streams to toggle around each read.
    pub(crate) fn flag(&mut self) -> Arc<AtomicBool> {
        match &self.in_flight {
            InFlight::Shared(flag) => flag.clone(),
            InFlight::Local(set) => {
                let flag = Arc::new(AtomicBool::new(*set));
                self.in_flight = InFlight::Shared(flag.clone());
                flag
            }
        }
    }

    fn set(&mut self, value: bool) {
        match &mut self.in_flight {
            InFlight::Local(set) => *set = value,
            InFlight::Shared(flag) => flag.store(value, Ordering::Release),
        }
    }

    /// Whether an earlier operation was cut short or broke the connection. (On a
    /// backend that keeps such connections, a transaction still refuses to go on after
    /// one: the cut statement may or may not have run.)
    pub(crate) fn is_broken(&self) -> bool {
        match &self.in_flight {
            InFlight::Local(set) => *set,
            InFlight::Shared(flag) => flag.load(Ordering::Acquire),
        }
    }

    /// Whether the connection is to be closed rather than returned.
    pub(crate) fn closes(&self) -> bool {
        B::CLOSE_WHEN_CANCELLED && self.is_broken()
    }

    /// Marks the start of an operation.
    pub(crate) fn start(&mut self) {
        self.set(true);
    }

    /// Ends an operation with `outcome`: unless the outcome broke the connection, it is
    /// clean again.
    pub(crate) fn finish<T>(&mut self, outcome: om_core::Result<T>) -> om_core::Result<T> {
        self.settle(&outcome);
        outcome
    }

    /// [`finish`](Self::finish) for a connection that took part in an operation whose
    /// outcome is returned by another.
    pub(crate) fn settle<T>(&mut self, outcome: &om_core::Result<T>) {
        if !matches!(outcome, Err(e) if breaks_connection(e)) {
            self.set(false);
        }
    }
}

impl<B: Backend> Deref for Checkout<B> {
    type Target = Conn<B>;
    fn deref(&self) -> &Conn<B> {
        &self.conn
    }
}

impl<B: Backend> DerefMut for Checkout<B> {
    fn deref_mut(&mut self) -> &mut Conn<B> {
        &mut self.conn
    }
}

impl<B: Backend> Drop for Checkout<B> {
    fn drop(&mut self) {
        if self.closes() {
            self.conn.close_on_drop();
        }
    }
}

/// Wraps a stream over a checked-out connection so that `in_flight` tells whether the
/// stream was left waiting for the server: cleared before each poll (a connection the
/// stream gives back during a poll is clean), and after it set only if the poll
/// returned `Pending` or a connection-level error. A stream dropped by its reader
/// between rows leaves the connection clean (sqlx skips the unread rows on its next
/// use); one dropped while waiting for the server leaves it to be closed.
pub(crate) fn tracked<'a, B: Backend>(
    inner: RowStream<'a>,
    in_flight: Arc<AtomicBool>,
) -> RowStream<'a> {
    if !B::CLOSE_WHEN_CANCELLED {
        return inner;
    }
    RowStream::new(Tracked::new(inner, in_flight, None))
}

/// A stream whose in-flight flag is kept as [`tracked`] says. It gives its connection
/// back as soon as it ends or fails, even if it is never polled or dropped again, and
/// a failure sets `failed` (a transaction's) when there is one.
pub(crate) struct Tracked<'a> {
    inner: Option<RowStream<'a>>,
    in_flight: Arc<AtomicBool>,
    failed: Option<&'a AtomicBool>,
}

impl<'a> Tracked<'a> {
    pub(crate) fn new(
        inner: RowStream<'a>,
        in_flight: Arc<AtomicBool>,
        failed: Option<&'a AtomicBool>,
    ) -> Self {
        Tracked {
            inner: Some(inner),
            in_flight,
            failed,
        }
    }

    /// Polls `inner` with the flag cleared, then sets it if the poll left the stream
    /// waiting for the server.
    #[inline]
    fn poll_tracked<T>(
        &mut self,
        poll: impl FnOnce(&mut RowStream<'a>) -> Poll<Option<Result<T, Error>>>,
    ) -> Poll<Option<Result<T, Error>>> {
        let Some(inner) = &mut self.inner else {
            return Poll::Ready(None);
        };
        self.in_flight.store(false, Ordering::Release);
        let polled = poll(inner);
        let waiting = match &polled {
            Poll::Pending => true,
            Poll::Ready(Some(Err(e))) => breaks_connection(e),
            Poll::Ready(_) => false,
        };
        self.in_flight.store(waiting, Ordering::Release);
        match &polled {
            Poll::Ready(None) => self.inner = None,
            Poll::Ready(Some(Err(_))) => {
                self.inner = None;
                if let Some(failed) = self.failed {
                    failed.store(true, Ordering::Release);
                }
            }
            _ => {}
        }
        polled
    }
}

impl<'a> RowCursor<'a> for Tracked<'a> {
    fn poll_lend(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        visit: &mut dyn FnMut(&dyn Row),
    ) -> Poll<Option<Result<(), Error>>> {
        self.get_mut()
            .poll_tracked(|inner| inner.poll_lend(cx, visit))
    }

    fn poll_boxed(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<BoxedRow<'a>, Error>>> {
        self.get_mut().poll_tracked(|inner| inner.poll_boxed(cx))
    }
}
