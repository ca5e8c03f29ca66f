//! Tables and indexes from model metadata.

use sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement, Table,
    TableCreateStatement, TableDropStatement,
};

use crate::model::{ColumnMeta, ColumnType, TableMeta};
use crate::relation::ReferentialAction;

/// Gives `def` the portable type of a column of type `ty` (the driver's DDL may adjust
/// it): the one mapping shared by `create_all` and migrations.
pub fn set_type(def: &mut ColumnDef, ty: ColumnType) {
    match ty {
        ColumnType::Bool => def.boolean(),
        ColumnType::SmallInt => def.small_integer(),
        ColumnType::Integer => def.integer(),
        ColumnType::BigInt => def.big_integer(),
        ColumnType::Float => def.float(),
        ColumnType::Double => def.double(),
        ColumnType::Text(Some(n)) => def.string_len(n),
        ColumnType::Text(None) => def.text(),
        ColumnType::Bytes => def.blob(),
        ColumnType::Date => def.date(),
        ColumnType::Time => def.time(),
        ColumnType::DateTime => def.date_time(),
        ColumnType::DateTimeUtc => def.timestamp_with_time_zone(),
        ColumnType::Uuid => def.uuid(),
        ColumnType::Decimal => def.decimal(),
        ColumnType::Json => def.json(),
    };
}

/// The portable definition of a column: type, nullability and a single generated key.
///
/// A driver may change it before use (MySQL, say, cannot index unbounded text).
pub fn column_def(table: &TableMeta, c: &ColumnMeta) -> ColumnDef {
    let mut def = ColumnDef::new(c.name);
    set_type(&mut def, c.ty);
    if c.nullable && !c.primary_key {
        def.null();
    } else {
        def.not_null();
    }
    if c.generated && table.primary_key.len() == 1 {
        def.auto_increment().primary_key();
    }
    if let Some(default) = c.db_default {
        def.default(default.value());
    }
    def
}

/// `CREATE TABLE IF NOT EXISTS` for `table`, each column defined by `define`.
///
/// A single generated key is declared on its column; any other key as a table-level
/// `PRIMARY KEY`. Indexes are separate statements: see [`create_indexes`].
pub fn create_table(
    table: &TableMeta,
    define: impl Fn(&TableMeta, &ColumnMeta) -> ColumnDef,
) -> TableCreateStatement {
    let mut stmt = Table::create();
    stmt.table(table.name).if_not_exists();
    for c in table.columns {
        stmt.col(define(table, c));
    }
    let generated_key = table.generated_column().is_some() && table.primary_key.len() == 1;
    if !generated_key && !table.primary_key.is_empty() {
        let mut pk = Index::create();
        for c in table.key_columns() {
            pk.col(c.name);
        }
        stmt.primary_key(&mut pk);
    }
    if let Some(parent) = table.parent {
        // The key is the parent's: deleting the parent's row deletes this one.
        let mut fk = ForeignKey::create();
        fk.name(constraint_name("fk", table.name, parent.name))
            .from_tbl(table.name)
            .to_tbl(parent.name)
            .on_delete(ForeignKeyAction::Cascade);
        for (c, p) in table.key_columns().zip(parent.key_columns()) {
            fk.from_col(c.name).to_col(p.name);
        }
        stmt.foreign_key(&mut fk);
    }
    for (c, reference) in table.foreign_keys() {
        let target = reference.referenced();
        let mut fk = ForeignKey::create();
        fk.name(constraint_name("fk", table.name, c.name))
            .from_tbl(table.name)
            .from_col(c.name)
            .to_tbl(target.table)
            .to_col(target.column);
        if let Some(action) = action(reference.on_delete) {
            fk.on_delete(action);
        }
        if let Some(action) = action(reference.on_update) {
            fk.on_update(action);
        }
        stmt.foreign_key(&mut fk);
    }
    stmt
}

/// sea-query's action, `None` for the default (no action).
fn action(action: ReferentialAction) -> Option<ForeignKeyAction> {
    match action {
        ReferentialAction::NoAction => None,
        ReferentialAction::Restrict => Some(ForeignKeyAction::Restrict),
        ReferentialAction::Cascade => Some(ForeignKeyAction::Cascade),
        ReferentialAction::SetNull => Some(ForeignKeyAction::SetNull),
    }
}

/// The longest identifier every backend keeps whole (PostgreSQL truncates at 63 bytes,
/// MySQL refuses more than 64).
pub const MAX_IDENTIFIER: usize = 63;

/// The name om gives the index on `table.column`: `ix_<table>_<column>` (`ux_` when
/// unique), cut to fit [`MAX_IDENTIFIER`], then `_` and a hash of the table and column
/// names. The hash keeps names distinct where the readable part is not (table `t` with
/// column `a_b`, and table `t_a` with column `b`; long names cut alike), and stable
/// across versions.
pub fn index_name(table: &TableMeta, column: &ColumnMeta) -> String {
    let prefix = if column.unique { "ux" } else { "ix" };
    constraint_name(prefix, table.name, column.name)
}

/// `<prefix>_<a>_<b>`, cut to fit [`MAX_IDENTIFIER`], then `_` and a hash of `a` and `b`.
pub(crate) fn constraint_name(prefix: &str, a: &str, b: &str) -> String {
    let mut name = format!("{prefix}_{a}_{b}");
    // FNV-1a: stable across Rust versions, unlike the standard library's hasher.
    let hash = [a, "\0", b]
        .iter()
        .flat_map(|part| part.bytes())
        .fold(0x811c_9dc5_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
        });
    let mut cut = name.len().min(MAX_IDENTIFIER - 9);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    name.truncate(cut);
    name.push_str(&format!("_{hash:08x}"));
    name
}

/// `CREATE [UNIQUE] INDEX IF NOT EXISTS` for every indexed or unique column.
pub fn create_indexes(table: &TableMeta) -> Vec<IndexCreateStatement> {
    table
        .columns
        .iter()
        .filter(|c| c.index || c.unique)
        .map(|c| {
            let mut idx = Index::create();
            idx.if_not_exists()
                .name(index_name(table, c))
                .table(table.name)
                .col(c.name);
            if c.unique {
                idx.unique();
            }
            idx
        })
        .collect()
}

/// `DROP TABLE IF EXISTS`.
pub fn drop_table(table: &TableMeta) -> TableDropStatement {
    let mut stmt = Table::drop();
    stmt.table(table.name).if_exists();
    stmt
}
