//! From a `sqlite:` URL to a pool.

use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use om_core::url::SslMode;
use om_core::{DatabaseUrl, Error, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

use crate::MEMORY_CAPABILITIES;
use crate::executor::SqliteBackend;

/// The longest `busy_timeout`: SQLite takes it in milliseconds, as a C `int`.
const MAX_BUSY_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// Near misses of `sqlite::memory:`, which SQLite would read as a file named `memory`.
const MEMORY_TYPOS: [&str; 6] = [
    "sqlite:memory",
    "sqlite:memory:",
    "sqlite::memory",
    "sqlite://memory",
    "sqlite://memory:",
    "sqlite://:memory",
];

/// Opens the pool.
///
/// - An in-memory database is one database for the whole pool (SQLite's `memdb` VFS);
///   one connection stays open for the pool's whole life, so its tables live as long as
///   the pool. `cache=private` is refused: each connection would see its own empty one.
/// - `busy_timeout=` (seconds, default 5, at most 2147483.647) bounds how long a statement waits for a lock
///   another connection holds before failing with `Error::Busy`.
/// - A file database uses write-ahead logging unless `journal_mode=` says otherwise (or
///   it is opened read-only), so a write can run while a stream reads.
/// - `ssl`/`sslmode` other than `disable`/`prefer` are refused: SQLite has no network
///   connection to encrypt.
pub(crate) async fn connect(url: &DatabaseUrl) -> Result<om_sqlx::SqlxPool<SqliteBackend>> {
    let pool_options = url.pool_options()?;
    if !matches!(
        pool_options.ssl,
        None | Some(SslMode::Disable | SslMode::Prefer)
    ) {
        return Err(url.invalid(
            "SQLite has no network connection: ssl/sslmode can only be disable or prefer",
        ));
    }
    let raw = url.expose_str();
    let base = raw.split('?').next().unwrap_or(raw);
    if MEMORY_TYPOS.contains(&base) && !url.driver_options().any(|(k, _)| k == "mode") {
        return Err(url.invalid(format!(
            "`{base}` names a file called `memory`; did you mean `sqlite::memory:` (an \
             in-memory database)? (For a file of that name, write `sqlite://./memory` or add \
             `?mode=rwc`.)"
        )));
    }
    let mut journal = None;
    let mut busy_timeout = None;
    let mut query = Vec::new();
    for (k, v) in url.driver_options() {
        if k == "busy_timeout" {
            busy_timeout = Some(url.seconds(&k, &v, true, MAX_BUSY_TIMEOUT)?);
        } else if k == "journal_mode" {
            journal = Some(SqliteJournalMode::from_str(&v).map_err(|_| {
                url.invalid(format!(
                    "journal_mode must be delete, truncate, persist, memory, wal or off, not `{v}`"
                ))
            })?);
        } else {
            query.push(format!("{}={}", encode(&k), encode(&v)));
        }
    }
    let sqlx_url = if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", query.join("&"))
    };
    let mut options =
        SqliteConnectOptions::from_str(&sqlx_url).map_err(|e| url.invalid(e.to_string()))?;
    let option = |key: &str, value: &str| url.driver_options().any(|(k, v)| k == key && v == value);
    let in_memory = base.ends_with(":memory:") || option("mode", "memory");
    if in_memory && option("cache", "private") {
        return Err(url.invalid(
            "an in-memory database is one database for the whole pool: cache=private would \
             give each pooled connection its own empty one",
        ));
    }
    if in_memory {
        // One database for the whole pool, through SQLite's `memdb` VFS rather than a
        // shared cache: its locks are those of a file, so a write that meets an open
        // stream waits at most the busy timeout and fails with `Busy`, where a shared
        // cache's table lock would wait forever.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "/om-memory-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        options = options
            .filename(name)
            .in_memory(false)
            .shared_cache(false)
            .vfs("memdb")
            .create_if_missing(true);
    }
    if let Some(timeout) = busy_timeout {
        options = options.busy_timeout(timeout);
    }
    // Foreign keys (relations, inheritance) are enforced as on the other backends
    // (sqlx turns them on already; om does not depend on that default).
    options = options.foreign_keys(true);
    let read_only = option("mode", "ro") || option("immutable", "1") || option("immutable", "true");
    match journal {
        Some(mode) => options = options.journal_mode(mode),
        None if !in_memory && !read_only => options = options.journal_mode(SqliteJournalMode::Wal),
        None => {}
    }

    let mut pool = om_sqlx::pool_options::<sqlx::Sqlite>(&pool_options);
    if in_memory {
        pool = pool
            .min_connections(pool_options.min_connections.unwrap_or(1).max(1))
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let creates = in_memory || option("mode", "rwc");
    let pool = om_sqlx::open_pool(url, pool, options)
        .await
        .map_err(|e| match e {
            Error::Connection { url, source } if !creates => Error::Connection {
                url,
                source: format!(
                    "{source} (without `?mode=rwc` the database file must already exist)"
                )
                .into(),
            },
            other => other,
        })?;
    Ok(if in_memory {
        om_sqlx::SqlxPool::with_capabilities(pool, &MEMORY_CAPABILITIES)
    } else {
        om_sqlx::SqlxPool::new(pool)
    })
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
