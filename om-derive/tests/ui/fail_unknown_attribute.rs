use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(indexed)]
    name: String,
}

fn main() {}
