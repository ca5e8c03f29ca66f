//! Statement captures (`Database::capture_statements`): exact counts of what a block of
//! code ran, as the `om::statement` log describes each statement.

use futures::{StreamExt, TryStreamExt};
use om::{Database, Model, Result, RetryPolicy, Retryable, StatementCapture};

use crate::models::{Ghost, OrmTest};

/// A model whose generated key is narrower than `i64`: read back in the insert itself,
/// like a wide one (no transaction around it).
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "statement_narrow")]
pub struct Narrow {
    /// Generated, as an `i32`.
    #[om(primary_key)]
    pub id: Option<i32>,
    /// Any name.
    #[om(size = 100)]
    pub name: String,
}

impl Narrow {
    fn new(name: &str) -> Self {
        Narrow {
            id: None,
            name: name.into(),
        }
    }
}

/// The statements captured since the last call, checked against their count; the
/// capture goes on, emptied.
fn take(capture: &StatementCapture) -> Vec<String> {
    let statements = capture.statements();
    assert_eq!(capture.count(), statements.len(), "{statements:?}");
    capture.clear();
    assert_eq!(capture.count(), 0);
    statements
}

/// The statements of an `add_all` of several rows with a generated key: one multi-row
/// insert where the backend returns their keys (and it runs alone or where a failed
/// statement leaves the transaction usable), else the same insert in a transaction (a
/// savepoint inside one).
fn add_all_generated(db: &Database, table: &str, rows: usize, in_transaction: bool) -> Vec<String> {
    let insert = format!("INSERT INTO {table} ({rows} rows)");
    let caps = db.capabilities();
    if caps.returning && !(in_transaction && caps.errors_abort_transaction) {
        vec![insert]
    } else {
        vec!["BEGIN".into(), insert, "COMMIT".into()]
    }
}

