//! Schema operations → sea-query DDL statements, and the walk that turns a list of
//! operations into SQL text with a driver's [`DdlStyle`] and sea-query builder.
//!
//! The driver owns what differs (column types, how a column is altered, whether a table
//! is rebuilt instead); the table-rebuild procedure SQLite documents for what its
//! `ALTER TABLE` cannot do is here, chosen by [`DdlStyle::rebuilds`].

use sea_query::{
    Alias, ColumnDef, ForeignKeyAction, Index as SeaIndex, IndexCreateStatement, Query,
    SchemaBuilder, Table as SeaTable, TableCreateStatement,
};

use super::diff::Operation;
use super::snapshot::{Column, ForeignKey, Index, Literal, Schema, Table};
use crate::error::{Error, Result};
use crate::model::ColumnType;
use crate::relation::ReferentialAction;

/// What a driver decides when it renders schema operations.
pub trait DdlStyle {
    /// The definition of `column` of `table`, in the dialect (type, nullability,
    /// default, generated key).
    fn column(&self, table: &Table, column: &Column) -> ColumnDef;

    /// Finishes a `CREATE TABLE` (MySQL: engine, character set, collation).
    fn finish_create(&self, stmt: &mut TableCreateStatement) {
        let _ = stmt;
    }

    /// Whether `op`, on `table` as it is before it, is done by rebuilding the table
    /// (SQLite, whose `ALTER TABLE` cannot alter a column or its foreign keys).
    fn rebuilds(&self, op: &Operation, table: &Table) -> bool {
        let _ = (op, table);
        false
    }

    /// The statements that change `from` into `to` in `table` (as it is after the
    /// change), when the table is not rebuilt.
    fn alter_column(&self, table: &Table, from: &Column, to: &Column) -> Result<Vec<String>>;
}

/// The portable definition of a column: its type, nullability, default and a single
/// generated key. A driver's [`DdlStyle::column`] starts from it.
pub fn column_def(table: &Table, c: &Column) -> ColumnDef {
    let mut def = ColumnDef::new(Alias::new(&c.name));
    crate::sql::ddl::set_type(&mut def, c.ty);
    if c.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if c.generated && table.has_generated_key() {
        def.auto_increment().primary_key();
    }
    if let Some(default) = &c.default {
        def.default(default.to_value());
    }
    def
}

/// `CREATE TABLE` for `table` named `name` (the table's own name, or a temporary one
/// for a rebuild), with its primary key and foreign keys; indexes are separate.
pub fn create_table(style: &dyn DdlStyle, table: &Table, name: &str) -> TableCreateStatement {
    let mut stmt = SeaTable::create();
    stmt.table(Alias::new(name));
    for c in &table.columns {
        stmt.col(style.column(table, c));
    }
    if !table.has_generated_key() && !table.primary_key.is_empty() {
        let mut pk = SeaIndex::create();
        for c in &table.primary_key {
            pk.col(Alias::new(c));
        }
        stmt.primary_key(&mut pk);
    }
    for key in &table.foreign_keys {
        stmt.foreign_key(&mut foreign_key(name, key));
    }
    style.finish_create(&mut stmt);
    stmt
}

fn foreign_key(table: &str, key: &ForeignKey) -> sea_query::ForeignKeyCreateStatement {
    let mut fk = sea_query::ForeignKey::create();
    fk.name(&key.name)
        .from_tbl(Alias::new(table))
        .to_tbl(Alias::new(&key.ref_table));
    for (from, to) in key.columns.iter().zip(&key.ref_columns) {
        fk.from_col(Alias::new(from)).to_col(Alias::new(to));
    }
    if let Some(action) = action(key.on_delete) {
        fk.on_delete(action);
    }
    if let Some(action) = action(key.on_update) {
        fk.on_update(action);
    }
    fk
}

