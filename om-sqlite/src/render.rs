//! om's IR → SQLite SQL, with every value bound.

use om_core::ir::{ByKey, Insert, InsertRows, Join, Select, Statement};
use om_core::model::{ColumnMeta, ColumnType, TableMeta};
use std::sync::{Arc, LazyLock};

use om_core::expr::{CmpOp, ColumnRef, Expr, Order};
use om_core::sql::StatementCache;
use om_core::{Error, Result, sql};
use sea_query::SqliteQueryBuilder;
use sea_query_sqlx::SqlxValues;
use sqlx::Sqlite;
use sqlx::sqlite::SqliteArguments;

use crate::json::SqliteJson;

/// Rendered statements by shape: a statement that runs again skips sea-query.
static SELECTS: LazyLock<StatementCache> = LazyLock::new(|| StatementCache::with_json(&SqliteJson));
static WRITES: LazyLock<StatementCache> = LazyLock::new(|| StatementCache::with_json(&SqliteJson));
static INSERTS: LazyLock<StatementCache> = LazyLock::new(StatementCache::new);

/// SQLite stores the infinities but turns NaN into NULL: NaN is refused.
const FLOATS: sql::FloatSupport = sql::FloatSupport {
    nan: false,
    infinity: true,
};

/// One SQL statement and its bound values.
pub(crate) type Rendered = (Arc<str>, SqlxValues);

/// How raw SQL is read: `?` and `?NNN` placeholders (om's portable `$n` become `?n`),
/// standard strings.
const LEXING: sql::Lexing = sql::Lexing {
    style: sql::PlaceholderStyle::NumberedQuestion,
    backslash_escapes: false,
    mysql_comments: false,
    postgres_quoting: false,
    named_placeholders: true,
};

/// Renders a statement; DDL may become several (the table, then its indexes).
///
/// SQLite stores decimals as text, which keeps them exact: they are bound normalized
/// (`10.0` as `10`), so equality works across scales, and comparing or ordering them,
/// which text would get wrong, is refused with `Error::Unsupported`.
pub fn render(stmt: &Statement) -> Result<Vec<Rendered>> {
    check_decimals(stmt)?;
    sql::check_json(stmt, &SqliteJson)?;
    sql::check_floats(stmt, FLOATS, "SQLite")?;
    let mut out = render_unchecked(stmt)?;
    for (_, values) in &mut out {
        normalize_decimals(values);
    }
    Ok(out)
}

/// Binds decimals without trailing zeros, so that text equality is value equality.
#[cfg(feature = "decimal")]
fn normalize_decimals(values: &mut SqlxValues) {
    for value in &mut values.0.0 {
        if let om_core::Value::Decimal(Some(d)) = value {
            *d = d.normalize();
        }
    }
}

/// Without the `decimal` feature no value is a decimal.
#[cfg(not(feature = "decimal"))]
fn normalize_decimals(_: &mut SqlxValues) {}

/// Refuses `<`, `<=`, `>`, `>=` and `ORDER BY` on decimal columns.
fn check_decimals(stmt: &Statement) -> Result<()> {
    match stmt {
        Statement::Select(s) => check_select_decimals(s),
        Statement::Update(u) => check_decimals_of(u.table, &[], u.filter.as_ref(), &[]),
        Statement::Delete(d) => check_decimals_of(d.table, &[], d.filter.as_ref(), &[]),
        _ => Ok(()),
    }
}

fn check_select_decimals(s: &Select) -> Result<()> {
    check_decimals_of(s.table, &s.joins, s.filter.as_ref(), &s.order)
}

