//! Connections that die under the application: killed by the server, during a commit,
//! and many times over (a kill storm).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use om::{Database, Error, ErrorKind, Model, Result, Session};

use crate::models::OrmTest;
use crate::rt;

/// The server's id of the connection `s` runs on (a transaction's, so that it stays the
/// same).
pub(crate) async fn connection_id(s: &impl Session) -> Result<i64> {
    let sql = match s.backend() {
        "postgres" => "SELECT CAST(pg_backend_pid() AS BIGINT)",
        _ => "SELECT CAST(CONNECTION_ID() AS SIGNED)",
    };
    s.fetch_val::<i64>(sql, ()).await
}

/// Ends connection `id` of the server, from another connection of `db`.
pub(crate) async fn kill(db: &Database, id: i64) -> Result<()> {
    match db.backend() {
        "postgres" => {
            db.fetch_val::<bool>("SELECT pg_terminate_backend(CAST($1 AS INT))", (id,))
                .await?;
        }
        _ => {
            db.execute(&format!("KILL {id}"), ()).await?;
        }
    }
    Ok(())
}

/// Ends every other connection to `db`'s database (chosen by its name, which is this
/// case's own), returning how many.
pub(crate) async fn kill_others(db: &Database) -> Result<usize> {
    let ids: Vec<i64> = match db.backend() {
        "postgres" => db
            .fetch_all_as::<(i64,)>(
                "SELECT CAST(pid AS BIGINT) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
                (),
            )
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect(),
        _ => db
            .fetch_all_as::<(i64,)>(
                "SELECT CAST(id AS SIGNED) FROM information_schema.processlist \
                 WHERE db = DATABASE() AND id <> CONNECTION_ID()",
                (),
            )
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect(),
    };
    let mut killed = 0;
    for id in ids {
        // A connection that ended in the meantime is not an error of the storm.
        if kill(db, id).await.is_ok() {
            killed += 1;
        }
    }
    Ok(killed)
}

/// A statement on a connection the server killed fails with a connection error (kind
/// `Connection`, not retryable), and the pool goes on with a new connection.
///
/// SQLite's connections cannot be lost (declared by `connections_can_be_lost`): there,
/// a statement on a closed database is the connection error checked.
pub async fn killed_connection_is_a_connection_error(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    if !db.capabilities().connections_can_be_lost {
        assert_eq!(db.backend(), "sqlite");
        let other = Database::connect("sqlite::memory:").await?;
        other.close().await;
        let err = other.query::<OrmTest>().count().await.unwrap_err();
        assert!(matches!(err, Error::Closed), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::Connection);
        return Ok(());
    }
    let tx = db.begin().await?;
    let id = connection_id(&tx).await?;
    kill(db, id).await?;
    let err = tx.query::<OrmTest>().count().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(!err.is_retryable(), "{err:?}");
    drop(tx);
    // The pool replaces the connection.
    db.add(&mut OrmTest::new("after", None)).await?;
    assert_eq!(db.query::<OrmTest>().count().await?, 1);
    Ok(())
}