/// `add`, `add_all`, `get`, `all`, `count`, `exists`, `update`, `delete`, a bulk delete
/// and streams each count exactly what they run: one statement, or `BEGIN`..`COMMIT`
/// around the statement where a transaction is needed (a multi-row insert whose keys
/// the backend does not return).
pub async fn model_operations_are_counted(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table(), Narrow::table()]).await?;
    let capture = db.capture_statements();
    assert_eq!(capture.count(), 0);

    let mut row = OrmTest::new("first", None);
    db.add(&mut row).await?;
    assert_eq!(take(&capture), ["INSERT INTO orm_test (1 rows)"]);
    let mut narrow = Narrow::new("narrow");
    db.add(&mut narrow).await?;
    assert_eq!(
        take(&capture),
        ["INSERT INTO statement_narrow (1 rows)"],
        "a narrow key is read in the insert itself on every backend"
    );

    let id = row.id.expect("a generated key");
    let found = db.query::<OrmTest>().get(id).await?;
    assert_eq!(found.as_ref(), Some(&row));
    assert_eq!(db.query::<OrmTest>().all().await?.len(), 1);
    assert_eq!(db.query::<OrmTest>().count().await?, 1);
    assert!(db.query::<OrmTest>().exists().await?);
    assert_eq!(capture.count(), 4);
    assert_eq!(take(&capture), ["SELECT FROM orm_test"; 4]);

    row.value = Some("changed".into());
    db.update(&mut row).await?;
    assert_eq!(take(&capture), ["UPDATE orm_test"]);
    assert!(db.delete(&row).await?);
    assert_eq!(take(&capture), ["DELETE FROM orm_test"]);

    // add_all: differs by backend where the keys come back (declared: `returning`).
    let mut rows: Vec<OrmTest> = (0..3)
        .map(|i| OrmTest::new(&format!("r{i}"), None))
        .collect();
    db.add_all(&mut rows).await?;
    assert!(rows.iter().all(|r| r.id.is_some()));
    assert_eq!(take(&capture), add_all_generated(db, "orm_test", 3, false));
    // A narrow key goes the same way as a wide one: one multi-row insert where the
    // backend returns the keys, else a transaction whose one multi-row insert
    // (`insert_returning_many`) counts once, even where the driver reads the keys one
    // row at a time.
    let mut narrows: Vec<Narrow> = (0..3).map(|i| Narrow::new(&format!("n{i}"))).collect();
    db.add_all(&mut narrows).await?;
    assert!(narrows.iter().all(|r| r.id.is_some()));
    assert_eq!(
        take(&capture),
        add_all_generated(db, "statement_narrow", 3, false)
    );
    // Keys given: one statement everywhere, atomic by itself.
    let mut keyed: Vec<OrmTest> = (100..102)
        .map(|i| OrmTest {
            id: Some(i),
            ..OrmTest::new("keyed", None)
        })
        .collect();
    db.add_all(&mut keyed).await?;
    assert_eq!(take(&capture), ["INSERT INTO orm_test (2 rows)"]);
    // Nothing to write: nothing run.
    db.add_all(&mut Vec::<OrmTest>::new()).await?;
    assert_eq!(capture.count(), 0);

    // A bulk delete is one statement.
    let removed = db
        .query::<OrmTest>()
        .filter(|c| c.name.eq("keyed"))
        .delete()
        .await?;
    assert_eq!(removed, 2);
    assert_eq!(take(&capture), ["DELETE FROM orm_test"]);

    // A stream counts once, when first polled: read to its end, dropped half-read, or
    // never polled (then not at all).
    let all: Vec<OrmTest> = db.query::<OrmTest>().stream().try_collect().await?;
    assert_eq!(all.len(), 3);
    assert_eq!(take(&capture), ["SELECT FROM orm_test"]);
    {
        let mut stream = db.query::<OrmTest>().order_by(|c| c.id.asc()).stream();
        assert!(stream.try_next().await?.is_some());
    }
    assert_eq!(take(&capture), ["SELECT FROM orm_test"]);
    drop(db.query::<OrmTest>().stream());
    assert_eq!(capture.count(), 0, "a stream never polled runs nothing");

    // A failed statement counts too.
    let err = db.query::<Ghost>().count().await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::TableNotFound);
    assert_eq!(take(&capture), ["SELECT FROM never_created"]);
    // A key left unset fails before anything runs.
    assert!(db.update(&mut OrmTest::new("no key", None)).await.is_err());
    assert_eq!(capture.count(), 0);
    Ok(())
}

/// An error of the application's own, retryable when it says so.
#[derive(Debug)]
enum AppError {
    TryAgain,
    Om(om::Error),
}

impl From<om::Error> for AppError {
    fn from(e: om::Error) -> Self {
        AppError::Om(e)
    }
}

impl Retryable for AppError {
    fn is_retryable(&self) -> bool {
        matches!(self, AppError::TryAgain)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::TryAgain => f.write_str("try again"),
            AppError::Om(e) => e.fmt(f),
        }
    }
}

