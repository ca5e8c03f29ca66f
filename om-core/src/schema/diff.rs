//! The difference between two schema snapshots, as a list of portable operations that
//! each driver renders in its dialect; every operation has an inverse, for `down`.

use super::snapshot::{Column, ForeignKey, Index, Schema, Table};

/// One change to a schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operation {
    /// Creates a table with its indexes and foreign keys.
    CreateTable(Table),
    /// Drops a table (its definition is kept for the inverse).
    DropTable(Table),
    /// Adds a column to a table.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drops a column (its definition is kept for the inverse).
    DropColumn {
        /// The table.
        table: String,
        /// The dropped column.
        column: Column,
    },
    /// Renames a column (`#[om(renamed_from = "old")]`), keeping its data.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Changes a column's type, nullability or default.
    AlterColumn {
        /// The table.
        table: String,
        /// The column as it was.
        from: Column,
        /// The column as it becomes.
        to: Column,
    },
    /// Creates an index.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drops an index.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        key: ForeignKey,
    },
    /// Drops a foreign key.
    DropForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        key: ForeignKey,
    },
}

impl Operation {
    /// The operation that undoes this one.
    pub fn inverse(&self) -> Operation {
        match self.clone() {
            Operation::CreateTable(t) => Operation::DropTable(t),
            Operation::DropTable(t) => Operation::CreateTable(t),
            Operation::AddColumn { table, column } => Operation::DropColumn { table, column },
            Operation::DropColumn { table, column } => Operation::AddColumn { table, column },
            Operation::RenameColumn { table, from, to } => Operation::RenameColumn {
                table,
                from: to,
                to: from,
            },
            Operation::AlterColumn { table, from, to } => Operation::AlterColumn {
                table,
                from: to,
                to: from,
            },
            Operation::CreateIndex { table, index } => Operation::DropIndex { table, index },
            Operation::DropIndex { table, index } => Operation::CreateIndex { table, index },
            Operation::AddForeignKey { table, key } => Operation::DropForeignKey { table, key },
            Operation::DropForeignKey { table, key } => Operation::AddForeignKey { table, key },
        }
    }

    /// The table the operation changes.
    pub fn table(&self) -> &str {
        match self {
            Operation::CreateTable(t) | Operation::DropTable(t) => &t.name,
            Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::RenameColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::CreateIndex { table, .. }
            | Operation::DropIndex { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. } => table,
        }
    }
}

/// The operations that undo `ops`: each one's inverse, last first.
pub fn invert(ops: &[Operation]) -> Vec<Operation> {
    ops.iter().rev().map(Operation::inverse).collect()
}

/// The operations that turn `before` into `after`, in an order every database accepts:
/// foreign keys and indexes that go are dropped first, then tables, then columns are
/// renamed, dropped, added and altered, then new tables, indexes and foreign keys come.
///
/// A column of `after` whose `renamed_from` names a column of `before` that `after` no
/// longer has is renamed rather than dropped and added.
pub fn diff(before: &Schema, after: &Schema) -> Vec<Operation> {
    let mut drop_fks = Vec::new();
    let mut drop_indexes = Vec::new();
    let mut drop_tables = Vec::new();
    let mut renames = Vec::new();
    let mut drop_columns = Vec::new();
    let mut add_columns = Vec::new();
    let mut alters = Vec::new();
    let mut create_tables = Vec::new();
    let mut create_indexes = Vec::new();
    let mut add_fks = Vec::new();

    for old in before.tables.iter().rev() {
        if after.table(&old.name).is_none() {
            drop_tables.push(Operation::DropTable(old.clone()));
        }
    }
    for new in &after.tables {
        let Some(old) = before.table(&new.name) else {
            let mut table = new.clone();
            for c in &mut table.columns {
                c.renamed_from = None;
            }
            create_tables.push(Operation::CreateTable(table));
            continue;
        };
        let name = || new.name.clone();
        // Columns: renamed, kept (maybe altered), dropped, added.
        let mut matched: Vec<&str> = Vec::new();
        for c in &new.columns {
            let previous = if let Some(prev) = old.column(&c.name) {
                Some(prev)
            } else if let Some(from) = &c.renamed_from {
                let prev = old
                    .column(from)
                    .filter(|_| new.column(from).is_none() && !matched.contains(&from.as_str()));
                if prev.is_some() {
                    renames.push(Operation::RenameColumn {
                        table: name(),
                        from: from.clone(),
                        to: c.name.clone(),
                    });
                }
                prev
            } else {
                None
            };
            let mut column = c.clone();
            column.renamed_from = None;
            match previous {
                Some(prev) => {
                    matched.push(&prev.name);
                    if !prev.same_definition(&column) {
                        let mut from = prev.clone();
                        from.name = column.name.clone();
                        alters.push(Operation::AlterColumn {
                            table: name(),
                            from,
                            to: column,
                        });
                    }
                }
                None => add_columns.push(Operation::AddColumn {
                    table: name(),
                    column,
                }),
            }
        }
        for c in &old.columns {
            if !matched.contains(&c.name.as_str()) {
                drop_columns.push(Operation::DropColumn {
                    table: name(),
                    column: c.clone(),
                });
            }
        }
        for index in &old.indexes {
            if !new.indexes.contains(index) {
                drop_indexes.push(Operation::DropIndex {
                    table: name(),
                    index: index.clone(),
                });
            }
        }
        for index in &new.indexes {
            if !old.indexes.contains(index) {
                create_indexes.push(Operation::CreateIndex {
                    table: name(),
                    index: index.clone(),
                });
            }
        }
        for key in &old.foreign_keys {
            if !new.foreign_keys.contains(key) {
                drop_fks.push(Operation::DropForeignKey {
                    table: name(),
                    key: key.clone(),
                });
            }
        }
        for key in &new.foreign_keys {
            if !old.foreign_keys.contains(key) {
                add_fks.push(Operation::AddForeignKey {
                    table: name(),
                    key: key.clone(),
                });
            }
        }
    }
    let mut ops = drop_fks;
    ops.extend(drop_indexes);
    ops.extend(drop_tables);
    ops.extend(renames);
    ops.extend(drop_columns);
    ops.extend(add_columns);
    ops.extend(alters);
    ops.extend(create_tables);
    ops.extend(create_indexes);
    ops.extend(add_fks);
    ops
}

