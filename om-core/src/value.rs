//! Values and the Rust types that map to columns.
//!
//! [`SqlType`] is implemented by every Rust type that is a column's type; [`Field`] by
//! what a model's field may be (such a type or an `Option` of one). [`ValueOf`] says which
//! Rust values may be compared with a column of a given type, which is what makes
//! `c.name.eq(42)` a compile error when `name` is text.

mod borrowed;
pub mod convert;

pub use borrowed::ValueRef;

use crate::error::DecodeError;
use crate::model::ColumnType;
use crate::row::Row;

/// A value bound to a statement: sea-query's value type, so hand-built sea-query
/// statements and om's own share one representation.
pub use sea_query::Value;

/// A Rust type stored in one column.
pub trait SqlType: Sized + Clone + Send + Sync + 'static {
    /// The portable column type.
    const COLUMN_TYPE: ColumnType;
    /// The type's name, for error messages.
    const NAME: &'static str;
    /// Converts into a bound value.
    fn into_value(self) -> Value;
    /// Converts a borrowed value into a bound value.
    fn to_value(&self) -> Value;
    /// The value to bind, borrowed where that saves a copy (text and bytes): what a
    /// batch insert binds. By default [`to_value`](Self::to_value)'s, owned.
    #[inline]
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Owned(self.to_value())
    }
    /// A NULL of this type.
    fn null() -> Value;
    /// Reads the column at `index`, `None` when it is NULL.
    fn decode(row: &dyn Row, index: usize) -> Result<Option<Self>, DecodeError>;
    /// The Rust value of a bound value of this type (as [`to_value`](Self::to_value)
    /// makes it), `None` for NULL or another type. Types that cannot say return `None`.
    fn from_value(value: Value) -> Option<Self> {
        let _ = value;
        None
    }
}

macro_rules! sql_type {
    ($ty:ty, $ct:expr, $variant:ident, $getter:ident) => {
        sql_type!($ty, $ct, $variant, $getter, |v| ValueRef::Owned(
            SqlType::to_value(v)
        ));
    };
    ($ty:ty, $ct:expr, $variant:ident, $getter:ident, |$v:ident| $borrowed:expr) => {
        impl SqlType for $ty {
            const COLUMN_TYPE: ColumnType = $ct;
            const NAME: &'static str = stringify!($ty);
            #[inline]
            fn into_value(self) -> Value {
                Value::$variant(Some(self.into()))
            }
            #[inline]
            fn to_value(&self) -> Value {
                Value::$variant(Some(self.clone().into()))
            }
            #[inline]
            fn to_value_ref(&self) -> ValueRef<'_> {
                let $v = self;
                $borrowed
            }
            #[inline]
            fn null() -> Value {
                Value::$variant(None)
            }
            #[inline]
            fn decode(row: &dyn Row, index: usize) -> Result<Option<Self>, DecodeError> {
                row.$getter(index)
            }
            fn from_value(value: Value) -> Option<Self> {
                <$ty as sea_query::ValueType>::try_from(value).ok()
            }
        }
    };
}

sql_type!(bool, ColumnType::Bool, Bool, get_bool);
sql_type!(i16, ColumnType::SmallInt, SmallInt, get_i16);
sql_type!(i32, ColumnType::Integer, Int, get_i32);
sql_type!(i64, ColumnType::BigInt, BigInt, get_i64);
sql_type!(f32, ColumnType::Float, Float, get_f32);

