//! Foreign keys: a column that references another table's column.

use std::fmt;

use crate::expr::ColumnRef;
use crate::model::TableMeta;

/// What the database does to the rows that reference a row being deleted or whose
/// referenced column changes (`ON DELETE`, `ON UPDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ReferentialAction {
    /// Refuse the change while rows reference the row, checked at the end of the
    /// statement (the SQL default).
    #[default]
    NoAction,
    /// Refuse the change while rows reference the row, checked at once.
    Restrict,
    /// Delete (or update) the referencing rows too.
    Cascade,
    /// Set the referencing column to NULL (the field must be an `Option`).
    SetNull,
}

impl ReferentialAction {
    /// The action's SQL words.
    pub const fn as_sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
        }
    }
}

/// The column a foreign-key column references, and what happens when that row goes.
///
/// Built by `#[derive(Model)]` from `#[om(references(Target, ...))]`. The target is
/// reached through functions because a model's table may be built when first used.
#[derive(Clone, Copy)]
pub struct ForeignKey {
    /// The referenced model's table.
    pub target: fn() -> &'static TableMeta,
    /// The referenced column: the target's key unless `field = ...` names another.
    pub column: fn() -> ColumnRef,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

impl ForeignKey {
    /// The referenced table.
    pub fn table(&self) -> &'static TableMeta {
        (self.target)()
    }

    /// The referenced column.
    pub fn referenced(&self) -> ColumnRef {
        (self.column)()
    }
}

impl PartialEq for ForeignKey {
    fn eq(&self, other: &Self) -> bool {
        self.referenced() == other.referenced()
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
    }
}

impl Eq for ForeignKey {}

impl fmt::Debug for ForeignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.referenced();
        f.debug_struct("ForeignKey")
            .field("references", &format_args!("{}.{}", r.table, r.column))
            .field("on_delete", &self.on_delete)
            .field("on_update", &self.on_update)
            .finish()
    }
}

/// The first key column of model `M`'s table: what a foreign key references unless it
/// names a column. Used by `#[derive(Model)]`.
pub fn key_of<M: crate::model::Model>() -> ColumnRef {
    let table = M::table();
    ColumnRef {
        table: table.name,
        column: table.key_columns().next().map_or("", |c| c.name),
    }
}
