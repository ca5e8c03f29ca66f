//! Retried transactions, real serialization failures and deadlocks, isolation levels
//! and read-only transactions.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use om::{
    Database, Error, ErrorKind, IsolationLevel, Model, Result, RetryPolicy, ServerError,
    TransactionOptions,
};

use crate::models::OrmTest;
use crate::rt;

/// A counter, incremented by read-then-write.
#[derive(om::Model, Debug, Clone, PartialEq)]
#[om(table = "om_counter")]
pub struct Counter {
    /// Its key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// Its value.
    pub n: i64,
}

/// A policy for the tests: many quick attempts, serializable.
fn policy() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(30)
        .backoff(Duration::from_millis(1), Duration::from_millis(30))
        .options(TransactionOptions::new().serializable())
}

/// Increments counter `id` by reading and writing it back, retried; counts attempts.
async fn increment(db: &Database, id: i64, attempts: &AtomicU32) -> Result<()> {
    db.transaction_with_retry(policy(), || {
        async |tx| {
            attempts.fetch_add(1, Ordering::Relaxed);
            let mut c = tx.query::<Counter>().get(id).await?.expect("the counter");
            // Overlap with the others between the read and the write.
            rt::sleep(Duration::from_millis(5)).await;
            c.n += 1;
            tx.update(&mut c).await?;
            Ok::<_, Error>(())
        }
    })
    .await
}

/// Eight transactions increment one counter by reading it and writing it back, at
/// `Serializable`, all at once: the database refuses some (a serialization failure on
/// PostgreSQL, a deadlock on MySQL/MariaDB, really provoked), `transaction_with_retry`
/// runs those again, and no increment is lost. Where one transaction at a time may write
/// (SQLite, declared), they queue instead and none needs a retry.
pub async fn serialization_failures_are_retried(db: &Database) -> Result<()> {
    db.create_all(&[Counter::table()]).await?;
    let mut counter = Counter { id: None, n: 0 };
    db.add(&mut counter).await?;
    let id = counter.id.expect("a key");
    let attempts = AtomicU32::new(0);
    let increments: Vec<_> = (0..8).map(|_| increment(db, id, &attempts)).collect();
    let outcomes = futures::future::join_all(increments).await;
    for outcome in outcomes {
        outcome?;
    }
    let c = db.query::<Counter>().get(id).await?.expect("the counter");
    assert_eq!(c.n, 8, "an increment was lost");
    let attempts = attempts.load(Ordering::Relaxed);
    if db.capabilities().concurrent_write_transactions {
        assert!(
            attempts > 8,
            "no conflict was provoked ({attempts} attempts)"
        );
    } else {
        assert!(attempts >= 8);
    }
    Ok(())
}

