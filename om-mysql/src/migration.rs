//! Migration SQL in MySQL's (and MariaDB's) dialect: a column is altered with
//! `MODIFY COLUMN` and its whole definition. MySQL's DDL commits on its own, so a
//! migration is not one transaction there (`Capabilities::transactional_ddl`).

use om_core::Result;
use om_core::schema::ddl::{self, DdlStyle};
use om_core::schema::{Column, Operation, Schema, SchemaDialect, Table};
use sea_query::{Alias, ColumnDef, MysqlQueryBuilder, TableCreateStatement};

/// MySQL's migration dialect.
#[derive(Debug)]
pub(crate) struct MysqlSchema;

impl DdlStyle for MysqlSchema {
    fn column(&self, table: &Table, column: &Column) -> ColumnDef {
        let mut def = ddl::column_def(table, column);
        crate::render::adjust_column(&mut def, column.ty, table.is_keyed(&column.name));
        def
    }

    fn finish_create(&self, stmt: &mut TableCreateStatement) {
        stmt.engine("InnoDB")
            .character_set("utf8mb4")
            .collate("utf8mb4_bin");
    }

    fn alter_column(&self, table: &Table, _: &Column, to: &Column) -> Result<Vec<String>> {
        Ok(vec![
            sea_query::Table::alter()
                .table(Alias::new(&table.name))
                .modify_column(self.column(table, to))
                .build(MysqlQueryBuilder),
        ])
    }
}

impl SchemaDialect for MysqlSchema {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn render(&self, ops: &[Operation], before: &Schema) -> Result<Vec<String>> {
        ddl::render::<MysqlQueryBuilder>(ops, before, self)
    }

    fn columns_query(&self) -> &'static str {
        "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR), \
         CAST(CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS SIGNED) \
         FROM information_schema.columns WHERE table_schema = DATABASE()"
    }
}

#[cfg(test)]
mod tests {
    //! Exact SQL of migration operations; no database needed.
    use super::*;
    use om_core::test_tables::check_altered_and_added_columns;

    #[test]
    fn altering_and_adding_columns() {
        check_altered_and_added_columns(&MysqlSchema, EXPECTED_UP, EXPECTED_DOWN);
    }

    const EXPECTED_UP: &[&str] = &[
        r#"ALTER TABLE `p` ADD COLUMN `k` int NOT NULL DEFAULT 0"#,
        r#"ALTER TABLE `p` ALTER COLUMN `k` DROP DEFAULT"#,
        r#"ALTER TABLE `p` MODIFY COLUMN `n` varchar(50) NOT NULL DEFAULT 'x'"#,
    ];
    const EXPECTED_DOWN: &[&str] = &[
        r#"ALTER TABLE `p` DROP COLUMN `k`"#,
        r#"ALTER TABLE `p` MODIFY COLUMN `n` longtext NULL"#,
    ];
}