/// A narrow or unsigned integer stored in the next wider signed column (no backend has
/// unsigned columns om could rely on); reading back checks the range.
macro_rules! widened_sql_type {
    ($ty:ty, $ct:expr, $wide:ty, $variant:ident, $getter:ident) => {
        impl SqlType for $ty {
            const COLUMN_TYPE: ColumnType = $ct;
            const NAME: &'static str = stringify!($ty);
            #[inline]
            fn into_value(self) -> Value {
                Value::$variant(Some(<$wide>::from(self)))
            }
            #[inline]
            fn to_value(&self) -> Value {
                Value::$variant(Some(<$wide>::from(*self)))
            }
            #[inline]
            fn null() -> Value {
                Value::$variant(None)
            }
            fn decode(row: &dyn Row, index: usize) -> Result<Option<Self>, DecodeError> {
                match row.$getter(index)? {
                    None => Ok(None),
                    Some(wide) => convert::Number::Int(i64::from(wide))
                        .to_integer::<$ty>(stringify!($ty))
                        .map(Some)
                        .map_err(|r| r.stored_as(stringify!($wide))),
                }
            }
            fn from_value(value: Value) -> Option<Self> {
                let wide = <$wide as sea_query::ValueType>::try_from(value).ok()?;
                <$ty>::try_from(wide).ok()
            }
        }
    };
}

widened_sql_type!(i8, ColumnType::SmallInt, i16, SmallInt, get_i16);
widened_sql_type!(u8, ColumnType::SmallInt, i16, SmallInt, get_i16);
widened_sql_type!(u16, ColumnType::Integer, i32, Int, get_i32);
widened_sql_type!(u32, ColumnType::BigInt, i64, BigInt, get_i64);
sql_type!(f64, ColumnType::Double, Double, get_f64);
sql_type!(String, ColumnType::Text(None), String, get_string, |v| {
    ValueRef::Text(v)
});
sql_type!(Vec<u8>, ColumnType::Bytes, Bytes, get_bytes, |v| {
    ValueRef::Bytes(v)
});

#[cfg(feature = "chrono")]
mod chrono_types {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

    use super::*;

    sql_type!(NaiveDate, ColumnType::Date, ChronoDate, get_date);
    sql_type!(NaiveTime, ColumnType::Time, ChronoTime, get_time);
    sql_type!(
        NaiveDateTime,
        ColumnType::DateTime,
        ChronoDateTime,
        get_datetime
    );
    sql_type!(
        DateTime<Utc>,
        ColumnType::DateTimeUtc,
        ChronoDateTimeUtc,
        get_datetime_utc
    );
}

#[cfg(feature = "uuid")]
sql_type!(uuid::Uuid, ColumnType::Uuid, Uuid, get_uuid);
#[cfg(feature = "decimal")]
sql_type!(
    rust_decimal::Decimal,
    ColumnType::Decimal,
    Decimal,
    get_decimal
);

#[cfg(feature = "json")]
impl SqlType for serde_json::Value {
    const COLUMN_TYPE: ColumnType = ColumnType::Json;
    const NAME: &'static str = "serde_json::Value";
    fn into_value(self) -> Value {
        Value::Json(Some(Box::new(self)))
    }
    fn to_value(&self) -> Value {
        Value::Json(Some(Box::new(self.clone())))
    }
    fn null() -> Value {
        Value::Json(None)
    }
    fn decode(row: &dyn Row, index: usize) -> Result<Option<Self>, DecodeError> {
        row.get_json(index)
    }
}

/// What a model's field may be: a [`SqlType`] (a NOT NULL column) or an `Option` of one
/// (a nullable column).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a column of a model",
    label = "om stores bool, i8 to i64, u8 to u32, f32, f64, String, Vec<u8>, chrono dates and times, Uuid, Decimal, serde_json::Value, om::Json<T> and #[derive(om::Enum)] enums, or an Option of one (u64 does not fit a signed 64-bit column: use i64)"
)]
pub trait Field: Sized + Clone + Send + Sync + 'static {
    /// The column's type, without the `Option`.
    type Base: SqlType;
    /// Whether the column is nullable.
    const NULLABLE: bool;
    /// The field's value, bound as a parameter.
    fn to_value(&self) -> Value;
    /// The field's value to bind, borrowed where that saves a copy. By default
    /// [`to_value`](Self::to_value)'s, owned.
    #[inline]
    fn to_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Owned(self.to_value())
    }
    /// Reads the field from the column at `index`.
    fn decode(row: &dyn Row, index: usize) -> Result<Self, DecodeError>;
    /// The field's value from a bound value (NULL is `None` for an `Option`), `None`
    /// when it does not fit.
    fn from_value(value: Value) -> Option<Self>;
    /// The field's value for "no value at all" (`None` for an `Option`), where it has
    /// one: what `fetch_val::<Option<T>>` returns when the query finds no row.
    #[inline]
    fn absent() -> Option<Self> {
        None
    }
}

