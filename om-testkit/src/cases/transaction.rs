//! Transactions and savepoints.

use futures::TryStreamExt;
use om::{Database, Model, Result};

use crate::models::OrmTest;

/// Committed work is visible; rolled-back and dropped work is not.
pub async fn commit_rollback_and_drop(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let tx = db.begin().await?;
    tx.add(&mut OrmTest::new("committed", None)).await?;
    assert_eq!(tx.query::<OrmTest>().count().await?, 1, "visible inside");
    tx.commit().await?;
    let tx = db.begin().await?;
    tx.add(&mut OrmTest::new("rolled back", None)).await?;
    tx.rollback().await?;
    {
        let tx = db.begin_owned().await?;
        tx.add(&mut OrmTest::new("dropped", None)).await?;
    }
    let names: Vec<String> = db
        .query::<OrmTest>()
        .all()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["committed"]);
    Ok(())
}

/// A nested transaction is a savepoint: its rollback keeps the outer work.
pub async fn savepoints(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut tx = db.begin().await?;
    tx.add(&mut OrmTest::new("outer", None)).await?;
    let inner = tx.begin().await?;
    inner
        .add(&mut OrmTest::new("inner rolled back", None))
        .await?;
    inner.rollback().await?;
    let inner = tx.begin().await?;
    inner
        .add(&mut OrmTest::new("inner committed", None))
        .await?;
    inner.commit().await?;
    {
        let dropped = tx.begin().await?;
        dropped
            .add(&mut OrmTest::new("inner dropped", None))
            .await?;
    }
    // A failed add_all inside a transaction rolls back to its savepoint only.
    let mut bad = vec![
        OrmTest {
            id: Some(1_000),
            ..OrmTest::new("dup", None)
        },
        OrmTest {
            id: Some(1_000),
            ..OrmTest::new("dup", None)
        },
    ];
    assert!(tx.add_all(&mut bad).await.is_err());
    let rows: Vec<OrmTest> = tx
        .query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .stream()
        .try_collect()
        .await?;
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["outer", "inner committed"]);
    tx.commit().await?;
    assert_eq!(db.query::<OrmTest>().count().await?, 2);
    Ok(())
}

/// `Database`, `Transaction` and the futures of their methods are `Send`, so they run
/// inside spawned tasks; a `Database` clone shares the pool.
pub async fn handles_and_futures_are_send(db: &Database) -> Result<()> {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    send_sync(db);
    let clone = db.clone();
    clone.create_all(&[OrmTest::table()]).await?;
    let mut row = OrmTest::new("shared", None);
    let add = clone.add(&mut row);
    send(&add);
    add.await?;
    send(&db.query::<OrmTest>().all());
    send(&db.query::<OrmTest>().stream());
    let tx = db.begin_owned().await?;
    send_sync(&tx);
    send(&tx.query::<OrmTest>().count());
    tx.rollback().await?;
    assert_eq!(
        db.query::<OrmTest>().count().await?,
        1,
        "the clone shares the pool"
    );
    Ok(())
}

/// A savepoint dropped unfinished right before its transaction commits is still rolled
/// back.
pub async fn savepoint_dropped_before_commit(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut tx = db.begin().await?;
    tx.add(&mut OrmTest::new("outer", None)).await?;
    {
        let savepoint = tx.begin().await?;
        savepoint.add(&mut OrmTest::new("dropped", None)).await?;
    }
    tx.commit().await?;
    let names: Vec<String> = db
        .query::<OrmTest>()
        .all()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["outer"]);
    Ok(())
}

