//! [`RowStream`]: the rows of a query read through a cursor, one at a time.
//!
//! A stream either lends each row to its reader ([`RowStream::map_rows`], how a model
//! stream decodes: no allocation per row) or hands it over boxed (its [`Stream`]
//! implementation, for a reader that keeps rows, such as raw SQL's `SqlRow`). A driver
//! builds one from a stream of its own row type ([`RowStream::from_rows`]), so that
//! both ways are open; a layer that only has boxed rows wraps them with
//! [`RowStream::from_boxed`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{Stream, ready};
use pin_project_lite::pin_project;

use crate::error::Result;
use crate::row::Row;

/// A row handed over by a stream.
pub type BoxedRow<'a> = Box<dyn Row + 'a>;

/// What a [`RowStream`] reads its rows from. Implemented by the stream types
/// [`RowStream::from_rows`] and [`RowStream::from_boxed`] build, and by a layer that
/// wraps a stream and keeps both ways of reading it open (as a driver's stream that
/// tracks whether it waits for the server does).
pub trait RowCursor<'a>: Send {
    /// Polls for the next row and lends it to `visit`: `Ready(Some(Ok(())))` once
    /// `visit` has seen it, `Ready(None)` at the end.
    fn poll_lend(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        visit: &mut dyn FnMut(&dyn Row),
    ) -> Poll<Option<Result<()>>>;

    /// Polls for the next row and hands it over, boxed.
    fn poll_boxed(self: Pin<&mut Self>, cx: &mut Context<'_>)
    -> Poll<Option<Result<BoxedRow<'a>>>>;
}

/// A stream of rows read through a cursor. As a [`Stream`] it yields each row boxed;
/// [`map_rows`](Self::map_rows) decodes each row where it lies instead.
pub struct RowStream<'a> {
    cursor: Pin<Box<dyn RowCursor<'a> + 'a>>,
}

impl std::fmt::Debug for RowStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowStream")
    }
}

impl<'a> RowStream<'a> {
    /// A stream reading `cursor`.
    pub fn new(cursor: impl RowCursor<'a> + 'a) -> Self {
        RowStream {
            cursor: Box::pin(cursor),
        }
    }

    /// The rows of `rows`, a stream of a driver's own row type: lent as they are, boxed
    /// only for a reader that keeps them.
    pub fn from_rows<R, S>(rows: S) -> Self
    where
        R: Row + 'a,
        S: Stream<Item = Result<R>> + Send + 'a,
    {
        RowStream::new(Rows { rows })
    }

    /// The rows of `rows`, already boxed.
    pub fn from_boxed<S>(rows: S) -> Self
    where
        S: Stream<Item = Result<BoxedRow<'a>>> + Send + 'a,
    {
        RowStream::new(Rows { rows })
    }

    /// A stream that yields `error` and ends.
    pub fn failed(error: crate::Error) -> Self {
        RowStream::from_boxed(futures::stream::once(async move { Err(error) }))
    }

    /// The rows of the stream `future` gives, once it has given it.
    pub fn deferred(future: impl Future<Output = RowStream<'a>> + Send + 'a) -> Self {
        RowStream::new(Deferred {
            future: Some(Box::pin(future)),
            first: None,
            rows: None,
        })
    }

    /// `first` (a row read ahead, or its error), then the rest of this stream.
    pub fn after_first(self, first: Option<Result<BoxedRow<'a>>>) -> Self {
        RowStream::new(Deferred {
            future: None,
            first,
            rows: Some(self),
        })
    }

    /// Polls for the next row and lends it to `visit` (see [`RowCursor::poll_lend`]).
    pub fn poll_lend(
        &mut self,
        cx: &mut Context<'_>,
        visit: &mut dyn FnMut(&dyn Row),
    ) -> Poll<Option<Result<()>>> {
        self.cursor.as_mut().poll_lend(cx, visit)
    }

    /// Polls for the next row, boxed (see [`RowCursor::poll_boxed`]).
    pub fn poll_boxed(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<BoxedRow<'a>>>> {
        self.cursor.as_mut().poll_boxed(cx)
    }

