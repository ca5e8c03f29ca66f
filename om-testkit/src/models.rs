//! The models the cases use.
#![allow(missing_docs)]

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use om::Model;
use rust_decimal::Decimal;
use uuid::Uuid;

/// asyncom's own example model.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "orm_test")]
pub struct OrmTest {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100, index)]
    pub name: String,
    pub value: Option<String>,
}

impl OrmTest {
    pub fn new(name: &str, value: Option<&str>) -> Self {
        OrmTest {
            id: None,
            name: name.into(),
            value: value.map(Into::into),
        }
    }
}

static COUNTER: AtomicI64 = AtomicI64::new(1);

/// A function default and on-update value: a process-wide counter.
pub fn next_counter() -> i64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// Defaults and on-update values, constant and computed.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Element {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100, index)]
    pub key: String,
    #[om(default = "asdf")]
    pub label: Option<String>,
    #[om(default_fn = next_counter, on_update_fn = next_counter)]
    pub revision: Option<i64>,
    #[om(default = 7, on_update = 0)]
    pub touched: Option<i32>,
}

impl Element {
    pub fn new(key: &str) -> Self {
        Element {
            id: None,
            key: key.into(),
            label: None,
            revision: None,
            touched: None,
        }
    }
}

/// A composite primary key of an integer and a text column.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Membership {
    #[om(primary_key)]
    pub group_id: i64,
    #[om(primary_key, size = 50)]
    pub member: String,
    pub role: Option<String>,
}

/// A key the user always gives, a unique column and a renamed column.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "accounts")]
pub struct Account {
    #[om(primary_key, size = 36)]
    pub code: String,
    #[om(size = 120, unique)]
    pub email: String,
    #[om(column = "display_name", size = 80)]
    pub name: String,
    pub active: bool,
    pub balance: i32,
}

/// Every column type om stores, NOT NULL.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct AllTypes {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub flag: bool,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    #[om(size = 20)]
    pub short_text: String,
    pub long_text: String,
    pub bytes: Vec<u8>,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub datetime: NaiveDateTime,
    pub timestamp: DateTime<Utc>,
    pub uuid: Uuid,
    pub decimal: Decimal,
    pub json: serde_json::Value,
}

/// Every column type a batch binds from the object as it is (numbers, booleans,
/// text, bytes, string enums), NOT NULL and nullable.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Scalars {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub flag: bool,
    pub tiny: i8,
    pub byte: u8,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub wide: u32,
    pub real: f32,
    pub double: f64,
    pub text: String,
    #[om(size = 30)]
    pub short: Option<String>,
    pub bytes: Vec<u8>,
    pub blob: Option<Vec<u8>>,
    pub status: Status,
    pub previous: Option<Status>,
    pub maybe_int: Option<i32>,
}

/// A table whose only column is its generated key: each row is inserted with
/// `DEFAULT VALUES`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "key_only")]
pub struct KeyOnly {
    #[om(primary_key)]
    pub id: Option<i64>,
}

/// Every column type om stores, nullable.
#[derive(Model, Debug, Clone, PartialEq, Default)]
pub struct NullableTypes {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub flag: Option<bool>,
    pub small: Option<i16>,
    pub int: Option<i32>,
    pub big: Option<i64>,
    pub real: Option<f32>,
    pub double: Option<f64>,
    pub text: Option<String>,
    pub bytes: Option<Vec<u8>>,
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
    pub datetime: Option<NaiveDateTime>,
    pub timestamp: Option<DateTime<Utc>>,
    pub uuid: Option<Uuid>,
    pub decimal: Option<Decimal>,
    pub json: Option<serde_json::Value>,
}

/// Writes text into `decode_probe.value`...
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "decode_probe")]
pub struct DecodeAsText {
    #[om(primary_key)]
    pub id: i64,
    #[om(size = 20)]
    pub value: String,
}

/// ...and reads it back as an integer, which must fail with a decode error.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "decode_probe")]
pub struct DecodeAsInt {
    #[om(primary_key)]
    pub id: i64,
    pub value: i64,
}

/// A model whose table is never created.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "never_created")]
pub struct Ghost {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub name: String,
}

/// Long table and column names: index names must stay distinct within 63 bytes.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "customer_contact_information_records_for_the_region")]
pub struct LongNames {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100, unique)]
    pub secondary_email_address_primary: String,
    #[om(size = 100, unique)]
    pub secondary_email_address_fallback: String,
}

/// Table `t` with column `a_b`...
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "t")]
pub struct AmbiguousT {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 20, unique)]
    pub a_b: String,
}

