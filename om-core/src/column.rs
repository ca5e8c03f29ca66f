//! Typed column handles: `c.name.eq("x")` compiles only when the value fits the column.

use std::fmt;
use std::marker::PhantomData;

use crate::expr::{CmpOp, ColumnRef, Expr, Order};
use crate::ir::Assign;
use crate::value::{SqlType, ValueOf};

/// A handle on a column whose values are of Rust type `T` (without `Option`).
///
/// `#[derive(Model)]` builds one per field into the model's columns struct, which
/// `filter` and `order_by` closures receive. The methods take values that are
/// [`ValueOf<T>`](ValueOf), so comparing a text column with a number does not compile.
pub struct Column<T> {
    column: ColumnRef,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Column<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Column<T> {}

impl<T> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({}.{})", self.column.table, self.column.column)
    }
}

impl<T> Column<T> {
    /// A handle on `table.column`. Used by `#[derive(Model)]`.
    pub const fn new(table: &'static str, column: &'static str) -> Self {
        Column {
            column: ColumnRef { table, column },
            _type: PhantomData,
        }
    }

    /// The column, qualified by its table, for a hand-built sea-query statement:
    /// `.column(User::columns().name.iden())`, `Expr::col(User::columns().id.iden())`.
    pub fn iden(&self) -> (sea_query::DynIden, sea_query::DynIden) {
        (
            sea_query::DynIden::from(self.column.table),
            sea_query::DynIden::from(self.column.column),
        )
    }

    /// The column this handle refers to.
    pub const fn column_ref(&self) -> ColumnRef {
        self.column
    }

    /// The column's name.
    pub const fn name(&self) -> &'static str {
        self.column.column
    }

    /// `column IS NULL`.
    pub fn is_null(self) -> Expr {
        Expr::IsNull {
            column: self.column,
            negated: false,
        }
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        Expr::IsNull {
            column: self.column,
            negated: true,
        }
    }

    /// Ascending order on this column.
    pub fn asc(self) -> Order {
        Order {
            column: self.column,
            descending: false,
        }
    }

    /// Descending order on this column.
    pub fn desc(self) -> Order {
        Order {
            column: self.column,
            descending: true,
        }
    }
}

impl<T: SqlType> Column<T> {
    fn compare(self, op: CmpOp, value: impl ValueOf<T>) -> Expr {
        Expr::Compare {
            column: self.column,
            op,
            value: value.into_value_of(),
        }
    }

    /// `column = value`. To match NULL, use [`is_null`](Self::is_null).
    pub fn eq(self, value: impl ValueOf<T>) -> Expr {
        self.compare(CmpOp::Eq, value)
    }

    /// `column <> value`.
    pub fn ne(self, value: impl ValueOf<T>) -> Expr {
        self.compare(CmpOp::Ne, value)
    }

    /// `column < value`.
    pub fn lt(self, value: impl ValueOf<T>) -> Expr {
        self.compare(CmpOp::Lt, value)
    }

    /// `column <= value`.
    pub fn le(self, value: impl ValueOf<T>) -> Expr {
        self.compare(CmpOp::Le, value)
    }

    /// `column > value`.
    pub fn gt(self, value: impl ValueOf<T>) -> Expr {
        self.compare(CmpOp::Gt, value)
    }

    /// `column >= value`.
    pub fn ge(self, value: impl ValueOf<T>) -> Expr {
        self.compare(CmpOp::Ge, value)
    }

    fn compare_column(self, op: CmpOp, other: Column<T>) -> Expr {
        Expr::Columns {
            left: self.column,
            op,
            right: other.column,
        }
    }

    /// `column = other`, two columns of the same type (the condition of a join:
    /// `p.user_id.eq_column(u.id)`).
    pub fn eq_column(self, other: Column<T>) -> Expr {
        self.compare_column(CmpOp::Eq, other)
    }

    /// `column <> other`.
    pub fn ne_column(self, other: Column<T>) -> Expr {
        self.compare_column(CmpOp::Ne, other)
    }

