//! sqlx's PostgreSQL row → om's [`Row`].
//!
//! PostgreSQL is strict about types, so each accessor looks at the column's type and
//! decodes what was actually sent; numbers (`int2`/`int4`/`int8`, `real`/`double`,
//! `numeric`, `bool`) then convert by om's one set of rules
//! (`om_core::value::convert`), the same on every backend: `get_i32` of a `bigint`
//! reads it when it is in range.

#[cfg(feature = "chrono")]
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use om_core::value::convert::{Number, Refused};
use om_core::{DecodeError, Row};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sqlx::postgres::{PgRow, PgValueRef};
use sqlx::{Decode, Postgres, Row as _, TypeInfo, ValueRef};
#[cfg(feature = "uuid")]
use uuid::Uuid;

/// Type OIDs of PostgreSQL's built-in types (fixed in its catalog). Some are read only
/// by the getters of the optional types (features `chrono`, `uuid`, `json`).
#[allow(dead_code)]
mod oid {
    pub(super) const BOOL: u32 = 16;
    pub(super) const BYTEA: u32 = 17;
    pub(super) const NAME: u32 = 19;
    pub(super) const INT8: u32 = 20;
    pub(super) const INT2: u32 = 21;
    pub(super) const INT4: u32 = 23;
    pub(super) const TEXT: u32 = 25;
    pub(super) const JSON: u32 = 114;
    pub(super) const FLOAT4: u32 = 700;
    pub(super) const FLOAT8: u32 = 701;
    pub(super) const UNKNOWN: u32 = 705;
    pub(super) const BPCHAR: u32 = 1042;
    pub(super) const VARCHAR: u32 = 1043;
    pub(super) const DATE: u32 = 1082;
    pub(super) const TIME: u32 = 1083;
    pub(super) const TIMESTAMP: u32 = 1114;
    pub(super) const TIMESTAMPTZ: u32 = 1184;
    pub(super) const NUMERIC: u32 = 1700;
    pub(super) const UUID: u32 = 2950;
    pub(super) const JSONB: u32 = 3802;
}

/// A PostgreSQL result row.
#[derive(Debug)]
pub(crate) struct OmRow(pub(crate) PgRow);

/// A non-NULL value and its type's OID (0 for a type sqlx knows only by name).
struct Cell<'r> {
    value: PgValueRef<'r>,
    oid: u32,
}

impl<'r> Cell<'r> {
    fn mismatch(&self, expected: &'static str) -> DecodeError {
        DecodeError::Mismatch {
            expected,
            found: self.value.type_info().name().to_string(),
        }
    }

    /// Decodes as `T`, whose PostgreSQL type the caller has checked.
    fn decode<T: Decode<'r, Postgres>>(&self, expected: &'static str) -> Result<T, DecodeError> {
        T::decode(self.value.clone()).map_err(|e| DecodeError::Mismatch {
            expected,
            found: format!("{} ({e})", self.value.type_info().name()),
        })
    }

    /// Decodes as `T` when the column's type is one of `oids`.
    fn decode_if<T: Decode<'r, Postgres>>(
        &self,
        oids: &[u32],
        expected: &'static str,
    ) -> Result<T, DecodeError> {
        if oids.contains(&self.oid) {
            self.decode(expected)
        } else {
            Err(self.mismatch(expected))
        }
    }

    /// The cell as a number, or a mismatch with `to` when it holds no number.
    #[inline]
    fn number(&self, to: &'static str) -> Result<Number, DecodeError> {
        Ok(match self.oid {
            oid::INT8 => Number::Int(self.decode(to)?),
            oid::INT4 => Number::Int(self.decode::<i32>(to)?.into()),
            oid::INT2 => Number::Int(self.decode::<i16>(to)?.into()),
            oid::FLOAT8 => Number::Float(self.decode(to)?),
            oid::FLOAT4 => Number::Float(self.decode::<f32>(to)?.into()),
            oid::BOOL => Number::Bool(self.decode(to)?),
            // SUM of bigints, AVG: whole decimals as integers, others as the nearest
            // float.
            oid::NUMERIC => {
                let d: Decimal = self.decode(to)?;
                if d.fract().is_zero() {
                    match (d.to_i64(), d.to_u64()) {
                        (Some(n), _) => Number::Int(n),
                        (None, Some(n)) => Number::UInt(n),
                        (None, None) => Number::Float(d.to_f64().unwrap_or(f64::NAN)),
                    }
                } else {
                    Number::Float(d.to_f64().unwrap_or(f64::NAN))
                }
            }
            _ => return Err(self.mismatch(to)),
        })
    }

    /// The cell converted by `convert`, a refusal naming the column's type.
    #[inline]
    fn converted<T>(
        &self,
        to: &'static str,
        convert: impl FnOnce(Number) -> Result<T, Refused>,
    ) -> Result<T, DecodeError> {
        convert(self.number(to)?).map_err(|r| r.stored_as(self.value.type_info().name()))
    }
}

