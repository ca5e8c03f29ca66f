//! Aggregates of a column (`count`, `sum`, `avg`, `min`, `max`), typed by what they
//! return, and the `HAVING` conditions on them.
//!
//! A column handle makes them: `p.likes.sum()` is an [`Agg<i64>`] (a sum of integers
//! reads as `i64`, of floats as `f64`), `p.likes.avg()` an `Agg<f64>`, `p.likes.max()`
//! an `Agg` of the column's type, `p.title.count()` (its non-NULL values) and
//! `p.user_id.count_distinct()` an `Agg<i64>`, [`count_all`] is `COUNT(*)`. They are read
//! by [`Query::select`](crate::Query::select) (beside the columns a query is grouped by)
//! and compared in [`Query::having`](crate::Query::having).

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use crate::column::Column;
use crate::expr::{CmpOp, ColumnRef};
use crate::value::{SqlType, Value, ValueOf};

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AggFunc {
    /// `COUNT(column)`: the non-NULL values; `COUNT(*)` without a column.
    Count,
    /// `COUNT(DISTINCT column)`: the distinct non-NULL values.
    CountDistinct,
    /// `SUM(column)`: NULL over no rows.
    Sum,
    /// `AVG(column)`, computed in floating point on every backend.
    Avg,
    /// `MIN(column)`.
    Min,
    /// `MAX(column)`.
    Max,
}

/// An aggregate of a column (or of the rows, for `COUNT(*)`), untyped: what the IR holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Aggregate {
    /// The function.
    pub func: AggFunc,
    /// The column; `None` only for `COUNT(*)`.
    pub column: Option<ColumnRef>,
}

impl Aggregate {
    /// A name for error messages: `sum(posts.likes)`.
    pub fn describe(&self) -> String {
        let func = match self.func {
            AggFunc::Count => "count",
            AggFunc::CountDistinct => "count_distinct",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
        };
        match self.column {
            Some(c) => format!("{func}({}.{})", c.table, c.column),
            None => format!("{func}(*)"),
        }
    }
}

/// A typed aggregate: `T` is the type it reads as (NULL, over no rows or only NULLs,
/// reads as `None` into an `Option<T>`).
pub struct Agg<T> {
    aggregate: Aggregate,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Agg<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Agg<T> {}

impl<T> fmt::Debug for Agg<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.aggregate.describe())
    }
}

impl<T: SqlType> Agg<T> {
    fn new(func: AggFunc, column: Option<ColumnRef>) -> Self {
        Agg {
            aggregate: Aggregate { func, column },
            _type: PhantomData,
        }
    }

    /// The untyped aggregate.
    pub const fn aggregate(&self) -> Aggregate {
        self.aggregate
    }

    fn compare(self, op: CmpOp, value: impl ValueOf<T>) -> Having {
        Having::Compare {
            aggregate: self.aggregate,
            op,
            value: value.into_value_of(),
        }
    }

    /// `aggregate = value`.
    pub fn eq(self, value: impl ValueOf<T>) -> Having {
        self.compare(CmpOp::Eq, value)
    }

    /// `aggregate <> value`.
    pub fn ne(self, value: impl ValueOf<T>) -> Having {
        self.compare(CmpOp::Ne, value)
    }

    /// `aggregate < value`.
    pub fn lt(self, value: impl ValueOf<T>) -> Having {
        self.compare(CmpOp::Lt, value)
    }

    /// `aggregate <= value`.
    pub fn le(self, value: impl ValueOf<T>) -> Having {
        self.compare(CmpOp::Le, value)
    }

    /// `aggregate > value`.
    pub fn gt(self, value: impl ValueOf<T>) -> Having {
        self.compare(CmpOp::Gt, value)
    }

    /// `aggregate >= value`.
    pub fn ge(self, value: impl ValueOf<T>) -> Having {
        self.compare(CmpOp::Ge, value)
    }
}

