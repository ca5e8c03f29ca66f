//! From a `sqlite:` URL to a pool.

use std::str::FromStr;

use om_core::{DatabaseUrl, Result};
use sqlx::sqlite::SqliteConnectOptions;

use crate::error::connect_error;
use crate::executor::SqliteBackend;

/// Opens the pool. An in-memory database keeps one connection open for the pool's
/// whole life, so its tables live as long as the pool.
pub(crate) async fn connect(url: &DatabaseUrl) -> Result<om_sqlx::SqlxPool<SqliteBackend>> {
    let pool_options = url.pool_options()?;
    let raw = url.expose_str();
    let base = raw.split('?').next().unwrap_or(raw);
    let query: Vec<String> = url
        .driver_options()
        .map(|(k, v)| format!("{}={}", encode(&k), encode(&v)))
        .collect();
    let sqlx_url = if query.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", query.join("&"))
    };
    let options =
        SqliteConnectOptions::from_str(&sqlx_url).map_err(|e| url.invalid(e.to_string()))?;
    let in_memory = base.ends_with(":memory:")
        || url
            .driver_options()
            .any(|(k, v)| k == "mode" && v == "memory");

    let mut pool = om_sqlx::pool_options::<sqlx::Sqlite>(&pool_options);
    if in_memory {
        pool = pool
            .min_connections(pool_options.min_connections.unwrap_or(1).max(1))
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let pool = pool
        .connect_with(options)
        .await
        .map_err(|e| connect_error(url, e))?;
    Ok(om_sqlx::SqlxPool::new(pool))
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