    /// `column < other`.
    pub fn lt_column(self, other: Column<T>) -> Expr {
        self.compare_column(CmpOp::Lt, other)
    }

    /// `column <= other`.
    pub fn le_column(self, other: Column<T>) -> Expr {
        self.compare_column(CmpOp::Le, other)
    }

    /// `column > other`.
    pub fn gt_column(self, other: Column<T>) -> Expr {
        self.compare_column(CmpOp::Gt, other)
    }

    /// `column >= other`.
    pub fn ge_column(self, other: Column<T>) -> Expr {
        self.compare_column(CmpOp::Ge, other)
    }

    /// `column IN (values)`; an empty list matches no row.
    pub fn is_in<V: ValueOf<T>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        Expr::In {
            column: self.column,
            values: values.into_iter().map(ValueOf::into_value_of).collect(),
            negated: false,
        }
    }

    /// `column NOT IN (values)`; an empty list matches every row.
    pub fn is_not_in<V: ValueOf<T>>(self, values: impl IntoIterator<Item = V>) -> Expr {
        Expr::In {
            column: self.column,
            values: values.into_iter().map(ValueOf::into_value_of).collect(),
            negated: true,
        }
    }
}

/// One assignment of a bulk update (`query.update(|c| [c.name.set("x")])`): a column
/// and what it becomes. Built by [`Column::set`] and its siblings.
#[derive(Debug, Clone, PartialEq)]
pub struct Set {
    pub(crate) column: ColumnRef,
    pub(crate) assign: Assign,
}

/// A column type with arithmetic: the integers and floats, which
/// [`Column::increment`] and [`Column::decrement`] take.
pub trait Numeric: SqlType {}

macro_rules! numeric {
    ($($ty:ty),*) => {$(impl Numeric for $ty {})*};
}

numeric!(i16, i32, i64, u8, u16, u32, f32, f64);

impl<T: SqlType> Column<T> {
    /// Sets the column to `value`, of the column's type.
    pub fn set(self, value: impl ValueOf<T>) -> Set {
        Set {
            column: self.column,
            assign: Assign::Value(value.into_value_of()),
        }
    }

    /// Sets the column to NULL (refused by the database for a column that is not an
    /// `Option`).
    pub fn set_null(self) -> Set {
        Set {
            column: self.column,
            assign: Assign::Value(T::null()),
        }
    }

    /// Sets the column to the value another column of the same row, of the same type,
    /// held before the update.
    pub fn set_column(self, other: Column<T>) -> Set {
        Set {
            column: self.column,
            assign: Assign::Column(other.column),
        }
    }
}

impl<T: Numeric> Column<T> {
    /// Sets the column to itself plus `value`: `count = count + 1`.
    pub fn increment(self, value: impl ValueOf<T>) -> Set {
        Set {
            column: self.column,
            assign: Assign::Add(self.column, value.into_value_of()),
        }
    }

    /// Sets the column to itself minus `value`: `count = count - 1`.
    pub fn decrement(self, value: impl ValueOf<T>) -> Set {
        Set {
            column: self.column,
            assign: Assign::Sub(self.column, value.into_value_of()),
        }
    }
}

impl Column<String> {
    /// `column LIKE pattern`, with `%` and `_` wildcards; `\` escapes a wildcard (or
    /// itself) to match it literally, on every backend. See [`escape_like`].
    pub fn like(self, pattern: impl Into<String>) -> Expr {
        Expr::Like {
            column: self.column,
            pattern: pattern.into(),
            negated: false,
        }
    }

    /// `column NOT LIKE pattern`.
    pub fn not_like(self, pattern: impl Into<String>) -> Expr {
        Expr::Like {
            column: self.column,
            pattern: pattern.into(),
            negated: true,
        }
    }
}

/// Escapes `%`, `_` and `\\` in `text`, so that a `like` pattern built from it matches it
/// literally: `c.name.like(format!("{}%", escape_like(prefix)))`.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}