/// Transactions count their `BEGIN`, `COMMIT` and `ROLLBACK`, and savepoints theirs
/// (logged the same way), whichever way they are opened: `begin`, `transaction`,
/// `begin_owned`, `transaction_with_retry` (every attempt). A transaction dropped
/// without an end rolls back without a statement of its own.
pub async fn transactions_are_counted(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table(), Narrow::table()]).await?;
    let capture = db.capture_statements();

    let tx = db.begin().await?;
    tx.add(&mut OrmTest::new("committed", None)).await?;
    tx.commit().await?;
    assert_eq!(
        take(&capture),
        ["BEGIN", "INSERT INTO orm_test (1 rows)", "COMMIT"]
    );

    let tx = db.begin().await?;
    tx.query::<OrmTest>().count().await?;
    tx.rollback().await?;
    assert_eq!(
        take(&capture),
        ["BEGIN", "SELECT FROM orm_test", "ROLLBACK"]
    );

    {
        let tx = db.begin().await?;
        tx.query::<OrmTest>().count().await?;
    }
    assert_eq!(take(&capture), ["BEGIN", "SELECT FROM orm_test"]);

    // A closure transaction with a savepoint in it.
    db.transaction(async |tx| {
        tx.add(&mut OrmTest::new("outer", None)).await?;
        tx.transaction(async |inner| {
            inner.add(&mut OrmTest::new("inner", None)).await?;
            Ok::<_, om::Error>(())
        })
        .await?;
        let savepoint = tx.begin().await?;
        savepoint.add(&mut OrmTest::new("undone", None)).await?;
        savepoint.rollback().await?;
        Ok::<_, om::Error>(())
    })
    .await?;
    assert_eq!(
        take(&capture),
        [
            "BEGIN",
            "INSERT INTO orm_test (1 rows)",
            "BEGIN",
            "INSERT INTO orm_test (1 rows)",
            "COMMIT",
            "BEGIN",
            "INSERT INTO orm_test (1 rows)",
            "ROLLBACK",
            "COMMIT",
        ]
    );

    // Inside a transaction, add_all of generated keys differs where a failed statement
    // aborts the transaction (declared: `errors_abort_transaction`): its insert runs in
    // a savepoint there.
    let mut tx = db.begin().await?;
    let mut rows: Vec<OrmTest> = (0..2)
        .map(|i| OrmTest::new(&format!("t{i}"), None))
        .collect();
    tx.add_all(&mut rows).await?;
    {
        let savepoint = tx.begin().await?;
        savepoint.add(&mut Narrow::new("in a savepoint")).await?;
        savepoint.commit().await?;
    }
    tx.commit().await?;
    let mut expected = vec!["BEGIN".to_string()];
    expected.extend(add_all_generated(db, "orm_test", 2, true));
    expected.extend(
        [
            "BEGIN",
            "INSERT INTO statement_narrow (1 rows)",
            "COMMIT",
            "COMMIT",
        ]
        .map(String::from),
    );
    assert_eq!(take(&capture), expected);

    let owned = db.begin_owned().await?;
    owned.query::<OrmTest>().count().await?;
    owned.commit().await?;
    assert_eq!(take(&capture), ["BEGIN", "SELECT FROM orm_test", "COMMIT"]);

    // Every attempt of a retried transaction counts.
    let mut attempts = 0;
    let counted = db
        .transaction_with_retry(RetryPolicy::new().max_attempts(3), || {
            attempts += 1;
            let attempt = attempts;
            async move |tx| {
                let n = tx.query::<OrmTest>().count().await?;
                if attempt == 1 {
                    Err(AppError::TryAgain)
                } else {
                    Ok(n)
                }
            }
        })
        .await;
    assert!(matches!(counted, Ok(5)), "{counted:?}");
    assert_eq!(attempts, 2);
    assert_eq!(
        take(&capture),
        [
            "BEGIN",
            "SELECT FROM orm_test",
            "ROLLBACK",
            "BEGIN",
            "SELECT FROM orm_test",
            "COMMIT",
        ]
    );
    if let Err(AppError::Om(e)) = counted {
        return Err(e);
    }
    Ok(())
}

