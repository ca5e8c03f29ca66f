//! Refusing float values a dialect cannot store (NaN, the infinities), before a write
//! runs, with an error naming the column.

use crate::error::{Error, Result};
use crate::ir::{Insert, InsertRows, Statement};
use crate::model::{ColumnMeta, TableMeta};
use crate::value::{Value, ValueRef};

/// Which non-finite floats a dialect stores.
#[derive(Debug, Clone, Copy)]
pub struct FloatSupport {
    /// NaN.
    pub nan: bool,
    /// The infinities.
    pub infinity: bool,
}

fn refused(value: &Value, support: FloatSupport) -> Option<&'static str> {
    let check = |nan: bool, infinite: bool| {
        if nan && !support.nan {
            Some("NaN")
        } else if infinite && !support.infinity {
            Some("an infinity")
        } else {
            None
        }
    };
    match value {
        Value::Float(Some(f)) => check(f.is_nan(), f.is_infinite()),
        Value::Double(Some(f)) => check(f.is_nan(), f.is_infinite()),
        _ => None,
    }
}

fn error(table: &TableMeta, column: &ColumnMeta, what: &str, backend: &str) -> Error {
    Error::InvalidValue {
        table: table.name,
        column: column.name,
        reason: format!("{backend} cannot store {what} in a float column"),
    }
}

/// Refuses an insert whose values hold a float the dialect cannot store.
pub fn check_insert_floats(i: &Insert, support: FloatSupport, backend: &str) -> Result<()> {
    if support.nan && support.infinity {
        return Ok(());
    }
    for row in &i.rows {
        for (column, value) in i.columns.iter().zip(row) {
            if let Some(what) = refused(value, support) {
                return Err(error(i.table, column, what, backend));
            }
        }
    }
    Ok(())
}

/// [`check_insert_floats`] for an insert whose values are borrowed.
pub fn check_insert_rows_floats(
    rows: &InsertRows<'_>,
    support: FloatSupport,
    backend: &str,
) -> Result<()> {
    if support.nan && support.infinity {
        return Ok(());
    }
    let columns = rows.head.columns.iter().cycle();
    for (column, value) in columns.zip(&rows.values) {
        if let ValueRef::Owned(value) = value
            && let Some(what) = refused(value, support)
        {
            return Err(error(rows.head.table, column, what, backend));
        }
    }
    Ok(())
}

/// Refuses an insert or update whose values hold a float the dialect cannot store.
pub fn check_floats(stmt: &Statement, support: FloatSupport, backend: &str) -> Result<()> {
    match stmt {
        Statement::Insert(i) => check_insert_floats(i, support, backend),
        Statement::Update(u) if !(support.nan && support.infinity) => {
            for (column, value) in u.set.iter().filter_map(|(c, a)| Some((c, a.value()?))) {
                if let Some(what) = refused(value, support) {
                    return Err(error(u.table, column, what, backend));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
