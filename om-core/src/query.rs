//! `db.query::<M>()`: filters, ordering, paging, and the ways to read the result.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use futures::future::Either;
use futures::stream::{BoxStream, StreamExt};

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::expr::{Expr, Order};
use crate::ir::{ByKey, Delete, JoinKind, Projection, Select, Statement, Update};
use crate::join::JoinQuery;
use crate::model::Model;
use crate::relation::{Load, Loaded};
use crate::value::{KeyArg, is_null};
use crate::write::key_filter;

/// A query on model `M`, built step by step and run by one of its async methods.
///
/// Several `filter`s AND together. Nothing runs until `all`, `first`, `one`,
/// `one_or_none`, `get`, `count`, `exists`, `delete` or `stream` is called.
#[must_use = "a query does nothing until it is run"]
pub struct Query<'a, M> {
    exec: &'a dyn Executor,
    select: Select,
    _model: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Query<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("select", &self.select)
            .finish()
    }
}

impl<M> Clone for Query<'_, M> {
    fn clone(&self) -> Self {
        Query {
            exec: self.exec,
            select: self.select.clone(),
            _model: PhantomData,
        }
    }
}

impl<'a, M: Model> Query<'a, M> {
    #[inline]
    pub(crate) fn new(exec: &'a dyn Executor) -> Self {
        Query {
            exec,
            select: Select::new(M::table()),
            _model: PhantomData,
        }
    }

