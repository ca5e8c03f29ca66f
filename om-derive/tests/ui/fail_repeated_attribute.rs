use om::prelude::*;

fn one() -> i64 {
    1
}

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(size = 5, size = 6)]
    name: String,
    #[om(default = 1, default_fn = one)]
    rank: Option<i64>,
}

fn main() {}
