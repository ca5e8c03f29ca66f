use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    tags: std::collections::HashMap<String, String>,
}

fn main() {}
