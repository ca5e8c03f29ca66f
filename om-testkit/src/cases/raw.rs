//! Raw SQL and hand-built sea-query statements.

use futures::TryStreamExt;
use om::sea_query::{Expr, ExprTrait, Order, Query};
use om::{Database, DecodeError, Error, Model, Result, values};

use crate::models::OrmTest;

/// The `n`th placeholder (from 1) in `backend`'s dialect.
pub fn placeholder(backend: &str, n: usize) -> String {
    if backend == "postgres" {
        format!("${n}")
    } else {
        "?".to_string()
    }
}

/// `execute` binds values and reports the rows affected and, where the backend tells it
/// (declared), the generated key.
pub async fn raw_execute_reports_rows_and_key(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let p = |n| placeholder(db.backend(), n);
    let insert = format!(
        "INSERT INTO orm_test (name, value) VALUES ({}, {})",
        p(1),
        p(2)
    );
    let done = db.execute(&insert, values!["a", "x"]).await?;
    assert_eq!(done.rows_affected, 1);
    let stored = db.query::<OrmTest>().one().await?;
    if db.capabilities().last_insert_id {
        assert_eq!(done.last_insert_id, stored.id);
    } else {
        assert_eq!(done.last_insert_id, None);
        // The portable way: INSERT ... RETURNING where there is one.
        let id: i64 = db
            .fetch_val(format!("{insert} RETURNING id"), ("b", None::<String>))
            .await?;
        assert_eq!(db.query::<OrmTest>().get(id).await?.unwrap().name, "b");
    }
    // A statement that inserts nothing reports no key.
    let done = db
        .execute(
            format!("UPDATE orm_test SET value = {} WHERE name = {}", p(1), p(2)),
            ("y", "a"),
        )
        .await?;
    assert_eq!((done.rows_affected, done.last_insert_id), (1, None));
    let none = db.execute("DELETE FROM orm_test WHERE 1 = 0", ()).await?;
    assert_eq!(none.rows_affected, 0);
    Ok(())
}

/// Rows of a raw query read by column name and by position, typed; NULL reads into an
/// `Option`.
pub async fn raw_rows_by_name_and_position(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add_all(&mut [OrmTest::new("a", Some("x")), OrmTest::new("b", None)])
        .await?;
    let sql = format!(
        "SELECT id, name, value FROM orm_test WHERE name <> {} ORDER BY id",
        placeholder(db.backend(), 1)
    );
    let rows = db.fetch_all(&sql, ("zz",)).await?;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].len(), 3);
    assert_eq!(
        rows[0].column_names().collect::<Vec<_>>(),
        ["id", "name", "value"]
    );
    assert_eq!(rows[0].get::<String>("name")?, "a");
    assert_eq!(rows[0].get::<String>(1)?, "a");
    assert_eq!(
        rows[0].get::<Option<String>>("value")?.as_deref(),
        Some("x")
    );
    assert_eq!(rows[1].get::<Option<String>>(2)?, None);
    assert!(rows[0].get::<i64>("id")? < rows[1].get::<i64>(0)?);

    let one = db.fetch_one(&sql, ("a",)).await?;
    assert_eq!(one.get::<String>("name")?, "b");
    let optional = db.fetch_optional(&sql, ("a",)).await?;
    assert!(optional.is_some());
    let nothing = db
        .fetch_optional("SELECT id FROM orm_test WHERE 1 = 0", ())
        .await?;
    assert!(nothing.is_none());
    let err = db
        .fetch_one("SELECT id FROM orm_test WHERE 1 = 0", ())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");

    let count: i64 = db.fetch_val("SELECT count(*) FROM orm_test", ()).await?;
    assert_eq!(count, 2);
    let name: String = db
        .fetch_val(
            format!(
                "SELECT name FROM orm_test WHERE value = {}",
                placeholder(db.backend(), 1)
            ),
            vec![om::Value::from("x")],
        )
        .await?;
    assert_eq!(name, "a");
    let missing = db
        .fetch_val::<i64>("SELECT id FROM orm_test WHERE 1 = 0", ())
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");

    let streamed: Vec<String> = db
        .iterate(&sql, ("zz",))
        .and_then(|row| async move { row.get::<String>("name") })
        .try_collect()
        .await?;
    assert_eq!(streamed, ["a", "b"]);
    Ok(())
}

