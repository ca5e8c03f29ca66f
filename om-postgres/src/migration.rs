//! Migration SQL in PostgreSQL's dialect: every change is an `ALTER TABLE`, and all of
//! it runs in the migration's transaction.

use om_core::Result;
use om_core::schema::ddl::{self, DdlStyle};
use om_core::schema::{Column, Operation, Schema, SchemaDialect, Table};
use sea_query::{Alias, ColumnDef, PostgresQueryBuilder};

/// PostgreSQL's migration dialect.
#[derive(Debug)]
pub(crate) struct PostgresSchema;

impl DdlStyle for PostgresSchema {
    fn column(&self, table: &Table, column: &Column) -> ColumnDef {
        let mut def = ddl::column_def(table, column);
        crate::render::adjust_column(&mut def, column.ty);
        def
    }

    fn alter_column(&self, table: &Table, from: &Column, to: &Column) -> Result<Vec<String>> {
        // `ALTER COLUMN .. TYPE`, `SET`/`DROP NOT NULL`, `SET DEFAULT`; a default that
        // goes is dropped on its own.
        let mut def = ColumnDef::new(Alias::new(&to.name));
        let full = self.column(table, to);
        if from.ty != to.ty
            && let Some(ty) = full.get_column_type()
        {
            def.custom(pg_type_name(ty));
        }
        if to.nullable {
            def.null();
        } else {
            def.not_null();
        }
        if let Some(default) = &to.default {
            def.default(default.to_value());
        }
        let mut out = vec![
            sea_query::Table::alter()
                .table(Alias::new(&table.name))
                .modify_column(def)
                .build(PostgresQueryBuilder),
        ];
        if to.default.is_none() && from.default.is_some() {
            out.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                quote(&table.name),
                quote(&to.name)
            ));
        }
        Ok(out)
    }
}

/// A column type as PostgreSQL writes it, from a throwaway table's definition.
fn pg_type_name(ty: &sea_query::ColumnType) -> String {
    let mut t = sea_query::Table::create();
    t.table(Alias::new("t"))
        .col(ColumnDef::new_with_type(Alias::new("c"), ty.clone()));
    let sql = t.build(PostgresQueryBuilder);
    // CREATE TABLE "t" ( "c" <type> )
    sql.split_once("\"c\" ")
        .map(|(_, rest)| rest.trim_end_matches(')').trim().to_string())
        .unwrap_or_else(|| "text".to_string())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl SchemaDialect for PostgresSchema {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn render(&self, ops: &[Operation], before: &Schema) -> Result<Vec<String>> {
        ddl::render::<PostgresQueryBuilder>(ops, before, self)
    }

    fn columns_query(&self) -> &'static str {
        "SELECT table_name::text, column_name::text, \
         (CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END)::bigint \
         FROM information_schema.columns WHERE table_schema = current_schema()"
    }
}

#[cfg(test)]
mod tests {
    //! Exact SQL of migration operations; no database needed.
    use super::*;
    use om_core::test_tables::check_altered_and_added_columns;

    #[test]
    fn altering_and_adding_columns() {
        check_altered_and_added_columns(&PostgresSchema, EXPECTED_UP, EXPECTED_DOWN);
    }

    const EXPECTED_UP: &[&str] = &[
        r#"ALTER TABLE "p" ADD COLUMN "k" integer NOT NULL DEFAULT 0"#,
        r#"ALTER TABLE "p" ALTER COLUMN "k" DROP DEFAULT"#,
        r#"ALTER TABLE "p" ALTER COLUMN "n" TYPE varchar(50), ALTER COLUMN "n" SET NOT NULL, ALTER COLUMN "n" SET DEFAULT 'x'"#,
    ];
    const EXPECTED_DOWN: &[&str] = &[
        r#"ALTER TABLE "p" DROP COLUMN "k""#,
        r#"ALTER TABLE "p" ALTER COLUMN "n" TYPE text, ALTER COLUMN "n" DROP NOT NULL"#,
        r#"ALTER TABLE "p" ALTER COLUMN "n" DROP DEFAULT"#,
    ];
}
