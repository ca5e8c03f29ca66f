use om::prelude::*;

#[derive(FromRow)]
struct Person {
    id: i64,
    #[om(primary_key)]
    name: String,
}

fn main() {}
