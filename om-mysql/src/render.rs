//! om's IR → MySQL SQL, with every value bound.

use om_core::ir::{ByKey, Insert, InsertRows, Select, Statement};
use om_core::model::{ColumnMeta, ColumnType, TableMeta};
use sqlx::MySql;
use sqlx::mysql::MySqlArguments;
use std::sync::{Arc, LazyLock};

use om_core::sql::StatementCache;
use om_core::{Result, sql};
use sea_query::{MysqlQueryBuilder, TableCreateStatement};
use sea_query_sqlx::SqlxValues;

use crate::json::MysqlJson;

/// Rendered statements by shape: a statement that runs again skips sea-query.
static SELECTS: LazyLock<StatementCache> = LazyLock::new(|| StatementCache::with_json(&MysqlJson));
static WRITES: LazyLock<StatementCache> = LazyLock::new(|| StatementCache::with_json(&MysqlJson));
static INSERTS: LazyLock<StatementCache> = LazyLock::new(StatementCache::new);
static RETURNING_INSERTS: LazyLock<StatementCache> = LazyLock::new(StatementCache::new);

/// MySQL's and MariaDB's `FLOAT` and `DOUBLE` hold neither NaN nor the infinities.
const FLOATS: sql::FloatSupport = sql::FloatSupport {
    nan: false,
    infinity: false,
};

/// One SQL statement and its bound values.
pub(crate) type Rendered = (Arc<str>, SqlxValues);

/// The longest `VARCHAR` that fits MySQL's 65535-byte row in `utf8mb4` (4 bytes a
/// character); a longer unindexed text column is `LONGTEXT`.
const MAX_VARCHAR: u32 = 16383;

/// How raw SQL is read: `?` placeholders (om's portable `$n` become `?`, values
/// repeated as `$n` repeats), backslash escapes in strings, `#` comments.
const LEXING: sql::Lexing = sql::Lexing {
    style: sql::PlaceholderStyle::Question,
    backslash_escapes: true,
    mysql_comments: true,
    postgres_quoting: false,
    named_placeholders: false,
};

/// Renders a statement as the SQL MySQL runs.
///
/// Every statement renders to exactly one: `CREATE TABLE` carries its indexes, since
/// MySQL 8 has no `CREATE INDEX IF NOT EXISTS`.
pub fn render(stmt: &Statement) -> Result<Vec<Rendered>> {
    sql::check_floats(stmt, FLOATS, "MySQL")?;
    let (sql, values) = match stmt {
        Statement::Select(s) => return Ok(vec![render_select(s)]),
        Statement::Insert(_) | Statement::Update(_) | Statement::Delete(_) => {
            let (text, values) = WRITES.statement(stmt, || {
                sql::build_write(stmt, MysqlQueryBuilder, &MysqlJson)
            })?;
            (text, SqlxValues(values))
        }
        Statement::CreateTable(t) => (create_table(t).build(MysqlQueryBuilder).into(), no_values()),
        Statement::DropTable(t) => (
            sql::drop_table(t).build(MysqlQueryBuilder).into(),
            no_values(),
        ),
        Statement::Raw { sql, values } => {
            let raw = sql::prepare(sql, values, LEXING)?;
            (
                raw.sql.as_ref().into(),
                SqlxValues(sea_query::Values(raw.values.into_owned())),
            )
        }
        Statement::Built(built) => {
            let (sql, values) = built.build(MysqlQueryBuilder);
            (sql.into(), SqlxValues(values))
        }
        _ => {
            return Err(om_core::Error::Unsupported {
                backend: "mysql",
                feature: format!("{stmt:?}"),
            });
        }
    };
    Ok(vec![(sql, bindable(values))])
}

/// Renders a query (one statement, whatever it asks).
pub(crate) fn render_select(s: &Select) -> Rendered {
    let literal = sql::small_literal_paging(s);
    let (text, values) = SELECTS.select(s, literal, || {
        sql::build_select(s, literal, MysqlQueryBuilder, &MysqlJson)
    });
    (text, bindable(SqlxValues(values)))
}

