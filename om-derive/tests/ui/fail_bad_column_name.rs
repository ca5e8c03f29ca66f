use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(column = "name; DROP TABLE users")]
    name: String,
}

fn main() {}