    /// Keeps the rows for which `f`'s expression holds; several filters AND together.
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
    /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[User::table()]).await?;
    /// # db.add_all(&mut [User { id: None, name: "ann".into() }, User { id: None, name: "bob".into() }]).await?;
    /// let a: Vec<User> = db
    ///     .query::<User>()
    ///     .filter(|u| u.name.like("a%") | u.name.eq("zoe"))
    ///     .filter(|u| u.id.is_not_null())
    ///     .all()
    ///     .await?;
    /// assert_eq!(a.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, f: impl FnOnce(&M::Columns) -> Expr) -> Self {
        self.select.and_where(f(M::columns()));
        self
    }

    /// Orders by a column: `order_by(|c| c.name.asc())`. Later calls order ties.
    pub fn order_by(mut self, f: impl FnOnce(&M::Columns) -> Order) -> Self {
        self.select.order.push(f(M::columns()));
        self
    }

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

    pub(crate) fn select_mut(&mut self) -> &mut Select {
        &mut self.select
    }

    pub(crate) fn executor(&self) -> &'a dyn Executor {
        self.exec
    }

    /// Loads, with each row, what `f`'s relations relate to it: one more statement per
    /// level of relations, never one per row. Rows become `(M, <what f loads>)`:
    ///
    /// `db.query::<User>().with(|u| u.posts().with(|p| p.comments())).all()` gives
    /// `Vec<(User, Vec<(Post, Vec<Comment>)>)>`; a tuple loads several relations
    /// (`|u| (u.posts(), u.profile())`). A relation that was not asked for is not in
    /// the result, so reading it cannot run a query unseen.
    pub fn with<L: Load<M>>(self, f: impl FnOnce(&M::Columns) -> L) -> Loaded<'a, M, L> {
        let load = f(M::columns());
        Loaded::new(self, load)
    }

    /// Joins model `P`'s table: the query's rows become `(M, P)` pairs of the rows
    /// for which `on` holds (`|u, p| p.user_id.eq_column(u.id)`). A [`JoinQuery`]
    /// joins further tables the same way.
    ///
    /// A model that extends another is joined with its whole lineage, as a query on
    /// it reads it.
    pub fn join<P: Model>(
        self,
        on: impl FnOnce(&M::Columns, &P::Columns) -> Expr,
    ) -> JoinQuery<'a, (M, P)> {
        let mut select = self.select;
        select.join(JoinKind::Inner, P::table(), on(M::columns(), P::columns()));
        JoinQuery::new(self.exec, select)
    }

    /// Left-joins model `P`'s table: the query's rows become `(M, Option<P>)` pairs,
    /// with `None` for a row of `M` that no row of `P` matches.
    ///
    /// A model that extends another is joined with its whole lineage: it is `None`
    /// unless a row of each of its tables matches.
    pub fn left_join<P: Model>(
        self,
        on: impl FnOnce(&M::Columns, &P::Columns) -> Expr,
    ) -> JoinQuery<'a, (M, Option<P>)> {
        let mut select = self.select;
        select.join(JoinKind::Left, P::table(), on(M::columns(), P::columns()));
        JoinQuery::new(self.exec, select)
    }

    /// The row with this primary key (a tuple for a composite key), `None` when absent.
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
    /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[User::table()]).await?;
    /// let mut ann = User { id: None, name: "ann".into() };
    /// db.add(&mut ann).await?;
    /// let id = ann.id.unwrap_or_default();
    /// assert_eq!(db.query::<User>().get(id).await?, Some(ann));
    /// assert_eq!(db.query::<User>().get(id + 1).await?, None);
    /// # Ok(()) }
    /// ```
    ///
    /// The key is read when `get` is called. A read by a plain key (one column, nothing
    /// else asked of the query) holds only the executor and the key while it runs.
    pub fn get(self, key: impl KeyArg<M::Key>) -> impl Future<Output = Result<Option<M>>> + Send {
        let table = M::table();
        let mut values = key.key_values();
        let plain = self.select.filter.is_none()
            && self.select.limit.is_none()
            && self.select.reads_rows_as_they_are()
            && ByKey::serves(table);
        match values.next() {
            // A key of one column on a query that asks nothing else: the driver may
            // run it as it is (see `ByKey`), with no query to build.
            Some(value) if plain && !is_null(&value) => {
                let exec = self.exec;
                Either::Left(async move {
                    let lookup = ByKey { table, key: value };
                    let mut out = None;
                    exec.fetch_by_key(&lookup, &mut |row| {
                        if out.is_none() {
                            out = Some(M::from_row(row, 0)?);
                        }
                        Ok(())
                    })
                    .await?;
                    Ok(out)
                })
            }
            first => {
                let filter = key_filter(table, first.into_iter().chain(values), "get");
                // Boxed: a query's future is large, and would make every read by key
                // as large to move.
                Either::Right(Box::pin(async move {
                    let mut query = self;
                    query.select.and_where(filter?);
                    query.select.limit = Some(1);
                    // `fetch_first` checks the query, with its key.
                    query.fetch_first().await
                }))
            }
        }
    }

    /// Every matching row.
    pub async fn all(self) -> Result<Vec<M>> {
        check(&self.select, self.exec)?;
        let mut out = Vec::new();
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                out.push(M::from_row(row, 0)?);
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// The first matching row, `None` when there is none.
    pub async fn first(mut self) -> Result<Option<M>> {
        self.select.cap_limit(1);
        self.fetch_first().await
    }

    async fn fetch_first(self) -> Result<Option<M>> {
        check(&self.select, self.exec)?;
        let mut out = None;
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                if out.is_none() {
                    out = Some(M::from_row(row, 0)?);
                }
                Ok(())
            })
            .await?;
        Ok(out)
    }

    /// Exactly one matching row: [`Error::NotFound`] when there is none,
    /// [`Error::MultipleRows`] when there are several.
    pub async fn one(self) -> Result<M> {
        self.one_or_none().await?.ok_or(Error::NotFound {
            table: M::table().name,
        })
    }

    /// The one matching row, `None` when there is none, [`Error::MultipleRows`] when
    /// there are several.
    pub async fn one_or_none(mut self) -> Result<Option<M>> {
        check(&self.select, self.exec)?;
        // Two rows are enough to tell "several" from "one".
        self.select.cap_limit(2);
        let mut rows = Vec::with_capacity(2);
        self.exec
            .fetch(&Statement::Select(self.select), &mut |row| {
                rows.push(M::from_row(row, 0)?);
                Ok(())
            })
            .await?;
        if rows.len() > 1 {
            return Err(Error::MultipleRows {
                table: M::table().name,
            });
        }
        Ok(rows.pop())
    }

    /// The number of matching rows (after `limit` and `offset`).
    pub async fn count(self) -> Result<u64> {
        check(&self.select, self.exec)?;
        count(self.exec, self.select).await
    }

    /// Whether any row matches (within `limit` and `offset`, as [`count`](Self::count)).
    pub async fn exists(mut self) -> Result<bool> {
        check(&self.select, self.exec)?;
        self.select.projection = Projection::One;
        self.select.cap_limit(1);
        self.select.order.clear();
        let mut found = false;
        self.exec
            .fetch(&Statement::Select(self.select), &mut |_| {
                found = true;
                Ok(())
            })
            .await?;
        Ok(found)
    }

    /// Deletes every matching row and returns how many were deleted.
    ///
    /// A query with `limit`, `offset` or `order_by` is refused rather than widened to
    /// every matching row.
    pub async fn delete(self) -> Result<u64> {
        check(&self.select, self.exec)?;
        if self.select.limit.is_some() || self.select.offset.is_some() {
            return Err(Error::InvalidQuery {
                reason: "a bulk delete cannot have a limit or an offset: filter the rows instead"
                    .into(),
            });
        }
        if !self.select.order.is_empty() {
            return Err(Error::InvalidQuery {
                reason: "a bulk delete cannot be ordered".into(),
            });
        }
        if M::table().parent.is_some() {
            return crate::inherit::delete_matching::<M>(self.exec, self.select).await;
        }
        self.exec
            .execute(&Statement::Delete(Delete {
                table: self.select.table,
                filter: self.select.filter,
            }))
            .await
    }

    /// Updates every matching row and returns how many matched: `query.filter(..)
    /// .update(|c| [c.name.set("x"), c.visits.increment(1)])`.
    ///
    /// Each column is set to a value of its type, to another column of its type
    /// ([`Column::set_column`](crate::Column::set_column)) or to itself plus or minus a
    /// value ([`Column::increment`](crate::Column::increment)). The model's on-update
    /// values are written too, each evaluated once for the statement, and a versioned
    /// model's version goes up by one. Every expression reads the row as it was before
    /// the update (on MySQL, two columns set from each other are `Unsupported`). A query with
    /// `limit`, `offset` or `order_by` is refused (`InvalidQuery`), as are no columns,
    /// a column twice, a key column, and, for a model that extends another, a
    /// column set from a column of another table of its lineage. Such a model's tables
    /// are each updated (in one transaction) for the keys the query matches; the count
    /// is then of the model's rows.
    pub async fn update<I>(self, f: impl FnOnce(&M::Columns) -> I) -> Result<u64>
    where
        I: IntoIterator<Item = crate::column::Set>,
    {
        check(&self.select, self.exec)?;
        if self.select.limit.is_some() || self.select.offset.is_some() {
            return Err(Error::InvalidQuery {
                reason: "a bulk update cannot have a limit or an offset: filter the rows instead"
                    .into(),
            });
        }
        if !self.select.order.is_empty() {
            return Err(Error::InvalidQuery {
                reason: "a bulk update cannot be ordered".into(),
            });
        }
        let sets: Vec<_> = f(M::columns()).into_iter().collect();
        let mut groups = crate::write::bulk_set::<M>(sets)?;
        if M::table().parent.is_some() {
            return crate::inherit::update_matching::<M>(self.exec, self.select, groups).await;
        }
        let Some((table, mut set)) = groups.pop() else {
            return Ok(0);
        };
        crate::write::order_assignments(self.exec, &mut set)?;
        self.exec
            .execute(&Statement::Update(Update {
                table,
                set,
                filter: self.select.filter,
            }))
            .await
    }

    /// The matching rows as a stream, read one at a time through a cursor in constant
    /// memory.
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
    /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[User::table()]).await?;
    /// # db.add_all(&mut [User { id: None, name: "ann".into() }, User { id: None, name: "bob".into() }]).await?;
    /// let mut names = Vec::new();
    /// let mut rows = db.query::<User>().order_by(|u| u.name.asc()).stream();
    /// while let Some(user) = rows.try_next().await? {
    ///     names.push(user.name);
    /// }
    /// assert_eq!(names, ["ann", "bob"]);
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> BoxStream<'a, Result<M>> {
        if let Err(e) = check(&self.select, self.exec) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        self.exec
            .stream(Statement::Select(self.select))
            .map_rows(|row| M::from_row(row, 0))
            .boxed()
    }
}

