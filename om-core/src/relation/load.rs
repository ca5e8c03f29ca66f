//! Eager loading: the related rows of many parents, one batched statement per level.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use futures::future::BoxFuture;

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::ir::Statement;
use crate::model::Model;
use crate::query::{Query, check};
use crate::relation::group::{GroupKey, read_value};
use crate::relation::link::{Many, One, Relation};
use crate::value::is_null;

/// Something that loads, for each of a list of `M`s, what relates to it: a
/// [`Relation`], or a tuple of them (loaded one after the other).
///
/// Related rows are read in one statement per level (`WHERE link IN (...)`, split in
/// chunks under the backend's limit on bound values), never one per parent.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relation of `{M}` that can be loaded",
    note = "loaded models must be `Clone` (a row related to several parents is given to each)"
)]
pub trait Load<M: Model>: Send + Sync {
    /// What each parent gets: a `Vec` of related rows ([`Many`]), an `Option` ([`One`]),
    /// or, for a tuple, a tuple of those.
    type Output: Send + 'static;

    /// What relates to each of `parents`, in their order.
    fn load<'e>(
        &'e self,
        exec: &'e dyn Executor,
        parents: &'e [M],
    ) -> BoxFuture<'e, Result<Vec<Self::Output>>>;
}

/// What is loaded below each related row: nothing ([`Leaf`]), or more relations
/// ([`With`]).
pub trait Nested<R>: Send + Sync {
    /// A related row with what was loaded below it: `R` itself, or `(R, <output>)`.
    type Item: Clone + Send + 'static;

    /// The rows, each with what is loaded below it.
    fn complete<'e>(
        &'e self,
        exec: &'e dyn Executor,
        rows: Vec<R>,
    ) -> BoxFuture<'e, Result<Vec<Self::Item>>>;
}

/// Nothing loaded below a relation's rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Leaf;

/// Relations loaded below a relation's rows (`u.posts().with(|p| p.comments())`).
#[derive(Debug, Clone)]
pub struct With<L>(pub L);

impl<R: Model + Clone> Nested<R> for Leaf {
    type Item = R;

    fn complete<'e>(&'e self, _: &'e dyn Executor, rows: Vec<R>) -> BoxFuture<'e, Result<Vec<R>>> {
        Box::pin(async move { Ok(rows) })
    }
}

impl<R: Model + Clone, L: Load<R>> Nested<R> for With<L>
where
    L::Output: Clone,
{
    type Item = (R, L::Output);

    fn complete<'e>(
        &'e self,
        exec: &'e dyn Executor,
        rows: Vec<R>,
    ) -> BoxFuture<'e, Result<Vec<(R, L::Output)>>> {
        Box::pin(async move {
            let below = self.0.load(exec, &rows).await?;
            Ok(rows.into_iter().zip(below).collect())
        })
    }
}

/// How many related rows a parent gets: [`Many`] or [`One`].
pub trait Cardinality: Send + Sync + 'static {
    /// The rows of one parent.
    type Of<T: Send + 'static>: Send + 'static;
    /// The rows of one parent, from its related rows in order.
    fn collect<T: Send + 'static>(rows: Vec<T>) -> Self::Of<T>;
}

impl Cardinality for Many {
    type Of<T: Send + 'static> = Vec<T>;
    fn collect<T: Send + 'static>(rows: Vec<T>) -> Vec<T> {
        rows
    }
}

impl Cardinality for One {
    type Of<T: Send + 'static> = Option<T>;
    fn collect<T: Send + 'static>(rows: Vec<T>) -> Option<T> {
        rows.into_iter().next()
    }
}

/// The most values one eager-load statement binds for its keys, whatever the backend
/// allows: a statement stays of a reasonable size.
const MAX_KEYS: usize = 10_000;

