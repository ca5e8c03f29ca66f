use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
    name: String,
}

fn main() {
    let _ = User::columns().name.eq(42);
}
