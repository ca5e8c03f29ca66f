//! Custom row mappers (asyncom's `mapper_factory`): a query's rows mapped into another
//! type by a closure ([`Query::map`]), or a subset of its columns read into a tuple
//! ([`Query::select`]).

use std::fmt;
use std::marker::PhantomData;

use futures::stream::{BoxStream, StreamExt};

use super::Query;
use crate::aggregate::Agg;
use crate::column::Column;
use crate::error::{Error, Result};
use crate::expr::ColumnRef;
use crate::ir::{Projected, Projection, Statement};
use crate::model::Model;
use crate::raw::RowRef;
use crate::row::Row;
use crate::value::{Field, SqlType};

impl<'a, M: Model> Query<'a, M> {
    /// Maps each row into another type with `f`, which reads the row's columns (every
    /// column of the model) by name or position:
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
    /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String, #[om(size = 100)] pub email: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[User::table()]).await?;
    /// # db.add(&mut User { id: None, name: "ann".into(), email: "ann@example.org".into() }).await?;
    /// let labels: Vec<String> = db.query::<User>()
    ///     .map(|row| Ok(format!("{} <{}>", row.get::<String>("name")?, row.get::<String>("email")?)))
    ///     .all()
    ///     .await?;
    /// assert_eq!(labels, ["ann <ann@example.org>"]);
    /// # Ok(()) }
    /// ```
    pub fn map<T, F>(self, f: F) -> Mapped<'a, M, F>
    where
        F: Fn(RowRef<'_>) -> Result<T> + Send + Sync,
    {
        Mapped { query: self, f }
    }

    /// Reads only the given columns, into a tuple (or, for one column, a value) whose
    /// elements have the columns' types (`Option` ones accept NULL):
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
    /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String, #[om(size = 100)] pub email: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[User::table()]).await?;
    /// # db.add(&mut User { id: None, name: "ann".into(), email: "ann@example.org".into() }).await?;
    /// let pairs: Vec<(Option<i64>, String)> = db.query::<User>()
    ///     .select(|c| (c.id, c.name))
    ///     .all()
    ///     .await?;
    /// assert_eq!(pairs[0].1, "ann");
    /// # Ok(()) }
    /// ```
    ///
    /// Aggregates (`c.likes.sum()`, [`count_all()`](crate::count_all)) read beside the
    /// columns a query is [grouped by](Query::group_by), one row per group, or alone,
    /// one row over every match.
    pub fn select<C: SelectColumns>(
        mut self,
        f: impl FnOnce(&M::Columns) -> C,
    ) -> Selected<'a, M, C> {
        let items = f(M::columns()).items();
        let table = self.select.table.name;
        let columns = items
            .iter()
            .map(|item| match item {
                Projected::Column(c) => *c,
                Projected::Aggregate(a) => a.column.unwrap_or(ColumnRef {
                    table,
                    column: "count(*)",
                }),
            })
            .collect::<Vec<_>>();
        let plain = items.iter().all(|i| matches!(i, Projected::Column(_)));
        self.select.projection = if plain && !self.select.is_grouped() {
            Projection::Columns(columns.clone())
        } else {
            Projection::Aggregates(items)
        };
        Selected {
            query: self,
            columns,
            _set: PhantomData,
        }
    }
}

/// A query whose rows are mapped by a closure; run it with `all`, `first` or `stream`.
#[must_use = "a query does nothing until it is run"]
pub struct Mapped<'a, M, F> {
    query: Query<'a, M>,
    f: F,
}

impl<M, F> fmt::Debug for Mapped<'_, M, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped")
            .field("query", &self.query)
            .finish()
    }
}

impl<'a, M: Model, T: Send, F> Mapped<'a, M, F>
where
    F: Fn(RowRef<'_>) -> Result<T> + Send + Sync,
{
    /// Every matching row, mapped.
    pub async fn all(self) -> Result<Vec<T>> {
        super::check(&self.query.select, self.query.exec)?;
        let f = self.f;
        let mut out = Vec::new();
        self.query
            .exec
            .fetch(&Statement::Select(self.query.select), &mut |row| {
                out.push(f(RowRef::new(row))?);
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The first matching row, mapped; `None` when there is none.
    pub async fn first(mut self) -> Result<Option<T>> {
        self.query.select.cap_limit(1);
        Ok(self.all().await?.pop())
    }

    /// The matching rows, mapped, as a stream read through a cursor.
    pub fn stream(self) -> BoxStream<'a, Result<T>>
    where
        F: 'a,
        T: Send + 'a,
    {
        if let Err(e) = super::check(&self.query.select, self.query.exec) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let f = self.f;
        self.query
            .exec
            .stream(Statement::Select(self.query.select))
            .map_rows(move |row| f(RowRef::new(row)))
            .boxed()
    }
}

/// One item a [`Query::select`] reads: a column handle or an aggregate
/// ([`Agg`]).
pub trait SelectItem: Send + 'static {
    /// The type it reads as (a field of this type, or an `Option` of it, holds it).
    type Base: SqlType;
    /// The item, for the IR.
    fn projected(&self) -> Projected;
}

impl<T: SqlType> SelectItem for Column<T> {
    type Base = T;
    fn projected(&self) -> Projected {
        Projected::Column(self.column_ref())
    }
}

impl<T: SqlType> SelectItem for Agg<T> {
    type Base = T;
    fn projected(&self) -> Projected {
        Projected::Aggregate(self.aggregate())
    }
}

/// What a [`Query::select`] reads: one [`SelectItem`] (a column handle or an
/// aggregate), or a tuple of them.
pub trait SelectColumns: Send + 'static {
    /// The items, in order.
    fn items(&self) -> Vec<Projected>;
}

/// What the columns of a [`SelectColumns`] `C` decode into: for one `Column<T>`, a `T` or
/// an `Option<T>`; for a tuple of columns, a tuple of those.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold the columns `{C}`",
    label = "give one field per selected column, of the column's type or an Option of it"
)]
pub trait FromColumns<C>: Sized + Send {
    /// Decodes a row whose columns are `columns`, in order.
    fn from_columns(row: &dyn Row, columns: &[ColumnRef]) -> Result<Self>;
}

