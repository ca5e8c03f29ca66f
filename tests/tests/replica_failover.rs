//! A PostgreSQL replica stopped in the middle of a run: reads fall back to the primary
//! without an error, and go back to the replica once it is started again.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(om_test_replica_scripts),
    ignore = "OM_TEST_REPLICA_SCRIPTS is not set: this test stops and starts pg-replica.sh's replica"
)]
async fn stopping_a_replica_mid_run_falls_back_to_the_primary() {
    let primary = env("OM_TEST_POSTGRES_URL");
    let replica = env("OM_TEST_POSTGRES_REPLICA_URL");
    script("start").await;
    let sep = if primary.contains('?') { '&' } else { '?' };
    let db = Database::connect_replicated(
        &format!("{primary}{sep}replica_retry_ms=300&acquire_timeout=5"),
        &[replica.as_str()],
    )
    .await
    .expect("connects");
    let table = format!("om_failover_{}", std::process::id());
    db.execute(&format!("DROP TABLE IF EXISTS {table}"), ())
        .await
        .expect("drop");
    db.execute(&format!("CREATE TABLE {table} (id bigint primary key)"), ())
        .await
        .expect("create");
    db.execute(&format!("INSERT INTO {table} VALUES (1), (2), (3)"), ())
        .await
        .expect("insert");
    // Wait for the replica to have the rows (the readers below do not wait).
    let seen = db.read_after(&db.last_write_token().expect("tracked"));
    assert_eq!(
        seen.fetch_val::<i64>(&format!("SELECT count(*) FROM {table}"), ())
            .await
            .expect("read"),
        3
    );

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