impl<M, R, C, N> Load<M> for Relation<M, R, C, N>
where
    M: Model,
    R: Model,
    C: Cardinality,
    N: Nested<R>,
{
    type Output = C::Of<N::Item>;

    fn load<'e>(
        &'e self,
        exec: &'e dyn Executor,
        parents: &'e [M],
    ) -> BoxFuture<'e, Result<Vec<Self::Output>>> {
        Box::pin(async move {
            let from = self.link.from;
            // Each parent's value, and the distinct values in first-seen order (a value
            // is copied once, for the statement, however many parents share it).
            let mut groups: HashMap<GroupKey, usize> = HashMap::new();
            let mut keys: Vec<crate::value::Value> = Vec::new();
            let of_parent: Vec<Option<usize>> = parents
                .iter()
                .map(|p| {
                    let value = p.column_value(from.table, from.column)?;
                    if is_null(&value) {
                        return None;
                    }
                    Some(match groups.entry(GroupKey(value)) {
                        Entry::Occupied(e) => *e.get(),
                        Entry::Vacant(e) => {
                            keys.push(e.key().0.clone());
                            *e.insert(keys.len() - 1)
                        }
                    })
                })
                .collect();
            // The related rows, and the group of each.
            let mut owners: Vec<usize> = Vec::new();
            let mut related: Vec<R> = Vec::new();
            if !keys.is_empty() {
                self.fetch(exec, &keys, &groups, &mut owners, &mut related)
                    .await?;
            }
            drop(groups);
            // What is below each row, then each row to its group (each group's `Vec`
            // allocated once, at its size).
            let items = self.nested.complete(exec, related).await?;
            let mut sizes = vec![0usize; keys.len()];
            for &group in &owners {
                sizes[group] += 1;
            }
            let mut buckets: Vec<Vec<N::Item>> =
                sizes.into_iter().map(Vec::with_capacity).collect();
            for (group, item) in owners.into_iter().zip(items) {
                buckets[group].push(item);
            }
            // Each group to its parents: the last one takes the rows, the others a copy.
            let mut last_of = vec![usize::MAX; keys.len()];
            for (i, group) in of_parent.iter().enumerate() {
                if let Some(g) = group {
                    last_of[*g] = i;
                }
            }
            let out = of_parent
                .iter()
                .enumerate()
                .map(|(i, group)| {
                    let rows = match group {
                        None => Vec::new(),
                        Some(g) if last_of[*g] == i => std::mem::take(&mut buckets[*g]),
                        Some(g) => buckets[*g].clone(),
                    };
                    C::collect(rows)
                })
                .collect();
            Ok(out)
        })
    }
}

impl<M: Model, R: Model, C, N> Relation<M, R, C, N> {
    /// Reads the related rows of the parents whose values are `keys` (their groups in
    /// `groups`) into `related`, and the group of each into `owners`: one statement per
    /// chunk of keys.
    async fn fetch(
        &self,
        exec: &dyn Executor,
        keys: &[crate::value::Value],
        groups: &HashMap<GroupKey, usize>,
        owners: &mut Vec<usize>,
        related: &mut Vec<R>,
    ) -> Result<()> {
        let group_column = self.link.group_column();
        let mut base = self.link.related_select(R::table());
        if let Some(f) = &self.filter {
            base.and_where(f.clone());
        }
        base.order = self.order.clone();
        base.limit = self.limit;
        base.offset = self.offset;
        base.limit_per = Some(group_column);
        let (position, column) =
            base.model_position(group_column)
                .ok_or_else(|| Error::InvalidQuery {
                    reason: format!(
                        "the relation's column `{}.{}` is not read by its query",
                        group_column.table, group_column.column
                    ),
                })?;
        let ty = column.ty;
        let table = group_column.table;
        // Without a join table, the column is one of the related model's own: its
        // value is taken from the decoded row rather than decoded a second time.
        let direct = self.link.through.is_none();
        // Room for the keys: the backend's limit, less what the rest binds.
        let room = exec
            .capabilities()
            .max_parameters
            .saturating_sub(base.parameter_count() + 4)
            .clamp(1, MAX_KEYS);
        // The group of the previous row: rows often come in runs of one parent's
        // (read through an index on the column), which then skip the hash lookup.
        let mut last: Option<(GroupKey, usize)> = None;
        for chunk in keys.chunks(room) {
            let mut select = base.clone();
            select.and_where(Expr::In {
                column: group_column,
                values: chunk.to_vec(),
                negated: false,
            });
            check(&select, exec)?;
            exec.fetch(&Statement::Select(select), &mut |row| {
                let row_model = R::from_row(row, 0)?;
                let value = match direct
                    .then(|| row_model.column_value(table, group_column.column))
                    .flatten()
                {
                    Some(value) => value,
                    None => read_value(row, position, ty)
                        .map_err(|e| Error::decode(table, column.name, e))?,
                };
                let group = match &last {
                    Some((previous, group)) if previous.0 == value => Some(*group),
                    _ => {
                        let key = GroupKey(value);
                        let group = groups.get(&key).copied();
                        if let Some(g) = group {
                            last = Some((key, g));
                        }
                        group
                    }
                };
                if let Some(group) = group {
                    owners.push(group);
                    related.push(row_model);
                }
                Ok(())
            })
            .await?;
        }
        Ok(())
    }
}

