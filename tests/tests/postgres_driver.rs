//! PostgreSQL-specific behaviour of the driver, on a live server at
//! `OM_TEST_POSTGRES_URL` (each test in a database of its own). Without the variable
//! the tests are ignored, with that reason. The conformance suite (`postgres.rs`)
//! covers the portable behaviour; these cover the driver's own quirks.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};

use om::driver::{Driver, Executor, Pool};
use om::ir::{Insert, Projection, Select, Statement};
use om::model::{ColumnMeta, ColumnType, TableMeta};
use om::postgres::PostgresDriver;
use om::{DatabaseUrl, DecodeError, Error, ErrorKind, Row, Value};

/// A fresh database, dropped by [`Fresh::cleanup`].
struct Fresh {
    pool: Box<dyn Pool>,
    admin: Box<dyn Pool>,
    name: String,
}

async fn connect(url: &str) -> Result<Box<dyn Pool>, Error> {
    PostgresDriver.connect(&DatabaseUrl::parse(url)?).await
}

fn raw(sql: &str, values: Vec<Value>) -> Statement {
    Statement::Raw {
        sql: sql.into(),
        values,
    }
}

/// A fresh database on the server, or `None` (with a note) when there is no server.
async fn fresh() -> Option<Fresh> {
    let Ok(server) = std::env::var("OM_TEST_POSTGRES_URL") else {
        eprintln!("skipped: OM_TEST_POSTGRES_URL is not set");
        return None;
    };
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "om_pg_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let admin = connect(&server).await.unwrap();
    admin
        .execute(&raw(&format!("CREATE DATABASE {name}"), vec![]))
        .await
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&format!("/{name}"));
    let pool = connect(url.as_str()).await.unwrap();
    Some(Fresh { pool, admin, name })
}

impl Fresh {
    async fn cleanup(self) {
        self.pool.close().await;
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        self.admin.execute(&raw(&drop, vec![])).await.unwrap();
        self.admin.close().await;
    }
}

/// Every row of a query, each read by `read`.
async fn rows<T: Send>(
    exec: &dyn Executor,
    stmt: &Statement,
    read: impl Fn(&dyn Row) -> T + Send + Sync,
) -> Result<Vec<T>, Error> {
    let mut out = Vec::new();
    exec.fetch(stmt, &mut |row| {
        out.push(read(row));
        Ok(())
    })
    .await?;
    Ok(out)
}

async fn count(exec: &dyn Executor, table: &'static TableMeta) -> i64 {
    let mut s = Select::new(table);
    s.projection = Projection::Count;
    rows(exec, &Statement::Select(s), |r| {
        r.get_i64(0).unwrap().unwrap()
    })
    .await
    .unwrap()[0]
}

const fn key(name: &'static str, ty: ColumnType) -> ColumnMeta {
    let mut id = ColumnMeta::new(name, name, ty);
    id.primary_key = true;
    id.generated = true;
    id.nullable = true;
    id
}

static BIG: [ColumnMeta; 2] = [
    key("id", ColumnType::BigInt),
    ColumnMeta::new("name", "name", ColumnType::Text(Some(20))),
];
static BIG_TABLE: TableMeta = TableMeta {
    name: "Big Keys",
    model: "Big",
    columns: &BIG,
    primary_key: &[0],
    parent: None,
};
static SMALL: [ColumnMeta; 2] = [
    key("Id", ColumnType::SmallInt),
    ColumnMeta::new("name", "name", ColumnType::Text(None)),
];
static SMALL_TABLE: TableMeta = TableMeta {
    name: "small",
    model: "Small",
    columns: &SMALL,
    primary_key: &[0],
    parent: None,
};

/// `BIG_TABLE` seen through a field of 32 bits.
static NARROW: [ColumnMeta; 2] = [
    key("id", ColumnType::Integer),
    ColumnMeta::new("name", "name", ColumnType::Text(Some(20))),
];
static NARROW_VIEW: TableMeta = TableMeta {
    name: "Big Keys",
    model: "Narrow",
    columns: &NARROW,
    primary_key: &[0],
    parent: None,
};

