//! Driver-level checks against a live MySQL or MariaDB server at `OM_TEST_MYSQL_URL`
//! (ignored, with that reason, when it is unset). The conformance suite
//! in `tests/tests/mysql.rs` covers om's behaviour; these cover what is particular to
//! this driver: lenient row decoding, constraint codes, floats, decimals, time zones,
//! `mariadb://` URLs and percent-encoded passwords.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{TimeZone, Utc};
use om::driver::{Driver, Pool};
use om::expr::{CmpOp, ColumnRef, Expr};
use om::ir::{Insert, Projection, Select, Statement};
use om::mysql::MysqlDriver;
use om::{ColumnMeta, ColumnType, DatabaseUrl, Error, ErrorKind, Row, TableMeta, Value};
use rust_decimal::Decimal;

fn server() -> Option<String> {
    std::env::var("OM_TEST_MYSQL_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

async fn connect(url: &str) -> om::Result<Box<dyn Pool>> {
    MysqlDriver.connect(&DatabaseUrl::parse(url)?).await
}

fn raw(sql: &str, values: Vec<Value>) -> Statement {
    Statement::Raw {
        sql: sql.into(),
        values,
    }
}

/// A fresh database on the server: (admin pool, database pool, database URL, name).
struct Fresh {
    admin: Box<dyn Pool>,
    db: Box<dyn Pool>,
    url: url::Url,
    name: String,
}

async fn fresh(server: &str) -> Fresh {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "om_mysql_live_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = connect(server).await.unwrap();
    admin
        .execute(&raw(&format!("CREATE DATABASE {name}"), vec![]))
        .await
        .unwrap();
    let mut url = url::Url::parse(server).unwrap();
    url.set_path(&format!("/{name}"));
    let db = connect(url.as_str()).await.unwrap();
    Fresh {
        admin,
        db,
        url,
        name,
    }
}

impl Fresh {
    async fn cleanup(self) {
        self.db.close().await;
        self.admin
            .execute(&raw(
                &format!("DROP DATABASE IF EXISTS {}", self.name),
                vec![],
            ))
            .await
            .unwrap();
        self.admin.close().await;
    }
}

/// Every row of `stmt`, each column read by `read`.
async fn rows<T: Send>(
    pool: &dyn Pool,
    stmt: &Statement,
    read: impl Fn(&dyn Row) -> om::Result<T> + Send + Sync,
) -> Vec<T> {
    let mut out = Vec::new();
    pool.fetch(stmt, &mut |row: &dyn Row| {
        out.push(read(row)?);
        Ok(())
    })
    .await
    .unwrap();
    out
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn decode(e: om::DecodeError) -> Error {
    Error::decode("t", "c", e)
}

#[test]
#[cfg_attr(
    not(any(om_test_mysql, om_require_all)),
    ignore = "OM_TEST_MYSQL_URL is not set: the MySQL driver tests need a server"
)]
fn loose_types_decode_leniently() {
    let Some(server) = server() else {
        panic!("OM_TEST_MYSQL_URL is not set")
    };
    rt().block_on(async {
        let f = fresh(&server).await;
        // With and without bound values (raw SQL without values may fall back to text).
        for values in [vec![Value::Int(Some(1))], vec![]] {
            let filter = if values.is_empty() { "1 = 1" } else { "1 = ?" };
            let sql = format!(
                "SELECT CAST(7 AS UNSIGNED), COUNT(*), SUM(2), 1.25e0, CAST(300 AS SIGNED), \
                 CAST(2.5 AS DECIMAL(10, 2)), JSON_OBJECT('a', 1), NULL, 'text' FROM DUAL WHERE {filter}"
            );
            let got = rows(&*f.db, &raw(&sql, values), |r| {
                Ok((
                    r.get_i64(0).map_err(decode)?,
                    r.get_i32(1).map_err(decode)?,
                    r.get_i64(2).map_err(decode)?,
                    r.get_f32(3).map_err(decode)?,
                    // 300 is no boolean: only 0 and 1 read as one, on every backend.
                    r.get_bool(4).is_err(),
                    r.get_f64(5).map_err(decode)?,
                    r.get_json(6).map_err(decode)?,
                    r.get_string(7).map_err(decode)?,
                    r.get_string(8).map_err(decode)?,
                    r.get_decimal(5).map_err(decode)?,
                    r.get_i16(4).map_err(decode)?,
                    r.get_decimal(1).map_err(decode)?,
                ))
            })
            .await;
            assert_eq!(
                got,
                [(
                    Some(7),
                    Some(1),
                    Some(2),
                    Some(1.25),
                    true,
                    Some(2.5),
                    Some(serde_json::json!({"a": 1})),
                    None,
                    Some("text".to_string()),
                    Some(Decimal::new(25, 1)),
                    Some(300),
                    Some(Decimal::ONE),
                )]
            );
            // Out of range, fractional and wrongly typed values are typed errors.
            let errors = rows(&*f.db, &raw("SELECT 70000, 2.5, 'x', 1", vec![]), |r| {
                Ok((
                    r.get_i16(0).unwrap_err(),
                    r.get_i64(1).unwrap_err(),
                    r.get_i64(2).unwrap_err(),
                    r.get_uuid(3).unwrap_err(),
                    r.get_i64(4).unwrap_err(),
                ))
            })
            .await;
            let (range, fraction, text, uuid, missing) = &errors[0];
            assert!(range.to_string().contains("i16"), "{range}");
            assert!(fraction.to_string().contains("DECIMAL"), "{fraction}");
            assert!(text.to_string().contains("VARCHAR"), "{text}");
            assert!(uuid.to_string().contains("Uuid"), "{uuid}");
            assert_eq!(*missing, om::DecodeError::MissingColumn { index: 4 });
        }
        f.cleanup().await;
    });
}

static PROBE_COLUMNS: [ColumnMeta; 5] = {
    let mut id = ColumnMeta::new("id", "id", ColumnType::BigInt);
    id.primary_key = true;
    id.generated = true;
    id.nullable = true;
    let mut tag = ColumnMeta::new("tag", "tag", ColumnType::Text(None));
    tag.unique = true;
    [
        id,
        ColumnMeta::new("real", "real", ColumnType::Float),
        ColumnMeta::new("amount", "amount", ColumnType::Decimal),
        ColumnMeta::new("at", "at", ColumnType::DateTimeUtc),
        tag,
    ]
};
static PROBE: TableMeta = TableMeta {
    name: "probe",
    model: "Probe",
    columns: &PROBE_COLUMNS,
    primary_key: &[0],
    parent: None,
};

fn eq(column: &'static str, value: Value) -> Expr {
    Expr::Compare {
        column: ColumnRef {
            table: "probe",
            column,
        },
        op: CmpOp::Eq,
        value,
    }
}

async fn count(pool: &dyn Pool, filter: Expr) -> i64 {
    let mut s = Select::new(&PROBE);
    s.projection = Projection::Count;
    s.and_where(filter);
    rows(pool, &Statement::Select(s), |r| {
        Ok(r.get_i64(0).map_err(decode)?.unwrap_or(-1))
    })
    .await[0]
}

#[test]
#[cfg_attr(
    not(any(om_test_mysql, om_require_all)),
    ignore = "OM_TEST_MYSQL_URL is not set: the MySQL driver tests need a server"
)]
fn floats_decimals_and_utc_times_round_trip_and_filter() {
    let Some(server) = server() else {
        panic!("OM_TEST_MYSQL_URL is not set")
    };
    rt().block_on(async {
        let f = fresh(&server).await;
        f.db.execute(&Statement::CreateTable(&PROBE)).await.unwrap();
        // A session in another time zone writes the UTC timestamp.
        let mut other_zone = f.url.clone();
        other_zone.set_query(Some("timezone=%2B05:00"));
        let writer = connect(other_zone.as_str()).await.unwrap();
        let at = Utc.with_ymd_and_hms(2100, 6, 7, 8, 9, 10).unwrap()
            + chrono::Duration::microseconds(123_456);
        let values = [
            (0.1f32, Decimal::MAX, "a"),
            (
                f32::MAX,
                Decimal::from_i128_with_scale(1, 28),
                "an indexed unbounded text",
            ),
            (-3.4e-38, Decimal::new(-1_234_567_890_123, 4), "c"),
        ];
        let mut ids = Vec::new();
        for (real, amount, tag) in values {
            let insert = Insert {
                table: &PROBE,
                columns: PROBE_COLUMNS[1..].iter().collect(),
                rows: vec![vec![
                    Value::Float(Some(real)),
                    Value::Decimal(Some(amount)),
                    Value::ChronoDateTimeUtc(Some(at)),
                    Value::String(Some(tag.into())),
                ]],
                returning: Some(&PROBE_COLUMNS[0]),
            };
            ids.push(writer.insert_returning(insert).await.unwrap());
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        writer.close().await;

        let mut s = Select::new(&PROBE);
        s.order.push(om::Order {
            column: ColumnRef {
                table: "probe",
                column: "id",
            },
            descending: false,
        });
        let back = rows(&*f.db, &Statement::Select(s), |r| {
            Ok((
                r.get_f32(1).map_err(decode)?.unwrap(),
                r.get_decimal(2).map_err(decode)?.unwrap(),
                r.get_datetime_utc(3).map_err(decode)?.unwrap(),
                r.get_string(4).map_err(decode)?.unwrap(),
            ))
        })
        .await;
        for ((real, amount, tag), got) in values.iter().zip(&back) {
            assert_eq!(got.0.to_bits(), real.to_bits());
            assert_eq!(got.1, *amount);
            assert_eq!(
                got.2, at,
                "a UTC time is stored as UTC, whatever the session zone"
            );
            assert_eq!(got.3, *tag);
        }
        // Raw SQL without values runs as plain text; it reads the same values.
        let text_protocol = rows(
            &*f.db,
            &raw(
                "SELECT id, `real`, amount, at, tag, CAST(at AS DATE), CAST(at AS TIME(6)), \
                 UNHEX('0123456789ABCDEF0123456789ABCDEF') FROM probe ORDER BY id",
                vec![],
            ),
            |r| {
                Ok((
                    r.get_f32(1).map_err(decode)?.unwrap(),
                    r.get_decimal(2).map_err(decode)?.unwrap(),
                    r.get_datetime_utc(3).map_err(decode)?.unwrap(),
                    r.get_string(4).map_err(decode)?.unwrap(),
                    r.get_date(5).map_err(decode)?.unwrap(),
                    r.get_time(6).map_err(decode)?.unwrap(),
                    r.get_uuid(7).map_err(decode)?.unwrap(),
                ))
            },
        )
        .await;
        for (text, binary) in text_protocol.iter().zip(&back) {
            assert_eq!(
                (text.0.to_bits(), &text.1, text.2, &text.3),
                (binary.0.to_bits(), &binary.1, binary.2, &binary.3)
            );
            assert_eq!(text.4, at.date_naive());
            assert_eq!(text.5, at.time());
            assert_eq!(
                text.6,
                uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef)
            );
        }
        for (real, amount, _) in values {
            assert_eq!(count(&*f.db, eq("real", Value::Float(Some(real)))).await, 1);
            assert_eq!(
                count(&*f.db, eq("amount", Value::Decimal(Some(amount)))).await,
                1
            );
        }
        assert_eq!(
            count(&*f.db, eq("at", Value::ChronoDateTimeUtc(Some(at)))).await,
            3
        );
        // The unique unbounded text column is enforced.
        let dup = Insert {
            table: &PROBE,
            columns: PROBE_COLUMNS[1..].iter().collect(),
            rows: vec![vec![
                Value::Float(Some(1.0)),
                Value::Decimal(Some(Decimal::ONE)),
                Value::ChronoDateTimeUtc(Some(at)),
                Value::String(Some("a".into())),
            ]],
            returning: Some(&PROBE_COLUMNS[0]),
        };
        let err = f.db.insert_returning(dup).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err}");
        f.cleanup().await;
    });
}