/// A commit whose connection died is `CommitOutcomeUnknown` (kind `OutcomeUnknown`,
/// not retryable, its cause kept as its source), never a plain failure: the caller
/// must read back to know. Here the connection died before `COMMIT` reached the
/// server, so reading back finds nothing written.
pub async fn commit_on_a_lost_connection_is_outcome_unknown(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    if !db.capabilities().connections_can_be_lost {
        assert_eq!(db.backend(), "sqlite");
        // In process, a commit either happens or fails with the database's reason.
        let tx = db.begin().await?;
        tx.add(&mut OrmTest::new("kept", None)).await?;
        tx.commit().await?;
        assert_eq!(db.query::<OrmTest>().count().await?, 1);
        return Ok(());
    }
    let tx = db.begin().await?;
    tx.add(&mut OrmTest::new("lost", None)).await?;
    let id = connection_id(&tx).await?;
    kill(db, id).await?;
    let err = tx.commit().await.unwrap_err();
    assert!(matches!(err, Error::CommitOutcomeUnknown { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert!(!err.is_retryable());
    let cause = std::error::Error::source(&err).expect("the cause is kept");
    assert!(!err.to_string().contains(&cause.to_string()), "{err}");
    assert_eq!(db.query::<OrmTest>().count().await?, 0);
    Ok(())
}

/// What a worker of the storm saw: the groups it committed, those whose commit had an
/// unknown outcome, and the kinds of its failures.
type Seen = (Vec<String>, Vec<String>, Vec<ErrorKind>);

/// Runs two-row transactions until the storm is over.
async fn worker(db: &Database, w: usize, start: Instant, storm: Duration) -> Seen {
    let mut committed = Vec::new();
    let mut unknown = Vec::new();
    let mut kinds = Vec::new();
    let mut n = 0;
    while start.elapsed() < storm {
        n += 1;
        let group = format!("w{w}-{n}");
        let run = db.transaction(async |tx| {
            tx.add(&mut OrmTest::new(&group, Some("1"))).await?;
            tx.add(&mut OrmTest::new(&group, Some("2"))).await?;
            Ok::<_, Error>(())
        });
        match rt::timeout(Duration::from_secs(20), run).await {
            None => panic!("a transaction hung during the kill storm"),
            Some(Ok(())) => committed.push(group),
            Some(Err(e)) => {
                if matches!(e, Error::CommitOutcomeUnknown { .. }) {
                    unknown.push(group);
                }
                kinds.push(e.kind());
            }
        }
    }
    (committed, unknown, kinds)
}

/// Connections killed every 100 ms for 5 s while 8 tasks run two-row transactions:
/// every failure is a typed connection-class error, nothing hangs, no transaction is
/// torn (each group has both rows or none), every reported commit is there, and the
/// pool serves statements again afterwards. SQLite (no connection can be lost) runs the
/// same load without the kills.
pub async fn kill_storm(db: &Database) -> Result<()> {
    db.create_all(&[OrmTest::table()]).await?;
    let storm = Duration::from_secs(5);
    let start = Instant::now();
    let kills = db.capabilities().connections_can_be_lost;
    let killer = async {
        let mut rounds = 0;
        while kills && start.elapsed() < storm {
            rt::sleep(Duration::from_millis(100)).await;
            // The killer's own connection may be killed by a parallel round: go on.
            let _ = kill_others(db).await;
            rounds += 1;
        }
        rounds
    };
    let workers: Vec<_> = (0..8).map(|w| worker(db, w, start, storm)).collect();
    let workers = futures::future::join_all(workers);
    let (rounds, results) = futures::join!(killer, workers);
    if kills {
        assert!(rounds >= 3, "{rounds} kill rounds");
    }
    // The pool recovers: a statement runs (a dead idle connection is replaced).
    let mut recovered = false;
    for _ in 0..20 {
        if db.query::<OrmTest>().count().await.is_ok() {
            recovered = true;
            break;
        }
        rt::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the pool did not recover after the storm");
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    for row in db.query::<OrmTest>().all().await? {
        groups
            .entry(row.name)
            .or_default()
            .push(row.value.unwrap_or_default());
    }
    for (group, halves) in &groups {
        assert_eq!(halves.len(), 2, "transaction {group} is torn: {halves:?}");
    }
    let mut ok = 0;
    for (committed, unknown, kinds) in &results {
        for kind in kinds {
            assert!(
                matches!(
                    kind,
                    ErrorKind::Connection
                        | ErrorKind::OutcomeUnknown
                        | ErrorKind::TransactionAborted
                        | ErrorKind::PoolTimeout
                ),
                "an untyped failure during the storm: {kind:?}"
            );
        }
        for group in committed {
            assert!(groups.contains_key(group), "committed {group} is missing");
        }
        ok += committed.len();
        let _ = unknown;
    }
    assert!(ok > 0, "no transaction succeeded");
    let possible: usize = results.iter().map(|(c, u, _)| c.len() + u.len()).sum();
    assert!(
        groups.len() <= possible,
        "{} groups written, at most {possible} possible",
        groups.len()
    );
    Ok(())
}
