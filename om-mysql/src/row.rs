//! sqlx's MySQL row → om's [`Row`].
//!
//! MySQL's types are loose (a `bool` is a `TINYINT(1)`, `COUNT(*)` a `BIGINT`, `SUM` a
//! `DECIMAL`, MariaDB's JSON a `LONGTEXT`), so the getters accept every stored type
//! that converts without loss of meaning, and report the MySQL type otherwise.

use std::str::FromStr;

#[cfg(feature = "chrono")]
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use om_core::value::convert::{Number as Portable, Refused};
use om_core::{DecodeError, Row};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sqlx::mysql::{MySqlRow, MySqlTypeInfo, MySqlValueRef};
use sqlx::{Row as _, TypeInfo, ValueRef};
#[cfg(feature = "uuid")]
use uuid::Uuid;

/// A MySQL result row.
#[derive(Debug)]
pub(crate) struct OmRow(pub(crate) MySqlRow);

/// A stored number, read losslessly from whichever numeric type MySQL sent.
enum Number {
    Signed(i64),
    Unsigned(u64),
    Decimal(Decimal),
}

const SIGNED_INTEGERS: &[&str] = &[
    "BOOLEAN",
    "TINYINT",
    "SMALLINT",
    "MEDIUMINT",
    "INT",
    "BIGINT",
];