    /// Each row decoded by `decode` as it lies in the driver's buffer: no allocation per
    /// row for the row itself.
    pub fn map_rows<T, F>(self, decode: F) -> MapRows<'a, F>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        MapRows { rows: self, decode }
    }
}

impl<'a> Stream for RowStream<'a> {
    type Item = Result<BoxedRow<'a>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_boxed(cx)
    }
}

/// The stream [`RowStream::map_rows`] returns.
pub struct MapRows<'a, F> {
    rows: RowStream<'a>,
    decode: F,
}

impl<F> std::fmt::Debug for MapRows<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MapRows")
    }
}

// `decode` is never pinned: it is only called through `&mut`.
impl<F> Unpin for MapRows<'_, F> {}

impl<T, F> Stream for MapRows<'_, F>
where
    F: FnMut(&dyn Row) -> Result<T>,
{
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let MapRows { rows, decode } = self.get_mut();
        let mut decoded = None;
        match rows.poll_lend(cx, &mut |row| decoded = Some(decode(row))) {
            Poll::Ready(Some(Ok(()))) => Poll::Ready(decoded),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A row as a stream yields it: a driver's own row, or one already boxed.
trait Yielded<'a>: Send {
    fn lend(&self) -> &dyn Row;
    fn boxed(self) -> BoxedRow<'a>;
}

impl<'a, R: Row + 'a> Yielded<'a> for R {
    fn lend(&self) -> &dyn Row {
        self
    }
    fn boxed(self) -> BoxedRow<'a> {
        Box::new(self)
    }
}

impl<'a> Yielded<'a> for BoxedRow<'a> {
    fn lend(&self) -> &dyn Row {
        &**self
    }
    fn boxed(self) -> BoxedRow<'a> {
        self
    }
}

pin_project! {
    /// A stream of rows, a driver's own or boxed.
    struct Rows<S> {
        #[pin]
        rows: S,
    }
}

impl<'a, Y, S> RowCursor<'a> for Rows<S>
where
    Y: Yielded<'a>,
    S: Stream<Item = Result<Y>> + Send + 'a,
{
    fn poll_lend(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        visit: &mut dyn FnMut(&dyn Row),
    ) -> Poll<Option<Result<()>>> {
        self.project()
            .rows
            .poll_next(cx)
            .map(|next| next.map(|row| row.map(|row| visit(row.lend()))))
    }

    fn poll_boxed(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<BoxedRow<'a>>>> {
        self.project()
            .rows
            .poll_next(cx)
            .map(|next| next.map(|row| row.map(Yielded::boxed)))
    }
}

/// A stream that first waits for the stream it reads, and may hand out a row read
/// ahead before that stream's own rows.
struct Deferred<'a> {
    future: Option<BoxFuture<'a, RowStream<'a>>>,
    first: Option<Result<BoxedRow<'a>>>,
    rows: Option<RowStream<'a>>,
}

impl Deferred<'_> {
    fn poll_started(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if let Some(future) = &mut self.future {
            self.rows = Some(ready!(future.as_mut().poll(cx)));
            self.future = None;
        }
        Poll::Ready(())
    }
}

impl<'a> RowCursor<'a> for Deferred<'a> {
    fn poll_lend(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        visit: &mut dyn FnMut(&dyn Row),
    ) -> Poll<Option<Result<()>>> {
        let this = self.get_mut();
        ready!(this.poll_started(cx));
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(first.map(|row| visit(&*row))));
        }
        match &mut this.rows {
            Some(rows) => rows.poll_lend(cx, visit),
            None => Poll::Ready(None),
        }
    }

    fn poll_boxed(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<BoxedRow<'a>>>> {
        let this = self.get_mut();
        ready!(this.poll_started(cx));
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(first));
        }
        match &mut this.rows {
            Some(rows) => rows.poll_boxed(cx),
            None => Poll::Ready(None),
        }
    }
}
