//! The cost of routing reads to replicas (see BENCHMARKS.md, "Read replicas"):
//!
//!     routing get <plain|replica> <iterations>
//!
//! runs `get` on a SQLite file, opened plainly or with a second URL to the same file as
//! its replica, for `benches/routing.sh` to count the instructions of each with
//! callgrind; and
//!
//!     routing rps <primary url> [replica url] [seconds] [readers]
//!
//! prints the reads per second of `readers` (16) tasks each running `get` for
//! `seconds` (5), on the primary alone or with the replica.
//!
//! Under `cargo bench` (which passes `--bench`) it does nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use om::prelude::*;

/// The row read.
#[derive(Model, Debug, Clone)]
#[om(table = "routing_bench")]
pub struct Item {
    /// Key.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// Name.
    #[om(size = 100)]
    pub name: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: routing get <plain|replica> <iterations>\n\
         \x20      routing rps <primary url> [replica url] [seconds] [readers]"
    );
    std::process::exit(2)
}

async fn fill(db: &Database, rows: i64) -> om::Result<()> {
    db.drop_all(&[Item::table()]).await?;
    db.create_all(&[Item::table()]).await?;
    let mut items: Vec<Item> = (0..rows)
        .map(|i| Item {
            id: None,
            name: format!("item {i}"),
        })
        .collect();
    db.add_all(&mut items).await
}

async fn get(mode: &str, n: usize) -> om::Result<()> {
    let path = std::env::temp_dir().join(format!("om-routing-{}.db", std::process::id()));
    let file = path.display().to_string();
    let primary = format!("sqlite://{file}?mode=rwc");
    let db = match mode {
        "plain" => Database::connect(&primary).await?,
        "replica" => {
            Database::connect_replicated(&primary, &[&format!("sqlite://{file}?mode=ro")]).await?
        }
        _ => usage(),
    };
    fill(&db, 10).await?;
    // A handle with no writes of its own to wait for: its reads go to the replica.
    let reader = db.session();
    for i in 0..n {
        let found = reader.query::<Item>().get((i % 10) as i64 + 1).await?;
        std::hint::black_box(found);
    }
    if mode == "replica" && n > 0 {
        assert_eq!(
            db.routing_stats().replica_reads,
            [n as u64],
            "served by the replica"
        );
    }
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{file}{suffix}"));
    }
    Ok(())
}

async fn rps(primary: &str, replica: Option<&str>, seconds: u64, readers: usize) -> om::Result<()> {
    let db = match replica {
        Some(r) => Database::connect_replicated(primary, &[r]).await?,
        None => Database::connect(primary).await?,
    };
    fill(&db, 1000).await?;
    if let Some(token) = db.last_write_token() {
        // Wait for the replica to hold the rows before timing.
        db.read_after(&token).query::<Item>().count().await?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for t in 0..readers {
        let (db, stop, reads) = (db.session(), stop.clone(), reads.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = t as i64;
            while !stop.load(Ordering::Relaxed) {
                db.query::<Item>().get(i % 1000 + 1).await?;
                reads.fetch_add(1, Ordering::Relaxed);
                i += 7;
            }
            Ok::<_, om::Error>(())
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    for task in tasks {
        task.await.map_err(|e| om::Error::Io(Box::new(e)))??;
    }
    let n = reads.load(Ordering::Relaxed);
    println!(
        "{} readers, {}: {:.0} reads/s ({:?})",
        readers,
        if replica.is_some() {
            "primary + replica"
        } else {
            "primary alone"
        },
        n as f64 / elapsed,
        db.routing_stats()
    );
    db.drop_all(&[Item::table()]).await?;
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("--bench") => return Ok(()),
        Some("get") => {
            let n = args
                .get(2)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| usage());
            get(args.get(1).map_or("", String::as_str), n).await
        }
        Some("rps") => {
            let primary = args.get(1).unwrap_or_else(|| usage());
            let replica = args.get(2).filter(|r| !r.is_empty() && *r != "-");
            let seconds = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
            let readers = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(16);
            rps(primary, replica.map(String::as_str), seconds, readers).await
        }
        _ => usage(),
    };
    outcome.map_err(|e| e.to_string())
}
