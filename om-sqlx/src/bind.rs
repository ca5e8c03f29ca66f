//! Binding borrowed values ([`ValueRef`]) straight into a backend's arguments.

use std::sync::Arc;

use om_core::ir::{ByKey, InsertRows};
use om_core::sql::StatementCache;
use om_core::{Value, ValueRef};
use sqlx::{Arguments, Database, Encode, Type};

/// A database whose arguments take the values om binds as they are: a boolean, a 16-,
/// 32- or 64-bit integer, a float, text, bytes, and NULLs of them. These are the types
/// sea-query-sqlx binds the same way on every backend, so a statement gets the same
/// arguments whether its values were bound from where they are or copied first.
pub trait BindRefs: Database {
    /// Adds `value` to `args`: `None` when it is of a type this does not bind (a date,
    /// a UUID, JSON...), or the backend refused it; the caller then binds the owned
    /// values instead.
    fn add_ref(args: &mut Self::Arguments, value: &ValueRef<'_>) -> Option<()>;

    /// Adds the owned `value` to `args`, as [`add_ref`](Self::add_ref) does.
    fn add_value(args: &mut Self::Arguments, value: &Value) -> Option<()>;
}

impl<DB> BindRefs for DB
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
    #[inline]
    fn add_ref(args: &mut DB::Arguments, value: &ValueRef<'_>) -> Option<()> {
        match value {
            ValueRef::Text(s) => args.add(Some(*s)).ok(),
            ValueRef::Bytes(b) => args.add(Some(*b)).ok(),
            ValueRef::Owned(owned) => Self::add_value(args, owned),
        }
    }

    #[inline]
    fn add_value(args: &mut DB::Arguments, value: &Value) -> Option<()> {
        let added = match value {
            Value::Bool(v) => args.add(*v),
            Value::SmallInt(v) => args.add(*v),
            Value::Int(v) => args.add(*v),
            Value::BigInt(v) => args.add(*v),
            Value::Float(v) => args.add(*v),
            Value::Double(v) => args.add(*v),
            Value::String(v) => args.add(v.as_deref()),
            Value::Bytes(v) => args.add(v.as_deref()),
            _ => return None,
        };
        added.ok()
    }
}

/// A multi-row insert returning its keys, as its cached text (the one `cache` keeps for
/// the owned insert of the same shape) and its values bound from where they are:
/// `None` when there is no key to return, one row, no cached text yet, or a value
/// [`bind_refs`] does not bind. The caller then runs the owned insert, which caches
/// the text for the next time.
pub fn cached_insert_returning<DB: BindRefs>(
    cache: &StatementCache,
    rows: &InsertRows<'_>,
) -> Option<(Arc<str>, DB::Arguments)> {
    if rows.head.returning.is_none() || rows.rows < 2 {
        return None;
    }
    let sql = cache.cached_insert(rows)?;
    Some((sql, bind_refs::<DB>(&rows.values)?))
}

/// A read of a row by its key, as the text `cache` keeps for its select
/// ([`StatementCache::cached_by_key`]) and the key bound as it is: `None` when the text
/// is not cached yet, or the key is not an integer, text or bytes (the types every
/// dialect takes as they are). The caller then runs the select, which caches the text
/// for the next time.
pub fn cached_by_key<DB: BindRefs>(
    cache: &StatementCache,
    lookup: &ByKey,
) -> Option<(Arc<str>, DB::Arguments)> {
    if !matches!(
        lookup.key,
        Value::SmallInt(Some(_))
            | Value::Int(Some(_))
            | Value::BigInt(Some(_))
            | Value::String(Some(_))
            | Value::Bytes(Some(_))
    ) {
        return None;
    }
    let sql = cache.cached_by_key(lookup)?;
    let mut args = DB::Arguments::default();
    DB::add_value(&mut args, &lookup.key)?;
    Some((sql, args))
}

/// The arguments of `values`, text and bytes bound from where they are, `None` when a
/// value is of a type this does not bind ([`BindRefs`]): the caller binds the owned
/// values instead.
pub fn bind_refs<DB: BindRefs>(values: &[ValueRef<'_>]) -> Option<DB::Arguments> {
    let mut args = DB::Arguments::default();
    args.reserve(values.len(), values.len() * 8);
    for value in values {
        DB::add_ref(&mut args, value)?;
    }
    Some(args)
}
