//! Bulk loads through `COPY ... FROM STDIN` (text format), and the generated keys drawn
//! from the sequence as the rows go.

use std::io::Write as _;

use om_core::ir::{Copied, Insert, InsertRows};
use om_core::value::is_null;
use om_core::{ColumnMeta, Error, Result, TableMeta, Value, ValueRef};
use sqlx::postgres::PgCopyIn;
use sqlx::{AssertSqlSafe, PgConnection};

use crate::error::map;
use crate::render::{advance_sequence_past, as_i64, written_key};

/// How many bytes of rows are gathered before they are sent.
const CHUNK: usize = 256 * 1024;

/// `name` as a quoted identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The keys the spare connection draws while the `COPY` starts: few, so that the rows
/// start soon.
const FIRST_DRAW: usize = 512;

/// How many keys each later draw asks for, as a multiple of those drawn so far (512,
/// then 1,024 more, 3,072, 9,216, ...). Drawing a key costs the server about a quarter
/// of what writing its row does, so each draw ends while the rows before it are still
/// being written. (Measured on 50,000 rows against raw `COPY`: 512 and twice ran at
/// 0.84–1.00, 2,048 and three times at 0.73–0.94.)
const GROWTH: usize = 2;

/// Draws `n` values from the sequence of `column` (`table`'s generated key),
/// ascending, and checks that each fits the column's type.
async fn draw_keys(
    conn: &mut PgConnection,
    table: &'static TableMeta,
    column: &'static ColumnMeta,
    n: usize,
) -> Result<Vec<i64>> {
    let count = i64::try_from(n).map_err(|_| Error::InvalidQuery {
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
    .bind(count)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| map(e, Some(table)))?;
    if keys.len() != n {
        return Err(Error::Driver(
            format!("{} keys were drawn for {n} rows", keys.len()).into(),
        ));
    }
    if let Some(&key) = keys.iter().find(|k| !column.ty.holds_integer(**k)) {
        return Err(Error::InvalidValue {
            table: table.name,
            column: column.name,
            reason: format!("the generated key {key} does not fit the field's type"),
        });
    }
    keys.sort_unstable();
    Ok(keys)
}

/// The rows of a `COPY` as they are encoded: the next row to go, and the keys drawn
/// for the rows that leave theirs NULL (all of them, in row order, and how many are
/// used).
struct Encoder<'r, 'a> {
    rows: &'r InsertRows<'a>,
    width: usize,
    /// The position of the column whose NULLs take drawn keys.
    key: Option<usize>,
    next: usize,
    keys: Vec<i64>,
    used: usize,
    buf: Vec<u8>,
}

impl Encoder<'_, '_> {
    /// Encodes rows until every row is encoded or the next one needs a key not drawn
    /// yet, sending them `CHUNK` bytes at a time.
    async fn send(&mut self, copy: &mut PgCopyIn<&mut PgConnection>) -> Result<()> {
        let table = self.rows.head.table;
        while self.next < self.rows.rows {
            let start = self.next * self.width;
            let row = &self.rows.values[start..start + self.width];
            let row_start = self.buf.len();
            for (i, value) in row.iter().enumerate() {
                if i > 0 {
                    self.buf.push(b'\t');
                }
                match value {
                    ValueRef::Text(s) => text(s, &mut self.buf),
                    ValueRef::Bytes(b) => bytes(b, &mut self.buf),
                    ValueRef::Owned(value) if Some(i) == self.key && is_null(value) => {
                        let Some(&key) = self.keys.get(self.used) else {
                            // Not drawn yet: the row waits, unwritten.
                            self.buf.truncate(row_start);
                            return Ok(());
                        };
                        self.used += 1;
                        integer(Some(key), &mut self.buf);
                    }
                    ValueRef::Owned(value) => encode(value, &mut self.buf)?,
                }
            }
            self.buf.push(b'\n');
            self.next += 1;
            if self.buf.len() >= CHUNK {
                copy.send(self.buf.as_slice())
                    .await
                    .map_err(|e| map(e, Some(table)))?;
                self.buf.clear();
            }
        }
        Ok(())
    }
}

/// Refuses the `COPY` as a whole (nothing is written) for `error`, which it returns.
/// When the server had already refused it (a row it could not take: it then ignores
/// the refusal and sqlx leaves its last reply unread), the connection is out of step:
/// the error returned is then one that gives the connection up, naming both.
async fn abort(copy: PgCopyIn<&mut PgConnection>, error: Error, table: &TableMeta) -> Error {
    match copy.abort(error.to_string()).await {
        Ok(()) => error,
        Err(refused) => Error::Driver(
            format!(
                "a COPY into `{}` failed ({error}), and the server had refused it first: {}",
                table.name,
                map(refused, Some(table))
            )
            .into(),
        ),
    }
}

/// Starts `COPY table (columns) FROM STDIN` on `conn`.
async fn start<'c>(
    conn: &'c mut PgConnection,
    insert: &Insert,
) -> Result<PgCopyIn<&'c mut PgConnection>> {
    let columns: Vec<String> = insert.columns.iter().map(|c| quoted(c.name)).collect();
    let sql = format!(
        "COPY {} ({}) FROM STDIN",
        quoted(insert.table.name),
        columns.join(", ")
    );
    conn.copy_in_raw(om_sqlx::traced(sql.as_str(), None))
        .await
        .map_err(|e| map(e, Some(insert.table)))
}

