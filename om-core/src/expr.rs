//! Typed filter expressions and orderings, as built by column handles.

use std::ops::{BitAnd, BitOr, Not};

use crate::ir::Select;
use crate::json::JsonFilter;
use crate::value::Value;

/// A column of a table, as expressions refer to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    /// The table's name.
    pub table: &'static str,
    /// The column's name.
    pub column: &'static str,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A boolean expression over a model's columns: the `WHERE` of a query.
///
/// Built by [`Column`](crate::Column) methods and combined with [`Expr::and`],
/// [`Expr::or`] and [`Expr::not`] (or `&`, `|` and `!`). Values are always bound as
/// parameters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Expr {
    /// `column <op> value`.
    Compare {
        /// The column.
        column: ColumnRef,
        /// The operator.
        op: CmpOp,
        /// The value, bound as a parameter.
        value: Value,
    },
    /// `column [NOT] IN (values)`.
    In {
        /// The column.
        column: ColumnRef,
        /// The values; an empty list matches nothing (or, negated, everything).
        values: Vec<Value>,
        /// `NOT IN` when true.
        negated: bool,
    },
    /// `left <op> right`, two columns (a join's condition, say).
    Columns {
        /// The left column.
        left: ColumnRef,
        /// The operator.
        op: CmpOp,
        /// The right column.
        right: ColumnRef,
    },
    /// `column IS [NOT] NULL`.
    IsNull {
        /// The column.
        column: ColumnRef,
        /// `IS NOT NULL` when true.
        negated: bool,
    },
    /// `column [NOT] LIKE pattern`.
    Like {
        /// The column.
        column: ColumnRef,
        /// The pattern, with `%` and `_` wildcards.
        pattern: String,
        /// `NOT LIKE` when true.
        negated: bool,
    },
    /// A filter on a JSON column, which each backend renders in its own dialect.
    Json {
        /// The JSON column.
        column: ColumnRef,
        /// What the document must satisfy.
        filter: JsonFilter,
    },
    /// `column IN (select)`: whether a related row matches (a relation filter,
    /// `u.posts().any(..)`). The subquery reads one column and refers to no table of
    /// the query it is in. Negated, it is `column IS NULL OR column NOT IN (select)`,
    /// which is what `NOT EXISTS` would say (the subquery never returns NULL).
    InSubquery {
        /// The column.
        column: ColumnRef,
        /// The subquery, whose projection is one column.
        select: Box<Select>,
        /// Negated when true.
        negated: bool,
    },
    /// Every expression holds (true when empty).
    And(Vec<Expr>),
    /// At least one expression holds (false when empty).
    Or(Vec<Expr>),
    /// The expression does not hold.
    Not(Box<Expr>),
}

impl Expr {
    /// Both `self` and `other` hold.
    pub fn and(self, other: Expr) -> Expr {
        match self {
            Expr::And(mut all) => {
                all.push(other);
                Expr::And(all)
            }
            first => Expr::And(vec![first, other]),
        }
    }

    /// `self`, `other` or both hold.
    pub fn or(self, other: Expr) -> Expr {
        match self {
            Expr::Or(mut any) => {
                any.push(other);
                Expr::Or(any)
            }
            first => Expr::Or(vec![first, other]),
        }
    }

    /// `self` does not hold.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr {
        match self {
            Expr::Not(inner) => *inner,
            Expr::InSubquery {
                column,
                select,
                negated,
            } => Expr::InSubquery {
                column,
                select,
                negated: !negated,
            },
            other => Expr::Not(Box::new(other)),
        }
    }

    /// How many values the expression binds once rendered.
    pub fn parameter_count(&self) -> usize {
        match self {
            Expr::Compare { .. } | Expr::Like { .. } => 1,
            Expr::IsNull { .. } | Expr::Columns { .. } => 0,
            // An empty list renders as the constant comparison `1 = 0` (or `1 = 1`).
            Expr::In { values, .. } if values.is_empty() => 2,
            Expr::In { values, .. } => values.len(),
            Expr::And(all) | Expr::Or(all) if all.is_empty() => 2,
            Expr::And(all) | Expr::Or(all) => all.iter().map(Expr::parameter_count).sum(),
            Expr::Not(inner) => inner.parameter_count(),
            Expr::InSubquery { select, .. } => select.parameter_count(),
            // Dialects bind a JSON filter's path in one or more values, and its operand.
            Expr::Json { filter, .. } => filter.path().len() + 1,
        }
    }

    /// The first JSON filter of the expression for which `pred` holds.
    pub fn find_json(&self, pred: &dyn Fn(&JsonFilter) -> bool) -> Option<&JsonFilter> {
        match self {
            Expr::Json { filter, .. } => pred(filter).then_some(filter),
            Expr::And(all) | Expr::Or(all) => all.iter().find_map(|e| e.find_json(pred)),
            Expr::Not(inner) => inner.find_json(pred),
            Expr::InSubquery { select, .. } => select.exprs().find_map(|e| e.find_json(pred)),
            _ => None,
        }
    }

    /// A LIKE pattern that ends in an unpaired `\\` (escaping nothing), which backends
    /// read differently, if the expression has one.
    pub fn dangling_escape(&self) -> Option<&str> {
        match self {
            Expr::Like { pattern, .. } => {
                let trailing = pattern.chars().rev().take_while(|&c| c == '\\').count();
                (trailing % 2 == 1).then_some(pattern.as_str())
            }
            Expr::And(all) | Expr::Or(all) => all.iter().find_map(Expr::dangling_escape),
            Expr::Not(inner) => inner.dangling_escape(),
            Expr::InSubquery { select, .. } => select.exprs().find_map(Expr::dangling_escape),
            _ => None,
        }
    }

    /// The subqueries of the expression (its relation filters), outermost first.
    pub fn subqueries(&self) -> Vec<&Select> {
        let mut out = Vec::new();
        self.collect_subqueries(&mut out);
        out
    }

    fn collect_subqueries<'e>(&'e self, out: &mut Vec<&'e Select>) {
        match self {
            Expr::InSubquery { select, .. } => {
                out.push(select);
                select.exprs().for_each(|e| e.collect_subqueries(out));
            }
            Expr::And(all) | Expr::Or(all) => all.iter().for_each(|e| e.collect_subqueries(out)),
            Expr::Not(inner) => inner.collect_subqueries(out),
            _ => {}
        }
    }

    /// Every expression of `exprs` holds.
    pub fn all(exprs: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::And(exprs.into_iter().collect())
    }

    /// At least one expression of `exprs` holds.
    pub fn any(exprs: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::Or(exprs.into_iter().collect())
    }
}

impl BitAnd for Expr {
    type Output = Expr;
    fn bitand(self, rhs: Expr) -> Expr {
        self.and(rhs)
    }
}

impl BitOr for Expr {
    type Output = Expr;
    fn bitor(self, rhs: Expr) -> Expr {
        self.or(rhs)
    }
}

impl Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::not(self)
    }
}

/// One key of an `ORDER BY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// The column.
    pub column: ColumnRef,
    /// Descending when true.
    pub descending: bool,
}
