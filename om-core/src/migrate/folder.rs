//! The migrations folder: one folder per migration, `<version>_<name>/`, holding
//! `up.<backend>.sql` and `down.<backend>.sql` for each backend and `schema.json`, the
//! snapshot of the schema after it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::schema::Schema;

use super::snapshot_file;

/// The snapshot file in each migration's folder.
pub const SNAPSHOT_FILE: &str = "schema.json";

/// One migration on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationDir {
    /// Its version: digits that order migrations (a UTC timestamp, `20260102150405`).
    pub version: String,
    /// Its name, after the version in the folder's name.
    pub name: String,
    /// Its folder.
    pub path: PathBuf,
}

impl MigrationDir {
    /// The SQL that applies it on `backend` (`up.<backend>.sql`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] when the file cannot be read.
    pub fn up(&self, backend: &str) -> Result<String> {
        read(&self.path.join(format!("up.{backend}.sql")))
    }

    /// The SQL that reverts it on `backend` (`down.<backend>.sql`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] when the file cannot be read.
    pub fn down(&self, backend: &str) -> Result<String> {
        read(&self.path.join(format!("down.{backend}.sql")))
    }

    /// The schema after it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMigration`] when the snapshot cannot be read or parsed.
    pub fn schema(&self) -> Result<Schema> {
        let path = self.path.join(SNAPSHOT_FILE);
        snapshot_file::from_json(&read(&path)?, &path.display().to_string())
    }

    /// The checksum of its SQL for `backend` (up and down), as the history table
    /// records it.
    ///
    /// # Errors
    ///
    /// As [`MigrationDir::up`].
    pub fn checksum(&self, backend: &str) -> Result<String> {
        Ok(checksum(&self.up(backend)?, &self.down(backend)?))
    }
}

/// The migrations in `dir`, oldest first; none when `dir` does not exist. Entries that
/// are not `<digits>_<name>` folders are ignored.
///
/// # Errors
///
/// [`Error::InvalidMigration`] when `dir` cannot be read, or two migrations share a
/// version.
pub fn list(dir: &Path) -> Result<Vec<MigrationDir>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, &e))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((version, name)) = file_name.split_once('_') else {
            continue;
        };
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        out.push(MigrationDir {
            version: version.to_string(),
            name: name.to_string(),
            path,
        });
    }
    out.sort_by(|a, b| version_order(&a.version, &b.version));
    if let Some(pair) = out.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(Error::InvalidMigration(format!(
            "migrations `{}` and `{}` share version {}",
            pair[0].name, pair[1].name, pair[0].version
        )));
    }
    Ok(out)
}

/// Orders versions as numbers (a shorter run of digits is smaller).
pub(crate) fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Writes `text` to `path`.
pub(crate) fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| io_error(path, &e))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| io_error(path, &e))
}

pub(crate) fn io_error(path: &Path, e: &std::io::Error) -> Error {
    Error::InvalidMigration(format!("{}: {e}", path.display()))
}

/// The statements of a migration's SQL file: each ends with `;` at the end of a line;
/// lines that start with `--` outside a statement are comments.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with("--")) {
            continue;
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
        if let Some(stmt) = trimmed.strip_suffix(';') {
            let _ = stmt;
            let text = current.trim().trim_end_matches(';').trim().to_string();
            if !text.is_empty() {
                out.push(text);
            }
            current.clear();
        }
    }
    let rest = current.trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// The checksum the history table records for a migration: 64-bit FNV-1a over its up
/// and down SQL, in hex (stable across Rust versions and platforms).
pub fn checksum(up: &str, down: &str) -> String {
    let hash = up
        .bytes()
        .chain(std::iter::once(0))
        .chain(down.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    format!("{hash:016x}")
}

/// A migration's SQL file: a header, then each statement followed by `;` and a newline.
pub(crate) fn sql_file(
    version: &str,
    name: &str,
    direction: &str,
    backend: &str,
    statements: &[String],
) -> String {
    let mut out = format!(
        "-- om migration {version}_{name}: {direction} on {backend}.\n\
         -- Edit freely: each statement ends with `;` at the end of a line.\n"
    );
    if statements.is_empty() {
        out.push_str("-- (nothing to do)\n");
    }
    for s in statements {
        out.push_str(s);
        out.push_str(";\n");
    }
    out
}

/// The UTC time now as `YYYYMMDDHHMMSS`.
pub(crate) fn timestamp_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
