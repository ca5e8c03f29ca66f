//! Bulk loads through `COPY ... FROM STDIN` (text format), and the generated keys drawn
//! from the sequence ahead of them.

use std::io::Write as _;

use om_core::ValueRef;
use om_core::ir::InsertRows;
use om_core::{Error, Result, TableMeta, Value};
use sqlx::{AssertSqlSafe, PgConnection};

use crate::error::map;
use crate::render::{advance_sequence_past, as_i64, written_key};

/// How many bytes of rows are gathered before they are sent.
const CHUNK: usize = 256 * 1024;

/// `name` as a quoted identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Draws `n` values from the sequence of `table`'s generated key column, ascending.
pub(crate) async fn allocate_keys(
    conn: &mut PgConnection,
    table: &'static TableMeta,
    n: usize,
) -> Result<Vec<i64>> {
    let Some((_, column)) = table.generated_column() else {
        return Err(Error::InvalidQuery {
            reason: format!("`{}` has no generated key to draw", table.name),
        });
    };
    let n = i64::try_from(n).map_err(|_| Error::InvalidQuery {
        reason: format!("too many keys to draw for `{}`", table.name),
    })?;
    // The sequence is looked up once (a materialized CTE), not once per key; the keys
    // come back as one array, not one row each (an array holds up to about 134
    // million values: far more rows than one load sends).
    let mut keys: Vec<i64> = sqlx::query_scalar::<_, Vec<i64>>(
        "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) \
         SELECT coalesce(array_agg(nextval(s.seq)), '{}') FROM s, generate_series(1, $3)",
    )
    .bind(quoted(table.name))
    .bind(column.name)
    .bind(n)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| map(e, Some(table)))?;
    keys.sort_unstable();
    Ok(keys)
}

/// Writes the rows of `rows` in one `COPY table (columns) FROM STDIN`, their text and
/// bytes encoded from where they are, then moves the key's sequence past the largest
/// key written (as an insert of explicit keys does).
pub(crate) async fn copy_in(conn: &mut PgConnection, rows: InsertRows<'_>) -> Result<u64> {
    let insert = &rows.head;
    let table = insert.table;
    let width = insert.columns.len();
    if width == 0 || rows.values.len() != width * rows.rows {
        return Err(Error::InvalidQuery {
            reason: format!(
                "a COPY into `{}` needs one value per column of each row",
                table.name
            ),
        });
    }
    let columns: Vec<String> = insert.columns.iter().map(|c| quoted(c.name)).collect();
    let sql = format!(
        "COPY {} ({}) FROM STDIN",
        quoted(table.name),
        columns.join(", ")
    );
    let mut copy = conn
        .copy_in_raw(om_sqlx::traced(&sql, None))
        .await
        .map_err(|e| map(e, Some(table)))?;
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    for row in rows.values.chunks_exact(width) {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                buf.push(b'\t');
            }
            let encoded = match value {
                ValueRef::Text(s) => {
                    text(s, &mut buf);
                    Ok(())
                }
                ValueRef::Bytes(b) => {
                    bytes(b, &mut buf);
                    Ok(())
                }
                ValueRef::Owned(value) => encode(value, &mut buf),
            };
            if let Err(e) = encoded {
                // The COPY is refused as a whole: nothing was written.
                let _ = copy.abort(e.to_string()).await;
                return Err(e);
            }
        }
        buf.push(b'\n');
        if buf.len() >= CHUNK {
            copy.send(buf.as_slice())
                .await
                .map_err(|e| map(e, Some(table)))?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_slice())
            .await
            .map_err(|e| map(e, Some(table)))?;
    }
    let written = copy.finish().await.map_err(|e| map(e, Some(table)))?;
    let advance = written_key(insert).and_then(|(position, generated)| {
        let max = rows
            .values
            .chunks_exact(width)
            .filter_map(|row| match row.get(position) {
                Some(ValueRef::Owned(value)) => as_i64(value),
                _ => None,
            })
            .max()?;
        Some(advance_sequence_past(table, generated, max))
    });
    if let Some((sql, values)) = advance {
        sqlx::query_with(AssertSqlSafe(om_sqlx::traced(sql, Some(&values))), values)
            .execute(&mut *conn)
            .await
            .map_err(|e| map(e, Some(table)))?;
    }
    Ok(written)
}

/// Text as `COPY`'s text format reads it: backslash, tab, newline and carriage return
/// escaped.
fn text(s: &str, buf: &mut Vec<u8>) {
    let bytes = s.as_bytes();
    let special = |b: &u8| matches!(b, b'\\' | b'\t' | b'\n' | b'\r');
    if !bytes.iter().any(special) {
        // Most text: nothing to escape, copied in one go.
        buf.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(escaped);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
}

/// An integer in decimal, `\N` for NULL: written digit by digit rather than through
/// `fmt`, as every generated key of a bulk load is one.
fn integer(v: Option<i64>, buf: &mut Vec<u8>) {
    let Some(v) = v else {
        buf.extend_from_slice(b"\\N");
        return;
    };
    if v < 0 {
        buf.push(b'-');
    }
    let mut n = v.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[at..]);
}

