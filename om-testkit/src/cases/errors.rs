//! Bad input gets a clear, typed error and leaves the data as it was.

use om::{Database, Error, ErrorKind, Model, Result};

use crate::models::{DecodeAsInt, DecodeAsText, Ghost, OrmTest};

/// Writes `column_probe` without its `extra` column...
#[derive(om::Model, Debug, Clone, PartialEq)]
#[om(table = "column_probe")]
pub struct ColumnProbe {
    /// The key.
    #[om(primary_key)]
    pub id: i64,
    /// A name.
    #[om(size = 20)]
    pub name: String,
}

/// ...which this model, grown a field since, reads and writes.
#[derive(om::Model, Debug, Clone, PartialEq)]
#[om(table = "column_probe")]
pub struct ColumnProbeGrown {
    /// The key.
    #[om(primary_key)]
    pub id: i64,
    /// A name.
    #[om(size = 20)]
    pub name: String,
    /// The column the table lacks.
    pub extra: i64,
}

/// A query or write on a column the table lacks is `ColumnNotFound`, naming the column.
pub async fn missing_column(db: &Database) -> Result<()> {
    db.create_all(&[ColumnProbe::table()]).await?;
    db.add(&mut ColumnProbe {
        id: 1,
        name: "a".into(),
    })
    .await?;
    let check = |err: Error| {
        assert_eq!(err.kind(), ErrorKind::ColumnNotFound, "{err:?}");
        match &err {
            Error::ColumnNotFound { table, column, .. } => {
                assert_eq!(column, "extra", "{err:?}");
                assert_eq!(table, "column_probe", "{err:?}");
            }
            other => panic!("expected ColumnNotFound, got {other:?}"),
        }
        assert!(err.server().is_some(), "{err:?}");
        assert!(err.to_string().contains("extra"), "{err}");
    };
    check(db.query::<ColumnProbeGrown>().all().await.unwrap_err());
    check(
        db.query::<ColumnProbeGrown>()
            .filter(|c| c.extra.eq(1))
            .count()
            .await
            .unwrap_err(),
    );
    let mut grown = ColumnProbeGrown {
        id: 2,
        name: "b".into(),
        extra: 3,
    };
    check(db.add(&mut grown).await.unwrap_err());
    assert_eq!(db.query::<ColumnProbe>().count().await?, 1);
    Ok(())
}

