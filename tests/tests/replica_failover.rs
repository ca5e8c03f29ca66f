//! A PostgreSQL replica that falls too far behind (its replay paused), then one stopped
//! in the middle of a run: reads fall back to the primary without an error, and go
//! back to the replica once it has caught up or is started again.
//!
//! Needs `OM_TEST_POSTGRES_URL`, `OM_TEST_POSTGRES_REPLICA_URL` (the replica that
//! `pg-replica.sh start` gives) and `OM_TEST_REPLICA_SCRIPTS` (the folder holding
//! `pg-replica.sh`). It stops and starts that replica: run it on its own, not beside
//! other tests that use the replica.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use om::Database;

fn env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set"))
}

async fn script(action: &'static str) {
    let path = format!("{}/pg-replica.sh", env("OM_TEST_REPLICA_SCRIPTS"));
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .arg(path)
            .arg(action)
            .status()
    })
    .await
    .expect("the script's task")
    .expect("pg-replica.sh runs");
    assert!(status.success(), "pg-replica.sh {action} failed");
}

fn replica_reads(db: &Database) -> u64 {
    db.routing_stats().replica_reads.iter().sum()
}

/// Waits until `done` holds, for at most `limit`.
async fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

/// A MariaDB replica whose SQL thread is stopped falls behind and is left out, as
/// below; needs `OM_TEST_MYSQL_URL` on the pair's primary (3307) and
/// `OM_TEST_MYSQL_REPLICA_URL` (3308; root there pauses it).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(om_test_replica_scripts),
    ignore = "OM_TEST_REPLICA_SCRIPTS is not set: the replica tests pause replication"
)]
async fn mariadb_replica_too_far_behind_is_left_out() {
    let primary = env("OM_TEST_MYSQL_URL");
    let replica = env("OM_TEST_MYSQL_REPLICA_URL");
    let (db, table) = with_three_rows(&primary, &replica, "", "om_lag").await;
    let mut admin = url::Url::parse(&replica).expect("a URL");
    admin.set_username("root").expect("a user");
    too_far_behind_is_left_out(&db, admin.as_str(), &table).await;
    db.execute(&format!("DROP TABLE {table}"), ())
        .await
        .expect("drop");
    db.close().await;
}

