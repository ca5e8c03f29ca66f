//! A dialect-free snapshot of a schema: the tables of a list of models, with their
//! columns, keys, indexes and foreign keys, as plain owned data that can be compared
//! ([`diff`](mod@super::diff)) and written to a file.

use crate::model::{ColumnMeta, ColumnType, Model, TableMeta};
use crate::relation::ReferentialAction;
use crate::sql::ddl::{constraint_name, index_name};
use crate::value::Value;

/// The tables of a list of models, in creation order (a table after the tables it
/// references).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The tables, each after the tables it references.
    pub tables: Vec<Table>,
}

/// One table of a [`Schema`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// The columns, in field order.
    pub columns: Vec<Column>,
    /// The primary key's column names, in key order.
    pub primary_key: Vec<String>,
    /// The table's indexes (its `index` and `unique` columns).
    pub indexes: Vec<Index>,
    /// The table's foreign keys (its `references(..)` columns, and for a model that
    /// extends another, its key to the parent's).
    pub foreign_keys: Vec<ForeignKey>,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// Its portable type.
    pub ty: ColumnType,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Whether the database generates its value (a single integer key).
    pub generated: bool,
    /// The constant the database fills it with when an insert leaves it out.
    pub default: Option<Literal>,
    /// The column's previous name (`#[om(renamed_from = "old")]`): read from the
    /// models to generate a rename, never stored in a snapshot.
    pub renamed_from: Option<String>,
}

/// A constant column default, as a snapshot stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text (and any other value, written as the text the database reads it from:
    /// dates, UUIDs, decimals).
    Text(String),
}

impl Literal {
    /// The literal of a default value; `None` for NULL (no default).
    pub fn of(value: &Value) -> Option<Literal> {
        Some(match value {
            Value::Bool(Some(b)) => Literal::Bool(*b),
            Value::TinyInt(Some(v)) => Literal::Int(i64::from(*v)),
            Value::SmallInt(Some(v)) => Literal::Int(i64::from(*v)),
            Value::Int(Some(v)) => Literal::Int(i64::from(*v)),
            Value::BigInt(Some(v)) => Literal::Int(*v),
            Value::TinyUnsigned(Some(v)) => Literal::Int(i64::from(*v)),
            Value::SmallUnsigned(Some(v)) => Literal::Int(i64::from(*v)),
            Value::Unsigned(Some(v)) => Literal::Int(i64::from(*v)),
            Value::BigUnsigned(Some(v)) => Literal::Int(i64::try_from(*v).ok()?),
            Value::Float(Some(v)) => Literal::Float(f64::from(*v)),
            Value::Double(Some(v)) => Literal::Float(*v),
            Value::String(Some(s)) => Literal::Text(s.clone()),
            Value::Char(Some(c)) => Literal::Text(c.to_string()),
            // Dates, UUIDs, decimals, JSON: no database default (om's own still applies).
            _ => return None,
        })
    }

    /// The literal as a value to render in DDL.
    pub fn to_value(&self) -> Value {
        match self {
            Literal::Bool(b) => Value::Bool(Some(*b)),
            Literal::Int(i) => Value::BigInt(Some(*i)),
            Literal::Float(f) => Value::Double(Some(*f)),
            Literal::Text(s) => Value::String(Some(s.clone())),
        }
    }
}

/// An index on one or more columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The index's name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
}

/// A foreign key: columns of this table that reference columns of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The constraint's name.
    pub name: String,
    /// The referencing columns of this table.
    pub columns: Vec<String>,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns, in the order of `columns`.
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