fn insert(table: &'static TableMeta, keys: &[Option<i64>]) -> Insert {
    let explicit = keys.iter().any(Option::is_some);
    let columns: Vec<&'static ColumnMeta> = if explicit {
        table.columns.iter().collect()
    } else {
        table.columns[1..].iter().collect()
    };
    let rows = keys
        .iter()
        .map(|k| {
            let mut row = Vec::new();
            if explicit {
                row.push(match table.columns[0].ty {
                    ColumnType::SmallInt => Value::SmallInt(k.map(|k| k as i16)),
                    _ => Value::BigInt(*k),
                });
            }
            row.push(Value::String(Some("x".into())));
            row
        })
        .collect();
    Insert {
        table,
        columns,
        rows,
        returning: if explicit {
            None
        } else {
            Some(&table.columns[0])
        },
    }
}

async fn add(exec: &dyn Executor, table: &'static TableMeta) -> i64 {
    exec.insert_returning(insert(table, &[None])).await.unwrap()
}

async fn add_with(exec: &dyn Executor, table: &'static TableMeta, keys: &[i64]) {
    let keys: Vec<_> = keys.iter().copied().map(Some).collect();
    exec.execute(&Statement::Insert(insert(table, &keys)))
        .await
        .unwrap();
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn explicit_keys_advance_the_sequence() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    for t in [&BIG_TABLE, &SMALL_TABLE] {
        exec.execute(&Statement::CreateTable(t)).await.unwrap();
        assert_eq!(add(exec, t).await, 1);
        add_with(exec, t, &[5]).await;
        assert_eq!(add(exec, t).await, 6, "{}: past the explicit key", t.name);
        add_with(exec, t, &[3]).await;
        assert_eq!(
            add(exec, t).await,
            7,
            "{}: a lower key leaves it alone",
            t.name
        );
        add_with(exec, t, &[20, 11]).await;
        assert_eq!(
            add(exec, t).await,
            21,
            "{}: past the largest of a batch",
            t.name
        );

        // Inside a transaction, and in a savepoint rolled back: the sequence does not
        // go back either way (it is not transactional), and nothing collides.
        let tx = exec.begin().await.unwrap();
        add_with(&*tx, t, &[30]).await;
        let sp = tx.begin().await.unwrap();
        add_with(&*sp, t, &[40]).await;
        sp.rollback().await.unwrap();
        assert_eq!(add(&*tx, t).await, 41);
        tx.commit().await.unwrap();
        assert_eq!(count(exec, t).await, 10);
    }
    db.cleanup().await;
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn a_fresh_sequence_skips_an_explicit_first_key() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    exec.execute(&Statement::CreateTable(&BIG_TABLE))
        .await
        .unwrap();
    add_with(exec, &BIG_TABLE, &[1]).await;
    assert_eq!(add(exec, &BIG_TABLE).await, 2);
    db.cleanup().await;
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn narrow_columns_widen() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    let sql = "SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, 2.5::float8, \
               'v'::varchar(4), 'c'::char(3), 'n'::name, '{\"a\":1}'::json, '{\"b\":2}'::jsonb, \
               12345678901234567890::numeric, (SELECT sum(x) FROM (VALUES (1::int8), (2::int8)) AS v(x)), \
               (SELECT avg(x) FROM (VALUES (1), (2)) AS v(x)), count(*), \
               '2024-01-02 03:04:05+00'::timestamptz, '2024-01-02 03:04:05'::timestamp, NULL::int4";
    let checks = rows(exec, &raw(sql, vec![]), |r| {
        assert_eq!(r.len(), 17);
        assert_eq!(r.get_i16(0).unwrap(), Some(1));
        assert_eq!(r.get_i32(0).unwrap(), Some(1));
        assert_eq!(r.get_i64(0).unwrap(), Some(1));
        assert_eq!(r.get_i32(1).unwrap(), Some(2));
        assert_eq!(r.get_i64(1).unwrap(), Some(2));
        assert_eq!(r.get_i64(2).unwrap(), Some(3));
        assert_eq!(r.get_decimal(2).unwrap(), Some(3.into()));
        assert_eq!(r.get_f32(3).unwrap(), Some(1.5));
        assert_eq!(r.get_f64(3).unwrap(), Some(1.5));
        assert_eq!(r.get_f64(4).unwrap(), Some(2.5));
        assert_eq!(r.get_string(5).unwrap().as_deref(), Some("v"));
        assert_eq!(r.get_string(6).unwrap().as_deref(), Some("c  "));
        assert_eq!(r.get_string(7).unwrap().as_deref(), Some("n"));
        assert_eq!(r.get_json(8).unwrap(), Some(serde_json::json!({"a": 1})));
        assert_eq!(r.get_json(9).unwrap(), Some(serde_json::json!({"b": 2})));
        assert_eq!(
            r.get_decimal(10).unwrap(),
            Some("12345678901234567890".parse().unwrap())
        );
        // Out of i64's range: refused by the conversion rules, naming both types and the
        // value, not a wrapped number.
        let refused = r.get_i64(10).unwrap_err();
        assert!(
            matches!(refused, DecodeError::Lossy { to: "i64", .. }),
            "{refused:?}"
        );
        assert!(
            refused.to_string().contains("12345678901234567890"),
            "{refused}"
        );
        assert_eq!(r.get_i64(11).unwrap(), Some(3), "SUM(bigint) is numeric");
        assert_eq!(r.get_f64(12).unwrap(), Some(1.5), "AVG(int) is numeric");
        assert_eq!(r.get_i64(13).unwrap(), Some(1), "COUNT(*) is int8");
        let utc = r.get_datetime_utc(14).unwrap().unwrap();
        assert_eq!(utc.to_rfc3339(), "2024-01-02T03:04:05+00:00");
        assert_eq!(r.get_datetime(14).unwrap(), Some(utc.naive_utc()));
        assert_eq!(r.get_datetime(15).unwrap(), Some(utc.naive_utc()));
        assert_eq!(r.get_datetime_utc(15).unwrap(), Some(utc));
        assert_eq!(r.get_i32(16).unwrap(), None);
        assert_eq!(
            r.get_string(16).unwrap(),
            None,
            "NULL is NULL whatever the type"
        );

        // In-range narrowing is accepted (the conversion rules of every backend);
        // cross-type reads are refused, naming both types.
        assert_eq!(r.get_i16(1), Ok(Some(2)));
        assert_eq!(
            r.get_string(1),
            Err(DecodeError::Mismatch {
                expected: "String",
                found: "INT4".into()
            })
        );
        assert_eq!(
            r.get_i64(5),
            Err(DecodeError::Mismatch {
                expected: "i64",
                found: "VARCHAR".into()
            })
        );
        // A double that a float holds exactly reads as one.
        assert_eq!(r.get_f32(4), Ok(Some(2.5)));
        assert!(matches!(
            r.get_json(5),
            Err(DecodeError::Mismatch {
                expected: "serde_json::Value",
                ..
            })
        ));
        assert_eq!(
            r.get_bool(17),
            Err(DecodeError::MissingColumn { index: 17 })
        );
    })
    .await
    .unwrap();
    assert_eq!(checks.len(), 1);
    db.cleanup().await;
}

