//! Migration SQL in SQLite's dialect. Its `ALTER TABLE` adds, renames and drops
//! columns; anything else (a column's type, nullability or default, a foreign key, a
//! column in a key) is done by rebuilding the table, the procedure SQLite documents.

use futures::future::BoxFuture;
use om_core::schema::ddl::{self, DdlStyle};
use om_core::schema::{Column, HistoryChange, Operation, Schema, SchemaDialect, Table};
use om_core::{Database, Error, Result};
use sea_query::{ColumnDef, SqliteQueryBuilder};
use sqlx::{AssertSqlSafe, Row as _, SqliteConnection, SqlitePool};

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

    fn run<'a>(
        &'a self,
        db: &'a Database,
        statements: &'a [String],
        history: &'a HistoryChange,
    ) -> Option<BoxFuture<'a, Result<()>>> {
        let pool = db.raw_pool::<SqlitePool>()?;
        if db.options().force_rollback {
            // A test-mode database runs everything in its one transaction.
            return None;
        }
        Some(Box::pin(run_without_foreign_keys(
            pool, statements, history,
        )))
    }

    fn columns_query(&self) -> &'static str {
        "SELECT m.name, p.name, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END \
         FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p \
         WHERE m.type = 'table'"
    }
}

/// Runs a migration as SQLite's table-rebuild procedure requires: on one connection,
/// `PRAGMA foreign_keys = OFF` (it cannot change inside a transaction), then in one
/// transaction the statements, the history change and `PRAGMA foreign_key_check`
/// (a violation rolls it all back), then foreign keys on again.
async fn run_without_foreign_keys(
    pool: &SqlitePool,
    statements: &[String],
    history: &HistoryChange,
) -> Result<()> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| crate::error::map(e, None))?;
    plain(&mut conn, "PRAGMA foreign_keys = OFF").await?;
    let outcome = in_transaction(&mut conn, statements, history).await;
    if outcome.is_err() {
        let _ = plain(&mut conn, "ROLLBACK").await;
    }
    let on = plain(&mut conn, "PRAGMA foreign_keys = ON").await;
    if on.is_err() {
        // Never hand a connection without foreign keys back to the pool.
        conn.detach();
    }
    outcome.and(on)
}

async fn in_transaction(
    conn: &mut SqliteConnection,
    statements: &[String],
    history: &HistoryChange,
) -> Result<()> {
    plain(conn, "BEGIN IMMEDIATE").await?;
    for stmt in statements {
        plain(conn, stmt).await?;
    }
    let history = match history {
        HistoryChange::Record(insert) => insert.to_string(SqliteQueryBuilder),
        HistoryChange::Forget(delete) => delete.to_string(SqliteQueryBuilder),
        _ => {
            return Err(Error::Unsupported {
                backend: "sqlite",
                feature: format!("{history:?}"),
            });
        }
    };
    plain(conn, &history).await?;
    let violations = sqlx::query(AssertSqlSafe("PRAGMA foreign_key_check"))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| crate::error::map(e, None))?;
    if let Some(row) = violations.first() {
        let table: String = row.try_get(0).unwrap_or_default();
        let parent: String = row.try_get(2).unwrap_or_default();
        return Err(Error::InvalidMigration(format!(
            "the migration leaves rows of `{table}` that reference missing rows of `{parent}` \
             ({} violation(s) in all); nothing was applied",
            violations.len()
        )));
    }
    plain(conn, "COMMIT").await
}

async fn plain(conn: &mut SqliteConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(drop)
        .map_err(|e| crate::error::map(e, None))
}

#[cfg(test)]
mod tests {
    //! Exact SQL of migration operations; no database needed.
    use super::*;
    use om_core::ColumnType;
    use om_core::schema::diff;

    use om_core::test_tables::{snapshot_column as column, snapshot_of_p as schema};

    #[test]
    fn rename_and_add_use_alter_table() {
        let before = schema(vec![
            column("a", ColumnType::BigInt, false),
            column("n", ColumnType::Text(None), true),
        ]);
        let mut renamed = column("nick", ColumnType::Text(None), true);
        renamed.renamed_from = Some("n".into());
        let mut score = column("score", ColumnType::BigInt, false);
        score.default = Some(om_core::schema::Literal::Int(0));
        let after = schema(vec![column("a", ColumnType::BigInt, false), renamed, score]);
        let sql = SqliteSchema
            .render(&diff(&before, &after), &before)
            .unwrap();
        assert_eq!(
            sql,
            [
                r#"ALTER TABLE "p" RENAME COLUMN "n" TO "nick""#,
                r#"ALTER TABLE "p" ADD COLUMN "score" integer NOT NULL DEFAULT 0"#,
            ]
        );
    }

    #[test]
    fn altering_a_column_rebuilds_the_table() {
        let before = schema(vec![
            column("a", ColumnType::BigInt, false),
            column("n", ColumnType::Text(None), true),
        ]);
        let mut required = column("n", ColumnType::Text(None), false);
        required.default = Some(om_core::schema::Literal::Text("x".into()));
        let mut after = schema(vec![column("a", ColumnType::BigInt, false), required]);
        // An index of the table is created again after the rebuild.
        let index = om_core::schema::Index {
            name: "ix_p_n".into(),
            columns: vec!["n".into()],
            unique: true,
        };
        let mut before = before;
        before.tables[0].indexes.push(index.clone());
        after.tables[0].indexes.push(index);
        let sql = SqliteSchema
            .render(&diff(&before, &after), &before)
            .unwrap();
        assert_eq!(
            sql,
            [
                r#"CREATE TABLE "__om_new_p" ( "a" integer NOT NULL, "n" text NOT NULL DEFAULT 'x', PRIMARY KEY ("a") )"#,
                r#"INSERT INTO "__om_new_p" ("a", "n") SELECT "a", COALESCE("n", 'x') FROM "p""#,
                r#"DROP TABLE "p""#,
                r#"ALTER TABLE "__om_new_p" RENAME TO "p""#,
                r#"CREATE UNIQUE INDEX "ix_p_n" ON "p" ("n")"#,
            ]
        );
    }
}
