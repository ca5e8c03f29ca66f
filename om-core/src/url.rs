//! Connection URLs: parsing, the options every driver shares, and password redaction.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

mod parts;
mod redact;

/// The most connections a pool may hold (`max_connections`, `min_connections`); sqlx
/// sets aside a slot for each one up front.
pub const MAX_CONNECTIONS: u32 = 10_000;

/// The longest `acquire_timeout`: one year.
pub const MAX_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// Options every driver reads from a URL's query string.
pub const POOL_OPTIONS: &[&str] = &[
    "min_connections",
    "max_connections",
    "acquire_timeout",
    "connect_timeout",
    "ssl",
    "sslmode",
];

/// A parsed connection URL. Its password never appears in `Debug`, `Display` or errors.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    url: url::Url,
    /// The user information of a URL that names a user but no host, which `url` cannot
    /// hold.
    hostless: Option<UserInfo>,
}

/// A user and password, percent-encoded as written.
#[derive(Clone, PartialEq, Eq)]
struct UserInfo {
    user: String,
    password: Option<String>,
}

/// Options om itself reads from a URL's query string (see `Database::connect`); drivers
/// never see them.
pub const OM_OPTIONS: &[&str] = &[
    "force_rollback",
    "log_values",
    "slow_statement_ms",
    "sqlx_logging",
    "replica",
    "max_replica_lag_ms",
    "causal_wait_ms",
    "read_consistency",
    "ryw_window_ms",
    "replica_retry_ms",
];

/// TLS policy, from `sslmode=` (PostgreSQL style) or `ssl=true|false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SslMode {
    /// Never use TLS.
    Disable,
    /// Use TLS when the server offers it (the default).
    #[default]
    Prefer,
    /// Require TLS, without verifying the certificate.
    Require,
    /// Require TLS and verify the certificate authority.
    VerifyCa,
    /// Require TLS and verify the certificate and the host name.
    VerifyFull,
}

/// Pool settings read from a URL's query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolOptions {
    /// `min_connections`: connections kept open.
    pub min_connections: Option<u32>,
    /// `max_connections`: the most connections open at once.
    pub max_connections: Option<u32>,
    /// `acquire_timeout`: seconds to wait for a free connection.
    pub acquire_timeout: Option<Duration>,
    /// `ssl` / `sslmode`: the TLS policy, when given.
    pub ssl: Option<SslMode>,
    /// `connect_timeout` (libpq's spelling): seconds to wait for a new connection to
    /// open; it also bounds `acquire_timeout` when that is not given.
    pub connect_timeout: Option<Duration>,
}

impl DatabaseUrl {
    /// Parses a URL such as `sqlite::memory:` or `postgres://user:pw@host/db`.
    ///
    /// A user with no host (`postgres://user:pw@/db?host=/run/postgresql`, as libpq
    /// writes a Unix socket) is accepted: the URL then names no host, and a driver
    /// takes it from an option.
    pub fn parse(url: &str) -> Result<Self> {
        let parsed = match url::Url::parse(url) {
            Err(url::ParseError::EmptyHost) => {
                Self::parse_without_host(url).map(|(u, info)| (u, Some(info)))
            }
            other => other.map(|u| (u, None)),
        };
        let (parsed, hostless) = parsed.map_err(|e| Error::InvalidUrl {
            url: redact::redact(url),
            reason: redact::scrub(&e.to_string(), url),
        })?;
        Ok(DatabaseUrl {
            raw: url.to_string(),
            url: parsed,
            hostless,
        })
    }

