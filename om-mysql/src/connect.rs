//! From a `mysql://` or `mariadb://` URL to a pool.

use std::str::FromStr;

use om_core::url::SslMode;
use om_core::{DatabaseUrl, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};

use crate::executor::MysqlBackend;

/// The query-string options the driver understands besides om's pool options.
pub(crate) const DRIVER_OPTIONS: &[&str] = &[
    "charset",
    "collation",
    "timezone",
    "time-zone",
    "socket",
    "ssl-mode",
    "sslca",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "statement_cache_capacity",
];

/// Opens the pool.
pub(crate) async fn connect(url: &DatabaseUrl) -> Result<om_sqlx::SqlxPool<MysqlBackend>> {
    let pool_options = url.pool_options()?;
    let options = connect_options(url)?;

    let pool = om_sqlx::pool_options(&pool_options);
    let pool = pool.after_connect(|conn, _| Box::pin(async move { strict(conn).await }));
    let pool = om_sqlx::open_pool(url, pool, options).await?;
    let version: String = sqlx::query_scalar("SELECT VERSION()")
        .fetch_one(&pool)
        .await
        .map_err(|e| crate::error::map(e, None))?;
    let capabilities = if returns_keys(&version) {
        &crate::MARIADB_CAPABILITIES
    } else {
        &crate::CAPABILITIES
    };
    Ok(om_sqlx::SqlxPool::with_capabilities(pool, capabilities))
}

/// Whether the server (by its `VERSION()`) has `INSERT ... RETURNING`: MariaDB 10.5
/// and later do, MySQL does not.
fn returns_keys(version: &str) -> bool {
    if !version.contains("MariaDB") {
        return false;
    }
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (10, 5)
}

/// Puts a new connection in strict mode unless the server's `sql_mode` already is:
/// too long a text, an out-of-range number or a missing value is then an error rather
/// than a warning and a silently changed value (MySQL 8 and MariaDB 10.2.4+ are strict
/// by default; a server configured otherwise is not, for om's connections).
async fn strict(conn: &mut sqlx::MySqlConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "SET SESSION sql_mode = IF(FIND_IN_SET('STRICT_TRANS_TABLES', @@sql_mode) > 0 \
         OR FIND_IN_SET('STRICT_ALL_TABLES', @@sql_mode) > 0, @@sql_mode, \
         CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'STRICT_TRANS_TABLES'))",
    )
    .execute(&mut *conn)
    .await?;
    // A key the user sets to 0 is stored as 0, not replaced by a generated one.
    sqlx::raw_sql(
        "SET SESSION sql_mode = IF(FIND_IN_SET('NO_AUTO_VALUE_ON_ZERO', @@sql_mode) > 0, \
         @@sql_mode, CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO'))",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// sqlx's options for `url`: host, port, credentials and database from the URL, TLS
/// from `ssl`/`sslmode`, and the MySQL options of its query string. A `mariadb://`
/// URL is read exactly like a `mysql://` one.
pub(crate) fn connect_options(url: &DatabaseUrl) -> Result<MySqlConnectOptions> {
    // Without a host sqlx would quietly connect to localhost; `socket=` names a Unix
    // socket instead.
    url.require_host(&["socket"])?;
    let parsed = url.expose();
    let mut options = MySqlConnectOptions::new().charset("utf8mb4");
    if let Some(host) = parsed.host_str() {
        options = options.host(host.trim_start_matches('[').trim_end_matches(']'));
    }
    if let Some(port) = parsed.port() {
        options = options.port(port);
    }
    let username = url.username()?;
    if !username.is_empty() {
        options = options.username(&username);
    }
    if let Some(password) = url.password()? {
        options = options.password(&password);
    }
    let path = parsed.path().trim_start_matches('/');
    if !path.is_empty() {
        let database = percent_decode(path)
            .ok_or_else(|| url.invalid("the database name is not valid percent-encoded UTF-8"))?;
        if database.contains('/') {
            return Err(url.invalid(format!(
                "`{database}` is not a database name: the path must be one segment"
            )));
        }
        options = options.database(&database);
    }
    if let Some(ssl) = url.pool_options()?.ssl {
        options = options.ssl_mode(needs_tls(url, ssl_mode(ssl))?);
    }
    for (key, value) in url.driver_options() {
        options = match key.as_str() {
            "charset" => options.charset(&identifier(url, &key, &value)?),
            "collation" => options.collation(&identifier(url, &key, &value)?),
            "timezone" | "time-zone" => options.timezone(Some(time_zone(url, &key, &value)?)),
            "socket" => options.socket(&value),
            "ssl-mode" => options.ssl_mode(needs_tls(
                url,
                MySqlSslMode::from_str(&value).map_err(|e| url.invalid(format!("{key}: {e}")))?,
            )?),
            "sslca" | "ssl-ca" => options.ssl_ca(&value),
            "sslcert" | "ssl-cert" => options.ssl_client_cert(&value),
            "sslkey" | "ssl-key" => options.ssl_client_key(&value),
            "statement-cache-capacity" | "statement_cache_capacity" => {
                let n = value.parse().map_err(|_| {
                    url.invalid(format!("{key} must be a whole number, not `{value}`"))
                })?;
                options.statement_cache_capacity(n)
            }
            _ => {
                return Err(url.invalid(format!(
                    "unknown option `{key}` for MySQL: known options are {}, and {}",
                    DRIVER_OPTIONS.join(", "),
                    om_core::url::POOL_OPTIONS.join(", ")
                )));
            }
        };
    }
    Ok(options)
}

/// `mode`, unless it requires TLS and this build has none: then a configuration error
/// naming the feature, rather than a failure at connect time.
fn needs_tls(url: &DatabaseUrl, mode: MySqlSslMode) -> Result<MySqlSslMode> {
    let required = matches!(
        mode,
        MySqlSslMode::Required | MySqlSslMode::VerifyCa | MySqlSslMode::VerifyIdentity
    );
    if required && !cfg!(feature = "_tls") {
        return Err(
            url.invalid("this TLS mode needs TLS support: enable the cargo feature `tls` of om")
        );
    }
    Ok(mode)
}

/// om's TLS policy as sqlx's MySQL one.
fn ssl_mode(mode: SslMode) -> MySqlSslMode {
    match mode {
        SslMode::Disable => MySqlSslMode::Disabled,
        SslMode::Prefer => MySqlSslMode::Preferred,
        SslMode::Require => MySqlSslMode::Required,
        SslMode::VerifyCa => MySqlSslMode::VerifyCa,
        // `SslMode` is non-exhaustive: anything stricter verifies the host too.
        _ => MySqlSslMode::VerifyIdentity,
    }
}

/// A character set or collation name; sqlx writes it into `SET NAMES` unquoted.
fn identifier(url: &DatabaseUrl, key: &str, value: &str) -> Result<String> {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(value.to_string())
    } else {
        Err(url.invalid(format!(
            "{key} must be a name such as utf8mb4, not `{value}`"
        )))
    }
}