/// A list of models: a model or a tuple of up to 16 models, for [`Schema::of`].
pub trait Models {
    /// Appends the tables of the models (with their ancestors') to `out`.
    fn tables(out: &mut Vec<&'static TableMeta>);
}

impl<M: Model> Models for M {
    fn tables(out: &mut Vec<&'static TableMeta>) {
        out.extend(M::table().lineage());
    }
}

macro_rules! models_tuple {
    ($($m:ident),+) => {
        impl<$($m: Models),+> Models for ($($m,)+) {
            fn tables(out: &mut Vec<&'static TableMeta>) {
                $($m::tables(out);)+
            }
        }
    };
}
models_tuple!(A);
models_tuple!(A, B);
models_tuple!(A, B, C);
models_tuple!(A, B, C, D);
models_tuple!(A, B, C, D, E);
models_tuple!(A, B, C, D, E, F);
models_tuple!(A, B, C, D, E, F, G);
models_tuple!(A, B, C, D, E, F, G, H);
models_tuple!(A, B, C, D, E, F, G, H, I);
models_tuple!(A, B, C, D, E, F, G, H, I, J);
models_tuple!(A, B, C, D, E, F, G, H, I, J, K);
models_tuple!(A, B, C, D, E, F, G, H, I, J, K, L);
models_tuple!(A, B, C, D, E, F, G, H, I, J, K, L, M);
models_tuple!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
models_tuple!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
models_tuple!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);

impl Schema {
    /// An empty schema; add models with [`Schema::model`].
    pub fn new() -> Self {
        Schema::default()
    }

    /// The schema of a list of models: `Schema::of::<(User, Post)>()`. A model that
    /// extends another brings its parent's table.
    ///
    /// # Errors
    ///
    /// [`Error::DependencyCycle`](crate::Error::DependencyCycle) when tables reference
    /// each other in a cycle.
    pub fn of<M: Models>() -> crate::Result<Self> {
        let mut tables = Vec::new();
        M::tables(&mut tables);
        Schema::from_tables(&tables)
    }

    /// This schema with `M`'s table (and its ancestors') added.
    ///
    /// # Errors
    ///
    /// As [`Schema::of`].
    pub fn model<M: Model>(self) -> crate::Result<Self> {
        let mut tables = Vec::new();
        M::tables(&mut tables);
        self.with_tables(&tables)
    }

