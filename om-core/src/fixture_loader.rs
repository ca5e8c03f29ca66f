//! YAML fixtures: rows for the tables of registered models, written in one transaction.
//!
//! ```yaml
//! - model: orm_test          # a table name, among the tables passed in
//!   data:
//!     - {id: 1, name: first, value: null}
//!     - name: second          # columns left out get the database's default (or NULL)
//! ```
//!
//! Every row is checked against its table's metadata before anything is written: an
//! unknown table or column, a missing required column or a value of the wrong type is
//! [`Error::Fixture`] naming the entry and the row, and nothing is written. A row the
//! database refuses (a duplicate key, say) rolls the whole document back too, and is
//! reported the same way, with the database's error as its source.
//!
//! Values are written as given: a model's Rust-side defaults are not applied (the
//! document holds rows, not objects), so give every column that is NOT NULL.

use std::path::Path;
#[cfg(any(feature = "chrono", feature = "uuid", feature = "decimal"))]
use std::str::FromStr;

#[cfg(feature = "chrono")]
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
#[cfg(feature = "decimal")]
use rust_decimal::Decimal;
use saphyr::{LoadableYamlNode, MappingOwned, ScalarOwned, YamlOwned};
#[cfg(feature = "uuid")]
use uuid::Uuid;

use crate::driver::Executor;
use crate::error::{Error, Result};
use crate::ir::{Insert, Statement};
use crate::model::{ColumnMeta, ColumnType, TableMeta};
use crate::session::Session;
use crate::value::{SqlType, Value};

