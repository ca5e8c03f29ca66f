//! Futures dropped half-way: transactions and queries cancelled at random points leave
//! no open transaction, no dirty connection in the pool, and a pool that closes.

use std::collections::HashMap;
use std::time::Duration;

use om::{Database, Error, ErrorKind, Model, Result};

use crate::models::OrmTest;
use crate::rt::{self, Rng};

/// Transactions the server still holds open for this case's database, by its own view
/// (`pg_stat_activity`, `information_schema.innodb_trx`); `None` where there is no
/// server (SQLite).
async fn open_transactions(db: &Database) -> Result<Option<i64>> {
    let sql = match db.backend() {
        "postgres" => {
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        }
        "mysql" => {
            "SELECT count(*) FROM information_schema.innodb_trx t \
             JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id \
             WHERE p.db = DATABASE() AND p.id <> CONNECTION_ID()"
        }
        _ => return Ok(None),
    };
    Ok(Some(db.fetch_val::<i64>(sql, ()).await?))
}

/// Waits until the pool has every connection back and the server holds no transaction
/// of ours open (connections are returned or closed by tasks of their own), up to 5 s.
async fn settle(db: &Database) -> Result<()> {
    let mut last = (db.pool_status(), None);
    for _ in 0..50 {
        let open = open_transactions(db).await?;
        // The connection of the statement above goes back to the pool from a task of its
        // own: give it a moment.
        rt::sleep(Duration::from_millis(100)).await;
        let status = db.pool_status();
        if status.idle == status.size && open.unwrap_or(0) == 0 {
            return Ok(());
        }
        last = (status, open);
    }
    panic!(
        "connections or transactions left open: pool {:?}, open transactions {:?}",
        last.0, last.1
    );
}

/// Checks that every group of rows has both of its rows, and returns how many groups.
async fn whole_groups(db: &Database) -> Result<usize> {
    let mut groups: HashMap<String, usize> = HashMap::new();
    for row in db.query::<OrmTest>().all().await? {
        *groups.entry(row.name).or_default() += 1;
    }
    for (group, n) in &groups {
        assert_eq!(*n, 2, "transaction {group} is torn");
    }
    Ok(groups.len())
}

/// 100 transactions, each dropped at a random point (a timeout of 0–3 ms around
/// `db.transaction`, or a `begin` dropped between statements): afterwards the server
/// shows no open transaction of ours, every connection is back in the pool and idle, no
/// transaction is torn, and new transactions work.
pub async fn cancelled_transactions_leave_nothing_open(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let mut rng = Rng::new(0x5eed_0001);
    let mut finished = 0;
    for i in 0..100 {
        let group = format!("t{i}");
        let micros = rng.below(3000);
        if i % 4 == 3 {
            // Dropped between statements, holding its write.
            let tx = db.begin().await?;
            tx.add(&mut OrmTest::new(&group, Some("1"))).await?;
            drop(tx);
            continue;
        }
        let run = db.transaction(async |tx| {
            tx.add(&mut OrmTest::new(&group, Some("1"))).await?;
            tx.query::<OrmTest>().count().await?;
            tx.add(&mut OrmTest::new(&group, Some("2"))).await?;
            Ok::<_, Error>(())
        });
        if let Some(outcome) = rt::timeout(Duration::from_micros(micros), run).await {
            outcome?;
            finished += 1;
        }
    }
    settle(db).await?;
    let groups = whole_groups(db).await?;
    assert!(
        groups >= finished,
        "{groups} groups for {finished} finished transactions"
    );
    // New transactions work on every connection of the pool.
    for i in 0..10 {
        let group = format!("after{i}");
        db.transaction(async |tx| {
            tx.add(&mut OrmTest::new(&group, Some("1"))).await?;
            tx.add(&mut OrmTest::new(&group, Some("2"))).await?;
            Ok::<_, Error>(())
        })
        .await?;
    }
    assert_eq!(whole_groups(db).await?, groups + 10);
    settle(db).await
}