/// Writes the rows of `rows` in one `COPY table (columns) FROM STDIN`, their text and
/// bytes encoded from where they are, drawing the keys `rows` asks for: all of them
/// first on `conn`, or, with a `spare` connection, all on `spare` (a few while the
/// `COPY` starts, the rest while the rows go, each draw larger than the one before).
/// Then moves the key's sequence past the largest key given (as an insert of explicit
/// keys does).
pub(crate) async fn copy_in(
    conn: &mut PgConnection,
    mut spare: Option<&mut PgConnection>,
    rows: InsertRows<'_>,
) -> Result<Copied> {
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
    let key = rows.drawn_key();
    let wanted = rows.keys_to_draw();
    let column = key.map(|k| insert.columns[k]);
    let mut encoder = Encoder {
        rows: &rows,
        width,
        key,
        next: 0,
        keys: Vec::with_capacity(wanted),
        used: 0,
        buf: Vec::with_capacity(CHUNK + 4096),
    };
    let column = column.filter(|_| wanted > 0);
    let mut copy = match (column, spare.as_deref_mut()) {
        // The first keys drawn on the spare connection while the `COPY` starts.
        (Some(column), Some(spare)) => {
            let (copy, drawn) = futures::join!(
                start(conn, insert),
                draw_keys(spare, table, column, wanted.min(FIRST_DRAW))
            );
            match (copy, drawn) {
                (Ok(copy), Ok(keys)) => {
                    encoder.keys = keys;
                    copy
                }
                (Ok(copy), Err(e)) => return Err(abort(copy, e, table).await),
                (Err(_), Err(draw_error)) if om_sqlx::breaks_connection(&draw_error) => {
                    return Err(draw_error);
                }
                (Err(e), _) => return Err(e),
            }
        }
        // Without one, every key first, on the connection of the `COPY`.
        (Some(column), None) => {
            encoder.keys = draw_keys(conn, table, column, wanted).await?;
            start(conn, insert).await?
        }
        (None, _) => start(conn, insert).await?,
    };
    loop {
        let drawn = encoder.keys.len();
        let more = match (column, spare.as_deref_mut()) {
            (Some(column), Some(spare)) if drawn < wanted => {
                let n = (wanted - drawn).min(drawn.max(1) * GROWTH);
                Some((column, spare, n))
            }
            _ => None,
        };
        let (sent, drawn) = match more {
            Some((column, spare, n)) => {
                // The draw first: polled first, its statement (once prepared on the
                // spare connection) is on the wire before the rows are encoded.
                let (drawn, sent) =
                    futures::join!(draw_keys(spare, table, column, n), encoder.send(&mut copy));
                (sent, Some(drawn))
            }
            None => (encoder.send(&mut copy).await, None),
        };
        let outcome = match (sent, drawn) {
            // Both failed: the error that gives up a connection (so that neither goes
            // back to the pool broken), else the rows'.
            (Err(_), Some(Err(draw_error))) if om_sqlx::breaks_connection(&draw_error) => {
                Err(draw_error)
            }
            (Err(e), _) => Err(e),
            (Ok(()), Some(keys)) => keys.map(|keys| encoder.keys.extend(keys)),
            (Ok(()), None) if encoder.next < rows.rows => Err(Error::Driver(
                format!("a COPY into `{}` ran out of drawn keys", table.name).into(),
            )),
            (Ok(()), None) => Ok(()),
        };
        if let Err(e) = outcome {
            return Err(abort(copy, e, table).await);
        }
        if encoder.next == rows.rows {
            break;
        }
    }
    if !encoder.buf.is_empty() {
        copy.send(encoder.buf.as_slice())
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
    Ok(Copied::new(written, encoder.keys))
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
