use om::prelude::*;

#[derive(FromRow)]
struct Person {
    id: i64,
    name: std::collections::HashMap<String, String>,
}

fn main() {}
