//! Transactions side by side, and what a dropped transaction leaves on its connection.

use om::{Database, ErrorKind, Model, Result};

use crate::models::OrmTest;

/// The URL of `db` with extra query options.
pub(crate) fn with_options(db: &Database, options: &str) -> String {
    let base = db.url().expose_str().to_string();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{options}")
}

/// The rows named `name`, as one connection sees them.
async fn count_named(s: &impl om::Session, name: &str) -> Result<u64> {
    s.query::<OrmTest>()
        .filter(|c| c.name.eq(name))
        .count()
        .await
}

/// Two open transactions do not see each other's uncommitted rows, nor does the pool.
/// Where one writer at a time is allowed (declared), the second writer fails with
/// `Busy` after the busy timeout instead; where an uncommitted write blocks readers
/// (declared), the readers fail with `Busy`.
///
/// On SQLite, a file database (write-ahead log: readers see the last commit) is checked
/// as well as the in-memory one, each against its own declared capabilities.
pub async fn concurrent_transactions_are_isolated(db: &Database) -> Result<()> {
    if db.backend() != "sqlite" {
        return isolation_on(db).await;
    }
    // A short busy timeout, so that a declared wait is short.
    let memory = Database::connect(&with_options(db, "busy_timeout=0.2")).await?;
    assert!(!memory.capabilities().read_during_write_transaction);
    isolation_on(&memory).await?;
    let path = std::env::temp_dir().join(format!(
        "om_isolation_{}_{}.db",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    let file = Database::connect(&format!(
        "sqlite://{}?mode=rwc&busy_timeout=0.2",
        path.display()
    ))
    .await?;
    assert!(file.capabilities().read_during_write_transaction);
    let outcome = isolation_on(&file).await;
    file.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
    outcome
}

async fn isolation_on(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let caps = db.capabilities();
    let first = db.begin().await?;
    first.add(&mut OrmTest::new("first's", None)).await?;
    assert_eq!(count_named(&first, "first's").await?, 1, "its own write");
    let second = db.begin().await?;
    let seen = count_named(&second, "first's").await;
    let seen_by_pool = count_named(db, "first's").await;
    if caps.read_during_write_transaction {
        assert_eq!(seen?, 0, "uncommitted");
        assert_eq!(seen_by_pool?, 0, "uncommitted");
    } else {
        assert_eq!(seen.unwrap_err().kind(), ErrorKind::Busy);
        assert_eq!(seen_by_pool.unwrap_err().kind(), ErrorKind::Busy);
    }
    let written = second.add(&mut OrmTest::new("second's", None)).await;
    if caps.concurrent_write_transactions {
        written?;
        assert_eq!(count_named(&first, "second's").await?, 0, "uncommitted");
        assert_eq!(
            count_named(&second, "first's").await?,
            0,
            "still uncommitted"
        );
        second.commit().await?;
    } else {
        assert_eq!(written.unwrap_err().kind(), ErrorKind::Busy);
        second.rollback().await?;
    }
    first.commit().await?;
    assert_eq!(count_named(db, "first's").await?, 1, "committed");
    let expected = u64::from(caps.concurrent_write_transactions);
    assert_eq!(count_named(db, "second's").await?, expected);
    Ok(())
}

/// A transaction dropped without commit gives its connection back to the pool rolled
/// back: the next user of that connection works outside any transaction, and nothing of
/// the dropped work remains.
pub async fn dropped_transaction_returns_a_clean_connection(db: &Database) -> Result<()> {
    // One connection, so that the next statements run on the very connection the
    // dropped transaction had.
    let single = Database::connect(&with_options(db, "max_connections=1")).await?;
    single.create_all(&[OrmTest::table()]).await?;
    {
        let tx = single.begin().await?;
        tx.add(&mut OrmTest::new("dropped", None)).await?;
    }
    {
        let tx = single.begin_owned().await?;
        tx.add(&mut OrmTest::new("dropped owned", None)).await?;
        drop(tx);
    }
    assert_eq!(single.query::<OrmTest>().count().await?, 0, "rolled back");
    // Written in autocommit mode on that connection: it must be saved at once. Had the
    // connection still been inside the dropped transaction, closing the pool would
    // lose it.
    single.add(&mut OrmTest::new("autocommitted", None)).await?;
    assert_eq!(single.pool_status().size, 1, "one connection served it all");
    // A new transaction on the same connection starts clean and commits.
    single
        .transaction(async |tx| {
            assert_eq!(tx.query::<OrmTest>().count().await?, 1);
            tx.add(&mut OrmTest::new("committed", None)).await
        })
        .await?;
    if db.backend() == "sqlite" {
        // An in-memory database lives as long as its pool: look before closing.
        assert_eq!(single.query::<OrmTest>().count().await?, 2);
        single.close().await;
    } else {
        single.close().await;
        assert_eq!(db.query::<OrmTest>().count().await?, 2, "saved for good");
    }
    Ok(())
}
