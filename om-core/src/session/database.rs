//! [`Database`]: a pool of connections to one database, chosen by URL.

use std::fmt;
use std::sync::Arc;

use crate::driver::{Driver, Executor, Pool, registry};
use crate::error::{Error, Result};
use crate::logging::{Captures, LogOptions, Logged, StatementCapture};
use crate::options::ConnectOptions;
use crate::session::position::ReadToken;
use crate::session::routing::{Route, Routed, Router, Tracked};
use crate::session::test_mode::ForceRollback;
use crate::session::{Session, session_methods};
use crate::transaction::{RetryPolicy, Retryable, Transaction, TransactionOptions};
use crate::url::DatabaseUrl;

/// A connection pool to one database. Cheap to clone (clones share the pool), `Send`
/// and `Sync`.
#[derive(Clone)]
pub struct Database {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Box<dyn Pool>,
    driver: &'static dyn Driver,
    url: DatabaseUrl,
    options: ConnectOptions,
    /// The statement captures, shared with every layer of the pool's executors.
    captures: Arc<Captures>,
    /// With replicas: the router under `pool`, and what this handle's reads must see.
    route: Option<Route>,
}

/// How many reads each server of a replicated [`Database`] served, since it was
/// opened (all its handles together).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RoutingStats {
    /// Reads served by the primary (forced, waiting for a write, or no usable replica).
    pub primary_reads: u64,
    /// Reads served by each replica, in the order they were given.
    pub replica_reads: Vec<u64>,
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.inner.driver.name())
            .field("url", &self.inner.url)
            .finish()
    }
}

impl Session for Database {
    fn executor(&self) -> &dyn Executor {
        &*self.inner.pool
    }
}

impl Database {
    /// Connects to the database at `url`; its scheme picks the driver.
    ///
    /// `sqlite::memory:`, `sqlite://file.db?mode=rwc`, `postgres://user:pw@host/db`,
    /// `mysql://user:pw@host/db`. Every driver reads `min_connections`,
    /// `max_connections`, `acquire_timeout` (seconds) and `ssl`/`sslmode` from the
    /// query string.
    ///
    /// om's own options: `force_rollback=true` (test mode, see
    /// [`connect_test`](Self::connect_test)), `log_values=true` and
    /// `slow_statement_ms=N` (see [`ConnectOptions`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// let db = om::Database::connect("sqlite::memory:").await?;
    /// assert_eq!(db.backend(), "sqlite");
    /// # Ok(()) }
    /// ```
    pub async fn connect(url: &str) -> Result<Database> {
        let parsed = DatabaseUrl::parse(url)?;
        let options = ConnectOptions::from_url(&parsed)?;
        Self::open(parsed, options).await
    }

    /// Connects with om's options set in code: `configure` receives the URL's options
    /// (defaults where it gives none) and returns the ones to use:
    /// `Database::connect_with(url, |o| o.log_values(true))`.
    pub async fn connect_with(
        url: &str,
        configure: impl FnOnce(ConnectOptions) -> ConnectOptions,
    ) -> Result<Database> {
        let parsed = DatabaseUrl::parse(url)?;
        let options = configure(ConnectOptions::from_url(&parsed)?);
        Self::open(parsed, options).await
    }

    /// Connects in test mode (encode/databases' `force_rollback`): every statement runs
    /// in one transaction on one connection, rolled back when the database is
    /// [`close`](Self::close)d or its last clone is dropped, so a test leaves nothing
    /// behind. The same as `force_rollback=true` in the URL.
    ///
    /// Statements from several tasks take turns on that connection. `begin` (and
    /// `transaction`) opens a savepoint of the one transaction; `begin_owned` fails
    /// with `Unsupported`. A stream reads all its rows at its first step, so that other
    /// statements never wait for it. A failed statement leaves the database usable, as
    /// outside test mode (on PostgreSQL each statement runs in a savepoint of its own
    /// for that). Create tables before, with a normal connection, where DDL is not
    /// transactional (MySQL commits at each `CREATE TABLE`).
    pub async fn connect_test(url: &str) -> Result<Database> {
        let parsed = DatabaseUrl::parse(url)?;
        let options = ConnectOptions::from_url(&parsed)?.force_rollback(true);
        Self::open(parsed, options).await
    }

