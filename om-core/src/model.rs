//! Model metadata and the [`Model`] trait that `#[derive(Model)]` implements.

use crate::error::Result;
use crate::relation::ForeignKey;
use crate::row::Row;
use crate::value::{Value, ValueRef};

/// The portable type of a column; each driver maps it to its dialect's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// `bool`.
    Bool,
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// Text, with an optional maximum length in characters (`VARCHAR(n)`).
    Text(Option<u32>),
    /// Binary data.
    Bytes,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A timestamp without time zone.
    DateTime,
    /// A timestamp with time zone, read back as UTC.
    DateTimeUtc,
    /// A UUID.
    Uuid,
    /// An exact decimal number.
    Decimal,
    /// A JSON document.
    Json,
}

impl ColumnType {
    /// Whether the integer `value` fits a column (and the field) of this type: always
    /// for `BigInt`, within range for `Integer` and `SmallInt`, never for a type that
    /// is not an integer. How a driver checks a key it draws for a generated column.
    pub const fn holds_integer(self, value: i64) -> bool {
        match self {
            ColumnType::BigInt => true,
            ColumnType::Integer => value >= i32::MIN as i64 && value <= i32::MAX as i64,
            ColumnType::SmallInt => value >= i16::MIN as i64 && value <= i16::MAX as i64,
            _ => false,
        }
    }

    /// The same type with a maximum length, for text columns; other types are unchanged.
    pub const fn with_size(self, size: u32) -> Self {
        match self {
            ColumnType::Text(_) => ColumnType::Text(Some(size)),
            other => other,
        }
    }

    /// Whether values of this type are integers.
    pub const fn is_integer(self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
        )
    }
}

/// How a default or on-update value is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// No default.
    None,
    /// A constant written in the attribute.
    Constant,
    /// A function called each time.
    Function,
}

/// A constant default the database stores with the column (`DEFAULT <literal>`): the
/// value of `#[om(default = <constant>)]`, produced on demand.
#[derive(Clone, Copy)]
pub struct DatabaseDefault(pub fn() -> Value);

impl DatabaseDefault {
    /// The default's value.
    pub fn value(&self) -> Value {
        (self.0)()
    }
}

impl PartialEq for DatabaseDefault {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl Eq for DatabaseDefault {}

impl std::fmt::Debug for DatabaseDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseDefault({:?})", self.value())
    }
}

/// One column of a model's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    /// The column's name in the database.
    pub name: &'static str,
    /// The Rust field it maps to.
    pub field: &'static str,
    /// The column's portable type.
    pub ty: ColumnType,
    /// Whether the column accepts NULL (the field is an `Option`).
    pub nullable: bool,
    /// Whether the column is part of the primary key.
    pub primary_key: bool,
    /// Whether the database generates the value (an integer key that is `None` until added).
    pub generated: bool,
    /// Whether the column has a (non-unique) index.
    pub index: bool,
    /// Whether the column's values are unique.
    pub unique: bool,
    /// The column's default, applied by om when the field is `None` at `add`.
    pub default: DefaultValue,
    /// The column's on-update value, applied by om at every `update`.
    pub on_update: DefaultValue,
    /// Whether the column is the model's version (`#[om(version)]`, optimistic
    /// locking): set to 1 by `add`, checked and bumped by `update`, checked by `delete`.
    pub version: bool,
    /// The column this one references (`#[om(references(Model))]`): a foreign key,
    /// created with the table and followed by relations.
    pub references: Option<ForeignKey>,
    /// The constant default the database applies when an insert leaves the column out
    /// (`DEFAULT <literal>` in the DDL), from `#[om(default = <constant>)]`.
    pub db_default: Option<DatabaseDefault>,
    /// The column's previous name (`#[om(renamed_from = "old")]`): a generated
    /// migration renames it rather than dropping it and adding a new one.
    pub renamed_from: Option<&'static str>,
}

impl ColumnMeta {
    /// The column's identifier, for a hand-built sea-query statement.
    pub fn iden(&self) -> sea_query::DynIden {
        sea_query::DynIden::from(self.name)
    }

    /// A column with the given name, field and type and every flag off.
    pub const fn new(name: &'static str, field: &'static str, ty: ColumnType) -> Self {
        ColumnMeta {
            name,
            field,
            ty,
            nullable: false,
            primary_key: false,
            generated: false,
            index: false,
            unique: false,
            default: DefaultValue::None,
            on_update: DefaultValue::None,
            version: false,
            references: None,
            db_default: None,
            renamed_from: None,
        }
    }
}

