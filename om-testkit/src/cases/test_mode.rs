//! Test mode (`force_rollback`): one transaction, rolled back at the end.

use std::sync::atomic::{AtomicU32, Ordering};

use futures::TryStreamExt;
use om::{Database, ErrorKind, Model, Result};

use crate::cases::isolation::with_options;
use crate::models::OrmTest;

/// A URL whose database outlives one pool: the case's own on a server; a fresh file for
/// SQLite, whose in-memory databases end with their pool. Returns it and the file to
/// remove afterwards, if any.
fn shared_url(db: &Database) -> (String, Option<std::path::PathBuf>) {
    if db.backend() != "sqlite" {
        return (db.url().expose_str().to_string(), None);
    }
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "om_test_mode_{}_{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    (format!("sqlite://{}?mode=rwc", path.display()), Some(path))
}

fn remove(file: Option<std::path::PathBuf>) {
    if let Some(path) = file {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// Everything done in test mode (adds, updates, raw SQL, savepoints, closure
/// transactions, several tasks at once) is visible inside it and gone after `close`;
/// later statements fail with `Closed`. `begin_owned` is refused.
pub async fn test_mode_leaves_no_rows_after_close(db: &Database) -> Result<()> {
    let (url, file) = shared_url(db);
    let normal = Database::connect(&url).await?;
    normal.create_all(&[OrmTest::table()]).await?;
    normal.add(&mut OrmTest::new("before", None)).await?;

    let test = Database::connect_test(&url).await?;
    assert!(test.options().force_rollback);
    test.add(&mut OrmTest::new("added", None)).await?;
    let mut before = test
        .query::<OrmTest>()
        .filter(|c| c.name.eq("before"))
        .one()
        .await?;
    before.value = Some("changed".into());
    test.update(&mut before).await?;
    test.execute("DELETE FROM orm_test WHERE name = 'nothing'", ())
        .await?;
    // A savepoint rolled back undoes only its own work.
    let mut tx = test.begin().await?;
    tx.add(&mut OrmTest::new("in savepoint", None)).await?;
    {
        let inner = tx.begin().await?;
        inner.add(&mut OrmTest::new("undone", None)).await?;
        inner.rollback().await?;
    }
    tx.commit().await?;
    {
        let dropped = test.begin().await?;
        dropped.add(&mut OrmTest::new("dropped", None)).await?;
    }
    test.transaction(async |tx| {
        tx.add(&mut OrmTest::new("closure", None)).await?;
        Ok::<_, om::Error>(())
    })
    .await?;
    // Several tasks at once take turns on the one connection.
    let clones: Vec<Database> = (0..4).map(|_| test.clone()).collect();
    futures::future::try_join_all(clones.iter().enumerate().map(|(i, t)| async move {
        t.add(&mut OrmTest::new(&format!("task {i}"), None)).await?;
        t.query::<OrmTest>().count().await
    }))
    .await?;
    let names: Vec<String> = test
        .query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .stream()
        .map_ok(|r| r.name)
        .try_collect()
        .await?;
    assert_eq!(
        names,
        [
            "before",
            "added",
            "in savepoint",
            "closure",
            "task 0",
            "task 1",
            "task 2",
            "task 3"
        ]
    );
    // A half-read stream does not hold the connection: other statements still run.
    let mut stream = test.query::<OrmTest>().order_by(|c| c.id.asc()).stream();
    let first = stream.try_next().await?.expect("a row");
    assert_eq!(first.name, "before");
    test.add(&mut OrmTest::new("during a stream", None)).await?;
    assert_eq!(
        stream.try_collect::<Vec<_>>().await?.len(),
        7,
        "as it was when read"
    );
    let removed = test
        .query::<OrmTest>()
        .filter(|c| c.name.eq("during a stream"))
        .delete()
        .await?;
    assert_eq!(removed, 1);
    // A failed statement of the database leaves it usable, as on a pool outside test
    // mode; inside a savepoint, it behaves as in any transaction (declared).
    let duplicate = || OrmTest {
        id: first.id,
        ..OrmTest::new("duplicate", None)
    };
    let err = test.add(&mut duplicate()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UniqueViolation);
    assert_eq!(test.query::<OrmTest>().count().await?, 8, "still usable");
    let savepoint = test.begin().await?;
    assert!(savepoint.add(&mut duplicate()).await.is_err());
    let next = savepoint.query::<OrmTest>().count().await;
    if test.capabilities().errors_abort_transaction {
        assert_eq!(next.unwrap_err().kind(), ErrorKind::TransactionAborted);
    } else {
        assert_eq!(next?, 8);
    }
    savepoint.rollback().await?;
    assert_eq!(test.query::<OrmTest>().count().await?, 8);
    let err = test.begin_owned().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    // The outside world sees none of it, even before the end.
    assert_eq!(
        normal.query::<OrmTest>().count().await?,
        1,
        "uncommitted outside"
    );

    test.close().await;
    let err = test.query::<OrmTest>().count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    drop(clones);
    drop(test);
    let rows = normal.query::<OrmTest>().all().await?;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].name.as_str(), rows[0].value.as_deref()),
        ("before", None)
    );

    // The URL option does the same, and dropping the database rolls back too.
    let by_url = Database::connect(&with_options_url(&url, "force_rollback=true")).await?;
    by_url
        .add(&mut OrmTest::new("dropped with the database", None))
        .await?;
    assert_eq!(by_url.query::<OrmTest>().count().await?, 2);
    drop(by_url);
    assert_eq!(normal.query::<OrmTest>().count().await?, 1);
    let err = Database::connect(&with_options(db, "force_rollback=maybe"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    normal.close().await;
    remove(file);
    Ok(())
}

fn with_options_url(url: &str, options: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{options}")
}
