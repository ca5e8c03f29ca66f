//! A schema snapshot as a JSON file: readable, stable (keys sorted, tables in creation
//! order, columns in field order) and meant to be kept in the repository.

use serde_json::{Map, Value as Json, json};

use crate::error::{Error, Result};
use crate::relation::ReferentialAction;
use crate::schema::snapshot::{parse_type, type_name};
use crate::schema::{Column, ForeignKey, Index, Literal, Schema, Table};

/// The version of the snapshot format this om writes and reads.
const FORMAT: i64 = 1;

/// The snapshot as pretty-printed JSON, ending with a newline.
pub fn to_json(schema: &Schema) -> String {
    let tables: Vec<Json> = schema.tables.iter().map(table_json).collect();
    let doc = json!({ "format": FORMAT, "tables": tables });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn table_json(t: &Table) -> Json {
    json!({
        "name": t.name,
        "primary_key": t.primary_key,
        "columns": t.columns.iter().map(|c| {
            let default = match &c.default {
                None => Json::Null,
                Some(Literal::Bool(b)) => json!(b),
                Some(Literal::Int(i)) => json!(i),
                Some(Literal::Float(f)) => json!(f),
                Some(Literal::Text(s)) => json!(s),
            };
            json!({
                "name": c.name,
                "type": type_name(c.ty),
                "nullable": c.nullable,
                "generated": c.generated,
                "default": default,
            })
        }).collect::<Vec<_>>(),
        "indexes": t.indexes.iter().map(|i| json!({
            "name": i.name,
            "columns": i.columns,
            "unique": i.unique,
        })).collect::<Vec<_>>(),
        "foreign_keys": t.foreign_keys.iter().map(|k| json!({
            "name": k.name,
            "columns": k.columns,
            "references": k.ref_table,
            "ref_columns": k.ref_columns,
            "on_delete": k.on_delete.as_sql(),
            "on_update": k.on_update.as_sql(),
        })).collect::<Vec<_>>(),
    })
}

/// Reads a snapshot written by [`to_json`]; `origin` names the file in errors.
///
/// # Errors
///
/// [`Error::InvalidMigration`] naming the file and what is wrong in it.
pub fn from_json(text: &str, origin: &str) -> Result<Schema> {
    let bad = |what: &str| Error::InvalidMigration(format!("snapshot {origin}: {what}"));
    let doc: Json = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
    if doc.get("format").and_then(Json::as_i64) != Some(FORMAT) {
        return Err(bad(&format!("expected \"format\": {FORMAT}")));
    }
    let tables = doc
        .get("tables")
        .and_then(Json::as_array)
        .ok_or_else(|| bad("no \"tables\" list"))?;
    let mut schema = Schema::new();
    for t in tables {
        let t = t
            .as_object()
            .ok_or_else(|| bad("a table is not an object"))?;
        let name = text_of(t, "name").ok_or_else(|| bad("a table has no name"))?;
        let in_table = |what: &str| bad(&format!("table `{name}`: {what}"));
        let mut columns = Vec::new();
        for c in list(t, "columns") {
            let c = c
                .as_object()
                .ok_or_else(|| in_table("a column is not an object"))?;
            let cname = text_of(c, "name").ok_or_else(|| in_table("a column has no name"))?;
            let ty = text_of(c, "type")
                .and_then(|s| parse_type(&s))
                .ok_or_else(|| in_table(&format!("column `{cname}` has no known type")))?;
            let default = match c.get("default") {
                None | Some(Json::Null) => None,
                Some(Json::Bool(b)) => Some(Literal::Bool(*b)),
                Some(Json::Number(n)) => Some(match n.as_i64() {
                    Some(i) => Literal::Int(i),
                    None => Literal::Float(n.as_f64().unwrap_or_default()),
                }),
                Some(Json::String(s)) => Some(Literal::Text(s.clone())),
                Some(_) => {
                    return Err(in_table(&format!(
                        "column `{cname}` has an unknown default"
                    )));
                }
            };
            columns.push(Column {
                name: cname,
                ty,
                nullable: flag(c, "nullable"),
                generated: flag(c, "generated"),
                default,
                renamed_from: None,
            });
        }
        let mut indexes = Vec::new();
        for i in list(t, "indexes") {
            let i = i
                .as_object()
                .ok_or_else(|| in_table("an index is not an object"))?;
            indexes.push(Index {
                name: text_of(i, "name").ok_or_else(|| in_table("an index has no name"))?,
                columns: texts(i, "columns"),
                unique: flag(i, "unique"),
            });
        }
        let mut foreign_keys = Vec::new();
        for k in list(t, "foreign_keys") {
            let k = k
                .as_object()
                .ok_or_else(|| in_table("a foreign key is not an object"))?;
            let action = |key: &str| match text_of(k, key).as_deref() {
                None | Some("NO ACTION") => Ok(ReferentialAction::NoAction),
                Some("RESTRICT") => Ok(ReferentialAction::Restrict),
                Some("CASCADE") => Ok(ReferentialAction::Cascade),
                Some("SET NULL") => Ok(ReferentialAction::SetNull),
                Some(other) => Err(in_table(&format!("unknown {key} action `{other}`"))),
            };
            foreign_keys.push(ForeignKey {
                name: text_of(k, "name").ok_or_else(|| in_table("a foreign key has no name"))?,
                columns: texts(k, "columns"),
                ref_table: text_of(k, "references")
                    .ok_or_else(|| in_table("a foreign key references no table"))?,
                ref_columns: texts(k, "ref_columns"),
                on_delete: action("on_delete")?,
                on_update: action("on_update")?,
            });
        }
        schema.tables.push(Table {
            name,
            columns,
            primary_key: texts(t, "primary_key"),
            indexes,
            foreign_keys,
        });
    }
    Ok(schema)
}

fn text_of(o: &Map<String, Json>, key: &str) -> Option<String> {
    o.get(key).and_then(Json::as_str).map(str::to_string)
}

fn flag(o: &Map<String, Json>, key: &str) -> bool {
    o.get(key).and_then(Json::as_bool).unwrap_or(false)
}

fn list<'a>(o: &'a Map<String, Json>, key: &str) -> impl Iterator<Item = &'a Json> {
    o.get(key).and_then(Json::as_array).into_iter().flatten()
}

