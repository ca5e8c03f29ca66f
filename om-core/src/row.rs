//! Row access: how a model reads its fields from whatever row type a driver has.

use crate::error::DecodeError;

/// One row of a result, read by column position.
///
/// Each driver implements it over its own row type; a model decodes straight from it
/// into its fields, with no intermediate map of values. Every accessor returns `None`
/// for SQL NULL and a [`DecodeError`] naming both types when the stored value does not
/// convert.
///
/// The accessors of the optional column types exist under om's features of the same
/// names: `chrono` (dates and times), `uuid`, `decimal` and `json`.
#[allow(missing_docs)]
pub trait Row: Send {
    /// The number of columns.
    fn len(&self) -> usize;
    /// Whether the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether the column holds SQL NULL.
    fn is_null(&self, index: usize) -> Result<bool, DecodeError>;
    /// The name of the column at `index`, as the database reports it; `None` when out
    /// of range or when the driver does not know column names.
    fn column_name(&self, index: usize) -> Option<&str> {
        let _ = index;
        None
    }
    /// The position of the first column named `name`.
    fn column_index(&self, name: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.column_name(i) == Some(name))
    }
    fn get_bool(&self, index: usize) -> Result<Option<bool>, DecodeError>;
    fn get_i16(&self, index: usize) -> Result<Option<i16>, DecodeError>;
    fn get_i32(&self, index: usize) -> Result<Option<i32>, DecodeError>;
    fn get_i64(&self, index: usize) -> Result<Option<i64>, DecodeError>;
    fn get_f32(&self, index: usize) -> Result<Option<f32>, DecodeError>;
    fn get_f64(&self, index: usize) -> Result<Option<f64>, DecodeError>;
    fn get_string(&self, index: usize) -> Result<Option<String>, DecodeError>;
    fn get_bytes(&self, index: usize) -> Result<Option<Vec<u8>>, DecodeError>;
    #[cfg(feature = "chrono")]
    fn get_date(&self, index: usize) -> Result<Option<chrono::NaiveDate>, DecodeError>;
    #[cfg(feature = "chrono")]
    fn get_time(&self, index: usize) -> Result<Option<chrono::NaiveTime>, DecodeError>;
    #[cfg(feature = "chrono")]
    fn get_datetime(&self, index: usize) -> Result<Option<chrono::NaiveDateTime>, DecodeError>;
    #[cfg(feature = "chrono")]
    fn get_datetime_utc(
        &self,
        index: usize,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, DecodeError>;
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, index: usize) -> Result<Option<uuid::Uuid>, DecodeError>;
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, index: usize) -> Result<Option<rust_decimal::Decimal>, DecodeError>;
    #[cfg(feature = "json")]
    fn get_json(&self, index: usize) -> Result<Option<serde_json::Value>, DecodeError>;
}
