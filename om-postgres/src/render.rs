//! om's IR → PostgreSQL SQL, with every value bound as a `$n` parameter.

use om_core::ir::{ByKey, Insert, InsertRows, Select, Statement};
use om_core::model::{ColumnMeta, ColumnType, TableMeta};
use std::sync::{Arc, LazyLock};

use om_core::sql::StatementCache;
use om_core::{Error, Result, Value, sql};
use sea_query::PostgresQueryBuilder;
use sea_query_sqlx::SqlxValues;
use sqlx::Postgres;
use sqlx::postgres::PgArguments;

use crate::json::PostgresJson;

/// Rendered statements by shape: a statement that runs again skips sea-query.
static SELECTS: LazyLock<StatementCache> =
    LazyLock::new(|| StatementCache::with_json(&PostgresJson));
static WRITES: LazyLock<StatementCache> =
    LazyLock::new(|| StatementCache::with_json(&PostgresJson));
static INSERTS: LazyLock<StatementCache> = LazyLock::new(StatementCache::new);

/// One SQL statement and its bound values.
pub(crate) type Rendered = (Arc<str>, SqlxValues);

/// Renders a query (one statement, whatever it asks).
pub(crate) fn render_select(s: &Select) -> Result<Rendered> {
    let (text, mut values) = select_unchecked(s);
    bindable(&mut values)?;
    Ok((text, values))
}

fn select_unchecked(s: &Select) -> Rendered {
    let literal = sql::small_literal_paging(s);
    let (text, values) = SELECTS.select(s, literal, || {
        sql::build_select(s, literal, PostgresQueryBuilder, &PostgresJson)
    });
    (text, SqlxValues(values))
}

fn no_values() -> SqlxValues {
    SqlxValues(sea_query::Values(Vec::new()))
}

/// How raw SQL is read: `$1, $2, ...` placeholders (om's portable ones are
/// PostgreSQL's own), `?` an operator (JSON), standard strings.
pub(crate) const LEXING: sql::Lexing = sql::Lexing {
    style: sql::PlaceholderStyle::Dollar,
    backslash_escapes: false,
    mysql_comments: false,
    postgres_quoting: true,
    named_placeholders: false,
};

/// Renders a statement; DDL may become several (the table, then its indexes).
///
/// Raw SQL is passed through as written, with PostgreSQL's `$1, $2, ...` placeholders,
/// once their number is checked against the values.
pub fn render(stmt: &Statement) -> Result<Vec<Rendered>> {
    let mut out = match stmt {
        Statement::Select(s) => vec![select_unchecked(s)],
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
            let (text, values) = WRITES.statement(stmt, || {
                sql::build_write(stmt, PostgresQueryBuilder, &PostgresJson)
            })?;
            vec![(text, SqlxValues(values))]
        }
        Statement::CreateTable(t) => {
            check_generated(t)?;
            let mut out = vec![(
                sql::create_table(t, column_def)
                    .build(PostgresQueryBuilder)
                    .into(),
                no_values(),
            )];
            for idx in sql::create_indexes(t) {
                out.push((idx.build(PostgresQueryBuilder).into(), no_values()));
            }
            out
        }
        Statement::DropTable(t) => {
            vec![(
                sql::drop_table(t).build(PostgresQueryBuilder).into(),
                no_values(),
            )]
        }
        Statement::Raw { sql, values } => {
            let raw = sql::prepare(sql, values, LEXING)?;
            vec![(
                raw.sql.as_ref().into(),
                SqlxValues(sea_query::Values(raw.values.into_owned())),
            )]
        }
        Statement::Built(built) => {
            let (sql, values) = built.build(PostgresQueryBuilder);
            vec![(sql.into(), SqlxValues(values))]
        }
        _ => {
            return Err(Error::Unsupported {
                backend: "postgres",
                feature: format!("{stmt:?}"),
            });
        }
    };
    for (_, values) in &mut out {
        bindable(values)?;
    }
    Ok(out)
}