    /// The schema of `tables` (each once, in creation order).
    ///
    /// # Errors
    ///
    /// As [`Schema::of`].
    pub fn from_tables(tables: &[&'static TableMeta]) -> crate::Result<Self> {
        Schema::new().with_tables(tables)
    }

    fn with_tables(mut self, tables: &[&'static TableMeta]) -> crate::Result<Self> {
        let ordered = super::creation_order(tables)?;
        for t in ordered {
            if self.table(t.name).is_none() {
                self.tables.push(Table::of(t));
            }
        }
        self.sort();
        Ok(self)
    }

    /// Orders the tables so that each comes after the tables it references (where
    /// there is no cycle), keeping the order otherwise.
    pub(crate) fn sort(&mut self) {
        let mut done: Vec<Table> = Vec::with_capacity(self.tables.len());
        let mut rest = std::mem::take(&mut self.tables);
        while !rest.is_empty() {
            let ready = rest.iter().position(|t| {
                t.foreign_keys.iter().all(|fk| {
                    fk.ref_table == t.name
                        || done.iter().any(|d| d.name == fk.ref_table)
                        || !rest.iter().any(|r| r.name == fk.ref_table)
                })
            });
            done.push(rest.remove(ready.unwrap_or(0)));
        }
        self.tables = done;
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub(crate) fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| t.name == name)
    }
}

impl Table {
    /// The snapshot of a model's table.
    pub fn of(meta: &TableMeta) -> Table {
        let columns: Vec<Column> = meta.columns.iter().map(Column::of).collect();
        let indexes = meta
            .columns
            .iter()
            .filter(|c| c.index || c.unique)
            .map(|c| Index {
                name: index_name(meta, c),
                columns: vec![c.name.to_string()],
                unique: c.unique,
            })
            .collect();
        let mut foreign_keys = Vec::new();
        if let Some(parent) = meta.parent {
            foreign_keys.push(ForeignKey {
                name: constraint_name("fk", meta.name, parent.name),
                columns: meta.key_columns().map(|c| c.name.to_string()).collect(),
                ref_table: parent.name.to_string(),
                ref_columns: parent.key_columns().map(|c| c.name.to_string()).collect(),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            });
        }
        for (c, fk) in meta.foreign_keys() {
            let target = fk.referenced();
            foreign_keys.push(ForeignKey {
                name: constraint_name("fk", meta.name, c.name),
                columns: vec![c.name.to_string()],
                ref_table: target.table.to_string(),
                ref_columns: vec![target.column.to_string()],
                on_delete: fk.on_delete,
                on_update: fk.on_update,
            });
        }
        Table {
            name: meta.name.to_string(),
            columns,
            primary_key: meta.key_columns().map(|c| c.name.to_string()).collect(),
            indexes,
            foreign_keys,
        }
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `column` is in the primary key or an index (MySQL cannot index
    /// unbounded text, so the driver bounds it).
    pub fn is_keyed(&self, column: &str) -> bool {
        self.primary_key.iter().any(|k| k == column)
            || self
                .indexes
                .iter()
                .any(|i| i.columns.iter().any(|c| c == column))
    }

    /// Whether the table's key is one column the database generates.
    pub fn has_generated_key(&self) -> bool {
        self.primary_key.len() == 1 && self.columns.iter().any(|c| c.generated)
    }

    /// The name om gives an index on `column` (`ix_`/`ux_<table>_<column>_<hash>`).
    pub fn index_name(&self, column: &str, unique: bool) -> String {
        constraint_name(if unique { "ux" } else { "ix" }, &self.name, column)
    }
}

impl Column {
    /// The snapshot of a model's column.
    pub fn of(c: &ColumnMeta) -> Column {
        Column {
            name: c.name.to_string(),
            ty: c.ty,
            nullable: c.nullable && !c.primary_key,
            generated: c.generated,
            default: c.db_default.and_then(|d| Literal::of(&d.value())),
            renamed_from: c.renamed_from.map(str::to_string),
        }
    }

    /// Whether the column's definition (type, nullability, default) is the same as
    /// `other`'s, whatever their names.
    pub fn same_definition(&self, other: &Column) -> bool {
        self.ty == other.ty
            && self.nullable == other.nullable
            && self.generated == other.generated
            && self.default == other.default
    }
}

/// The stable text of a column type in a snapshot file: `bigint`, `text`, `text(100)`.
pub fn type_name(ty: ColumnType) -> String {
    match ty {
        ColumnType::Bool => "bool".into(),
        ColumnType::SmallInt => "smallint".into(),
        ColumnType::Integer => "integer".into(),
        ColumnType::BigInt => "bigint".into(),
        ColumnType::Float => "float".into(),
        ColumnType::Double => "double".into(),
        ColumnType::Text(None) => "text".into(),
        ColumnType::Text(Some(n)) => format!("text({n})"),
        ColumnType::Bytes => "bytes".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time".into(),
        ColumnType::DateTime => "datetime".into(),
        ColumnType::DateTimeUtc => "datetime_utc".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Decimal => "decimal".into(),
        ColumnType::Json => "json".into(),
    }
}

/// The column type a [`type_name`] stands for.
pub fn parse_type(name: &str) -> Option<ColumnType> {
    Some(match name {
        "bool" => ColumnType::Bool,
        "smallint" => ColumnType::SmallInt,
        "integer" => ColumnType::Integer,
        "bigint" => ColumnType::BigInt,
        "float" => ColumnType::Float,
        "double" => ColumnType::Double,
        "text" => ColumnType::Text(None),
        "bytes" => ColumnType::Bytes,
        "date" => ColumnType::Date,
        "time" => ColumnType::Time,
        "datetime" => ColumnType::DateTime,
        "datetime_utc" => ColumnType::DateTimeUtc,
        "uuid" => ColumnType::Uuid,
        "decimal" => ColumnType::Decimal,
        "json" => ColumnType::Json,
        other => {
            let n = other.strip_prefix("text(")?.strip_suffix(')')?;
            ColumnType::Text(Some(n.parse().ok()?))
        }
    })
}
