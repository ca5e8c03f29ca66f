use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(column = "Name")]
    display: String,
    name: String,
}

fn main() {}
