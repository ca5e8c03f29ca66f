//! Migrations generated from the models, from the command line.
//!
//! ```text
//! cargo run --example migrations -- generate init              # writes migrations/<version>_init/
//! cargo run --example migrations -- apply sqlite://app.db?mode=rwc
//! cargo run --example migrations -- status sqlite://app.db
//! cargo run --example migrations -- revert sqlite://app.db
//! cargo run --example migrations -- check sqlite://app.db      # drift
//! cargo run --example migrations -- demo                       # all of it, in a temp dir
//! ```
//!
//! An application does the same in its own binary with its own models:
//! `om::migrate::cli::run::<(User, Post)>(&Migrator::new("migrations"), args)`, and
//! applies pending migrations at start-up with `Migrator::new("migrations").apply(&db)`.

use om::migrate::{Migrator, cli};
use om::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Bookmark {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 200, index)]
    pub url: String,
    pub title: Option<String>,
    /// Not an `Option`: the column is NOT NULL with a database DEFAULT of 0.
    #[om(default = 0)]
    pub visits: i64,
}

/// The models this program's migrations cover.
type Models = (Bookmark,);

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = "migrations".to_string();
    if args.first().map(String::as_str) == Some("--dir") && args.len() > 1 {
        dir = args.remove(1);
        args.remove(0);
    }
    let outcome = if args.first().map(String::as_str) == Some("demo") {
        demo().await
    } else {
        cli::run::<Models>(&Migrator::new(dir), args).await
    };
    match outcome {
        Ok(out) => println!("{out}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Generates, applies, lists and reverts a migration in a temporary folder on an
/// in-memory SQLite database.
async fn demo() -> om::Result<String> {
    let dir = std::env::temp_dir().join(format!("om-migrations-demo-{}", std::process::id()));
    let migrator = Migrator::new(&dir);
    let mut out = Vec::new();
    let generated = migrator.generate::<Models>("create_bookmark")?;
    if let Some(m) = &generated {
        out.push(format!("generated {}", m.path.display()));
        out.push(m.up("sqlite")?);
    }
    let db = Database::connect("sqlite::memory:").await?;
    for m in migrator.apply(&db).await? {
        out.push(format!("applied {}_{}", m.version, m.name));
    }
    db.execute(
        "INSERT INTO bookmark (url) VALUES ('https://example.com')",
        (),
    )
    .await?;
    let visits: i64 = db.fetch_val("SELECT visits FROM bookmark", ()).await?;
    out.push(format!(
        "a row inserted without `visits` has visits = {visits}"
    ));
    for s in migrator.status(&db).await? {
        out.push(format!("{}_{}: {:?}", s.version, s.name, s.state));
    }
    if let Some(m) = migrator.revert(&db).await? {
        out.push(format!("reverted {}_{}", m.version, m.name));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out.join("\n"))
}
