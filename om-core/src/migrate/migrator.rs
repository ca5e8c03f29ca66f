//! [`Migrator`]: generates migrations from the models, applies and reverts them, and
//! tells which are applied.

use std::path::{Path, PathBuf};

use crate::database::Database;
use crate::driver::registry;
use crate::error::{Error, Result};
use crate::schema::{HistoryChange, Models, Schema, SchemaDialect, diff, invert};

use super::folder::{self, MigrationDir, SNAPSHOT_FILE};
use super::history::{self, AppliedMigration};
use super::{drift, snapshot_file};

/// The migrations of one folder: `Migrator::new("migrations")`.
#[derive(Debug, Clone)]
pub struct Migrator {
    dir: PathBuf,
}

/// Where a migration stands on a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationState {
    /// Applied, and its SQL is as it was then.
    Applied,
    /// In the folder, not applied yet.
    Pending,
    /// Applied, but its SQL was edited since (its checksum differs).
    Edited,
    /// Applied, but missing from the folder.
    Missing,
}

/// One migration's state, as [`Migrator::status`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Its version.
    pub version: String,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub state: MigrationState,
}

impl Migrator {
    /// The migrations in folder `dir` (created by the first [`generate`](Self::generate)).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Migrator { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The migrations in the folder, oldest first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] when the folder cannot be read.
    pub fn migrations(&self) -> Result<Vec<MigrationDir>> {
        folder::list(&self.dir)
    }

    /// The schema the folder's migrations end with (empty when there are none).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] when the newest snapshot cannot be read.
    pub fn snapshot(&self) -> Result<Schema> {
        match self.migrations()?.last() {
            Some(m) => m.schema(),
            None => Ok(Schema::new()),
        }
    }

    /// Writes a migration from the newest snapshot to the schema of models `M`
    /// (`migrator.generate::<(User, Post)>("add_email")`), with SQL for every backend
    /// compiled in; `None` when the models match the snapshot.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] for a name that is not letters, digits and `_`, or
    /// a folder that cannot be read or written; what [`Schema::of`] returns.
    pub fn generate<M: Models>(&self, name: &str) -> Result<Option<MigrationDir>> {
        self.generate_schema(&Schema::of::<M>()?, name)
    }

