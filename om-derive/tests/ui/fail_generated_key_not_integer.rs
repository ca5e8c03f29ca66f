use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<String>,
    name: String,
}

fn main() {}
