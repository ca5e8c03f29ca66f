//! [`Relation`]: how the rows of a model pair with the rows of a related model.

use std::fmt;
use std::marker::PhantomData;

use crate::driver::Executor;
use crate::expr::{CmpOp, ColumnRef, Expr, Order};
use crate::ir::{Join, JoinKind, Projection, Select};
use crate::model::{Model, TableMeta};
use crate::query::Query;
use crate::relation::foreign_key::key_of;
use crate::relation::load::Leaf;

/// How rows of a model pair with rows of a related model: the related rows are those
/// whose `to` column equals the model's `from` column, or, through a join table, those
/// that a row of the join table links to the model's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// The model's column whose value the related rows match.
    pub from: ColumnRef,
    /// The related model's column that matches it (directly, or through the join
    /// table's `to`).
    pub to: ColumnRef,
    /// The join table of a many-to-many relation.
    pub through: Option<Through>,
}

/// The join table of a many-to-many relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Through {
    /// The join table.
    pub table: &'static TableMeta,
    /// Its column that holds the model's `from` value.
    pub from: ColumnRef,
    /// Its column that holds the related model's `to` value.
    pub to: ColumnRef,
}

/// The column a foreign key of `M` references, found in `M`'s metadata; the key of
/// `Target` when the column declares no reference.
fn referenced<M: Model, Target: Model>(fk: ColumnRef) -> ColumnRef {
    M::table()
        .find(fk)
        .and_then(|c| c.references)
        .map_or_else(key_of::<Target>, |r| r.referenced())
}

impl Link {
    /// `M` holds the foreign key `fk` to `R` (belongs to).
    pub fn belongs_to<M: Model, R: Model>(fk: ColumnRef) -> Link {
        Link {
            from: fk,
            to: referenced::<M, R>(fk),
            through: None,
        }
    }

    /// `R` holds the foreign key `fk` to `M` (has many, has one).
    pub fn has<M: Model, R: Model>(fk: ColumnRef) -> Link {
        Link {
            from: referenced::<R, M>(fk),
            to: fk,
            through: None,
        }
    }

    /// `J`, a join model, holds the foreign keys `from` to `M` and `to` to `R` (many to
    /// many).
    pub fn through<M: Model, J: Model, R: Model>(from: ColumnRef, to: ColumnRef) -> Link {
        Link {
            from: referenced::<J, M>(from),
            to: referenced::<J, R>(to),
            through: Some(Through {
                table: J::table(),
                from,
                to,
            }),
        }
    }

    /// The column of the related rows' query that holds the parent's value: the
    /// related model's `to`, or the join table's `from`.
    pub fn group_column(&self) -> ColumnRef {
        self.through.map_or(self.to, |t| t.from)
    }

    /// A query of the related model `R`'s rows, joined with the join table if there
    /// is one: the rows whose [`group_column`](Self::group_column) matches a parent.
    pub fn related_select(&self, related: &'static TableMeta) -> Select {
        let mut select = Select::new(related);
        if let Some(t) = self.through {
            select.joins.push(Join {
                kind: JoinKind::Inner,
                table: t.table,
                on: columns_equal(t.to, self.to),
            });
        }
        select
    }
}

fn columns_equal(left: ColumnRef, right: ColumnRef) -> Expr {
    Expr::Columns {
        left,
        op: CmpOp::Eq,
        right,
    }
}

/// A relation from model `M` to its related model `R`, with `C` ([`Many`] or
/// [`One`]) related rows per row of `M`, and what to load below them (`N`).
///
/// Made by the methods `#[derive(Model)]` adds to a model's column struct
/// (`u.posts()`, `p.author()`), then narrowed like a query: a filter, an order, and a
/// limit and an offset that apply to each parent's rows.
#[must_use = "a relation does nothing until it is loaded, filtered on or queried"]
pub struct Relation<M, R, C, N = Leaf> {
    pub(crate) link: Link,
    pub(crate) filter: Option<Expr>,
    pub(crate) order: Vec<Order>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) nested: N,
    _models: Models<M, R, C>,
}

/// The models and cardinality a [`Relation`] is typed by (it holds none of them).
type Models<M, R, C> = PhantomData<fn() -> (M, R, C)>;

/// Many related rows per row: has many, many to many. Loaded as a `Vec`.
#[derive(Debug, Clone, Copy)]
pub struct Many;

/// At most one related row per row: belongs to, has one. Loaded as an `Option`.
#[derive(Debug, Clone, Copy)]
pub struct One;

impl<M, R, C, N: fmt::Debug> fmt::Debug for Relation<M, R, C, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relation")
            .field("link", &self.link)
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("nested", &self.nested)
            .finish()
    }
}

impl<M, R, C, N: Clone> Clone for Relation<M, R, C, N> {
    fn clone(&self) -> Self {
        Relation {
            link: self.link,
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            nested: self.nested.clone(),
            _models: PhantomData,
        }
    }
}

impl<M: Model, R: Model, C> Relation<M, R, C, Leaf> {
    /// The relation along `link`. Used by `#[derive(Model)]`.
    pub fn new(link: Link) -> Self {
        Relation {
            link,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            nested: Leaf,
            _models: PhantomData,
        }
    }

    /// Loads `f`'s relations (of `R`) below each related row: rows become
    /// `(R, <what f loads>)`. Give a tuple to load several.
    pub fn with<L>(self, f: impl FnOnce(&R::Columns) -> L) -> Relation<M, R, C, super::With<L>> {
        Relation {
            link: self.link,
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            nested: super::With(f(R::columns())),
            _models: PhantomData,
        }
    }
}