/// ...and table `t_a` with column `b`: their index names must still differ.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "t_a")]
pub struct AmbiguousTA {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 20, unique)]
    pub b: String,
}

/// An `i64` view of `narrow_keys`...
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "narrow_keys")]
pub struct WideKey {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 20)]
    pub name: String,
}

/// ...and an `i32` one, whose generated key may not fit.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "narrow_keys")]
pub struct NarrowKey {
    #[om(primary_key)]
    pub id: Option<i32>,
    #[om(size = 20)]
    pub name: String,
}

/// A generated `i16` key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct SmallKey {
    #[om(primary_key)]
    pub id: Option<i16>,
    #[om(size = 20)]
    pub name: String,
}

/// A generated `i32` key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct MediumKey {
    #[om(primary_key)]
    pub id: Option<i32>,
    #[om(size = 20)]
    pub name: String,
}

/// Narrow and unsigned integers, stored in the next wider signed column.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "unsigned_values")]
pub struct Unsigned {
    #[om(primary_key)]
    pub id: i64,
    pub tiny: u8,
    pub signed_tiny: i8,
    pub medium: u16,
    pub large: u32,
    pub maybe: Option<u32>,
}

/// The same table seen with plain `i64` columns, to store values out of range.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "unsigned_values")]
pub struct UnsignedAsWide {
    #[om(primary_key)]
    pub id: i64,
    pub tiny: i16,
    pub signed_tiny: i16,
    pub medium: i32,
    pub large: i64,
    pub maybe: Option<i64>,
}

/// A parent of [`Post`], for joins.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "authors")]
pub struct Author {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100)]
    pub name: String,
    #[om(size = 20)]
    pub hair_color: Option<String>,
}

/// A child of [`Author`], for joins.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "posts")]
pub struct Post {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(index)]
    pub author_id: i64,
    #[om(size = 200)]
    pub title: String,
}

/// The root of an inheritance: a person.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "people")]
pub struct Person {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100)]
    pub name: String,
    pub nickname: Option<String>,
}

impl Person {
    pub fn new(name: &str) -> Self {
        Person {
            id: None,
            name: name.into(),
            nickname: None,
        }
    }
}

/// A person who is an employee: a row in `people` and one in `employees`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "employees")]
pub struct Employee {
    #[om(parent)]
    pub person: Person,
    pub salary: i64,
    #[om(size = 50, unique)]
    pub badge: String,
}

impl Employee {
    pub fn new(name: &str, salary: i64, badge: &str) -> Self {
        Employee {
            person: Person::new(name),
            salary,
            badge: badge.into(),
        }
    }
}

/// An employee who manages others: three levels, with a default of its own.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "managers")]
pub struct Manager {
    #[om(parent)]
    pub employee: Employee,
    pub reports: i32,
    #[om(default = 1)]
    pub grade: Option<i32>,
}

/// Columns declared once and flattened into several tables.
#[derive(om::ColumnSet, Debug, Clone, PartialEq)]
pub struct Audit {
    #[om(default_fn = next_counter, on_update_fn = next_counter)]
    pub revision: Option<i64>,
    #[om(size = 40, index)]
    pub changed_by: String,
}

impl Audit {
    pub fn by(who: &str) -> Self {
        Audit {
            revision: None,
            changed_by: who.into(),
        }
    }
}

/// A model with a column set between its own columns.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "documents")]
pub struct Document {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100)]
    pub title: String,
    #[om(flatten)]
    pub audit: Audit,
    pub body: Option<String>,
}

/// Another model with the same set, and a text key.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "invoices")]
pub struct Invoice {
    #[om(primary_key, size = 20)]
    pub number: String,
    #[om(flatten)]
    pub audit: Audit,
    pub total: i64,
}

/// A child model with a column set of its own.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "contractors")]
pub struct Contractor {
    #[om(parent)]
    pub person: Person,
    #[om(flatten)]
    pub audit: Audit,
    pub rate: i64,
}

/// A typed document stored through `om::Json<T>`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub theme: String,
    pub volume: u8,
    pub tags: Vec<String>,
}

/// A document of another shape, to read `settings` rows into and fail.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OtherShape {
    pub missing_field: i64,
}

/// JSON columns: a `serde_json::Value`, a typed `Json<T>`, both nullable or not.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "json_docs")]
pub struct JsonDoc {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub doc: serde_json::Value,
    pub settings: om::Json<Settings>,
    pub extra: Option<serde_json::Value>,
    pub maybe_settings: Option<om::Json<Settings>>,
}

