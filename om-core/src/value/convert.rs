//! The one set of rules by which a stored number becomes a Rust number, on every
//! backend.
//!
//! Each driver reads what the database sent (an integer of any width, a float, a
//! boolean, a decimal) into a [`Number`] and asks it for the Rust type the caller wants.
//! The rules:
//!
//! - integers of any width convert both ways when the value is in the target's range
//!   (`BIGINT 7` reads as `i16`; `BIGINT 3000000000` as `i32` is refused);
//! - an integer reads as `f64` when it is exact there (`|n| ≤ 2^53`; `f32`: `2^24`);
//! - a float reads as an integer only when it is whole and in range (`3.0` → `3`;
//!   `2.5` is refused); a `f64` reads as `f32` only when it is exact there;
//! - a boolean reads as the integer `0` or `1`; an integer reads as a boolean only when
//!   it is `0` or `1`;
//! - a decimal reads as an integer when it is whole and in range, and as a float
//!   rounded to the nearest (SQL's `AVG` returns a decimal on PostgreSQL and MySQL);
//! - text, bytes and the other types never convert to or from a number.
//!
//! A refusal is a [`DecodeError::Lossy`] naming the stored type, the value and the
//! Rust type. The checks are a comparison or two on the value already read: an exact
//! match of types costs nothing more than the decode itself.

use std::fmt;

use crate::error::DecodeError;

/// A number as the database sent it, before conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Number {
    /// A signed integer of any width.
    Int(i64),
    /// An unsigned integer (MySQL's `UNSIGNED` columns).
    UInt(u64),
    /// A floating-point number (a `f32` widened to `f64`), or a decimal with a
    /// fraction, rounded to the nearest `f64`.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// Why a [`Number`] does not convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The value is outside the target's range.
    OutOfRange,
    /// A float or decimal with a fraction, asked for as an integer.
    NotWhole,
    /// An integer the float type cannot hold exactly.
    Inexact,
    /// An integer other than 0 or 1, asked for as a boolean.
    NotBoolean,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::OutOfRange => "out of range",
            Reason::NotWhole => "not a whole number",
            Reason::Inexact => "not exactly representable",
            Reason::NotBoolean => "only 0 and 1 read as booleans",
        })
    }
}

/// A conversion a [`Number`] refused; the driver adds the stored type with
/// [`Refused::stored_as`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Refused {
    /// The value.
    pub value: Number,
    /// The Rust type asked for.
    pub to: &'static str,
    /// Why it was refused.
    pub reason: Reason,
}

impl Refused {
    /// The decode error, naming `from`, the database's type of the stored value.
    #[cold]
    pub fn stored_as(self, from: impl Into<String>) -> DecodeError {
        let value = match self.value {
            Number::Int(n) => n.to_string(),
            Number::UInt(n) => n.to_string(),
            Number::Float(f) => f.to_string(),
            Number::Bool(b) => b.to_string(),
        };
        DecodeError::Lossy {
            from: from.into(),
            value,
            to: self.to,
            reason: self.reason,
        }
    }
}

/// The largest integer magnitude a `f64` holds exactly.
const F64_EXACT: u64 = 1 << 53;
/// The largest integer magnitude a `f32` holds exactly.
const F32_EXACT: u64 = 1 << 24;

impl Number {
    #[inline]
    fn refuse<T>(self, to: &'static str, reason: Reason) -> Result<T, Refused> {
        Err(Refused {
            value: self,
            to,
            reason,
        })
    }