fn action(action: ReferentialAction) -> Option<ForeignKeyAction> {
    match action {
        ReferentialAction::NoAction => None,
        ReferentialAction::Restrict => Some(ForeignKeyAction::Restrict),
        ReferentialAction::Cascade => Some(ForeignKeyAction::Cascade),
        ReferentialAction::SetNull => Some(ForeignKeyAction::SetNull),
    }
}

/// `CREATE [UNIQUE] INDEX` for `index` of `table`.
pub fn create_index(table: &str, index: &Index) -> IndexCreateStatement {
    let mut idx = SeaIndex::create();
    idx.name(&index.name).table(Alias::new(table));
    for c in &index.columns {
        idx.col(Alias::new(c));
    }
    if index.unique {
        idx.unique();
    }
    idx
}

/// Renders `ops`, run on a database whose schema is `before`, into SQL statements with
/// `style` and the dialect's sea-query `builder`.
///
/// # Errors
///
/// [`Error::InvalidMigration`] when an operation names a table the schema does not have.
pub fn render<B: SchemaBuilder + Default>(
    ops: &[Operation],
    before: &Schema,
    style: &dyn DdlStyle,
) -> Result<Vec<String>> {
    let builder = B::default;
    let mut state = before.clone();
    let mut out = Vec::new();
    for op in ops {
        let current = match op {
            Operation::CreateTable(_) | Operation::DropTable(_) => None,
            _ => Some(state.table(op.table()).cloned().ok_or_else(|| {
                Error::InvalidMigration(format!(
                    "the migration changes table `{}`, which the schema before it does not have",
                    op.table()
                ))
            })?),
        };
        state.apply(op);
        if let Some(old) = &current
            && style.rebuilds(op, old)
        {
            let new = state
                .table(op.table())
                .cloned()
                .unwrap_or_else(|| old.clone());
            out.extend(rebuild::<B>(old, &new, style));
            continue;
        }
        let table = |name: &str| Alias::new(name);
        match op {
            Operation::CreateTable(t) => {
                out.push(create_table(style, t, &t.name).build(builder()));
                for index in &t.indexes {
                    out.push(create_index(&t.name, index).build(builder()));
                }
            }
            Operation::DropTable(t) => {
                out.push(SeaTable::drop().table(table(&t.name)).build(builder()));
            }
            Operation::AddColumn {
                table: name,
                column,
            } => {
                let after = state.table(name).cloned().unwrap_or_else(|| Table {
                    name: name.clone(),
                    columns: Vec::new(),
                    primary_key: Vec::new(),
                    indexes: Vec::new(),
                    foreign_keys: Vec::new(),
                });
                // A NOT NULL column without a default is added with its type's zero
                // as a default, which fills the rows already there, then the default
                // goes.
                let fill = needs_fill(column).then(|| zero(column.ty)).flatten();
                let mut added = column.clone();
                if fill.is_some() {
                    added.default.clone_from(&fill);
                }
                out.push(
                    SeaTable::alter()
                        .table(table(name))
                        .add_column(style.column(&after, &added))
                        .build(builder()),
                );
                if fill.is_some() {
                    let q = builder().quote();
                    let quote = |ident: &str| {
                        let (l, r) = (q.left(), q.right());
                        format!("{l}{}{r}", ident.replace(r, &format!("{r}{r}")))
                    };
                    out.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
                        quote(name),
                        quote(&column.name)
                    ));
                }
            }
            Operation::DropColumn {
                table: name,
                column,
            } => out.push(
                SeaTable::alter()
                    .table(table(name))
                    .drop_column(Alias::new(&column.name))
                    .build(builder()),
            ),
            Operation::RenameColumn {
                table: name,
                from,
                to,
            } => out.push(
                SeaTable::alter()
                    .table(table(name))
                    .rename_column(Alias::new(from), Alias::new(to))
                    .build(builder()),
            ),
            Operation::AlterColumn {
                table: name,
                from,
                to,
            } => {
                let after = state
                    .table(name)
                    .cloned()
                    .ok_or_else(|| Error::InvalidMigration(format!("table `{name}` is missing")))?;
                out.extend(style.alter_column(&after, from, to)?);
            }
            Operation::CreateIndex { table: name, index } => {
                out.push(create_index(name, index).build(builder()));
            }
            Operation::DropIndex { table: name, index } => out.push(
                SeaIndex::drop()
                    .name(&index.name)
                    .table(table(name))
                    .build(builder()),
            ),
            Operation::AddForeignKey { table: name, key } => out.push(
                SeaTable::alter()
                    .table(table(name))
                    .add_foreign_key(foreign_key(name, key).get_foreign_key())
                    .build(builder()),
            ),
            Operation::DropForeignKey { table: name, key } => out.push(
                SeaTable::alter()
                    .table(table(name))
                    .drop_foreign_key(Alias::new(&key.name))
                    .build(builder()),
            ),
        }
    }
    Ok(out)
}

