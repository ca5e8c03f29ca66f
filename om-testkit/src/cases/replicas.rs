//! Read replicas: reads served by a replica, writes and transactions by the primary,
//! read-your-writes by replication position (a [`ReadToken`] carried between handles),
//! and replicas that cannot be reached left out.
//!
//! A server backend has a replica when the harness was given one
//! (`OM_TEST_POSTGRES_REPLICA_URL`, `OM_TEST_MYSQL_REPLICA_URL`); SQLite's replica is
//! a second, read-only URL to the same file. Without one, the cases check what a
//! database without replicas does with the same calls.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use om::{Database, Model, ReadToken, Result};

use crate::models::OrmTest;

/// A replicated database for a case, and the SQLite file to remove after it.
struct Replicated {
    primary: String,
    replica: String,
    file: Option<std::path::PathBuf>,
}

impl Replicated {
    /// The URLs of `db`'s primary and replica: the harness's, or on SQLite a file of
    /// the case's own; `None` for a server without a replica configured.
    fn of(db: &Database, case: &str) -> Option<Replicated> {
        if db.backend() == "sqlite" {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "om-replica-{case}-{}-{}.db",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let file = path.display().to_string();
            return Some(Replicated {
                primary: format!("sqlite://{file}?mode=rwc"),
                replica: format!("sqlite://{file}?mode=ro"),
                file: Some(path),
            });
        }
        let replica = db.replica_urls().first()?.expose_str().to_string();
        Some(Replicated {
            primary: db.url().expose_str().to_string(),
            replica,
            file: None,
        })
    }

    /// A new handle over the primary and the replica, in the default (session) read
    /// consistency whatever the harness chose, with `options` (`k=v&..`) added to the
    /// primary's URL.
    async fn connect(&self, options: &str) -> Result<Database> {
        let sep = if self.primary.contains('?') { '&' } else { '?' };
        let primary = format!("{}{sep}read_consistency=session&{options}", self.primary);
        Database::connect_replicated(&primary, &[self.replica.as_str()]).await
    }

