//! Queries over a model and joined ones: `db.query::<User>().left_join::<Post>(..)`,
//! whose rows are tuples of models read in one statement, `(User, Option<Post>)`, and
//! further joins, `.join::<Comment>(..)`, that make them `(User, Option<Post>, Comment)`.

use std::fmt;
use std::marker::PhantomData;

use futures::stream::{BoxStream, StreamExt};

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::expr::{Expr, Order};
use crate::ir::{JoinKind, Select, Statement};
use crate::model::{Model, TableMeta};
use crate::query::check;
use crate::row::Row;

/// One model of a join's rows: the model itself when every row has one (the queried
/// model, an inner join), an `Option` of it for a left join (`None` when the row had
/// no match).
pub trait JoinedSide: Sized + Send + 'static {
    /// The joined model.
    type Model: Model;
    /// Decodes the joined side from `row`, whose columns start at `offset`.
    fn decode(row: &dyn Row, offset: usize) -> Result<Self>;
}

impl<P: Model> JoinedSide for P {
    type Model = P;
    fn decode(row: &dyn Row, offset: usize) -> Result<Self> {
        P::from_row(row, offset)
    }
}

impl<P: Model> JoinedSide for Option<P> {
    type Model = P;
    fn decode(row: &dyn Row, offset: usize) -> Result<Self> {
        // A key column is NULL only where a left join found no row. The row of a model
        // that extends another starts with its root's columns, whose key is read once:
        // a left join matches its tables together or not at all.
        let mut table = P::table();
        while let Some(parent) = table.parent {
            table = parent;
        }
        for &i in table.primary_key {
            let null = row
                .is_null(offset + i)
                .map_err(|e| Error::decode(table.name, table.columns[i].name, e))?;
            if !null {
                return P::from_row(row, offset).map(Some);
            }
        }
        Ok(None)
    }
}

/// The rows of a join: a tuple of the queried model and each joined side, `(A, B)`,
/// `(A, B, Option<C>)`, ... up to eight. Implemented for those tuples only.
pub trait JoinedRow: Sized + Send + 'static {
    /// Decodes a row whose columns are the queried model's, then each joined model's.
    fn decode(row: &dyn Row) -> Result<Self>;
}

/// The column handles of a joined side's model.
type Cols<S> = <<S as JoinedSide>::Model as Model>::Columns;

/// A query over a model joined with others, whose rows are `R`: `(A, B)` for
/// `db.query::<A>().join::<B>(..)`, `(A, Option<B>)` for `left_join`, and one more
/// element for each further `join` or `left_join`, `(A, B, Option<C>, D)`.
///
/// The closures of `join`, `left_join`, `filter` and `order_by` take the column
/// handles of every model so far, in order: `.join::<C>(|a, b, c| ..)`. A model that
/// extends another is read with its whole lineage, and its columns (its ancestors'
/// too) can be used like any other.
#[must_use = "a query does nothing until it is run"]
pub struct JoinQuery<'a, R> {
    exec: &'a dyn Executor,
    select: Select,
    _rows: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for JoinQuery<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinQuery")
            .field("select", &self.select)
            .finish()
    }
}

impl<R> Clone for JoinQuery<'_, R> {
    fn clone(&self) -> Self {
        JoinQuery {
            exec: self.exec,
            select: self.select.clone(),
            _rows: PhantomData,
        }
    }
}

impl<'a, R> JoinQuery<'a, R> {
    /// The query `select`, whose joins give rows of `R`.
    pub(crate) fn new(exec: &'a dyn Executor, select: Select) -> Self {
        JoinQuery {
            exec,
            select,
            _rows: PhantomData,
        }
    }

    /// The query with `table` joined on `on`, whose rows are `T`.
    fn joined<T>(
        mut self,
        kind: JoinKind,
        table: &'static TableMeta,
        on: Expr,
    ) -> JoinQuery<'a, T> {
        self.select.join(kind, table, on);
        JoinQuery::new(self.exec, self.select)
    }

    fn filtered(mut self, expr: Expr) -> Self {
        self.select.and_where(expr);
        self
    }

    fn ordered(mut self, order: Order) -> Self {
        self.select.order.push(order);
        self
    }
}

