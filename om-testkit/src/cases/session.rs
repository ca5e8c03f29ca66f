//! Closure transactions and the `Session` trait that `Database` and `Transaction` share.

use om::{Database, Model, Result, Session};

use crate::models::OrmTest;

/// The names stored, in key order.
async fn names(s: &impl Session) -> Result<Vec<String>> {
    Ok(s.query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .all()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect())
}

/// An error type of the user's own, to show that the closure's error type is kept.
#[derive(Debug)]
enum AppError {
    Refused(&'static str),
    Om(om::Error),
}

impl From<om::Error> for AppError {
    fn from(e: om::Error) -> Self {
        AppError::Om(e)
    }
}

/// `db.transaction(..)` commits what the closure did when it returns `Ok`, and hands
/// back its value.
pub async fn closure_commits_on_ok(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let id = db
        .transaction(async |tx| {
            let mut row = OrmTest::new("kept", None);
            tx.add(&mut row).await?;
            assert_eq!(tx.query::<OrmTest>().count().await?, 1, "visible inside");
            Ok::<_, om::Error>(row.id)
        })
        .await?;
    assert!(id.is_some());
    assert_eq!(names(db).await?, ["kept"]);
    Ok(())
}

/// `db.transaction(..)` rolls back what the closure did when it returns `Err`, and
/// returns that error unchanged, in the closure's own error type.
pub async fn closure_rolls_back_on_err(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let outcome: std::result::Result<(), AppError> = db
        .transaction(async |tx| {
            tx.add(&mut OrmTest::new("undone", None)).await?;
            Err(AppError::Refused("changed my mind"))
        })
        .await;
    assert!(
        matches!(outcome, Err(AppError::Refused("changed my mind"))),
        "{outcome:?}"
    );
    assert!(names(db).await?.is_empty(), "nothing was kept");
    // An om error inside the closure rolls back too, and comes back as it was.
    let outcome: std::result::Result<(), AppError> = db
        .transaction(async |tx| {
            tx.add(&mut OrmTest::new("first", None)).await?;
            tx.add(&mut crate::models::Ghost {
                id: None,
                name: "nowhere".into(),
            })
            .await?;
            Ok(())
        })
        .await;
    match outcome {
        Err(AppError::Om(e)) => assert_eq!(e.kind(), om::ErrorKind::TableNotFound),
        other => panic!("expected the missing table's error, got {other:?}"),
    }
    assert!(names(db).await?.is_empty(), "the first add was undone too");
    Ok(())
}

/// `tx.transaction(..)` is a savepoint: a nested closure that fails undoes only its own
/// work, and the outer transaction commits the rest.
pub async fn nested_closure_is_a_savepoint(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.transaction(async |tx| {
        tx.add(&mut OrmTest::new("outer", None)).await?;
        let inner: Result<()> = tx
            .transaction(async |sp| {
                sp.add(&mut OrmTest::new("inner undone", None)).await?;
                Err(om::Error::InvalidQuery {
                    reason: "undo the savepoint".into(),
                })
            })
            .await;
        assert!(inner.is_err());
        tx.transaction(async |sp| {
            sp.add(&mut OrmTest::new("inner kept", None)).await?;
            // Two levels deep.
            sp.transaction(async |deeper| {
                deeper.add(&mut OrmTest::new("deepest", None)).await?;
                Ok::<_, om::Error>(())
            })
            .await
        })
        .await?;
        assert_eq!(names(&*tx).await?, ["outer", "inner kept", "deepest"]);
        Ok::<_, om::Error>(())
    })
    .await?;
    assert_eq!(names(db).await?, ["outer", "inner kept", "deepest"]);
    Ok(())
}

/// Adds a row and counts the rows: written once, run on a database or a transaction.
async fn add_and_count(s: &impl Session, name: &str) -> Result<u64> {
    s.add(&mut OrmTest::new(name, None)).await?;
    let mut row = s
        .query::<OrmTest>()
        .filter(|c| c.name.eq(name))
        .one()
        .await?;
    row.value = Some("updated".into());
    s.update(&mut row).await?;
    assert_eq!(
        s.fetch_val::<i64>(
            format!(
                "SELECT count(*) FROM orm_test WHERE value = {}",
                crate::cases::raw::placeholder(s.backend(), 1)
            ),
            ("updated",),
        )
        .await?,
        s.query::<OrmTest>()
            .filter(|c| c.value.eq("updated"))
            .count()
            .await? as i64
    );
    s.query::<OrmTest>().count().await
}

/// A function taking `&impl Session` runs on a `Database` and on a `Transaction` alike,
/// with every model operation and raw SQL; its futures are `Send`.
pub async fn session_trait_takes_database_or_transaction(db: &Database) -> Result<()> {
    fn send<T: Send>(_: &T) {}
    db.create_all(&[OrmTest::table()]).await?;
    assert_eq!(add_and_count(db, "on the database").await?, 1);
    let tx = db.begin().await?;
    let in_tx = add_and_count(&tx, "in the transaction");
    send(&in_tx);
    assert_eq!(in_tx.await?, 2);
    tx.rollback().await?;
    assert_eq!(names(db).await?, ["on the database"]);
    // The closure form's future is `Send` too, so it runs in spawned tasks.
    let closure = db.transaction(async |tx| {
        tx.add(&mut OrmTest::new("spawned", None)).await?;
        Ok::<_, om::Error>(())
    });
    send(&closure);
    closure.await?;
    assert_eq!(names(db).await?, ["on the database", "spawned"]);
    let deleted = Session::delete(db, &db.query::<OrmTest>().first().await?.unwrap()).await?;
    assert!(deleted);
    // A reference is a session too: `impl Session` by value takes `&db` and `&tx`.
    async fn count_by_value(s: impl Session) -> Result<u64> {
        s.query::<OrmTest>().count().await
    }
    assert_eq!(count_by_value(db).await?, 1);
    assert_eq!(count_by_value(&db).await?, 1);
    let tx = db.begin().await?;
    assert_eq!(count_by_value(&tx).await?, 1);
    tx.rollback().await?;
    // The retried closure's future is `Send` as well.
    let retried = db.transaction_with_retry(om::RetryPolicy::new(), || {
        async |tx| tx.query::<OrmTest>().count().await
    });
    send(&retried);
    assert_eq!(retried.await?, 1);
    Ok(())
}