/// A nullable column of every type, and the value each is written with.
static TYPED: [ColumnMeta; 15] = {
    const fn n(name: &'static str, ty: ColumnType) -> ColumnMeta {
        let mut c = ColumnMeta::new(name, name, ty);
        c.nullable = true;
        c
    }
    [
        n("b", ColumnType::Bool),
        n("i2", ColumnType::SmallInt),
        n("i4", ColumnType::Integer),
        n("i8", ColumnType::BigInt),
        n("f4", ColumnType::Float),
        n("f8", ColumnType::Double),
        n("s", ColumnType::Text(Some(10))),
        n("bytes", ColumnType::Bytes),
        n("day", ColumnType::Date),
        n("at", ColumnType::Time),
        n("local", ColumnType::DateTime),
        n("utc", ColumnType::DateTimeUtc),
        n("uid", ColumnType::Uuid),
        n("price", ColumnType::Decimal),
        n("doc", ColumnType::Json),
    ]
};
static TYPED_TABLE: TableMeta = TableMeta {
    name: "typed",
    model: "Typed",
    columns: &TYPED,
    primary_key: &[],
    parent: None,
};

fn typed_values(null: bool) -> Vec<Value> {
    use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let at = NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).unwrap();
    let v = |value: Value| if null { none_of(&value) } else { value };
    vec![
        v(Value::Bool(Some(false))),
        v(Value::SmallInt(Some(-7))),
        v(Value::Int(Some(i32::MIN))),
        v(Value::BigInt(Some(i64::MAX))),
        v(Value::Float(Some(0.25))),
        v(Value::Double(Some(-1e300))),
        v(Value::String(Some("ünïcødé".into()))),
        v(Value::Bytes(Some(vec![0, 255, 1]))),
        v(Value::ChronoDate(Some(day))),
        v(Value::ChronoTime(Some(at))),
        v(Value::ChronoDateTime(Some(day.and_time(at)))),
        v(Value::ChronoDateTimeUtc(Some(
            Utc.from_utc_datetime(&day.and_time(at)),
        ))),
        v(Value::Uuid(Some(uuid::Uuid::from_u128(0x1234_5678)))),
        v(Value::Decimal(Some(
            "-12345678901234.000000000001".parse().unwrap(),
        ))),
        v(Value::Json(Some(Box::new(
            serde_json::json!({"k": [1, "two", null], "n": 1.5}),
        )))),
    ]
}