fn check_decimals_of(
    table: &TableMeta,
    joins: &[Join],
    filter: Option<&Expr>,
    order: &[Order],
) -> Result<()> {
    let is_decimal = |c: &ColumnRef| {
        std::iter::once(table)
            .chain(joins.iter().map(|j| j.table))
            .filter(|t| t.name == c.table)
            .any(|t| {
                t.column(c.column)
                    .is_some_and(|m| m.ty == ColumnType::Decimal)
            })
    };
    let unsupported = |what: &str| {
        Err(Error::Unsupported {
            backend: "sqlite",
            feature: format!(
                "{what} on a decimal column (SQLite stores decimals as text, which would \
                 compare them as text; see Capabilities::decimal_ordering)"
            ),
        })
    };
    if order.iter().any(|o| is_decimal(&o.column)) {
        return unsupported("ORDER BY");
    }
    fn compares_decimal(e: &Expr, is_decimal: &dyn Fn(&ColumnRef) -> bool) -> bool {
        match e {
            Expr::Compare { column, op, .. } => {
                !matches!(op, CmpOp::Eq | CmpOp::Ne) && is_decimal(column)
            }
            Expr::Columns { left, op, right } => {
                !matches!(op, CmpOp::Eq | CmpOp::Ne) && (is_decimal(left) || is_decimal(right))
            }
            Expr::And(all) | Expr::Or(all) => all.iter().any(|e| compares_decimal(e, is_decimal)),
            Expr::Not(inner) => compares_decimal(inner, is_decimal),
            _ => false,
        }
    }
    if filter
        .into_iter()
        .chain(joins.iter().map(|j| &j.on))
        .any(|f| compares_decimal(f, &is_decimal))
    {
        return unsupported("<, <=, > and >=");
    }
    Ok(())
}

fn render_unchecked(stmt: &Statement) -> Result<Vec<Rendered>> {
    Ok(match stmt {
        Statement::Select(s) => vec![select_unchecked(s)],
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
            let (text, values) = WRITES.statement(stmt, || {
                sql::build_write(stmt, SqliteQueryBuilder, &SqliteJson)
            })?;
            vec![(text, SqlxValues(values))]
        }
        Statement::CreateTable(t) => {
            let mut out = vec![(
                sql::create_table(t, column_def)
                    .build(SqliteQueryBuilder)
                    .into(),
                SqlxValues(sea_query::Values(Vec::new())),
            )];
            for idx in sql::create_indexes(t) {
                out.push((
                    idx.build(SqliteQueryBuilder).into(),
                    SqlxValues(sea_query::Values(Vec::new())),
                ));
            }
            out
        }
        Statement::DropTable(t) => vec![(
            sql::drop_table(t).build(SqliteQueryBuilder).into(),
            SqlxValues(sea_query::Values(Vec::new())),
        )],
        Statement::Raw { sql, values } => {
            let raw = sql::prepare(sql, values, LEXING)?;
            vec![(
                raw.sql.as_ref().into(),
                SqlxValues(sea_query::Values(raw.values.into_owned())),
            )]
        }
        Statement::Built(built) => {
            let (sql, values) = built.build(SqliteQueryBuilder);
            vec![(sql.into(), SqlxValues(values))]
        }
        _ => {
            return Err(om_core::Error::Unsupported {
                backend: "sqlite",
                feature: format!("{stmt:?}"),
            });
        }
    })
}

/// Renders a query (one statement, whatever it asks).
pub(crate) fn render_select(s: &Select) -> Result<Rendered> {
    // LIMIT and OFFSET as literals (see `select_unchecked`). The checks depend on the
    // shape alone (columns, operators, JSON filter kinds, all part of the cache's
    // key): a shape found in the cache passed them before.
    let (text, values) = SELECTS.try_select(s, true, || {
        check_select_decimals(s)?;
        sql::check_json_select(s, &SqliteJson)?;
        Ok(sql::build_select(s, true, SqliteQueryBuilder, &SqliteJson))
    })?;
    let mut values = SqlxValues(values);
    normalize_decimals(&mut values);
    Ok((text, values))
}

fn select_unchecked(s: &Select) -> Rendered {
    // A bound LIMIT makes SQLite re-prepare the statement at every run, so LIMIT and
    // OFFSET are literals here.
    let (text, values) = SELECTS.select(s, true, || {
        sql::build_select(s, true, SqliteQueryBuilder, &SqliteJson)
    });
    (text, SqlxValues(values))
}