impl OmRow {
    /// The cell at `index`, `None` when it is NULL.
    fn cell(&self, index: usize) -> Result<Option<Cell<'_>>, DecodeError> {
        let value = self.0.try_get_raw(index).map_err(|e| match e {
            sqlx::Error::ColumnIndexOutOfBounds { .. } => DecodeError::MissingColumn { index },
            other => DecodeError::Mismatch {
                expected: "a column",
                found: other.to_string(),
            },
        })?;
        if value.is_null() {
            return Ok(None);
        }
        let oid = value.type_info().oid().map_or(0, |o| o.0);
        Ok(Some(Cell { value, oid }))
    }

    /// Reads the cell at `index` with `read`, `None` when it is NULL.
    #[inline]
    fn read<T>(
        &self,
        index: usize,
        read: impl FnOnce(&Cell<'_>) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.cell(index)? {
            None => Ok(None),
            Some(cell) => read(&cell).map(Some),
        }
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
        self.read(i, |c| match c.oid {
            oid::BOOL => c.decode("bool"),
            _ => c.converted("bool", Number::to_bool),
        })
    }

    fn get_i16(&self, i: usize) -> Result<Option<i16>, DecodeError> {
        self.read(i, |c| match c.oid {
            oid::INT2 => c.decode("i16"),
            _ => c.converted("i16", |n| n.to_integer("i16")),
        })
    }

    fn get_i32(&self, i: usize) -> Result<Option<i32>, DecodeError> {
        self.read(i, |c| match c.oid {
            oid::INT4 => c.decode("i32"),
            _ => c.converted("i32", |n| n.to_integer("i32")),
        })
    }

    fn get_i64(&self, i: usize) -> Result<Option<i64>, DecodeError> {
        self.read(i, |c| match c.oid {
            oid::INT8 => c.decode("i64"),
            // A `serial` key, read back as a generated key: widened directly.
            oid::INT4 => c.decode::<i32>("i64").map(i64::from),
            _ => c.converted("i64", |n| n.to_integer("i64")),
        })
    }

    fn get_f32(&self, i: usize) -> Result<Option<f32>, DecodeError> {
        self.read(i, |c| match c.oid {
            oid::FLOAT4 => c.decode("f32"),
            _ => c.converted("f32", Number::to_f32),
        })
    }

    fn get_f64(&self, i: usize) -> Result<Option<f64>, DecodeError> {
        self.read(i, |c| match c.oid {
            oid::FLOAT8 => c.decode("f64"),
            _ => c.converted("f64", Number::to_f64),
        })
    }

    fn get_string(&self, i: usize) -> Result<Option<String>, DecodeError> {
        const E: &str = "String";
        self.read(i, |c| match c.oid {
            oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN => c.decode(E),
            // A type known by name only, such as citext: sqlx decides.
            _ if <String as sqlx::Type<Postgres>>::compatible(&c.value.type_info()) => c.decode(E),
            _ => Err(c.mismatch(E)),
        })
    }

    fn get_bytes(&self, i: usize) -> Result<Option<Vec<u8>>, DecodeError> {
        self.read(i, |c| c.decode_if(&[oid::BYTEA], "Vec<u8>"))
    }

    #[cfg(feature = "chrono")]
    fn get_date(&self, i: usize) -> Result<Option<NaiveDate>, DecodeError> {
        self.read(i, |c| c.decode_if(&[oid::DATE], "NaiveDate"))
    }

    #[cfg(feature = "chrono")]
    fn get_time(&self, i: usize) -> Result<Option<NaiveTime>, DecodeError> {
        self.read(i, |c| c.decode_if(&[oid::TIME], "NaiveTime"))
    }

    #[cfg(feature = "chrono")]
    fn get_datetime(&self, i: usize) -> Result<Option<NaiveDateTime>, DecodeError> {
        const E: &str = "NaiveDateTime";
        self.read(i, |c| match c.oid {
            oid::TIMESTAMP => c.decode(E),
            // `now()` and friends: the instant, in UTC.
            oid::TIMESTAMPTZ => c.decode::<DateTime<Utc>>(E).map(|t| t.naive_utc()),
            _ => Err(c.mismatch(E)),
        })
    }

    #[cfg(feature = "chrono")]
    fn get_datetime_utc(&self, i: usize) -> Result<Option<DateTime<Utc>>, DecodeError> {
        const E: &str = "DateTime<Utc>";
        self.read(i, |c| match c.oid {
            oid::TIMESTAMPTZ => c.decode(E),
            // A timestamp without time zone is taken to be in UTC.
            oid::TIMESTAMP => c.decode::<NaiveDateTime>(E).map(|t| t.and_utc()),
            _ => Err(c.mismatch(E)),
        })
    }

    #[cfg(feature = "uuid")]
    fn get_uuid(&self, i: usize) -> Result<Option<Uuid>, DecodeError> {
        self.read(i, |c| c.decode_if(&[oid::UUID], "Uuid"))
    }

    #[cfg(feature = "decimal")]
    fn get_decimal(&self, i: usize) -> Result<Option<Decimal>, DecodeError> {
        const E: &str = "Decimal";
        self.read(i, |c| match c.oid {
            oid::NUMERIC => c.decode(E),
            oid::INT8 => c.decode::<i64>(E).map(Decimal::from),
            oid::INT4 => c.decode::<i32>(E).map(Decimal::from),
            oid::INT2 => c.decode::<i16>(E).map(Decimal::from),
            _ => Err(c.mismatch(E)),
        })
    }

    #[cfg(feature = "json")]
    fn get_json(&self, i: usize) -> Result<Option<serde_json::Value>, DecodeError> {
        self.read(i, |c| {
            c.decode_if(&[oid::JSONB, oid::JSON], "serde_json::Value")
        })
    }
}