/// The NULL of `value`'s type.
fn none_of(value: &Value) -> Value {
    match value {
        Value::Bool(_) => Value::Bool(None),
        Value::SmallInt(_) => Value::SmallInt(None),
        Value::Int(_) => Value::Int(None),
        Value::BigInt(_) => Value::BigInt(None),
        Value::Float(_) => Value::Float(None),
        Value::Double(_) => Value::Double(None),
        Value::String(_) => Value::String(None),
        Value::Bytes(_) => Value::Bytes(None),
        Value::ChronoDate(_) => Value::ChronoDate(None),
        Value::ChronoTime(_) => Value::ChronoTime(None),
        Value::ChronoDateTime(_) => Value::ChronoDateTime(None),
        Value::ChronoDateTimeUtc(_) => Value::ChronoDateTimeUtc(None),
        Value::Uuid(_) => Value::Uuid(None),
        Value::Decimal(_) => Value::Decimal(None),
        Value::Json(_) => Value::Json(None),
        other => panic!("no NULL for {other:?}"),
    }
}

/// Reads the row back into values of the same types.
fn read_typed(r: &dyn Row) -> Vec<Value> {
    vec![
        Value::Bool(r.get_bool(0).unwrap()),
        Value::SmallInt(r.get_i16(1).unwrap()),
        Value::Int(r.get_i32(2).unwrap()),
        Value::BigInt(r.get_i64(3).unwrap()),
        Value::Float(r.get_f32(4).unwrap()),
        Value::Double(r.get_f64(5).unwrap()),
        Value::String(r.get_string(6).unwrap()),
        Value::Bytes(r.get_bytes(7).unwrap()),
        Value::ChronoDate(r.get_date(8).unwrap()),
        Value::ChronoTime(r.get_time(9).unwrap()),
        Value::ChronoDateTime(r.get_datetime(10).unwrap()),
        Value::ChronoDateTimeUtc(r.get_datetime_utc(11).unwrap()),
        Value::Uuid(r.get_uuid(12).unwrap()),
        Value::Decimal(r.get_decimal(13).unwrap()),
        Value::Json(r.get_json(14).unwrap().map(Box::new)),
    ]
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn every_type_and_its_typed_null_round_trip() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    exec.execute(&Statement::CreateTable(&TYPED_TABLE))
        .await
        .unwrap();
    let insert = Insert {
        table: &TYPED_TABLE,
        columns: TYPED.iter().collect(),
        rows: vec![typed_values(false), typed_values(true)],
        returning: None,
    };
    assert_eq!(exec.execute(&Statement::Insert(insert)).await.unwrap(), 2);
    let mut select = Select::new(&TYPED_TABLE);
    select.order.push(om::Order {
        column: om::expr::ColumnRef {
            table: "typed",
            column: "b",
        },
        descending: false,
    });
    let read = rows(exec, &Statement::Select(select), read_typed)
        .await
        .unwrap();
    assert_eq!(read, vec![typed_values(false), typed_values(true)]);

    // Filtering with each typed NULL and value binds too.
    for (i, c) in TYPED.iter().enumerate() {
        let mut s = Select::new(&TYPED_TABLE);
        s.projection = Projection::Count;
        if c.ty == ColumnType::Json {
            continue; // jsonb = jsonb works, but equality of documents is not the point
        }
        s.and_where(om::Expr::Compare {
            column: om::expr::ColumnRef {
                table: "typed",
                column: c.name,
            },
            op: om::expr::CmpOp::Eq,
            value: typed_values(false).swap_remove(i),
        });
        let n = rows(exec, &Statement::Select(s), |r| r.get_i64(0).unwrap())
            .await
            .unwrap();
        assert_eq!(n, vec![Some(1)], "{}", c.name);
    }
    db.cleanup().await;
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn raw_scripts_and_placeholders() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    let affected = exec
        .execute(&raw(
            "CREATE TABLE a (x int4 CHECK (x < 100), y int4 NOT NULL DEFAULT 0); \
             INSERT INTO a (x) VALUES (1), (2); INSERT INTO a (x) VALUES (3)",
            vec![],
        ))
        .await
        .unwrap();
    assert_eq!(affected, 3, "a script without values runs whole");
    let found = rows(
        exec,
        &raw(
            "SELECT x FROM a WHERE x > $1 AND y = $2 ORDER BY x",
            vec![1i64.into(), 0i32.into()],
        ),
        |r| r.get_i64(0).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(found, vec![Some(2), Some(3)]);
    db.cleanup().await;
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn errors_are_typed() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    exec.execute(&raw(
        "CREATE TABLE p (id int4 PRIMARY KEY); \
         CREATE TABLE c (id int4 PRIMARY KEY, p int4 REFERENCES p (id), n int4 NOT NULL CHECK (n > 0))",
        vec![],
    ))
    .await
    .unwrap();
    exec.execute(&raw("INSERT INTO p VALUES (1)", vec![]))
        .await
        .unwrap();
    let insert = "INSERT INTO c (id, p, n) VALUES ($1, $2, $3)";
    for (values, kind) in [
        (
            vec![1.into(), 2.into(), 1.into()],
            ErrorKind::ForeignKeyViolation,
        ),
        (
            vec![1.into(), 1.into(), Value::Int(None)],
            ErrorKind::NotNullViolation,
        ),
        (
            vec![1.into(), 1.into(), 0.into()],
            ErrorKind::CheckViolation,
        ),
        (
            vec![Value::Int(None), 1.into(), 1.into()],
            ErrorKind::NotNullViolation,
        ),
    ] {
        let values: Vec<Value> = values;
        let err = exec.execute(&raw(insert, values)).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
    }
    exec.execute(&raw(insert, vec![1.into(), 1.into(), 1.into()]))
        .await
        .unwrap();
    let err = exec
        .execute(&raw(insert, vec![1.into(), 1.into(), 1.into()]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err}");

    exec.execute(&Statement::CreateTable(&BIG_TABLE))
        .await
        .unwrap();
    let err = exec
        .insert_returning(Insert {
            table: &BIG_TABLE,
            columns: vec![&BIG[1]],
            rows: vec![vec!["x".repeat(21).into()]],
            returning: Some(&BIG[0]),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ValueTooLong, "{err}");

    let err = exec
        .execute(&raw("SELECT * FROM nowhere", vec![]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::TableNotFound { table, .. } if table == "nowhere"),
        "{err:?}"
    );
    let err = exec.execute(&raw("SELEKT 1", vec![])).await.unwrap_err();
    assert!(
        matches!(&err, Error::Database(server) if server.code() == Some("42601")),
        "{err:?}"
    );
    db.cleanup().await;
}

static ROWS: [ColumnMeta; 1] = [key("id", ColumnType::Integer)];
static ROWS_TABLE: TableMeta = TableMeta {
    name: "rows",
    model: "Rows",
    columns: &ROWS,
    primary_key: &[0],
    parent: None,
};

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn savepoints_recover_an_aborted_transaction() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    exec.execute(&Statement::CreateTable(&ROWS_TABLE))
        .await
        .unwrap();
    let dup = |id: i32| {
        Statement::Insert(Insert {
            table: &ROWS_TABLE,
            columns: vec![&ROWS[0]],
            rows: vec![vec![id.into()]],
            returning: None,
        })
    };

    let tx = exec.begin().await.unwrap();
    tx.execute(&dup(1)).await.unwrap();
    let sp = tx.begin().await.unwrap();
    let err = sp.execute(&dup(1)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation);
    sp.rollback().await.unwrap();
    tx.execute(&dup(2)).await.unwrap();

    // A savepoint dropped unfinished is undone, also when the transaction commits next.
    let sp = tx.begin().await.unwrap();
    sp.execute(&dup(3)).await.unwrap();
    let nested = sp.begin().await.unwrap();
    nested.execute(&dup(4)).await.unwrap();
    drop(nested);
    drop(sp);
    tx.commit().await.unwrap();
    assert_eq!(count(exec, &ROWS_TABLE).await, 2);

    // Without a savepoint, an error aborts the whole transaction.
    let tx = exec.begin().await.unwrap();
    tx.execute(&dup(1)).await.unwrap_err();
    let err = tx.execute(&dup(9)).await.unwrap_err();
    assert!(matches!(&err, Error::TransactionAborted { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::TransactionAborted);
    tx.rollback().await.unwrap();
    assert_eq!(count(exec, &ROWS_TABLE).await, 2);
    db.cleanup().await;
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn connection_errors_hide_the_password() {
    // Nothing listens on port 1.
    let url = "postgresql://om:p%40ss%23word@127.0.0.1:1/db?acquire_timeout=1&application_name=om";
    let err = connect(url).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains("p%40ss") && !shown.contains("p@ss"),
            "{shown}"
        );
        assert!(shown.contains("127.0.0.1:1"), "{shown}");
    }
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn user_and_password_are_percent_decoded() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    // A role whose name and password need encoding; the server checks the password only
    // when its authentication asks for one, so this checks the name for certain.
    let role = format!("{}_u@s", db.name);
    let create = format!("CREATE ROLE \"{role}\" LOGIN PASSWORD 'p@ss#word'");
    exec.execute(&raw(&create, vec![])).await.unwrap();
    let server = std::env::var("OM_TEST_POSTGRES_URL").unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_username(&role).unwrap();
    url.set_password(Some("p@ss#word")).unwrap();
    url.set_path(&format!("/{}", db.name));
    assert!(url.as_str().contains("p%40ss%23word"), "{url}");
    let user = connect(url.as_str()).await.unwrap();
    let who = rows(&*user, &raw("SELECT current_user::text", vec![]), |r| {
        r.get_string(0).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(who, vec![Some(role.clone())]);
    user.close().await;
    db.cleanup().await;
    let admin = connect(&server).await.unwrap();
    admin
        .execute(&raw(&format!("DROP ROLE IF EXISTS \"{role}\""), vec![]))
        .await
        .unwrap();
    admin.close().await;
}

/// TLS end to end, on a server that serves it (the local one does, with Debian's
/// self-signed snake-oil certificate): built with the `tls` feature only.
#[cfg(feature = "tls")]
mod tls {
    use om::{Database, Error, ErrorKind};

    /// The server's own certificate, standing as the root of trust for `verify-ca`.
    const SERVER_CERT: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    /// Roots that did not sign the server's certificate.
    const OTHER_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";
    /// A password the server's trust authentication ignores, to look for in errors.
    const PASSWORD: &str = "hunter2tls";

    /// The server's URL with `PASSWORD` and `options` added.
    fn url(options: &str) -> String {
        let server = std::env::var("OM_TEST_POSTGRES_URL").unwrap();
        let mut url = url::Url::parse(&server).unwrap();
        url.set_password(Some(PASSWORD)).unwrap();
        let sep = if url.query().is_some() { '&' } else { '?' };
        format!("{url}{sep}{options}")
    }

    async fn encrypted(db: &Database) -> bool {
        db.fetch_val(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            (),
        )
        .await
        .unwrap()
    }

    fn assert_hidden(err: &Error) {
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(PASSWORD), "{shown}");
        }
    }

    #[tokio::test]
    #[cfg_attr(
        not(any(om_test_postgres, om_require_all)),
        ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
    )]
    async fn sslmode_require_encrypts() {
        let db = Database::connect(&url("sslmode=require")).await.unwrap();
        assert!(encrypted(&db).await);
        assert!(!db.url().to_string().contains(PASSWORD));
        db.close().await;
        let db = Database::connect(&url("ssl=true")).await.unwrap();
        assert!(encrypted(&db).await);
        db.close().await;
        let db = Database::connect(&url("sslmode=disable")).await.unwrap();
        assert!(!encrypted(&db).await, "sslmode=disable is clear text");
        db.close().await;
    }

    #[tokio::test]
    #[cfg_attr(
        not(any(om_test_postgres, om_require_all)),
        ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
    )]
    async fn sslmode_verify_ca_checks_the_root() {
        let db = Database::connect(&url(&format!(
            "sslmode=verify-ca&sslrootcert={SERVER_CERT}"
        )))
        .await
        .unwrap();
        assert!(encrypted(&db).await);
        db.close().await;

        // Roots that did not sign the certificate: refused, as a connection error.
        let other = Database::connect(&url(&format!(
            "sslmode=verify-ca&sslrootcert={OTHER_ROOTS}&acquire_timeout=5"
        )))
        .await;
        if cfg!(feature = "tls-native-roots") {
            // With the platform's roots, sqlx trusts them as well as `sslrootcert`'s,
            // and the platform's certificate folder holds the server's own certificate
            // (SERVER_CERT is in it): verified, and accepted.
            let db = other.expect("the platform's roots hold the server's certificate");
            assert!(encrypted(&db).await);
            db.close().await;
        } else {
            let err = other.unwrap_err();
            assert!(matches!(err, Error::Connection { .. }), "{err:?}");
            assert_eq!(err.kind(), ErrorKind::Connection);
            assert_hidden(&err);
        }

        // verify-full also checks the name: the certificate is for `localhost`.
        let err = Database::connect(&url(&format!(
            "sslmode=verify-full&sslrootcert={SERVER_CERT}&host=127.0.0.1"
        )))
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
        assert_hidden(&err);

        // A root file that does not exist: refused, and typed, without the password.
        let err = Database::connect(&url(
            "sslmode=verify-ca&sslrootcert=/nonexistent/om-root.pem",
        ))
        .await
        .unwrap_err();
        assert!(
            matches!(err, Error::Connection { .. } | Error::InvalidUrl { .. }),
            "{err:?}"
        );
        assert_hidden(&err);
    }
}

