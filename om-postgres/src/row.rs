//! sqlx's PostgreSQL row → om's [`Row`].
//!
//! PostgreSQL is strict about types, so each accessor looks at the column's type and
//! decodes the width actually sent: `get_i64` reads `int2`, `int4` and `int8` (and an
//! integral `numeric`, which `SUM` returns), `get_f64` reads `real` too, and so on.

#[cfg(feature = "chrono")]
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
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

    fn decimal_to<T>(
        &self,
        expected: &'static str,
        convert: impl Fn(&Decimal) -> Option<T>,
    ) -> Result<T, DecodeError> {
        let d: Decimal = self.decode(expected)?;
        convert(&d).ok_or_else(|| DecodeError::Mismatch {
            expected,
            found: format!("NUMERIC {d}"),
        })
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
        self.read(i, |c| c.decode_if(&[oid::BOOL], "bool"))
    }

    fn get_i16(&self, i: usize) -> Result<Option<i16>, DecodeError> {
        self.read(i, |c| c.decode_if(&[oid::INT2], "i16"))
    }

    fn get_i32(&self, i: usize) -> Result<Option<i32>, DecodeError> {
        const E: &str = "i32";
        self.read(i, |c| match c.oid {
            oid::INT4 => c.decode(E),
            oid::INT2 => c.decode::<i16>(E).map(i32::from),
            _ => Err(c.mismatch(E)),
        })
    }

    fn get_i64(&self, i: usize) -> Result<Option<i64>, DecodeError> {
        const E: &str = "i64";
        self.read(i, |c| match c.oid {
            oid::INT8 => c.decode(E),
            oid::INT4 => c.decode::<i32>(E).map(i64::from),
            oid::INT2 => c.decode::<i16>(E).map(i64::from),
            // SUM of bigints, or an integer computed in numeric.
            oid::NUMERIC => c.decimal_to(E, |d| {
                if d.fract().is_zero() {
                    d.to_i64()
                } else {
                    None
                }
            }),
            _ => Err(c.mismatch(E)),
        })
    }

    fn get_f32(&self, i: usize) -> Result<Option<f32>, DecodeError> {
        self.read(i, |c| c.decode_if(&[oid::FLOAT4], "f32"))
    }

    fn get_f64(&self, i: usize) -> Result<Option<f64>, DecodeError> {
        const E: &str = "f64";
        self.read(i, |c| match c.oid {
            oid::FLOAT8 => c.decode(E),
            oid::FLOAT4 => c.decode::<f32>(E).map(f64::from),
            // AVG of integers.
            oid::NUMERIC => c.decimal_to(E, Decimal::to_f64),
            _ => Err(c.mismatch(E)),
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
