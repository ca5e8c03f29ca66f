//! A ready-made command line for an application's own binary (or an example):
//!
//! ```text
//! generate <name>          write a migration from the models to the migrations folder
//! apply   [database-url]   apply the pending migrations
//! status  [database-url]   list the migrations and whether each is applied
//! revert  [database-url]   revert the newest applied migration
//! check   [database-url]   check the live schema against the migrations (drift)
//! baseline [database-url]  record every migration as applied, without running it, on a
//!                          database whose schema is already the newest snapshot's
//! ```
//!
//! The URL defaults to the `DATABASE_URL` environment variable.

use crate::database::Database;
use crate::error::{Error, Result};
use crate::schema::Models;

use super::{MigrationState, Migrator};

/// What `om::migrate::cli::run` prints for `help` or a wrong command.
pub const USAGE: &str = "usage: <command> [argument]
  generate <name>          write a migration from the models to the migrations folder
  apply   [database-url]   apply the pending migrations
  status  [database-url]   list the migrations and whether each is applied
  revert  [database-url]   revert the newest applied migration
  check   [database-url]   check the live schema against the migrations (drift)
  baseline [database-url]  record every migration as applied without running it
                           (a database created before migrations, e.g. by create_all)
The database URL defaults to $DATABASE_URL.";

/// Runs one command for models `M` over `migrator`'s folder; `args` are the command
/// and its argument (without the program's name). Returns what to print.
///
/// ```text
/// // in the application's src/bin/migrate.rs, with its models:
/// let out = om::migrate::cli::run::<(User, Post)>(
///     &Migrator::new("migrations"),
///     std::env::args().skip(1),
/// ).await?;
/// println!("{out}");
/// ```
///
/// # Errors
///
/// [`Error::InvalidMigration`] with [`USAGE`] for a wrong command; what the command
/// returns.
pub async fn run<M: Models>(
    migrator: &Migrator,
    args: impl IntoIterator<Item = String>,
) -> Result<String> {
    let mut args = args.into_iter();
    let command = args.next().unwrap_or_default();
    let arg = args.next();
    let connect = || async {
        let url = match &arg {
            Some(url) => url.clone(),
            None => std::env::var("DATABASE_URL").map_err(|_| {
                Error::InvalidMigration("no database URL: pass one or set DATABASE_URL".to_string())
            })?,
        };
        Database::connect(&url).await
    };
    match command.as_str() {
        "generate" => {
            let name = arg.as_deref().unwrap_or("migration");
            Ok(match migrator.generate::<M>(name)? {
                Some(m) => format!("wrote {}", m.path.display()),
                None => "the models match the newest snapshot: nothing to generate".to_string(),
            })
        }
        "apply" => {
            let db = connect().await?;
            let applied = migrator.apply(&db).await?;
            db.close().await;
            Ok(if applied.is_empty() {
                "no pending migration".to_string()
            } else {
                applied
                    .iter()
                    .map(|m| format!("applied {}_{}", m.version, m.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        "revert" => {
            let db = connect().await?;
            let reverted = migrator.revert(&db).await?;
            db.close().await;
            Ok(match reverted {
                Some(m) => format!("reverted {}_{}", m.version, m.name),
                None => "no applied migration".to_string(),
            })
        }
        "status" => {
            let db = connect().await?;
            let status = migrator.status(&db).await?;
            db.close().await;
            if status.is_empty() {
                return Ok("no migration".to_string());
            }
            Ok(status
                .iter()
                .map(|s| {
                    let state = match s.state {
                        MigrationState::Applied => "applied",
                        MigrationState::Pending => "pending",
                        MigrationState::Edited => "EDITED after it was applied",
                        MigrationState::Missing => "MISSING from the folder",
                    };
                    format!("{}_{}: {state}", s.version, s.name)
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        "baseline" => {
            let db = connect().await?;
            let recorded = migrator.baseline(&db).await;
            db.close().await;
            Ok(format!(
                "recorded {} migration(s) as applied",
                recorded?.len()
            ))
        }
        "check" => {
            let db = connect().await?;
            let checked = migrator.check_drift(&db).await;
            db.close().await;
            checked.map(|()| "the database matches the applied migrations".to_string())
        }
        _ => Err(Error::InvalidMigration(USAGE.to_string())),
    }
}