impl<M: Model, R: Model, C, N> Relation<M, R, C, N> {
    /// How the rows pair.
    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Keeps the related rows for which `f`'s expression holds; several filters AND
    /// together.
    pub fn filter(mut self, f: impl FnOnce(&R::Columns) -> Expr) -> Self {
        let e = f(R::columns());
        self.filter = Some(match self.filter.take() {
            None => e,
            Some(existing) => existing.and(e),
        });
        self
    }

    /// Orders each parent's related rows; later calls order ties.
    pub fn order_by(mut self, f: impl FnOnce(&R::Columns) -> Order) -> Self {
        self.order.push(f(R::columns()));
        self
    }

    /// Loads at most `n` related rows per parent.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips each parent's first `n` related rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// A row of `M` has a related row for which `f`'s expression holds (and the
    /// relation's own filter): see [`exists`](Self::exists). For `filter`:
    /// `db.query::<User>().filter(|u| u.posts().any(|p| p.published.eq(true)))`.
    pub fn any(self, f: impl FnOnce(&R::Columns) -> Expr) -> Expr {
        self.filter(f).exists()
    }

    /// A row of `M` has a related row (that the relation's filter keeps): `WHERE
    /// from IN (SELECT to FROM related WHERE ...)`. Negate it (`!u.posts().exists()`)
    /// for rows without one. The subquery refers to no table of the outer query, so a
    /// relation of a table to itself, and relation filters nested in it, read right.
    pub fn exists(self) -> Expr {
        let group = self.link.group_column();
        let mut select = self.link.related_select(R::table());
        select.projection = Projection::Columns(vec![group]);
        select.and_where(Expr::IsNull {
            column: group,
            negated: true,
        });
        if let Some(f) = self.filter {
            select.and_where(f);
        }
        Expr::InSubquery {
            column: self.link.from,
            select: Box::new(select),
            negated: false,
        }
    }

    /// The same relation for `C`, a model that extends `M` (its rows are rows of `M`
    /// too): `c.inspections().inherited()` in a `Car`'s loads, for a relation
    /// declared on `Vehicle`.
    pub fn inherited<E: Extends<M>>(self) -> Relation<E, R, C, N> {
        Relation {
            link: self.link,
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            nested: self.nested,
            _models: PhantomData,
        }
    }

    /// Makes `child` a row related to `parent`: sets its foreign key to `parent`'s
    /// referenced value (without writing anything). A many-to-many relation is made by
    /// adding a row of its join model instead: [`Error::InvalidQuery`](crate::Error).
    pub fn attach(&self, parent: &M, child: &mut R) -> crate::Result<()> {
        if self.link.through.is_some() {
            return Err(crate::Error::InvalidQuery {
                reason: format!(
                    "`{}` and `{}` are related through a join model: add a row of it",
                    M::table().name,
                    R::table().name
                ),
            });
        }
        let from = self.link.from;
        let value = parent
            .column_value(from.table, from.column)
            .filter(|v| !crate::value::is_null(v))
            .ok_or(crate::Error::KeyNotSet {
                operation: "relate a row to",
                table: from.table,
                column: from.column,
            })?;
        child.set_column_value(self.link.to.column, value)
    }

    /// The rows related to `parent`, as a query that can be narrowed further, counted
    /// or streamed; it keeps the relation's filter, order, limit and offset. Used by
    /// the methods `#[derive(Model)]` adds to a model (`user.posts(&db)`).
    pub fn query_of<'a>(self, exec: &'a dyn Executor, parent: &M) -> Query<'a, R> {
        let value = parent.column_value(self.link.from.table, self.link.from.column);
        let mut query = Query::<R>::new(exec);
        let select = query.select_mut();
        let matches = match value {
            Some(value) if !crate::value::is_null(&value) => match self.link.through {
                None => Expr::Compare {
                    column: self.link.to,
                    op: CmpOp::Eq,
                    value,
                },
                Some(t) => {
                    let mut links = Select::new(t.table);
                    links.projection = Projection::Columns(vec![t.to]);
                    links.and_where(Expr::Compare {
                        column: t.from,
                        op: CmpOp::Eq,
                        value,
                    });
                    Expr::InSubquery {
                        column: self.link.to,
                        select: Box::new(links),
                        negated: false,
                    }
                }
            },
            // A NULL (or missing) value matches no row.
            _ => Expr::Or(Vec::new()),
        };
        select.and_where(matches);
        if let Some(f) = self.filter {
            select.and_where(f);
        }
        select.order = self.order;
        select.limit = self.limit;
        select.offset = self.offset;
        query
    }
}

/// A model that holds exactly one foreign key to `T`: what `has_many(posts = Post)`
/// (without `by = ...`) and `many_to_many(.., through = J)` follow. Implemented by
/// `#[derive(Model)]` for each model a model references once.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no foreign key to `{T}`, or more than one",
    label = "name the foreign key: `has_many(<relation> = {Self}, by = <field>)`, or `from = <field>, to = <field>` for a join model",
    note = "a field declares a foreign key with `#[om(references({T}))]`"
)]
pub trait ForeignKeyTo<T: Model>: Model {
    /// The foreign-key column, in this model's table.
    fn foreign_key() -> ColumnRef;
}

/// A model that extends `P` (`#[om(parent)] p: P`): its rows are rows of `P` too, so
/// `P`'s relations apply to it ([`Relation::inherited`]). Implemented by
/// `#[derive(Model)]`.
pub trait Extends<P: Model>: Model {}