/// Queries dropped half-way (24 timeouts of 50 µs to 3 ms on a pool of 5) give their
/// connections back or close them: transactions open afterwards without waiting for the
/// pool, and `close()` returns within its bound.
pub async fn cancelled_queries_return_their_connections(db: &Database) -> Result<()> {
    // (On SQLite in memory, this is a database of its own.)
    let url = crate::cases::isolation::with_options(db, "max_connections=5&acquire_timeout=3");
    let small = Database::connect(&url).await?;
    small.create_all(&[OrmTest::table()]).await?;
    let mut rows: Vec<OrmTest> = (0..300)
        .map(|i| OrmTest::new(&format!("r{i}"), Some("x")))
        .collect();
    small.add_all(&mut rows).await?;
    let mut rng = Rng::new(0x5eed_0002);
    for _ in 0..24 {
        let micros = 50 + rng.below(2950);
        let _ = rt::timeout(
            Duration::from_micros(micros),
            small.query::<OrmTest>().all(),
        )
        .await;
    }
    let _ = rt::timeout(Duration::from_micros(500), async {
        let mut stream = small.query::<OrmTest>().stream();
        while futures::TryStreamExt::try_next(&mut stream)
            .await?
            .is_some()
        {}
        Ok::<_, Error>(())
    })
    .await;
    settle(&small).await?;
    for _ in 0..6 {
        let tx = small.begin().await?;
        assert_eq!(tx.query::<OrmTest>().count().await?, 300);
        tx.rollback().await?;
    }
    let closed = rt::timeout(Duration::from_secs(10), small.close()).await;
    assert!(closed.is_some(), "close() did not return");
    Ok(())
}

/// Statements with the wrong number of bound values are refused with an error that is
/// not a connection failure (so a retry loop does not retry a programming mistake), the
/// connection serves the next statement, and `close()` returns.
pub async fn wrong_bind_counts_leave_the_pool_usable(db: &Database) -> Result<()> {
    let url = crate::cases::isolation::with_options(db, "max_connections=2");
    let small = Database::connect(&url).await?;
    let (one, two) = match small.backend() {
        "postgres" => (
            "SELECT CAST($1 AS BIGINT)",
            "SELECT CAST($1 AS BIGINT) + CAST($2 AS BIGINT)",
        ),
        _ => ("SELECT ?", "SELECT ? + ?"),
    };
    for _ in 0..2 {
        for (sql, values) in [(one, om::values![]), (two, om::values![1_i64])] {
            if let Err(err) = small.fetch_all(sql, values).await {
                assert_ne!(err.kind(), ErrorKind::Connection, "{sql}: {err:?}");
                assert!(!err.is_retryable(), "{err:?}");
            }
        }
    }
    assert_eq!(small.fetch_val::<i64>("SELECT 1", ()).await?, 1);
    let closed = rt::timeout(Duration::from_secs(10), small.close()).await;
    assert!(closed.is_some(), "close() did not return");
    Ok(())
}

/// A statement that runs for about a second on `backend`.
fn slow_statement(backend: &str) -> &'static str {
    match backend {
        "postgres" => "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_sleep(1)) AS s",
        "mysql" => "SELECT CAST(SLEEP(1) AS SIGNED)",
        _ => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) \
             SELECT count(*) FROM c"
        }
    }
}

/// A statement of a transaction cancelled while it runs (its future dropped by a
/// timeout) leaves the transaction refusing everything after it with
/// `TransactionAborted`, a stream and the commit included, since the cut statement may
/// or may not have run; the rollback works, nothing of the transaction is kept, and the
/// pool and the server hold nothing open afterwards.
pub async fn statements_after_a_cancelled_one_are_refused(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    for stream_after in [false, true] {
        let tx = db.begin().await?;
        tx.add(&mut OrmTest::new("in the cut transaction", None))
            .await?;
        let cut = rt::timeout(
            Duration::from_millis(50),
            tx.fetch_val::<i64>(slow_statement(db.backend()), ()),
        )
        .await;
        assert!(cut.is_none(), "the slow statement finished within 50 ms");
        let err = if stream_after {
            let mut rows = tx.query::<OrmTest>().stream();
            futures::TryStreamExt::try_next(&mut rows)
                .await
                .expect_err("a stream after a cut statement")
        } else {
            tx.query::<OrmTest>().count().await.unwrap_err()
        };
        assert!(matches!(err, Error::TransactionAborted { .. }), "{err:?}");
        let err = tx.query::<OrmTest>().count().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TransactionAborted, "{err:?}");
        if stream_after {
            let err = tx.commit().await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TransactionAborted, "{err:?}");
        } else {
            tx.rollback().await?;
        }
        settle(db).await?;
        assert_eq!(db.query::<OrmTest>().count().await?, 0);
    }
    Ok(())
}