/// SQLite's column definitions: decimals are stored as text, which keeps them exact
/// (a NUMERIC column would turn them into floats).
fn column_def(table: &TableMeta, column: &ColumnMeta) -> sea_query::ColumnDef {
    let mut def = sql::column_def(table, column);
    adjust_column(&mut def, column.ty, column.generated);
    def
}

/// SQLite's changes to a portable column definition (for `create_all` and migrations).
pub(crate) fn adjust_column(def: &mut sea_query::ColumnDef, ty: ColumnType, generated: bool) {
    if ty == ColumnType::Decimal {
        def.text();
    }
    // AUTOINCREMENT needs the type to be exactly INTEGER, whatever the field's width
    // (om checks that a generated key fits the field when it reads it back).
    if generated && ty.is_integer() {
        def.integer();
    }
}

/// An insert that returns its generated keys; its values move into the statement.
pub(crate) fn render_insert_returning(insert: Insert) -> Result<Rendered> {
    sql::check_insert_floats(&insert, FLOATS, "SQLite")?;
    let (text, values) = INSERTS.insert_owned(insert, |insert| {
        sql::build_insert_returning(insert, SqliteQueryBuilder)
    })?;
    let mut values = SqlxValues(values);
    normalize_decimals(&mut values);
    Ok((text, values))
}

/// A read of a row by its key, as the text cached for its select and the key bound as
/// it is: `None` when [`om_sqlx::bind::cached_by_key`] says so, and the select runs.
pub(crate) fn render_by_key(lookup: &ByKey) -> Option<(Arc<str>, SqliteArguments)> {
    om_sqlx::bind::cached_by_key::<Sqlite>(&SELECTS, lookup)
}

/// A multi-row insert returning its keys, its values bound from where they are (text
/// is not copied): `None` when [`om_sqlx::bind::cached_insert_returning`] says so, and
/// [`render_insert_returning`] of the owned insert then runs (and caches the text).
pub(crate) fn render_insert_rows_returning(
    rows: &InsertRows<'_>,
) -> Result<Option<(Arc<str>, SqliteArguments)>> {
    sql::check_insert_rows_floats(rows, FLOATS, "SQLite")?;
    Ok(om_sqlx::bind::cached_insert_returning::<Sqlite>(
        &INSERTS, rows,
    ))
}

#[cfg(test)]
mod tests {
    //! Exact SQL per statement kind; no database needed.
    use super::*;
    use om_core::Value;
    use om_core::expr::{ColumnRef, Expr};
    use om_core::ir::{Assign, Delete, Projection, Select, Update};
    use om_core::test_tables::{COLUMNS, TABLE, name_eq};

    /// A read by key binds its key to the text the same query's select cached (an
    /// integer, text or bytes key); before that, or for another type, the select runs.
    #[test]
    fn a_read_by_key_takes_the_cached_select_text() {
        let lookup = ByKey::new(&TABLE, om_core::Value::BigInt(Some(7))).unwrap();
        let (text, _) = render_select(&lookup.to_select()).unwrap();
        let (cached, _) = render_by_key(&lookup).unwrap();
        assert_eq!(cached, text);
        assert!(!cached.contains("LIMIT ?") && !cached.contains("LIMIT $"));
        let text_key = ByKey::new(&TABLE, om_core::Value::String(Some("k".into()))).unwrap();
        assert!(render_by_key(&text_key).is_some());
        let float_key = ByKey::new(&TABLE, om_core::Value::Double(Some(1.0))).unwrap();
        assert!(render_by_key(&float_key).is_none());
        assert!(ByKey::new(&TABLE, om_core::Value::BigInt(None)).is_none());
    }

    fn sql_of(stmt: Statement) -> Vec<String> {
        render(&stmt)
            .unwrap()
            .into_iter()
            .map(|(s, _)| s.to_string())
            .collect()
    }

    #[test]
    fn grouped_aggregates() {
        assert_eq!(
            sql_of(Statement::Select(om_core::test_tables::grouped())),
            [
                r#"SELECT DISTINCT "orm_test"."name", AVG("orm_test"."id" + ?), COUNT(*) FROM "orm_test" WHERE "orm_test"."name" = ? GROUP BY "orm_test"."name" HAVING SUM("orm_test"."id") > ? ORDER BY "orm_test"."name" ASC LIMIT 10"#
            ]
        );
    }

