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
    let _ = Plain::columns().name.eq("x").and(Plain::columns().id.gt(1));
    let _ = Pair::columns().a.is_in([1, 2]);
}
