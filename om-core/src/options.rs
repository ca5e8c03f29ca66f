//! The options om itself reads from a connection URL: test mode and statement logging.

use std::time::Duration;

use crate::error::Result;
use crate::url::DatabaseUrl;

/// How a [`Database`](crate::Database) runs its statements, beyond the driver's own
/// settings. Read from the URL by `Database::connect`, or given to
/// `Database::connect_with`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// Test mode: every statement runs in one transaction, rolled back when the
    /// database is closed or dropped (URL: `force_rollback=true`).
    pub force_rollback: bool,
    /// Whether logged statements carry their bound values (URL: `log_values=true`).
    /// Off by default: values may be secrets.
    pub log_values: bool,
    /// Statements slower than this are logged at `warn` (URL: `slow_statement_ms=N`;
    /// `0` turns it off). Off by default: with neither this nor `debug` on, om reads no
    /// clock.
    pub slow_statement: Option<Duration>,
    /// Whether sqlx logs each statement again under its own target, `sqlx::query`
    /// (URL: `sqlx_logging=true`). Off by default: om's span and event of target
    /// `om::statement` already describe each statement once. Read by the driver when
    /// it connects, so only the URL sets it.
    pub sqlx_logging: bool,
    /// Read replicas (URL: `replica=host[:port]`, once per replica; each takes the
    /// primary URL's user, password, database and options). Reads go to them, writes
    /// and transactions to the primary: see [`Database::connect_replicated`](crate::Database::connect_replicated).
    pub replicas: Vec<DatabaseUrl>,
    /// A replica further behind the primary than this is skipped until it catches up
    /// (URL: `max_replica_lag_ms=N`; default 5 s). Measured with replication positions,
    /// so only on backends that have them.
    pub max_replica_lag: Duration,
    /// How long a read that must see a write waits for a replica to replay it before it
    /// goes to the primary (URL: `causal_wait_ms=N`; default 200 ms; `0` goes to the
    /// primary at once).
    pub causal_wait: Duration,
    /// Whether every read must see every write committed on the primary before it
    /// started, whoever made it (URL: `read_consistency=strong`; the default,
    /// `session`, waits only for the handle's own writes and the tokens it is given).
    /// Each read then first asks the primary for its position: one more, cheap round
    /// trip, while the query itself still runs on a replica that has replayed it. On
    /// backends without positions, reads then go to the primary.
    pub strong_reads: bool,
    /// On a backend without replication positions (SQLite), how long after a write
    /// that must be seen reads go to the primary (URL: `ryw_window_ms=N`; default 2 s).
    pub read_your_writes_window: Duration,
    /// How long a replica that failed (unreachable, or behind by more than
    /// `max_replica_lag`) is left out before it is tried again (URL:
    /// `replica_retry_ms=N`; default 5 s).
    pub replica_retry: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            force_rollback: false,
            log_values: false,
            slow_statement: None,
            sqlx_logging: false,
            replicas: Vec::new(),
            max_replica_lag: Duration::from_secs(5),
            causal_wait: Duration::from_millis(200),
            strong_reads: false,
            read_your_writes_window: Duration::from_secs(2),
            replica_retry: Duration::from_secs(5),
        }
    }
}

