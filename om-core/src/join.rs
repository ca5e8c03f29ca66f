//! Queries over a model and a joined one: `db.query::<User>().left_join::<Post>(..)`,
//! whose rows are pairs read in one statement.

use std::fmt;
use std::marker::PhantomData;

use futures::stream::{BoxStream, StreamExt};

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::expr::{Expr, Order};
use crate::ir::{Select, Statement};
use crate::model::Model;
use crate::query::check;
use crate::row::Row;

/// What the joined side of a pair is: the model itself for an inner join, an
/// `Option` of it for a left join (`None` when the row had no match).
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
        // A key column is NULL only where a left join found no row.
        let table = P::table();
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

/// A query over model `M` joined with model `J::Model`, whose rows are `(M, J)` pairs:
/// `J` is the joined model for [`Query::join`](crate::Query::join) and an `Option` of
/// it for [`Query::left_join`](crate::Query::left_join).
///
/// Filters and orderings see the columns of both models.
#[must_use = "a query does nothing until it is run"]
pub struct JoinQuery<'a, M, J> {
    exec: &'a dyn Executor,
    select: Select,
    /// A joined model that extends another, which a join cannot read yet.
    refused: Option<&'static str>,
    _models: PhantomData<fn() -> (M, J)>,
}

impl<M, J> fmt::Debug for JoinQuery<'_, M, J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinQuery")
            .field("select", &self.select)
            .finish()
    }
}

impl<M, J> Clone for JoinQuery<'_, M, J> {
    fn clone(&self) -> Self {
        JoinQuery {
            exec: self.exec,
            select: self.select.clone(),
            refused: self.refused,
            _models: PhantomData,
        }
    }
}

type Cols<J> = <<J as JoinedSide>::Model as Model>::Columns;

impl<'a, M: Model, J: JoinedSide> JoinQuery<'a, M, J> {
    pub(crate) fn new(exec: &'a dyn Executor, select: Select) -> Self {
        let joined = <J::Model as Model>::table();
        JoinQuery {
            exec,
            select,
            refused: joined.parent.map(|_| joined.name),
            _models: PhantomData,
        }
    }

    /// Refuses the query before it is sent, if it cannot run.
    fn check(&self) -> Result<()> {
        if let Some(table) = self.refused {
            return Err(Error::InvalidQuery {
                reason: format!(
                    "`{table}` belongs to a model that extends another, which a join cannot \
                     read yet: query that model and join from it instead"
                ),
            });
        }
        check(&self.select, self.exec)
    }

    /// Keeps the pairs for which `f`'s expression holds; several filters AND together.
    pub fn filter(mut self, f: impl FnOnce(&M::Columns, &Cols<J>) -> Expr) -> Self {
        self.select
            .and_where(f(M::columns(), <J::Model as Model>::columns()));
        self
    }

    /// Orders by a column of either model. Later calls order ties.
    pub fn order_by(mut self, f: impl FnOnce(&M::Columns, &Cols<J>) -> Order) -> Self {
        self.select
            .order
            .push(f(M::columns(), <J::Model as Model>::columns()));
        self
    }

    /// Returns at most `n` pairs.
    pub fn limit(mut self, n: u64) -> Self {
        self.select.limit = Some(n);
        self
    }

    /// Skips the first `n` pairs.
    pub fn offset(mut self, n: u64) -> Self {
        self.select.offset = Some(n);
        self
    }

    /// The IR this query runs, for inspection and tests.
    pub fn to_select(&self) -> &Select {
        &self.select
    }

    fn decode(row: &dyn Row) -> Result<(M, J)> {
        Ok((
            M::from_row(row, 0)?,
            J::decode(row, M::table().row_width())?,
        ))
    }

    /// Every matching pair.
    pub async fn all(self) -> Result<Vec<(M, J)>> {
        self.check()?;
        let mut out = Vec::new();
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                out.push(Self::decode(row)?);
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The first matching pair, `None` when there is none.
    pub async fn first(mut self) -> Result<Option<(M, J)>> {
        self.check()?;
        self.select.cap_limit(1);
        let mut out = None;
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                if out.is_none() {
                    out = Some(Self::decode(row)?);
                }
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The number of matching pairs (after `limit` and `offset`).
    pub async fn count(self) -> Result<u64> {
        self.check()?;
        crate::query::count(self.exec, self.select).await
    }

    /// The matching pairs as a stream, read through a cursor in constant memory.
    pub fn stream(self) -> BoxStream<'a, Result<(M, J)>> {
        if let Err(e) = self.check() {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.exec
            .stream(Statement::Select(self.select))
            .map(|row| row.and_then(|row| Self::decode(&*row)))
            .boxed()
    }
}