    #[test]
    fn select() {
        let mut s = Select::new(&TABLE);
        s.and_where(name_eq("xx"));
        s.order.push(om_core::Order {
            column: ColumnRef {
                table: "orm_test",
                column: "id",
            },
            descending: true,
        });
        s.limit = Some(10);
        s.offset = Some(5);
        assert_eq!(
            sql_of(Statement::Select(s)),
            [
                r#"SELECT "orm_test"."id", "orm_test"."name", "orm_test"."value" FROM "orm_test" WHERE "orm_test"."name" = ? ORDER BY "orm_test"."id" DESC LIMIT 10 OFFSET 5"#
            ]
        );
    }

    #[test]
    fn count_and_offset_without_limit() {
        let mut s = Select::new(&TABLE);
        s.projection = Projection::Count;
        assert_eq!(
            sql_of(Statement::Select(s.clone())),
            [r#"SELECT COUNT(*) FROM "orm_test""#]
        );
        s.offset = Some(1);
        assert_eq!(
            sql_of(Statement::Select(s)),
            [r#"SELECT COUNT(*) FROM (SELECT ? FROM "orm_test" LIMIT ? OFFSET ?) AS "om_counted""#]
        );
    }

    #[test]
    fn offset_without_limit_gets_the_largest_limit() {
        let mut s = Select::new(&TABLE);
        s.projection = Projection::One;
        s.offset = Some(3);
        assert_eq!(
            sql_of(Statement::Select(s)),
            [r#"SELECT ? FROM "orm_test" LIMIT 9223372036854775807 OFFSET 3"#]
        );
    }

    #[test]
    fn insert_returning() {
        let insert = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[1], &COLUMNS[2]],
            rows: vec![vec!["a".into(), "b".into()]],
            returning: Some(&COLUMNS[0]),
        };
        let (sql, _) = render_insert_returning(insert.clone()).unwrap();
        assert_eq!(
            &*sql,
            r#"INSERT INTO "orm_test" ("name", "value") VALUES (?, ?) RETURNING "id""#
        );
    }

    #[test]
    fn update_and_delete() {
        const COLUMNS_NAME: ColumnRef = ColumnRef {
            table: "orm_test",
            column: "name",
        };
        const COLUMNS_ID: ColumnRef = ColumnRef {
            table: "orm_test",
            column: "id",
        };
        let update = Update {
            table: &TABLE,
            set: vec![(&COLUMNS[1], Assign::Value("n".into()))],
            filter: Some(name_eq("x")),
        };
        let expressions = Update {
            table: &TABLE,
            set: vec![
                (&COLUMNS[2], Assign::Column(COLUMNS_NAME)),
                (&COLUMNS[0], Assign::Add(COLUMNS_ID, 1i64.into())),
                (&COLUMNS[0], Assign::Sub(COLUMNS_ID, 2i64.into())),
            ],
            filter: None,
        };
        assert_eq!(
            sql_of(Statement::Update(update)),
            [r#"UPDATE "orm_test" SET "name" = ? WHERE "orm_test"."name" = ?"#]
        );
        assert_eq!(
            sql_of(Statement::Update(expressions)),
            [r#"UPDATE "orm_test" SET "value" = "name", "id" = "id" + ?, "id" = "id" - ?"#]
        );
        let delete = Delete {
            table: &TABLE,
            filter: Some(name_eq("x").not()),
        };
        assert_eq!(
            sql_of(Statement::Delete(delete)),
            [r#"DELETE FROM "orm_test" WHERE NOT "orm_test"."name" = ?"#]
        );
    }

    #[test]
    fn create_and_drop() {
        assert_eq!(
            sql_of(Statement::CreateTable(&TABLE)),
            [
                r#"CREATE TABLE IF NOT EXISTS "orm_test" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "value" text NULL )"#,
                r#"CREATE INDEX IF NOT EXISTS "ix_orm_test_name_f2720d0b" ON "orm_test" ("name")"#,
            ]
        );
        assert_eq!(
            sql_of(Statement::DropTable(&TABLE)),
            [r#"DROP TABLE IF EXISTS "orm_test""#]
        );
    }

    #[test]
    fn empty_in_list_matches_nothing() {
        let mut s = Select::new(&TABLE);
        s.projection = Projection::One;
        s.and_where(Expr::In {
            column: ColumnRef {
                table: "orm_test",
                column: "id",
            },
            values: vec![],
            negated: false,
        });
        assert_eq!(
            sql_of(Statement::Select(s)),
            [r#"SELECT ? FROM "orm_test" WHERE ? = ?"#]
        );
    }

    #[test]
    fn joins_of_a_child_model() {
        use om_core::ir::JoinKind;
        let render_twice = |s: Select| {
            // The second rendering comes from the statement cache.
            let first = render(&Statement::Select(s.clone())).unwrap().remove(0);
            let again = render(&Statement::Select(s)).unwrap().remove(0);
            assert_eq!(format!("{first:?}"), format!("{again:?}"));
            (first.0.to_string(), (first.1).0.0)
        };
        let (sql, values) = render_twice(om_core::test_tables::join_of_a_child(JoinKind::Inner));
        assert_eq!(
            sql,
            r#"SELECT "orm_test"."id", "orm_test"."name", "orm_test"."value", "people"."id", "people"."name", "employees"."salary" FROM "orm_test" INNER JOIN "people" ON "people"."id" = "orm_test"."id" INNER JOIN "employees" ON "employees"."id" = "people"."id" AND "employees"."salary" > ?"#
        );
        assert_eq!(values, [Value::from(100)]);
        let (sql, values) = render_twice(om_core::test_tables::join_of_a_child(JoinKind::Left));
        assert_eq!(
            sql,
            r#"SELECT "orm_test"."id", "orm_test"."name", "orm_test"."value", "people"."id", "people"."name", "employees"."salary" FROM "orm_test" LEFT JOIN "people" ON "people"."id" = "orm_test"."id" AND EXISTS(SELECT "employees"."id" FROM "employees" WHERE "employees"."id" = "people"."id" AND "employees"."salary" > ?) LEFT JOIN "employees" ON "employees"."id" = "people"."id" AND "employees"."salary" > ?"#
        );
        assert_eq!(values, [Value::from(100), Value::from(100)]);
    }

    /// The JSON filters, as this dialect writes them, with their bound values.
    fn json_sql() -> Vec<std::result::Result<(String, Vec<Value>), om_core::Error>> {
        om_core::test_tables::json_filters()
            .into_iter()
            .map(|f| {
                let mut s = Select::new(&TABLE);
                s.projection = Projection::Count;
                s.and_where(f);
                render(&Statement::Select(s)).map(|mut out| {
                    let (sql, values) = out.remove(0);
                    (sql.to_string(), values.0.0)
                })
            })
            .collect()
    }

    #[test]
    fn json_filters() {
        // The second rendering comes from the statement cache: the same text and values.
        let first = format!("{:?}", json_sql());
        assert_eq!(format!("{:?}", json_sql()), first);
        let mut out = json_sql().into_iter();
        let (sql, values) = out.next().unwrap().unwrap();
        assert_eq!(
            sql,
            r#"SELECT COUNT(*) FROM "orm_test" WHERE (CAST(json_extract("orm_test"."value", ?) AS TEXT)) = ?"#
        );
        assert_eq!(values, [Value::from(r#"$."a"."b""#), Value::from("x")]);
        let (sql, values) = out.next().unwrap().unwrap();
        assert_eq!(
            sql,
            r#"SELECT COUNT(*) FROM "orm_test" WHERE (json_type("orm_test"."value", ?)) IS NOT NULL"#
        );
        assert_eq!(values, [Value::from(r#"$."k""#)]);
        let err = out.next().unwrap().unwrap_err();
        assert!(
            matches!(
                err,
                om_core::Error::Unsupported {
                    backend: "sqlite",
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