impl ConnectOptions {
    /// The options of `url`, validated; those it does not give keep their defaults.
    pub fn from_url(url: &DatabaseUrl) -> Result<Self> {
        let mut out = ConnectOptions::default();
        let flag = |key: &str, value: &str| match value {
            "true" | "1" | "on" => Ok(true),
            "false" | "0" | "off" => Ok(false),
            other => Err(url.invalid(format!("{key} must be true or false, not `{other}`"))),
        };
        let millis = |key: &str, value: &str| {
            value
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| {
                    url.invalid(format!(
                        "{key} must be a whole number of milliseconds, not `{value}`"
                    ))
                })
        };
        for (key, value) in url.options() {
            match key.as_str() {
                "force_rollback" => out.force_rollback = flag(&key, &value)?,
                "log_values" => out.log_values = flag(&key, &value)?,
                "sqlx_logging" => out.sqlx_logging = flag(&key, &value)?,
                "slow_statement_ms" => {
                    let ms: u64 = value.parse().map_err(|_| {
                        url.invalid(format!(
                            "slow_statement_ms must be a whole number of milliseconds, not `{value}`"
                        ))
                    })?;
                    out.slow_statement = (ms > 0).then(|| Duration::from_millis(ms));
                }
                "replica" => out.replicas.push(url.replica(&value)?),
                "max_replica_lag_ms" => out.max_replica_lag = millis(&key, &value)?,
                "causal_wait_ms" => out.causal_wait = millis(&key, &value)?,
                "read_consistency" => {
                    out.strong_reads = match value.as_str() {
                        "strong" => true,
                        "session" => false,
                        other => {
                            return Err(url.invalid(format!(
                                "read_consistency must be session or strong, not `{other}`"
                            )));
                        }
                    }
                }
                "ryw_window_ms" => out.read_your_writes_window = millis(&key, &value)?,
                "replica_retry_ms" => out.replica_retry = millis(&key, &value)?,
                _ => {}
            }
        }
        Ok(out)
    }

    /// Test mode on or off.
    pub fn force_rollback(mut self, on: bool) -> Self {
        self.force_rollback = on;
        self
    }

    /// Bound values in the statement log on or off.
    pub fn log_values(mut self, on: bool) -> Self {
        self.log_values = on;
        self
    }

    /// Adds a read replica: `Database::connect_with(primary, |o| o.replica(url))`.
    pub fn replica(mut self, url: DatabaseUrl) -> Self {
        self.replicas.push(url);
        self
    }

    /// The most a replica may lag before it is skipped (see
    /// [`max_replica_lag`](Self::max_replica_lag)).
    pub fn max_replica_lag(mut self, lag: Duration) -> Self {
        self.max_replica_lag = lag;
        self
    }

    /// How long a read that must see a write waits for a replica (see
    /// [`causal_wait`](Self::causal_wait)).
    pub fn causal_wait(mut self, wait: Duration) -> Self {
        self.causal_wait = wait;
        self
    }

    /// Strong reads on or off (see [`strong_reads`](Self::strong_reads)).
    pub fn strong_reads(mut self, on: bool) -> Self {
        self.strong_reads = on;
        self
    }

    /// The time window of read-your-writes on backends without replication positions.
    pub fn read_your_writes_window(mut self, window: Duration) -> Self {
        self.read_your_writes_window = window;
        self
    }

    /// How long a failed replica is left out before it is tried again.
    pub fn replica_retry(mut self, after: Duration) -> Self {
        self.replica_retry = after;
        self
    }

    /// The threshold above which a statement is logged at `warn`; `None` turns it off.
    pub fn slow_statement(mut self, threshold: Option<Duration>) -> Self {
        self.slow_statement = threshold;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str) -> Result<ConnectOptions> {
        ConnectOptions::from_url(&DatabaseUrl::parse(url)?)
    }

    #[test]
    fn defaults_and_url_options() {
        let default = options("sqlite::memory:").unwrap();
        assert_eq!(default, ConnectOptions::default());
        assert!(!default.force_rollback && !default.log_values);
        assert_eq!(default.slow_statement, None);
        let set =
            options("postgres://u:pw@h/db?force_rollback=true&log_values=1&slow_statement_ms=250")
                .unwrap();
        assert!(set.force_rollback && set.log_values);
        assert_eq!(set.slow_statement, Some(Duration::from_millis(250)));
        let replicated = options(
            "postgres://u:pw@h/db?replica=r1:5433&replica=r2&causal_wait_ms=0&sslmode=disable",
        )
        .unwrap();
        let replicas: Vec<&str> = replicated.replicas.iter().map(|u| u.expose_str()).collect();
        assert_eq!(
            replicas,
            [
                "postgres://u:pw@r1:5433/db?causal_wait_ms=0&sslmode=disable",
                "postgres://u:pw@r2/db?causal_wait_ms=0&sslmode=disable"
            ]
        );
        assert_eq!(replicated.causal_wait, Duration::ZERO);
        assert!(!replicated.strong_reads);
        assert!(
            options("sqlite::memory:?read_consistency=strong")
                .unwrap()
                .strong_reads
        );
        assert_eq!(
            options("sqlite::memory:?slow_statement_ms=0")
                .unwrap()
                .slow_statement,
            None
        );
    }

    #[test]
    fn bad_values_are_refused_without_the_password() {
        for bad in [
            "force_rollback=maybe",
            "log_values=2",
            "slow_statement_ms=-1",
            "replica=u:secret@h2",
            "replica=h2:port",
            "causal_wait_ms=soon",
            "read_consistency=eventual",
        ] {
            let err = options(&format!("postgres://u:secret@h/db?{bad}")).unwrap_err();
            assert!(matches!(err, crate::Error::InvalidUrl { .. }), "{err:?}");
            assert!(!err.to_string().contains("secret"), "{err}");
        }
    }

    #[test]
    fn om_options_are_not_driver_options() {
        let url = DatabaseUrl::parse("sqlite::memory:?force_rollback=true&mode=memory").unwrap();
        let driver: Vec<String> = url.driver_options().map(|(k, _)| k).collect();
        assert_eq!(driver, ["mode"]);
    }
}
