//! The schema as a whole: which tables depend on which, and so in which order
//! `create_all` creates them and `drop_all` drops them.
//!
//! The statements of one table are in [`sql::ddl`](crate::sql::ddl).

pub mod order;

pub use order::{creation_order, references};
