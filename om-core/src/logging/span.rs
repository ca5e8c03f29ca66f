//! One `tracing` span per statement, with OpenTelemetry's database attributes, and the
//! hook by which a driver tells it the SQL it sent ([`rendered`]).
//!
//! The span (target `om::statement`, level `debug`, name `statement`) is opened where
//! the statement is called, so its parent is the caller's current span. It carries
//! `db.system`, `db.operation`, `db.sql.table`, `db.statement` (the SQL the driver
//! rendered, placeholders and all), `db.response.returned_rows` or
//! `db.response.rows_affected`, `elapsed_ms`, and `error` with `otel.status_code` when
//! it failed. Bound values go in `db.values` only with `log_values`.

use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tracing::Span;

/// What a driver rendered for the statement being traced.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    values: bool,
    rendered: Mutex<Rendered>,
}

/// The SQL sent (several statements joined by `; `) and, when asked for, their values.
#[derive(Debug, Default, Clone)]
pub(crate) struct Rendered {
    pub(crate) sql: String,
    pub(crate) values: String,
}

impl Slot {
    pub(crate) fn new(values: bool) -> Arc<Self> {
        Arc::new(Slot {
            values,
            rendered: Mutex::new(Rendered::default()),
        })
    }

    /// What was rendered so far.
    pub(crate) fn take(&self) -> Rendered {
        self.rendered
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }
}

/// How many statements are being traced right now, anywhere: while none is, the hook
/// returns after one atomic load.
static TRACING: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The slot of the statement whose future this thread is polling.
    static CURRENT: RefCell<Option<Arc<Slot>>> = const { RefCell::new(None) };
}

/// Tells om's statement log the SQL a driver is about to send, and its bound values.
///
/// Drivers call it for each statement they send on om's behalf; it records the SQL in
/// the statement's span (`db.statement`) and, with `log_values`, the values
/// (`db.values`). When no statement is being logged, it costs one atomic load.
#[inline]
pub fn rendered(sql: &str, values: &dyn fmt::Debug) {
    if TRACING.load(Ordering::Relaxed) == 0 {
        return;
    }
    record(sql, values);
}

#[cold]
fn record(sql: &str, values: &dyn fmt::Debug) {
    let _ = CURRENT.try_with(|current| {
        let Ok(current) = current.try_borrow() else {
            return;
        };
        let Some(slot) = current.as_ref() else {
            return;
        };
        let Ok(mut rendered) = slot.rendered.lock() else {
            return;
        };
        if !rendered.sql.is_empty() {
            rendered.sql.push_str("; ");
        }
        rendered.sql.push_str(sql);
        if slot.values {
            if !rendered.values.is_empty() {
                rendered.values.push_str("; ");
            }
            let _ = write!(rendered.values, "{values:?}");
        }
    });
}

/// A future polled inside its statement's span, with its slot current on the thread.
pub(crate) struct Traced<F> {
    inner: F,
    span: Span,
    slot: Arc<Slot>,
}

impl<F> Traced<F> {
    pub(crate) fn new(inner: F, span: Span, slot: Arc<Slot>) -> Self {
        TRACING.fetch_add(1, Ordering::Relaxed);
        Traced { inner, span, slot }
    }

    /// Polls `poll` with this statement's span entered and its slot current.
    pub(crate) fn scoped<T>(span: &Span, slot: &Arc<Slot>, poll: impl FnOnce() -> T) -> T {
        let _entered = span.enter();
        let previous = CURRENT
            .try_with(|c| {
                c.try_borrow_mut()
                    .ok()
                    .and_then(|mut c| c.replace(slot.clone()))
            })
            .ok()
            .flatten();
        let out = poll();
        let _ = CURRENT.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                *c = previous;
            }
        });
        out
    }
}

impl<F> Drop for Traced<F> {
    fn drop(&mut self) {
        TRACING.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<F: Future + Unpin> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let inner = &mut this.inner;
        Traced::<F>::scoped(&this.span, &this.slot, || Pin::new(inner).poll(cx))
    }
}

/// A guard that counts a traced stream among the statements being traced.
pub(crate) struct Counted;

impl Counted {
    pub(crate) fn new() -> Self {
        TRACING.fetch_add(1, Ordering::Relaxed);
        Counted
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        TRACING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// OpenTelemetry's name for a backend (`db.system`).
pub(crate) fn system(backend: &'static str) -> &'static str {
    match backend {
        "postgres" => "postgresql",
        other => other,
    }
}

/// The span of one statement, its attributes still empty where not known yet.
pub(crate) fn open(
    backend: &'static str,
    operation: &str,
    table: Option<&str>,
    values: bool,
) -> Span {
    let empty = tracing::field::Empty;
    if values {
        tracing::debug_span!(
            target: "om::statement",
            "statement",
            db.system = system(backend),
            db.operation = operation,
            db.sql.table = table,
            db.statement = empty,
            db.values = empty,
            db.response.returned_rows = empty,
            db.response.rows_affected = empty,
            elapsed_ms = empty,
            error = empty,
            otel.status_code = empty,
        )
    } else {
        tracing::debug_span!(
            target: "om::statement",
            "statement",
            db.system = system(backend),
            db.operation = operation,
            db.sql.table = table,
            db.statement = empty,
            db.response.returned_rows = empty,
            db.response.rows_affected = empty,
            elapsed_ms = empty,
            error = empty,
            otel.status_code = empty,
        )
    }
}
