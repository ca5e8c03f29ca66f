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
mod checkout;
mod error;
mod pool;
pub mod prepared;
mod transaction;

pub use backend::{Backend, Conn};
pub use error::{Classified, connect_error, map_error, open_pool, pool_options};
pub use pool::SqlxPool;
pub use transaction::SqlxTransaction;

/// The sqlx om was built with, for `raw_pool` users: `om::sqlx::query(..)` needs no sqlx
/// dependency of a matching version.
pub use sqlx;