    /// [`generate`](Self::generate) for a schema built by hand.
    ///
    /// # Errors
    ///
    /// As [`generate`](Self::generate).
    pub fn generate_schema(&self, after: &Schema, name: &str) -> Result<Option<MigrationDir>> {
        if name.is_empty()
            || name.len() > 100
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(Error::InvalidMigration(format!(
                "a migration's name is 1 to 100 ASCII letters, digits or `_`, not `{name}`"
            )));
        }
        let existing = self.migrations()?;
        let before = match existing.last() {
            Some(m) => m.schema()?,
            None => Schema::new(),
        };
        let ops = diff(&before, after);
        if ops.is_empty() {
            return Ok(None);
        }
        let dialects = registry::schema_dialects();
        if dialects.is_empty() {
            return Err(Error::InvalidMigration(
                "no backend with migration support is compiled in".into(),
            ));
        }
        let mut version = folder::timestamp_now();
        if let Some(last) = existing.last()
            && folder::version_order(&version, &last.version).is_le()
        {
            version = increment(&last.version);
        }
        let path = self.dir.join(format!("{version}_{name}"));
        let mut files = Vec::new();
        let down_ops = invert(&ops);
        for dialect in dialects {
            let up = dialect.render(&ops, &before)?;
            let down = dialect.render(&down_ops, after)?;
            let backend = dialect.name();
            files.push((
                format!("up.{backend}.sql"),
                folder::sql_file(&version, name, "up", backend, &up),
            ));
            files.push((
                format!("down.{backend}.sql"),
                folder::sql_file(&version, name, "down", backend, &down),
            ));
        }
        files.push((SNAPSHOT_FILE.to_string(), snapshot_file::to_json(after)));
        std::fs::create_dir_all(&path).map_err(|e| folder::io_error(&path, &e))?;
        for (file, text) in files {
            folder::write(&path.join(file), &text)?;
        }
        Ok(Some(MigrationDir {
            version,
            name: name.to_string(),
            path,
        }))
    }

    /// Applies the pending migrations in order, each in a transaction where the
    /// backend's DDL is transactional, and records each in the history table
    /// (`om_migrations`). Call it at start-up. Returns the migrations it applied.
    ///
    /// Before anything runs it checks the applied migrations: each must still be in
    /// the folder with the SQL it had, and the live schema must match the snapshot
    /// they end with.
    ///
    /// # Errors
    ///
    /// [`Error::MigrationMissing`], [`Error::MigrationChecksumMismatch`],
    /// [`Error::SchemaDrift`]; the database's error for a statement that fails (the
    /// migration is then rolled back where DDL is transactional, and not recorded).
    pub async fn apply(&self, db: &Database) -> Result<Vec<MigrationDir>> {
        // The history and the live schema are read where they are written.
        let db = &db.primary();
        let dialect = dialect_of(db)?;
        let (local, applied) = self.verified(db, dialect).await?;
        let backend = dialect.name();
        let mut done = Vec::new();
        for m in local {
            if applied.iter().any(|a| a.version == m.version) {
                continue;
            }
            let sql = m.up(backend)?;
            let checksum = m.checksum(backend)?;
            run(
                db,
                dialect,
                &sql,
                history::record(&m.version, &m.name, &checksum)?,
            )
            .await?;
            done.push(m);
        }
        Ok(done)
    }

    /// Records every migration of the folder as applied without running it: how a
    /// database created before migrations (by `create_all`, or by hand) adopts them.
    /// The live schema must be the newest snapshot's. Returns the migrations recorded.
    ///
    /// # Errors
    ///
    /// [`Error::SchemaDrift`] when the live schema is not the newest snapshot's
    /// (nothing is recorded then); the errors of [`apply`](Self::apply)'s checks.
    pub async fn baseline(&self, db: &Database) -> Result<Vec<MigrationDir>> {
        // The history and the live schema are read where they are written.
        let db = &db.primary();
        let dialect = dialect_of(db)?;
        let (local, applied) = self.verified(db, dialect).await?;
        if let Some(newest) = local.last() {
            drift::check(db, dialect, &newest.schema()?).await?;
        }
        let mut done = Vec::new();
        for m in local {
            if applied.iter().any(|a| a.version == m.version) {
                continue;
            }
            let checksum = m.checksum(dialect.name())?;
            history::run(db, &history::record(&m.version, &m.name, &checksum)?).await?;
            done.push(m);
        }
        Ok(done)
    }

    /// Reverts the newest applied migration with its down SQL and removes it from the
    /// history; `None` when none is applied.
    ///
    /// # Errors
    ///
    /// As [`apply`](Self::apply).
    pub async fn revert(&self, db: &Database) -> Result<Option<MigrationDir>> {
        // The history and the live schema are read where they are written.
        let db = &db.primary();
        let dialect = dialect_of(db)?;
        let (local, applied) = self.verified(db, dialect).await?;
        let Some(newest) = applied.last() else {
            return Ok(None);
        };
        let Some(m) = local.into_iter().find(|m| m.version == newest.version) else {
            return Err(Error::MigrationMissing {
                version: newest.version.clone(),
                name: newest.name.clone(),
            });
        };
        let sql = m.down(dialect.name())?;
        run(db, dialect, &sql, history::forget(&m.version)).await?;
        Ok(Some(m))
    }

    /// Every migration of the folder and of the history, oldest first, with its state.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] when the folder cannot be read; the database's
    /// errors.
    pub async fn status(&self, db: &Database) -> Result<Vec<MigrationStatus>> {
        // The history and the live schema are read where they are written.
        let db = &db.primary();
        let dialect = dialect_of(db)?;
        history::ensure(db).await?;
        let applied = history::applied(db).await?;
        let local = self.migrations()?;
        let mut out = Vec::new();
        for m in &local {
            let state = match applied.iter().find(|a| a.version == m.version) {
                None => MigrationState::Pending,
                Some(a) if a.checksum != m.checksum(dialect.name())? => MigrationState::Edited,
                Some(_) => MigrationState::Applied,
            };
            out.push(MigrationStatus {
                version: m.version.clone(),
                name: m.name.clone(),
                state,
            });
        }
        for a in &applied {
            if !local.iter().any(|m| m.version == a.version) {
                out.push(MigrationStatus {
                    version: a.version.clone(),
                    name: a.name.clone(),
                    state: MigrationState::Missing,
                });
            }
        }
        out.sort_by(|a, b| folder::version_order(&a.version, &b.version));
        Ok(out)
    }

    /// Checks that the live database matches the snapshot of the newest applied
    /// migration (nothing to check when none is applied).
    ///
    /// # Errors
    ///
    /// [`Error::SchemaDrift`] naming the table and column that differ; the errors of
    /// [`apply`](Self::apply)'s checks.
    pub async fn check_drift(&self, db: &Database) -> Result<()> {
        // The history and the live schema are read where they are written.
        let db = &db.primary();
        let dialect = dialect_of(db)?;
        self.verified(db, dialect).await.map(drop)
    }

    /// The folder's migrations and the applied ones, after checking that every applied
    /// one is in the folder unchanged and that the live schema is the newest applied
    /// one's snapshot.
    async fn verified(
        &self,
        db: &Database,
        dialect: &dyn SchemaDialect,
    ) -> Result<(Vec<MigrationDir>, Vec<AppliedMigration>)> {
        history::ensure(db).await?;
        let applied = history::applied(db).await?;
        let local = self.migrations()?;
        let backend = dialect.name();
        for a in &applied {
            let Some(m) = local.iter().find(|m| m.version == a.version) else {
                return Err(Error::MigrationMissing {
                    version: a.version.clone(),
                    name: a.name.clone(),
                });
            };
            let found = m.checksum(backend)?;
            if found != a.checksum {
                return Err(Error::MigrationChecksumMismatch {
                    version: a.version.clone(),
                    name: a.name.clone(),
                    recorded: a.checksum.clone(),
                    found,
                });
            }
        }
        if let Some(newest) = applied.last()
            && let Some(m) = local.iter().find(|m| m.version == newest.version)
        {
            drift::check(db, dialect, &m.schema()?).await?;
        }
        Ok((local, applied))
    }
}

