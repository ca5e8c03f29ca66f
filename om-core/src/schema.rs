//! The schema as a whole: which tables depend on which (so in which order
//! `create_all` creates them and `drop_all` drops them), a dialect-free
//! [`snapshot`] of it built from the models, the [`diff`](mod@diff) of two snapshots as
//! portable operations, and how a driver renders those ([`ddl`], [`dialect`]).
//!
//! The statements of one table for `create_all` are in [`sql::ddl`](crate::sql::ddl).

pub mod ddl;
pub mod dialect;
pub mod diff;
pub mod order;
pub mod snapshot;

pub use dialect::{HistoryChange, SchemaDialect};
pub use diff::{Operation, diff, invert};
pub use order::{creation_order, references};
pub use snapshot::{Column, ForeignKey, Index, Literal, Models, Schema, Table};