impl<'a, R: JoinedRow> JoinQuery<'a, R> {
    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.select.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.select.offset = Some(n);
        self
    }

    /// The IR this query runs, for inspection and tests.
    pub fn to_select(&self) -> &Select {
        &self.select
    }

    /// Every matching row.
    pub async fn all(self) -> Result<Vec<R>> {
        check(&self.select, self.exec)?;
        let mut out = Vec::new();
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                out.push(R::decode(row)?);
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The first matching row, `None` when there is none.
    pub async fn first(mut self) -> Result<Option<R>> {
        check(&self.select, self.exec)?;
        self.select.cap_limit(1);
        let mut out = None;
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                if out.is_none() {
                    out = Some(R::decode(row)?);
                }
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The number of matching rows (after `limit` and `offset`).
    pub async fn count(self) -> Result<u64> {
        check(&self.select, self.exec)?;
        crate::query::count(self.exec, self.select).await
    }

    /// The matching rows as a stream, read through a cursor in constant memory.
    pub fn stream(self) -> BoxStream<'a, Result<R>> {
        if let Err(e) = check(&self.select, self.exec) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.exec
            .stream(Statement::Select(self.select))
            .map_rows(|row| R::decode(row))
            .boxed()
    }
}

/// `JoinedRow` for the tuple of these sides.
macro_rules! joined_row {
    ($($side:ident)+) => {
        impl<$($side: JoinedSide),+> JoinedRow for ($($side,)+) {
            // The last side's width is added and never read.
            #[allow(unused_assignments)]
            fn decode(row: &dyn Row) -> Result<Self> {
                let mut offset = 0;
                Ok(($({
                    let side = <$side as JoinedSide>::decode(row, offset)?;
                    offset += <$side::Model as Model>::table().row_width();
                    side
                },)+))
            }
        }
    };
}

/// `filter` and `order_by` for the rows `($side, ...)`.
macro_rules! closures {
    ($($side:ident)+) => {
        impl<'a, $($side: JoinedSide),+> JoinQuery<'a, ($($side,)+)> {
            /// Keeps the rows for which `f`'s expression holds; several filters AND
            /// together. `f` takes the column handles of each model, in order.
            pub fn filter(self, f: impl FnOnce($(&Cols<$side>),+) -> Expr) -> Self {
                self.filtered(f($(<$side::Model as Model>::columns()),+))
            }

            /// Orders by a column of any of the models (`f` takes the column handles of
            /// each, in order). Later calls order ties.
            pub fn order_by(self, f: impl FnOnce($(&Cols<$side>),+) -> Order) -> Self {
                self.ordered(f($(<$side::Model as Model>::columns()),+))
            }
        }
    };
}

/// `join` and `left_join` from the rows `($side, ...)`.
macro_rules! joins {
    ($($side:ident)+) => {
        impl<'a, $($side: JoinedSide),+> JoinQuery<'a, ($($side,)+)> {
            /// Joins model `P`'s table: each row gains the `P` for which `on` holds
            /// (`on` takes the column handles of each model so far, then `P`'s). A model
            /// that extends another is joined with its whole lineage.
            pub fn join<P: Model>(
                self,
                on: impl FnOnce($(&Cols<$side>,)+ &P::Columns) -> Expr,
            ) -> JoinQuery<'a, ($($side,)+ P)> {
                let on = on($(<$side::Model as Model>::columns(),)+ P::columns());
                self.joined(JoinKind::Inner, P::table(), on)
            }

            /// Left-joins model `P`'s table: each row gains an `Option<P>`, `None`
            /// where no row of `P` matches (for a model that extends another: where
            /// any table of its lineage has no matching row).
            pub fn left_join<P: Model>(
                self,
                on: impl FnOnce($(&Cols<$side>,)+ &P::Columns) -> Expr,
            ) -> JoinQuery<'a, ($($side,)+ Option<P>)> {
                let on = on($(<$side::Model as Model>::columns(),)+ P::columns());
                self.joined(JoinKind::Left, P::table(), on)
            }
        }
    };
}

/// Rows of two to eight models; each but the widest can be joined once more.
macro_rules! depths {
    ($($side:ident)+; $next:ident $($more:ident)*) => {
        joined_row!($($side)+);
        closures!($($side)+);
        joins!($($side)+);
        depths!($($side)+ $next; $($more)*);
    };
    ($($side:ident)+;) => {
        joined_row!($($side)+);
        closures!($($side)+);
    };
}

depths!(A B; C D E F G H);
