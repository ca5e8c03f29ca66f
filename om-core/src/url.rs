//! Connection URLs: parsing, the options every driver shares, and password redaction.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

/// Options every driver reads from a URL's query string.
pub const POOL_OPTIONS: &[&str] = &[
    "min_connections",
    "max_connections",
    "acquire_timeout",
    "ssl",
    "sslmode",
];

/// A parsed connection URL. Its password never appears in `Debug`, `Display` or errors.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    url: url::Url,
}

/// Options om itself reads from a URL's query string (see `Database::connect`); drivers
/// never see them.
pub const OM_OPTIONS: &[&str] = &["force_rollback", "log_values", "slow_statement_ms"];

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
}

impl DatabaseUrl {
    /// Parses a URL such as `sqlite::memory:` or `postgres://user:pw@host/db`.
    pub fn parse(url: &str) -> Result<Self> {
        let parsed = url::Url::parse(url).map_err(|e| Error::InvalidUrl {
            url: redact_text(url, true),
            reason: e.to_string(),
        })?;
        Ok(DatabaseUrl {
            raw: url.to_string(),
            url: parsed,
        })
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

    /// The URL with its password (and any `password=` option) replaced by `***`.
    pub fn redacted(&self) -> String {
        let mut url = self.url.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        redact_text(url.as_str(), false)
    }

    /// The query-string options, percent-decoded.
    pub fn options(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
    }

    /// The options that are not pool options, for the driver's own settings.
    pub fn driver_options(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.options().filter(|(k, _)| {
            !POOL_OPTIONS.contains(&k.as_str()) && !OM_OPTIONS.contains(&k.as_str())
        })
    }

    /// An error about this URL.
    pub fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::InvalidUrl {
            url: self.redacted(),
            reason: reason.into(),
        }
    }

    /// The URL's password, percent-decoded.
    pub fn password(&self) -> Result<Option<String>> {
        match self.url.password() {
            None => Ok(None),
            Some(p) => percent_decode(p)
                .map(Some)
                .map_err(|_| self.invalid("the password is not valid percent-encoded UTF-8")),
        }
    }

    /// The URL's user name, percent-decoded (empty when none is given).
    pub fn username(&self) -> Result<String> {
        percent_decode(self.url.username())
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
                    let secs: f64 = value.parse().map_err(|_| {
                        self.invalid(format!(
                            "acquire_timeout must be a number of seconds, not `{value}`"
                        ))
                    })?;
                    if !(secs.is_finite() && secs > 0.0) {
                        return Err(self.invalid("acquire_timeout must be a positive number"));
                    }
                    out.acquire_timeout = Some(Duration::from_secs_f64(secs));
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
        value
            .parse()
            .map_err(|_| self.invalid(format!("{key} must be a whole number, not `{value}`")))
    }
}

/// Query options whose values are secrets, whatever their case or percent-encoding.
fn is_secret_option(key: &str) -> bool {
    let key = percent_decode(key)
        .unwrap_or_else(|_| key.to_string())
        .to_ascii_lowercase();
    matches!(
        key.as_str(),
        "password" | "pass" | "pwd" | "passwd" | "sslpassword"
    )
}

fn percent_decode(s: &str) -> std::result::Result<String, std::str::Utf8Error> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
}

/// Hides credentials in a URL's text, parsed or not: everything between the scheme's
/// `://` and the last `@` before the query when it holds a `:` (a password, even one
/// with an unencoded `/` that fooled the parser), and the value of every secret option.
///
/// A URL that did not parse (`whole`) is searched for its last `@` to the end, since a
/// password may hold an unencoded `?`; a parsed one up to its query only, whose own
/// `@`s are harmless.
fn redact_text(url: &str, whole: bool) -> String {
    let mut out = url.to_string();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let query_at = match whole {
            true => out.len(),
            false => out[start..].find('?').map_or(out.len(), |i| start + i),
        };
        if let Some(at) = out[start..query_at].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
            && &out[colon + 1..at] != "***"
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_option(k) => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{base}{}", query.join("&"));
    }
    out
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
        ] {
            let url = DatabaseUrl::parse(&format!("postgres://h/db?{bad}")).unwrap();
            assert!(
                matches!(url.pool_options(), Err(Error::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }
}
