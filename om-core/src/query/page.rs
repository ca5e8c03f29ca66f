//! Pagination: a numbered page with the total of the whole match ([`Query::page`]),
//! and keyset pagination after a row ([`Query::after`]).

use super::Query;
use crate::error::{Error, Result};
use crate::expr::{CmpOp, ColumnRef, Expr, Order};
use crate::model::Model;
use crate::value::is_null;

/// One page of a query's matches, and how many there are in all.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The page's rows.
    pub items: Vec<T>,
    /// How many rows the whole query matches.
    pub total: u64,
    /// The page's number, from 1.
    pub number: u64,
    /// The most rows a page holds.
    pub size: u64,
}

impl<T> Page<T> {
    /// How many pages the whole match fills (0 when nothing matches).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.size)
    }

    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.number < self.pages()
    }
}

impl<M: Model> Query<'_, M> {
    /// Page `number` (from 1) of `size` rows, in the query's order, with the total
    /// number of matches: two statements, the count and the page. They are not one
    /// snapshot: in a transaction they see the same rows; outside one, a write between
    /// them can make the total differ from the rows. Order the query (by a unique key
    /// last) for pages that do not overlap.
    ///
    /// A page number of 0, a size of 0, or a query that already has a `limit` or an
    /// `offset`, is refused.
    pub async fn page(mut self, number: u64, size: u64) -> Result<Page<M>> {
        if number == 0 || size == 0 {
            return Err(Error::InvalidQuery {
                reason: format!(
                    "page({number}, {size}): pages are numbered from 1 and hold at least one row"
                ),
            });
        }
        if self.select.limit.is_some() || self.select.offset.is_some() {
            return Err(Error::InvalidQuery {
                reason: "a page of a query that already has a limit or an offset".into(),
            });
        }
        super::check(&self.select, self.exec)?;
        let total = super::count(self.exec, self.select.clone()).await?;
        self.select.limit = Some(size);
        self.select.offset = Some((number - 1).saturating_mul(size));
        let items = if self.select.offset.is_some_and(|o| o >= total) {
            Vec::new()
        } else {
            self.all().await?
        };
        Ok(Page {
            items,
            total,
            number,
            size,
        })
    }

    /// Keyset (cursor) pagination: orders by the primary key after the query's
    /// orderings (so that ties have one order), and, given the last row of the
    /// previous page, keeps the rows that follow it in that order. With `None` (the
    /// first page) it only adds the key's ordering. Add a `limit` for the page's size:
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "posts")]
    /// # pub struct Post { #[om(primary_key)] pub id: Option<i64>, pub user_id: i64, pub likes: i64 }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[Post::table()]).await?;
    /// # for (user_id, likes) in [(1, 5), (1, 7), (2, 3)] { db.add(&mut Post { id: None, user_id, likes }).await?; }
    /// let mut last = None;
    /// let mut likes = Vec::new();
    /// loop {
    ///     let page = db.query::<Post>()
    ///         .order_by(|p| p.likes.desc())
    ///         .after(last.as_ref())?
    ///         .limit(2)
    ///         .all()
    ///         .await?;
    ///     likes.extend(page.iter().map(|p| p.likes));
    ///     match page.into_iter().last() { Some(row) => last = Some(row), None => break }
    /// }
    /// assert_eq!(likes, [7, 5, 3]);
    /// # Ok(()) }
    /// ```
    ///
    /// Unlike an offset, a page does not shift when rows are added or removed before
    /// it. The ordered columns must not be NULL: a NULL in the given row is refused
    /// ([`Error::InvalidQuery`]), and rows with a NULL there are not reached. Call it
    /// after every `order_by`.
    pub fn after(mut self, row: Option<&M>) -> Result<Self> {
        let table = self.select.table;
        for key in table.key_columns() {
            let column = ColumnRef {
                table: table.name,
                column: key.name,
            };
            if !self.select.order.iter().any(|o| o.column == column) {
                self.select.order.push(Order {
                    column,
                    descending: false,
                });
            }
        }
        let Some(row) = row else {
            return Ok(self);
        };
        let mut values = Vec::with_capacity(self.select.order.len());
        for o in &self.select.order {
            let c = o.column;
            match row.column_value(c.table, c.column) {
                Some(v) if !is_null(&v) => values.push(v),
                Some(_) => {
                    return Err(Error::InvalidQuery {
                        reason: format!(
                            "keyset pagination after a row whose `{}.{}` is NULL: order by \
                             columns that are never NULL",
                            c.table, c.column
                        ),
                    });
                }
                None => {
                    return Err(Error::InvalidQuery {
                        reason: format!(
                            "keyset pagination ordered by `{}.{}`, which `{}` does not have",
                            c.table, c.column, table.model
                        ),
                    });
                }
            }
        }
        // (a > va) OR (a = va AND b > vb) OR ..., `<` for a descending column.
        let mut any = Vec::with_capacity(values.len());
        for (i, (o, value)) in self.select.order.iter().zip(&values).enumerate() {
            let mut all: Vec<Expr> = self.select.order[..i]
                .iter()
                .zip(&values)
                .map(|(p, v)| Expr::Compare {
                    column: p.column,
                    op: CmpOp::Eq,
                    value: v.clone(),
                })
                .collect();
            all.push(Expr::Compare {
                column: o.column,
                op: if o.descending { CmpOp::Lt } else { CmpOp::Gt },
                value: value.clone(),
            });
            any.push(if all.len() == 1 {
                all.remove(0)
            } else {
                Expr::And(all)
            });
        }
        self.select.and_where(Expr::Or(any));
        Ok(self)
    }
}
