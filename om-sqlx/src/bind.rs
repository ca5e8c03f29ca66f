//! Binding borrowed values ([`ValueRef`]) straight into a backend's arguments.

use std::sync::Arc;

use om_core::ir::InsertRows;
use om_core::sql::StatementCache;
use om_core::{Value, ValueRef};
use sqlx::{Arguments, Database, Encode, Type};

/// A multi-row insert returning its keys, as its cached text (the one `cache` keeps for
/// the owned insert of the same shape) and its values bound from where they are:
/// `None` when there is no key to return, one row, no cached text yet, or a value
/// [`bind_refs`] does not bind. The caller then runs the owned insert, which caches
/// the text for the next time.
pub fn cached_insert_returning<DB>(
    cache: &StatementCache,
    rows: &InsertRows<'_>,
) -> Option<(Arc<str>, DB::Arguments)>
where
    DB: Database,
    for<'q> Option<bool>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i16>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i32>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<f32>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<f64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q [u8]>: Encode<'q, DB> + Type<DB>,
{
    if rows.head.returning.is_none() || rows.rows < 2 {
        return None;
    }
    let sql = cache.cached_insert(rows)?;
    Some((sql, bind_refs::<DB>(&rows.values)?))
}

/// The arguments of `values`, text and bytes bound from where they are, `None` when a
/// value is of a type this does not bind (a date, a UUID, JSON...): the caller binds
/// the owned values instead.
///
/// The types bound here are those sea-query-sqlx binds the same way on every backend
/// (a boolean, a 16-, 32- or 64-bit integer, a float, text, bytes, and NULLs of
/// them), so a statement gets the same arguments either way.
pub fn bind_refs<DB>(values: &[ValueRef<'_>]) -> Option<DB::Arguments>
where
    DB: Database,
    for<'q> Option<bool>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i16>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i32>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<f32>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<f64>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q [u8]>: Encode<'q, DB> + Type<DB>,
{
    let mut args = DB::Arguments::default();
    args.reserve(values.len(), values.len() * 8);
    for value in values {
        let added = match value {
            ValueRef::Text(s) => args.add(Some(*s)),
            ValueRef::Bytes(b) => args.add(Some(*b)),
            ValueRef::Owned(owned) => match owned {
                Value::Bool(v) => args.add(*v),
                Value::SmallInt(v) => args.add(*v),
                Value::Int(v) => args.add(*v),
                Value::BigInt(v) => args.add(*v),
                Value::Float(v) => args.add(*v),
                Value::Double(v) => args.add(*v),
                Value::String(v) => args.add(v.as_deref()),
                Value::Bytes(v) => args.add(v.as_deref()),
                _ => return None,
            },
        };
        added.ok()?;
    }
    Some(args)
}