/// Refuses, before sending it, a query that binds more values than the backend takes
/// in one statement (a long `is_in` list), a LIKE pattern that backends read
/// differently, and a join of a table the query already reads.
pub(crate) fn check(select: &Select, exec: &dyn Executor) -> Result<()> {
    if select.is_grouped() {
        check_grouped(select)?;
    }
    if select.joins.is_empty() && matches!(select.filter, None | Some(Expr::Compare { .. })) {
        // No pattern, no join, at most one bound value (a lookup by key).
        return Ok(());
    }
    let exprs = || {
        select
            .filter
            .iter()
            .chain(select.joins.iter().map(|j| &j.on))
    };
    if let Some(pattern) = exprs().find_map(Expr::dangling_escape) {
        return Err(Error::InvalidQuery {
            reason: format!(
                "the LIKE pattern {pattern:?} ends in an unpaired `\\`: write `\\\\` for a \
                 backslash (om::escape_like does it)"
            ),
        });
    }
    for (i, join) in select.joins.iter().enumerate() {
        if select
            .tables()
            .take(i + 1)
            .any(|t| t.name == join.table.name)
        {
            return Err(Error::InvalidQuery {
                reason: repeated_table(select, i),
            });
        }
    }
    // A left-joined root binds the ONs of the levels below it twice (in its EXISTS).
    let again = select.joins.iter().enumerate().flat_map(|(i, j)| {
        select.joins[i + 1..]
            .iter()
            .take(j.descendants)
            .map(|below| &below.on)
    });
    let bound = exprs()
        .chain(again)
        .map(Expr::parameter_count)
        .sum::<usize>()
        + 2;
    let max = exec.capabilities().max_parameters;
    if bound > max {
        return Err(Error::InvalidQuery {
            reason: format!(
                "the query binds {bound} values and the {} backend takes at most {max} in one \
                 statement: split the `is_in` list",
                exec.backend()
            ),
        });
    }
    Ok(())
}

