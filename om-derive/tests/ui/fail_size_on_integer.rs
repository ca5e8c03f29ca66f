use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(size = 10)]
    age: i32,
}

fn main() {}