/// `json_docs` read with `settings` as another type, which must fail to decode.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "json_docs")]
pub struct JsonDocAsOther {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub doc: serde_json::Value,
    pub settings: om::Json<OtherShape>,
    pub extra: Option<serde_json::Value>,
    pub maybe_settings: Option<om::Json<OtherShape>>,
}

/// A string-backed enum: stored as `active`, `on_hold`, `gone`.
#[derive(om::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[om(rename_all = "snake_case")]
pub enum Status {
    Active,
    OnHold,
    #[om(rename = "gone")]
    Deleted,
}

/// An enum with its stored names as written and a wider column.
#[derive(om::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[om(size = 40)]
pub enum Priority {
    Low,
    High,
}

/// Enum fields, required and nullable.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "tickets")]
pub struct Ticket {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub status: Status,
    pub previous: Option<Status>,
    pub priority: Option<Priority>,
}

/// `tickets` with `status` as plain text, to store a name no variant has.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "tickets")]
pub struct TicketAsText {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 7)]
    pub status: String,
    pub previous: Option<String>,
    pub priority: Option<String>,
}

/// Narrow and unsigned integers, nullable.
#[derive(Model, Debug, Clone, PartialEq, Default)]
#[om(table = "nullable_narrow")]
pub struct NullableNarrow {
    #[om(primary_key)]
    pub id: Option<i64>,
    pub signed_tiny: Option<i8>,
    pub tiny: Option<u8>,
    pub medium: Option<u16>,
    #[om(size = 5)]
    pub short_text: Option<String>,
}

/// Optimistic locking: a version column, and an on-update value beside it.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "notes")]
pub struct Note {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 100)]
    pub text: String,
    #[om(default = 0, on_update_fn = next_counter)]
    pub edited: Option<i64>,
    #[om(version)]
    pub version: i64,
}

impl Note {
    pub fn new(text: &str) -> Self {
        Note {
            id: None,
            text: text.into(),
            edited: None,
            version: 0,
        }
    }
}

/// The versioned root of an inheritance, with a 32-bit version.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "vehicles")]
pub struct Vehicle {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub name: String,
    #[om(version)]
    pub version: i32,
}

/// A child of a versioned model: its version is its parent's, in `vehicles`.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "trucks")]
pub struct Truck {
    #[om(parent)]
    pub vehicle: Vehicle,
    pub load: i64,
}

impl Truck {
    pub fn new(name: &str, load: i64) -> Self {
        Truck {
            vehicle: Vehicle {
                id: None,
                name: name.into(),
                version: 0,
            },
            load,
        }
    }
}

/// A versioned child of an unversioned model: its version is in its own table.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "licences")]
pub struct Licence {
    #[om(parent)]
    pub person: Person,
    #[om(size = 20)]
    pub class: String,
    #[om(version)]
    pub revision: i64,
}

// Joins of three tables and more, and joins to models that extend others.

/// A comment on a [`Post`], maybe by a [`Person`] (who may be an employee or a
/// manager): the third table of a join.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "comments")]
pub struct Comment {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(index)]
    pub post_id: i64,
    #[om(index)]
    pub person_id: Option<i64>,
    #[om(size = 200)]
    pub body: String,
}

/// A reaction to a [`Comment`]: the fourth table of a join.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "reactions")]
pub struct Reaction {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(index)]
    pub comment_id: i64,
    #[om(size = 20)]
    pub emoji: String,
}

/// The root of a second inheritance: an asset.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "assets")]
pub struct Asset {
    #[om(primary_key)]
    pub id: Option<i64>,
    #[om(size = 50)]
    pub label: String,
}

/// An asset that is a laptop, maybe held by a [`Person`]: a child model joined from
/// another child model.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "laptops")]
pub struct Laptop {
    #[om(parent)]
    pub asset: Asset,
    #[om(index)]
    pub holder_id: Option<i64>,
    #[om(size = 50)]
    pub make: String,
}

impl Laptop {
    pub fn new(label: &str, holder_id: Option<i64>, make: &str) -> Self {
        Laptop {
            asset: Asset {
                id: None,
                label: label.into(),
            },
            holder_id,
            make: make.into(),
        }
    }
}

/// Writes a 64-bit integer and a float into `narrowing_probe`...
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "narrowing_probe")]
pub struct WideProbe {
    #[om(primary_key)]
    pub id: i64,
    pub value: i64,
    pub ratio: f64,
}

/// ...and reads them back narrower: in range they read, out of range they are refused.
#[derive(Model, Debug, Clone, PartialEq)]
#[om(table = "narrowing_probe")]
pub struct NarrowProbe {
    #[om(primary_key)]
    pub id: i64,
    pub value: i32,
    pub ratio: f32,
}