    /// Connects to a primary and its read replicas: writes, DDL and transactions go to
    /// the primary, reads to a replica, and a read after this handle's writes sees them
    /// (see [`read_after`](Self::read_after) and the README's "Scaling out").
    ///
    /// `Database::connect_replicated("postgres://app@db1/app", &["postgres://app@db2/app"])`.
    /// The same as `replica=host:port` options in the primary's URL; om's options
    /// (`max_replica_lag_ms`, `causal_wait_ms`, ...) are read from the primary's URL. A
    /// replica that cannot be reached is left out and tried again later; the primary must
    /// be reachable.
    pub async fn connect_replicated(primary: &str, replicas: &[&str]) -> Result<Database> {
        let parsed = DatabaseUrl::parse(primary)?;
        let mut options = ConnectOptions::from_url(&parsed)?;
        for replica in replicas {
            options.replicas.push(DatabaseUrl::parse(replica)?);
        }
        Self::open(parsed, options).await
    }

    async fn open(url: DatabaseUrl, options: ConnectOptions) -> Result<Database> {
        let driver = registry::lookup(url.scheme())?;
        url.pool_options()?;
        let mut pool = driver.connect(&url).await?;
        let mut route = None;
        if options.force_rollback {
            // Test mode runs everything on one connection of the primary.
            pool = Box::new(ForceRollback::new(pool).await?);
        } else if !options.replicas.is_empty() {
            let router = Arc::new(Router::connect(driver, pool, &options).await?);
            let r = Route {
                router,
                tracked: Arc::default(),
                primary_only: false,
            };
            pool = Box::new(Routed { route: r.clone() });
            route = Some(r);
        }
        let captures = Arc::new(Captures::default());
        let log = LogOptions::new(&options, Arc::clone(&captures));
        let pool: Box<dyn Pool> = Box::new(Logged::pool(pool, log));
        Ok(Database {
            inner: Arc::new(Inner {
                pool,
                driver,
                url,
                options,
                captures,
                route,
            }),
        })
    }

    /// A handle over the same pools whose reads follow `route`.
    fn routed(&self, route: Route) -> Database {
        let inner = &self.inner;
        let log = LogOptions::new(&inner.options, Arc::clone(&inner.captures));
        let routed: Box<dyn Pool> = Box::new(Routed {
            route: route.clone(),
        });
        Database {
            inner: Arc::new(Inner {
                pool: Box::new(Logged::pool(routed, log)),
                driver: inner.driver,
                url: inner.url.clone(),
                options: inner.options.clone(),
                captures: Arc::clone(&inner.captures),
                route: Some(route),
            }),
        }
    }

    /// A handle whose reads go to the primary (writes made through it count as this
    /// handle's). Without replicas, a clone of this one.
    pub fn primary(&self) -> Database {
        match &self.inner.route {
            Some(route) => self.routed(Route {
                primary_only: true,
                ..route.clone()
            }),
            None => self.clone(),
        }
    }

    /// A handle over the same pools that tracks its own writes: its reads see the
    /// writes made through it (and its clones), not waiting for those of other
    /// handles. One per web request or job keeps replicas serving under a steady write
    /// load. Without replicas, a clone of this one.
    pub fn session(&self) -> Database {
        match &self.inner.route {
            Some(route) => self.routed(Route {
                tracked: Arc::default(),
                ..route.clone()
            }),
            None => self.clone(),
        }
    }

    /// A handle (as [`session`](Self::session)) whose reads see at least the write
    /// `token` names, whichever handle or process made it, as well as this handle's
    /// own writes: from a replica that has replayed it (waiting up to `causal_wait`)
    /// or else from the primary.
    pub fn read_after(&self, token: &ReadToken) -> Database {
        let Some(route) = &self.inner.route else {
            return self.clone();
        };
        let mut merged = token.clone();
        if let Some(own) = self.last_write_token() {
            merged.merge(&own);
        }
        self.routed(Route {
            tracked: Arc::new(std::sync::Mutex::new(Tracked::from_token(merged))),
            primary_only: false,
            ..route.clone()
        })
    }

    /// The token of the writes this handle made (merged), for another handle or
    /// process to [`read_after`](Self::read_after); `None` before the first write, and
    /// always without replicas (use [`current_token`](Self::current_token) there).
    pub fn last_write_token(&self) -> Option<ReadToken> {
        let route = self.inner.route.as_ref()?;
        let tracked = route.tracked.lock().unwrap_or_else(|e| e.into_inner());
        tracked.token.clone()
    }

    /// A token of every write committed on the primary so far, read from it now (with
    /// or without replicas configured): a read given it sees them all.
    pub async fn current_token(&self) -> Result<ReadToken> {
        let position = match (&self.inner.route, self.inner.driver.replication()) {
            (Some(route), _) => route.router.primary_position().await,
            (None, Some(replication)) => crate::session::routing::position_of(
                &*self.inner.pool,
                replication,
                replication.current,
            )
            .await
            .ok()
            .flatten(),
            (None, None) => None,
        };
        Ok(ReadToken::new(position.unwrap_or_default()))
    }

