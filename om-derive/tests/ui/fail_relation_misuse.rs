use om::prelude::*;

#[derive(Model)]
struct User {
    #[om(primary_key)]
    id: Option<i64>,
}

// `set_null` needs a field that can be NULL.
#[derive(Model)]
struct Post {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(references(User, on_delete = set_null))]
    user_id: i64,
}

// An action om does not know.
#[derive(Model)]
struct Draft {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(references(User, on_delete = explode))]
    user_id: i64,
}

// A foreign key that does not end in `_id` names its relation.
#[derive(Model)]
struct Note {
    #[om(primary_key)]
    id: Option<i64>,
    #[om(references(User))]
    owner: i64,
}

// A many-to-many relation names its join model.
#[derive(Model)]
#[om(many_to_many(tags = User))]
struct Bookmark {
    #[om(primary_key)]
    id: Option<i64>,
}

fn main() {}
