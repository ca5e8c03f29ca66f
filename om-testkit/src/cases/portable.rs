//! One codebase on every backend: the same value reads the same everywhere, URL parts
//! and libpq's options, and statements as `tracing` spans.

use om::sea_query::{Expr, Func, Order, Query};
use om::value::convert::Reason;
use om::{Database, DecodeError, Error, Model, Result, SqlRow};

use crate::models::{NarrowProbe, NullableTypes, WideProbe};

/// The `DecodeError` of reading column `name` of `row` as `T`.
fn refusal<T>(row: &SqlRow<'_>, name: &str) -> DecodeError
where
    T: om::Field + std::fmt::Debug,
{
    match row.get::<T>(name) {
        Err(Error::Column { reason, .. }) => reason,
        other => panic!(
            "reading `{name}` as {}: expected a refusal, got {other:?}",
            std::any::type_name::<T>()
        ),
    }
}

/// The reason of a `Lossy` refusal, after checking that it names the Rust type.
fn lossy(e: DecodeError, to: &str) -> Reason {
    match e {
        DecodeError::Lossy {
            to: t,
            reason,
            ref from,
            ..
        } => {
            assert_eq!(t, to, "{e}");
            assert!(!from.is_empty(), "the stored type is named: {e}");
            assert!(e.to_string().contains(to), "{e}");
            reason
        }
        other => panic!("expected a Lossy refusal into {to}, got {other:?}"),
    }
}

/// Raw rows convert numbers by one set of rules on every backend: integers of any
/// width both ways when in range, integers into floats when exact, whole floats into
/// integers, booleans from 0 and 1 and into 0 and 1; anything lossy is a typed
/// `DecodeError::Lossy` naming the stored type and the Rust type; text never converts
/// to or from a number; NULL into a non-`Option` is `UnexpectedNull`.
pub async fn numbers_read_the_same_everywhere(db: &Database) -> Result<()> {
    db.create_all(&[NullableTypes::table()]).await?;
    let first = NullableTypes {
        flag: Some(true),
        small: Some(-3),
        int: Some(7),
        big: Some(3_000_000_000),
        real: Some(0.5),
        double: Some(2.5),
        text: Some("12".into()),
        ..Default::default()
    };
    let second = NullableTypes {
        flag: Some(false),
        small: Some(1),
        int: Some(-40_000),
        big: Some((1 << 53) + 1),
        real: Some(0.1),
        double: Some(3.0),
        ..Default::default()
    };
    let mut all = vec![first, second, NullableTypes::default()];
    db.add_all(&mut all).await?;
    // Built with sea-query, so that columns named like types (`int`, `double`) are
    // quoted in each dialect.
    let table = NullableTypes::table();
    let col = |name: &str| {
        table
            .column(name)
            .map(|c| c.iden())
            .ok_or_else(|| Error::InvalidQuery {
                reason: format!("no column {name}"),
            })
    };
    let mut select = Query::select();
    for name in ["flag", "small", "int", "big", "real", "double", "text"] {
        select.column(col(name)?);
    }
    select.from(table.iden()).order_by(col("id")?, Order::Asc);
    let rows = db.fetch_all(&select, ()).await?;
    let [a, b, nulls] = &rows[..] else {
        panic!("expected three rows, got {}", rows.len());
    };

    // Integers: widening, and narrowing in range.
    assert_eq!(a.get::<i64>("small")?, -3);
    assert_eq!(a.get::<i64>("int")?, 7);
    assert_eq!(a.get::<i16>("int")?, 7);
    assert_eq!(a.get::<i32>("small")?, -3);
    assert_eq!(a.get::<i64>("big")?, 3_000_000_000);
    // ...out of range refused.
    assert_eq!(lossy(refusal::<i32>(a, "big"), "i32"), Reason::OutOfRange);
    assert_eq!(lossy(refusal::<i16>(b, "int"), "i16"), Reason::OutOfRange);
    assert_eq!(lossy(refusal::<u8>(a, "small"), "u8"), Reason::OutOfRange);

    // Integers into floats: exact only.
    assert_eq!(a.get::<f64>("big")?, 3_000_000_000.0);
    assert_eq!(a.get::<f64>("int")?, 7.0);
    assert_eq!(a.get::<f32>("small")?, -3.0);
    assert_eq!(lossy(refusal::<f64>(b, "big"), "f64"), Reason::Inexact);
    assert_eq!(lossy(refusal::<f32>(a, "big"), "f32"), Reason::Inexact);

    // Floats into integers: whole and in range only; f64 into f32: exact only.
    assert_eq!(b.get::<i64>("double")?, 3);
    assert_eq!(b.get::<i16>("double")?, 3);
    assert_eq!(lossy(refusal::<i64>(a, "double"), "i64"), Reason::NotWhole);
    assert_eq!(a.get::<f32>("double")?, 2.5);
    assert_eq!(a.get::<f64>("real")?, 0.5);
    assert_eq!(b.get::<f32>("real")?, 0.1);

    // Booleans: from 0 and 1 only, and into 0 and 1.
    assert!(a.get::<bool>("flag")?);
    assert!(!b.get::<bool>("flag")?);
    assert_eq!(a.get::<i64>("flag")?, 1);
    assert_eq!(b.get::<i32>("flag")?, 0);
    assert!(b.get::<bool>("small")?, "1 reads as true");
    assert_eq!(
        lossy(refusal::<bool>(a, "small"), "bool"),
        Reason::NotBoolean
    );

    // Text and numbers never convert.
    assert!(matches!(
        refusal::<i64>(a, "text"),
        DecodeError::Mismatch { .. }
    ));
    assert!(matches!(
        refusal::<String>(a, "big"),
        DecodeError::Mismatch { .. }
    ));
    assert!(matches!(
        refusal::<f64>(a, "text"),
        DecodeError::Mismatch { .. }
    ));

    // NULL: `None` in an `Option`, refused otherwise.
    assert_eq!(nulls.get::<Option<i32>>("big")?, None);
    assert!(matches!(
        refusal::<i32>(nulls, "big"),
        DecodeError::UnexpectedNull { .. }
    ));
    assert!(matches!(
        refusal::<bool>(nulls, "flag"),
        DecodeError::UnexpectedNull { .. }
    ));

    // What aggregates return (a bigint count on PostgreSQL, a decimal sum on MySQL)
    // reads into any integer that holds it.
    let count: i32 = db
        .fetch_val("SELECT count(*) FROM nullable_types", ())
        .await?;
    assert_eq!(count, 3);
    let mut sum = Query::select();
    sum.expr(Func::sum(Expr::col(col("int")?)))
        .from(table.iden());
    let total: i32 = db.fetch_val(&sum, ()).await?;
    assert_eq!(total, -39_993);
    let mut sum = Query::select();
    sum.expr(Func::sum(Expr::col(col("small")?)))
        .from(table.iden());
    let total: f64 = db.fetch_val(&sum, ()).await?;
    assert_eq!(total, -2.0);
    Ok(())
}

/// A model's fields decode by the same rules as raw rows: a narrower field reads a
/// wider column when the value fits, and fails with `Error::Decode` naming the column
/// and a `Lossy` reason when it does not.
pub async fn models_decode_by_the_same_rules(db: &Database) -> Result<()> {
    db.create_all(&[WideProbe::table()]).await?;
    db.add(&mut WideProbe {
        id: 1,
        value: 40_000,
        ratio: 0.25,
    })
    .await?;
    let narrow = db.query::<NarrowProbe>().get(1).await?;
    assert_eq!(
        narrow,
        Some(NarrowProbe {
            id: 1,
            value: 40_000,
            ratio: 0.25
        })
    );
    db.add(&mut WideProbe {
        id: 2,
        value: 5_000_000_000,
        ratio: 0.5,
    })
    .await?;
    let err = db.query::<NarrowProbe>().get(2).await.unwrap_err();
    match &err {
        Error::Decode {
            column: "value",
            reason,
            ..
        } => assert_eq!(lossy(reason.clone(), "i32"), Reason::OutOfRange),
        other => panic!("expected a decode error of `value`, got {other:?}"),
    }
    assert_eq!(err.kind(), om::ErrorKind::Value);
    db.add(&mut WideProbe {
        id: 3,
        value: 1,
        ratio: 0.1,
    })
    .await?;
    let err = db.query::<NarrowProbe>().get(3).await.unwrap_err();
    match &err {
        Error::Decode {
            column: "ratio",
            reason,
            ..
        } => assert_eq!(lossy(reason.clone(), "f32"), Reason::Inexact),
        other => panic!("expected a decode error of `ratio`, got {other:?}"),
    }
    // Nothing was changed by the failed reads.
    assert_eq!(db.query::<WideProbe>().count().await?, 3);
    Ok(())
}

/// A `DatabaseUrl` tells its host, port, database and user, and is rebuilt with one
/// replaced; the rebuilt URL connects, and hides a password as the original does.
/// `connect_timeout` (libpq's spelling) is accepted by every backend and checked.
pub async fn url_parts_are_read_and_replaced(db: &Database) -> Result<()> {
    let url = db.url();
    let database = url.database().expect("the test URL names its database");
    if db.backend() == "sqlite" {
        assert_eq!(url.host(), None);
    } else {
        assert!(url.host().is_some(), "{url}");
        assert!(url.user().is_some(), "{url}");
        // The same database, rebuilt part by part, connects.
        let rebuilt = url
            .with_database(&database)?
            .with_user(&url.user().unwrap_or_default())?;
        assert_eq!(rebuilt.database().as_deref(), Some(database.as_str()));
        let again = Database::connect(rebuilt.expose_str()).await?;
        assert_eq!(again.fetch_val::<i64>("SELECT 1", ()).await?, 1);
        again.close().await;
        // Another port: the connection fails, and says where it went without the
        // password.
        let secret = om::DatabaseUrl::parse(&format!(
            "{}://someone:s3cret@{}/{}",
            url.scheme(),
            url.host().unwrap_or_default(),
            database
        ))?
        .with_port(1)?;
        assert_eq!(secret.port(), Some(1));
        for shown in [secret.to_string(), format!("{secret:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        let err = Database::connect(secret.expose_str()).await.unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err:?}");
    }
    let timed = crate::cases::isolation::with_options(db, "connect_timeout=5");
    let timed = Database::connect(&timed).await?;
    assert_eq!(timed.fetch_val::<i64>("SELECT 1", ()).await?, 1);
    timed.close().await;
    let err = Database::connect(&crate::cases::isolation::with_options(
        db,
        "connect_timeout=soon",
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::Configuration, "{err}");
    Ok(())
}

/// PostgreSQL URLs take libpq's options (`application_name`, `options=-c ...`, a socket
/// directory as `host=` with or without a user before an empty host); MySQL URLs a
/// socket with a user. Each connects the way it says, where the server has a socket.
pub async fn server_url_options_are_applied(db: &Database) -> Result<()> {
    let url = db.url();
    match db.backend() {
        "postgres" => {
            let named = crate::cases::isolation::with_options(
                db,
                "application_name=om_portable_case&options=-c%20search_path%3Dpublic,pg_catalog",
            );
            let named = Database::connect(&named).await?;
            let name: String = named
                .fetch_val(
                    "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                    (),
                )
                .await?;
            assert_eq!(name, "om_portable_case");
            let path: String = named.fetch_val("SHOW search_path", ()).await?;
            assert_eq!(path.replace(' ', ""), "public,pg_catalog");
            named.close().await;

            let dir = "/var/run/postgresql";
            if std::path::Path::new(&format!("{dir}/.s.PGSQL.5432")).exists()
                && url.port().unwrap_or(5432) == 5432
            {
                let user = url.user().unwrap_or_default();
                let database = url.database().unwrap_or_default();
                for socket in [
                    url.with_host(dir)?.expose_str().to_string(),
                    format!("postgres://{user}@/{database}?host={dir}"),
                ] {
                    let local = Database::connect(&socket).await?;
                    // No client address: the connection came through the socket.
                    let addr: Option<String> = local
                        .fetch_val("SELECT inet_client_addr()::text", ())
                        .await?;
                    assert_eq!(addr, None, "{socket}");
                    local.close().await;
                }
            }
        }
        "mysql" => {
            let socket = "/run/mysqld/mysqld.sock";
            if std::path::Path::new(socket).exists() {
                let local = url.with_host("localhost")?;
                let local = format!(
                    "{}{}socket={socket}",
                    local.expose_str(),
                    if local.expose_str().contains('?') {
                        '&'
                    } else {
                        '?'
                    }
                );
                let local = Database::connect(&local).await?;
                let host: String = local
                    .fetch_val(
                        "SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()",
                        (),
                    )
                    .await?;
                assert_eq!(host, "localhost", "a socket connection has no port");
                local.close().await;
            }
        }
        _ => {
            // SQLite names a file: no server options; its near misses are refused
            // with a hint (`url::sqlite_memory_typos_suggest_the_right_url`).
            let err = Database::connect("sqlite:memory").await.unwrap_err();
            assert!(err.to_string().contains("sqlite::memory:"), "{err}");
        }
    }
    Ok(())
}
