//! sqlx's SQLite row → om's [`Row`].

#[cfg(feature = "chrono")]
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use om_core::value::convert::Number;
use om_core::{DecodeError, Row};
#[cfg(feature = "decimal")]
use rust_decimal::Decimal;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Row as _, Sqlite, Type, TypeInfo, ValueRef};
#[cfg(feature = "uuid")]
use uuid::Uuid;

/// A SQLite result row.
#[derive(Debug)]
pub(crate) struct OmRow(pub(crate) SqliteRow);

impl OmRow {
    fn get<T>(&self, index: usize, expected: &'static str) -> Result<Option<T>, DecodeError>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        self.0
            .try_get::<Option<T>, _>(index)
            .map_err(|e| self.mismatch(index, expected, e))
    }

    fn mismatch(&self, index: usize, expected: &'static str, e: sqlx::Error) -> DecodeError {
        match e {
            sqlx::Error::ColumnIndexOutOfBounds { .. } => DecodeError::MissingColumn { index },
            other => {
                let found = self
                    .0
                    .try_get_raw(index)
                    .map(|v| v.type_info().name().to_string())
                    .unwrap_or_else(|_| other.to_string());
                DecodeError::Mismatch { expected, found }
            }
        }
    }

    /// The number stored at `index` (an `INTEGER` or a `REAL`), `None` for NULL; any
    /// other storage class is a mismatch with `to`. The caller converts it by om's
    /// rules (`om_core::value::convert`).
    #[inline]
    fn number(&self, index: usize, to: &'static str) -> Result<Option<Number>, DecodeError> {
        let value = self
            .0
            .try_get_raw(index)
            .map_err(|_| DecodeError::MissingColumn { index })?;
        if value.is_null() {
            return Ok(None);
        }
        // The storage class, compared as sqlx's type rather than by its name.
        let stored = value.type_info();
        let number = if <i64 as Type<Sqlite>>::compatible(&stored) {
            <i64 as Decode<'_, Sqlite>>::decode(value).map(Number::Int)
        } else if <f64 as Type<Sqlite>>::compatible(&stored) {
            <f64 as Decode<'_, Sqlite>>::decode(value).map(Number::Float)
        } else {
            return Err(DecodeError::Mismatch {
                expected: to,
                found: stored.name().to_string(),
            });
        };
        number.map(Some).map_err(|e| DecodeError::Mismatch {
            expected: to,
            found: e.to_string(),
        })
    }

    /// The storage class of the value at `index`, for messages.
    #[cold]
    fn stored_type(&self, index: usize) -> String {
        self.0
            .try_get_raw(index)
            .map(|v| v.type_info().name().to_string())
            .unwrap_or_default()
    }

    /// The number at `index` converted by `convert`.
    #[inline]
    fn converted<T>(
        &self,
        index: usize,
        to: &'static str,
        convert: impl FnOnce(Number) -> Result<T, om_core::value::convert::Refused>,
    ) -> Result<Option<T>, DecodeError> {
        match self.number(index, to)? {
            None => Ok(None),
            Some(n) => convert(n)
                .map(Some)
                .map_err(|r| r.stored_as(self.stored_type(index))),
        }
    }

    /// Text parsed by `parse`, for types SQLite stores as text.
    #[cfg(any(feature = "decimal", feature = "json"))]
    fn parsed<T>(
        &self,
        index: usize,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, DecodeError> {
        let Some(text) = self.get::<String>(index, expected)? else {
            return Ok(None);
        };
        parse(&text).map(Some).ok_or_else(|| DecodeError::Mismatch {
            expected,
            found: format!("TEXT {text:?}"),
        })
    }
}

impl Row for OmRow {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn column_name(&self, index: usize) -> Option<&str> {
        self.0.columns().get(index).map(sqlx::Column::name)
    }
    fn is_null(&self, i: usize) -> Result<bool, DecodeError> {
        self.0
            .try_get_raw(i)
            .map(|v| v.is_null())
            .map_err(|_| DecodeError::MissingColumn { index: i })
    }
    fn get_bool(&self, i: usize) -> Result<Option<bool>, DecodeError> {
        self.converted(i, "bool", Number::to_bool)
    }
    fn get_i16(&self, i: usize) -> Result<Option<i16>, DecodeError> {
        self.converted(i, "i16", |n| n.to_integer("i16"))
    }
    fn get_i32(&self, i: usize) -> Result<Option<i32>, DecodeError> {
        self.converted(i, "i32", |n| n.to_integer("i32"))
    }
    fn get_i64(&self, i: usize) -> Result<Option<i64>, DecodeError> {
        // An INTEGER, the common case, is read as it is.
        if let Ok(value) = self.0.try_get_raw(i)
            && !value.is_null()
            && <i64 as Type<Sqlite>>::compatible(&value.type_info())
            && let Ok(n) = <i64 as Decode<'_, Sqlite>>::decode(value)
        {
            return Ok(Some(n));
        }
        self.converted(i, "i64", |n| n.to_integer("i64"))
    }
    fn get_f32(&self, i: usize) -> Result<Option<f32>, DecodeError> {
        self.converted(i, "f32", Number::to_f32)
    }
    fn get_f64(&self, i: usize) -> Result<Option<f64>, DecodeError> {
        self.converted(i, "f64", Number::to_f64)
    }
    fn get_string(&self, i: usize) -> Result<Option<String>, DecodeError> {
        // TEXT, the common case, is read as it is; NULL is `None`.
        if let Ok(value) = self.0.try_get_raw(i) {
            if value.is_null() {
                return Ok(None);
            }
            if <String as Type<Sqlite>>::compatible(&value.type_info())
                && let Ok(text) = <String as Decode<'_, Sqlite>>::decode(value)
            {
                return Ok(Some(text));
            }
        }
        self.get(i, "String")
    }
    fn get_bytes(&self, i: usize) -> Result<Option<Vec<u8>>, DecodeError> {
        self.get(i, "Vec<u8>")
    }
    #[cfg(feature = "chrono")]
    fn get_date(&self, i: usize) -> Result<Option<NaiveDate>, DecodeError> {
        self.get(i, "NaiveDate")
    }
    #[cfg(feature = "chrono")]
    fn get_time(&self, i: usize) -> Result<Option<NaiveTime>, DecodeError> {
        self.get(i, "NaiveTime")
    }
    #[cfg(feature = "chrono")]
    fn get_datetime(&self, i: usize) -> Result<Option<NaiveDateTime>, DecodeError> {
        self.get(i, "NaiveDateTime")
    }
    #[cfg(feature = "chrono")]
    fn get_datetime_utc(&self, i: usize) -> Result<Option<DateTime<Utc>>, DecodeError> {
        self.get(i, "DateTime<Utc>")
    }
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, i: usize) -> Result<Option<Uuid>, DecodeError> {
        self.get(i, "Uuid")
    }
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, i: usize) -> Result<Option<Decimal>, DecodeError> {
        // sea-query binds decimals as text on SQLite, which keeps them exact.
        self.parsed(i, "Decimal", |s| s.parse().ok())
    }
    #[cfg(feature = "json")]
    fn get_json(&self, i: usize) -> Result<Option<serde_json::Value>, DecodeError> {
        self.parsed(i, "serde_json::Value", |s| serde_json::from_str(s).ok())
    }
}