/// Raw SQL counts as written, without its bound values (unless the database logs them):
/// `execute`, the `fetch_*` family (each read through one statement or stream),
/// `iterate`, and `execute_many` (a transaction of one statement per set of values).
pub async fn raw_sql_is_counted(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let capture = db.capture_statements();
    let insert = "INSERT INTO orm_test (name, value) VALUES ($1, $2)";
    db.execute(insert, ("raw", "s3cret")).await?;
    assert_eq!(take(&capture), [insert]);

    let select = "SELECT name FROM orm_test WHERE value = $1";
    assert_eq!(db.fetch_all(select, ("s3cret",)).await?.len(), 1);
    db.fetch_one(select, ("s3cret",)).await?;
    assert!(db.fetch_optional(select, ("none",)).await?.is_none());
    let name: String = db.fetch_val(select, ("s3cret",)).await?;
    assert_eq!(name, "raw");
    let names: Vec<(String,)> = db.fetch_all_as(select, ("s3cret",)).await?;
    assert_eq!(names.len(), 1);
    let rows: Vec<_> = db.iterate(select, ("s3cret",)).collect().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(take(&capture), [select; 6]);

    let affected = db
        .execute_many(insert, [("a", "x"), ("b", "y"), ("c", "z")])
        .await?;
    assert_eq!(affected, 3);
    assert_eq!(take(&capture), ["BEGIN", insert, insert, insert, "COMMIT"]);

    // A failed statement counts.
    assert!(db.execute("SELECT * FROM never_created", ()).await.is_err());
    assert_eq!(take(&capture), ["SELECT * FROM never_created"]);
    drop(capture);

    // With `log_values`, bound values are part of each description, as in the log.
    let verbose = Database::connect_with(db.url().expose_str(), |o| o.log_values(true)).await?;
    verbose.create_all(&[OrmTest::table()]).await?;
    let capture = verbose.capture_statements();
    verbose.execute(insert, ("raw", "s3cret")).await?;
    verbose
        .query::<OrmTest>()
        .filter(|c| c.name.eq("s3cret-filter"))
        .count()
        .await?;
    let statements = take(&capture);
    assert_eq!(statements.len(), 2, "{statements:?}");
    assert!(
        statements[0].starts_with(insert) && statements[0].contains("s3cret"),
        "{statements:?}"
    );
    assert!(
        statements[1].starts_with("SELECT FROM orm_test")
            && statements[1].contains("s3cret-filter"),
        "{statements:?}"
    );
    drop(capture);
    verbose.close().await;
    Ok(())
}

/// Several captures may be active at once, each seeing every statement after it
/// started; a capture taken on a clone sees the statements of every clone (they share
/// the pool), and none of another database's. Dropping a capture stops it without
/// touching the others.
pub async fn overlapping_captures_and_clones(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let first = db.capture_statements();
    db.execute("SELECT 1", ()).await?;
    let second = db.capture_statements();
    db.execute("SELECT 2", ()).await?;
    assert_eq!(first.statements(), ["SELECT 1", "SELECT 2"]);
    assert_eq!(second.statements(), ["SELECT 2"]);
    // Clearing one leaves the other as it was.
    first.clear();
    assert_eq!((first.count(), second.count()), (0, 1));
    drop(first);
    db.execute("SELECT 3", ()).await?;
    assert_eq!(second.statements(), ["SELECT 2", "SELECT 3"]);
    drop(second);

    let clone = db.clone();
    let on_clone = clone.capture_statements();
    let on_original = db.capture_statements();
    clone.query::<OrmTest>().count().await?;
    db.query::<OrmTest>().count().await?;
    let tx = clone.begin().await?;
    tx.commit().await?;
    for capture in [&on_clone, &on_original] {
        assert_eq!(
            capture.statements(),
            [
                "SELECT FROM orm_test",
                "SELECT FROM orm_test",
                "BEGIN",
                "COMMIT"
            ]
        );
    }
    // Statements from other tasks count as well.
    let tasks: Vec<Database> = (0..4).map(|_| db.clone()).collect();
    futures::future::try_join_all(
        tasks
            .iter()
            .map(|t| async move { t.query::<OrmTest>().count().await }),
    )
    .await?;
    assert_eq!(on_clone.count(), 8);
    assert_eq!(on_original.count(), 8);
    drop(tasks);
    drop(on_original);

    // Another database (the same server, its own pool) is not counted.
    let other = Database::connect(db.url().expose_str()).await?;
    other.execute("SELECT 4", ()).await?;
    assert_eq!(on_clone.count(), 8);
    let own = other.capture_statements();
    clone.execute("SELECT 5", ()).await?;
    assert_eq!(own.count(), 0);
    assert_eq!(on_clone.count(), 9);
    drop(own);
    other.close().await;
    Ok(())
}

