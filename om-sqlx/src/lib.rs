//! What om's sqlx-based drivers share: a pool executor and a transaction executor
//! (with savepoints), generic over a driver's [`Backend`].
//!
//! A driver supplies the dialect: how to render and run a statement on one sqlx
//! connection, how to read its rows and map its errors. This crate supplies the rest:
//! acquiring connections, streaming through a cursor, transactions that roll back
//! when dropped, and savepoints that share their transaction's connection.
#![warn(missing_docs)]
// On docs.rs, each item behind a feature is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
pub mod bind;
mod checkout;
mod error;
mod pool;
pub mod prepared;
mod transaction;

pub use backend::{Backend, Conn, fetch_by_key_bound, insert_rows_bound, insert_rows_owned};
pub use checkout::breaks_connection;
pub use error::{Classified, connect_error, map_error, open_pool, pool_options};
pub use pool::SqlxPool;
pub use transaction::SqlxTransaction;

/// The sqlx om was built with, for `raw_pool` users: `om::sqlx::query(..)` needs no sqlx
/// dependency of a matching version.
pub use sqlx;

/// `sql` as it is, after telling om's statement log that it is about to be sent with
/// `values` (`db.statement` and, with `log_values`, `db.values` of the statement's
/// span). When nothing is logged, one atomic load.
#[inline]
pub fn traced<S: AsRef<str>>(sql: S, values: Option<&sea_query_sqlx::SqlxValues>) -> S {
    struct Shown<'a>(Option<&'a sea_query_sqlx::SqlxValues>);
    impl std::fmt::Debug for Shown<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self.0 {
                Some(values) => f.debug_list().entries(values.0.0.iter()).finish(),
                None => f.write_str("[]"),
            }
        }
    }
    om_core::driver::rendered(sql.as_ref(), &Shown(values));
    sql
}

/// [`traced`] for a statement whose values are borrowed ([`om_core::ValueRef`]): they
/// are logged as their owned values would be.
#[inline]
pub fn traced_refs<S: AsRef<str>>(sql: S, values: &[om_core::ValueRef<'_>]) -> S {
    om_core::driver::rendered(sql.as_ref(), &values);
    sql
}

/// `options` with sqlx's own statement log (target `sqlx::query`, which would describe
/// every statement a second time) turned off, unless the URL says `sqlx_logging=true`.
pub fn sqlx_logging<O: sqlx::ConnectOptions>(url: &om_core::DatabaseUrl, options: O) -> O {
    let on = url
        .options()
        .any(|(k, v)| k == "sqlx_logging" && matches!(v.as_str(), "true" | "1" | "on"));
    if on {
        options
    } else {
        options.disable_statement_logging()
    }
}