/// A query or write on a table that does not exist is `TableNotFound`.
pub async fn missing_table(db: &Database) -> Result<()> {
    let err = db.query::<Ghost>().all().await.unwrap_err();
    assert!(
        matches!(&err, Error::TableNotFound { table, .. } if table == "never_created"),
        "{err:?}"
    );
    assert!(err.to_string().contains("never_created"), "{err}");
    let err = db
        .add(&mut Ghost {
            id: None,
            name: "x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    let err = db.query::<Ghost>().count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    let err = db.query::<Ghost>().exists().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    let err = db
        .query::<Ghost>()
        .filter(|c| c.name.eq("x"))
        .delete()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    let mut ghost = Ghost {
        id: Some(1),
        name: "x".into(),
    };
    let err = db.update(&mut ghost).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    let err = db.delete(&ghost).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableNotFound, "{err:?}");
    let mut stream = db.query::<Ghost>().stream();
    let first = futures::StreamExt::next(&mut stream)
        .await
        .expect("an item");
    assert_eq!(first.unwrap_err().kind(), ErrorKind::TableNotFound);
    Ok(())
}

/// A stored value that does not decode into the field's type is `Decode`, naming
/// table.column and both types.
pub async fn undecodable_value(db: &Database) -> Result<()> {
    db.create_all(&[DecodeAsText::table()]).await?;
    db.add(&mut DecodeAsText {
        id: 1,
        value: "not a number".into(),
    })
    .await?;
    let err = db.query::<DecodeAsInt>().all().await.unwrap_err();
    match &err {
        Error::Decode { table, column, .. } => {
            assert_eq!((*table, *column), ("decode_probe", "value"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("decode_probe.value"), "{message}");
    assert!(
        message.contains("i64"),
        "the message names the field's type: {message}"
    );
    assert!(
        message.to_lowercase().contains("text") || message.to_lowercase().contains("char"),
        "the message names the stored type: {message}"
    );
    // The stream reports it too, and the data is unchanged.
    let mut stream = db.query::<DecodeAsInt>().stream();
    let item = futures::StreamExt::next(&mut stream)
        .await
        .expect("an item");
    assert!(matches!(item, Err(Error::Decode { .. })));
    drop(stream);
    assert_eq!(
        db.query::<DecodeAsText>().one().await?.value,
        "not a number"
    );
    Ok(())
}

/// A NULL read into a non-Option field is a decode error that says so.
pub async fn null_into_required_field(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add(&mut OrmTest::new("n", None)).await?;
    // `orm_test.value` is nullable; a model reading it as required must refuse NULL.
    #[derive(om::Model, Debug)]
    #[om(table = "orm_test")]
    struct Strict {
        #[om(primary_key)]
        id: i64,
        name: String,
        value: String,
    }
    let err = db.query::<Strict>().all().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode {
                column: "value",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("NULL"), "{err}");
    Ok(())
}

/// A query binding more values than the backend takes in one statement is refused with
/// `InvalidQuery` before it is sent.
pub async fn too_many_parameters(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let max = db.capabilities().max_parameters;
    let ids: Vec<i64> = (0..=max as i64).collect();
    let err = db
        .query::<OrmTest>()
        .filter(|c| c.id.is_in(ids.iter().copied()))
        .all()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    assert!(err.to_string().contains("is_in"), "{err}");
    let item = futures::StreamExt::next(
        &mut db
            .query::<OrmTest>()
            .filter(|c| c.id.is_in(ids.iter().copied()))
            .stream(),
    )
    .await
    .expect("an item");
    assert!(matches!(item, Err(Error::InvalidQuery { .. })));
    // A long list that fits runs.
    let fits: Vec<i64> = (0..1000).collect();
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.id.is_in(fits))
            .count()
            .await?,
        0
    );
    Ok(())
}

/// The messages of `err` and of each of its sources, in order.
fn chain(err: &Error) -> Vec<String> {
    let mut messages = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        messages.push(e.to_string());
        source = e.source();
    }
    messages
}

/// Errors keep what the database said, as data (code, constraint, table) rather than
/// only text, and print each cause once along their `source()` chain: a unique
/// violation, a connection that cannot be made, and (PostgreSQL) a NUL in a text, which
/// is a bad value rather than an unknown error.
pub async fn errors_keep_their_cause(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut first = OrmTest::new("first", None);
    db.add(&mut first).await?;
    let mut again = OrmTest {
        id: first.id,
        ..OrmTest::new("again", None)
    };
    let err = db.add(&mut again).await.unwrap_err();
    let Error::Constraint { kind, server } = &err else {
        panic!("expected a constraint error, got {err:?}");
    };
    assert_eq!(*kind, ErrorKind::UniqueViolation);
    assert_eq!(server.kind(), ErrorKind::UniqueViolation);
    assert!(server.code().is_some(), "{server:?}");
    assert!(server.driver_error().is_some());
    if db.backend() == "postgres" {
        assert!(server.constraint().is_some(), "{server:?}");
        assert_eq!(server.table(), Some("orm_test"), "{server:?}");
    }
    assert!(!server.message().is_empty());
    let messages = chain(&err).join("\n");
    assert_eq!(messages.matches(server.message()).count(), 1, "{messages}");
    assert!(!err.is_retryable());

    let url = match db.backend() {
        "postgres" => "postgres://om:secret@127.0.0.1:1/db?connect_timeout=2",
        "mysql" => "mysql://om:secret@127.0.0.1:1/db",
        _ => "sqlite:///nonexistent-dir-of-om/db.sqlite",
    };
    let err = Database::connect(url).await.unwrap_err();
    if let Error::Connection { .. } = &err {
        let messages = chain(&err);
        assert!(messages.len() >= 2, "{messages:?}");
        // No message repeats one of its causes' (sqlx's own I/O error would).
        for (i, message) in messages.iter().enumerate() {
            for later in &messages[i + 1..] {
                assert!(!message.contains(later.as_str()), "{messages:?}");
            }
        }
    } else {
        assert_eq!(err.kind(), ErrorKind::Configuration, "{err:?}");
    }
    assert!(!format!("{err} {err:?}").contains("secret"), "{err:?}");

    if db.backend() == "postgres" {
        let err = db
            .add(&mut OrmTest::new("nul\0inside", None))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err:?}");
        assert_eq!(err.server().and_then(|s| s.code()), Some("22021"));
    }
    Ok(())
}