/// Whether a column added to a table with rows needs a value for them: NOT NULL,
/// without a default, not generated.
fn needs_fill(column: &Column) -> bool {
    !column.nullable && column.default.is_none() && !column.generated
}

/// The zero of a type (`0`, `''`, false), what a NOT NULL column added without a
/// default holds in the rows already there; `None` for types without an obvious one.
fn zero(ty: ColumnType) -> Option<Literal> {
    Some(match ty {
        ColumnType::Bool => Literal::Bool(false),
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => Literal::Int(0),
        ColumnType::Float | ColumnType::Double | ColumnType::Decimal => Literal::Int(0),
        ColumnType::Text(_) => Literal::Text(String::new()),
        _ => return None,
    })
}

/// The table-rebuild procedure SQLite documents for any change to a table: a new
/// table with the new definition, the rows copied over column by column (a column that
/// became NOT NULL takes its default where it was NULL, a new NOT NULL column without
/// default its type's zero), the old table dropped, the new one renamed to its name,
/// the indexes created again. It must run with foreign keys off (a `DROP TABLE` of a
/// referenced table would otherwise delete or orphan the rows that reference it): the
/// SQLite driver's [`SchemaDialect::run`](super::SchemaDialect::run) turns them off
/// around the migration's transaction and checks them before it commits.
fn rebuild<B: SchemaBuilder + Default>(
    old: &Table,
    new: &Table,
    style: &dyn DdlStyle,
) -> Vec<String> {
    let builder = B::default;
    let temp = format!("__om_new_{}", new.name);
    let mut out = vec![create_table(style, new, &temp).build(builder())];
    // The columns copied over, and the new NOT NULL ones without a default, filled
    // with their type's zero.
    let common: Vec<&Column> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some() || (needs_fill(c) && zero(c.ty).is_some()))
        .collect();
    if !common.is_empty() {
        let mut select = Query::select();
        select.from(Alias::new(&old.name));
        for c in &common {
            if old.column(&c.name).is_none() {
                if let Some(z) = zero(c.ty) {
                    select.expr(sea_query::Expr::val(z.to_value()));
                }
                continue;
            }
            let was_nullable = old.column(&c.name).is_some_and(|o| o.nullable);
            match (&c.default, c.nullable, was_nullable) {
                (Some(default), false, true) => {
                    select.expr(sea_query::Func::coalesce([
                        sea_query::Expr::col(Alias::new(&c.name)),
                        sea_query::Expr::val(default.to_value()),
                    ]));
                }
                _ => {
                    select.column(Alias::new(&c.name));
                }
            }
        }
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(&temp))
            .columns(common.iter().map(|c| Alias::new(&c.name)));
        if insert.select_from(select).is_ok() {
            out.push(insert.to_string(builder()));
        }
    }
    out.push(
        SeaTable::drop()
            .table(Alias::new(&old.name))
            .build(builder()),
    );
    out.push(
        SeaTable::rename()
            .table(Alias::new(&temp), Alias::new(&new.name))
            .build(builder()),
    );
    for index in &new.indexes {
        out.push(create_index(&new.name, index).build(builder()));
    }
    out
}
