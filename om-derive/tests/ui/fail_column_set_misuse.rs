use om::prelude::*;

// A key belongs to a model, not to a set.
#[derive(om::ColumnSet)]
struct Keyed {
    #[om(primary_key)]
    id: i64,
}

// A set has no table.
#[derive(om::ColumnSet)]
#[om(table = "stamps")]
struct Tabled {
    at: i64,
}

#[derive(om::ColumnSet)]
struct Stamps {
    at: i64,
}

// A flattened field takes no column attribute.
#[derive(Model)]
struct Doc {
    #[om(primary_key)]
    id: i64,
    #[om(flatten, index)]
    stamps: Stamps,
}

fn main() {}