    /// How many read replicas this database has (`0` without replicas, and in test
    /// mode, which runs everything on the primary).
    pub fn replica_count(&self) -> usize {
        self.inner
            .route
            .as_ref()
            .map_or(0, |r| r.router.replicas.len())
    }

    /// The replicas' URLs (displayed with their passwords redacted).
    pub fn replica_urls(&self) -> Vec<&DatabaseUrl> {
        self.inner.route.as_ref().map_or_else(Vec::new, |r| {
            r.router.replicas.iter().map(|r| &r.url).collect()
        })
    }

    /// How many reads the primary and each replica served so far; all zero without
    /// replicas.
    pub fn routing_stats(&self) -> RoutingStats {
        let Some(route) = &self.inner.route else {
            return RoutingStats::default();
        };
        RoutingStats {
            primary_reads: route
                .router
                .primary_reads
                .load(std::sync::atomic::Ordering::Relaxed),
            replica_reads: route
                .router
                .replicas
                .iter()
                .map(|r| r.served.load(std::sync::atomic::Ordering::Relaxed))
                .collect(),
        }
    }

    /// om's options for this database.
    pub fn options(&self) -> &ConnectOptions {
        &self.inner.options
    }

    /// Starts counting the statements this database runs, for a test to assert on:
    /// every statement of this database, its clones, their transactions and savepoints
    /// (`BEGIN`, `COMMIT` and `ROLLBACK` included) and streams, from now until the
    /// returned [`StatementCapture`] is dropped. Several captures may be active at once;
    /// each sees every statement after it started. See [`StatementCapture`] for what
    /// counts as one statement.
    ///
    /// ```no_run
    /// # async fn run(db: om_core::Database) -> om_core::Result<()> {
    /// let capture = db.capture_statements();
    /// db.fetch_all("SELECT 1", ()).await?;
    /// db.transaction(async |tx| tx.execute("SELECT 2", ()).await).await?;
    /// assert_eq!(capture.statements(), ["SELECT 1", "BEGIN", "SELECT 2", "COMMIT"]);
    /// # Ok(()) }
    /// ```
    ///
    /// While no capture is active, a statement pays one relaxed atomic load for this.
    pub fn capture_statements(&self) -> StatementCapture {
        self.inner.captures.start()
    }

    session_methods!();

