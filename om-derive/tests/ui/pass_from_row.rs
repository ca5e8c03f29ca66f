use om::prelude::*;

#[derive(FromRow)]
struct Person {
    id: i64,
    #[om(column = "full_name")]
    name: String,
    email: Option<String>,
}

#[derive(FromRow)]
struct Pair(i64, Option<String>);

fn main() {
    let _ = <Person as om::FromRow>::from_row;
    let _ = <Pair as om::FromRow>::from_row;
}