    /// `scheme://user:pw@/rest` parsed as `scheme:///rest`, with the user information
    /// (still percent-encoded) returned beside it: the URL standard wants a host after
    /// user information; libpq does not.
    fn parse_without_host(url: &str) -> std::result::Result<(url::Url, UserInfo), url::ParseError> {
        let empty = Err(url::ParseError::EmptyHost);
        let Some((scheme, rest)) = url.split_once("://") else {
            return empty;
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let Some(user_info) = rest[..authority_end].strip_suffix('@') else {
            return empty;
        };
        let parsed = url::Url::parse(&format!("{scheme}://{}", &rest[authority_end..]))?;
        let info = match user_info.split_once(':') {
            Some((u, p)) => UserInfo {
                user: u.to_string(),
                password: Some(p.to_string()),
            },
            None => UserInfo {
                user: user_info.to_string(),
                password: None,
            },
        };
        Ok((parsed, info))
    }

    /// The scheme, lower-cased (`sqlite`, `postgres`, ...).
    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    /// The parsed URL, password included: for drivers only.
    pub fn expose(&self) -> &url::Url {
        &self.url
    }

    /// The URL exactly as given, password included: for drivers only.
    pub fn expose_str(&self) -> &str {
        &self.raw
    }

    /// The URL as given, with its password (and the value of any `password=` option)
    /// replaced by `***`.
    ///
    /// It errs towards hiding too much: in a URL whose password holds an unencoded
    /// `@`, `/`, `?` or `#`, everything from the first `:` after the scheme to the last
    /// `@` is hidden, whatever a parser made of it.
    pub fn redacted(&self) -> String {
        redact::redact(&self.raw)
    }

    /// The query-string options, percent-decoded.
    pub fn options(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
    }

    /// The URL of a replica named by a `replica=host[:port]` option: this URL with that
    /// host and port (the user, password, database and options stay), without its
    /// `replica` options.
    pub fn replica(&self, host_port: &str) -> Result<DatabaseUrl> {
        let bad = |why: &str| self.invalid(format!("replica={host_port}: {why}"));
        if host_port.is_empty() || host_port.contains(['@', '/', '?', '#']) {
            return Err(bad(
                "give a host and an optional port; a replica with another user or password is given to `Database::connect_replicated`",
            ));
        }
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) => (
                h,
                Some(
                    p.parse::<u16>()
                        .map_err(|_| bad("the port is not a number"))?,
                ),
            ),
            None => (host_port, None),
        };
        let mut url = self.url.clone();
        url.set_host(Some(host))
            .map_err(|_| bad("not a host name"))?;
        if let Some(port) = port {
            url.set_port(Some(port))
                .map_err(|_| bad("this URL takes no port"))?;
        }
        if let Some(info) = &self.hostless {
            // A host now: the user information of a host-less URL fits in it again.
            let _ = url.set_username(&info.user);
            let _ = url.set_password(info.password.as_deref());
        }
        let kept: Vec<(String, String)> = self.options().filter(|(k, _)| k != "replica").collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        Ok(DatabaseUrl {
            raw: url.to_string(),
            url,
            hostless: None,
        })
    }

    /// The options that are not pool options, for the driver's own settings.
    pub fn driver_options(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.options().filter(|(k, _)| {
            !POOL_OPTIONS.contains(&k.as_str()) && !OM_OPTIONS.contains(&k.as_str())
        })
    }

    /// An error about this URL. Any word of the password that `reason` quotes (a
    /// malformed URL may have put one in an option's name or the path) is hidden.
    pub fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::InvalidUrl {
            url: self.redacted(),
            reason: redact::scrub(&reason.into(), &self.raw),
        }
    }

    /// Checks that a URL for a database server names its host (or one of `sockets`,
    /// the options that name a Unix socket or a host instead), and that it holds no
    /// `@` outside the user information and option values (nor a `#fragment`): such a
    /// URL has an unencoded `@`, `/`, `?` or `#` in its password, and would reach the
    /// wrong host or database.
    pub fn require_host(&self, sockets: &[&str]) -> Result<()> {
        let url = &self.url;
        let has_host = url.host_str().is_some_and(|h| !h.is_empty());
        if !has_host && !self.options().any(|(k, _)| sockets.contains(&k.as_str())) {
            let alternatives = match sockets {
                [] => String::new(),
                names => format!(
                    ", or give {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}=`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            };
            return Err(self.invalid(format!(
                "the URL names no host: write it `{}://user:password@host/database`{alternatives}",
                self.scheme()
            )));
        }
        let stray_at = url.path().contains('@')
            || url.query_pairs().any(|(k, _)| k.contains('@'))
            || url.fragment().is_some();
        if stray_at {
            return Err(self.invalid(
                "the URL is ambiguous: percent-encode `@`, `/`, `?`, `#` and `:` in the user \
                 name and password (`%40`, `%2F`, `%3F`, `%23`, `%3A`)",
            ));
        }
        Ok(())
    }

    /// The number of seconds given as option `key`: a finite number, more than zero
    /// (or zero itself, when `zero` allows it), and at most `max`. Never panics,
    /// whatever the text (`1e300`, `-0`, `NaN`, `inf`, `18446744073709551616`).
    pub fn seconds(&self, key: &str, value: &str, zero: bool, max: Duration) -> Result<Duration> {
        let lowest = if zero {
            "zero or more"
        } else {
            "more than zero"
        };
        let range = || {
            self.invalid(format!(
                "{key} must be {lowest} and at most {} seconds, not `{value}`",
                max.as_secs_f64()
            ))
        };
        let secs: f64 = value.trim().parse().map_err(|_| {
            self.invalid(format!("{key} must be a number of seconds, not `{value}`"))
        })?;
        if !secs.is_finite() || secs < 0.0 || secs > max.as_secs_f64() {
            return Err(range());
        }
        let duration = Duration::try_from_secs_f64(secs).map_err(|_| range())?;
        if duration > max || (duration.is_zero() && !zero) {
            return Err(range());
        }
        Ok(duration)
    }

    /// The URL's password, percent-decoded.
    pub fn password(&self) -> Result<Option<String>> {
        let password = match &self.hostless {
            Some(info) => info.password.as_deref(),
            None => self.url.password(),
        };
        match password {
            None => Ok(None),
            Some(p) => percent_decode(p)
                .map(Some)
                .map_err(|_| self.invalid("the password is not valid percent-encoded UTF-8")),
        }
    }

    /// The URL's user name, percent-decoded (empty when none is given).
    pub fn username(&self) -> Result<String> {
        let user = match &self.hostless {
            Some(info) => info.user.as_str(),
            None => self.url.username(),
        };
        percent_decode(user)
            .map_err(|_| self.invalid("the user name is not valid percent-encoded UTF-8"))
    }

    /// The pool options, validated.
    pub fn pool_options(&self) -> Result<PoolOptions> {
        let mut out = PoolOptions::default();
        for (key, value) in self.options() {
            match key.as_str() {
                "min_connections" => out.min_connections = Some(self.parse_u32(&key, &value)?),
                "max_connections" => {
                    let n = self.parse_u32(&key, &value)?;
                    if n == 0 {
                        return Err(self.invalid("max_connections must be at least 1"));
                    }
                    out.max_connections = Some(n);
                }
                "acquire_timeout" => {
                    out.acquire_timeout =
                        Some(self.seconds(&key, &value, false, MAX_ACQUIRE_TIMEOUT)?)
                }
                "connect_timeout" => {
                    out.connect_timeout =
                        Some(self.seconds(&key, &value, false, MAX_ACQUIRE_TIMEOUT)?)
                }
                "sslmode" => {
                    out.ssl = Some(match value.as_str() {
                        "disable" => SslMode::Disable,
                        "prefer" | "allow" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" | "verify_ca" => SslMode::VerifyCa,
                        "verify-full" | "verify_identity" => SslMode::VerifyFull,
                        other => {
                            return Err(self.invalid(format!(
                                "sslmode must be disable, prefer, require, verify-ca or verify-full, not `{other}`"
                            )));
                        }
                    })
                }
                "ssl" => {
                    out.ssl = Some(match value.as_str() {
                        "true" | "1" | "on" => SslMode::Require,
                        "false" | "0" | "off" => SslMode::Disable,
                        other => {
                            return Err(
                                self.invalid(format!("ssl must be true or false, not `{other}`"))
                            );
                        }
                    })
                }
                _ => {}
            }
        }
        if let (Some(min), Some(max)) = (out.min_connections, out.max_connections)
            && min > max
        {
            return Err(self.invalid(format!(
                "min_connections ({min}) exceeds max_connections ({max})"
            )));
        }
        Ok(out)
    }

    fn parse_u32(&self, key: &str, value: &str) -> Result<u32> {
        match value.parse::<u32>() {
            Ok(n) if n <= MAX_CONNECTIONS => Ok(n),
            _ => Err(self.invalid(format!(
                "{key} must be a whole number from 0 to {MAX_CONNECTIONS}, not `{value}`"
            ))),
        }
    }
}

fn percent_decode(s: &str) -> std::result::Result<String, std::str::Utf8Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        DatabaseUrl::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted_everywhere() {
        let url = DatabaseUrl::parse("postgres://u:s3cret@localhost/db").unwrap();
        assert!(!url.to_string().contains("s3cret"));
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(!url.invalid("x").to_string().contains("s3cret"));
    }

    #[test]
    fn password_option_is_redacted() {
        let url = DatabaseUrl::parse("postgres://u@localhost/db?password=s3cret&x=1").unwrap();
        let shown = url.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("x=1"), "{shown}");
    }

    #[test]
    fn odd_urls_are_redacted() {
        for (url, secret) in [
            ("postgres://u@host:notaport/db?password=s3cret", "s3cret"),
            ("postgres://u:12/s3cret@host/db", "s3cret"),
            ("mysql://u:p@ss@host/db", "ss"),
            (
                "postgres://u@h/db?sslpassword=s3cret&application_name=x",
                "s3cret",
            ),
            ("postgres://u:pa?ss@host/db", "pa?ss"),
            ("postgres://u@h/db?pass%77ord=s3cret", "s3cret"),
            ("postgres://u@h/db?Password=s3cret", "s3cret"),
            ("mysql://u@h/db?PASSWORD=s3cret", "s3cret"),
        ] {
            let shown = match DatabaseUrl::parse(url) {
                Ok(parsed) => format!("{parsed} {parsed:?} {}", parsed.invalid("x")),
                Err(e) => format!("{e} {e:?}"),
            };
            assert!(!shown.contains(secret), "{url}: {shown}");
        }
    }

    #[test]
    fn unparsed_url_is_redacted() {
        let err = DatabaseUrl::parse("postgres://u:s3cret@[bad/db").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn percent_encoded_password_decodes() {
        let url = DatabaseUrl::parse("mysql://root:p%40ss%23word@h/db").unwrap();
        assert_eq!(url.password().unwrap().as_deref(), Some("p@ss#word"));
    }

    #[test]
    fn pool_options_parse_and_validate() {
        let url = DatabaseUrl::parse(
            "postgres://h/db?min_connections=1&max_connections=4&acquire_timeout=2.5&sslmode=require",
        )
        .unwrap();
        let o = url.pool_options().unwrap();
        assert_eq!(o.min_connections, Some(1));
        assert_eq!(o.max_connections, Some(4));
        assert_eq!(o.acquire_timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.ssl, Some(SslMode::Require));
        for bad in [
            "max_connections=0",
            "max_connections=x",
            "acquire_timeout=-1",
            "sslmode=sometimes",
            "ssl=maybe",
            "min_connections=5&max_connections=2",
            "acquire_timeout=1e300",
            "acquire_timeout=18446744073709551616",
            "acquire_timeout=1e19",
            "acquire_timeout=NaN",
            "acquire_timeout=inf",
            "acquire_timeout=-0",
            "acquire_timeout=1e-300",
            "max_connections=4294967295",
            "min_connections=99999999999",
        ] {
            let url = DatabaseUrl::parse(&format!("postgres://h/db?{bad}")).unwrap();
            assert!(
                matches!(url.pool_options(), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn seconds_never_panic() {
        let url = DatabaseUrl::parse("sqlite::memory:").unwrap();
        let max = Duration::from_secs(10);
        assert_eq!(url.seconds("t", "0", true, max).unwrap(), Duration::ZERO);
        assert_eq!(url.seconds("t", "10", false, max).unwrap(), max);
        for bad in [
            "0",
            "10.000001",
            "1e300",
            "-1",
            "NaN",
            "-inf",
            "x",
            "",
            "1e-300",
        ] {
            let err = url.seconds("t", bad, false, max).unwrap_err();
            assert!(err.to_string().contains("t must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn server_urls_need_a_host() {
        for ok in [
            "postgres://u:pw@h/db",
            "postgres:///db?host=/run/postgresql",
            "postgres://u:pw@h/db?application_name=a@b",
        ] {
            DatabaseUrl::parse(ok)
                .unwrap()
                .require_host(&["host"])
                .unwrap();
        }
        for bad in [
            "postgres:/u:secret@10.9.9.9/db",
            "postgres:///db",
            "mysql:///root:secret@h/db/extra",
            "postgres://u:#secret@h/db",
            "mysql://u:?secret@h/db",
            "postgres://u:p@ss?secret@h:1/db",
            "postgres://u:p@secret?x@h:1/db",
        ] {
            let err = DatabaseUrl::parse(bad)
                .unwrap()
                .require_host(&["host"])
                .unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err:?}");
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains("secret"), "{shown}");
            }
        }
    }
}
