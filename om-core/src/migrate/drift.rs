//! The drift check: the live database's columns (read by the dialect's introspection
//! query) against the snapshot the applied migrations end with.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::schema::{Schema, SchemaDialect};
use crate::session::Session;

/// Checks that every table of `schema` is in the database with exactly its columns
/// and their nullability. Tables the snapshot does not have are not looked at.
///
/// # Errors
///
/// [`Error::SchemaDrift`] naming the first table and column that differ.
pub async fn check(db: &impl Session, dialect: &dyn SchemaDialect, schema: &Schema) -> Result<()> {
    // table → column → nullable
    let mut live: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    for row in db.fetch_all(dialect.columns_query(), ()).await? {
        let table: String = row.get(0)?;
        let column: String = row.get(1)?;
        let nullable: i64 = row.get(2)?;
        live.entry(table).or_default().push((column, nullable != 0));
    }
    let drift = |table: &str, column: Option<&str>, detail: &str| Error::SchemaDrift {
        table: table.to_string(),
        column: column.map(str::to_string),
        detail: detail.to_string(),
    };
    for table in &schema.tables {
        let Some(columns) = live.get(&table.name) else {
            return Err(drift(
                &table.name,
                None,
                "the migrations create it, but the database does not have it",
            ));
        };
        for c in &table.columns {
            match columns.iter().find(|(name, _)| *name == c.name) {
                None => {
                    return Err(drift(
                        &table.name,
                        Some(&c.name),
                        "the migrations create it, but the database does not have it",
                    ));
                }
                Some((_, nullable)) if *nullable != c.nullable => {
                    let detail = if c.nullable {
                        "the migrations make it nullable, but it is NOT NULL in the database"
                    } else {
                        "the migrations make it NOT NULL, but it is nullable in the database"
                    };
                    return Err(drift(&table.name, Some(&c.name), detail));
                }
                Some(_) => {}
            }
        }
        if let Some((extra, _)) = columns
            .iter()
            .find(|(name, _)| table.column(name).is_none())
        {
            return Err(drift(
                &table.name,
                Some(extra),
                "the database has it, but no migration creates it (added by hand?)",
            ));
        }
    }
    Ok(())
}