/// `COUNT(*)`: the rows (of each group, in a grouped query).
pub fn count_all() -> Agg<i64> {
    Agg::new(AggFunc::Count, None)
}

/// Column types that can be summed and averaged, and the type their sum reads as:
/// `i64` for integers, `f64` for floats.
#[diagnostic::on_unimplemented(
    message = "a column of `{Self}` cannot be summed",
    label = "sum and avg take integer or float columns"
)]
pub trait Summable: SqlType {
    /// What a sum of them reads as.
    type Sum: SqlType;
}

macro_rules! summable {
    ($sum:ty: $($t:ty),+) => {
        $(impl Summable for $t {
            type Sum = $sum;
        })+
    };
}

summable!(i64: i8, i16, i32, i64, u8, u16, u32);
summable!(f64: f32, f64);

impl<T: SqlType> Column<T> {
    fn agg<R: SqlType>(self, func: AggFunc) -> Agg<R> {
        Agg::new(func, Some(self.column_ref()))
    }

    /// `COUNT(column)`: how many of the rows have a value (NULLs are not counted).
    pub fn count(self) -> Agg<i64> {
        self.agg(AggFunc::Count)
    }

    /// `COUNT(DISTINCT column)`: how many distinct values (NULL not counted).
    pub fn count_distinct(self) -> Agg<i64> {
        self.agg(AggFunc::CountDistinct)
    }

    /// `MIN(column)`, of the column's type; NULL over no values.
    pub fn min(self) -> Agg<T> {
        self.agg(AggFunc::Min)
    }

    /// `MAX(column)`, of the column's type; NULL over no values.
    pub fn max(self) -> Agg<T> {
        self.agg(AggFunc::Max)
    }
}

impl<T: Summable> Column<T> {
    /// `SUM(column)`: `i64` for integers, `f64` for floats; NULL over no values. A sum
    /// of integers beyond `i64` is an error (SQLite's own, else a decode error), never
    /// a wrapped number.
    pub fn sum(self) -> Agg<T::Sum> {
        self.agg(AggFunc::Sum)
    }

    /// `AVG(column)`, as `f64`, computed in floating point on every backend; NULL over
    /// no values.
    pub fn avg(self) -> Agg<f64> {
        self.agg(AggFunc::Avg)
    }
}

/// A condition on the aggregates of each group: the `HAVING` of a grouped query.
/// Combine them with `&`, `|` and `!`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Having {
    /// `aggregate <op> value`.
    Compare {
        /// The aggregate.
        aggregate: Aggregate,
        /// The operator.
        op: CmpOp,
        /// The value, bound as a parameter.
        value: Value,
    },
    /// All hold.
    And(Vec<Having>),
    /// Any holds.
    Or(Vec<Having>),
    /// Does not hold.
    Not(Box<Having>),
}

impl Having {
    /// Both hold.
    pub fn and(self, other: Having) -> Having {
        match self {
            Having::And(mut all) => {
                all.push(other);
                Having::And(all)
            }
            first => Having::And(vec![first, other]),
        }
    }

    /// Either holds.
    pub fn or(self, other: Having) -> Having {
        match self {
            Having::Or(mut any) => {
                any.push(other);
                Having::Or(any)
            }
            first => Having::Or(vec![first, other]),
        }
    }

    /// How many values it binds.
    pub fn parameter_count(&self) -> usize {
        match self {
            Having::Compare { .. } => 1,
            Having::And(all) | Having::Or(all) => all.iter().map(Having::parameter_count).sum(),
            Having::Not(inner) => inner.parameter_count(),
        }
    }
}

impl BitAnd for Having {
    type Output = Having;
    fn bitand(self, rhs: Having) -> Having {
        self.and(rhs)
    }
}

impl BitOr for Having {
    type Output = Having;
    fn bitor(self, rhs: Having) -> Having {
        self.or(rhs)
    }
}

impl Not for Having {
    type Output = Having;
    fn not(self) -> Having {
        Having::Not(Box::new(self))
    }
}