/// A model's table: its name, its columns in field order and its primary key.
#[derive(Debug, PartialEq, Eq)]
pub struct TableMeta {
    /// The table's name.
    pub name: &'static str,
    /// The Rust type of the model.
    pub model: &'static str,
    /// The columns, in the order of the struct's fields and of the model's row decoder.
    pub columns: &'static [ColumnMeta],
    /// Positions in `columns` of the primary key's columns, in key order.
    pub primary_key: &'static [usize],
    /// The table of the model this one extends (joined-table inheritance): this
    /// table's key columns are the parent's key, and a foreign key to it. A row of the
    /// model spans the parent's tables and this one.
    pub parent: Option<&'static TableMeta>,
}

impl TableMeta {
    /// The table of a model that extends `parent`: `parent`'s key columns (same names
    /// and types, neither generated nor defaulted) and then `own`. Built once per model
    /// by `#[derive(Model)]` and kept for the life of the process.
    pub fn extending(
        parent: &'static TableMeta,
        name: &'static str,
        model: &'static str,
        own: &'static [ColumnMeta],
    ) -> TableMeta {
        TableMeta::assemble(name, model, own.to_vec(), Some(parent))
    }

    /// A table built when first used: for a model that extends another (its key
    /// columns are then `parent`'s, before `own`) or embeds column sets (whose columns
    /// `own` holds in field order). Kept for the life of the process.
    pub fn assemble(
        name: &'static str,
        model: &'static str,
        own: Vec<ColumnMeta>,
        parent: Option<&'static TableMeta>,
    ) -> TableMeta {
        let Some(parent) = parent else {
            let keys: Vec<usize> = own
                .iter()
                .enumerate()
                .filter(|(_, c)| c.primary_key)
                .map(|(i, _)| i)
                .collect();
            return TableMeta {
                name,
                model,
                columns: Box::leak(own.into_boxed_slice()),
                primary_key: Box::leak(keys.into_boxed_slice()),
                parent: None,
            };
        };
        let mut columns: Vec<ColumnMeta> = parent
            .key_columns()
            .map(|c| ColumnMeta {
                generated: false,
                index: false,
                unique: false,
                default: DefaultValue::None,
                on_update: DefaultValue::None,
                version: false,
                references: None,
                db_default: None,
                renamed_from: None,
                ..*c
            })
            .collect();
        let keys: Vec<usize> = (0..columns.len()).collect();
        columns.extend(own);
        TableMeta {
            name,
            model,
            columns: Box::leak(columns.into_boxed_slice()),
            primary_key: Box::leak(keys.into_boxed_slice()),
            parent: Some(parent),
        }
    }

    /// The tables a row of this model spans, the root of its inheritance first (only
    /// this table for a model that extends none).
    pub fn lineage(&'static self) -> Vec<&'static TableMeta> {
        let mut out = vec![self];
        let mut table = self;
        while let Some(parent) = table.parent {
            out.push(parent);
            table = parent;
        }
        out.reverse();
        out
    }

    /// How many columns a row of this model spans: its table's and its ancestors',
    /// each key once (a descendant's key columns repeat the root's and are not read).
    pub fn row_width(&self) -> usize {
        match self.parent {
            None => self.columns.len(),
            Some(parent) => self.columns.len() - self.primary_key.len() + parent.row_width(),
        }
    }

    /// The primary key's columns.
    pub fn key_columns(&self) -> impl Iterator<Item = &'static ColumnMeta> + '_ {
        let columns = self.columns;
        self.primary_key.iter().map(move |&i| &columns[i])
    }

    /// The column the database generates, if the model has one.
    pub fn generated_column(&self) -> Option<(usize, &'static ColumnMeta)> {
        self.columns.iter().enumerate().find(|(_, c)| c.generated)
    }

    /// The table's version column (`#[om(version)]`), if it has one; an ancestor's is
    /// in the ancestor's table.
    pub fn version_column(&self) -> Option<&'static ColumnMeta> {
        self.columns.iter().find(|c| c.version)
    }