/// Loads the fixture document in the file at `path` into `tables`; returns the number
/// of rows written.
pub async fn load_yaml_file(
    session: &impl Session,
    tables: &[&'static TableMeta],
    path: impl AsRef<Path>,
) -> Result<usize> {
    let path = path.as_ref();
    let text = read_off_runtime(path.to_path_buf())
        .await
        .map_err(|e| Error::Fixture {
            entry: 0,
            row: None,
            reason: format!("cannot read {}: {e}", path.display()),
            source: None,
        })?;
    load_yaml_str(session, tables, &text).await
}

/// Reads the file at `path` on a thread of its own, so that a slow disk does not hold up
/// the runtime's worker (om-core has no runtime to ask for its blocking pool).
async fn read_off_runtime(path: std::path::PathBuf) -> std::io::Result<String> {
    let (done, result) = futures::channel::oneshot::channel();
    std::thread::Builder::new()
        .name("om-fixture-read".into())
        .spawn(move || {
            // The receiver is gone only if the load was cancelled: nothing to report to.
            let _ = done.send(std::fs::read_to_string(path));
        })?;
    result.await.unwrap_or_else(|_| {
        Err(std::io::Error::other(
            "the reading thread ended without a result",
        ))
    })
}

/// Loads a fixture document into `tables` (the tables of the models it may name:
/// `&[User::table(), Post::table()]`), in one transaction (a savepoint on a
/// transaction); returns the number of rows written.
pub async fn load_yaml_str(
    session: &impl Session,
    tables: &[&'static TableMeta],
    yaml: &str,
) -> Result<usize> {
    let inserts = parse(tables, yaml)?;
    write(session.executor(), inserts).await
}

/// One row to insert, and where it came from.
struct Planned {
    entry: usize,
    row: usize,
    insert: Insert,
}

fn fixture(entry: usize, row: Option<usize>, reason: impl Into<String>) -> Error {
    Error::Fixture {
        entry,
        row,
        reason: reason.into(),
        source: None,
    }
}

async fn write(exec: &dyn Executor, planned: Vec<Planned>) -> Result<usize> {
    let tx = exec.begin().await?;
    for p in &planned {
        if let Err(e) = tx.execute(&Statement::Insert(p.insert.clone())).await {
            let _ = tx.rollback().await;
            return Err(Error::Fixture {
                entry: p.entry,
                row: Some(p.row),
                reason: format!("the database refused the row of `{}`", p.insert.table.name),
                source: Some(Box::new(e)),
            });
        }
    }
    tx.commit().await?;
    Ok(planned.len())
}

/// Checks the whole document and turns it into inserts.
fn parse(tables: &[&'static TableMeta], yaml: &str) -> Result<Vec<Planned>> {
    let docs = YamlOwned::load_from_str(yaml)
        .map_err(|e| fixture(0, None, format!("the document is not valid YAML: {e}")))?;
    let entries = match docs.into_iter().next() {
        None => return Ok(Vec::new()),
        Some(YamlOwned::Sequence(entries)) => entries,
        Some(YamlOwned::Value(ScalarOwned::Null)) => return Ok(Vec::new()),
        Some(_) => {
            return Err(fixture(
                0,
                None,
                "the document must be a list of `{model: <table>, data: [<row>, ...]}` entries",
            ));
        }
    };
    let mut out = Vec::new();
    for (entry, node) in entries.into_iter().enumerate() {
        let YamlOwned::Mapping(map) = node else {
            return Err(fixture(
                entry,
                None,
                "an entry must be a mapping with `model` and `data`",
            ));
        };
        let (table, rows) = entry_parts(tables, entry, map)?;
        for (row, node) in rows.into_iter().enumerate() {
            let YamlOwned::Mapping(map) = node else {
                return Err(fixture(
                    entry,
                    Some(row),
                    "a row must be a mapping of column: value",
                ));
            };
            let insert =
                row_insert(table, map).map_err(|reason| fixture(entry, Some(row), reason))?;
            out.push(Planned { entry, row, insert });
        }
    }
    Ok(out)
}

fn key_text(key: &YamlOwned) -> Option<&str> {
    match key {
        YamlOwned::Value(ScalarOwned::String(s)) => Some(s),
        YamlOwned::Representation(s, ..) => Some(s),
        _ => None,
    }
}

/// The table and the rows of one entry.
fn entry_parts(
    tables: &[&'static TableMeta],
    entry: usize,
    map: MappingOwned,
) -> Result<(&'static TableMeta, Vec<YamlOwned>)> {
    let mut model = None;
    let mut data = None;
    for (key, value) in map {
        match key_text(&key) {
            Some("model") => model = Some(value),
            Some("data") => data = Some(value),
            Some(other) => {
                return Err(fixture(
                    entry,
                    None,
                    format!("unknown key `{other}`: an entry has `model` and `data`"),
                ));
            }
            None => return Err(fixture(entry, None, "an entry's keys must be text")),
        }
    }
    let name = match &model {
        Some(YamlOwned::Value(ScalarOwned::String(name))) => name.as_str(),
        _ => return Err(fixture(entry, None, "`model` must name a table")),
    };
    let Some(table) = tables.iter().copied().find(|t| t.name == name) else {
        let known: Vec<&str> = tables.iter().map(|t| t.name).collect();
        return Err(fixture(
            entry,
            None,
            format!(
                "unknown table `{name}`: the tables passed in are {}",
                known.join(", ")
            ),
        ));
    };
    let rows = match data {
        None | Some(YamlOwned::Value(ScalarOwned::Null)) => Vec::new(),
        Some(YamlOwned::Sequence(rows)) => rows,
        Some(_) => return Err(fixture(entry, None, "`data` must be a list of rows")),
    };
    Ok((table, rows))
}

/// The insert of one row, or why it does not fit `table`.
fn row_insert(table: &'static TableMeta, map: MappingOwned) -> std::result::Result<Insert, String> {
    let mut columns = Vec::with_capacity(map.len());
    let mut values = Vec::with_capacity(map.len());
    for (key, value) in map {
        let Some(name) = key_text(&key) else {
            return Err("column names must be text".into());
        };
        let Some(column) = table.column(name) else {
            return Err(format!("table `{}` has no column `{name}`", table.name));
        };
        let value = to_value(column, value)
            .map_err(|reason| format!("column `{}.{name}`: {reason}", table.name))?;
        columns.push(column);
        values.push(value);
    }
    if let Some(missing) = table
        .columns
        .iter()
        .find(|c| !c.nullable && !c.generated && !columns.iter().any(|given| given.name == c.name))
    {
        return Err(format!(
            "column `{}.{}` is required (NOT NULL) and not given",
            table.name, missing.name
        ));
    }
    Ok(Insert {
        table,
        columns,
        rows: vec![values],
        returning: None,
    })
}

/// The om feature a column type needs, when that feature is off.
fn missing_feature(ty: ColumnType) -> Option<&'static str> {
    let (feature, enabled) = match ty {
        ColumnType::Date | ColumnType::Time | ColumnType::DateTime | ColumnType::DateTimeUtc => {
            ("chrono", cfg!(feature = "chrono"))
        }
        ColumnType::Uuid => ("uuid", cfg!(feature = "uuid")),
        ColumnType::Decimal => ("decimal", cfg!(feature = "decimal")),
        ColumnType::Json => ("json", cfg!(feature = "json")),
        _ => return None,
    };
    (!enabled).then_some(feature)
}

/// A NULL of a column's type (`None` for a type whose feature is off).
fn null_of(ty: ColumnType) -> Option<Value> {
    Some(match ty {
        ColumnType::Bool => bool::null(),
        ColumnType::SmallInt => i16::null(),
        ColumnType::Integer => i32::null(),
        ColumnType::BigInt => i64::null(),
        ColumnType::Float => f32::null(),
        ColumnType::Double => f64::null(),
        ColumnType::Bytes => Vec::<u8>::null(),
        #[cfg(feature = "chrono")]
        ColumnType::Date => NaiveDate::null(),
        #[cfg(feature = "chrono")]
        ColumnType::Time => NaiveTime::null(),
        #[cfg(feature = "chrono")]
        ColumnType::DateTime => NaiveDateTime::null(),
        #[cfg(feature = "chrono")]
        ColumnType::DateTimeUtc => DateTime::<Utc>::null(),
        #[cfg(feature = "uuid")]
        ColumnType::Uuid => Uuid::null(),
        #[cfg(feature = "decimal")]
        ColumnType::Decimal => Decimal::null(),
        #[cfg(feature = "json")]
        ColumnType::Json => serde_json::Value::null(),
        ColumnType::Text(_) => String::null(),
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

fn describe(value: &YamlOwned) -> String {
    match value {
        YamlOwned::Value(ScalarOwned::Boolean(b)) => format!("the boolean {b}"),
        YamlOwned::Value(ScalarOwned::Integer(i)) => format!("the integer {i}"),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => format!("the number {f}"),
        YamlOwned::Value(ScalarOwned::String(s)) => format!("the text {s:?}"),
        YamlOwned::Sequence(_) => "a list".into(),
        YamlOwned::Mapping(_) => "a mapping".into(),
        _ => "a value of another kind".into(),
    }
}

/// The value of `yaml` for `column`, or why it does not fit.
fn to_value(column: &ColumnMeta, yaml: YamlOwned) -> std::result::Result<Value, String> {
    if let Some(feature) = missing_feature(column.ty) {
        return Err(format!(
            "its type needs om's `{feature}` feature, which is not enabled"
        ));
    }
    if matches!(yaml, YamlOwned::Value(ScalarOwned::Null)) {
        return if column.nullable || column.generated {
            null_of(column.ty).ok_or_else(|| "its type's feature is not enabled".into())
        } else {
            Err("NULL in a NOT NULL column".into())
        };
    }
    let wrong = |expected: &str| format!("expected {expected}, found {}", describe(&yaml));
    let text = match &yaml {
        YamlOwned::Value(ScalarOwned::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let integer = match &yaml {
        YamlOwned::Value(ScalarOwned::Integer(i)) => Some(*i),
        _ => None,
    };
    #[cfg(any(feature = "chrono", feature = "uuid", feature = "decimal"))]
    fn parsed<T: FromStr + SqlType>(text: Option<&str>) -> Option<Value> {
        text.and_then(|t| t.parse::<T>().ok()).map(T::into_value)
    }
    let out = match column.ty {
        ColumnType::Bool => match yaml {
            YamlOwned::Value(ScalarOwned::Boolean(b)) => Some(b.into_value()),
            _ => None,
        },
        ColumnType::SmallInt => integer
            .and_then(|i| i16::try_from(i).ok())
            .map(SqlType::into_value),
        ColumnType::Integer => integer
            .and_then(|i| i32::try_from(i).ok())
            .map(SqlType::into_value),
        ColumnType::BigInt => integer.map(SqlType::into_value),
        ColumnType::Float | ColumnType::Double => {
            let number = match &yaml {
                YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => Some(f.into_inner()),
                #[allow(clippy::cast_precision_loss)]
                YamlOwned::Value(ScalarOwned::Integer(i)) => Some(*i as f64),
                _ => None,
            };
            #[allow(clippy::cast_possible_truncation)]
            number.map(|n| {
                if column.ty == ColumnType::Float {
                    (n as f32).into_value()
                } else {
                    n.into_value()
                }
            })
        }
        ColumnType::Text(_) => text.map(|t| t.to_string().into_value()),
        ColumnType::Bytes => text.map(|t| t.as_bytes().to_vec().into_value()),
        #[cfg(feature = "chrono")]
        ColumnType::Date => parsed::<NaiveDate>(text),
        #[cfg(feature = "chrono")]
        ColumnType::Time => parsed::<NaiveTime>(text),
        #[cfg(feature = "chrono")]
        ColumnType::DateTime => text
            .and_then(|t| {
                NaiveDateTime::from_str(t)
                    .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f"))
                    .ok()
            })
            .map(SqlType::into_value),
        #[cfg(feature = "chrono")]
        ColumnType::DateTimeUtc => text
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc).into_value()),
        #[cfg(feature = "uuid")]
        ColumnType::Uuid => parsed::<Uuid>(text),
        #[cfg(feature = "decimal")]
        ColumnType::Decimal => match &yaml {
            YamlOwned::Value(ScalarOwned::Integer(i)) => Some(Decimal::from(*i).into_value()),
            YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => Decimal::from_str(&f.to_string())
                .ok()
                .map(SqlType::into_value),
            _ => parsed::<Decimal>(text),
        },
        #[cfg(feature = "json")]
        ColumnType::Json => Some(to_json(&yaml)?.into_value()),
        // A type whose feature is off: refused by `missing_feature` above.
        #[allow(unreachable_patterns)]
        _ => None,
    };
    out.ok_or_else(|| match column.ty {
        ColumnType::Bool => wrong("true or false"),
        ColumnType::SmallInt => wrong("an integer that fits 16 bits"),
        ColumnType::Integer => wrong("an integer that fits 32 bits"),
        ColumnType::BigInt => wrong("an integer"),
        ColumnType::Float | ColumnType::Double => wrong("a number"),
        ColumnType::Text(_) | ColumnType::Bytes => wrong("text"),
        ColumnType::Date => wrong("a date as text (2024-01-31)"),
        ColumnType::Time => wrong("a time as text (13:45:00)"),
        ColumnType::DateTime => wrong("a timestamp as text (2024-01-31T13:45:00)"),
        ColumnType::DateTimeUtc => wrong("an RFC 3339 timestamp (2024-01-31T13:45:00Z)"),
        ColumnType::Uuid => wrong("a UUID as text"),
        ColumnType::Decimal => wrong("a decimal number"),
        ColumnType::Json => wrong("a JSON document"),
    })
}

/// A YAML node as a JSON document.
#[cfg(feature = "json")]
fn to_json(yaml: &YamlOwned) -> std::result::Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match yaml {
        YamlOwned::Value(ScalarOwned::Null) => J::Null,
        YamlOwned::Value(ScalarOwned::Boolean(b)) => J::Bool(*b),
        YamlOwned::Value(ScalarOwned::Integer(i)) => J::from(*i),
        YamlOwned::Value(ScalarOwned::FloatingPoint(f)) => {
            serde_json::Number::from_f64(f.into_inner())
                .map(J::Number)
                .ok_or("a JSON number cannot be NaN or infinite")?
        }
        YamlOwned::Value(ScalarOwned::String(s)) => J::String(s.clone()),
        YamlOwned::Sequence(items) => {
            J::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        YamlOwned::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = key_text(k).ok_or("JSON object keys must be text")?;
                out.insert(key.to_string(), to_json(v)?);
            }
            J::Object(out)
        }
        other => return Err(format!("cannot be JSON: {}", describe(other))),
    })
}