/// An unknown column, a position past the last column, a NULL read into a non-`Option`
/// and a value of another type are each a typed `Error::Column` naming the column.
pub async fn raw_row_errors_are_typed(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add(&mut OrmTest::new("a", None)).await?;
    let row = db
        .fetch_one("SELECT id, name, value FROM orm_test", ())
        .await?;
    let column_error = |e: Error| match e {
        Error::Column { column, reason } => (column, reason),
        other => panic!("expected Error::Column, got {other:?}"),
    };
    let (column, source) = column_error(row.get::<i64>("nope").unwrap_err());
    assert_eq!(
        (column.as_str(), source),
        ("nope", DecodeError::UnknownColumn)
    );
    let (column, source) = column_error(row.get::<i64>(3).unwrap_err());
    assert_eq!(
        (column.as_str(), source),
        ("#3", DecodeError::MissingColumn { index: 3 })
    );
    let (column, source) = column_error(row.get::<String>("value").unwrap_err());
    assert_eq!(column, "value");
    assert!(
        matches!(source, DecodeError::UnexpectedNull { .. }),
        "{source:?}"
    );
    let err = row.get::<i64>("name").unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::Value);
    let (column, source) = column_error(err);
    assert_eq!(column, "name");
    assert!(matches!(source, DecodeError::Mismatch { .. }), "{source:?}");
    // Bad SQL is the database's error, and changes nothing.
    let err = db
        .execute("INSERT INTO orm_test (no_such_column) VALUES (1)", ())
        .await
        .unwrap_err();
    assert!(
        !matches!(err, Error::Column { .. } | Error::NotFound { .. }),
        "{err:?}"
    );
    assert_eq!(db.query::<OrmTest>().count().await?, 1);
    Ok(())
}

/// A sea-query statement built over a model's table and columns runs on every backend,
/// rendered in its dialect; raw SQL runs in a transaction too.
pub async fn sea_query_statements_run_on_every_backend(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let table = OrmTest::table();
    let c = OrmTest::columns();
    let mut insert = Query::insert();
    insert
        .into_table(table.iden())
        .columns([table.column("name").unwrap().iden(), c.value.iden().1])
        .values_panic(["built".into(), "v".into()])
        .values_panic(["also built".into(), Expr::val(om::Value::String(None))]);
    let done = db.execute(&insert, ()).await?;
    assert_eq!(done.rows_affected, 2);

    let mut select = Query::select();
    select
        .columns([c.id.iden(), c.name.iden()])
        .from(table.iden())
        .and_where(Expr::col(c.value.iden()).is_null())
        .order_by(c.id.iden(), Order::Asc);
    let rows = db.fetch_all(&select, ()).await?;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<String>("name")?, "also built");

    let tx = db.begin().await?;
    let mut update = Query::update();
    update
        .table(table.iden())
        .value(c.value.iden().1, "set")
        .and_where(Expr::col(c.name.iden()).eq("also built"));
    assert_eq!(tx.execute(&update, ()).await?.rows_affected, 1);
    let in_tx: i64 = tx
        .fetch_val(
            Query::select()
                .expr(Expr::col(c.id.iden()).count())
                .from(table.iden())
                .and_where(Expr::col(c.value.iden()).eq("set"))
                .to_owned(),
            (),
        )
        .await?;
    assert_eq!(in_tx, 1);
    tx.commit().await?;

    let mut delete = Query::delete();
    delete
        .from_table(table.iden())
        .and_where(Expr::col(c.name.iden()).eq("built"));
    assert_eq!(db.execute(delete, ()).await?.rows_affected, 1);
    assert_eq!(db.query::<OrmTest>().count().await?, 1);
    // A built statement carries its own values: extra ones are refused.
    let err = db.fetch_all(&select, ("extra",)).await.unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    Ok(())
}