/// The values as MySQL should receive them. sqlx sends a `DateTime<Utc>` as a
/// `TIMESTAMP`, whose range ends in 2038 (MariaDB turns a later one into NULL): it is
/// sent as its UTC `DATETIME` instead, which is what the column stores. Timestamps with
/// another offset are converted to UTC the same way.
#[cfg(feature = "chrono")]
fn bindable(mut values: SqlxValues) -> SqlxValues {
    use om_core::Value;
    for value in &mut values.0.0 {
        let utc = match value {
            Value::ChronoDateTimeUtc(t) => t.map(|t| t.naive_utc()),
            Value::ChronoDateTimeLocal(t) => t.map(|t| t.naive_utc()),
            Value::ChronoDateTimeWithTimeZone(t) => t.map(|t| t.naive_utc()),
            _ => continue,
        };
        *value = Value::ChronoDateTime(utc);
    }
    values
}

/// Without the `chrono` feature no value is a timestamp: the values as they are.
#[cfg(not(feature = "chrono"))]
fn bindable(values: SqlxValues) -> SqlxValues {
    values
}

/// How a statement is sent to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// As a prepared statement with bound values: every query and write. The binary
    /// protocol returns values exactly (as text, MySQL prints a FLOAT with 6 digits).
    Prepared,
    /// Prepared, or as plain text when the server cannot prepare it (error 1295): raw
    /// SQL without values, which may be any statement.
    PreparedOrText,
    /// As plain text: om's own DDL, which has no values and returns no rows.
    Text,
}

/// How `stmt` is sent to the server.
pub(crate) fn protocol(stmt: &Statement) -> Protocol {
    match stmt {
        Statement::CreateTable(_) | Statement::DropTable(_) => Protocol::Text,
        Statement::Raw { values, .. } if values.is_empty() => Protocol::PreparedOrText,
        _ => Protocol::Prepared,
    }
}

fn no_values() -> SqlxValues {
    SqlxValues(sea_query::Values(Vec::new()))
}

/// `CREATE TABLE IF NOT EXISTS` with the table's indexes inside it, InnoDB, `utf8mb4`
/// with the binary collation `utf8mb4_bin`: text compares, sorts and matches `LIKE`
/// by code point and case-sensitively, as on SQLite and PostgreSQL (the default
/// collations would make `name = 'alpha'` match `Alpha`). Like every MySQL `_bin`
/// collation but the `NO PAD` ones, it ignores trailing spaces in comparisons.
fn create_table(table: &TableMeta) -> TableCreateStatement {
    let mut stmt = sql::create_table(table, column_def);
    for mut idx in sql::create_indexes(table) {
        stmt.index(&mut idx);
    }
    stmt.engine("InnoDB")
        .character_set("utf8mb4")
        .collate("utf8mb4_bin");
    stmt
}

/// MySQL's column definitions.
///
/// - Unbounded text is `LONGTEXT`; but `TEXT` types cannot be indexed without a prefix
///   length, so an indexed, unique or primary-key column of unbounded text is
///   `VARCHAR(255)`, and such a binary column is `VARBINARY(255)`.
/// - A `VARCHAR(n)` longer than [`MAX_VARCHAR`] characters does not fit a row: an
///   unindexed one becomes `LONGTEXT` (its length is then not enforced).
/// - Times and timestamps keep microseconds (`TIME(6)`, `DATETIME(6)`); a UTC
///   timestamp is a `DATETIME(6)` holding its UTC time (a `TIMESTAMP` would end in 2038).
/// - Decimals are `DECIMAL(65, 28)`: 28 is the largest scale of a `rust_decimal`, and
///   a bare `DECIMAL` would be `DECIMAL(10, 0)`.
/// - UUIDs are `BINARY(16)`, as sqlx binds them.
fn column_def(table: &TableMeta, column: &ColumnMeta) -> sea_query::ColumnDef {
    let mut def = sql::column_def(table, column);
    let keyed = column.primary_key || column.index || column.unique;
    adjust_column(&mut def, column.ty, keyed);
    def
}