fn decode<F: Field>(row: &dyn Row, columns: &[ColumnRef], index: usize) -> Result<F> {
    F::decode(row, index).map_err(|e| match columns.get(index) {
        Some(c) => Error::decode(c.table, c.column, e),
        None => Error::decode("(selected)", "(column)", e),
    })
}

impl<S: SelectItem> SelectColumns for S {
    fn items(&self) -> Vec<Projected> {
        vec![self.projected()]
    }
}

impl<S: SelectItem, F: Field<Base = S::Base>> FromColumns<S> for F {
    fn from_columns(row: &dyn Row, columns: &[ColumnRef]) -> Result<Self> {
        decode(row, columns, 0)
    }
}

macro_rules! column_tuple {
    ($(($t:ident, $f:ident, $i:tt)),+) => {
        impl<$($t: SelectItem),+> SelectColumns for ($($t,)+) {
            fn items(&self) -> Vec<Projected> {
                vec![$(self.$i.projected()),+]
            }
        }

        impl<$($t: SelectItem, $f: Field<Base = $t::Base>),+> FromColumns<($($t,)+)> for ($($f,)+) {
            fn from_columns(row: &dyn Row, columns: &[ColumnRef]) -> Result<Self> {
                Ok(($(decode::<$f>(row, columns, $i)?,)+))
            }
        }
    };
}

column_tuple!((T0, F0, 0));
column_tuple!((T0, F0, 0), (T1, F1, 1));
column_tuple!((T0, F0, 0), (T1, F1, 1), (T2, F2, 2));
column_tuple!((T0, F0, 0), (T1, F1, 1), (T2, F2, 2), (T3, F3, 3));
column_tuple!(
    (T0, F0, 0),
    (T1, F1, 1),
    (T2, F2, 2),
    (T3, F3, 3),
    (T4, F4, 4)
);
column_tuple!(
    (T0, F0, 0),
    (T1, F1, 1),
    (T2, F2, 2),
    (T3, F3, 3),
    (T4, F4, 4),
    (T5, F5, 5)
);
column_tuple!(
    (T0, F0, 0),
    (T1, F1, 1),
    (T2, F2, 2),
    (T3, F3, 3),
    (T4, F4, 4),
    (T5, F5, 5),
    (T6, F6, 6)
);
column_tuple!(
    (T0, F0, 0),
    (T1, F1, 1),
    (T2, F2, 2),
    (T3, F3, 3),
    (T4, F4, 4),
    (T5, F5, 5),
    (T6, F6, 6),
    (T7, F7, 7)
);

/// A query that reads a subset of columns; run it with `all`, `first` or `stream`,
/// naming the type to read into (`Vec<(i64, String)>`).
#[must_use = "a query does nothing until it is run"]
pub struct Selected<'a, M, C> {
    query: Query<'a, M>,
    columns: Vec<ColumnRef>,
    _set: PhantomData<fn() -> C>,
}

impl<M, C> fmt::Debug for Selected<'_, M, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selected")
            .field("query", &self.query)
            .finish()
    }
}

impl<'a, M: Model, C: SelectColumns> Selected<'a, M, C> {
    /// Reads each distinct row once (`SELECT DISTINCT`).
    pub fn distinct(mut self) -> Self {
        self.query.select.distinct = true;
        self
    }

    /// Every matching row's columns.
    pub async fn all<T: FromColumns<C>>(self) -> Result<Vec<T>> {
        super::check(&self.query.select, self.query.exec)?;
        let columns = self.columns;
        let mut out = Vec::new();
        self.query
            .exec
            .fetch(&Statement::Select(self.query.select), &mut |row| {
                out.push(T::from_columns(row, &columns)?);
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The first matching row's columns; `None` when there is none.
    pub async fn first<T: FromColumns<C>>(mut self) -> Result<Option<T>> {
        self.query.select.cap_limit(1);
        Ok(self.all().await?.pop())
    }

    /// The matching rows' columns as a stream read through a cursor.
    pub fn stream<T: FromColumns<C> + 'a>(self) -> BoxStream<'a, Result<T>> {
        if let Err(e) = super::check(&self.query.select, self.query.exec) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let columns = self.columns;
        self.query
            .exec
            .stream(Statement::Select(self.query.select))
            .map_rows(move |row| T::from_columns(row, &columns))
            .boxed()
    }
}