/// Makes every value bindable on PostgreSQL, or refuses it with an error (rather than
/// the panic it would cause in the binder): an `i8` becomes a `smallint` (PostgreSQL
/// has no one-byte integer; sqlx would send the internal `"char"` type), and an
/// unsigned 64-bit integer must fit a `bigint`.
fn bindable(values: &mut SqlxValues) -> Result<()> {
    for value in &mut values.0.0 {
        match value {
            Value::TinyInt(v) => *value = Value::SmallInt(v.map(i16::from)),
            Value::BigUnsigned(Some(v)) if i64::try_from(*v).is_err() => {
                return Err(Error::InvalidQuery {
                    reason: format!(
                        "the unsigned value {v} does not fit PostgreSQL's bigint (at most {})",
                        i64::MAX
                    ),
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// A generated key is an identity column, which only integers can be.
fn check_generated(table: &TableMeta) -> Result<()> {
    match table.generated_column() {
        Some((_, c)) if !c.ty.is_integer() => Err(Error::Unsupported {
            backend: "postgres",
            feature: format!(
                "a generated key of type {:?} (`{}.{}`): only integer keys can be generated",
                c.ty, table.name, c.name
            ),
        }),
        _ => Ok(()),
    }
}

/// PostgreSQL's column definitions: JSON is stored as `jsonb` (binary, indexable,
/// compared by value); a generated integer key is `GENERATED BY DEFAULT AS IDENTITY`
/// of the key's own width, so an explicit key may still be inserted.
fn column_def(table: &TableMeta, column: &ColumnMeta) -> sea_query::ColumnDef {
    let mut def = sql::column_def(table, column);
    adjust_column(&mut def, column.ty);
    def
}

/// PostgreSQL's changes to a portable column definition (for `create_all` and
/// migrations): JSON is `jsonb`.
pub(crate) fn adjust_column(def: &mut sea_query::ColumnDef, ty: ColumnType) {
    if ty == ColumnType::Json {
        def.json_binary();
    }
}

/// Moves the sequence of a generated key up to the largest key written, and leaves
/// it alone when the sequence is already further (it never moves backwards) or the
/// column has no sequence. `$1` is the largest key written, `$2` the quoted table,
/// `$3` the column.
const ADVANCE_SEQUENCE: &str = "SELECT setval(s.seq, $1) \
     FROM (SELECT pg_get_serial_sequence($2, $3)::regclass AS seq) AS s \
     WHERE s.seq IS NOT NULL AND $1 > COALESCE(pg_sequence_last_value(s.seq), 0)";

/// After an insert that wrote explicit values into a generated key column, the
/// statement that advances the column's sequence past them; `None` when the insert
/// left the key to the database.
///
/// PostgreSQL's identity sequence only moves when it hands out a value, so without
/// this the next generated key could collide with a key the user chose. It costs one
/// round trip, only for inserts that write the key. The check and the move are one
/// statement, so the sequence does not move backwards, except in a race PostgreSQL
/// gives no way to close short of a lock per insert: another session drawing keys
/// between the check and the move.
pub(crate) fn advance_sequence(insert: &Insert) -> Option<Rendered> {
    let (position, generated) = written_key(insert)?;
    let max = insert
        .rows
        .iter()
        .filter_map(|row| row.get(position).and_then(as_i64))
        .max()?;
    Some(advance_sequence_past(insert.table, generated, max))
}

/// The position, among `insert`'s columns, of its table's generated key (and the key)
/// when the insert writes it and the table's key is that one column: the values that
/// may move the sequence ([`advance_sequence`]).
pub(crate) fn written_key(insert: &Insert) -> Option<(usize, &'static ColumnMeta)> {
    let table = insert.table;
    if table.primary_key.len() != 1 {
        return None;
    }
    let (_, generated) = table.generated_column()?;
    let position = insert
        .columns
        .iter()
        .position(|c| c.name == generated.name)?;
    Some((position, generated))
}

/// The statement that moves the sequence of `table`'s generated key column
/// (`generated`) past `max` ([`advance_sequence`]).
pub(crate) fn advance_sequence_past(
    table: &TableMeta,
    generated: &ColumnMeta,
    max: i64,
) -> Rendered {
    let quoted = format!("\"{}\"", table.name.replace('"', "\"\""));
    let values = vec![
        Value::BigInt(Some(max)),
        Value::String(Some(quoted)),
        Value::String(Some(generated.name.to_string())),
    ];
    (
        ADVANCE_SEQUENCE.into(),
        SqlxValues(sea_query::Values(values)),
    )
}

/// An integer value, `None` for NULL or another type.
pub(crate) fn as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::BigInt(v) => *v,
        Value::Int(v) => v.map(i64::from),
        Value::SmallInt(v) => v.map(i64::from),
        Value::TinyInt(v) => v.map(i64::from),
        Value::BigUnsigned(v) => v.and_then(|v| i64::try_from(v).ok()),
        Value::Unsigned(v) => v.map(i64::from),
        Value::SmallUnsigned(v) => v.map(i64::from),
        Value::TinyUnsigned(v) => v.map(i64::from),
        _ => None,
    }
}

/// An insert that returns its generated keys; its values move into the statement.
pub(crate) fn render_insert_returning(insert: Insert) -> Result<Rendered> {
    let (text, values) = INSERTS.insert_owned(insert, |insert| {
        sql::build_insert_returning(insert, PostgresQueryBuilder)
    })?;
    let mut values = SqlxValues(values);
    bindable(&mut values)?;
    Ok((text, values))
}

/// A read of a row by its key, as the text cached for its select and the key bound as
/// it is: `None` when [`om_sqlx::bind::cached_by_key`] says so, and the select runs.
pub(crate) fn render_by_key(lookup: &ByKey) -> Option<(Arc<str>, PgArguments)> {
    om_sqlx::bind::cached_by_key::<Postgres>(&SELECTS, lookup)
}

/// A multi-row insert returning its keys, its values bound from where they are (text
/// is not copied): `None` when [`om_sqlx::bind::cached_insert_returning`] says so, and
/// [`render_insert_returning`] of the owned insert then runs (and caches the text).
pub(crate) fn render_insert_rows_returning(
    rows: &InsertRows<'_>,
) -> Result<Option<(Arc<str>, PgArguments)>> {
    Ok(om_sqlx::bind::cached_insert_returning::<Postgres>(
        &INSERTS, rows,
    ))
}

#[cfg(test)]
mod tests {
    //! Exact SQL per statement kind; no database needed.
    use super::*;
    use om_core::expr::{ColumnRef, Expr};
    use om_core::ir::{Assign, Delete, Projection, Select, Update};
    use om_core::test_tables::{COLUMNS, TABLE, name_eq};

    /// A read by key binds its key to the text its select cached (the whole case is
    /// SQLite's `a_read_by_key_takes_the_cached_select_text`).
    #[test]
    fn a_read_by_key_binds_to_its_selects_text() {
        let lookup = ByKey::new(&TABLE, om_core::Value::Int(Some(-3))).unwrap();
        let selected = render_select(&lookup.to_select()).unwrap().0;
        assert_eq!(render_by_key(&lookup).map(|(sql, _)| sql), Some(selected));
    }

    /// Every portable type, with a composite key and a unique column.
    static TYPED_COLUMNS: [ColumnMeta; 16] = {
        let mut a = ColumnMeta::new("a", "a", ColumnType::Integer);
        a.primary_key = true;
        let mut b = ColumnMeta::new("b", "b", ColumnType::Text(Some(20)));
        b.primary_key = true;
        let mut flag = ColumnMeta::new("flag", "flag", ColumnType::Bool);
        flag.nullable = true;
        let mut email = ColumnMeta::new("email", "email", ColumnType::Text(None));
        email.unique = true;
        [
            a,
            b,
            flag,
            ColumnMeta::new("small", "small", ColumnType::SmallInt),
            ColumnMeta::new("big", "big", ColumnType::BigInt),
            ColumnMeta::new("f", "f", ColumnType::Float),
            ColumnMeta::new("d", "d", ColumnType::Double),
            email,
            ColumnMeta::new("data", "data", ColumnType::Bytes),
            ColumnMeta::new("day", "day", ColumnType::Date),
            ColumnMeta::new("at", "at", ColumnType::Time),
            ColumnMeta::new("local", "local", ColumnType::DateTime),
            ColumnMeta::new("utc", "utc", ColumnType::DateTimeUtc),
            ColumnMeta::new("uid", "uid", ColumnType::Uuid),
            ColumnMeta::new("price", "price", ColumnType::Decimal),
            ColumnMeta::new("doc", "doc", ColumnType::Json),
        ]
    };
    static TYPED: TableMeta = TableMeta {
        name: "typed",
        model: "Typed",
        columns: &TYPED_COLUMNS,
        primary_key: &[0, 1],
        parent: None,
    };

    fn key_table(ty: ColumnType) -> &'static TableMeta {
        let mut id = ColumnMeta::new("id", "id", ty);
        id.primary_key = true;
        id.generated = true;
        id.nullable = true;
        let columns: &'static [ColumnMeta] = Box::leak(Box::new([id]));
        Box::leak(Box::new(TableMeta {
            name: "keyed",
            model: "Keyed",
            columns,
            primary_key: &[0],
            parent: None,
        }))
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
                r#"SELECT DISTINCT "orm_test"."name", AVG("orm_test"."id" + $1), COUNT(*) FROM "orm_test" WHERE "orm_test"."name" = $2 GROUP BY "orm_test"."name" HAVING SUM("orm_test"."id") > $3 ORDER BY "orm_test"."name" ASC LIMIT $4"#
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
                r#"SELECT "orm_test"."id", "orm_test"."name", "orm_test"."value" FROM "orm_test" WHERE "orm_test"."name" = $1 ORDER BY "orm_test"."id" DESC LIMIT $2 OFFSET $3"#
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
            [
                r#"SELECT COUNT(*) FROM (SELECT $1 FROM "orm_test" LIMIT $2 OFFSET $3) AS "om_counted""#
            ]
        );
    }

    #[test]
    fn insert_plain_and_returning() {
        let insert = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[0], &COLUMNS[1], &COLUMNS[2]],
            rows: vec![
                vec![5i64.into(), "a".into(), "b".into()],
                vec![7i64.into(), "c".into(), Value::String(None)],
            ],
            returning: None,
        };
        assert_eq!(
            sql_of(Statement::Insert(insert)),
            [r#"INSERT INTO "orm_test" ("id", "name", "value") VALUES ($1, $2, $3), ($4, $5, $6)"#]
        );
        let insert = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[1], &COLUMNS[2]],
            rows: vec![vec!["a".into(), "b".into()]],
            returning: Some(&COLUMNS[0]),
        };
        let (sql, _) = render_insert_returning(insert.clone()).unwrap();
        assert_eq!(
            &*sql,
            r#"INSERT INTO "orm_test" ("name", "value") VALUES ($1, $2) RETURNING "id""#
        );
    }

    #[test]
    fn insert_of_defaults_only() {
        let table = key_table(ColumnType::BigInt);
        let insert = Insert {
            table,
            columns: vec![],
            rows: vec![vec![]],
            returning: Some(&table.columns[0]),
        };
        let (sql, _) = render_insert_returning(insert.clone()).unwrap();
        assert_eq!(
            &*sql,
            r#"INSERT INTO "keyed" VALUES (DEFAULT) RETURNING "id""#
        );
    }

    #[test]
    fn explicit_generated_key_advances_the_sequence() {
        let insert = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[0], &COLUMNS[1], &COLUMNS[2]],
            rows: vec![
                vec![9i64.into(), "a".into(), "b".into()],
                vec![Value::BigInt(None), "a".into(), "b".into()],
                vec![12i64.into(), "c".into(), "d".into()],
            ],
            returning: None,
        };
        let (sql, values) = advance_sequence(&insert).unwrap();
        assert_eq!(&*sql, ADVANCE_SEQUENCE);
        assert_eq!(
            values.0.0,
            vec![
                Value::BigInt(Some(12)),
                Value::String(Some(r#""orm_test""#.into())),
                Value::String(Some("id".into())),
            ]
        );
        let generated_by_database = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[1], &COLUMNS[2]],
            rows: vec![vec!["a".into(), "b".into()]],
            returning: None,
        };
        assert!(advance_sequence(&generated_by_database).is_none());
        let no_generated_column = Insert {
            table: &TYPED,
            columns: vec![&TYPED_COLUMNS[0]],
            rows: vec![vec![1i32.into()]],
            returning: None,
        };
        assert!(advance_sequence(&no_generated_column).is_none());
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
            [r#"UPDATE "orm_test" SET "name" = $1 WHERE "orm_test"."name" = $2"#]
        );
        assert_eq!(
            sql_of(Statement::Update(expressions)),
            [r#"UPDATE "orm_test" SET "value" = "name", "id" = "id" + $1, "id" = "id" - $2"#]
        );
        let delete = Delete {
            table: &TABLE,
            filter: Some(name_eq("x").not()),
        };
        assert_eq!(
            sql_of(Statement::Delete(delete)),
            [r#"DELETE FROM "orm_test" WHERE NOT "orm_test"."name" = $1"#]
        );
        let delete_all = Delete {
            table: &TABLE,
            filter: None,
        };
        assert_eq!(
            sql_of(Statement::Delete(delete_all)),
            [r#"DELETE FROM "orm_test""#]
        );
    }

    #[test]
    fn create_and_drop() {
        assert_eq!(
            sql_of(Statement::CreateTable(&TABLE)),
            [
                r#"CREATE TABLE IF NOT EXISTS "orm_test" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" varchar(100) NOT NULL, "value" text NULL )"#,
                r#"CREATE INDEX IF NOT EXISTS "ix_orm_test_name_f2720d0b" ON "orm_test" ("name")"#,
            ]
        );
        assert_eq!(
            sql_of(Statement::DropTable(&TABLE)),
            [r#"DROP TABLE IF EXISTS "orm_test""#]
        );
    }

    #[test]
    fn generated_keys_keep_their_width() {
        for (ty, sql) in [
            (ColumnType::SmallInt, "smallint"),
            (ColumnType::Integer, "integer"),
            (ColumnType::BigInt, "bigint"),
        ] {
            assert_eq!(
                sql_of(Statement::CreateTable(key_table(ty))),
                [format!(
                    r#"CREATE TABLE IF NOT EXISTS "keyed" ( "id" {sql} GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY )"#
                )]
            );
        }
        let err = render(&Statement::CreateTable(key_table(ColumnType::Text(None)))).unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
    }

    #[test]
    fn every_type_and_a_composite_key() {
        assert_eq!(
            sql_of(Statement::CreateTable(&TYPED)),
            [
                concat!(
                    r#"CREATE TABLE IF NOT EXISTS "typed" ( "a" integer NOT NULL, "b" varchar(20) NOT NULL, "flag" bool NULL, "#,
                    r#""small" smallint NOT NULL, "big" bigint NOT NULL, "f" real NOT NULL, "d" double precision NOT NULL, "#,
                    r#""email" text NOT NULL, "data" bytea NOT NULL, "day" date NOT NULL, "at" time NOT NULL, "#,
                    r#""local" timestamp without time zone NOT NULL, "utc" timestamp with time zone NOT NULL, "#,
                    r#""uid" uuid NOT NULL, "price" decimal NOT NULL, "doc" jsonb NOT NULL, PRIMARY KEY ("a", "b") )"#,
                ),
                r#"CREATE UNIQUE INDEX IF NOT EXISTS "ux_typed_email_e22816e3" ON "typed" ("email")"#,
            ]
        );
    }

    #[test]
    fn joins_of_a_child_model() {
        use om_core::ir::JoinKind;
        use om_core::test_tables::join_of_a_child;
        assert_eq!(
            sql_of(Statement::Select(join_of_a_child(JoinKind::Inner))),
            [
                r#"SELECT "orm_test"."id", "orm_test"."name", "orm_test"."value", "people"."id", "people"."name", "employees"."salary" FROM "orm_test" INNER JOIN "people" ON "people"."id" = "orm_test"."id" INNER JOIN "employees" ON "employees"."id" = "people"."id" AND "employees"."salary" > $1"#
            ]
        );
        assert_eq!(
            sql_of(Statement::Select(join_of_a_child(JoinKind::Left))),
            [
                r#"SELECT "orm_test"."id", "orm_test"."name", "orm_test"."value", "people"."id", "people"."name", "employees"."salary" FROM "orm_test" LEFT JOIN "people" ON "people"."id" = "orm_test"."id" AND EXISTS(SELECT "employees"."id" FROM "employees" WHERE "employees"."id" = "people"."id" AND "employees"."salary" > $1) LEFT JOIN "employees" ON "employees"."id" = "people"."id" AND "employees"."salary" > $2"#
            ]
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
            [r#"SELECT $1 FROM "orm_test" WHERE $2 = $3"#]
        );
    }

    #[test]
    fn values_are_made_bindable() {
        let raw = Statement::Raw {
            sql: "SELECT $1, $2".into(),
            values: vec![Value::TinyInt(Some(-3)), Value::BigUnsigned(Some(7))],
        };
        assert_eq!(
            render(&raw).unwrap()[0].1.0.0,
            vec![Value::SmallInt(Some(-3)), Value::BigUnsigned(Some(7))]
        );
        let too_big = Statement::Raw {
            sql: "SELECT $1".into(),
            values: vec![Value::BigUnsigned(Some(u64::MAX))],
        };
        assert!(matches!(render(&too_big), Err(Error::InvalidQuery { .. })));
    }

    #[test]
    fn raw_sql_is_passed_through() {
        let raw = Statement::Raw {
            sql: "SELECT $1::int4".into(),
            values: vec![1i32.into()],
        };
        let rendered = render(&raw).unwrap();
        assert_eq!(&*rendered[0].0, "SELECT $1::int4");
        assert_eq!(rendered[0].1.0.0, vec![Value::Int(Some(1))]);
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
        let out: Vec<_> = json_sql().into_iter().map(Result::unwrap).collect();
        assert_eq!(
            out[0].0,
            r#"SELECT COUNT(*) FROM "orm_test" WHERE (("orm_test"."value" -> $1 ->> $2)) = $3"#
        );
        assert_eq!(
            out[0].1,
            [Value::from("a"), Value::from("b"), Value::from("x")]
        );
        // `?` is PostgreSQL's key-exists operator: sqlx's placeholders are `$n`.
        assert_eq!(
            out[1].0,
            r#"SELECT COUNT(*) FROM "orm_test" WHERE ("orm_test"."value" ? $1)"#
        );
        assert_eq!(out[1].1, [Value::from("k")]);
        assert_eq!(
            out[2].0,
            r#"SELECT COUNT(*) FROM "orm_test" WHERE ("orm_test"."value" @> $1)"#
        );
        assert_eq!(out[2].1, [Value::from(serde_json::json!({"a": 1}))]);
    }
}