/// MySQL's changes to a portable column definition (for `create_all` and migrations):
/// bounded text and bytes where the column is keyed, `longtext`/`longblob` elsewhere,
/// microsecond times, wide decimals, UUIDs as 16 bytes.
pub(crate) fn adjust_column(def: &mut sea_query::ColumnDef, ty: ColumnType, keyed: bool) {
    match ty {
        ColumnType::Text(None) if keyed => {
            def.string_len(255);
        }
        ColumnType::Text(None) => {
            def.custom("longtext");
        }
        ColumnType::Text(Some(n)) if n > MAX_VARCHAR && !keyed => {
            def.custom("longtext");
        }
        ColumnType::Bytes if keyed => {
            def.var_binary(255);
        }
        ColumnType::Bytes => {
            def.custom("longblob");
        }
        ColumnType::Time => {
            def.custom("time(6)");
        }
        ColumnType::DateTime | ColumnType::DateTimeUtc => {
            def.custom("datetime(6)");
        }
        ColumnType::Decimal => {
            def.decimal_len(65, 28);
        }
        ColumnType::Uuid => {
            def.binary_len(16);
        }
        ColumnType::Json => {
            def.json();
        }
        _ => {}
    }
}

/// Renders a single-row insert; its generated key is the result's `last_insert_id`.
pub(crate) fn render_insert(insert: Insert) -> Result<Rendered> {
    sql::check_insert_floats(&insert, FLOATS, "MySQL")?;
    let (text, values) = INSERTS.insert_owned(insert, |insert| {
        Ok(sql::insert(insert)?.build(MysqlQueryBuilder))
    })?;
    Ok((text, bindable(SqlxValues(values))))
}

/// A multi-row insert that returns its generated keys: MariaDB's `RETURNING`, which
/// sea-query's MySQL builder does not write. Its values move into the statement.
pub(crate) fn render_insert_returning(insert: Insert) -> Result<Rendered> {
    sql::check_insert_floats(&insert, FLOATS, "MySQL")?;
    let (text, values) = RETURNING_INSERTS.insert_owned(insert, |insert| {
        let (mut text, values) = sql::insert(insert)?.build(MysqlQueryBuilder);
        if let Some(column) = insert.returning {
            // A column name is an identifier om checked at compile time: ASCII
            // letters, digits and `_`, so backquotes need no escaping.
            text.push_str(&format!(" RETURNING `{}`", column.name));
        }
        Ok((text, values))
    })?;
    Ok((text, bindable(SqlxValues(values))))
}

/// A read of a row by its key, as the text cached for its select and the key bound as
/// it is: `None` when [`om_sqlx::bind::cached_by_key`] says so, and the select runs.
pub(crate) fn render_by_key(lookup: &ByKey) -> Option<(Arc<str>, MySqlArguments)> {
    om_sqlx::bind::cached_by_key::<MySql>(&SELECTS, lookup)
}