fn texts(o: &Map<String, Json>, key: &str) -> Vec<String> {
    list(o, key)
        .filter_map(Json::as_str)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnType;

    #[test]
    fn snapshot_round_trips_through_json() {
        let schema = Schema {
            tables: vec![Table {
                name: "note".into(),
                columns: vec![
                    Column {
                        name: "id".into(),
                        ty: ColumnType::BigInt,
                        nullable: false,
                        generated: true,
                        default: None,
                        renamed_from: None,
                    },
                    Column {
                        name: "body".into(),
                        ty: ColumnType::Text(Some(200)),
                        nullable: false,
                        generated: false,
                        default: Some(Literal::Text("it's".into())),
                        renamed_from: None,
                    },
                    Column {
                        name: "score".into(),
                        ty: ColumnType::Double,
                        nullable: true,
                        generated: false,
                        default: Some(Literal::Float(1.5)),
                        renamed_from: None,
                    },
                ],
                primary_key: vec!["id".into()],
                indexes: vec![Index {
                    name: "ix_note_body".into(),
                    columns: vec!["body".into()],
                    unique: true,
                }],
                foreign_keys: vec![ForeignKey {
                    name: "fk_note_person".into(),
                    columns: vec!["person_id".into()],
                    ref_table: "person".into(),
                    ref_columns: vec!["id".into()],
                    on_delete: ReferentialAction::Cascade,
                    on_update: ReferentialAction::NoAction,
                }],
            }],
        };
        let text = to_json(&schema);
        assert!(text.contains("\"type\": \"text(200)\""), "{text}");
        assert_eq!(from_json(&text, "test").ok(), Some(schema));
        let err = from_json("{\"format\": 9}", "old.json").unwrap_err();
        assert!(err.to_string().contains("old.json"), "{err}");
    }

    #[test]
    fn statements_split_on_line_ends() {
        let sql = "-- header\nCREATE TABLE a (x text DEFAULT 'a;b');\n\n-- note\nALTER TABLE a\n  ADD COLUMN y int;\n";
        assert_eq!(
            crate::migrate::folder::split_statements(sql),
            [
                "CREATE TABLE a (x text DEFAULT 'a;b')",
                "ALTER TABLE a\n  ADD COLUMN y int"
            ]
        );
    }
}