/// Dropping a capture stops it: a capture started later sees only what ran after it,
/// and statements while none is active are not kept anywhere.
pub async fn dropping_a_capture_stops_it(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let capture = db.capture_statements();
    db.add(&mut OrmTest::new("seen", None)).await?;
    let seen = capture.statements();
    assert_eq!(seen, ["INSERT INTO orm_test (1 rows)"]);
    drop(capture);
    db.add(&mut OrmTest::new("unseen", None)).await?;
    db.query::<OrmTest>().count().await?;
    let later = db.capture_statements();
    assert_eq!(later.count(), 0, "nothing from before it started");
    db.query::<OrmTest>().count().await?;
    assert_eq!(later.statements(), ["SELECT FROM orm_test"]);
    // Dropping one capture leaves another counting.
    let kept = db.capture_statements();
    let tx = db.begin().await?;
    drop(later);
    tx.commit().await?;
    assert_eq!(kept.statements(), ["BEGIN", "COMMIT"]);
    drop(kept);
    db.query::<OrmTest>().count().await?;
    let last = db.capture_statements();
    assert_eq!(last.count(), 0);
    Ok(())
}

/// In test mode every statement runs in one transaction, with savepoints for
/// transactions: a capture counts them exactly as outside it. The savepoints test mode
/// runs on its own (around each statement on PostgreSQL, for a dropped savepoint's
/// rollback) are not the user's statements and are not counted.
pub async fn test_mode_statements_are_counted(db: &Database) -> Result<()> {
    if !db.capabilities().transactional_ddl {
        // DDL would commit the test transaction (MySQL): create the table before.
        db.create_all(&[OrmTest::table()]).await?;
    }
    let test = Database::connect_test(db.url().expose_str()).await?;
    if test.capabilities().transactional_ddl {
        test.create_all(&[OrmTest::table()]).await?;
    }
    let capture = test.capture_statements();
    let mut row = OrmTest::new("in test mode", None);
    test.add(&mut row).await?;
    assert_eq!(test.query::<OrmTest>().count().await?, 1);
    let streamed: Vec<OrmTest> = test.query::<OrmTest>().stream().try_collect().await?;
    assert_eq!(streamed, [row.clone()]);
    assert_eq!(
        take(&capture),
        [
            "INSERT INTO orm_test (1 rows)",
            "SELECT FROM orm_test",
            "SELECT FROM orm_test"
        ]
    );
    // A failed statement counts once, whatever test mode runs around it.
    let duplicate = OrmTest {
        id: row.id,
        ..OrmTest::new("duplicate", None)
    };
    let err = test.add(&mut duplicate.clone()).await.unwrap_err();
    assert_eq!(err.kind(), om::ErrorKind::UniqueViolation);
    assert_eq!(take(&capture), ["INSERT INTO orm_test (1 rows)"]);
    // Transactions are savepoints of the one transaction, logged as transactions.
    test.transaction(async |tx| {
        tx.query::<OrmTest>().count().await?;
        let savepoint = tx.begin().await?;
        savepoint.add(&mut OrmTest::new("undone", None)).await?;
        savepoint.rollback().await?;
        Ok::<_, om::Error>(())
    })
    .await?;
    {
        let dropped = test.begin().await?;
        dropped.add(&mut OrmTest::new("dropped", None)).await?;
    }
    // The dropped savepoint's rollback runs before this statement, uncounted.
    assert_eq!(test.query::<OrmTest>().count().await?, 1);
    assert_eq!(
        take(&capture),
        [
            "BEGIN",
            "SELECT FROM orm_test",
            "BEGIN",
            "INSERT INTO orm_test (1 rows)",
            "ROLLBACK",
            "COMMIT",
            "BEGIN",
            "INSERT INTO orm_test (1 rows)",
            "SELECT FROM orm_test",
        ]
    );
    drop(capture);
    test.close().await;
    Ok(())
}
