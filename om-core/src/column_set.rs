//! Column sets: columns declared once (`#[derive(ColumnSet)]`, no table of their own)
//! and flattened into the tables of several models (`#[om(flatten)]`).

use crate::error::Result;
use crate::model::{ColumnMeta, Undo};
use crate::row::Row;
use crate::value::{Value, ValueRef};

/// A set of columns that models embed with `#[om(flatten)] field: TheSet`: the set's
/// columns become columns of each model's table, in the field's place.
///
/// `#[derive(ColumnSet)]` implements it; the set's fields take the attributes of a
/// model's fields (`size`, `index`, `unique`, `column`, defaults and on-update values),
/// except `primary_key`.
pub trait ColumnSet: Sized + Send + Sync + 'static {
    /// The set's typed column handles, bound to one model's table.
    type Columns: Send + Sync + 'static;

    /// The set's columns, in field order.
    fn columns() -> &'static [ColumnMeta];

    /// The set's column handles on `table`.
    fn handles(table: &'static str) -> Self::Columns;

    /// Decodes the set from `row`, whose columns start at `offset`; `table` names the
    /// embedding model's table in errors.
    fn from_row(row: &dyn Row, offset: usize, table: &'static str) -> Result<Self>;

    /// Appends the set's values, in column order.
    fn write_values(&self, out: &mut Vec<Value>);

    /// [`write_values`](Self::write_values), with text and bytes borrowed. The derive
    /// writes it; by default, the owned values.
    fn write_value_refs<'a>(&'a self, out: &mut Vec<ValueRef<'a>>) {
        let mut values = Vec::new();
        self.write_values(&mut values);
        out.extend(values.into_iter().map(ValueRef::Owned));
    }

    /// Fills every field that is `None` and declares a default.
    fn apply_defaults(&mut self) -> Undo<Self>;

    /// Applies every declared on-update value.
    fn apply_on_update(&mut self) -> Undo<Self>;

    /// Appends `(table, column, value)` for every declared on-update value, each
    /// evaluated once, with `table` the embedding model's: what a bulk update writes.
    fn on_update_values(table: &'static str, out: &mut Vec<(&'static str, &'static str, Value)>) {
        let _ = (table, out);
    }
}