impl<T: SqlType> Field for T {
    type Base = T;
    const NULLABLE: bool = false;
    #[inline]
    fn to_value(&self) -> Value {
        SqlType::to_value(self)
    }
    #[inline]
    fn to_value_ref(&self) -> ValueRef<'_> {
        SqlType::to_value_ref(self)
    }
    #[inline]
    fn decode(row: &dyn Row, index: usize) -> Result<Self, DecodeError> {
        T::decode(row, index)?.ok_or(DecodeError::UnexpectedNull { expected: T::NAME })
    }
    fn from_value(value: Value) -> Option<Self> {
        T::from_value(value)
    }
}

impl<T: SqlType> Field for Option<T> {
    type Base = T;
    const NULLABLE: bool = true;
    #[inline]
    fn to_value(&self) -> Value {
        match self {
            Some(v) => SqlType::to_value(v),
            None => T::null(),
        }
    }
    #[inline]
    fn to_value_ref(&self) -> ValueRef<'_> {
        match self {
            Some(v) => SqlType::to_value_ref(v),
            None => ValueRef::Owned(T::null()),
        }
    }
    #[inline]
    fn decode(row: &dyn Row, index: usize) -> Result<Self, DecodeError> {
        T::decode(row, index)
    }
    fn from_value(value: Value) -> Option<Self> {
        if is_null(&value) {
            return Some(None);
        }
        T::from_value(value).map(Some)
    }
    #[inline]
    fn absent() -> Option<Self> {
        Some(None)
    }
}

/// A Rust value that may be compared with, or stored in, a column of type `T`.
///
/// `T` itself always qualifies; so do narrower integers for wider integer columns,
/// `&str` for text, `&[u8]` for bytes and `f32` for `f64`. Nothing converts between
/// text and numbers: `c.name.eq(42)` does not compile when `name` is a `String`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with a column of type `{T}`",
    label = "expected a value of the column's type, `{T}`",
    note = "to test for NULL, use `is_null()` or `is_not_null()`; an `Option` must be unwrapped first"
)]
pub trait ValueOf<T: SqlType> {
    /// Converts into a bound value of the column's type.
    fn into_value_of(self) -> Value;
}

impl<T: SqlType> ValueOf<T> for T {
    #[inline]
    fn into_value_of(self) -> Value {
        self.into_value()
    }
}

impl<T: SqlType> ValueOf<T> for &T {
    #[inline]
    fn into_value_of(self) -> Value {
        self.to_value()
    }
}

/// Never implemented: what makes comparing a column with an `Option` (`c.id.eq(None)`,
/// `c.user_id.eq(some_option)`) a compile error that says what to write instead. SQL's
/// `= NULL` is never true, so om does not guess what was meant.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "a column cannot be compared with an `Option` (`{Self}`)",
    label = "to test for NULL, use `is_null()` or `is_not_null()`; to compare with the value, unwrap the `Option` first",
    note = "`column = NULL` is never true in SQL: write `c.field.is_null()`, or `c.field.eq(value)` with the value taken out of the `Option`"
)]
pub trait NotAnOption {
    /// Unreachable: no type implements the trait.
    fn into_value(self) -> Value;
}

impl<T: SqlType> ValueOf<T> for Option<T>
where
    Option<T>: NotAnOption,
{
    fn into_value_of(self) -> Value {
        NotAnOption::into_value(self)
    }
}

macro_rules! value_of {
    ($target:ty: $($src:ty),*) => {$(
        impl ValueOf<$target> for $src {
            #[inline]
            fn into_value_of(self) -> Value {
                <$target as SqlType>::into_value(<$target>::from(self))
            }
        }
    )*};
}

