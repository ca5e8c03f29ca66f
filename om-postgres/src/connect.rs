//! From a `postgres://` URL to a pool.

use om_core::url::SslMode;
use om_core::{DatabaseUrl, Result};
use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::error::connect_error;
use crate::executor::PostgresBackend;

/// The query-string options passed on to sqlx, as libpq spells them (sqlx's own
/// spellings of the TLS files are accepted too). Pool options are read by om-core.
const DRIVER_OPTIONS: &[&str] = &[
    "application_name",
    "options",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
];

/// Whether sqlx understands the query option `key`; `options[name]` sets one server
/// setting (`-c name=value`).
fn is_driver_option(key: &str) -> bool {
    DRIVER_OPTIONS.contains(&key) || (key.starts_with("options[") && key.ends_with(']'))
}

/// The connection options for `url` (which must name a host, or give one with `host=`
/// or `hostaddr=`): host, port, user, password and database from the
/// URL, the TLS policy from `sslmode`/`ssl`, the other options passed on to sqlx.
pub(crate) fn connect_options(url: &DatabaseUrl) -> Result<PgConnectOptions> {
    // Without a host sqlx would quietly connect to localhost: `postgres:/u:pw@h/db`
    // (one slash) is a path, not a host. `host=/socket/dir` names a Unix socket.
    url.require_host(&["host", "hostaddr"])?;
    let pool_options = url.pool_options()?;
    let mut sqlx_url = url.expose().clone();
    let mut driver_options = Vec::new();
    for (key, value) in url.driver_options() {
        if !is_driver_option(&key) {
            let hint = match key.as_str() {
                "ssl-mode" | "ssl_mode" => " (write it `sslmode`)".to_string(),
                _ => String::new(),
            };
            return Err(url.invalid(format!(
                "unknown option `{key}`{hint}: PostgreSQL URLs accept {}, {} and `options[name]`",
                om_core::url::POOL_OPTIONS.join(", "),
                DRIVER_OPTIONS.join(", "),
            )));
        }
        driver_options.push((key, value));
    }
    sqlx_url.set_query(None);
    if !driver_options.is_empty() {
        sqlx_url
            .query_pairs_mut()
            .extend_pairs(driver_options.iter());
    }
    let mut options = PgConnectOptions::from_url(&sqlx_url).map_err(|e| connect_error(url, e))?;

    // The user and password of the URL, percent-decoded (`p%40ss` is `p@ss`), unless a
    // `user=` or `password=` option overrides them.
    let given = |name: &str| driver_options.iter().any(|(k, _)| k == name);
    let user = url.username()?;
    if !user.is_empty() && !given("user") {
        options = options.username(&user);
    }
    if let Some(password) = url.password()?
        && !given("password")
    {
        options = options.password(&password);
    }

    if let Some(mode) = pool_options.ssl {
        let mode = match mode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require => PgSslMode::Require,
            SslMode::VerifyCa => PgSslMode::VerifyCa,
            SslMode::VerifyFull => PgSslMode::VerifyFull,
            other => {
                return Err(
                    url.invalid(format!("TLS mode {other:?} is not supported by PostgreSQL"))
                );
            }
        };
        if !cfg!(feature = "_tls")
            && matches!(
                mode,
                PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull
            )
        {
            return Err(url
                .invalid("this TLS mode needs TLS support: enable the cargo feature `tls` of om"));
        }
        options = options.ssl_mode(mode);
    }
    Ok(options)
}

/// Opens the pool, with one connection made up front so that a wrong host, user or
/// password is reported here.
pub(crate) async fn connect(url: &DatabaseUrl) -> Result<om_sqlx::SqlxPool<PostgresBackend>> {
    let pool_options = url.pool_options()?;
    let options = connect_options(url)?;
    let pool = om_sqlx::pool_options(&pool_options);
    let pool = om_sqlx::open_pool(url, pool, options).await?;
    Ok(om_sqlx::SqlxPool::new(pool))
}

#[cfg(test)]
mod tests {
    use super::*;
    use om_core::Error;

    fn options(url: &str) -> Result<PgConnectOptions> {
        connect_options(&DatabaseUrl::parse(url).unwrap())
    }

    #[test]
    fn url_parts_and_options() {
        let o = options(
            "postgres://us%40er:p%40ss%23word@db.example:6543/my%20db?application_name=om&options[search_path]=s&min_connections=1",
        )
        .unwrap();
        assert_eq!(o.get_host(), "db.example");
        assert_eq!(o.get_port(), 6543);
        assert_eq!(o.get_username(), "us@er");
        assert_eq!(o.get_database(), Some("my db"));
        assert_eq!(o.get_application_name(), Some("om"));
        assert_eq!(o.get_options(), Some("-c search_path=s"));
        assert!(options("postgresql://h/db").is_ok());
    }

    #[test]
    fn ssl_modes_map() {
        let o = options("postgres://h/db?sslmode=disable").unwrap();
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Disable));
        let o = options("postgres://h/db?ssl=false").unwrap();
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Disable));
        let o = options("postgres://h/db?sslmode=prefer").unwrap();
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Prefer));
        let require = options("postgres://h/db?sslmode=require");
        if cfg!(feature = "_tls") {
            assert!(matches!(
                require.unwrap().get_ssl_mode(),
                PgSslMode::Require
            ));
        } else {
            assert!(matches!(require, Err(Error::InvalidUrl { .. })));
        }
    }

    #[test]
    fn unknown_options_are_refused_without_the_password() {
        for bad in [
            "frobnicate=1",
            "ssl-mode=require",
            "statement-cache-capacity=x",
        ] {
            let err = options(&format!("postgres://u:s3cret@h/db?{bad}")).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad}: {err:?}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
            assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
        }
    }
}