    fn remove(self) {
        if let Some(path) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// What the serving server says of itself: whether it is a read-only replica
/// (`None` on SQLite, whose files do not say).
async fn served_by_replica(db: &Database) -> Result<Option<bool>> {
    Ok(match db.backend() {
        "postgres" => Some(
            db.fetch_val::<bool>("SELECT pg_is_in_recovery()", ())
                .await?,
        ),
        "mysql" => Some(db.fetch_val::<i64>("SELECT @@read_only", ()).await? != 0),
        _ => None,
    })
}

/// Without replicas: the routing calls are harmless, every read is the primary's, and
/// a token of the primary's position can still be taken and given.
async fn without_replicas(db: &Database) -> Result<()> {
    assert_eq!(db.replica_count(), 0);
    db.create_all(&[OrmTest::table()]).await?;
    let mut row = OrmTest::new("only", None);
    db.add(&mut row).await?;
    assert_eq!(db.last_write_token(), None, "no tracking without replicas");
    let token = db.current_token().await?;
    let again: ReadToken = token.to_string().parse()?;
    assert_eq!(again, token);
    match db.backend() {
        "postgres" => assert_eq!(token.position().domains().len(), 1, "one WAL position"),
        "sqlite" => assert!(token.position().domains().is_empty(), "no positions"),
        // MariaDB: one GTID per domain written, none while the binary log is off.
        _ => {}
    }
    for handle in [db.primary(), db.session(), db.read_after(&again)] {
        assert_eq!(
            handle
                .query::<OrmTest>()
                .get(row.id.unwrap_or_default())
                .await?,
            Some(row.clone())
        );
        assert_eq!(
            served_by_replica(&handle).await?,
            served_by_replica(db).await?.map(|_| false)
        );
    }
    assert_eq!(db.routing_stats(), om::RoutingStats::default());
    Ok(())
}

/// Reads go to the replica (the serving server says it is one), writes and
/// everything in a transaction to the primary (the replica refuses writes), and a
/// handle reads its own writes at once.
pub async fn replica_serves_reads_primary_takes_writes(db: &Database) -> Result<()> {
    let Some(setup) = Replicated::of(db, "serves") else {
        return without_replicas(db).await;
    };
    // A long causal wait: every read here should find the replica caught up.
    let r = setup
        .connect("causal_wait_ms=10000&ryw_window_ms=0")
        .await?;
    assert_eq!(r.replica_count(), 1);
    r.create_all(&[OrmTest::table()]).await?;
    let mut row = OrmTest::new("written", None);
    r.add(&mut row).await?;
    assert_eq!(
        r.query::<OrmTest>().get(row.id.unwrap_or_default()).await?,
        Some(row.clone()),
        "the handle reads its own write"
    );
    assert_eq!(r.query::<OrmTest>().count().await?, 1);
    assert!(
        r.query::<OrmTest>()
            .filter(|c| c.name.eq("written"))
            .exists()
            .await?
    );
    let raw: Vec<(String,)> = r.fetch_all_as("SELECT name FROM orm_test", ()).await?;
    assert_eq!(raw, [("written".to_string(),)]);
    let stats = r.routing_stats();
    assert_eq!(stats.replica_reads.len(), 1);
    assert!(
        stats.replica_reads[0] >= 4,
        "reads served by the replica: {stats:?}"
    );

    // The serving connection says which server it is.
    if let Some(on_replica) = served_by_replica(&r).await? {
        assert!(on_replica, "a read is served by the replica");
        assert_eq!(
            served_by_replica(&r.primary()).await?,
            Some(false),
            "primary()"
        );
        let in_tx = r
            .transaction(async |tx| match tx.backend() {
                "postgres" => tx.fetch_val::<bool>("SELECT pg_is_in_recovery()", ()).await,
                _ => Ok(tx.fetch_val::<i64>("SELECT @@read_only", ()).await? != 0),
            })
            .await?;
        assert!(!in_tx, "a transaction runs on the primary");
    }
    // Raw writes, `INSERT .. RETURNING` through a fetch included, go to the primary.
    r.execute("UPDATE orm_test SET value = 'v'", ()).await?;
    let mut second = OrmTest::new("second", None);
    r.add(&mut second).await?;
    let names: Vec<String> = r
        .query::<OrmTest>()
        .order_by(|c| c.id.asc())
        .all()
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["written", "second"]);
    let before = r.routing_stats().primary_reads;
    assert_eq!(r.primary().query::<OrmTest>().count().await?, 2);
    assert_eq!(
        r.routing_stats().primary_reads,
        before + 1,
        "primary() reads the primary"
    );
    r.close().await;
    setup.remove();
    Ok(())
}

/// 1,000 write-then-read pairs: each write made through one handle, its token passed
/// as text to a second, separately connected handle, whose read sees the write. Where
/// the backend has replication positions, replicas serve such reads once they have
/// replayed the write; elsewhere (SQLite) the read goes to the primary within the
/// time window.
pub async fn read_token_passes_between_handles(db: &Database) -> Result<()> {
    let Some(setup) = Replicated::of(db, "token") else {
        return without_replicas(db).await;
    };
    let writer = setup.connect("").await?;
    let reader = setup.connect("").await?;
    writer.create_all(&[OrmTest::table()]).await?;
    let started = Instant::now();
    for i in 0..1000 {
        let mut row = OrmTest::new(&format!("row {i}"), None);
        writer.add(&mut row).await?;
        let token = writer
            .last_write_token()
            .expect("a replicated handle tracks its writes")
            .to_string();
        let token: ReadToken = token.parse()?;
        let seen = reader
            .read_after(&token)
            .query::<OrmTest>()
            .get(row.id.unwrap_or_default())
            .await?;
        assert_eq!(seen.map(|r| r.name), Some(format!("row {i}")), "pair {i}");
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(180),
        "1,000 pairs took {elapsed:?}"
    );
    let stats = reader.routing_stats();
    let by_replica = stats.replica_reads.iter().sum::<u64>();
    assert_eq!(by_replica + stats.primary_reads, 1000, "{stats:?}");
    if db.capabilities().replication_positions {
        assert!(by_replica > 0, "no read was served by a replica: {stats:?}");
        assert!(
            !writer
                .last_write_token()
                .expect("tracked")
                .position()
                .domains()
                .is_empty(),
            "the token names a position"
        );
    } else {
        assert_eq!(stats.primary_reads, 1000, "inside the window: {stats:?}");
    }
    writer.close().await;
    reader.close().await;
    setup.remove();
    Ok(())
}

/// A replica that cannot be reached does not stop the database from opening; reads
/// go to the primary, without errors.
pub async fn unreachable_replica_is_left_out(db: &Database) -> Result<()> {
    let sqlite = Replicated::of(db, "unreachable").filter(|s| s.file.is_some());
    let (primary, replica) = match &sqlite {
        Some(setup) => (
            setup.primary.clone(),
            format!(
                "{}.missing?mode=ro",
                setup.replica.trim_end_matches("?mode=ro")
            ),
        ),
        None => {
            let mut url =
                url::Url::parse(db.url().expose_str()).map_err(|e| om::Error::InvalidUrl {
                    url: String::new(),
                    reason: e.to_string(),
                })?;
            let _ = url.set_port(Some(1));
            (db.url().expose_str().to_string(), url.to_string())
        }
    };
    let r = Database::connect_replicated(&primary, &[replica.as_str()]).await?;
    assert_eq!(r.replica_count(), 1);
    r.create_all(&[OrmTest::table()]).await?;
    let mut row = OrmTest::new("kept", None);
    r.add(&mut row).await?;
    for _ in 0..3 {
        assert_eq!(
            r.session()
                .query::<OrmTest>()
                .get(row.id.unwrap_or_default())
                .await?,
            Some(row.clone())
        );
    }
    let stats = r.routing_stats();
    assert_eq!(stats.replica_reads, [0]);
    assert_eq!(stats.primary_reads, 3);
    if let Some(on_replica) = served_by_replica(&r.session()).await? {
        assert!(!on_replica);
    }
    r.close().await;
    if let Some(setup) = sqlite {
        setup.remove();
    }
    Ok(())
}

/// With `read_consistency=strong`, a read sees a write made through another handle (no
/// token given): it waits for a replica that replayed the primary's position at the
/// read, or, without positions (SQLite), reads the primary.
pub async fn strong_reads_see_every_committed_write(db: &Database) -> Result<()> {
    let Some(setup) = Replicated::of(db, "strong") else {
        return without_replicas(db).await;
    };
    let strong = setup
        .connect("read_consistency=strong&causal_wait_ms=10000")
        .await?;
    let sep = if setup.primary.contains('?') {
        '&'
    } else {
        '?'
    };
    let other = Database::connect(&format!("{}{sep}max_connections=1", setup.primary)).await?;
    other.create_all(&[OrmTest::table()]).await?;
    for i in 0..20 {
        other
            .add(&mut OrmTest::new(&format!("row {i}"), None))
            .await?;
        assert_eq!(
            strong.query::<OrmTest>().count().await?,
            i + 1,
            "after write {i}"
        );
    }
    let stats = strong.routing_stats();
    if db.capabilities().replication_positions {
        assert_eq!(
            stats.replica_reads,
            [20],
            "served by the replica: {stats:?}"
        );
    } else {
        assert_eq!(
            stats.primary_reads, 20,
            "no positions: the primary: {stats:?}"
        );
    }
    other.close().await;
    strong.close().await;
    setup.remove();
    Ok(())
}