/// om's `$1, $2, ...` placeholders run unchanged on every backend (a repeated `$n`
/// binds its value again), text that only looks like a placeholder (in strings, quoted
/// identifiers, comments) is left alone, and each dialect's own placeholders still work.
pub async fn portable_placeholders(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let inserted = db
        .execute(
            "INSERT INTO orm_test (name, value) VALUES ($1, $2)",
            ("a", "$1 ?"),
        )
        .await?;
    assert_eq!(inserted.rows_affected, 1);
    db.execute(
        "INSERT INTO orm_test (name, value) VALUES ($2, $1) -- $3 is a comment",
        ("b", "c"),
    )
    .await?;
    let n: i64 = db
        .fetch_val(
            "SELECT count(*) FROM orm_test /* $9 */ WHERE (name = $1 OR value = $1) AND '$2 ?' = '$2 ?'",
            ("b",),
        )
        .await?;
    assert_eq!(n, 1, "the row named b");
    let n: i64 = db
        .fetch_val(
            "SELECT count(*) FROM orm_test WHERE name = $1 OR name = $2 OR value = $1",
            ("a", "c"),
        )
        .await?;
    assert_eq!(n, 2);
    let value: Option<String> = db
        .fetch_val("SELECT value FROM orm_test WHERE name = $1", ("a",))
        .await?;
    assert_eq!(value.as_deref(), Some("$1 ?"), "a value is never rewritten");
    // The dialect's own placeholders.
    let own = format!(
        "SELECT count(*) FROM orm_test WHERE name = {} OR name = {}",
        placeholder(db.backend(), 1),
        placeholder(db.backend(), 2)
    );
    assert_eq!(db.fetch_val::<i64>(own.as_str(), ("a", "c")).await?, 2);
    Ok(())
}

/// A wrong number of bound values is `Error::BindCount`, naming both numbers, on every
/// backend, before the statement runs: too few no longer reads no rows (SQLite), too
/// many is no longer ignored (SQLite, PostgreSQL), and neither is a connection error
/// (MySQL). Nothing is written.
pub async fn wrong_bind_counts_are_refused_before_running(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let p = |n| placeholder(db.backend(), n);
    let insert = format!(
        "INSERT INTO orm_test (name, value) VALUES ({}, {})",
        p(1),
        p(2)
    );
    let err = db
        .execute(insert.as_str(), ("only one",))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BindCount {
                placeholders: 2,
                values: 1
            }
        ),
        "{err:?}"
    );
    let err = db
        .execute(insert.as_str(), ("a", "b", "c"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BindCount {
                placeholders: 2,
                values: 3
            }
        ),
        "{err:?}"
    );
    let err = db
        .fetch_all("SELECT * FROM orm_test WHERE name = $1", ())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BindCount {
                placeholders: 1,
                values: 0
            }
        ),
        "{err:?}"
    );
    let err = db.fetch_all("SELECT 1", ("extra",)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::BindCount {
                placeholders: 0,
                values: 1
            }
        ),
        "{err:?}"
    );
    assert_ne!(err.kind(), om::ErrorKind::Connection);
    assert!(!err.is_retryable());
    assert_eq!(
        db.query::<OrmTest>().count().await?,
        0,
        "nothing was written"
    );
    Ok(())
}

/// `fetch_val` into an `Option` is `None` when the query finds no row (as for NULL);
/// into a plain type, no row is `NotFound`.
pub async fn fetch_val_of_no_row(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let none: Option<String> = db
        .fetch_val("SELECT name FROM orm_test WHERE name = $1", ("nobody",))
        .await?;
    assert_eq!(none, None);
    let err = db
        .fetch_val::<String>("SELECT name FROM orm_test WHERE name = $1", ("nobody",))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    db.add(&mut OrmTest::new("somebody", None)).await?;
    let null: Option<String> = db
        .fetch_val("SELECT value FROM orm_test WHERE name = $1", ("somebody",))
        .await?;
    assert_eq!(null, None);
    let found: Option<String> = db
        .fetch_val("SELECT name FROM orm_test WHERE name = $1", ("somebody",))
        .await?;
    assert_eq!(found.as_deref(), Some("somebody"));
    Ok(())
}

/// `execute_many` runs a statement once per set of values in one transaction: every set
/// applies, or (one set failing) none does.
pub async fn execute_many_is_all_or_nothing(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let insert = "INSERT INTO orm_test (id, name) VALUES ($1, $2)";
    let n = db
        .execute_many(insert, [(1_i64, "a"), (2, "b"), (3, "c")])
        .await?;
    assert_eq!(n, 3);
    let err = db
        .execute_many(insert, [(4_i64, "d"), (1, "duplicate key")])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::UniqueViolation, "{err:?}");
    assert_eq!(
        db.query::<OrmTest>().count().await?,
        3,
        "no set of the failed call stays"
    );
    let tx = db.begin().await?;
    assert_eq!(tx.execute_many(insert, [(5_i64, "e")]).await?, 1);
    tx.rollback().await?;
    assert_eq!(db.query::<OrmTest>().count().await?, 3);
    Ok(())
}