    /// Opens a transaction, rolled back when dropped without `commit`.
    pub async fn begin(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new(self.inner.pool.begin().await?))
    }

    /// Runs `f` in a transaction: commits when it returns `Ok`, rolls back when it
    /// returns `Err` (or panics, or its future is dropped). `f` may open savepoints
    /// with `tx.transaction(..)` or `tx.begin()`.
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "users")]
    /// # pub struct User { #[om(primary_key)] pub id: Option<i64>, #[om(size = 100)] pub name: String }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> om::Result<()> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[User::table()]).await?;
    /// let mut user = User { id: None, name: "ann".into() };
    /// let id = db.transaction(async |tx| {
    ///     tx.add(&mut user).await?;
    ///     Ok::<_, om::Error>(user.id)
    /// }).await?;
    /// assert!(id.is_some());
    /// assert_eq!(db.query::<User>().count().await?, 1);
    /// # Ok(()) }
    /// ```
    ///
    /// Its error type is the closure's, any `E: From<om::Error>` (a failed begin or
    /// commit is converted).
    pub async fn transaction<T, E, F>(&self, f: F) -> std::result::Result<T, E>
    where
        F: AsyncFnOnce(&mut Transaction<'_>) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        let tx = self.begin().await?;
        tx.run(f).await
    }

    /// Opens a transaction with an isolation level or read-only:
    /// `db.begin_with(TransactionOptions::new().serializable()).await?`.
    ///
    /// In test mode, where every transaction is a savepoint of the one test
    /// transaction, options other than the defaults are refused with `Unsupported`.
    pub async fn begin_with(&self, options: TransactionOptions) -> Result<Transaction<'_>> {
        if options.is_default() {
            return self.begin().await;
        }
        Ok(Transaction::new(
            self.inner.pool.begin_owned(options).await?,
        ))
    }

    /// Runs `f` in a transaction opened with `options`; see
    /// [`transaction`](Self::transaction).
    pub async fn transaction_with<T, E, F>(
        &self,
        options: TransactionOptions,
        f: F,
    ) -> std::result::Result<T, E>
    where
        F: AsyncFnOnce(&mut Transaction<'_>) -> std::result::Result<T, E>,
        E: From<Error>,
    {
        let tx = self.begin_with(options).await?;
        tx.run(f).await
    }

    /// Runs `f` in a transaction and runs it again, in a new transaction, when it fails
    /// with an error that [is retryable](Error::is_retryable): a serialization failure,
    /// a deadlock (Galera's certification failures included) or a busy lock (SQLite's
    /// `BUSY`), whether `f` met it or the commit did. At most
    /// [`policy.attempts()`](RetryPolicy::attempts) in all, waiting a jittered,
    /// growing backoff between attempts; each retry is logged at `warn` (target
    /// `om::retry`). Any other error, or the last attempt's, is returned as it is.
    ///
    /// `f` makes the transaction's closure, afresh for each attempt:
    ///
    /// ```
    /// # use om::prelude::*;
    /// # #[derive(Model, Debug, Clone, PartialEq)] #[om(table = "accounts")]
    /// # pub struct Account { #[om(primary_key)] pub id: Option<i64>, pub balance: i64 }
    /// # #[derive(Debug)] enum AppError { NoAccount, Db(om::Error) }
    /// # impl From<om::Error> for AppError { fn from(e: om::Error) -> Self { AppError::Db(e) } }
    /// # impl std::fmt::Display for AppError {
    /// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
    /// # }
    /// # impl om::Retryable for AppError {
    /// #     fn is_retryable(&self) -> bool { matches!(self, AppError::Db(e) if e.is_retryable()) }
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), AppError> {
    /// # let db = Database::connect("sqlite::memory:").await?;
    /// # db.create_all(&[Account::table()]).await?;
    /// # let mut account = Account { id: None, balance: 0 };
    /// # db.add(&mut account).await?;
    /// # let id = account.id.unwrap_or_default();
    /// use om::RetryPolicy;
    /// db.transaction_with_retry(RetryPolicy::new(), || async |tx| {
    ///     let mut account = tx.query::<Account>().get(id).await?.ok_or(AppError::NoAccount)?;
    ///     account.balance += 10;
    ///     tx.update(&mut account).await?;
    ///     Ok::<_, AppError>(())
    /// }).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// (A closure that makes the closure, rather than one `AsyncFnMut`, keeps the
    /// returned future `Send`.) The closure may run several times, so it should do
    /// nothing outside the transaction that it would not want done twice. A commit whose connection broke
    /// ([`Error::CommitOutcomeUnknown`]) is never retried: it may have been applied.
    pub async fn transaction_with_retry<T, E, F, G>(
        &self,
        policy: RetryPolicy,
        mut f: F,
    ) -> std::result::Result<T, E>
    where
        F: FnMut() -> G,
        G: AsyncFnOnce(&mut Transaction<'_>) -> std::result::Result<T, E>,
        E: From<Error> + Retryable + fmt::Display,
    {
        let mut attempt = 1;
        loop {
            let outcome = match self.begin_with(policy.transaction_options()).await {
                Ok(tx) => tx.run(f()).await,
                Err(e) => Err(E::from(e)),
            };
            match outcome {
                Err(e) if attempt < policy.attempts() && e.is_retryable() => {
                    let delay = policy.delay(attempt);
                    tracing::warn!(
                        target: "om::retry",
                        attempt,
                        of = policy.attempts(),
                        delay_ms = delay.as_millis() as u64,
                        error = %e,
                        "om: transaction failed with a retryable error; running it again"
                    );
                    self.inner.pool.sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Opens a transaction that owns its connection, so it may outlive this handle
    /// and move between tasks.
    pub async fn begin_owned(&self) -> Result<Transaction<'static>> {
        Ok(Transaction::new(
            self.inner
                .pool
                .begin_owned(TransactionOptions::new())
                .await?,
        ))
    }

    /// The URL this database was opened with, its password redacted when displayed.
    pub fn url(&self) -> &DatabaseUrl {
        &self.inner.url
    }

    /// The driver's own pool (an `sqlx::SqlitePool`, `PgPool` or `MySqlPool`), for
    /// what om does not cover.
    pub fn raw_pool<P: 'static>(&self) -> Option<&P> {
        self.inner.pool.as_any().downcast_ref::<P>()
    }

    /// How many connections the pool has open, and how many are idle.
    pub fn pool_status(&self) -> crate::driver::PoolStatus {
        self.inner.pool.status()
    }

    /// Closes every connection of the pool (in test mode, after rolling back).
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}