#[test]
#[cfg_attr(
    not(any(om_test_mysql, om_require_all)),
    ignore = "OM_TEST_MYSQL_URL is not set: the MySQL driver tests need a server"
)]
fn constraint_and_missing_table_errors_are_typed() {
    let Some(server) = server() else {
        panic!("OM_TEST_MYSQL_URL is not set")
    };
    rt().block_on(async {
        let f = fresh(&server).await;
        let db = &*f.db;
        for sql in [
            "CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB",
            "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT NOT NULL, n INT CHECK (n > 0), \
             FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
            "INSERT INTO parent VALUES (1)",
            "INSERT INTO child VALUES (1, 1, 1)",
            "CREATE TABLE short (s VARCHAR(3)) ENGINE=InnoDB",
        ] {
            db.execute(&raw(sql, vec![])).await.unwrap();
        }
        let cases: [(&str, Vec<Value>, ErrorKind); 6] = [
            (
                "INSERT INTO short VALUES (?)",
                vec!["abcd".into()],
                ErrorKind::ValueTooLong,
            ),
            (
                "INSERT INTO parent VALUES (?)",
                vec![1.into()],
                ErrorKind::UniqueViolation,
            ),
            (
                "INSERT INTO child VALUES (2, ?, 1)",
                vec![9.into()],
                ErrorKind::ForeignKeyViolation,
            ),
            (
                "DELETE FROM parent WHERE id = ?",
                vec![1.into()],
                ErrorKind::ForeignKeyViolation,
            ),
            (
                "INSERT INTO child VALUES (3, 1, ?)",
                vec![0.into()],
                ErrorKind::CheckViolation,
            ),
            (
                "INSERT INTO child VALUES (4, ?, 1)",
                vec![Value::Int(None)],
                ErrorKind::NotNullViolation,
            ),
        ];
        for (sql, values, kind) in cases {
            let err = db.execute(&raw(sql, values)).await.unwrap_err();
            assert!(matches!(err, Error::Constraint { .. }), "{sql}: {err:?}");
            assert_eq!(err.kind(), kind, "{sql}: {err}");
        }
        let err = db
            .execute(&raw("SELECT * FROM nowhere WHERE id = ?", vec![1.into()]))
            .await
            .unwrap_err();
        match err {
            Error::TableNotFound { table, .. } => assert_eq!(table, "nowhere"),
            other => panic!("{other:?}"),
        }
        let err = db.execute(&raw("SELEKT 1", vec![])).await.unwrap_err();
        match err {
            Error::Database(server) => assert_eq!(server.code(), Some("1064")),
            other => panic!("{other:?}"),
        }
        // An update that matches a row without changing it reports it.
        let n = db
            .execute(&raw(
                "UPDATE parent SET id = ? WHERE id = ?",
                vec![1.into(), 1.into()],
            ))
            .await
            .unwrap();
        assert_eq!(n, 1, "CLIENT_FOUND_ROWS: matched rows, not changed rows");
        f.cleanup().await;
    });
}