/// A time zone (`+00:00`, `SYSTEM`, `Europe/Paris`); sqlx writes it between quotes.
fn time_zone(url: &DatabaseUrl, key: &str, value: &str) -> Result<String> {
    let ok = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | ':' | '/' | '_'));
    if ok {
        Ok(value.to_string())
    } else {
        Err(url.invalid(format!(
            "{key} must be a time zone such as +00:00, not `{value}`"
        )))
    }
}

/// Percent-decodes a URL path segment (`+` stays a plus, as in paths).
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use om_core::Error;

    fn options(url: &str) -> Result<MySqlConnectOptions> {
        connect_options(&DatabaseUrl::parse(url).unwrap())
    }

    #[test]
    fn url_parts_become_options() {
        let o = options("mariadb://us%40er:p%40ss%23word@db.example:3307/my%20db?charset=utf8mb4&collation=utf8mb4_bin&sslmode=disable").unwrap();
        assert_eq!(o.get_host(), "db.example");
        assert_eq!(o.get_port(), 3307);
        assert_eq!(o.get_username(), "us@er");
        assert_eq!(o.get_database(), Some("my db"));
        assert_eq!(o.get_collation(), Some("utf8mb4_bin"));
        assert!(matches!(o.get_ssl_mode(), MySqlSslMode::Disabled));
        let o = options("mysql://[::1]/db?ssl=false").unwrap();
        assert_eq!(o.get_host(), "::1");
        assert_eq!(o.get_port(), 3306);
        assert_eq!(o.get_charset(), "utf8mb4");
        assert!(matches!(o.get_ssl_mode(), MySqlSslMode::Disabled));
        for (url, mode) in [
            ("mysql://h/db?ssl=true", MySqlSslMode::Required),
            (
                "mysql://h/db?sslmode=verify-full",
                MySqlSslMode::VerifyIdentity,
            ),
        ] {
            match (options(url), cfg!(feature = "_tls")) {
                (Ok(o), true) => {
                    assert_eq!(format!("{:?}", o.get_ssl_mode()), format!("{mode:?}"));
                }
                (Err(e), false) => assert!(e.to_string().contains("`tls`"), "{e}"),
                (outcome, tls) => panic!("{url} with tls={tls}: {:?}", outcome.map(drop)),
            }
        }
    }

    #[test]
    fn bad_options_are_refused_without_the_password() {
        for bad in [
            "mysql://u:s3cret@h/db?frobnicate=1",
            "mysql://u:s3cret@h/db?charset=utf8;DROP",
            "mysql://u:s3cret@h/db?timezone=x'y",
            "mysql://u:s3cret@h/db?statement-cache-capacity=many",
            "mysql://u:s3cret@h/db?ssl-mode=sometimes",
            "mysql://u:s3cret@h/a/b",
        ] {
            let err = options(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
            assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c").as_deref(), Some("a b+c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%2"), None);
    }

    #[test]
    fn mariadb_from_10_5_returns_keys() {
        assert!(returns_keys("10.11.19-MariaDB-0+deb12u1"));
        assert!(returns_keys("11.4.2-MariaDB"));
        assert!(returns_keys("10.5.0-MariaDB-log"));
        assert!(!returns_keys("10.4.34-MariaDB"));
        assert!(!returns_keys("8.0.36"));
        assert!(!returns_keys("8.4.0-commercial"));
    }
}
