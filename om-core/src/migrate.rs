//! Migrations generated from the models (feature `migrate`).
//!
//! A [`Migrator`] over a folder (kept in the repository) compares the models with the
//! snapshot the newest migration ends with and writes a new migration: a folder
//! `<version>_<name>/` with `up.<backend>.sql` and `down.<backend>.sql` for every
//! backend compiled in, which the user may read and edit, and `schema.json`, the
//! snapshot after it. [`Migrator::apply`] runs the pending ones in order (each in a
//! transaction where DDL is transactional) and records them with a checksum in the
//! history table `om_migrations`; [`Migrator::revert`] runs the newest one's down.
//! An edited applied migration, a missing one, or a live schema that differs from the
//! snapshot is an error naming what differs. [`cli`] is a ready-made command line.

pub mod cli;
pub mod drift;
pub mod folder;
pub mod history;
pub mod migrator;
pub mod snapshot_file;

pub use folder::MigrationDir;
pub use history::AppliedMigration;
pub use migrator::{MigrationState, MigrationStatus, Migrator};