/// While a stream on a transaction is open, another statement on that transaction is
/// refused with `Busy` (it would otherwise wait for the stream forever); once the stream
/// is dropped the transaction works again.
pub async fn stream_in_transaction_refuses_other_statements(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add_all(&mut [OrmTest::new("a", None), OrmTest::new("b", None)])
        .await?;
    let tx = db.begin().await?;
    let mut stream = tx.query::<OrmTest>().order_by(|c| c.id.asc()).stream();
    let mut first = stream.try_next().await?.expect("a row");
    let err = tx.update(&mut first).await.unwrap_err();
    assert!(matches!(err, om::Error::Busy { .. }), "{err:?}");
    assert_eq!(err.kind(), om::ErrorKind::Busy);
    drop(stream);
    first.value = Some("updated".into());
    tx.update(&mut first).await?;
    // Collecting first, then writing, is the way to update what a query returns.
    for mut row in tx.query::<OrmTest>().all().await? {
        row.value = Some("all".into());
        tx.update(&mut row).await?;
    }
    tx.commit().await?;
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.value.eq("all"))
            .count()
            .await?,
        2
    );
    Ok(())
}

/// A stream that failed gives its connection back at once: the transaction (and the
/// pool) can run the next statement without dropping the stream first.
pub async fn failed_stream_releases_its_connection(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let tx = db.begin().await?;
    let mut stream = tx.query::<crate::models::Ghost>().stream();
    let err = stream.try_next().await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::TableNotFound);
    // Not `Busy`: the connection is free. Where an error aborts the transaction
    // (declared), the next statement says so instead of running.
    let next = tx.query::<OrmTest>().count().await;
    if db.capabilities().errors_abort_transaction {
        let err = next.unwrap_err();
        assert!(
            matches!(err, om::Error::TransactionAborted { .. }),
            "{err:?}"
        );
    } else {
        assert_eq!(next?, 0);
    }
    assert!(stream.try_next().await?.is_none(), "the stream is over");
    drop(stream);
    tx.rollback().await?;
    // A savepoint around work that may fail keeps the transaction usable everywhere.
    let mut tx = db.begin().await?;
    {
        let savepoint = tx.begin().await?;
        assert!(
            savepoint
                .query::<crate::models::Ghost>()
                .count()
                .await
                .is_err()
        );
        savepoint.rollback().await?;
    }
    assert_eq!(tx.query::<OrmTest>().count().await?, 0);
    tx.commit().await?;
    Ok(())
}

/// A commit never reports success for work that was not saved: where an error aborts
/// the transaction (declared), `commit` fails with `TransactionAborted`; elsewhere the
/// work around the failed statement is committed.
pub async fn commit_after_an_error(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add(&mut OrmTest {
        id: Some(1),
        ..OrmTest::new("existing", None)
    })
    .await?;
    let tx = db.begin().await?;
    tx.add(&mut OrmTest::new("before", None)).await?;
    let dup = tx
        .add(&mut OrmTest {
            id: Some(1),
            ..OrmTest::new("duplicate", None)
        })
        .await;
    assert_eq!(dup.unwrap_err().kind(), om::ErrorKind::UniqueViolation);
    let after = tx.add(&mut OrmTest::new("after", None)).await;
    let committed = tx.commit().await;
    let stored = db.query::<OrmTest>().count().await?;
    if db.capabilities().errors_abort_transaction {
        assert!(
            matches!(after, Err(om::Error::TransactionAborted { .. })),
            "{after:?}"
        );
        let err = committed.unwrap_err();
        assert!(
            matches!(err, om::Error::TransactionAborted { .. }),
            "{err:?}"
        );
        assert_eq!(stored, 1, "nothing of the transaction was saved");
    } else {
        after?;
        committed?;
        assert_eq!(stored, 3);
    }
    // After an error inside a savepoint that was rolled back, the commit succeeds.
    let mut tx = db.begin().await?;
    {
        let savepoint = tx.begin().await?;
        assert!(
            savepoint
                .add(&mut OrmTest {
                    id: Some(1),
                    ..OrmTest::new("duplicate", None)
                })
                .await
                .is_err()
        );
        savepoint.rollback().await?;
    }
    tx.add(&mut OrmTest::new("saved", None)).await?;
    tx.commit().await?;
    assert_eq!(
        db.query::<OrmTest>()
            .filter(|c| c.name.eq("saved"))
            .count()
            .await?,
        1
    );
    Ok(())
}