impl Schema {
    /// Applies `op` to this snapshot: the schema as it is after the operation ran.
    pub fn apply(&mut self, op: &Operation) {
        match op {
            Operation::CreateTable(t) => {
                self.tables.retain(|x| x.name != t.name);
                self.tables.push(t.clone());
                self.sort();
            }
            Operation::DropTable(t) => self.tables.retain(|x| x.name != t.name),
            _ => {
                if let Some(t) = self.table_mut(op.table()) {
                    t.apply(op);
                }
            }
        }
    }
}

impl Table {
    fn apply(&mut self, op: &Operation) {
        match op {
            Operation::AddColumn { column, .. } => self.columns.push(column.clone()),
            Operation::DropColumn { column, .. } => {
                self.columns.retain(|c| c.name != column.name);
            }
            Operation::RenameColumn { from, to, .. } => {
                let rename = |name: &mut String| {
                    if name == from {
                        name.clone_from(to);
                    }
                };
                for c in &mut self.columns {
                    rename(&mut c.name);
                }
                self.primary_key.iter_mut().for_each(rename);
                for i in &mut self.indexes {
                    i.columns.iter_mut().for_each(rename);
                }
                for k in &mut self.foreign_keys {
                    k.columns.iter_mut().for_each(rename);
                }
            }
            Operation::AlterColumn { to, .. } => {
                if let Some(c) = self.columns.iter_mut().find(|c| c.name == to.name) {
                    *c = to.clone();
                }
            }
            Operation::CreateIndex { index, .. } => {
                self.indexes.retain(|i| i.name != index.name);
                self.indexes.push(index.clone());
            }
            Operation::DropIndex { index, .. } => self.indexes.retain(|i| i.name != index.name),
            Operation::AddForeignKey { key, .. } => {
                self.foreign_keys.retain(|k| k.name != key.name);
                self.foreign_keys.push(key.clone());
            }
            Operation::DropForeignKey { key, .. } => {
                self.foreign_keys.retain(|k| k.name != key.name);
            }
            Operation::CreateTable(_) | Operation::DropTable(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnType;

    pub(crate) use crate::test_tables::snapshot_column as column;

    fn person(columns: Vec<Column>) -> Schema {
        let mut id = column("id", ColumnType::BigInt, false);
        id.generated = true;
        let mut all = vec![id];
        all.extend(columns);
        Schema {
            tables: vec![Table {
                name: "person".into(),
                columns: all,
                primary_key: vec!["id".into()],
                indexes: Vec::new(),
                foreign_keys: Vec::new(),
            }],
        }
    }

    #[test]
    fn rename_drop_add_and_alter_in_order() {
        let before = person(vec![
            column("nick", ColumnType::Text(None), true),
            column("legacy", ColumnType::BigInt, true),
            column("age", ColumnType::Integer, true),
        ]);
        let mut nickname = column("nickname", ColumnType::Text(None), true);
        nickname.renamed_from = Some("nick".into());
        let after = person(vec![
            nickname,
            column("age", ColumnType::Integer, false),
            column("score", ColumnType::BigInt, false),
        ]);
        let ops = diff(&before, &after);
        let kinds: Vec<&str> = ops
            .iter()
            .map(|op| match op {
                Operation::RenameColumn { .. } => "rename",
                Operation::DropColumn { .. } => "drop",
                Operation::AddColumn { .. } => "add",
                Operation::AlterColumn { .. } => "alter",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["rename", "drop", "add", "alter"]);
        // Applying the operations gives the target (renames resolved); their inverse,
        // applied after, gives the start back (column order aside).
        let mut state = before.clone();
        for op in &ops {
            state.apply(op);
        }
        let names = |s: &Schema| {
            let mut n: Vec<String> = s.tables[0].columns.iter().map(|c| c.name.clone()).collect();
            n.sort();
            n
        };
        assert_eq!(names(&state), names(&after));
        for op in invert(&ops) {
            state.apply(&op);
        }
        assert_eq!(names(&state), names(&before));
        assert!(diff(&after, &after).is_empty(), "no change, no operation");
    }

    #[test]
    fn new_and_dropped_tables() {
        let before = Schema::new();
        let after = person(Vec::new());
        let ops = diff(&before, &after);
        assert!(matches!(&ops[..], [Operation::CreateTable(t)] if t.name == "person"));
        assert!(matches!(&invert(&ops)[..], [Operation::DropTable(t)] if t.name == "person"));
    }
}
