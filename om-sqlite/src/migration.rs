//! Migration SQL in SQLite's dialect. Its `ALTER TABLE` adds, renames and drops
//! columns; anything else (a column's type, nullability or default, a foreign key, a
//! column in a key) is done by rebuilding the table, the procedure SQLite documents.

use om_core::Result;
use om_core::schema::ddl::{self, DdlStyle};
use om_core::schema::{Column, Operation, Schema, SchemaDialect, Table};
use sea_query::{ColumnDef, SqliteQueryBuilder};

/// SQLite's migration dialect.
#[derive(Debug)]
pub(crate) struct SqliteSchema;

impl DdlStyle for SqliteSchema {
    fn column(&self, table: &Table, column: &Column) -> ColumnDef {
        let mut def = ddl::column_def(table, column);
        crate::render::adjust_column(&mut def, column.ty, column.generated);
        def
    }

    fn rebuilds(&self, op: &Operation, table: &Table) -> bool {
        let in_constraint = |name: &str| {
            table.primary_key.iter().any(|k| k == name)
                || table
                    .foreign_keys
                    .iter()
                    .any(|k| k.columns.iter().any(|c| c == name))
        };
        match op {
            Operation::AlterColumn { .. }
            | Operation::AddForeignKey { .. }
            | Operation::DropForeignKey { .. } => true,
            Operation::DropColumn { column, .. } => in_constraint(&column.name),
            // ADD COLUMN cannot add a NOT NULL column without a default, a key or a
            // column with a constraint.
            Operation::AddColumn { column, .. } => {
                (!column.nullable && column.default.is_none()) || column.generated
            }
            _ => false,
        }
    }

    fn alter_column(&self, table: &Table, _: &Column, to: &Column) -> Result<Vec<String>> {
        // Never reached: `rebuilds` takes every AlterColumn.
        Err(om_core::Error::InvalidMigration(format!(
            "SQLite alters column `{}` of `{}` by rebuilding the table",
            to.name, table.name
        )))
    }
}

impl SchemaDialect for SqliteSchema {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn render(&self, ops: &[Operation], before: &Schema) -> Result<Vec<String>> {
        ddl::render::<SqliteQueryBuilder>(ops, before, self)
    }

    fn columns_query(&self) -> &'static str {
        "SELECT m.name, p.name, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END \
         FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
         WHERE m.type = 'table'"
    }
}