/// `rows` rows of `table` (a generated key, then text), every key left NULL for the
/// `COPY` to draw.
fn keyless_rows(table: &'static TableMeta, rows: usize) -> om::ir::InsertRows<'static> {
    use om::ValueRef;
    let values = (0..rows)
        .flat_map(|_| [ValueRef::Owned(Value::BigInt(None)), ValueRef::Text("x")])
        .collect();
    om::ir::InsertRows {
        head: Insert {
            table,
            columns: table.columns.iter().collect(),
            rows: Vec::new(),
            returning: Some(&table.columns[0]),
        },
        rows,
        values,
    }
}

/// The server's clock, as text.
async fn server_time(admin: &dyn Executor) -> String {
    let stmt = raw("SELECT clock_timestamp()::text", vec![]);
    let now = rows(admin, &stmt, |r| {
        r.get_string(0).unwrap().unwrap_or_default()
    });
    now.await.unwrap().pop().unwrap_or_default()
}

/// The last statement of each connection open to the database `name` that started
/// one at `since` (a [`server_time`]) or later.
async fn statements_since(admin: &dyn Executor, name: &str, since: &str) -> Vec<String> {
    let sql =
        "SELECT query FROM pg_stat_activity WHERE datname = $1 AND query_start >= $2::timestamptz";
    let args = vec![Value::from(name), Value::from(since)];
    rows(admin, &raw(sql, args), |r| {
        r.get_string(0).unwrap().unwrap_or_default()
    })
    .await
    .unwrap()
}

/// Each connection open to the database `name`: its server process and its last
/// statement, by process.
async fn activity(admin: &dyn Executor, name: &str) -> Vec<(i64, String)> {
    let sql = "SELECT pid::bigint, query FROM pg_stat_activity WHERE datname = $1 ORDER BY pid";
    rows(admin, &raw(sql, vec![Value::from(name)]), |r| {
        let pid = r.get_i64(0).unwrap().unwrap_or_default();
        (pid, r.get_string(1).unwrap().unwrap_or_default())
    })
    .await
    .unwrap()
}

#[tokio::test]
#[cfg_attr(
    not(any(om_test_postgres, om_require_all)),
    ignore = "OM_TEST_POSTGRES_URL is not set: the PostgreSQL driver tests need a server"
)]
async fn a_large_copy_draws_its_keys_on_a_spare_connection() {
    let Some(db) = fresh().await else {
        panic!("OM_TEST_POSTGRES_URL is not set")
    };
    let exec: &dyn Executor = &*db.pool;
    exec.execute(&Statement::CreateTable(&BIG_TABLE))
        .await
        .unwrap();
    let copied = exec
        .copy_in(keyless_rows(&BIG_TABLE, 10_000))
        .await
        .unwrap();
    assert_eq!(copied.rows, 10_000);
    assert_eq!(copied.keys, (1..=10_000).collect::<Vec<i64>>());
    // The connection of the `COPY` ran it last; another one ran the draws last.
    assert!(
        activity(&*db.admin, &db.name)
            .await
            .iter()
            .any(|(_, q)| q.contains("nextval")),
        "the keys were drawn on a second connection"
    );

    // A pool with no connection to spare draws them first, on its one connection.
    let mut url = url::Url::parse(&std::env::var("OM_TEST_POSTGRES_URL").unwrap()).unwrap();
    url.set_path(&format!("/{}", db.name));
    url.query_pairs_mut().append_pair("max_connections", "1");
    let single = connect(url.as_str()).await.unwrap();
    let copied = single
        .copy_in(keyless_rows(&BIG_TABLE, 10_000))
        .await
        .unwrap();
    assert_eq!(copied.keys, (10_001..=20_000).collect::<Vec<i64>>());
    assert_eq!(count(exec, &BIG_TABLE).await, 20_000);
    single.close().await;

    // A key too large for the column: the COPY is refused whole, in a later draw (the
    // COPY under way) as in the first (made on the spare connection while the COPY
    // starts). The sequence's own limit (`smallserial`) is the server's error...
    exec.execute(&Statement::CreateTable(&SMALL_TABLE))
        .await
        .unwrap();
    let before: Vec<i64> = activity(&*db.admin, &db.name)
        .await
        .iter()
        .map(|(pid, _)| *pid)
        .collect();
    for (from, draw) in [(30_000, "a later draw"), (32_700, "the first draw")] {
        let setval = format!("SELECT setval(pg_get_serial_sequence('small', 'Id'), {from})");
        exec.execute(&raw(&setval, vec![])).await.unwrap();
        let since = server_time(&*db.admin).await;
        let err = exec
            .copy_in(keyless_rows(&SMALL_TABLE, 10_000))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{draw}: {err:?}");
        // The COPY had started on one connection, the failing draw ran on the other
        // (read before anything else runs on the pool).
        let ran = statements_since(&*db.admin, &db.name, &since).await;
        assert!(
            ran.iter().any(|q| q.starts_with("COPY")) && ran.iter().any(|q| q.contains("nextval")),
            "{draw}: {ran:?}"
        );
        assert_eq!(
            count(exec, &SMALL_TABLE).await,
            0,
            "{draw}: no row was written"
        );
    }
    // Both connections went back to the pool, not closed: every server process open
    // before is still open (the pool may have opened more meanwhile, as a connection
    // goes back to it from a task of its own), and the pool loads again.
    let copied = exec.copy_in(keyless_rows(&BIG_TABLE, 5_000)).await.unwrap();
    assert_eq!(copied.keys, (20_001..=25_000).collect::<Vec<i64>>());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let after: Vec<i64> = activity(&*db.admin, &db.name)
        .await
        .iter()
        .map(|(pid, _)| *pid)
        .collect();
    assert!(
        before.iter().all(|pid| after.contains(pid)),
        "no connection was closed: {before:?} then {after:?}"
    );
    // ... and a field narrower than its column (`INTEGER` over a `bigint`) is om's.
    let setval = "SELECT setval(pg_get_serial_sequence('\"Big Keys\"', 'id'), 2147480000)";
    exec.execute(&raw(setval, vec![])).await.unwrap();
    let err = exec
        .copy_in(keyless_rows(&NARROW_VIEW, 10_000))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidValue { .. }), "{err:?}");
    assert_eq!(count(exec, &BIG_TABLE).await, 25_000, "no row was written");
    db.cleanup().await;
}