/// Runs a migration's statements, then its history change: the way the dialect asks
/// for ([`SchemaDialect::run`]), else in one transaction where the backend's DDL is
/// transactional, else one at a time (a failure then leaves the statements before it
/// applied and the migration unrecorded).
async fn run(
    db: &Database,
    dialect: &dyn SchemaDialect,
    sql: &str,
    change: HistoryChange,
) -> Result<()> {
    let statements = folder::split_statements(sql);
    if let Some(run) = dialect.run(db, &statements, &change) {
        return run.await;
    }
    if db.capabilities().transactional_ddl {
        let tx = db.begin().await?;
        for stmt in &statements {
            tx.execute(stmt.as_str(), ()).await?;
        }
        history::run(&tx, &change).await?;
        tx.commit().await
    } else {
        for stmt in &statements {
            db.execute(stmt.as_str(), ()).await?;
        }
        history::run(db, &change).await
    }
}

/// The next version after `version` (when the clock has not moved past it).
fn increment(version: &str) -> String {
    let mut digits: Vec<u8> = version.bytes().collect();
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return String::from_utf8(digits).unwrap_or_default();
        }
    }
    format!("1{}", String::from_utf8(digits).unwrap_or_default())
}

/// The migration dialect of the database's backend.
fn dialect_of(db: &Database) -> Result<&'static dyn SchemaDialect> {
    let backend = db.backend();
    registry::schema_dialects()
        .into_iter()
        .find(|d| d.name() == backend)
        .ok_or_else(|| Error::Unsupported {
            backend,
            feature: "migrations".into(),
        })
}