/// Refuses a grouped query (or one of aggregates) that reads models, or a column it is
/// not grouped by, which backends answer differently (SQLite picks a row's value).
fn check_grouped(select: &Select) -> Result<()> {
    let Projection::Aggregates(items) = &select.projection else {
        return Err(Error::InvalidQuery {
            reason: "a grouped query reads the columns it is grouped by and aggregates: \
                     read it with select(..)"
                .into(),
        });
    };
    let selected = items.iter().filter_map(|i| match i {
        crate::ir::Projected::Column(c) => Some(c),
        crate::ir::Projected::Aggregate(_) => None,
    });
    let ordered = select.order.iter().map(|o| &o.column);
    if let Some(c) = selected
        .chain(ordered)
        .find(|c| !select.group_by.contains(c))
    {
        return Err(Error::InvalidQuery {
            reason: format!(
                "`{}.{}` is read or ordered by in a query that is not grouped by it: \
                 group_by(..) it, or read an aggregate of it",
                c.table, c.column
            ),
        });
    }
    Ok(())
}

/// Why the table of `select.joins[i]`, which the query already reads, cannot be joined.
fn repeated_table(select: &Select, i: usize) -> String {
    let table = select.joins[i].table;
    // The model joined: the last of the levels that extend `table`, if any do.
    let extending = select.joins[i + 1..]
        .iter()
        .take_while(|j| j.table.lineage().iter().any(|t| std::ptr::eq(*t, table)))
        .last();
    match extending {
        Some(j) => format!(
            "`{}` is joined to a query that already reads it: `{}` extends `{}` and is read \
             with its table, which a query can read once (two models that extend the same \
             one, or a model and its ancestor, cannot be joined into one query)",
            table.name, j.table.model, table.model
        ),
        None => format!(
            "`{}` is joined to a query that already reads it: a table can appear once in a \
             query",
            table.name
        ),
    }
}

/// The number of rows `select` matches, after its `limit` and `offset`.
pub(crate) async fn count(exec: &dyn Executor, mut select: Select) -> Result<u64> {
    // Counting every match and paging the number gives the same answer as counting
    // a paged subquery, with a simpler statement.
    let (limit, offset) = (select.limit.take(), select.offset.take());
    let table = select.table.name;
    select.order.clear();
    select.projection = Projection::Count;
    let mut count = 0i64;
    exec.fetch(&Statement::Select(select), &mut |row| {
        count = row
            .get_i64(0)
            .map_err(|e| Error::decode(table, "count(*)", e))?
            .unwrap_or(0);
        Ok(())
    })
    .await?;
    let all = u64::try_from(count).unwrap_or(0);
    let after_offset = all.saturating_sub(offset.unwrap_or(0));
    Ok(limit.map_or(after_offset, |l| after_offset.min(l)))
}

mod aggregate;
mod mapped;
mod page;

pub use mapped::{FromColumns, Mapped, SelectColumns, SelectItem, Selected};
pub use page::Page;