#[test]
#[cfg_attr(
    not(any(om_test_mysql, om_require_all)),
    ignore = "OM_TEST_MYSQL_URL is not set: the MySQL driver tests need a server"
)]
fn savepoint_dropped_before_commit_is_rolled_back() {
    let Some(server) = server() else {
        panic!("OM_TEST_MYSQL_URL is not set")
    };
    rt().block_on(async {
        let f = fresh(&server).await;
        f.db.execute(&raw("CREATE TABLE t (n INT) ENGINE=InnoDB", vec![]))
            .await
            .unwrap();
        let tx =
            f.db.begin_owned(om::TransactionOptions::new())
                .await
                .unwrap();
        tx.execute(&raw("INSERT INTO t VALUES (?)", vec![1.into()]))
            .await
            .unwrap();
        {
            let sp = tx.begin().await.unwrap();
            sp.execute(&raw("INSERT INTO t VALUES (?)", vec![2.into()]))
                .await
                .unwrap();
            let nested = sp.begin().await.unwrap();
            nested
                .execute(&raw("INSERT INTO t VALUES (?)", vec![3.into()]))
                .await
                .unwrap();
            nested.commit().await.unwrap();
        }
        tx.commit().await.unwrap();
        let got = rows(&*f.db, &raw("SELECT n FROM t ORDER BY n", vec![]), |r| {
            r.get_i32(0).map_err(decode)
        })
        .await;
        assert_eq!(got, [Some(1)]);
        f.cleanup().await;
    });
}

