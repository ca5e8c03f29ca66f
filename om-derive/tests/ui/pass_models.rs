use om::prelude::*;

fn next() -> i64 {
    1
}

#[derive(Model)]
struct Plain {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(size = 10, index, unique, column = "label")]
    name: String,
    #[om(default = "x")]
    note: Option<String>,
    #[om(default_fn = next, on_update_fn = next)]
    revision: Option<i64>,
    #[om(on_update = 3)]
    touched: i32,
    // A constant default on a plain field: the column's database DEFAULT, NOT NULL.
    #[om(default = 7, renamed_from = "old_level")]
    level: i64,
    // A function default on a plain field: called at every `add`.
    #[om(default_fn = next)]
    created: i64,
}

#[derive(Model)]
#[om(table = "pairs")]
struct Pair {
    #[om(primary_key)]
    a: i32,
    #[om(primary_key)]
    b: String,
}

fn main() {
    assert_eq!(Plain::table().name, "plain");
    assert_eq!(Plain::table().columns[1].name, "label");
    assert_eq!(Pair::table().primary_key, &[0, 1]);
    let level = Plain::table().column("level").unwrap();
    assert!(!level.nullable);
    assert_eq!(level.renamed_from, Some("old_level"));
    assert_eq!(level.db_default.map(|d| d.value()), Some(om::Value::BigInt(Some(7))));
    assert!(Plain::table().column("created").unwrap().db_default.is_none());
    let _ = Plain::columns().name.eq("x").and(Plain::columns().id.gt(1));
    let _ = Pair::columns().a.is_in([1, 2]);
}