/// A replica whose replay is paused falls further behind than `max_replica_lag` (300
/// ms here) under writes on the primary: it is left out (reads go to the primary) until
/// it has caught up again.
async fn too_far_behind_is_left_out(db: &Database, admin: &str, table: &str) {
    let admin = Database::connect(admin).await.expect("the replica");
    let (pause, resume) = match db.backend() {
        "postgres" => (
            "SELECT pg_wal_replay_pause()",
            "SELECT pg_wal_replay_resume()",
        ),
        _ => ("STOP SLAVE SQL_THREAD", "START SLAVE SQL_THREAD"),
    };
    let reader = db.session();
    let read = format!("SELECT count(*) FROM {table}");
    reader.fetch_val::<i64>(&read, ()).await.expect("read");
    let served = replica_reads(db);
    assert!(served > 0, "the replica serves: {:?}", db.routing_stats());
    admin.execute(pause, ()).await.expect("pause");
    // Writes on the primary that the replica does not replay; reads go on.
    let write = format!("UPDATE {table} SET n = n + 1 WHERE id = 1");
    let start = Instant::now();
    let mut left_out_at = None;
    while start.elapsed() < Duration::from_secs(5) {
        db.execute(&write, ()).await.expect("write");
        reader
            .fetch_val::<i64>(&read, ())
            .await
            .expect("read while the replica lags");
        let now = replica_reads(db);
        match left_out_at {
            None if start.elapsed() > Duration::from_millis(1500) => left_out_at = Some(now),
            Some(at) => assert_eq!(now, at, "a replica too far behind serves no read"),
            None => {}
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(left_out_at.is_some());
    admin.execute(resume, ()).await.expect("resume");
    let before = replica_reads(db);
    let mut back = false;
    let start = Instant::now();
    while !back && start.elapsed() < Duration::from_secs(20) {
        reader.fetch_val::<i64>(&read, ()).await.expect("read");
        back = replica_reads(db) > before;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        back,
        "the replica serves again once caught up: {:?}",
        db.routing_stats()
    );
    admin.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(om_test_replica_scripts),
    ignore = "OM_TEST_REPLICA_SCRIPTS is not set: this test stops and starts pg-replica.sh's replica"
)]
async fn stopping_a_replica_mid_run_falls_back_to_the_primary() {
    let primary = env("OM_TEST_POSTGRES_URL");
    let replica = env("OM_TEST_POSTGRES_REPLICA_URL");
    script("start").await;
    let (db, table) =
        with_three_rows(&primary, &replica, "&acquire_timeout=5", "om_failover").await;

    too_far_behind_is_left_out(&db, &replica, &table).await;

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (db, stop, reads, sql) = (
            db.session(),
            stop.clone(),
            reads.clone(),
            format!("SELECT count(*) FROM {table}"),
        );
        readers.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match db.fetch_val::<i64>(&sql, ()).await {
                    Ok(3) => {}
                    Ok(n) => errors.push(format!("{n} rows")),
                    Err(e) => errors.push(e.to_string()),
                }
                reads.fetch_add(1, Ordering::Relaxed);
            }
            errors
        }));
    }
    assert!(
        until(Duration::from_secs(10), || replica_reads(&db) > 50).await,
        "the replica serves reads: {:?}",
        db.routing_stats()
    );
    script("stop").await;
    let primary_before = db.routing_stats().primary_reads;
    assert!(
        until(Duration::from_secs(20), || db.routing_stats().primary_reads
            > primary_before + 50)
        .await,
        "reads fall back to the primary: {:?}",
        db.routing_stats()
    );
    let during = reads.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        reads.load(Ordering::Relaxed) > during,
        "reads go on while the replica is down"
    );
    script("start").await;
    let replica_before = replica_reads(&db);
    assert!(
        until(Duration::from_secs(30), || replica_reads(&db)
            > replica_before + 50)
        .await,
        "the replica serves again once started: {:?}",
        db.routing_stats()
    );
    stop.store(true, Ordering::Relaxed);
    let mut errors = Vec::new();
    for reader in readers {
        errors.extend(reader.await.expect("reader"));
    }
    db.execute(&format!("DROP TABLE {table}"), ())
        .await
        .expect("drop");
    db.close().await;
    assert!(errors.is_empty(), "reads failed: {errors:?}");
}

/// A database replicated onto `replica` (a replica more than 300 ms behind is left
/// out for 300 ms; `options` adds to the URL's), with a new table `<prefix>_<pid>` of
/// three rows that the replica has replayed.
async fn with_three_rows(
    primary: &str,
    replica: &str,
    options: &str,
    prefix: &str,
) -> (Database, String) {
    let sep = if primary.contains('?') { '&' } else { '?' };
    let db = Database::connect_replicated(
        &format!("{primary}{sep}replica_retry_ms=300&max_replica_lag_ms=300{options}"),
        &[replica],
    )
    .await
    .expect("connects");
    let table = format!("{prefix}_{}", std::process::id());
    db.execute(&format!("DROP TABLE IF EXISTS {table}"), ())
        .await
        .expect("drop");
    db.execute(
        &format!("CREATE TABLE {table} (id bigint primary key, n bigint not null default 0)"),
        (),
    )
    .await
    .expect("create");
    db.execute(
        &format!("INSERT INTO {table} (id) VALUES (1), (2), (3)"),
        (),
    )
    .await
    .expect("insert");
    // Wait for the replica to have the rows (readers that follow may not wait).
    let seen = db.read_after(&db.last_write_token().expect("tracked"));
    assert_eq!(
        seen.fetch_val::<i64>(&format!("SELECT count(*) FROM {table}"), ())
            .await
            .expect("read"),
        3
    );
    (db, table)
}
