//! Fresh databases per case, runtimes, and the `suite!` macro.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use om::{Database, Result};

/// A backend the suite can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in memory: always available.
    Sqlite,
    /// PostgreSQL at `OM_TEST_POSTGRES_URL`.
    Postgres,
    /// MySQL or MariaDB at `OM_TEST_MYSQL_URL`.
    Mysql,
}

impl Backend {
    /// The environment variable holding the server's URL, for server backends.
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("OM_TEST_POSTGRES_URL"),
            Backend::Mysql => Some("OM_TEST_MYSQL_URL"),
        }
    }

    /// The backend's name, as `Database::backend` reports it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// The environment variable holding a read replica's URL of the server (same user
    /// rights as on the primary, but read-only): when it is set, every case's database
    /// is connected with that replica (`Database::connect_replicated`).
    pub fn replica_env_var(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some("OM_TEST_POSTGRES_REPLICA_URL"),
            Backend::Mysql => Some("OM_TEST_MYSQL_REPLICA_URL"),
        }
    }

    /// The replica URL of the server, when one is configured.
    pub fn replica_url(self) -> Option<String> {
        let var = self.replica_env_var()?;
        std::env::var(var).ok().filter(|u| !u.trim().is_empty())
    }

    /// The server URL, or why the suite cannot run here.
    pub fn server_url(self) -> std::result::Result<Option<String>, String> {
        let Some(var) = self.env_var() else {
            return Ok(None);
        };
        match std::env::var(var) {
            Ok(url) if !url.trim().is_empty() => Ok(Some(url)),
            _ => Err(format!("{var} is not set")),
        }
    }

    /// A fresh, empty database for one case.
    pub async fn fresh(self) -> Result<TestDb> {
        let Some(server) = self.server_url().map_err(|reason| om::Error::InvalidUrl {
            url: String::new(),
            reason,
        })?
        else {
            return Ok(TestDb {
                db: Database::connect("sqlite::memory:").await?,
                admin: None,
                name: String::new(),
            });
        };
        let name = unique_name();
        let admin = Database::connect(&server).await?;
        admin
            .execute(&format!("CREATE DATABASE {name}"), vec![])
            .await?;
        let mut url = url::Url::parse(&server).map_err(|e| om::Error::InvalidUrl {
            url: String::new(),
            reason: e.to_string(),
        })?;
        url.set_path(&format!("/{name}"));
        let db = match self.replica_url() {
            None => Database::connect(url.as_str()).await?,
            Some(replica) => {
                let mut replica = url::Url::parse(&replica).map_err(|e| om::Error::InvalidUrl {
                    url: String::new(),
                    reason: e.to_string(),
                })?;
                replica.set_path(&format!("/{name}"));
                if let Err(e) = wait_for_database(replica.as_str(), &name).await {
                    let _ = admin
                        .execute(&format!("DROP DATABASE {name}"), vec![])
                        .await;
                    admin.close().await;
                    return Err(e);
                }
                // Strong reads: cases write through handles of their own (a pool of one
                // connection, a second `Database`) and read through this one, without
                // tokens.
                // (Set in code, so that the case's URL stays the primary's own.)
                let replica = om::DatabaseUrl::parse(replica.as_str())?;
                Database::connect_with(url.as_str(), |o| o.replica(replica).strong_reads(true))
                    .await?
            }
        };
        Ok(TestDb {
            db,
            admin: Some(admin),
            name,
        })
    }
}

/// Set once a replica failed to receive a new database: it is not replaying the
/// primary, so the cases after the first fail at once instead of waiting each.
static REPLICA_STALLED: AtomicBool = AtomicBool::new(false);

/// Waits (up to 10 s) until the new database `name` has reached the replica, so that
/// the case starts with a replica that can serve. A replica that does not receive it
/// in that time is not replaying the primary (stopped, or missing the primary's
/// write-ahead log): the case fails, naming it, rather than running on the primary
/// alone and passing for the wrong reason.
async fn wait_for_database(replica: &str, name: &str) -> Result<()> {
    let stalled = || om::Error::Connection {
        url: om::DatabaseUrl::parse(replica)
            .map(|u| u.redacted())
            .unwrap_or_default(),
        source: format!(
            "the replica did not receive the new database {name} within 10 s: \
             it is not replaying the primary"
        )
        .into(),
    };
    if REPLICA_STALLED.load(Ordering::Relaxed) {
        return Err(stalled());
    }
    for _ in 0..100 {
        if let Ok(db) = Database::connect(replica).await {
            db.close().await;
            return Ok(());
        }
        crate::rt::sleep(std::time::Duration::from_millis(100)).await;
    }
    REPLICA_STALLED.store(true, Ordering::Relaxed);
    Err(stalled())
}

