use om::prelude::*;

#[derive(Model)]
struct Pair {
    #[om(primary_key)]
    a: i64,
    #[om(primary_key)]
    b: Option<i64>,
}

fn main() {}