impl OmRow {
    /// The raw value at `index`, or `None` when it is NULL.
    fn raw(&self, index: usize) -> Result<Option<MySqlValueRef<'_>>, DecodeError> {
        let value = self
            .0
            .try_get_raw(index)
            .map_err(|_| DecodeError::MissingColumn { index })?;
        Ok((!value.is_null()).then_some(value))
    }

    /// `test` applied to sqlx's name for the type of the column at `index`, `None` for
    /// NULL: one lookup of the column for what the decoding path needs to know.
    fn with_type<T>(
        &self,
        index: usize,
        test: impl FnOnce(Option<&str>) -> T,
    ) -> Result<T, DecodeError> {
        let value = self
            .0
            .try_get_raw(index)
            .map_err(|_| DecodeError::MissingColumn { index })?;
        if value.is_null() {
            return Ok(test(None));
        }
        Ok(test(Some(value.type_info().name())))
    }

    /// Whether sqlx's name for the type of the column at `index` passes `test`: the
    /// cheap check of the decoding path (sqlx names text of a binary collation as
    /// binary, which these checks do not need to tell apart).
    fn sqlx_name(&self, index: usize, test: impl FnOnce(&str) -> bool) -> bool {
        self.0
            .try_get_raw(index)
            .is_ok_and(|v| test(v.type_info().name()))
    }

    /// The MySQL type of the column at `index` (`BIGINT UNSIGNED`, `VARCHAR`), for
    /// messages.
    fn type_name(&self, index: usize) -> String {
        self.0
            .try_get_raw(index)
            .map(|v| type_name(&v.type_info()))
            .unwrap_or_else(|_| "?".to_string())
    }

    fn mismatch(&self, index: usize, expected: &'static str) -> DecodeError {
        DecodeError::Mismatch {
            expected,
            found: self.type_name(index),
        }
    }

    fn map_err(&self, index: usize, expected: &'static str, e: sqlx::Error) -> DecodeError {
        match e {
            sqlx::Error::ColumnIndexOutOfBounds { .. } => DecodeError::MissingColumn { index },
            sqlx::Error::ColumnDecode { source, .. } if self.type_compatible_error(&*source) => {
                self.mismatch(index, expected)
            }
            sqlx::Error::ColumnDecode { source, .. } => DecodeError::Mismatch {
                expected,
                found: format!("{} ({source})", self.type_name(index)),
            },
            other => DecodeError::Mismatch {
                expected,
                found: format!("{} ({other})", self.type_name(index)),
            },
        }
    }

    /// Whether a decode error only says the types differ (nothing more to report).
    fn type_compatible_error(&self, source: &(dyn std::error::Error + Send + Sync)) -> bool {
        source.to_string().contains("mismatched types")
    }

    /// The value at `index` as `T`, when sqlx's own check says its type is one of
    /// `T`'s and it decodes: the common case, with one lookup of the column and no
    /// comparison of type names. `None` sends the caller down its general path, which
    /// also words the errors.
    #[inline]
    fn direct<T>(&self, index: usize) -> Option<Option<T>>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::MySql> + sqlx::Type<sqlx::MySql>,
    {
        let value = self.0.try_get_raw(index).ok()?;
        if value.is_null() {
            return Some(None);
        }
        if !T::compatible(&value.type_info()) {
            return None;
        }
        T::decode(value).ok().map(Some)
    }

    /// A signed integer column read directly ([`direct`](Self::direct)) and narrowed
    /// to `T`; `None` when it is not one or does not fit.
    #[inline]
    fn direct_int<T: TryFrom<i64>>(&self, index: usize) -> Option<Option<T>> {
        match self.direct::<i64>(index)? {
            None => Some(None),
            Some(n) => T::try_from(n).ok().map(Some),
        }
    }

    /// A value sqlx decodes, after its own type check.
    fn get<T>(&self, index: usize, expected: &'static str) -> Result<Option<T>, DecodeError>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::MySql> + sqlx::Type<sqlx::MySql>,
    {
        self.0
            .try_get::<Option<T>, _>(index)
            .map_err(|e| self.map_err(index, expected, e))
    }

    /// A value sqlx decodes without its type check, for types known to convert.
    fn get_unchecked<T>(
        &self,
        index: usize,
        expected: &'static str,
    ) -> Result<Option<T>, DecodeError>
    where
        T: for<'r> sqlx::Decode<'r, sqlx::MySql> + sqlx::Type<sqlx::MySql>,
    {
        self.0
            .try_get_unchecked::<Option<T>, _>(index)
            .map_err(|e| self.map_err(index, expected, e))
    }

    /// Text parsed by `parse`, for values MySQL sends as text (decimals).
    fn parsed<T>(
        &self,
        index: usize,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, DecodeError> {
        let Some(text) = self.get_unchecked::<String>(index, expected)? else {
            return Ok(None);
        };
        parse(&text).map(Some).ok_or_else(|| DecodeError::Mismatch {
            expected,
            found: format!("{} {text:?}", self.type_name(index)),
        })
    }

    /// Any integer or decimal column, as a number.
    fn number(&self, index: usize, expected: &'static str) -> Result<Option<Number>, DecodeError> {
        #[derive(Clone, Copy)]
        enum Kind {
            Null,
            Signed,
            Unsigned,
            Decimal,
            Other,
        }
        let kind = self.with_type(index, |name| match name {
            None => Kind::Null,
            Some(name) if SIGNED_INTEGERS.contains(&name) => Kind::Signed,
            Some(name) if name.ends_with(" UNSIGNED") => Kind::Unsigned,
            Some("DECIMAL") => Kind::Decimal,
            Some(_) => Kind::Other,
        })?;
        match kind {
            Kind::Null => Ok(None),
            // The type is checked above: decode without sqlx checking it again.
            Kind::Signed => Ok(self
                .get_unchecked::<i64>(index, expected)?
                .map(Number::Signed)),
            Kind::Unsigned => Ok(self
                .get_unchecked::<u64>(index, expected)?
                .map(Number::Unsigned)),
            Kind::Decimal => Ok(self
                .parsed(index, expected, parse_decimal)?
                .map(Number::Decimal)),
            Kind::Other => Err(self.mismatch(index, expected)),
        }
    }

    /// Any numeric column (integers, decimals, floats) as a number to convert by om's
    /// rules (`om_core::value::convert`).
    fn portable(&self, index: usize, to: &'static str) -> Result<Option<Portable>, DecodeError> {
        if self.raw(index)?.is_none() {
            return Ok(None);
        }
        if self.sqlx_name(index, |name| name == "FLOAT" || name == "DOUBLE") {
            return Ok(self.get::<f64>(index, to)?.map(Portable::Float));
        }
        Ok(self.number(index, to)?.map(|n| match n {
            Number::Signed(n) => Portable::Int(n),
            Number::Unsigned(n) => Portable::UInt(n),
            // SUM, AVG: whole decimals as integers, others as the nearest float.
            Number::Decimal(d) => match (d.fract().is_zero(), d.to_i64(), d.to_u64()) {
                (true, Some(n), _) => Portable::Int(n),
                (true, None, Some(n)) => Portable::UInt(n),
                _ => Portable::Float(d.to_f64().unwrap_or(f64::NAN)),
            },
        }))
    }

    /// The number at `index` converted by `convert`, a refusal naming the MySQL type.
    #[inline]
    fn converted<T>(
        &self,
        index: usize,
        to: &'static str,
        convert: impl FnOnce(Portable) -> Result<T, Refused>,
    ) -> Result<Option<T>, DecodeError> {
        match self.portable(index, to)? {
            None => Ok(None),
            Some(n) => convert(n)
                .map(Some)
                .map_err(|r| r.stored_as(self.type_name(index))),
        }
    }
}

/// sqlx's name for a MySQL type, except that text in a binary collation (om's
/// `utf8mb4_bin` columns) is named as text: sqlx names it after the column's `BINARY`
/// flag, which MySQL also sets for `_bin` collations. Only the `binary` character set
/// (63) marks true binary data; sqlx keeps it private, so it is read from `Debug`.
fn type_name(info: &MySqlTypeInfo) -> String {
    let name = info.name();
    let as_text = match name {
        "VARBINARY" => "VARCHAR",
        "BINARY" => "CHAR",
        "TINYBLOB" => "TINYTEXT",
        "BLOB" => "TEXT",
        "MEDIUMBLOB" => "MEDIUMTEXT",
        "LONGBLOB" => "LONGTEXT",
        other => return other.to_string(),
    };
    if format!("{info:?}").contains("Collation(63)") {
        name.to_string()
    } else {
        as_text.to_string()
    }
}

/// A decimal as MySQL prints it: trailing zeros of a `DECIMAL(65, 28)` are dropped
/// first, and digits beyond a `Decimal`'s precision are rounded.
fn parse_decimal(text: &str) -> Option<Decimal> {
    let trimmed = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    };
    Decimal::from_str(trimmed).ok()
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
        self.converted(i, "bool", Portable::to_bool)
    }

    fn get_i16(&self, i: usize) -> Result<Option<i16>, DecodeError> {
        if let Some(n) = self.direct_int(i) {
            return Ok(n);
        }
        self.converted(i, "i16", |n| n.to_integer("i16"))
    }

    fn get_i32(&self, i: usize) -> Result<Option<i32>, DecodeError> {
        if let Some(n) = self.direct_int(i) {
            return Ok(n);
        }
        self.converted(i, "i32", |n| n.to_integer("i32"))
    }

    fn get_i64(&self, i: usize) -> Result<Option<i64>, DecodeError> {
        if let Some(n) = self.direct_int(i) {
            return Ok(n);
        }
        self.converted(i, "i64", |n| n.to_integer("i64"))
    }

    fn get_f32(&self, i: usize) -> Result<Option<f32>, DecodeError> {
        if self.raw(i)?.is_some() && self.sqlx_name(i, |name| name == "FLOAT") {
            // Read as stored: the 4 bytes directly, exact and cheaper.
            return self.get::<f32>(i, "f32");
        }
        self.converted(i, "f32", Portable::to_f32)
    }

    fn get_f64(&self, i: usize) -> Result<Option<f64>, DecodeError> {
        self.converted(i, "f64", Portable::to_f64)
    }

    fn get_string(&self, i: usize) -> Result<Option<String>, DecodeError> {
        if let Some(text) = self.direct::<String>(i) {
            return Ok(text);
        }
        // Text (of any collation, which sqlx may name binary) and JSON decode as text
        // without a second check; anything else goes through sqlx's.
        let textual = self.with_type(i, |name| {
            name.map(|name| {
                matches!(
                    name,
                    "VARCHAR"
                        | "CHAR"
                        | "TEXT"
                        | "TINYTEXT"
                        | "MEDIUMTEXT"
                        | "LONGTEXT"
                        | "JSON"
                        | "VARBINARY"
                        | "BINARY"
                        | "BLOB"
                        | "TINYBLOB"
                        | "MEDIUMBLOB"
                        | "LONGBLOB"
                )
            })
        })?;
        match textual {
            None => Ok(None),
            Some(true) => self.get_unchecked(i, "String"),
            Some(false) => self.get(i, "String"),
        }
    }

    fn get_bytes(&self, i: usize) -> Result<Option<Vec<u8>>, DecodeError> {
        if self.raw(i)?.is_some() && self.sqlx_name(i, |name| name == "JSON") {
            return self.get_unchecked(i, "Vec<u8>");
        }
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
        if self.raw(i)?.is_some() && self.sqlx_name(i, |name| name == "TIMESTAMP") {
            return self.get_unchecked(i, "NaiveDateTime");
        }
        self.get(i, "NaiveDateTime")
    }

    #[cfg(feature = "chrono")]
    fn get_datetime_utc(&self, i: usize) -> Result<Option<DateTime<Utc>>, DecodeError> {
        // A UTC timestamp is stored as its UTC time in a DATETIME(6); a TIMESTAMP is
        // read in the session's time zone, which sqlx sets to UTC.
        self.get(i, "DateTime<Utc>")
    }

    #[cfg(feature = "uuid")]
    fn get_uuid(&self, i: usize) -> Result<Option<Uuid>, DecodeError> {
        // Stored as BINARY(16); a UUID written as text (CHAR(36)) is read too.
        let Some(bytes) = self.get::<Vec<u8>>(i, "Uuid")? else {
            return Ok(None);
        };
        let uuid = if bytes.len() == 16 {
            Uuid::from_slice(&bytes).ok()
        } else {
            std::str::from_utf8(&bytes)
                .ok()
                .and_then(|s| Uuid::parse_str(s.trim()).ok())
        };
        uuid.map(Some).ok_or_else(|| DecodeError::Mismatch {
            expected: "Uuid",
            found: format!("{} of {} bytes", self.type_name(i), bytes.len()),
        })
    }

    #[cfg(feature = "decimal")]
    fn get_decimal(&self, i: usize) -> Result<Option<Decimal>, DecodeError> {
        Ok(self.number(i, "Decimal")?.map(|n| match n {
            Number::Signed(n) => Decimal::from(n),
            Number::Unsigned(n) => Decimal::from(n),
            Number::Decimal(d) => d,
        }))
    }

    #[cfg(feature = "json")]
    fn get_json(&self, i: usize) -> Result<Option<serde_json::Value>, DecodeError> {
        // MySQL's JSON type, or MariaDB's (a LONGTEXT): either way, text to parse.
        if self.raw(i)?.is_none() {
            return Ok(None);
        }
        let name = self.type_name(i);
        let textual = name == "JSON"
            || name.ends_with("TEXT")
            || name.ends_with("BLOB")
            || matches!(name.as_str(), "VARCHAR" | "CHAR" | "VARBINARY" | "BINARY");
        if !textual {
            return Err(DecodeError::Mismatch {
                expected: "serde_json::Value",
                found: name,
            });
        }
        self.parsed(i, "serde_json::Value", |s| serde_json::from_str(s).ok())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_from_mysql_text() {
        assert_eq!(
            parse_decimal("1.5000000000000000000000000000"),
            Some(Decimal::new(15, 1))
        );
        assert_eq!(parse_decimal("100.0000"), Some(Decimal::new(100, 0)));
        assert_eq!(parse_decimal("100"), Some(Decimal::new(100, 0)));
        assert_eq!(parse_decimal("-0.0100"), Some(Decimal::new(-1, 2)));
        assert_eq!(
            parse_decimal("12345678901234567890.1234567890123456789012345678"),
            Decimal::from_str("12345678901234567890.123456789").ok()
        );
        assert_eq!(parse_decimal("abc"), None);
    }
}
