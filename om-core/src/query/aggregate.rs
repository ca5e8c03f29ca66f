//! Aggregates over a query's matches ([`Query::sum`], [`Query::avg`], ...), and the
//! grouping ([`Query::group_by`], [`Query::having`]) that [`Query::select`] reads per
//! group.

use super::Query;
use crate::aggregate::{Agg, Having, Summable};
use crate::column::Column;
use crate::error::{Error, Result};
use crate::ir::{Projected, Projection, Statement};
use crate::model::Model;
use crate::value::SqlType;

impl<M: Model> Query<'_, M> {
    /// Groups the matching rows by a column (later calls group by more columns):
    /// [`select`](Query::select) then reads the grouped columns and aggregates, one
    /// row per group.
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "posts")]
    /// # pub struct Post { #[om(primary_key)] pub id: Option<i64>, pub user_id: i64, pub likes: i64 }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[Post::table()]).await?;
    /// # for (user_id, likes) in [(1, 5), (1, 7), (2, 3)] { db.add(&mut Post { id: None, user_id, likes }).await?; }
    /// let per_user: Vec<(i64, Option<i64>)> = db.query::<Post>()
    ///     .group_by(|p| p.user_id)
    ///     .having(|p| p.likes.sum().gt(10))
    ///     .order_by(|p| p.user_id.asc())
    ///     .select(|p| (p.user_id, p.likes.sum()))
    ///     .all()
    ///     .await?;
    /// assert_eq!(per_user, [(1, Some(12))]);
    /// # Ok(()) }
    /// ```
    ///
    /// A grouped query reads nothing but those: `all`, `count` and the others that
    /// read models are refused, as are selected or ordered columns it is not grouped by.
    pub fn group_by<T: SqlType>(mut self, f: impl FnOnce(&M::Columns) -> Column<T>) -> Self {
        self.select.group_by.push(f(M::columns()).column_ref());
        self
    }

    /// Keeps the groups for which `f`'s condition on their aggregates holds; several
    /// AND together.
    pub fn having(mut self, f: impl FnOnce(&M::Columns) -> Having) -> Self {
        let h = f(M::columns());
        self.select.having = Some(Box::new(match self.select.having.take() {
            None => h,
            Some(existing) => existing.and(h),
        }));
        self
    }

    /// An aggregate over every matching row: `None` when it is NULL (a sum, an
    /// average, a minimum or a maximum of no values).
    ///
    /// A query with a `limit`, an `offset` or a grouping is refused: aggregate a page
    /// by filtering it, a grouping with [`select`](Query::select).
    pub async fn aggregate<T: SqlType>(
        mut self,
        f: impl FnOnce(&M::Columns) -> Agg<T>,
    ) -> Result<Option<T>> {
        let agg = f(M::columns()).aggregate();
        if self.select.limit.is_some() || self.select.offset.is_some() {
            return Err(Error::InvalidQuery {
                reason: format!(
                    "{} over a query with a limit or an offset: an aggregate reads every match",
                    agg.describe()
                ),
            });
        }
        if self.select.is_grouped() {
            return Err(Error::InvalidQuery {
                reason: format!(
                    "{} over a grouped query: read a grouping with select(..)",
                    agg.describe()
                ),
            });
        }
        self.select.order.clear();
        self.select.projection = Projection::Aggregates(vec![Projected::Aggregate(agg)]);
        super::check(&self.select, self.exec)?;
        let table = self.select.table.name;
        let column = agg.column.map_or("count(*)", |c| c.column);
        let mut out = None;
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                out = T::decode(row, 0).map_err(|e| Error::decode(table, column, e))?;
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The sum of a column over every matching row (`i64` for integers, `f64` for
    /// floats), `None` when no row has a value.
    pub async fn sum<T: Summable>(
        self,
        f: impl FnOnce(&M::Columns) -> Column<T>,
    ) -> Result<Option<T::Sum>> {
        self.aggregate(|c| f(c).sum()).await
    }

    /// The average of a column over every matching row, `None` when no row has a value.
    pub async fn avg<T: Summable>(
        self,
        f: impl FnOnce(&M::Columns) -> Column<T>,
    ) -> Result<Option<f64>> {
        self.aggregate(|c| f(c).avg()).await
    }

    /// The smallest value of a column among the matching rows, `None` when no row has
    /// a value.
    pub async fn min<T: SqlType>(
        self,
        f: impl FnOnce(&M::Columns) -> Column<T>,
    ) -> Result<Option<T>> {
        self.aggregate(|c| f(c).min()).await
    }

    /// The largest value of a column among the matching rows, `None` when no row has a
    /// value.
    pub async fn max<T: SqlType>(
        self,
        f: impl FnOnce(&M::Columns) -> Column<T>,
    ) -> Result<Option<T>> {
        self.aggregate(|c| f(c).max()).await
    }

    /// How many matching rows have a value in a column (NULLs are not counted).
    pub async fn count_of<T: SqlType>(
        self,
        f: impl FnOnce(&M::Columns) -> Column<T>,
    ) -> Result<u64> {
        let n = self.aggregate(|c| f(c).count()).await?;
        Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    }

    /// How many distinct values a column has among the matching rows (NULL not
    /// counted).
    pub async fn count_distinct<T: SqlType>(
        self,
        f: impl FnOnce(&M::Columns) -> Column<T>,
    ) -> Result<u64> {
        let n = self.aggregate(|c| f(c).count_distinct()).await?;
        Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    }
}