    /// The column with this database name.
    pub fn column(&self, name: &str) -> Option<&'static ColumnMeta> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column `column` refers to, in this table or one of its ancestors'.
    pub fn find(&'static self, column: crate::expr::ColumnRef) -> Option<&'static ColumnMeta> {
        let mut table = Some(self);
        while let Some(t) = table {
            if t.name == column.table {
                return t.column(column.column);
            }
            table = t.parent;
        }
        None
    }

    /// The foreign keys of this table: its columns that reference another's.
    pub fn foreign_keys(&self) -> impl Iterator<Item = (&'static ColumnMeta, ForeignKey)> + '_ {
        self.columns
            .iter()
            .filter_map(|c| c.references.map(|fk| (c, fk)))
    }

    /// The table's identifier, for a hand-built sea-query statement:
    /// `Query::select().from(User::table().iden())`.
    pub fn iden(&self) -> sea_query::DynIden {
        sea_query::DynIden::from(self.name)
    }
}

/// Restores the fields a default or on-update step changed (no allocation when there
/// are none).
pub type Undo<M> = Box<dyn FnOnce(&mut M) + Send>;

/// A struct mapped to a table. Implemented by `#[derive(Model)]`; do not implement it by hand.
///
/// Everything here that can be computed at compile time is: the metadata is a `static`,
/// the column handles are a `const`, and rows decode straight into the fields by position.
pub trait Model: Sized + Send + Sync + Unpin + 'static {
    /// The struct of typed column handles passed to `filter` and `order_by` closures.
    type Columns: Sync + 'static;
    /// The type of the primary key: the key column's type, or a tuple for a composite key.
    type Key;

    /// The model's table metadata.
    fn table() -> &'static TableMeta;

    /// The model's typed column handles.
    fn columns() -> &'static Self::Columns;

    /// Decodes a model from `row`, starting at column position `offset`.
    fn from_row(row: &dyn Row, offset: usize) -> Result<Self>;

    /// Appends the value of every column, in [`TableMeta::columns`] order, to `out`.
    fn write_values(&self, out: &mut Vec<Value>);

    /// [`write_values`](Self::write_values), with text and bytes borrowed from the
    /// fields rather than copied: what a batch insert binds. The derive writes it; by
    /// default, the owned values.
    fn write_value_refs<'a>(&'a self, out: &mut Vec<ValueRef<'a>>) {
        let mut values = Vec::new();
        self.write_values(&mut values);
        out.extend(values.into_iter().map(ValueRef::Owned));
    }

    /// Appends the value of every primary key column, in key order, to `out`.
    fn write_key(&self, out: &mut Vec<Value>);

    /// Sets (or with `None`, clears) the database-generated key.
    ///
    /// Returns an error when the value does not fit the field.
    fn set_generated_key(&mut self, key: Option<i64>) -> Result<()>;

    /// Whether the database-generated key, if the model has one, is still unset.
    fn needs_generated_key(&self) -> bool;

    /// The value of the field mapped to `column` of `table` (this model's table or an
    /// ancestor's), `None` when the model has no such column.
    fn column_value(&self, table: &str, column: &str) -> Option<Value>;

    /// Sets the field mapped to `column` (of this model's table or an ancestor's) from
    /// `value`: how a relation fills a foreign key. Returns an error when the model has
    /// no such column or the value does not fit the field.
    fn set_column_value(&mut self, column: &str, value: Value) -> Result<()>;

    /// Fills every field that is `None` and declares a default, and starts the version
    /// column, if the model has one, at 1. The returned [`Undo`] puts the fields back
    /// as they were, for a write that failed.
    fn apply_defaults(&mut self) -> Undo<Self>;

    /// Appends `(table, column, value)` for every declared on-update value of the
    /// model's own columns, its column sets' and its ancestors',
    /// each evaluated once: what a bulk update writes.
    fn on_update_values(out: &mut Vec<(&'static str, &'static str, Value)>) {
        let _ = out;
    }

    /// Applies every declared on-update value. The returned [`Undo`] puts the fields
    /// back as they were, for a write that failed.
    fn apply_on_update(&mut self) -> Undo<Self>;

    /// Whether the model has a version column (`#[om(version)]`, its own or an
    /// ancestor's): its updates and deletes are then checked against it (optimistic
    /// locking).
    const VERSIONED: bool = false;

    /// The version the object holds, for a model that has a version column.
    fn version(&self) -> Option<i64> {
        None
    }