fn unique_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "om_test_{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// A database made for one case, dropped by [`TestDb::cleanup`].
#[derive(Debug)]
pub struct TestDb {
    /// The database the case uses.
    pub db: Database,
    admin: Option<Database>,
    name: String,
}

impl TestDb {
    /// Closes the database and drops it from its server.
    pub async fn cleanup(self) -> Result<()> {
        self.db.close().await;
        if let Some(admin) = self.admin {
            let sql = match admin.backend() {
                "postgres" => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                _ => format!("DROP DATABASE IF EXISTS {}", self.name),
            };
            admin.execute(&sql, vec![]).await?;
            admin.close().await;
        }
        Ok(())
    }
}

/// A case: an async function of a fresh database.
pub type Case = for<'a> fn(&'a Database) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Runs one case on `backend`, on the runtime the crate was built for.
///
/// Panics (fails the test) when the case fails, and when the backend's server is
/// unset or unreachable.
pub fn run(backend: Backend, name: &str, case: Case) {
    if let Err(reason) = backend.server_url() {
        // The backend's test file marks its cases ignored, with this reason, when the
        // server is not configured; reaching here means it was run explicitly.
        panic!("the {} suite cannot run: {reason}", backend.name());
    }
    block_on(async move {
        let test_db = backend.fresh().await.unwrap_or_else(|e| {
            panic!(
                "cannot make a fresh {} database: {}",
                backend.name(),
                with_sources(&e)
            )
        });
        assert_eq!(test_db.db.backend(), backend.name());
        // A failed assertion panics: catch it so the case's database is still dropped.
        let outcome = AssertUnwindSafe(case(&test_db.db)).catch_unwind().await;
        let cleanup = test_db.cleanup().await;
        match outcome {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(Err(e)) => panic!("case {name} failed on {}: {e} ({e:?})", backend.name()),
            Ok(Ok(())) => {}
        }
        if let Err(e) = cleanup {
            panic!("cleanup after {name} failed on {}: {e}", backend.name());
        }
    });
}

/// `e` and the errors it wraps, joined by `: `.
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

#[cfg(feature = "runtime-async-std")]
fn block_on<F: Future>(future: F) -> F::Output {
    async_std::task::block_on(future)
}

#[cfg(all(feature = "runtime-smol", not(feature = "runtime-async-std")))]
fn block_on<F: Future>(future: F) -> F::Output {
    smol::block_on(future)
}

#[cfg(all(
    feature = "runtime-tokio",
    not(any(feature = "runtime-async-std", feature = "runtime-smol"))
))]
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the test")
        .block_on(future)
}

#[cfg(not(any(
    feature = "runtime-tokio",
    feature = "runtime-async-std",
    feature = "runtime-smol"
)))]
compile_error!(
    "om-testkit needs the `runtime-tokio`, `runtime-async-std` or `runtime-smol` feature"
);

/// Expands to one `#[test]` per conformance case for a backend, each carrying the given
/// attributes (an `ignore` with its reason when the backend's server is not configured):
///
/// ```ignore
/// om_testkit::suite!(om_testkit::Backend::Postgres,
///     #[cfg_attr(not(om_test_postgres), ignore = "OM_TEST_POSTGRES_URL is not set")]);
/// ```
#[macro_export]
macro_rules! suite {
    ($backend:expr $(, #[$meta:meta])* $(,)?) => {
        $crate::for_each_case!([$backend] [$(#[$meta])*]);
    };
}

/// One `#[test]` per case. Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __case_tests {
    ([$backend:expr] $attrs:tt $($module:ident :: $case:ident),* $(,)?) => {
        $( $crate::__case_test!([$backend] $attrs $module :: $case); )*
    };
}

/// The `#[test]` of one case. Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __case_test {
    ([$backend:expr] [$($attrs:tt)*] $module:ident :: $case:ident) => {
        #[test]
        $($attrs)*
        fn $case() {
            $crate::run($backend, stringify!($case), |db| {
                ::std::boxed::Box::pin($crate::cases::$module::$case(db))
            });
        }
    };
}