#[test]
#[cfg_attr(
    not(any(om_test_mysql, om_require_all)),
    ignore = "OM_TEST_MYSQL_URL is not set: the MySQL driver tests need a server"
)]
fn mariadb_scheme_and_percent_encoded_password() {
    let Some(server) = server() else {
        panic!("OM_TEST_MYSQL_URL is not set")
    };
    rt().block_on(async {
        let f = fresh(&server).await;
        let user = format!("om_pw_{}", std::process::id());
        for host in ["%", "localhost"] {
            f.admin
                .execute(&raw(
                    &format!("CREATE USER '{user}'@'{host}' IDENTIFIED BY 'p@ss#word'"),
                    vec![],
                ))
                .await
                .unwrap();
            f.admin
                .execute(&raw(
                    &format!("GRANT ALL ON {}.* TO '{user}'@'{host}'", f.name),
                    vec![],
                ))
                .await
                .unwrap();
        }
        let mut url = f.url.clone();
        url.set_scheme("mariadb").unwrap();
        url.set_username(&user).unwrap();
        url.set_password(Some("p%40ss%23word")).unwrap();
        let pool = connect(url.as_str()).await.unwrap();
        let one = rows(&*pool, &raw("SELECT 1", vec![]), |r| {
            r.get_i64(0).map_err(decode)
        })
        .await;
        assert_eq!(one, [Some(1)]);
        pool.close().await;

        url.set_password(Some("wr0ngpassw0rd")).unwrap();
        let err = connect(url.as_str()).await.unwrap_err();
        assert!(matches!(err, Error::Connection { .. }), "{err:?}");
        assert!(!err.to_string().contains("wr0ngpassw0rd"), "{err}");
        assert!(!format!("{err:?}").contains("wr0ngpassw0rd"), "{err:?}");
        for host in ["%", "localhost"] {
            f.admin
                .execute(&raw(&format!("DROP USER '{user}'@'{host}'"), vec![]))
                .await
                .unwrap();
        }
        f.cleanup().await;
    });
}

