use om::prelude::*;

#[derive(Model)]
struct Post {
    #[om(primary_key)]
    id: Option<i64>,
    user_id: i64,
}

fn main() {
    let _ = Post::columns().id.eq(None);
    let some_option: Option<i64> = Some(1);
    let _ = Post::columns().user_id.eq(some_option);
}
