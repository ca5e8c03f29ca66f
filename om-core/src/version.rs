//! Optimistic locking: the version column of a model (`#[om(version)]`).
//!
//! `add` starts the version at 1 (the derive's `apply_defaults` does it). `update`
//! writes the object only where its row still holds the object's version, and writes
//! the next one in the same statement: `UPDATE t SET ..., version = ? WHERE key = ?
//! AND version = ?`, the new version bound as the expected one plus one (which, under
//! that condition, is the row's version plus one). `delete` deletes only where the row
//! holds the object's version. When no row matches, the row was changed or deleted
//! since the object was read: [`Error::StaleObject`], and nothing is written.
//!
//! Models without a version column never reach this module: the write path branches
//! on `Model::VERSIONED`, a constant.

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::expr::{CmpOp, ColumnRef, Expr};
use crate::ir::{Assign, Delete, Statement, Update};
use crate::model::{ColumnMeta, ColumnType, Model, TableMeta};
use crate::value::Value;

/// `column = expected`, the condition that the row still holds the object's version.
pub(crate) fn check(table: &'static TableMeta, column: &'static ColumnMeta, expected: i64) -> Expr {
    Expr::Compare {
        column: ColumnRef {
            table: table.name,
            column: column.name,
        },
        op: CmpOp::Eq,
        value: value(column, expected),
    }
}

/// A version as the column's type binds it (a version read from an `i32` field fits
/// it).
pub(crate) fn value(column: &ColumnMeta, version: i64) -> Value {
    match (column.ty, i32::try_from(version)) {
        (ColumnType::Integer, Ok(v)) => Value::Int(Some(v)),
        _ => Value::BigInt(Some(version)),
    }
}

/// The version after `expected`, set into `obj`; an error, with `obj` unchanged, when
/// it does not fit the field.
pub(crate) fn bump<M: Model>(
    obj: &mut M,
    table: &'static TableMeta,
    column: &'static ColumnMeta,
    expected: i64,
) -> Result<i64> {
    let overflow = || Error::InvalidValue {
        table: table.name,
        column: column.name,
        reason: format!("the version {expected} is the largest the field holds"),
    };
    let next = expected.checked_add(1).ok_or_else(overflow)?;
    obj.set_version(next).map_err(|_| overflow())?;
    Ok(next)
}

/// The error of an update or delete that found no row at the object's version.
pub(crate) fn stale(operation: &'static str, table: &'static TableMeta, expected: i64) -> Error {
    Error::StaleObject {
        operation,
        table: table.name,
        expected,
    }
}

/// The version column of `M`'s own table and the object's version, for a versioned
/// model; `None`, at no cost, for a model without a version column.
#[inline]
pub(crate) fn own<M: Model>(obj: &M) -> Option<(&'static ColumnMeta, i64)> {
    if !M::VERSIONED {
        return None;
    }
    Some((M::table().version_column()?, obj.version()?))
}

/// Updates a versioned object (of a model that extends none) by its key and its
/// version `expected` in `column`, bumping its version. On failure the object is left
/// as given.
pub(crate) async fn update<M: Model>(
    exec: &dyn Executor,
    obj: &mut M,
    key: Expr,
    column: &'static ColumnMeta,
    expected: i64,
    only: crate::write::Only<'_>,
) -> Result<()> {
    let table = M::table();
    let undo = obj.apply_on_update();
    let outcome = match bump(obj, table, column, expected) {
        Ok(_) => {
            let filter = key.and(check(table, column, expected));
            match crate::write::update_row(exec, obj, filter, only).await {
                Err(Error::RowNotFound { .. }) => Err(stale("update", table, expected)),
                other => other,
            }
        }
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        // `expected` came from the field: it fits.
        let _ = obj.set_version(expected);
        undo(obj);
    }
    outcome
}

/// Deletes a versioned object (of a model that extends none) by its key and its
/// version `expected` in `column`.
pub(crate) async fn delete<M: Model>(
    exec: &dyn Executor,
    key: Expr,
    column: &'static ColumnMeta,
    expected: i64,
) -> Result<bool> {
    let table = M::table();
    let delete = Delete {
        table,
        filter: Some(key.and(check(table, column, expected))),
    };
    match exec.execute(&Statement::Delete(delete)).await? {
        0 => Err(stale("delete", table, expected)),
        _ => Ok(true),
    }
}

/// Checks and locks the row of a versioned object in `level`, the table of its
/// lineage that holds the version column, before a delete across its tables: an
/// update that writes the version it holds, where it still holds `expected`. The row is
/// then locked against concurrent updates (which take the same table first) before any
/// table's row goes.
pub(crate) async fn claim(
    exec: &dyn Executor,
    level: &'static TableMeta,
    column: &'static ColumnMeta,
    key: Expr,
    expected: i64,
    table: &'static TableMeta,
) -> Result<()> {
    let update = Update {
        table: level,
        set: vec![(column, Assign::Value(value(column, expected)))],
        filter: Some(key.and(check(level, column, expected))),
    };
    match exec.execute(&Statement::Update(update)).await? {
        0 => Err(stale("delete", table, expected)),
        _ => Ok(()),
    }
}
