//! The models of the migration cases: one schema in three versions, and a model with
//! database-side defaults.
#![allow(missing_docs)]

use chrono::NaiveDateTime;
use om::Model;

/// Version 1: people with a nickname and a legacy column.
pub mod v1 {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[om(table = "mig_person")]
    pub struct Person {
        #[om(primary_key)]
        pub id: Option<i64>,
        #[om(size = 100, index)]
        pub name: String,
        pub nick: Option<String>,
        pub legacy: Option<i64>,
    }
}

/// Version 2: `nick` renamed to `nickname`, `legacy` dropped, `score` added (NOT NULL
/// with a database default), and a new table of notes that reference people.
pub mod v2 {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[om(table = "mig_person")]
    pub struct Person {
        #[om(primary_key)]
        pub id: Option<i64>,
        #[om(size = 100, index)]
        pub name: String,
        #[om(renamed_from = "nick")]
        pub nickname: Option<String>,
        #[om(default = 0)]
        pub score: i64,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[om(table = "mig_note")]
    pub struct Note {
        #[om(primary_key)]
        pub id: Option<i64>,
        #[om(references(Person, on_delete = cascade))]
        pub person_id: i64,
        #[om(size = 200)]
        pub body: String,
    }
}

/// Version 3: `nickname` becomes NOT NULL with a default (SQLite rebuilds the table),
/// the indexed `name` is dropped.
pub mod v3 {
    use super::*;

    #[derive(Model, Debug, Clone, PartialEq)]
    #[om(table = "mig_person")]
    pub struct Person {
        #[om(primary_key)]
        pub id: Option<i64>,
        #[om(size = 50, default = "none")]
        pub nickname: String,
        #[om(default = 0)]
        pub score: i64,
    }

    pub use super::v2::Note;
}

/// The current time, truncated to the millisecond (what every backend stores).
pub fn now() -> NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond_ms()
}

trait Millis {
    fn with_nanosecond_ms(self) -> Self;
}

impl Millis for NaiveDateTime {
    fn with_nanosecond_ms(self) -> Self {
        use chrono::Timelike;
        let ms = self.nanosecond() / 1_000_000 * 1_000_000;
        self.with_nanosecond(ms).unwrap_or(self)
    }
}

/// Database-side defaults on plain (not `Option`) fields, and timestamps set at insert
/// and at update.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "db_defaults")]
pub struct Ticket {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 40)]
    pub title: String,
    #[om(size = 20, default = "open")]
    pub status: String,
    #[om(default = 3)]
    pub priority: i32,
    #[om(default = true)]
    pub visible: bool,
    #[om(default_fn = now)]
    pub created: NaiveDateTime,
    #[om(default_fn = now, on_update_fn = now)]
    pub updated: NaiveDateTime,
}