/// A multi-row insert returning its keys, its values bound from where they are (text
/// is not copied): `None` when [`om_sqlx::bind::cached_insert_returning`] says so, and
/// [`render_insert_returning`] of the owned insert then runs (and caches the text).
pub(crate) fn render_insert_rows_returning(
    rows: &InsertRows<'_>,
) -> Result<Option<(Arc<str>, MySqlArguments)>> {
    sql::check_insert_rows_floats(rows, FLOATS, "MySQL")?;
    Ok(om_sqlx::bind::cached_insert_returning::<MySql>(
        &RETURNING_INSERTS,
        rows,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! Exact SQL per statement kind; no database needed.
    use super::*;
    use om_core::Value;
    use om_core::expr::{ColumnRef, Expr};
    use om_core::ir::{Assign, Delete, Projection, Select, Update};
    use om_core::test_tables::{COLUMNS, TABLE, name_eq};

    /// A read by key binds its key to the text its select cached (the whole case is
    /// SQLite's `a_read_by_key_takes_the_cached_select_text`).
    #[test]
    fn a_read_by_key_binds_to_its_selects_text() {
        let lookup = ByKey::new(&TABLE, om_core::Value::Int(Some(-3))).unwrap();
        let selected = render_select(&lookup.to_select()).0;
        assert_eq!(render_by_key(&lookup).map(|(sql, _)| sql), Some(selected));
    }

    /// A composite key of an integer and a text column, an indexed unbounded text, a
    /// unique column, and one column of each type whose MySQL type differs from the
    /// portable one.
    static TYPED_COLUMNS: [ColumnMeta; 11] = {
        let mut group = ColumnMeta::new("group_id", "group_id", ColumnType::Integer);
        group.primary_key = true;
        let mut member = ColumnMeta::new("member", "member", ColumnType::Text(None));
        member.primary_key = true;
        let mut tag = ColumnMeta::new("tag", "tag", ColumnType::Text(None));
        tag.index = true;
        let mut email = ColumnMeta::new("email", "email", ColumnType::Text(Some(200)));
        email.unique = true;
        let mut at = ColumnMeta::new("at", "at", ColumnType::DateTimeUtc);
        at.nullable = true;
        [
            group,
            member,
            tag,
            email,
            ColumnMeta::new("flag", "flag", ColumnType::Bool),
            ColumnMeta::new("ratio", "ratio", ColumnType::Float),
            ColumnMeta::new("amount", "amount", ColumnType::Decimal),
            ColumnMeta::new("uid", "uid", ColumnType::Uuid),
            ColumnMeta::new("doc", "doc", ColumnType::Json),
            ColumnMeta::new("data", "data", ColumnType::Bytes),
            at,
        ]
    };
    static TYPED: TableMeta = TableMeta {
        name: "membership",
        model: "Membership",
        columns: &TYPED_COLUMNS,
        primary_key: &[0, 1],
        parent: None,
    };

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
                r#"SELECT DISTINCT `orm_test`.`name`, AVG(`orm_test`.`id` + ?), COUNT(*) FROM `orm_test` WHERE `orm_test`.`name` = ? GROUP BY `orm_test`.`name` HAVING SUM(`orm_test`.`id`) > ? ORDER BY `orm_test`.`name` ASC LIMIT ?"#
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
                "SELECT `orm_test`.`id`, `orm_test`.`name`, `orm_test`.`value` FROM `orm_test` WHERE `orm_test`.`name` = ? ORDER BY `orm_test`.`id` DESC LIMIT ? OFFSET ?"
            ]
        );
    }

    #[test]
    fn count_and_offset_without_limit() {
        let mut s = Select::new(&TABLE);
        s.projection = Projection::Count;
        assert_eq!(
            sql_of(Statement::Select(s.clone())),
            ["SELECT COUNT(*) FROM `orm_test`"]
        );
        s.offset = Some(1);
        assert_eq!(
            sql_of(Statement::Select(s)),
            ["SELECT COUNT(*) FROM (SELECT ? FROM `orm_test` LIMIT ? OFFSET ?) AS `om_counted`"]
        );
    }

    #[test]
    fn insert_without_returning() {
        let insert = Insert {
            table: &TABLE,
            columns: vec![&COLUMNS[1], &COLUMNS[2]],
            rows: vec![vec!["a".into(), "b".into()]],
            returning: Some(&COLUMNS[0]),
        };
        let (sql, _) = render_insert(insert).unwrap();
        assert_eq!(
            &*sql,
            "INSERT INTO `orm_test` (`name`, `value`) VALUES (?, ?)"
        );
        let defaults = Insert {
            table: &TABLE,
            columns: vec![],
            rows: vec![vec![], vec![]],
            returning: None,
        };
        assert_eq!(
            sql_of(Statement::Insert(defaults)),
            ["INSERT INTO `orm_test` VALUES (), ()"]
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
            ["UPDATE `orm_test` SET `name` = ? WHERE `orm_test`.`name` = ?"]
        );
        assert_eq!(
            sql_of(Statement::Update(expressions)),
            ["UPDATE `orm_test` SET `value` = `name`, `id` = `id` + ?, `id` = `id` - ?"]
        );
        let delete = Delete {
            table: &TABLE,
            filter: Some(name_eq("x").not()),
        };
        assert_eq!(
            sql_of(Statement::Delete(delete)),
            ["DELETE FROM `orm_test` WHERE NOT `orm_test`.`name` = ?"]
        );
    }

    #[test]
    fn create_with_generated_key_and_index() {
        assert_eq!(
            sql_of(Statement::CreateTable(&TABLE)),
            [
                "CREATE TABLE IF NOT EXISTS `orm_test` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `name` varchar(100) NOT NULL, `value` longtext NULL, KEY `ix_orm_test_name_f2720d0b` (`name`) ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
            ]
        );
    }

    #[test]
    fn create_with_composite_key_and_indexed_text() {
        assert_eq!(
            sql_of(Statement::CreateTable(&TYPED)),
            [
                "CREATE TABLE IF NOT EXISTS `membership` ( `group_id` int NOT NULL, `member` varchar(255) NOT NULL, `tag` varchar(255) NOT NULL, `email` varchar(200) NOT NULL, `flag` bool NOT NULL, `ratio` float NOT NULL, `amount` decimal(65, 28) NOT NULL, `uid` binary(16) NOT NULL, `doc` json NOT NULL, `data` longblob NOT NULL, `at` datetime(6) NULL, PRIMARY KEY (`group_id`, `member`), KEY `ix_membership_tag_376f48c9` (`tag`), UNIQUE KEY `ux_membership_email_6381e9f9` (`email`) ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
            ]
        );
    }

    #[test]
    fn drop() {
        assert_eq!(
            sql_of(Statement::DropTable(&TABLE)),
            ["DROP TABLE IF EXISTS `orm_test`"]
        );
    }

    #[test]
    fn raw_runs_as_written() {
        let raw = Statement::Raw {
            sql: "SELECT count(*) FROM orm_test WHERE name = ?".into(),
            values: vec!["xx".into()],
        };
        assert_eq!(protocol(&raw), Protocol::Prepared);
        assert_eq!(
            sql_of(raw),
            ["SELECT count(*) FROM orm_test WHERE name = ?"]
        );
        assert_eq!(protocol(&Statement::CreateTable(&TABLE)), Protocol::Text);
        let bare = Statement::Raw {
            sql: "SELECT 1".into(),
            values: vec![],
        };
        assert_eq!(protocol(&bare), Protocol::PreparedOrText);
    }

    #[test]
    fn joins_of_a_child_model() {
        use om_core::ir::JoinKind;
        use om_core::test_tables::join_of_a_child;
        assert_eq!(
            sql_of(Statement::Select(join_of_a_child(JoinKind::Inner))),
            [
                r#"SELECT `orm_test`.`id`, `orm_test`.`name`, `orm_test`.`value`, `people`.`id`, `people`.`name`, `employees`.`salary` FROM `orm_test` INNER JOIN `people` ON `people`.`id` = `orm_test`.`id` INNER JOIN `employees` ON `employees`.`id` = `people`.`id` AND `employees`.`salary` > ?"#
            ]
        );
        assert_eq!(
            sql_of(Statement::Select(join_of_a_child(JoinKind::Left))),
            [
                r#"SELECT `orm_test`.`id`, `orm_test`.`name`, `orm_test`.`value`, `people`.`id`, `people`.`name`, `employees`.`salary` FROM `orm_test` LEFT JOIN `people` ON `people`.`id` = `orm_test`.`id` AND EXISTS(SELECT `employees`.`id` FROM `employees` WHERE `employees`.`id` = `people`.`id` AND `employees`.`salary` > ?) LEFT JOIN `employees` ON `employees`.`id` = `people`.`id` AND `employees`.`salary` > ?"#
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
            ["SELECT ? FROM `orm_test` WHERE ? = ?"]
        );
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
            "SELECT COUNT(*) FROM `orm_test` WHERE (JSON_UNQUOTE(JSON_EXTRACT(`orm_test`.`value`, ?))) = ?"
        );
        assert_eq!(out[0].1, [Value::from(r#"$."a"."b""#), Value::from("x")]);
        assert_eq!(
            out[1].0,
            "SELECT COUNT(*) FROM `orm_test` WHERE JSON_CONTAINS_PATH(`orm_test`.`value`, 'one', ?)"
        );
        assert_eq!(out[1].1, [Value::from(r#"$."k""#)]);
        assert_eq!(
            out[2].0,
            "SELECT COUNT(*) FROM `orm_test` WHERE JSON_CONTAINS(`orm_test`.`value`, ?)"
        );
        assert_eq!(out[2].1, [Value::from(r#"{"a":1}"#)]);
    }
}