    /// Sets the object's version; a model without a version column ignores it.
    ///
    /// Returns an error when the value does not fit the field.
    fn set_version(&mut self, version: i64) -> Result<()> {
        let _ = version;
        Ok(())
    }
}

/// Compile-time checks used by `#[derive(Model)]`. Not a public API.
#[doc(hidden)]
pub mod __assert {
    /// Types that `#[om(size = N)]` applies to.
    #[diagnostic::on_unimplemented(
        message = "`size` applies to text columns only, and `{Self}` is not text",
        label = "not a text field"
    )]
    /// (`#[derive(Enum)]` implements it for an enum; an `Option` of one is text too.)
    pub trait TextField {}
    impl TextField for String {}
    impl TextField for Option<String> {}
    impl<T: crate::string_enum::StringEnum> TextField for Option<T> {}

    /// Types a database-generated key can have.
    #[diagnostic::on_unimplemented(
        message = "a generated primary key must be `Option<i64>`, `Option<i32>` or `Option<i16>`, not `{Self}`",
        label = "a key that is `Option<_>` is generated by the database; make it an integer Option, or not an Option"
    )]
    pub trait GeneratedKey {
        /// Converts a generated key into the field.
        fn from_generated(key: Option<i64>) -> Option<Self>
        where
            Self: Sized;
    }
    impl GeneratedKey for Option<i64> {
        fn from_generated(key: Option<i64>) -> Option<Self> {
            Some(key)
        }
    }
    impl GeneratedKey for Option<i32> {
        fn from_generated(key: Option<i64>) -> Option<Self> {
            match key {
                None => Some(None),
                Some(k) => i32::try_from(k).ok().map(Some),
            }
        }
    }
    impl GeneratedKey for Option<i16> {
        fn from_generated(key: Option<i64>) -> Option<Self> {
            match key {
                None => Some(None),
                Some(k) => i16::try_from(k).ok().map(Some),
            }
        }
    }

    /// Types a version column (`#[om(version)]`) can have.
    #[diagnostic::on_unimplemented(
        message = "a version column must be `i64` or `i32`, not `{Self}`",
        label = "`#[om(version)]` needs a plain integer: the version is always set"
    )]
    pub trait VersionField: Copy {
        /// The version `add` starts at: 1.
        const FIRST: Self;
        /// The field's value, widened.
        fn version(self) -> i64;
        /// A version as the field's type, if it fits.
        fn from_version(version: i64) -> Option<Self>;
    }
    impl VersionField for i64 {
        const FIRST: Self = 1;
        fn version(self) -> i64 {
            self
        }
        fn from_version(version: i64) -> Option<Self> {
            Some(version)
        }
    }
    impl VersionField for i32 {
        const FIRST: Self = 1;
        fn version(self) -> i64 {
            i64::from(self)
        }
        fn from_version(version: i64) -> Option<Self> {
            i32::try_from(version).ok()
        }
    }

    /// A foreign key's type is the referenced column's (both without `Option`).
    #[diagnostic::on_unimplemented(
        message = "a foreign key of type `{Self}` cannot reference a column of type `{T}`",
        label = "the foreign key's type must be the referenced column's (an `Option` of it is fine)"
    )]
    pub trait SameType<T> {}
    impl<T> SameType<T> for T {}

    /// Checks at compile time that a foreign key of type `F` can reference a key of type `K`.
    pub const fn references<F: SameType<K>, K>() {}
    /// A referenced column's type, taken from its handle before the foreign key's is
    /// checked against it (so that a mismatch names both types).
    #[derive(Debug)]
    pub struct Referenced<T>(std::marker::PhantomData<fn() -> T>);

    impl<T> Referenced<T> {
        /// The type of `_column`.
        pub fn of(_column: &crate::column::Column<T>) -> Self {
            Referenced(std::marker::PhantomData)
        }

        /// Checks that a foreign key of type `F` can reference the column.
        pub fn by<F: SameType<T>>(self) {}
    }

    /// Checks at compile time that `T` implements [`GeneratedKey`].
    pub const fn generated_key<T: GeneratedKey>() {}
    /// Checks at compile time that `T` implements [`TextField`].
    pub const fn text_field<T: TextField>() {}
    /// Checks at compile time that `T` is a column type om can store.
    pub const fn field<T: crate::value::Field>() {}
}
