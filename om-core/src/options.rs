//! The options om itself reads from a connection URL: test mode and statement logging.

use std::time::Duration;

use crate::error::Result;
use crate::url::DatabaseUrl;

/// How a [`Database`](crate::Database) runs its statements, beyond the driver's own
/// settings. Read from the URL by `Database::connect`, or given to
/// `Database::connect_with`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
                "sqlx_logging" => out.sqlx_logging = flag(&key, &value)?,
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