    /// An integer of type `T` (named `to`), by the rules above.
    #[inline]
    pub fn to_integer<T>(self, to: &'static str) -> Result<T, Refused>
    where
        T: TryFrom<i64> + TryFrom<u64>,
    {
        let converted = match self {
            Number::Int(n) => T::try_from(n).ok(),
            Number::UInt(n) => T::try_from(n).ok(),
            Number::Bool(b) => T::try_from(i64::from(b)).ok(),
            Number::Float(f) => {
                if f.fract() != 0.0 || !f.is_finite() {
                    return self.refuse(to, Reason::NotWhole);
                }
                // `as` saturates; the range checks below catch what it clamped.
                if f >= -(2f64.powi(63)) && f < 2f64.powi(63) {
                    T::try_from(f as i64).ok()
                } else if f >= 0.0 && f < 2f64.powi(64) {
                    T::try_from(f as u64).ok()
                } else {
                    None
                }
            }
        };
        match converted {
            Some(v) => Ok(v),
            None => self.refuse(to, Reason::OutOfRange),
        }
    }

    /// A `f64`, by the rules above.
    #[inline]
    pub fn to_f64(self) -> Result<f64, Refused> {
        match self {
            Number::Float(f) => Ok(f),
            Number::Int(n) if n.unsigned_abs() <= F64_EXACT => Ok(n as f64),
            Number::UInt(n) if n <= F64_EXACT => Ok(n as f64),
            Number::Int(_) | Number::UInt(_) => self.refuse("f64", Reason::Inexact),
            Number::Bool(_) => self.refuse("f64", Reason::OutOfRange),
        }
    }

    /// A `f32`, by the rules above.
    #[inline]
    pub fn to_f32(self) -> Result<f32, Refused> {
        match self {
            Number::Float(f) => {
                let narrow = f as f32;
                if f64::from(narrow) == f || f.is_nan() {
                    Ok(narrow)
                } else if f.is_finite() && !narrow.is_finite() {
                    self.refuse("f32", Reason::OutOfRange)
                } else {
                    self.refuse("f32", Reason::Inexact)
                }
            }
            Number::Int(n) if n.unsigned_abs() <= F32_EXACT => Ok(n as f32),
            Number::UInt(n) if n <= F32_EXACT => Ok(n as f32),
            Number::Int(_) | Number::UInt(_) => self.refuse("f32", Reason::Inexact),
            Number::Bool(_) => self.refuse("f32", Reason::OutOfRange),
        }
    }

    /// A `bool`, by the rules above.
    #[inline]
    pub fn to_bool(self) -> Result<bool, Refused> {
        match self {
            Number::Bool(b) => Ok(b),
            Number::Int(0) | Number::UInt(0) => Ok(false),
            Number::Int(1) | Number::UInt(1) => Ok(true),
            Number::Int(_) | Number::UInt(_) => self.refuse("bool", Reason::NotBoolean),
            Number::Float(_) => self.refuse("bool", Reason::NotBoolean),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn integers_narrow_in_range_and_refuse_outside() {
        assert_eq!(Number::Int(7).to_integer::<i16>("i16"), Ok(7));
        assert_eq!(Number::Int(-32768).to_integer::<i16>("i16"), Ok(-32768));
        let e = Number::Int(3_000_000_000)
            .to_integer::<i32>("i32")
            .unwrap_err();
        assert_eq!(e.reason, Reason::OutOfRange);
        assert_eq!(
            Number::UInt(u64::MAX).to_integer::<u64>("u64"),
            Ok(u64::MAX)
        );
        assert!(Number::UInt(u64::MAX).to_integer::<i64>("i64").is_err());
        assert!(Number::Int(-1).to_integer::<u32>("u32").is_err());
        assert_eq!(Number::Bool(true).to_integer::<i32>("i32"), Ok(1));
    }

    #[test]
    fn floats_read_as_integers_only_when_whole_and_in_range() {
        assert_eq!(Number::Float(3.0).to_integer::<i64>("i64"), Ok(3));
        let e = Number::Float(2.5).to_integer::<i64>("i64").unwrap_err();
        assert_eq!(e.reason, Reason::NotWhole);
        let e = Number::Float(1e30).to_integer::<i64>("i64").unwrap_err();
        assert_eq!(e.reason, Reason::OutOfRange);
        assert_eq!(
            Number::Float(f64::NAN)
                .to_integer::<i64>("i64")
                .unwrap_err()
                .reason,
            Reason::NotWhole
        );
        assert_eq!(
            Number::Float(-(2f64.powi(63))).to_integer::<i64>("i64"),
            Ok(i64::MIN)
        );
        assert!(
            Number::Float(2f64.powi(63))
                .to_integer::<i64>("i64")
                .is_err()
        );
    }

    #[test]
    fn integers_read_as_floats_only_when_exact() {
        assert_eq!(Number::Int(1 << 53).to_f64(), Ok(9_007_199_254_740_992.0));
        assert_eq!(
            Number::Int(-(1 << 53)).to_f64(),
            Ok(-9_007_199_254_740_992.0)
        );
        assert_eq!(
            Number::Int((1 << 53) + 1).to_f64().unwrap_err().reason,
            Reason::Inexact
        );
        assert_eq!(Number::Int(1 << 24).to_f32(), Ok(16_777_216.0));
        assert!(Number::Int((1 << 24) + 1).to_f32().is_err());
        assert_eq!(Number::Float(0.5).to_f32(), Ok(0.5));
        assert_eq!(
            Number::Float(0.1).to_f32().unwrap_err().reason,
            Reason::Inexact
        );
        assert_eq!(
            Number::Float(1e300).to_f32().unwrap_err().reason,
            Reason::OutOfRange
        );
    }

    #[test]
    fn booleans_are_zero_and_one() {
        assert_eq!(Number::Int(0).to_bool(), Ok(false));
        assert_eq!(Number::Int(1).to_bool(), Ok(true));
        assert_eq!(
            Number::Int(2).to_bool().unwrap_err().reason,
            Reason::NotBoolean
        );
        assert!(Number::Float(1.0).to_bool().is_err());
    }

    #[test]
    fn the_error_names_both_types() {
        let e = Number::Int(3_000_000_000)
            .to_integer::<i32>("i32")
            .unwrap_err()
            .stored_as("BIGINT");
        assert_eq!(
            e.to_string(),
            "cannot convert BIGINT 3000000000 to i32: out of range"
        );
    }
}
