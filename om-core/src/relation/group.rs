//! Rows grouped by the value that links them to their parent.

use std::hash::{Hash, Hasher};

use crate::error::DecodeError;
use crate::model::ColumnType;
use crate::row::Row;
use crate::value::{SqlType, Value};

/// A value that links a row to its parent, usable as a hash key (the values that
/// keys have are hashed by content; others not at all, and told apart by equality).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupKey(pub(crate) Value);

impl Eq for GroupKey {}

impl Hash for GroupKey {
    /// One write per value: integers as 64 bits, texts and bytes as their bytes. A
    /// value of another type that hashes alike is told apart by equality.
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Value::Bool(Some(v)) => state.write_u64(u64::from(*v)),
            Value::TinyInt(Some(v)) => state.write_i64(i64::from(*v)),
            Value::SmallInt(Some(v)) => state.write_i64(i64::from(*v)),
            Value::Int(Some(v)) => state.write_i64(i64::from(*v)),
            Value::BigInt(Some(v)) => state.write_i64(*v),
            Value::TinyUnsigned(Some(v)) => state.write_u64(u64::from(*v)),
            Value::SmallUnsigned(Some(v)) => state.write_u64(u64::from(*v)),
            Value::Unsigned(Some(v)) => state.write_u64(u64::from(*v)),
            Value::BigUnsigned(Some(v)) => state.write_u64(*v),
            Value::String(Some(v)) => state.write(v.as_bytes()),
            Value::Bytes(Some(v)) => state.write(v),
            #[cfg(feature = "uuid")]
            Value::Uuid(Some(v)) => state.write(v.as_bytes()),
            _ => {}
        }
    }
}

/// Reads the column at `index` of `row` as a bound value of type `ty`.
pub(crate) fn read_value(
    row: &dyn Row,
    index: usize,
    ty: ColumnType,
) -> Result<Value, DecodeError> {
    fn read<T: SqlType>(row: &dyn Row, index: usize) -> Result<Value, DecodeError> {
        Ok(T::decode(row, index)?.map_or_else(T::null, T::into_value))
    }
    match ty {
        ColumnType::Bool => read::<bool>(row, index),
        ColumnType::SmallInt => read::<i16>(row, index),
        ColumnType::Integer => read::<i32>(row, index),
        ColumnType::BigInt => read::<i64>(row, index),
        ColumnType::Float => read::<f32>(row, index),
        ColumnType::Double => read::<f64>(row, index),
        ColumnType::Text(_) => read::<String>(row, index),
        ColumnType::Bytes => read::<Vec<u8>>(row, index),
        #[cfg(feature = "chrono")]
        ColumnType::Date => read::<chrono::NaiveDate>(row, index),
        #[cfg(feature = "chrono")]
        ColumnType::Time => read::<chrono::NaiveTime>(row, index),
        #[cfg(feature = "chrono")]
        ColumnType::DateTime => read::<chrono::NaiveDateTime>(row, index),
        #[cfg(feature = "chrono")]
        ColumnType::DateTimeUtc => read::<chrono::DateTime<chrono::Utc>>(row, index),
        #[cfg(feature = "uuid")]
        ColumnType::Uuid => read::<uuid::Uuid>(row, index),
        #[cfg(feature = "decimal")]
        ColumnType::Decimal => read::<rust_decimal::Decimal>(row, index),
        #[cfg(feature = "json")]
        ColumnType::Json => read::<serde_json::Value>(row, index),
        #[allow(unreachable_patterns)]
        other => Err(DecodeError::Mismatch {
            expected: "a column type this build of om reads",
            found: format!("{other:?}"),
        }),
    }
}