/// Only retryable errors are retried: a unique violation runs once; a deadlock error
/// every time runs the policy's attempts and is then returned; a retry policy of one
/// attempt runs once.
pub async fn only_retryable_errors_are_retried(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let calls = AtomicU32::new(0);
    let err = db
        .transaction_with_retry(RetryPolicy::new(), || {
            async |tx| {
                calls.fetch_add(1, Ordering::Relaxed);
                let mut a = OrmTest::new("a", None);
                tx.add(&mut a).await?;
                let mut again = OrmTest {
                    id: a.id,
                    ..OrmTest::new("b", None)
                };
                tx.add(&mut again).await?;
                Ok::<_, Error>(())
            }
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation, "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert_eq!(db.query::<OrmTest>().count().await?, 0);

    let calls = AtomicU32::new(0);
    let quick = RetryPolicy::new()
        .max_attempts(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(2));
    let err = db
        .transaction_with_retry(quick, || {
            async |tx| {
                calls.fetch_add(1, Ordering::Relaxed);
                tx.add(&mut OrmTest::new("undone", None)).await?;
                Err::<(), _>(Error::Database(Box::new(ServerError::new(
                    ErrorKind::Deadlock,
                    "a deadlock, made up",
                ))))
            }
        })
        .await
        .unwrap_err();
    assert!(err.is_retryable());
    assert_eq!(calls.load(Ordering::Relaxed), 3);
    assert_eq!(
        db.query::<OrmTest>().count().await?,
        0,
        "every attempt rolled back"
    );
    Ok(())
}

/// Two transactions that lock two rows in opposite orders deadlock: the database picks
/// one, whose error has kind `Deadlock` and is retryable, and the other goes on. Where
/// one transaction at a time may write (SQLite), the second writer fails with a
/// retryable `Busy` instead.
pub async fn deadlocks_are_typed_and_retryable(db: &Database) -> Result<()> {
    let url = crate::cases::isolation::with_options(
        db,
        if db.backend() == "sqlite" {
            "busy_timeout=0.2"
        } else {
            "max_connections=4"
        },
    );
    let db = &Database::connect(&url).await?;
    db.create_all(&[Counter::table()]).await?;
    let mut a = Counter { id: None, n: 0 };
    let mut b = Counter { id: None, n: 0 };
    db.add(&mut a).await?;
    db.add(&mut b).await?;
    let first = db.begin().await?;
    let second = db.begin().await?;
    let mut a1 = a.clone();
    a1.n = 1;
    first.update(&mut a1).await?;
    let mut b2 = b.clone();
    b2.n = 2;
    let held = second.update(&mut b2).await;
    if !db.capabilities().concurrent_write_transactions {
        let err = held.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy, "{err:?}");
        assert!(err.is_retryable(), "{err:?}");
        return Ok(());
    }
    held?;
    let mut b1 = b.clone();
    b1.n = 1;
    let mut a2 = a.clone();
    a2.n = 2;
    let (one, two) = futures::join!(first.update(&mut b1), async {
        rt::sleep(Duration::from_millis(50)).await;
        second.update(&mut a2).await
    });
    let (loser, winner) = match (one, two) {
        (Err(e), Ok(())) => (e, second),
        (Ok(()), Err(e)) => (e, first),
        other => panic!("expected one deadlock victim, got {other:?}"),
    };
    assert_eq!(loser.kind(), ErrorKind::Deadlock, "{loser:?}");
    assert!(loser.is_retryable());
    assert!(loser.server().and_then(|s| s.code()).is_some(), "{loser:?}");
    winner.commit().await?;
    Ok(())
}

/// A read-only transaction refuses writes with the database's error and leaves the data
/// as it was; SQLite declares it cannot open one (`read_only_transactions`), and asking
/// is `Unsupported`.
pub async fn read_only_transactions_refuse_writes(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    db.add(&mut OrmTest::new("kept", None)).await?;
    let options = TransactionOptions::new().read_only();
    if !db.capabilities().read_only_transactions {
        let err = db.begin_with(options).await.unwrap_err();
        assert!(matches!(err, Error::Unsupported { .. }), "{err:?}");
        return Ok(());
    }
    let tx = db.begin_with(options).await?;
    assert_eq!(tx.query::<OrmTest>().count().await?, 1);
    let err = tx
        .add(&mut OrmTest::new("refused", None))
        .await
        .unwrap_err();
    assert!(err.server().is_some(), "{err:?}");
    drop(tx);
    let names: Vec<String> = db
        .query::<OrmTest>()
        .all()
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["kept"]);
    Ok(())
}

/// Isolation levels are applied: at `RepeatableRead` a transaction keeps seeing what it
/// saw first while another connection commits a row; at `ReadCommitted` it sees the new
/// row. SQLite serves every level as serializable (a stricter level is allowed): each
/// opens, reads, writes and commits.
pub async fn isolation_levels_are_applied(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    if db.backend() == "sqlite" {
        for level in [
            IsolationLevel::ReadUncommitted,
            IsolationLevel::ReadCommitted,
            IsolationLevel::RepeatableRead,
            IsolationLevel::Serializable,
        ] {
            db.transaction_with(TransactionOptions::new().isolation(level), async |tx| {
                tx.add(&mut OrmTest::new(&level.to_string(), None)).await?;
                tx.query::<OrmTest>().count().await
            })
            .await?;
        }
        assert_eq!(db.query::<OrmTest>().count().await?, 4);
        return Ok(());
    }
    // (At `Serializable`, MySQL's reads lock what they read, so the other connection's
    // insert would wait for this transaction: its conflicts are the retry case's.)
    let tx = db
        .begin_with(TransactionOptions::new().serializable())
        .await?;
    tx.query::<OrmTest>().count().await?;
    tx.commit().await?;
    for (level, sees_new_row) in [
        (IsolationLevel::RepeatableRead, false),
        (IsolationLevel::ReadCommitted, true),
    ] {
        let tx = db
            .begin_with(TransactionOptions::new().isolation(level))
            .await?;
        let before = tx.query::<OrmTest>().count().await?;
        db.add(&mut OrmTest::new(&level.to_string(), None)).await?;
        let after = tx.query::<OrmTest>().count().await?;
        assert_eq!(
            after == before + 1,
            sees_new_row,
            "{level}: {before} then {after}"
        );
        tx.commit().await?;
    }
    Ok(())
}
