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
    /// default one second; `0` turns it off).
    pub slow_statement: Option<Duration>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            force_rollback: false,
            log_values: false,
            slow_statement: Some(Duration::from_secs(1)),
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
        for (key, value) in url.options() {
            match key.as_str() {
                "force_rollback" => out.force_rollback = flag(&key, &value)?,
                "log_values" => out.log_values = flag(&key, &value)?,
                "slow_statement_ms" => {
                    let ms: u64 = value.parse().map_err(|_| {
                        url.invalid(format!(
                            "slow_statement_ms must be a whole number of milliseconds, not `{value}`"
                        ))
                    })?;
                    out.slow_statement = (ms > 0).then(|| Duration::from_millis(ms));
                }
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

    /// The threshold above which a statement is logged at `warn`; `None` turns it off.
    pub fn slow_statement(mut self, threshold: Option<Duration>) -> Self {
        self.slow_statement = threshold;
        self
    }
}