#[test]
#[cfg_attr(
    not(any(om_test_mysql, om_require_all)),
    ignore = "OM_TEST_MYSQL_URL is not set: the MySQL driver tests need a server"
)]
fn raw_sql_the_server_cannot_prepare_runs_as_text() {
    let Some(server) = server() else {
        panic!("OM_TEST_MYSQL_URL is not set")
    };
    rt().block_on(async {
        let f = fresh(&server).await;
        let tx =
            f.db.begin_owned(om::TransactionOptions::new())
                .await
                .unwrap();
        // Bound values need the prepared protocol, which refuses PREPARE itself...
        let err = tx
            .execute(&raw("PREPARE om_s FROM ?", vec!["SELECT 41 + 1".into()]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("1295"), "{err}");
        // ...but without values the statement is resent as plain text.
        tx.execute(&raw("PREPARE om_s FROM 'SELECT 41 + 1'", vec![]))
            .await
            .unwrap();
        let mut got = Vec::new();
        tx.fetch(&raw("EXECUTE om_s", vec![]), &mut |r: &dyn Row| {
            got.push(r.get_i64(0).map_err(decode)?);
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(got, [Some(42)]);
        let streamed: Vec<_> = futures::TryStreamExt::try_collect::<Vec<_>>(
            futures::StreamExt::map(tx.stream(raw("EXECUTE om_s", vec![])), |r| {
                r.and_then(|r| r.get_i64(0).map_err(decode))
            }),
        )
        .await
        .unwrap();
        assert_eq!(streamed, [Some(42)]);
        tx.execute(&raw("DEALLOCATE PREPARE om_s", vec![]))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        f.cleanup().await;
    });
}