value_of!(i64: i32, i16, i8, u32, u16, u8);
value_of!(i32: i16, i8, u16, u8);
value_of!(i16: i8, u8);

macro_rules! widened_value_of {
    ($target:ty: $($src:ty),*) => {$(
        impl ValueOf<$target> for $src {
            #[inline]
            fn into_value_of(self) -> Value {
                <$target as SqlType>::into_value(<$target>::from(self))
            }
        }
    )*};
}

widened_value_of!(u32: u16, u8);
widened_value_of!(u16: u8);
value_of!(f64: f32);
value_of!(String: &str, Box<str>);
value_of!(Vec<u8>: &[u8]);

/// A value for a model's primary key of type `K`: one value for a single key, a tuple for
/// a composite one.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a key of type `{K}`",
    label = "give one value per primary key column, in key order (a tuple for a composite key)"
)]
pub trait KeyArg<K> {
    /// Appends the key's values, in key order.
    fn write_key(self, out: &mut Vec<Value>);

    /// The key's values, in key order (without allocating, for the keys om knows).
    fn key_values(self) -> impl Iterator<Item = Value>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        self.write_key(&mut out);
        out.into_iter()
    }
}

impl<T: SqlType, V: ValueOf<T>> KeyArg<T> for V {
    #[inline]
    fn write_key(self, out: &mut Vec<Value>) {
        out.push(self.into_value_of());
    }

    #[inline]
    fn key_values(self) -> impl Iterator<Item = Value> {
        std::iter::once(self.into_value_of())
    }
}

macro_rules! key_tuple {
    ($(($k:ident, $v:ident, $i:tt)),+) => {
        impl<$($k: SqlType, $v: ValueOf<$k>),+> KeyArg<($($k,)+)> for ($($v,)+) {
            #[inline]
            fn write_key(self, out: &mut Vec<Value>) {
                $(out.push(self.$i.into_value_of());)+
            }

            #[inline]
            fn key_values(self) -> impl Iterator<Item = Value> {
                [$(self.$i.into_value_of()),+].into_iter()
            }
        }
    };
}

key_tuple!((K1, V1, 0), (K2, V2, 1));
key_tuple!((K1, V1, 0), (K2, V2, 1), (K3, V3, 2));
key_tuple!((K1, V1, 0), (K2, V2, 1), (K3, V3, 2), (K4, V4, 3));

/// Whether a bound value is SQL NULL.
pub fn is_null(value: &Value) -> bool {
    match value {
        Value::Bool(v) => v.is_none(),
        Value::TinyInt(v) => v.is_none(),
        Value::SmallInt(v) => v.is_none(),
        Value::Int(v) => v.is_none(),
        Value::BigInt(v) => v.is_none(),
        Value::TinyUnsigned(v) => v.is_none(),
        Value::SmallUnsigned(v) => v.is_none(),
        Value::Unsigned(v) => v.is_none(),
        Value::BigUnsigned(v) => v.is_none(),
        Value::Float(v) => v.is_none(),
        Value::Double(v) => v.is_none(),
        Value::String(v) => v.is_none(),
        Value::Char(v) => v.is_none(),
        Value::Bytes(v) => v.is_none(),
        #[cfg(feature = "json")]
        Value::Json(v) => v.is_none(),
        #[cfg(feature = "chrono")]
        Value::ChronoDate(v) => v.is_none(),
        #[cfg(feature = "chrono")]
        Value::ChronoTime(v) => v.is_none(),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTime(v) => v.is_none(),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTimeUtc(v) => v.is_none(),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTimeLocal(v) => v.is_none(),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTimeWithTimeZone(v) => v.is_none(),
        #[cfg(feature = "uuid")]
        Value::Uuid(v) => v.is_none(),
        #[cfg(feature = "decimal")]
        Value::Decimal(v) => v.is_none(),
        #[allow(unreachable_patterns)]
        _ => false,
    }
}