macro_rules! load_tuple {
    ($(($L:ident, $rows:ident, $i:tt)),+) => {
        impl<M: Model, $($L: Load<M>),+> Load<M> for ($($L,)+) {
            type Output = ($($L::Output,)+);

            fn load<'e>(
                &'e self,
                exec: &'e dyn Executor,
                parents: &'e [M],
            ) -> BoxFuture<'e, Result<Vec<Self::Output>>> {
                Box::pin(async move {
                    $(let mut $rows = self.$i.load(exec, parents).await?.into_iter();)+
                    let mut out = Vec::with_capacity(parents.len());
                    for _ in 0..parents.len() {
                        out.push(($(
                            $rows.next().ok_or_else(|| Error::InvalidQuery {
                                reason: "a relation loaded fewer results than parents".into(),
                            })?,
                        )+));
                    }
                    Ok(out)
                })
            }
        }
    };
}

load_tuple!((A, a, 0), (B, b, 1));
load_tuple!((A, a, 0), (B, b, 1), (C, c, 2));
load_tuple!((A, a, 0), (B, b, 1), (C, c, 2), (D, d, 3));

/// A query whose rows come with their related rows: `db.query::<User>().with(|u|
/// u.posts())`, whose rows are `(User, Vec<Post>)`. The parents are read with one
/// statement, then each level of relations with one more (per chunk of keys).
#[must_use = "a query does nothing until it is run"]
pub struct Loaded<'a, M, L> {
    query: Query<'a, M>,
    load: L,
}

impl<M, L: fmt::Debug> fmt::Debug for Loaded<'_, M, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("query", &self.query)
            .field("load", &self.load)
            .finish()
    }
}

impl<'a, M: Model, L: Load<M>> Loaded<'a, M, L> {
    pub(crate) fn new(query: Query<'a, M>, load: L) -> Self {
        Loaded { query, load }
    }

    /// Each parent with what relates to it.
    async fn attach(exec: &dyn Executor, load: &L, parents: Vec<M>) -> Result<Vec<(M, L::Output)>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let below = load.load(exec, &parents).await?;
        Ok(parents.into_iter().zip(below).collect())
    }

    /// Every matching row, with its related rows.
    pub async fn all(self) -> Result<Vec<(M, L::Output)>> {
        let exec = self.query.executor();
        let parents = self.query.all().await?;
        Self::attach(exec, &self.load, parents).await
    }

    /// The first matching row with its related rows, `None` when there is none.
    pub async fn first(self) -> Result<Option<(M, L::Output)>> {
        let exec = self.query.executor();
        let parent = self.query.first().await?;
        Ok(Self::attach(exec, &self.load, parent.into_iter().collect())
            .await?
            .pop())
    }

    /// The row with this primary key with its related rows, `None` when absent.
    pub async fn get(
        self,
        key: impl crate::value::KeyArg<M::Key>,
    ) -> Result<Option<(M, L::Output)>> {
        let exec = self.query.executor();
        let parent = self.query.get(key).await?;
        Ok(Self::attach(exec, &self.load, parent.into_iter().collect())
            .await?
            .pop())
    }

    /// Exactly one matching row with its related rows: [`Error::NotFound`] when there
    /// is none, [`Error::MultipleRows`] when there are several.
    pub async fn one(self) -> Result<(M, L::Output)> {
        let exec = self.query.executor();
        let parent = self.query.one().await?;
        Self::attach(exec, &self.load, vec![parent])
            .await?
            .pop()
            .ok_or(Error::NotFound {
                table: M::table().name,
            })
    }
}