/// Bytes as `COPY` reads a `bytea`: its hex form, the backslash escaped.
fn bytes(b: &[u8], buf: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.extend_from_slice(b"\\\\x");
    buf.reserve(b.len() * 2);
    for byte in b {
        buf.push(HEX[usize::from(byte >> 4)]);
        buf.push(HEX[usize::from(byte & 0xf)]);
    }
}

/// A float as PostgreSQL reads it (`NaN`, `Infinity`, `-Infinity` by name).
fn float(v: f64, buf: &mut Vec<u8>) {
    if v.is_nan() {
        buf.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        buf.extend_from_slice(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
    } else {
        let _ = write!(buf, "{v:?}");
    }
}

/// Appends one value in `COPY`'s text format: `\N` for NULL.
fn encode(value: &Value, buf: &mut Vec<u8>) -> Result<()> {
    macro_rules! shown {
        ($v:expr) => {
            match $v {
                Some(v) => {
                    let _ = write!(buf, "{v}");
                }
                None => buf.extend_from_slice(b"\\N"),
            }
        };
    }
    match value {
        Value::Bool(v) => match v {
            Some(true) => buf.push(b't'),
            Some(false) => buf.push(b'f'),
            None => buf.extend_from_slice(b"\\N"),
        },
        Value::TinyInt(v) => shown!(v),
        Value::SmallInt(v) => integer(v.map(i64::from), buf),
        Value::Int(v) => integer(v.map(i64::from), buf),
        Value::BigInt(v) => integer(*v, buf),
        Value::TinyUnsigned(v) => shown!(v),
        Value::SmallUnsigned(v) => shown!(v),
        Value::Unsigned(v) => shown!(v),
        Value::BigUnsigned(v) => shown!(v),
        Value::Float(v) => match v {
            Some(v) => float(f64::from(*v), buf),
            None => buf.extend_from_slice(b"\\N"),
        },
        Value::Double(v) => match v {
            Some(v) => float(*v, buf),
            None => buf.extend_from_slice(b"\\N"),
        },
        Value::String(v) => match v {
            Some(s) => text(s, buf),
            None => buf.extend_from_slice(b"\\N"),
        },
        Value::Char(v) => match v {
            Some(c) => text(c.encode_utf8(&mut [0; 4]), buf),
            None => buf.extend_from_slice(b"\\N"),
        },
        Value::Bytes(v) => match v {
            Some(b) => bytes(b, buf),
            None => buf.extend_from_slice(b"\\N"),
        },
        #[cfg(feature = "json")]
        Value::Json(v) => match v {
            Some(json) => text(&json.to_string(), buf),
            None => buf.extend_from_slice(b"\\N"),
        },
        #[cfg(feature = "chrono")]
        Value::ChronoDate(v) => shown!(v),
        #[cfg(feature = "chrono")]
        Value::ChronoTime(v) => shown!(v),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTime(v) => shown!(v),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTimeUtc(v) => shown!(v.map(|v| v.to_rfc3339())),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTimeLocal(v) => shown!(v.map(|v| v.to_rfc3339())),
        #[cfg(feature = "chrono")]
        Value::ChronoDateTimeWithTimeZone(v) => shown!(v.map(|v| v.to_rfc3339())),
        #[cfg(feature = "uuid")]
        Value::Uuid(v) => shown!(v),
        #[cfg(feature = "decimal")]
        Value::Decimal(v) => shown!(v),
        #[allow(unreachable_patterns)]
        other => {
            return Err(Error::Unsupported {
                backend: "postgres",
                feature: format!("a bulk load of the value {other:?}"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: Value) -> String {
        let mut buf = Vec::new();
        encode(&value, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            encoded(Value::String(Some("a\tb\nc\rd\\e".into()))),
            "a\\tb\\nc\\rd\\\\e"
        );
        assert_eq!(encoded(Value::String(None)), "\\N");
        assert_eq!(encoded(Value::String(Some("\\N".into()))), "\\\\N");
        assert_eq!(encoded(Value::Bytes(Some(vec![0, 0xff]))), "\\\\x00ff");
        assert_eq!(encoded(Value::Double(Some(f64::NEG_INFINITY))), "-Infinity");
        assert_eq!(encoded(Value::Bool(Some(false))), "f");
        assert_eq!(
            encoded(Value::String(Some("plain text".into()))),
            "plain text"
        );
        assert_eq!(encoded(Value::String(Some("a\tb\\".into()))), "a\\tb\\\\");
        for v in [0, 7, -5, 10, 1_234_567_890_123, i64::MAX, i64::MIN] {
            assert_eq!(encoded(Value::BigInt(Some(v))), v.to_string());
        }
        assert_eq!(encoded(Value::Int(Some(i32::MIN))), i32::MIN.to_string());
        assert_eq!(encoded(Value::SmallInt(Some(-300))), "-300");
        assert_eq!(encoded(Value::BigInt(None)), "\\N");
    }
}
