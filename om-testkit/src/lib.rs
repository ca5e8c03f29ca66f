//! om's conformance suite: every behaviour of om as one async case, written once
//! against the public API and run on every backend.
//!
//! A backend's test file is one line:
//!
//! ```ignore
//! om_testkit::suite!(om_testkit::Backend::Sqlite);
//! ```
//!
//! Each case gets a fresh database (an in-memory SQLite database, or a PostgreSQL /
//! MySQL database created for it and dropped after), so the suite runs in parallel and
//! reruns cleanly. A third-party driver passes the same cases.
#![warn(missing_docs)]
// On docs.rs, each item behind a feature is marked with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
// A test suite: failing loudly on an unexpected result is its job.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod cases;
pub mod harness;
pub mod migration_models;
pub mod models;
pub mod relation_models;
pub mod rt;

pub use harness::{Backend, TestDb, run};
