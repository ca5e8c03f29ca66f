//! [`Json<T>`], and the JSON column types: the `json` feature.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::JsonType;
use crate::error::DecodeError;
use crate::model::ColumnType;
use crate::row::Row;
use crate::value::{SqlType, Value};

/// A value of any serde type stored in a JSON column: `pub data: Json<Settings>`.
///
/// It is written with `serde_json::to_value` and read with `serde_json::from_value`; a
/// stored document that does not deserialize into `T` is a
/// [`DecodeError::Mismatch`] naming `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T> Json<T> {
    /// The wrapped value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// From sqlx's `Json<T>` (for code that reads through `raw_pool` or `om::sqlx`).
#[cfg(feature = "sqlx-json")]
impl<T> From<sqlx_core::types::Json<T>> for Json<T> {
    fn from(value: sqlx_core::types::Json<T>) -> Self {
        Json(value.0)
    }
}

/// Into sqlx's `Json<T>` (for code that binds through `raw_pool` or `om::sqlx`).
#[cfg(feature = "sqlx-json")]
impl<T> From<Json<T>> for sqlx_core::types::Json<T> {
    fn from(value: Json<T>) -> Self {
        sqlx_core::types::Json(value.0)
    }
}

fn to_json<T: Serialize>(value: &T) -> Value {
    // A type whose `Serialize` fails (a map with non-text keys, a custom error) has no
    // JSON form: it is bound as JSON NULL, which a NOT NULL column refuses.
    Value::Json(serde_json::to_value(value).ok().map(Box::new))
}

impl<T> SqlType for Json<T>
where
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    const COLUMN_TYPE: ColumnType = ColumnType::Json;
    const NAME: &'static str = "om::Json<T>";
    fn into_value(self) -> Value {
        to_json(&self.0)
    }
    fn to_value(&self) -> Value {
        to_json(&self.0)
    }
    fn null() -> Value {
        Value::Json(None)
    }
    fn decode(row: &dyn Row, index: usize) -> Result<Option<Self>, DecodeError> {
        match row.get_json(index)? {
            None => Ok(None),
            Some(doc) => serde_json::from_value(doc)
                .map(|v| Some(Json(v)))
                .map_err(|e| DecodeError::Mismatch {
                    expected: std::any::type_name::<T>(),
                    found: format!("a JSON document that does not deserialize: {e}"),
                }),
        }
    }
}

impl JsonType for serde_json::Value {}
impl<T> JsonType for Json<T> where T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {}
