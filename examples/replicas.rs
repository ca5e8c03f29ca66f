//! Read replicas: reads go to a replica, writes to the primary, and a read that must see
//! a write (this handle's own, or another process's through its token) sees it.
//!
//! `cargo run --example replicas` runs on SQLite, whose "replica" is a second, read-only
//! URL to the same file. On PostgreSQL or MariaDB give real URLs:
//! `cargo run --example replicas -- postgres://app@db1/app postgres://app@db2/app`.

use om::prelude::*;

/// An order.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "replica_orders")]
pub struct Order {
    /// Generated.
    #[om(primary_key)]
    pub id: Option<i64>,
    /// What was ordered.
    #[om(size = 100)]
    pub item: String,
}

#[tokio::main]
async fn main() -> om::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let file = std::env::temp_dir().join(format!("om-replicas-example-{}.db", std::process::id()));
    let (primary, replica) = match args.as_slice() {
        [p, r] => (p.clone(), r.clone()),
        _ => (
            format!("sqlite://{}?mode=rwc", file.display()),
            format!("sqlite://{}?mode=ro", file.display()),
        ),
    };
    let db = Database::connect_replicated(&primary, &[replica.as_str()]).await?;
    println!("{} with {} replica(s)", db.backend(), db.replica_count());

    db.drop_all(&[Order::table()]).await?;
    db.create_all(&[Order::table()]).await?;
    let mut order = Order {
        id: None,
        item: "book".into(),
    };
    db.add(&mut order).await?; // the primary
    let id = order.id.unwrap_or_default();

    // This handle reads its own write: from a replica that replayed it, or the primary.
    assert_eq!(db.query::<Order>().get(id).await?, Some(order.clone()));

    // Another process would get the token as text (a cookie, a job's payload) ...
    let token = db
        .last_write_token()
        .map(|t| t.to_string())
        .unwrap_or_default();
    println!("token: {token}");
    // ... and read after it, on a handle of its own.
    let other = Database::connect_replicated(&primary, &[replica.as_str()]).await?;
    let token: ReadToken = token.parse()?;
    let seen = other.read_after(&token).query::<Order>().get(id).await?;
    assert_eq!(seen, Some(order));

    // Reads with nothing to wait for go to the replica; `primary()` forces the primary.
    let reader = other.session();
    println!("orders: {}", reader.query::<Order>().count().await?);
    println!(
        "orders on the primary: {}",
        other.primary().query::<Order>().count().await?
    );
    println!("reads served: {:?}", other.routing_stats());

    db.drop_all(&[Order::table()]).await?;
    db.close().await;
    other.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    Ok(())
}
